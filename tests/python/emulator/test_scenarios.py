"""Scenarios through the real client: ids, defaults, stamps, synchronous runs, run history, errors."""
import datetime
import json

import pytest
import requests
from dataikuapi.utils import DataikuException

from emusupport import ADMIN_KEY, ANALYST_KEY, assert_put_replaces, fs_dataset, make_emulator


@pytest.fixture
def flow(project):
    fs_dataset(project, "raw")
    fs_dataset(project, "clean")
    project.new_recipe("python", "r1").with_input("raw").with_output("clean").with_script("pass").create()
    return project


def _build_step(item, **extra):
    step = {"type": "build_flowitem", "name": "build %s" % item,
            "params": {"builds": [{"type": "DATASET", "itemId": item, "partitionsSpec": ""}],
                       "jobType": "RECURSIVE_BUILD"}}
    step.update(extra)
    return step


def test_create_generates_ids_from_name(project):
    assert project.create_scenario("Daily refresh", "step_based").id == "DAILY_REFRESH"
    assert project.create_scenario("Daily refresh", "step_based").id == "DAILY_REFRESH_1"
    assert project.create_scenario("daily-refresh", "step_based").id == "DAILY_REFRESH_2"
    items = project.list_scenarios()
    assert sorted(i._data["id"] for i in items) == ["DAILY_REFRESH", "DAILY_REFRESH_1", "DAILY_REFRESH_2"]
    item = items[0]
    # DSSScenarioListItem.id returns the name (client bug): both keys are served
    assert item.id == "Daily refresh" and item._data["name"] == "Daily refresh"
    assert item.running is False and item._data["projectKey"] == "P1" and item._data["type"] == "step_based"
    assert item._data["active"] is False and item._data["tags"] == []
    assert item.to_scenario().get_settings().get_raw()["id"] == item._data["id"]
    assert [s.id for s in project.list_scenarios(as_type="objects")] == [i._data["id"] for i in items]


def test_new_scenario_defaults_and_stamps(project):
    raw = project.create_scenario("S", "step_based").get_settings().get_raw()
    assert raw["projectKey"] == "P1" and raw["type"] == "step_based" and raw["name"] == "S"
    assert raw["active"] is False and raw["markedAsTest"] is False
    assert raw["triggers"] == [] and raw["reporters"] == [] and raw["params"] == {"steps": []}
    assert raw["creationTag"]["lastModifiedBy"]["login"] == "admin"
    assert raw["versionTag"]["versionNumber"] == 0
    created = project.create_scenario("S2", "step_based", definition={"active": True, "params": {"steps": []}})
    assert created.get_settings().active is True


def test_save_fills_trigger_step_defaults_and_bumps_version(flow):
    scenario = flow.create_scenario("S", "step_based")
    settings = scenario.get_settings()
    settings.add_daily_trigger(hour=2, minute=30)
    settings.raw_steps.append(_build_step("clean"))
    settings.raw_reporters.append({"messaging": {"type": "mail-scenario", "configuration": {}}})
    settings.active = True
    settings.get_raw()["versionTag"] = {"versionNumber": 99}   # server-owned: ignored
    settings.save()
    raw = scenario.get_settings().get_raw()
    trigger = raw["triggers"][0]
    assert len(trigger["id"]) == 8 and trigger["name"] == "Time-based" and trigger["delay"] == 5
    assert trigger["graceDelaySettings"] == {"delay": 0, "checkAgainAfterGraceDelay": False}
    assert trigger["params"]["hour"] == 2 and trigger["active"] is True
    step = raw["params"]["steps"][0]
    assert step["id"] == "build_0" and step["runConditionType"] == "RUN_IF_STATUS_MATCH"
    assert step["runConditionStatuses"] == ["SUCCESS", "WARNING"] and step["enabled"] is True
    assert step["maxRetriesOnFail"] == 0 and step["name"] == "build clean"
    assert raw["reporters"][0]["id"] and raw["reporters"][0]["active"] is True
    assert raw["active"] is True and raw["versionTag"]["versionNumber"] == 1
    # ids are kept on the next save
    scenario.get_settings().save()
    again = scenario.get_settings().get_raw()
    assert again["triggers"][0]["id"] == trigger["id"] and again["versionTag"]["versionNumber"] == 2
    assert again["creationTag"] == raw["creationTag"]


def test_bad_bodies_are_400(project, emulator):
    scenario = project.create_scenario("S", "step_based")
    with pytest.raises(DataikuException, match="IllegalArgument"):
        scenario.set_definition({"triggers": "daily"}, with_status=False)
    with pytest.raises(DataikuException, match="IllegalArgument"):
        project.create_scenario("S", "nonsense")
    with pytest.raises(DataikuException, match="IllegalArgument"):
        project.create_scenario("   ", "step_based")
    resp = requests.post(emulator.url + "/dip/publicapi/projects/P1/scenarios/", data=b"{not json",
                         auth=(ADMIN_KEY, ""))
    assert resp.status_code == 400 and "JsonParseException" in resp.json()["errorType"]


