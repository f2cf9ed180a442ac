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
