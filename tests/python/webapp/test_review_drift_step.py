"""The review page's "Drift" view shows the last drift check, whether a click on the page or the
"Check drift" scenario step made it: the step records its check where the page reads it."""
import os

import pytest

from emusupport import ROOT
from plugin_support import step_runner

from dataiku_framework.plugin.review import DRIFT_FILE
from dataiku_framework.state.dssfiles import LibraryDocument

STEP = os.path.join(ROOT, "python-steps", "check-drift", "step.py")


def test_the_check_drift_step_records_its_check_for_the_review_page(dss, monkeypatch, deployed, client):
    project = client.get_project("CUSTOMER_ANALYTICS")
    step_runner(dss, monkeypatch, STEP)({"folder": "configs"})
    last = LibraryDocument(client, "CUSTOMER_ANALYTICS", DRIFT_FILE).read_document()
    assert last is not None and last["count"] == 0 and last["by"] == "admin" and last["at"]
    project.get_dataset("CLEAN_CUSTOMERS").delete()
    with pytest.raises(Exception, match="differs from configuration"):
        step_runner(dss, monkeypatch, STEP)({"folder": "configs"})
    last = LibraryDocument(client, "CUSTOMER_ANALYTICS", DRIFT_FILE).read_document()
    assert last["count"] == 1 and "dataset.CLEAN_CUSTOMERS" in last["differences"][0]
    assert last["source"] == {"type": "folder", "folder": "configs", "path": "project.yaml"}


APPLY_STEP = os.path.join(ROOT, "python-steps", "apply-config", "step.py")


def test_the_apply_step_s_no_drift_check_is_recorded_for_the_review_page(dss, monkeypatch, configs, client):
    """Mode ``apply_if_no_drift`` checks drift before applying: that check is the page's last one too,
    whether it found none (and applied) or found some (and held the apply back)."""
    from plugin_support import PROJECT_YAML, SCENARIO_YAML
    run = step_runner(dss, monkeypatch, APPLY_STEP)
    configs.upload("project.yaml", PROJECT_YAML + SCENARIO_YAML)
    assert run({"folder": "configs", "mode": "apply"})["framework_applied"] is True
    assert LibraryDocument(client, "CUSTOMER_ANALYTICS", DRIFT_FILE).read_document() is None  # no check made
    configs.upload("project.yaml", PROJECT_YAML + SCENARIO_YAML.replace("hour: 2", "hour: 3"))
    assert run({"folder": "configs", "mode": "apply_if_no_drift"})["framework_applied"] is True
    last = LibraryDocument(client, "CUSTOMER_ANALYTICS", DRIFT_FILE).read_document()
    assert last is not None and last["count"] == 0 and last["by"] == "admin"
    project = client.get_project("CUSTOMER_ANALYTICS")
    [item] = [s for s in project.list_scenarios() if s["name"] == "daily_refresh"]
    settings = project.get_scenario(item["id"]).get_settings()
    settings.raw_triggers[0]["params"]["hour"] = 7
    settings.save()
    variables = run({"folder": "configs", "mode": "apply_if_no_drift", "fail_on": "never"})
    assert variables["framework_applied"] is False and variables["framework_drift_count"] >= 1
    last = LibraryDocument(client, "CUSTOMER_ANALYTICS", DRIFT_FILE).read_document()
    assert last["count"] == variables["framework_drift_count"]
    assert any(line.startswith("scenario.daily_refresh") for line in last["differences"])
    assert last["source"] == {"type": "folder", "folder": "configs", "path": "project.yaml"}
