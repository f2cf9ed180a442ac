"""Fixtures for the plugin components: the ``dataiku`` stand-in, a real managed folder of configuration files.

The stand-in ``dataiku`` package is importable only while a test using the
``dss`` fixture runs: its folder is prepended to ``sys.path`` with monkeypatch
and every ``dataiku``/``dataiku.*`` module is dropped from ``sys.modules``
afterwards, so no other test can import a fake ``dataiku``.
"""
import json
import os
import runpy
import sys

import pytest

from emusupport import ADMIN_KEY, ROOT
from plugin_support import DATASETS_YAML, PROJECT_YAML, RECIPE_PY

HERE = os.path.dirname(os.path.abspath(__file__))
STANDIN = os.path.join(HERE, "standin")
RUNNABLE = os.path.join(ROOT, "python-runnables", "validate-config", "runnable.py")
STEP = os.path.join(ROOT, "python-steps", "validate-config", "step.py")

def _forget_dataiku():
    for name in [n for n in sys.modules if n == "dataiku" or n.startswith("dataiku.")]:
        del sys.modules[name]


@pytest.fixture
def dss(monkeypatch, emulator, project):
    """The DSS runtime seen by a component: stand-in ``dataiku`` on a real client (admin) in project P1."""
    _forget_dataiku()
    monkeypatch.syspath_prepend(STANDIN)
    monkeypatch.setenv("DKU_STANDIN_URL", emulator.url)
    monkeypatch.setenv("DKU_STANDIN_API_KEY", ADMIN_KEY)
    monkeypatch.setenv("DKU_CURRENT_PROJECT_KEY", "P1")
    import dataiku.scenario
    assert dataiku.__file__.startswith(STANDIN)
    dataiku.scenario.VARIABLES.clear()
    yield dataiku
    _forget_dataiku()


@pytest.fixture
def configs(project):
    """A real managed folder ``configs`` in P1 holding a valid configuration, an included file and a code file.

    ``upload(path, text)`` adds or replaces a file; ``folder_id`` is the folder's DSS id.
    """
    folder = project.create_managed_folder("configs")

    class Configs(object):
        folder_id = folder.id

        @staticmethod
        def upload(path, text):
            folder.put_file(path, text)

    Configs.upload("project.yaml", PROJECT_YAML)
    Configs.upload("datasets/sources.yaml", DATASETS_YAML)
    Configs.upload("recipes/clean_customers.py", RECIPE_PY)
    return Configs


@pytest.fixture
def run_macro(dss):
    """Run the macro's ``runnable.py`` as DSS does (instantiate ``MyRunnable``, call ``run``); return its table."""
    def _run(config, project_key="P1"):
        runnable_class = runpy.run_path(RUNNABLE)["MyRunnable"]
        runnable = runnable_class(project_key, config, {})
        assert runnable.get_progress_target() is None
        return runnable.run(lambda *a: None)
    return _run


@pytest.fixture
def run_step(dss, monkeypatch):
    """Run ``step.py`` as DSS does (a script, parameters in the environment); return the scenario variables."""
    def _run(config):
        monkeypatch.setenv("DKU_STANDIN_STEP_CONFIG", json.dumps(config))
        runpy.run_path(STEP, run_name="__main__")
        return dict(dss.scenario.VARIABLES)
    return _run
