"""The first apply of a brand-new project through the plugin's faces (issue 14 §1): the "Apply" macro
and the "Apply project configuration" step, for every project-level key of the language (one small
configuration per key, as in ``tests/python/apply/test_first_apply.py``).

Each must give one apply (one history entry, succeeded), the project counted as created
(``created_by_tool: true``), and nothing left to change.
"""
import os
import re
import runpy

import pytest

from emusupport import PROJECT_KEY_CASES, ROOT, project_case_yaml
from plugin_support import step_runner
from dataiku_framework import FrameworkConfig
from dataiku_framework.engine import Engine
from dataiku_framework.state import StateStore

PROJECT_KEYS = PROJECT_KEY_CASES
#: every STRIDE-th key per face (make test-py39 samples; make test runs them all)
CASES = sorted(PROJECT_KEYS)[::int(os.environ.get("APPLY_FIRST_STRIDE", "1"))]
#: a new project: the components act on the project they run in (P1) unless the "Target project"
#: parameter names another, which its caller must administer (an administrator's key here)
KEY = "BRAND_NEW"


def config_text(case):
    return project_case_yaml(KEY, case)


def assert_first_apply(client, case):
    engine = Engine(client=client)
    history = engine.history(KEY)
    assert [(h["operation"], h["result"]) for h in history] == [("apply", "succeeded")], history
    record = StateStore(client, KEY).read().resource("project")
    assert record is not None and record["created_by_tool"] is True, record
    assert not engine.plan(FrameworkConfig.from_yaml(config_text(case))).has_changes


@pytest.mark.parametrize("case", CASES)
def test_the_apply_macro(dss, configs, client, case):
    configs.upload("project.yaml", config_text(case))
    runnable = runpy.run_path(os.path.join(ROOT, "python-runnables", "apply", "runnable.py"))["MyRunnable"](
        "P1", {"folder": "configs", "target_project": KEY}, {})
    progress = []
    page = runnable.run(progress.append)
    # the project and its parts (variables, code envs...) are creations, never updates of what the
    # project's creation made
    assert re.search(r"Apply complete: [1-9][0-9]* created, 0 updated", page) and progress and progress[-1] == 100, page
    assert_first_apply(client, case)


@pytest.mark.parametrize("case", CASES)
def test_the_apply_step(dss, configs, client, monkeypatch, case):
    configs.upload("project.yaml", config_text(case))
    variables = step_runner(dss, monkeypatch, os.path.join(ROOT, "python-steps", "apply-config", "step.py"))(
        {"folder": "configs", "mode": "apply", "target_project": KEY})
    assert variables["framework_apply_succeeded"] and variables["framework_created"] >= 1 \
        and variables["framework_updated"] == 0, variables
    assert_first_apply(client, case)
