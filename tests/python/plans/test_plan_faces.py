"""The plugin's faces of the plan store: the Plan macro and the apply step in plan-only mode with
"Store the plan" save the plan they show, with their managed-folder source; the stored plan is then
applied as stored, its configuration read again from that folder."""
import os

import pytest
from plugin_support import PROJECT_YAML, SCENARIO_YAML, macro_runner, step_runner

from emusupport import ROOT
from dataiku_framework.engine import Engine
from dataiku_framework.state.plans import PlanStore
from dataiku_framework.stored_plans import apply_stored

MACRO = os.path.join(ROOT, "python-runnables", "plan", "runnable.py")
STEP = os.path.join(ROOT, "python-steps", "apply-config", "step.py")
KEY = "CUSTOMER_ANALYTICS"


def _changed(configs):
    configs.upload("project.yaml", PROJECT_YAML.replace("Customer Analytics Pipeline", "Renamed") + SCENARIO_YAML)


def test_plan_macro_stores_the_plan_it_shows_then_it_applies_from_the_folder(dss, deployed, client):
    _changed(deployed)
    html = macro_runner(MACRO)({"folder": deployed.folder_id, "store_plan": True})
    [entry] = PlanStore(client, KEY).list()
    assert "Stored as plan %s" % entry["id"] in html and entry["status"] == "pending"
    assert entry["source"] == {"type": "folder", "project": "P1", "folder": deployed.folder_id,
                               "path": "project.yaml", "environment": None}
    store = PlanStore(client, KEY)
    store.approve(entry["id"])
    result = apply_stored(Engine(client=client), KEY, entry["id"], checkpoint=False)
    assert result.succeeded and client.get_project(KEY).get_summary()["name"] == "Renamed"
    assert store.get(entry["id"])["status"] == "applied"


def test_plan_macro_without_the_option_stores_nothing(dss, deployed, client):
    _changed(deployed)
    html = macro_runner(MACRO)({"folder": deployed.folder_id})
    assert "Stored as plan" not in html and PlanStore(client, KEY).list() == []


def test_apply_step_in_plan_only_mode_stores_the_plan(dss, deployed, client, monkeypatch):
    _changed(deployed)
    variables = step_runner(dss, monkeypatch, STEP)({"folder": deployed.folder_id, "mode": "plan_only",
                                                      "store_plan": True})
    [entry] = PlanStore(client, KEY).list()
    assert variables["framework_stored_plan_id"] == entry["id"] and not variables["framework_applied"]
    assert entry["summary"]["update"] == 1


def test_a_plan_that_cannot_be_stored_is_still_shown_saying_why(dss, configs, client, monkeypatch):
    """The project does not exist yet: the macro shows the plan and why it was not stored; the step,
    asked to store it, fails saying why."""
    html = macro_runner(MACRO)({"folder": configs.folder_id, "store_plan": True})
    assert "Not stored: this plan creates project %s" % KEY in html and "RAW_CUSTOMERS" in html
    with pytest.raises(Exception, match="this plan creates project %s" % KEY):
        step_runner(dss, monkeypatch, STEP)({"folder": configs.folder_id, "mode": "plan_only", "store_plan": True})
    assert dss.scenario.VARIABLES["framework_stored_plan_id"] is None


def test_the_apply_step_s_store_is_decided_in_the_library(dss, deployed, client):
    """``plugin.apply.store_step_plan``: what the step stores (plan only mode with "Store the plan"),
    the line it logs and the scenario variable it sets; nothing in another mode."""
    from dataiku_framework.plugin.apply import apply_from_folder, store_step_plan
    _changed(deployed)
    lines = []
    report = apply_from_folder(client, "P1", deployed.folder_id, mode="plan_only", target=KEY)
    config = {"folder": deployed.folder_id, "target_project": KEY, "store_plan": True}
    assert store_step_plan(client, report, "P1", dict(config, mode="apply"), lines.append) == {}
    assert lines == [] and PlanStore(client, KEY).list() == []
    variables = store_step_plan(client, report, "P1", dict(config, mode="plan_only"), lines.append)
    [entry] = PlanStore(client, KEY).list()
    assert variables == {"framework_stored_plan_id": entry["id"]} and lines == ["Stored plan: %s" % entry["id"]]
