"""Fixtures for the plugin components: the ``dataiku`` stand-in, a real managed folder of configuration files.

The stand-in ``dataiku`` package is importable only while a test using the
``dss`` fixture runs: its folder is prepended to ``sys.path`` with monkeypatch
and every ``dataiku``/``dataiku.*`` module is dropped from ``sys.modules``
afterwards, so no other test can import a fake ``dataiku``.
"""
import os
import sys

import pytest

from emusupport import ADMIN_KEY, ROOT
from plugin_support import DATASETS_YAML, PROJECT_YAML, RECIPE_PY, SCENARIO_YAML, macro_runner, step_runner

from dataiku_framework import Engine
from dataiku_framework.config.api import load_config
from dataiku_framework.state.dssfiles import FOLDER

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
    """The validate-config macro (``macro_runner`` on its ``runnable.py``); returns its table."""
    return macro_runner(RUNNABLE)


@pytest.fixture
def deployed(configs, client, tmp_path):
    """The folder's configuration (plus a scenario) created in DSS by apply, as a deployment would."""
    configs.upload("project.yaml", PROJECT_YAML + SCENARIO_YAML)
    local = tmp_path / "config"
    for relative in ("project.yaml", "datasets/sources.yaml", "recipes/clean_customers.py"):
        target = local / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        with client.get_project("P1").get_managed_folder(configs.folder_id).get_file(relative) as answer:
            target.write_bytes(answer.content)
    config = load_config(str(local / "project.yaml"))
    Engine(client=client).apply(config)  # created as a deployment would: by apply (the one creation path)
    # these tests plan without an apply state: the tool's files (state, lock) are removed
    client.get_project(config.project.key).get_library().get_folder("/" + FOLDER).delete()
    return configs


@pytest.fixture
def run_step(dss, monkeypatch):
    """The validate-config step (``step_runner`` on its ``step.py``)."""
    return step_runner(dss, monkeypatch, STEP)
