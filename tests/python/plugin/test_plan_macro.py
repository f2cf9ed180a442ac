"""The "Plan project configuration" macro, run as DSS runs it, on a real managed folder in the emulator."""
import os

import pytest

from emusupport import ROOT
from plugin_support import PROJECT_YAML, SCENARIO_YAML, macro_runner, parse_html as _parse
from dataiku_framework.plugin.plan import plan_params_from_config
from dataiku_framework.sources import FolderNotFound

RUNNABLE = os.path.join(ROOT, "python-runnables", "plan", "runnable.py")
DESCRIPTION = "<script>alert(1)</script>"


@pytest.fixture
def run_plan_macro(dss):
    """The Plan macro (``macro_runner`` on its ``runnable.py``); returns its HTML."""
    return macro_runner(RUNNABLE)


def test_unchanged_project_gives_a_plan_without_changes(run_plan_macro, deployed):
    page = run_plan_macro({"folder": deployed.folder_id, "config_path": "project.yaml"})
    parsed = _parse(page)
    assert "No changes. DSS matches the configuration." in parsed.texts
    assert "script" not in parsed.tags and "<html" not in page  # an embeddable fragment, no script


def test_one_field_change_shows_that_update(run_plan_macro, deployed):
    deployed.upload("project.yaml", PROJECT_YAML.replace("name: Customer Analytics Pipeline",
                                                         "name: Customer Analytics Pipeline\n  description: '%s'"
                                                         % DESCRIPTION) + SCENARIO_YAML.replace("hour: 2", "hour: 3"))
    page = run_plan_macro({"folder": "configs"})
    texts = _parse(page).texts
    assert "Plan: 0 to create, 2 to update, 0 to delete." in texts
    assert texts[texts.index("triggers[0].hour") + 1: texts.index("triggers[0].hour") + 3] == ["2", "3"]
    assert DESCRIPTION not in page and any(DESCRIPTION in t for t in texts)  # shown, escaped


def test_invalid_config_shows_its_problems_and_plans_nothing(run_plan_macro, configs, emulator):
    configs.upload("project.yaml", PROJECT_YAML.replace("inputs: [RAW_CUSTOMERS]", "inputs: [RAW_CUSTOMER]"))
    page = run_plan_macro({"folder": configs.folder_id})
    texts = _parse(page).texts
    assert any(t.startswith("error[config.invalid]: Configuration is invalid: nothing was planned (project "
                            "CUSTOMER_ANALYTICS on http") for t in texts), texts
    assert any("project.yaml:" in t and "did you mean 'RAW_CUSTOMERS'?" in t for t in texts)
    assert "dkuframework-" not in page and "/tmp" not in page  # folder-relative names only


def test_missing_config_file_is_reported_like_the_validate_macro(run_plan_macro, configs):
    texts = _parse(run_plan_macro({"folder": "configs", "config_path": "prod.yaml"})).texts
    assert any("configuration file 'prod.yaml' not found in managed folder 'configs'" in t for t in texts)


def test_unknown_folder_fails_the_macro(run_plan_macro, configs):
    with pytest.raises(FolderNotFound, match="managed folder 'nope' not found in project 'P1'"):
        run_plan_macro({"folder": "nope"})


def test_parameters_default_when_dss_leaves_them_out():
    assert plan_params_from_config({"folder": "f", "parallelism": 4.0}) == {
        "folder_ref": "f", "config_path": "project.yaml", "env": None, "parallelism": 4, "target": None}
    assert plan_params_from_config({"folder": "f", "config_path": " ", "environment": " prod ",
                                    "parallelism": "x"})["parallelism"] == 8
    assert plan_params_from_config(None)["env"] is None
    assert plan_params_from_config({"target_project": " B "})["target"] == "B"
    assert plan_params_from_config({"target_project": " "})["target"] is None
