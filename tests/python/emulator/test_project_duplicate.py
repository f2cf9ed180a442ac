"""project.duplicate(): configuration copied under a new key, connections remapped, data only in FULL."""
import pytest
from dataikuapi.utils import DataikuException


def test_duplicate_copies_configuration_and_remaps_connections(client, project):
    project.create_sql_table_dataset("RAW", "PostgreSQL", "pg", "T", "public")
    project.new_recipe("python", "r").with_input("RAW").with_new_output_dataset("OUT", "filesystem_managed") \
        .with_script("print(1)").create()
    folder = project.create_managed_folder("files")
    folder.put_file("a.txt", b"data")
    variables = project.get_variables()
    variables["standard"]["x"] = 1
    project.set_variables(variables)

    answer = project.duplicate("P1_COPY", "Copy", remapping={"connections": {"pg": "snowflake_prod"}})
    assert answer["targetProjectKey"] == "P1_COPY"
    copy = client.get_project("P1_COPY")
    assert copy.get_summary()["name"] == "Copy"
    raw = copy.get_dataset("RAW").get_settings().get_raw()
    assert raw["params"]["connection"] == "snowflake_prod" and raw["projectKey"] == "P1_COPY"
    assert copy.get_recipe("r").get_settings().get_payload() == "print(1)"
    assert copy.get_variables()["standard"] == {"x": 1}
    assert copy.get_managed_folder(folder.id).list_contents()["items"] == []  # MINIMAL: no data
    assert project.get_dataset("RAW").get_settings().get_raw()["params"]["connection"] == "pg"  # source untouched

    project.duplicate("P1_FULL", "Full copy", duplication_mode="FULL")
    assert client.get_project("P1_FULL").get_managed_folder(folder.id).get_file("a.txt").content == b"data"
    assert len(client.get_project("P1_FULL").get_project_git().log()["entries"]) == 1


def test_duplicate_to_an_existing_key_is_refused(client, project):
    client.create_project("TAKEN", "Taken", "admin")
    with pytest.raises(DataikuException) as err:
        project.duplicate("TAKEN", "x")
    assert "already exists" in str(err.value)


def test_duplicate_needs_project_admin(project, analyst):
    perms = project.get_permissions()
    perms["permissions"].append({"group": "data_team", "readProjectContent": True, "writeProjectContent": True})
    project.set_permissions(perms)
    with pytest.raises(DataikuException) as err:
        analyst.get_project("P1").duplicate("P1_ANALYST", "x")
    assert "forbidden" in str(err.value).lower()


def test_duplicate_into_a_project_folder(client, project, emulator):
    emulator.add_project_folder("TEAM", "Team")
    project.duplicate("P1_TEAM", "In team folder", target_project_folder=client.get_project_folder("TEAM"))
    assert "P1_TEAM" in client.get_project_folder("TEAM").list_project_keys()
    with pytest.raises(DataikuException) as err:
        client.get_project("P1").client._perform_json(
            "POST", "/projects/P1/duplicate/", body={"targetProjectKey": "P1_X", "targetProjectName": "x",
                                                     "targetProjectFolderId": "NOPE"})
    assert "Project folder NOPE does not exist" in str(err.value)
    assert "P1_X" not in client.list_project_keys()
