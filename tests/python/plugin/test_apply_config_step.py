"""The "Apply project configuration" scenario step, run as a script the way DSS runs custom steps."""
import os

import pytest

from emusupport import ANALYST_KEY, ROOT
from plugin_support import PROJECT_YAML, SCENARIO_YAML, step_runner
from dataiku_framework.plugin.apply import step_params_from_config

STEP = os.path.join(ROOT, "python-steps", "apply-config", "step.py")
KEY = "CUSTOMER_ANALYTICS"
CHANGED = PROJECT_YAML + SCENARIO_YAML.replace("hour: 2", "hour: 3")


@pytest.fixture
def run_apply_step(dss, monkeypatch):
    return step_runner(dss, monkeypatch, STEP)


@pytest.fixture
def applied(run_apply_step, configs, dss):
    configs.upload("project.yaml", PROJECT_YAML + SCENARIO_YAML)
    variables = run_apply_step({"folder": "configs"})
    assert variables["framework_applied"] and variables["framework_apply_succeeded"], variables
    dss.scenario.VARIABLES.clear()
    return configs


def _scenario_settings(client, name="daily_refresh"):
    project = client.get_project(KEY)
    [item] = [s for s in project.list_scenarios() if s["name"] == name]
    return project.get_scenario(item["id"]).get_settings()


def _hour(client):
    return _scenario_settings(client).raw_triggers[0]["params"]["hour"]


def _drift(client, hour=7):
    settings = _scenario_settings(client)
    settings.raw_triggers[0]["params"]["hour"] = hour  # changed in DSS, outside the configuration
    settings.save()


def test_apply_mode_applies_and_sets_the_variables(run_apply_step, applied, client, capsys):
    applied.upload("project.yaml", CHANGED)
    variables = run_apply_step({"folder": "configs", "mode": "apply"})
    assert _hour(client) == 3
    apply_id = variables.pop("framework_apply_id")
    assert apply_id
    assert variables == {
        "framework_config_valid": True, "framework_has_changes": True, "framework_drift_count": 0,
        "framework_drift_detected": False, "framework_applied": True, "framework_apply_succeeded": True,
        "framework_plan_create": 0, "framework_plan_update": 1, "framework_plan_replace": 0, "framework_plan_delete": 0,
        "framework_created": 0, "framework_updated": 1, "framework_replaced": 0, "framework_deleted": 0,
        "framework_failed": 0, "framework_skipped": 0}
    log = capsys.readouterr().out  # the plan first (before any write), then progress, then the outcome
    assert (log.index("triggers[0].hour: 2 -> 3") < log.index("[1/1] update scenario.daily_refresh: succeeded")
            < log.index("Apply complete: 0 created, 1 updated, 0 replaced, 0 deleted."))


def test_plan_only_never_writes_and_fails_on_changes_when_asked(run_apply_step, applied, client, emulator, dss):
    applied.upload("project.yaml", CHANGED)
    emulator.stats.reset()
    variables = run_apply_step({"folder": "configs", "mode": "plan_only", "fail_on": "never"})
    assert (variables["framework_applied"], variables["framework_plan_update"], variables["framework_apply_id"]) == (
        False, 1, None)
    with pytest.raises(Exception) as info:
        run_apply_step({"folder": "configs", "mode": "plan_only", "fail_on": "changes"})
    assert str(info.value).startswith("error[plugin.changes]: Project %s on %s (configuration 'project.yaml' in "
                                      "managed folder 'configs') had 1 change(s) to make: not applied (plan only)"
                                      % (KEY, emulator.url))
    assert "scenario.daily_refresh: update" in str(info.value)
    assert emulator.stats.writes == 0 and _hour(client) == 2


def test_plan_only_as_an_ordinary_user_needs_no_admin_rights(run_apply_step, configs, client, monkeypatch):
    """Of the project it runs in (a configuration naming P1 itself, no target project)."""
    project = client.get_project("P1")
    permissions = project.get_permissions()
    permissions["permissions"].append({"group": "data_team", "readProjectContent": True})
    project.set_permissions(permissions)
    configs.upload("project.yaml", PROJECT_YAML.replace("key: %s" % KEY, "key: P1").replace(
        "Customer Analytics Pipeline", "Project one"))
    monkeypatch.setenv("DKU_STANDIN_API_KEY", ANALYST_KEY)
    variables = run_apply_step({"folder": "configs", "mode": "plan_only", "target_project": ""})
    assert variables["framework_has_changes"] is True and variables["framework_applied"] is False
    with pytest.raises(Exception, match=r"^error\[project.not_admin\]: apply needs administrator rights on project P1: "
                                        "DSS user analyst"):
        run_apply_step({"folder": "configs", "mode": "apply", "target_project": ""})