def test_light_status_and_deprecated_definition_calls(project):
    scenario = project.create_scenario("S", "step_based")
    status = scenario.get_status()
    assert status.running is False and status.next_run is None
    light = scenario.get_definition()
    assert light["id"] == "S" and light["active"] is False and light["nextRun"] == 0
    light["active"] = True
    light["name"] = "ignored"
    scenario.set_definition(light)
    raw = scenario.get_settings().get_raw()
    assert raw["active"] is True and raw["name"] == "S" and raw["versionTag"]["versionNumber"] == 1
    full = scenario.get_definition(with_status=False)
    assert full["triggers"] == []


def test_custom_python_payload_and_run(project):
    scenario = project.create_scenario("Py", "custom_python")
    settings = scenario.get_settings()
    assert "Scenario()" in settings.code
    settings.code = "print('hello')"
    settings.save()
    assert scenario.get_settings().code == "print('hello')"
    run = scenario.run_and_wait()
    assert run.outcome == "SUCCESS"
    assert "not executed" in run.get_log()


def test_run_and_wait_builds_through_jobs(flow):
    scenario = flow.create_scenario("Build", "step_based")
    settings = scenario.get_settings()
    settings.raw_steps.append(_build_step("clean"))
    settings.save()
    run = scenario.run_and_wait()
    assert run.outcome == "SUCCESS" and run.running is False
    assert run.get_info()["scenario"] == {"projectKey": "P1", "id": "BUILD", "name": "Build", "type": "step_based",
                                          "markedAsTest": False}
    assert run.trigger["type"] == "manual"
    details = run.get_details()
    assert details.last_step.outcome == "SUCCESS"
    job_id = details.steps[0].job_ids[0]
    assert flow.get_job(job_id).get_status()["baseStatus"]["state"] == "DONE"
    assert flow.get_job(job_id).get_status()["baseStatus"]["def"]["triggeredFrom"] == "SCENARIO"
    assert run.end_time >= run.start_time


def test_missing_dataset_fails_the_run(flow):
    scenario = flow.create_scenario("Broken", "step_based")
    settings = scenario.get_settings()
    settings.raw_steps.extend([_build_step("nope"), _build_step("clean"),
                               _build_step("clean", runConditionType="RUN_ALWAYS", name="always")])
    settings.save()
    with pytest.raises(DataikuException, match="FAILED"):
        scenario.run_and_wait()
    run = scenario.run_and_wait(no_fail=True)
    assert run.outcome == "FAILED"
    details = run.get_details()
    # the second step (RUN_IF_STATUS_MATCH on SUCCESS/WARNING) is skipped after the failure
    assert [s["step"]["name"] for s in details.steps] == ["build nope", "always"]
    assert details.steps[0].outcome == "FAILED" and details.steps[1].outcome == "SUCCESS"
    assert "does not exist" in details.first_error_details["message"]


def test_run_history_and_trigger_fires(flow):
    scenario = flow.create_scenario("S", "step_based")
    fire = scenario.run({"k": "v"})
    raw_fire = fire.get_raw()
    assert raw_fire["cancelled"] is False and raw_fire["params"] == {"k": "v"}
    first = fire.wait_for_scenario_run()
    assert first.get_info()["trigger"]["params"] == {"k": "v"}
    second = scenario.run_and_wait()
    last = scenario.get_last_runs(limit=5)
    assert [r.id for r in last] == [second.id, first.id]
    assert [r.id for r in scenario.get_last_runs(limit=1, only_finished_runs=True)] == [second.id]
    assert scenario.get_last_finished_run().id == second.id and scenario.get_current_run() is None
    today = datetime.date.today()
    assert len(scenario.get_runs_by_date(today, today + datetime.timedelta(days=1))) == 2
    assert scenario.get_runs_by_date(today - datetime.timedelta(days=2), today) == []
    assert scenario.get_run(first.id).id == first.id
    again = scenario.get_trigger_fire("manual", raw_fire["runId"])
    assert again.get_raw()["runId"] == raw_fire["runId"] and again.is_cancelled(refresh=True) is False
    assert scenario.abort() == {}
    assert flow.list_scenarios()[0]._data["start"] == second.get_info()["start"]


def test_set_project_vars_step(project):
    scenario = project.create_scenario("Vars", "step_based")
    settings = scenario.get_settings()
    settings.raw_steps.append({"type": "set_project_vars", "params": {"variables": {"env": "prod"}}})
    settings.save()
    assert scenario.run_and_wait().outcome == "SUCCESS"
    assert project.get_variables()["standard"]["env"] == "prod"


