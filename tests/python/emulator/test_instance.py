"""Instance-level objects through the real client: connections (settings, secrets), users' secrets."""
import pytest
import requests
from dataikuapi.utils import DataikuException

from emusupport import ADMIN_KEY, ANALYST_KEY

PLACEHOLDER = "**********"
UPLOADS = "Default (in DSS data dir.)"


def _pg_with_properties(client):
    client.create_connection("pg_props", "PostgreSQL", params={
        "password": "pw", "properties": [
            {"name": "sslpassword", "value": "hunter2", "secret": True},
            {"name": "apiToken", "value": "tok", "secret": False},
            {"name": "sslmode", "value": "require", "secret": False}]})
    return client.get_connection("pg_props")


# -- connection settings ---------------------------------------------------------------------------
def test_save_without_type_keeps_name_and_type(client):
    conn = client.get_connection("pg")
    settings = conn.get_settings()
    raw = settings.get_raw()
    del raw["type"]
    raw["name"] = "renamed"
    raw["description"] = "main warehouse"
    settings.save()
    saved = conn.get_settings().get_raw()
    assert (saved["name"], saved["type"], saved["description"]) == ("pg", "PostgreSQL", "main warehouse")
    assert "pg" in client.list_connections_names("PostgreSQL")
    assert conn.get_info()["type"] == "PostgreSQL"


def test_save_merges_onto_the_stored_definition(client, emulator):
    resp = requests.put(emulator.url + "/dip/publicapi/admin/connections/pg", json={"description": "d"},
                        auth=(ADMIN_KEY, ""))
    assert resp.status_code == 200
    saved = client.get_connection("pg").get_settings().get_raw()
    assert saved["description"] == "d" and saved["params"]["host"] == "localhost" and saved["usableBy"] == "ALL"
    assert client.list_connections_names("all")        # readers of every connection still work


@pytest.mark.parametrize("body", [{"type": 5}, {"params": "x"}, {"allowedGroups": [{}]}, {"usableBy": []}])
def test_save_with_wrong_types_is_400(client, body):
    settings = client.get_connection("pg").get_settings()
    settings.get_raw().update(body)
    with pytest.raises(DataikuException, match="IllegalArgument"):
        settings.save()
    assert client.get_connection("pg").get_settings().get_raw()["type"] == "PostgreSQL"


@pytest.mark.parametrize("kw", [{"type": 5}, {"type": "PostgreSQL", "allowed_groups": [{}]},
                                {"type": "PostgreSQL", "params": "x"}])
def test_create_with_wrong_types_is_400(client, kw):
    with pytest.raises(DataikuException, match="IllegalArgument"):
        client.create_connection("bad", **kw)
    assert "bad" not in client.list_connections_names("all")


# -- secrets --------------------------------------------------------------------------------------
def test_secret_properties_are_redacted_for_admins_and_users(client, emulator, analyst):
    conn = _pg_with_properties(client)
    props = conn.get_settings().get_raw()["params"]["properties"]
    assert props == [{"name": "sslpassword", "value": PLACEHOLDER, "secret": True},
                     {"name": "apiToken", "value": PLACEHOLDER, "secret": False},     # its name looks secret
                     {"name": "sslmode", "value": "require", "secret": False}]
    info = analyst.get_connection("pg_props").get_info()
    assert [p["value"] for p in info["params"]["properties"]] == [PLACEHOLDER, PLACEHOLDER, "require"]
    assert info["params"]["password"] == PLACEHOLDER
    listed = requests.get(emulator.url + "/dip/publicapi/admin/connections/", auth=(ADMIN_KEY, "")).json()
    assert "hunter2" not in str(listed) and "'pw'" not in str(listed)


def test_get_then_save_keeps_list_secrets(client, emulator):
    conn = _pg_with_properties(client)
    settings = conn.get_settings()
    settings.get_raw()["params"]["properties"].reverse()                      # matched by name, not position
    settings.get_raw()["params"]["properties"].append({"name": "newpassword", "value": "fresh", "secret": True})
    settings.save()
    stored = {p["name"]: p for p in emulator.instance.connections["pg_props"]["params"]["properties"]}
    assert stored["sslpassword"] == {"name": "sslpassword", "value": "hunter2", "secret": True}
    assert stored["apiToken"]["value"] == "tok" and stored["newpassword"]["value"] == "fresh"
    assert emulator.instance.connections["pg_props"]["params"]["password"] == "pw"


def test_admin_user_listing_hides_secrets_and_credentials(client, emulator):
    user = client.get_user("analyst")
    settings = user.get_settings()
    settings.add_secret("warehouse_token", "s3cr3t")
    settings.set_basic_connection_credential("pg", "bob", "bobpw")
    settings.save()
    listed = {u["login"]: u for u in client.list_users()}["analyst"]
    assert listed["secrets"] == [{"name": "warehouse_token", "value": PLACEHOLDER, "secret": True}]
    assert listed["credentials"]["pg"] == {"type": "BASIC", "user": "bob", "password": PLACEHOLDER}
    assert "s3cr3t" not in str(user.get_settings().get_raw()) and "bobpw" not in str(client.list_users())
    user.get_settings().save()                                                # round trip keeps them
    stored = emulator.instance.users["analyst"]
    assert stored["secrets"][0]["value"] == "s3cr3t" and stored["credentials"]["pg"]["password"] == "bobpw"