def test_fail_on_changes_fails_after_applying(run_apply_step, applied, client, dss):
    applied.upload("project.yaml", CHANGED)
    with pytest.raises(Exception) as info:
        run_apply_step({"folder": "configs", "mode": "apply", "fail_on": "changes"})
    assert "had 1 change(s) to make: Apply complete: 0 created, 1 updated" in str(info.value)
    assert str(info.value).startswith("error[plugin.changes]: Project %s" % KEY)
    assert _hour(client) == 3 and dss.scenario.VARIABLES["framework_applied"] is True
    assert run_apply_step({"folder": "configs", "mode": "apply", "fail_on": "changes"})["framework_has_changes"] is False


def test_drift_holds_back_apply_if_no_drift_and_fails_on_drift(run_apply_step, applied, client, dss, emulator):
    _drift(client)
    variables = run_apply_step({"folder": "configs", "mode": "apply_if_no_drift", "fail_on": "never"})
    assert variables["framework_drift_detected"] is True and variables["framework_drift_count"] >= 1
    assert variables["framework_applied"] is False and _hour(client) == 7
    with pytest.raises(Exception) as info:
        run_apply_step({"folder": "configs", "mode": "apply_if_no_drift", "fail_on": "drift"})
    message = str(info.value)
    assert "DSS was changed outside the configuration" in message and "nothing was applied" in message
    assert message.startswith("error[plugin.drift]: Project %s" % KEY)
    assert "scenario.daily_refresh" in message and _hour(client) == 7
    variables = run_apply_step({"folder": "configs", "mode": "apply"})  # apply overwrites the drift
    assert variables["framework_applied"] is True and variables["framework_drift_detected"] is True
    assert _hour(client) == 2


def test_a_failed_apply_fails_the_step_naming_the_resource(run_apply_step, applied, emulator, dss):
    applied.upload("project.yaml", CHANGED)
    emulator.faults.configure({"fail_nth_write": 1, "fail_status": 500, "fail_count": 100,
                               "path_contains": "/scenarios/"})
    with pytest.raises(Exception) as info:
        run_apply_step({"folder": "configs"})
    emulator.faults.clear()
    lines = str(info.value).splitlines()
    assert lines[0].startswith("error[plugin.apply_failed]: Apply failed: ")
    assert "(project %s on %s, apply id " % (KEY, emulator.url) in lines[0]
    assert lines[1].startswith("  update scenario.daily_refresh: failed: ")
    variables = dss.scenario.VARIABLES
    assert (variables["framework_apply_succeeded"], variables["framework_failed"]) == (False, 1)
    assert variables["framework_apply_id"]


def test_invalid_config_fails_the_step_with_its_errors(run_apply_step, applied, dss):
    applied.upload("project.yaml", PROJECT_YAML.replace("inputs: [RAW_CUSTOMERS]", "inputs: [RAW_CUSTOMER]"))
    with pytest.raises(Exception) as info:
        run_apply_step({"folder": "configs"})
    assert str(info.value).startswith("error[config.invalid]: Configuration is invalid: nothing was planned")
    assert str(info.value).splitlines()[1].startswith("Configuration 'project.yaml' in managed folder 'configs' is "
                                                      "invalid")
    assert dss.scenario.VARIABLES["framework_config_valid"] is False
    assert dss.scenario.VARIABLES["framework_applied"] is False


def test_step_parameters_default_and_refuse_unknown_choices():
    params = step_params_from_config({"folder": "f"})
    assert (params["mode"], params["fail_on"], params["allow_delete"]) == ("apply", "never", False)
    with pytest.raises(ValueError, match="unknown value 'sometimes'"):
        step_params_from_config({"folder": "f", "mode": "sometimes"})


def test_an_unknown_choice_fails_the_step_with_its_code(run_apply_step, configs):
    """Every failure of the step reads ``error[CODE]: message``, a parameter's as much as the apply's."""
    with pytest.raises(ValueError, match=r"^error\[plugin.parameter\]: unknown value 'sometimes'"):
        run_apply_step({"folder": "configs", "mode": "sometimes"})
