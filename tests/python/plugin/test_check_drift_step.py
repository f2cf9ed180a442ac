"""The "Check drift" scenario step, run as a script the way DSS runs custom steps."""
import os

import pytest

from emusupport import ROOT
from plugin_support import PROJECT_YAML, SCENARIO_YAML, step_runner

STEP = os.path.join(ROOT, "python-steps", "check-drift", "step.py")


@pytest.fixture
def run_drift_step(dss, monkeypatch):
    return step_runner(dss, monkeypatch, STEP)


def _scenario_settings(project, name):
    [item] = [s for s in project.list_scenarios() if s["name"] == name]
    return project.get_scenario(item["id"]).get_settings()


def test_no_drift_passes_and_sets_variables(run_drift_step, deployed, capsys):
    variables = run_drift_step({"folder": "configs"})
    assert variables == {"framework_config_valid": True, "framework_drift_detected": False,
                         "framework_drift_count": 0, "framework_drift_create": 0, "framework_drift_update": 0,
                         "framework_drift_replace": 0, "framework_drift_delete": 0}
    assert "No changes. DSS matches the configuration." in capsys.readouterr().out  # the plan goes to the log


def test_a_change_made_in_dss_fails_the_step_listing_it(run_drift_step, deployed, client, dss):
    settings = _scenario_settings(client.get_project("CUSTOMER_ANALYTICS"), "daily_refresh")
    settings.raw_triggers[0]["params"]["hour"] = 7
    settings.save()
    with pytest.raises(Exception) as info:
        run_drift_step({"folder": deployed.folder_id, "config_path": "/project.yaml"})
    lines = str(info.value).splitlines()
    assert lines[0] == ("error[plugin.drift]: Project CUSTOMER_ANALYTICS on %s differs from configuration "
                        "'project.yaml' in managed folder 'configs' (1 difference(s)):" % client.host)
    assert lines[1:] == ["  scenario.daily_refresh: update (1 field differs)"]
    variables = dss.scenario.VARIABLES
    assert (variables["framework_drift_detected"], variables["framework_drift_count"],
            variables["framework_drift_update"]) == (True, 1, 1)


def test_invalid_config_fails_the_step_with_its_errors(run_drift_step, deployed, dss):
    deployed.upload("project.yaml", PROJECT_YAML.replace("inputs: [RAW_CUSTOMERS]", "inputs: [RAW_CUSTOMER]")
                    + SCENARIO_YAML)
    with pytest.raises(Exception) as info:
        run_drift_step({"folder": "configs"})
    message = str(info.value)
    assert message.splitlines()[0].startswith("error[config.invalid]: Configuration is invalid: nothing was planned "
                                              "(project CUSTOMER_ANALYTICS on http")
    assert message.splitlines()[1].startswith("Configuration 'project.yaml' in managed folder 'configs' is invalid: "
                                              "1 error(s)")
    assert "unknown dataset or folder 'RAW_CUSTOMER'" in message
    assert dss.scenario.VARIABLES["framework_config_valid"] is False
    assert dss.scenario.VARIABLES["framework_drift_detected"] is False