def test_user_save_with_wrong_types_is_400(client):
    settings = client.get_user("analyst").get_settings()
    settings.get_raw()["groups"] = "administrators"
    with pytest.raises(DataikuException, match="IllegalArgument"):
        settings.save()
    assert client.get_user("analyst").get_settings().get_raw()["groups"] == ["data_team"]


# -- built-in upload connection ---------------------------------------------------------------------
def test_upload_connection_exists_out_of_the_box(client, project, emulator):
    assert UPLOADS in client.list_connections_names("Filesystem")
    raw = client.get_connection(UPLOADS).get_settings().get_raw()
    assert raw["type"] == "Filesystem" and raw["allowManagedDatasets"] is False
    ds = project.create_upload_dataset("up")
    assert ds.get_settings().get_raw_params()["uploadConnection"] == UPLOADS
    assert emulator.client(ANALYST_KEY).get_connection(UPLOADS).get_info()["type"] == "Filesystem"
    with pytest.raises(DataikuException, match="Connection nope does not exist"):
        project.create_upload_dataset("up2", connection="nope")


def test_own_settings_hide_stored_secrets_and_keep_them_on_save(client):
    me = client.get_own_user()
    settings = me.get_settings()
    settings.get_raw()["secrets"] = [{"key": "token", "value": "s3cr3t-value"}]
    settings.save()
    raw = me.get_settings().get_raw()
    assert raw["secrets"][0]["value"] != "s3cr3t-value"
    raw_settings = me.get_settings()
    raw_settings.get_raw()["displayName"] = "Admin renamed"
    raw_settings.save()  # the placeholder goes back: the stored secret must survive
    info = client.get_auth_info(with_secrets=True)
    assert {"key": "token", "value": "s3cr3t-value"} in info["secrets"]
    assert me.get_settings().get_raw()["displayName"] == "Admin renamed"


@pytest.mark.parametrize("edition, community", [(None, False), ("enterprise", False), ("free", True)])
def test_licensing_status_reports_the_configured_edition(edition, community):
    """Issue 6 §4: ``GET /admin/licensing/status`` in DSS's shape; the edition is set at start."""
    from emusupport import make_emulator
    emu = make_emulator(**({} if edition is None else {"edition": edition}))
    try:
        status = emu.client(ADMIN_KEY).get_licensing_status()
        assert status["communityEdition"] is community
        base = status["base"]
        assert base["valid"] is True and base["expired"] is False and isinstance(base["expiresOn"], int)
        assert base["licenseContent"]["licenseKind"] == ("FREE" if community else "ENTERPRISE")
        assert isinstance(base["licenseContent"]["properties"], dict)
        with pytest.raises(DataikuException, match="administrator"):
            emu.client(ANALYST_KEY).get_licensing_status()
    finally:
        emu.stop()


def test_unknown_edition_is_refused_at_start():
    from emusupport import make_emulator
    with pytest.raises(ValueError, match="edition"):
        make_emulator(edition="platinum")


def test_edition_cli_option():
    from dss_emulator.__main__ import parse_args
    assert parse_args(["serve", "--edition", "free"]).edition == "free"
    assert parse_args(["serve"]).edition == "enterprise"


# -- project folders (dss-rest-api.md: create_sub_folder, move_project_to) --------------------------
def test_sub_folders_are_created_and_a_project_moves_between_folders(client, project):
    root = client.get_root_project_folder()
    team = root.create_sub_folder("Team")
    sales = team.create_sub_folder("Sales")
    assert sales.get_path() == "/Team/Sales" and sales.id not in ("ROOT", team.id)
    assert [f.get_name() for f in client.get_root_project_folder().list_child_folders()] == ["Team"]
    project.move_to_folder(sales)
    assert client.get_project_folder(sales.id).list_project_keys() == ["P1"]
    assert "P1" not in client.get_root_project_folder().list_project_keys()
    assert project.get_project_folder().get_path() == "/Team/Sales"


def test_a_move_is_refused_from_a_folder_without_the_project_or_to_an_unknown_one(client, project):
    team = client.get_root_project_folder().create_sub_folder("Team")
    with pytest.raises(DataikuException, match="is not in project folder"):
        team.move_project_to("P1", client.get_root_project_folder())
    with pytest.raises(DataikuException, match="Project folder nope does not exist"):
        client.get_root_project_folder().move_project_to("P1", type("Folder", (), {"id": "nope"})())
    assert client.get_root_project_folder().list_project_keys() == ["P1"]
    with pytest.raises(DataikuException, match="name is required"):
        client.get_root_project_folder().create_sub_folder("")
