"""The project kind (issue 17 P1): the project settings another kind claims (``Kind.claims_settings``,
code_envs' ``codeEnvs``) are that kind's, in every direction the project kind translates: the desired
form, the live form it is compared with, and the import. And ``git_commit_mode`` maps one-to-one."""
from types import SimpleNamespace

import pytest

from dataiku_framework import FrameworkConfig
from dataiku_framework.resources import registry
from dataiku_framework.resources.project import import_project

CONFIG = """version: "1.0"
project:
  key: P
  name: P
  git_commit_mode: explicit
  settings: {codeEnvs: {python: {useBuiltinEnv: false, envName: py39}}, flowAnchorSourcesAndSinks: false}
"""
LIVE = {"metadata": {"label": "P"},
        "settings": {"owner": "admin", "settings": {"gitCommitMode": "EXPLICIT", "flowAnchorSourcesAndSinks": False,
                                                     "codeEnvs": {"python": {"useBuiltinEnv": False,
                                                                             "envName": "py39"}}}}}


@pytest.fixture
def claimed(monkeypatch):
    """``codeEnvs`` claimed by the code_envs kind, as N1 declares it."""
    monkeypatch.setattr(registry.get("code_envs"), "claims_settings", ("codeEnvs",))


def _project():
    return FrameworkConfig.from_yaml(CONFIG).resolved().project


def test_claimed_settings_are_left_out_of_the_desired_and_live_forms(claimed):
    kind = registry.get("project")
    desired = kind.desired(_project(), None)
    assert desired["settings"]["gitCommitMode"] == "EXPLICIT"
    assert desired["settings"]["flowAnchorSourcesAndSinks"] is False and "codeEnvs" not in desired["settings"]
    assert "codeEnvs" not in kind.live_form(LIVE, None)["settings"]


def test_claimed_settings_are_left_out_of_the_import(claimed):
    snap = SimpleNamespace(project_key="P", metadata=LIVE["metadata"], settings=LIVE["settings"], variables={})
    doc = import_project(snap, [])
    assert doc["git_commit_mode"] == "explicit"
    assert doc["settings"] == {"flowAnchorSourcesAndSinks": False}


@pytest.fixture
def unclaimed(monkeypatch):
    """No kind claims ``codeEnvs`` (as before N1): the project kind passes it through."""
    monkeypatch.setattr(registry.get("code_envs"), "claims_settings", ())


def test_unclaimed_settings_pass_through(unclaimed):
    kind = registry.get("project")
    assert "codeEnvs" in kind.desired(_project(), None)["settings"]
    assert kind.config_form(kind.live_form(LIVE, None), "P")["git_commit_mode"] == "explicit"