def test_unknown_objects_are_404(project):
    missing = project.get_scenario("NOPE")
    for call in (missing.get_settings, missing.get_status, missing.run, missing.delete, missing.get_last_runs):
        with pytest.raises(DataikuException) as e:
            call()
        assert "NotFoundException" in str(e.value) and "does not exist" in str(e.value)
    scenario = project.create_scenario("S", "step_based")
    with pytest.raises(DataikuException, match="does not exist"):
        scenario.get_run("2020-01-01-00-00-00-000")
    with pytest.raises(DataikuException, match="does not exist"):
        scenario.get_trigger_fire("manual", "nope")


def test_delete(project):
    scenario = project.create_scenario("S", "step_based")
    scenario.run_and_wait()
    assert isinstance(scenario.delete(), dict)
    assert project.list_scenarios() == []
    with pytest.raises(DataikuException, match="does not exist"):
        scenario.get_settings()
    log = project.get_project_git().log()["entries"]
    assert log[0]["message"] == "Deleted scenario S"


def test_permissions(project, emulator):
    project.create_scenario("S", "step_based")
    analyst = emulator.client(ANALYST_KEY).get_project("P1")
    with pytest.raises(DataikuException, match="Failed to read project permissions"):
        analyst.list_scenarios()
    perms = project.get_permissions()
    perms["permissions"].append({"group": "data_team", "readProjectContent": True})
    project.set_permissions(perms)
    assert [s._data["id"] for s in analyst.list_scenarios()] == ["S"]
    with pytest.raises(DataikuException, match="forbidden"):
        analyst.get_scenario("S").run()
    with pytest.raises(DataikuException, match="forbidden"):
        analyst.create_scenario("X", "step_based")


@pytest.mark.parametrize("step", [{"runConditionStatuses": 5}, {"runConditionStatuses": ["SUCCESS", 1]},
                                  {"enabled": "yes"}, {"params": []}, {"maxRetriesOnFail": "3"}, {"name": ["n"]}])
def test_steps_with_wrong_field_types_are_400(project, step):
    scenario = project.create_scenario("S", "step_based")
    settings = scenario.get_settings()
    settings.raw_steps.append(dict({"type": "exec_sql"}, **step))
    with pytest.raises(DataikuException, match="IllegalArgument"):
        settings.save()
    assert scenario.get_settings().raw_steps == []


@pytest.mark.parametrize("field, items", [("triggers", [{"delay": "soon"}]), ("triggers", [{"active": 1}]),
                                          ("reporters", [{"phase": 3}]), ("tags", [1, "a"]), ("tags", [{}])])
def test_triggers_reporters_and_tags_with_wrong_types_are_400(project, field, items):
    scenario = project.create_scenario("S", "step_based")
    settings = scenario.get_settings()
    settings.get_raw()[field] = items
    with pytest.raises(DataikuException, match="IllegalArgument"):
        settings.save()
    assert scenario.get_settings().get_raw()[field] == []


@pytest.mark.parametrize("tags", [[1, "a"], [{}], [[]]])
def test_light_save_with_non_string_tags_is_400(project, emulator, tags):
    scenario = project.create_scenario("S", "step_based")     # the client has no method saving /light
    resp = requests.put(emulator.url + "/dip/publicapi/projects/P1/scenarios/S/light", json={"tags": tags},
                        auth=(ADMIN_KEY, ""))
    assert resp.status_code == 400 and "must be a list of strings" in resp.json()["detailedMessage"]
    assert scenario.get_status().get_raw()["tags"] == []


def _export_with_scenario(tmp_path, step):
    config = tmp_path / "export" / "project_config"
    (config / "scenarios").mkdir(parents=True)
    (config / "params.json").write_text(json.dumps({"owner": "admin", "name": "Seeded"}))
    (config / "scenarios" / "S.json").write_text(json.dumps({"type": "step_based", "name": "S", "params": {
        "steps": [dict({"id": "s1", "type": "exec_sql", "name": "broken"}, **step)]}}))
    return str(tmp_path / "export")


def test_a_run_that_cannot_execute_ends_failed(tmp_path):
    """A definition stored without validation (a seeded export) must end its run FAILED, not running."""
    emu = make_emulator(seed_exports={"SEEDED": _export_with_scenario(tmp_path, {"runConditionStatuses": 5})})
    try:
        scenario = emu.client(ADMIN_KEY).get_project("SEEDED").get_scenario("S")
        run = scenario.run_and_wait(no_fail=True)
        assert run.outcome == "FAILED" and run.running is False
        thrown = run.get_info()["result"]["thrown"]
        assert "TypeError" in thrown["message"] and thrown["clazz"].endswith("DKUException")
        assert [r.outcome for r in scenario.get_last_runs(only_finished_runs=True)] == ["FAILED"]
        assert "Scenario run FAILED" in scenario.get_last_runs()[0].get_log()
    finally:
        emu.stop()


def test_put_replaces_the_scenario_definition(project):
    """Issue 6 §3: keys the body leaves out are gone; client stamps are ignored."""
    sc = project.create_scenario("S", "step_based")
    assert_put_replaces(project, sc.get_settings, "/projects/P1/scenarios/%s" % sc.id)
