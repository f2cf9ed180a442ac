"""Project creation and editing through the real client: bad input is DSS's 400/404, never a crash."""
import pytest
from dataikuapi.utils import DataikuException


@pytest.mark.parametrize("kw", [
    {"project_key": 5}, {"project_key": ["P9"]}, {"name": 7}, {"owner": ["admin"]},
    {"permissions": ["x"]}, {"permissions": [{"group": ["data_team"]}]}, {"permissions": [{"group": "nope"}]},
    {"tags": [1, "a"]}, {"tags": [{}]}, {"tags": "t"}, {"settings": [1]}, {"description": 3}])
def test_create_with_bad_fields_is_400(client, kw):
    args = dict({"project_key": "P9", "name": "Nine", "owner": "admin"}, **kw)
    with pytest.raises(DataikuException, match="IllegalArgument"):
        client.create_project(args.pop("project_key"), args.pop("name"), args.pop("owner"), **args)
    assert client.list_project_keys() == []


def test_create_checks_and_fills_permissions_and_tags(client):
    client.create_project("P9", "Nine", "admin", permissions=[{"group": "data_team", "readProjectContent": True}],
                          tags=["b", "a", "b"])
    p = client.get_project("P9")
    entry = p.get_permissions()["permissions"][0]
    assert entry["group"] == "data_team" and entry["readProjectContent"] is True and entry["admin"] is False
    assert p.get_metadata()["tags"] == ["a", "b"]


def test_unknown_project_folder_is_refused(client, emulator):
    with pytest.raises(DataikuException, match="Project folder nope does not exist"):
        client.create_project("P9", "Nine", "admin", project_folder_id="nope")
    assert client.list_project_keys() == []
    emulator.add_project_folder("TEAM", "Team")
    client.create_project("P9", "Nine", "admin", project_folder_id="TEAM")
    assert client.get_project_folder("TEAM").list_project_keys() == ["P9"]
    assert client.get_root_project_folder().list_project_keys() == []


@pytest.mark.parametrize("tags", [[1, "a"], [{}], [[]]])
def test_metadata_with_non_string_tags_is_400(project, tags):
    md = project.get_metadata()
    md["tags"] = tags
    with pytest.raises(DataikuException, match="must be a list of strings"):
        project.set_metadata(md)
    assert project.get_metadata()["tags"] == []


@pytest.mark.parametrize("remapping", [{"connections": "pg"}, {"connections": {"pg": 5}}, ["pg"]])
def test_duplicate_with_malformed_remapping_is_400(client, project, remapping):
    with pytest.raises(DataikuException, match="IllegalArgument"):
        project.duplicate("P2", "Two", remapping=remapping)
    assert client.list_project_keys() == ["P1"]


def test_settings_stamps_are_the_servers(client, project):
    """Issue 6 §3: a settings PUT carrying someone else's stamp is stamped by the server."""
    before = client._perform_json("GET", "/projects/P1/settings")
    settings = project.get_settings()
    settings.get_raw()["versionTag"] = {"versionNumber": 99, "lastModifiedBy": {"login": "mallory"},
                                        "lastModifiedOn": 1}
    settings.get_raw()["creationTag"] = {"versionNumber": 0, "lastModifiedBy": {"login": "mallory"},
                                         "lastModifiedOn": 1}
    settings.save()
    after = client._perform_json("GET", "/projects/P1/settings")
    assert after["versionTag"]["versionNumber"] == before["versionTag"]["versionNumber"] + 1
    assert after["versionTag"]["lastModifiedBy"] == {"login": "admin"}
    assert after["creationTag"] == before["creationTag"]


def test_metadata_save_bumps_the_project_version_seen_by_settings(client, project):
    """Issue 6 §2: metadata is part of the one project record (params.json)."""
    before = client._perform_json("GET", "/projects/P1/settings")["versionTag"]["versionNumber"]
    md = project.get_metadata()
    md["tags"] = ["new_tag"]
    project.set_metadata(md)
    after = client._perform_json("GET", "/projects/P1/settings")
    assert after["tags"] == ["new_tag"] and after["versionTag"]["versionNumber"] == before + 1
    assert client.get_project("P1").get_summary()["tags"] == ["new_tag"]


def test_settings_put_replaces_but_keeps_the_owner(client, project):
    """Keys the body leaves out are gone; a body without ``owner`` keeps the owner (a project
    always has one); an unknown owner is a 400."""
    raw = client._perform_json("GET", "/projects/P1/settings")
    raw["extra"] = 1
    client._perform_empty("PUT", "/projects/P1/settings", body=raw)
    del raw["owner"], raw["extra"], raw["tutorialProject"]
    client._perform_empty("PUT", "/projects/P1/settings", body=raw)
    after = client._perform_json("GET", "/projects/P1/settings")
    assert after["owner"] == "admin" and "extra" not in after and "tutorialProject" not in after
    with pytest.raises(DataikuException, match="Owner nobody does not exist"):
        client._perform_empty("PUT", "/projects/P1/settings", body=dict(raw, owner="nobody"))
