"""A script written for a real DSS, run against the emulator with whichever client is installed.

`make test` runs this file twice: with the pinned 15.x client and with a 13.x client, so the
emulator is proven against both wire generations (multipart shapes, delete semantics, polling).
Only public client calls are used, the way a platform team's own scripts would.
"""
import os

import dataikuapi
import pytest



def test_client_version_is_the_one_under_test():
    """`make test` says which client generation each run is meant to exercise; check it really is."""
    import importlib.metadata as md
    major = md.version("dataiku-api-client").split(".")[0]
    assert major in ("12", "13", "14", "15")
    expected = os.environ.get("EXPECT_DATAIKUAPI_MAJOR")
    if expected:
        assert major == expected


def test_end_to_end_script(client):
    client.create_project("SCRIPTED", "Scripted project", "admin", description="made by a script")
    project = client.get_project("SCRIPTED")
    assert "SCRIPTED" in client.list_project_keys()

    variables = project.get_variables()
    variables["standard"]["env"] = "dev"
    project.set_variables(variables)
    assert project.get_variables()["standard"] == {"env": "dev"}

    project.create_sql_table_dataset("RAW", "Snowflake", "snowflake_prod", "RAW_TABLE", "PUBLIC")
    builder = project.new_managed_dataset("CLEAN")
    builder.with_store_into("filesystem_managed")
    builder.create()
    names = sorted(d["name"] for d in project.list_datasets())
    assert names == ["CLEAN", "RAW"]
    clean = project.get_dataset("CLEAN").get_settings().get_raw()
    assert clean["managed"] is True and clean["params"]["connection"] == "filesystem_managed"
    assert clean["formatType"] and clean["formatParams"]

    recipe = (project.new_recipe("python", "compute_CLEAN").with_input("RAW").with_output("CLEAN")
              .with_script("print('hello')").create())
    settings = recipe.get_settings()
    assert settings.get_recipe_raw_definition()["type"] == "python"
    assert settings.get_payload() == "print('hello')"

    graph = project.get_flow().get_graph().data
    assert "compute_CLEAN" in graph["nodes"]

    scenario = project.create_scenario("Daily refresh", "step_based")
    ssettings = scenario.get_settings()
    ssettings.raw_steps.append({"type": "build_flowitem", "name": "build",
                                "params": {"builds": [{"type": "DATASET", "itemId": "CLEAN"}],
                                           "jobType": "RECURSIVE_BUILD"}})
    ssettings.save()
    run = scenario.run_and_wait()
    assert run.outcome == "SUCCESS"
    assert len(scenario.get_last_runs()) == 1

    folder = project.create_managed_folder("files")
    folder.put_file("dir/a b.txt", b"some bytes")
    paths = [i["path"] for i in folder.list_contents()["items"]]
    assert paths == ["/dir/a b.txt"]
    assert folder.get_file("dir/a b.txt").content == b"some bytes"

    grouping = (project.new_recipe("grouping", "group_CLEAN").with_input("CLEAN")
                .with_new_output("CLEAN_by_key", "filesystem_managed").with_group_key("id").create())
    gsettings = grouping.get_settings()
    gsettings.set_global_count_enabled(True)
    gsettings.save()
    assert grouping.get_settings().get_json_payload()["globalCount"] is True
    assert project.get_dataset("CLEAN_by_key").build().get_status()["baseStatus"]["state"] == "DONE"

    other = project.create_managed_folder("scratch")
    other.delete()  # 13.x sends no dropData parameter and reads no body; 15.1+ sends dropData=False
    assert [f["name"] for f in project.list_managed_folders()] == ["files"]

    log = project.get_project_git().log()["entries"]
    assert len(log) >= 5
    assert all(len(e["commit"]) == 40 for e in log)

    with pytest.raises(dataikuapi.utils.DataikuException) as missing:
        project.get_dataset("NOPE").get_settings()
    assert "does not exist" in str(missing.value)

    project.delete()
    assert "SCRIPTED" not in client.list_project_keys()
