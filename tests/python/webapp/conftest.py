"""Fixtures of the review webapp's tests: its backend run as DSS runs it (a Flask ``app`` injected into
``backend.py``'s globals, the stand-in ``dataiku`` on a real admin client as the webapp's run-as user),
over the emulator, in project P1 with a managed folder of configuration files; browser users are DSS
session cookies (``emusupport.browser_headers``)."""
import os
import sys

import pytest

from emusupport import plugin_fixtures

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)
_PLUGIN = plugin_fixtures()
dss, configs, deployed = _PLUGIN.dss, _PLUGIN.configs, _PLUGIN.deployed

from webapp_support import CONFIG_YAML, RECIPE_PY, Browser, load_backend  # noqa: E402


@pytest.fixture
def source(project):
    """Managed folder ``configs`` of P1 holding a configuration of P1 (two datasets, a python recipe)."""
    folder = project.create_managed_folder("configs")
    folder.put_file("project.yaml", CONFIG_YAML)
    folder.put_file("clean.py", RECIPE_PY)
    return folder


@pytest.fixture
def fresh_webapp(dss, monkeypatch, source, client):
    """The backend's Flask test client, its webapp parameters naming the folder, which no project admin
    confirmed yet; P1 administered by group data_team (analyst), read by group readers (reader)."""
    import json
    pytest.importorskip("flask")
    monkeypatch.setenv("DKU_STANDIN_WEBAPP_CONFIG", json.dumps({"source": "folder", "folder": source.id,
                                                                "config_path": "project.yaml"}))
    project = client.get_project("P1")
    project.set_permissions(dict(project.get_permissions(), permissions=[
        {"group": "data_team", "readProjectContent": True, "readConf": True, "writeProjectContent": True,
         "writeConf": True, "admin": True},
        {"group": "readers", "readProjectContent": True, "readConf": True}]))
    return load_backend().test_client(use_cookies=False)  # the Cookie header is the browser session's


@pytest.fixture
def webapp(fresh_webapp, emulator):
    """``fresh_webapp`` whose source project admin analyst confirmed, as the page does."""
    Browser(fresh_webapp, emulator, "analyst").confirm()
    return fresh_webapp


@pytest.fixture
def fresh_browser(fresh_webapp, emulator):
    """``browser(login)`` on ``fresh_webapp`` (its source not confirmed)."""
    return lambda login: Browser(fresh_webapp, emulator, login)


@pytest.fixture
def browser(webapp, emulator):
    """``browser(login)``: a ``Browser`` of that DSS user on the backend."""
    return lambda login: Browser(webapp, emulator, login)
