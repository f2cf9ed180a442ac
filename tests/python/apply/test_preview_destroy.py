"""One project per branch (issue 16 §3): ``--project-key``, ``dss-framework preview`` and
``dss-framework destroy``, through the CLI and ``Engine`` against the emulator, in real git repositories
made in ``tmp_path``."""
import json
import os
import re

import pytest

from cli_support import Terminal, cli_runner
from gitsupport import git
from dataiku_framework import FrameworkConfig, exitcodes
from dataiku_framework.apply.destroy import DestroyRefused
from dataiku_framework.config.schema_check import PROJECT_KEY_MAX_LENGTH
from dataiku_framework.engine import Engine
from dataiku_framework.preview import PREVIEW_TAG, preview_key
from dataiku_framework.state import LockHeld, ProjectLock, StateStore

KEY = "SALES"

CONFIG = """version: "1.0"
project:
  key: SALES
  name: Sales
  variables:
    standard: {source: SALES.LOOKUP, label: "${projectKey} data", other: SALESMEN}
datasets:
  - {name: RAW, type: Filesystem, connection: filesystem_root, path: /raw, format_type: csv}
  - {name: CLEAN, type: Filesystem, managed: true, connection: filesystem_managed}
recipes:
  - name: clean
    type: python
    inputs: [RAW, SALES.LOOKUP]
    outputs: [CLEAN]
    code: "print('SALES.LOOKUP stays as written')"
external:
  - {name: SALES.LOOKUP, kind: dataset}
environments:
  preview:
    datasets:
      CLEAN: {connection: filesystem_root}
"""


@pytest.fixture
def run(emu, monkeypatch, tmp_path, capsys):
    monkeypatch.chdir(str(tmp_path))
    for name in ("GITHUB_HEAD_REF", "CI_COMMIT_REF_NAME", "GITHUB_REF_NAME", "GITHUB_SHA", "CI_COMMIT_SHA"):
        monkeypatch.delenv(name, raising=False)
    return cli_runner(emu, monkeypatch, tmp_path, capsys)


def _repo(tmp_path, text=CONFIG, branch="feature/new-KPI"):
    """A git repository holding the configuration, checked out on ``branch``, with a remote ``origin``
    (a bare repository) that has ``main`` and ``branch``; the configuration's path."""
    base = tmp_path / "repo"
    bare = str(tmp_path / "origin.git")
    git("init", "-q", "--bare", bare)
    git("init", "-q", str(base))
    (base / "sales.yaml").write_text(text)
    git("add", "-A", cwd=str(base))
    git("commit", "-q", "-m", "first", cwd=str(base))
    git("remote", "add", "origin", bare, cwd=str(base))
    git("push", "-q", "origin", "HEAD:refs/heads/main", cwd=str(base))
    git("checkout", "-q", "-b", branch, cwd=str(base))
    git("push", "-q", "origin", "HEAD:refs/heads/%s" % branch, cwd=str(base))
    return str(base / "sales.yaml")


# -- key derivation -------------------------------------------------------------------------------------

def test_preview_key_is_upper_cased_with_odd_characters_replaced():
    assert preview_key("SALES", "feature/new-KPI.v2") == "SALES_PR_FEATURE_NEW_KPI_V2"
    assert preview_key("SALES", "é✓ x") == "SALES_PR____X"


def test_preview_key_of_a_long_branch_is_cut_to_the_limit_with_a_stable_hash():
    first = preview_key("SALES", "feature/" + "a" * 200)
    second = preview_key("SALES", "feature/" + "a" * 199 + "b")
    assert len(first) == len(second) == PROJECT_KEY_MAX_LENGTH
    assert first != second  # same cut prefix, different branches: different keys
    assert first == preview_key("SALES", "feature/" + "a" * 200)  # stable
    for key in (first, second, preview_key("S", "x" * 300)):
        assert re.match(r"[A-Z][A-Z0-9_]*\Z", key) and len(key) <= PROJECT_KEY_MAX_LENGTH


# -- --project-key --------------------------------------------------------------------------------------

def test_with_project_key_rewrites_own_key_references_and_keeps_project_key_variable(tmp_path):
    path = tmp_path / "sales.yaml"
    path.write_text(CONFIG)
    config = FrameworkConfig.from_yaml(str(path)).with_project_key("SALES_COPY").resolved()
    assert config.project.key == "SALES_COPY"
    assert config.recipes[0].inputs == ["RAW", "SALES_COPY.LOOKUP"]
    assert [e.name for e in config.external] == ["SALES_COPY.LOOKUP"]
    variables = config.project.variables["standard"]
    assert variables["source"] == "SALES_COPY.LOOKUP"
    assert variables["label"] == "${projectKey} data"  # DSS expands it in the project it runs in
    assert variables["other"] == "SALESMEN"  # not the key as a whole word
    assert config.recipes[0].code == "print('SALES.LOOKUP stays as written')"  # code is never rewritten


def test_project_key_option_plans_and_applies_another_project(run, client, tmp_path):
    path = tmp_path / "sales.yaml"
    path.write_text(CONFIG)
    code, out, err = run("plan", str(path), "--project-key", "SALES_COPY", "--json")
    assert code == exitcodes.OK, err
    assert json.loads(out)["metadata"]["project_key"] == "SALES_COPY"
    code, out, err = run("apply", str(path), "--project-key", "SALES_COPY", "--auto-approve")
    assert code == exitcodes.OK, err
    keys = {p["projectKey"] for p in client.list_projects()}
    assert "SALES_COPY" in keys and "SALES" not in keys
    recipe = client.get_project("SALES_COPY").get_recipe("clean").get_settings()
    inputs = [i["ref"] for i in recipe.get_recipe_inputs()["main"]["items"]]
    assert "SALES_COPY.LOOKUP" in inputs
    assert client.get_project("SALES_COPY").get_variables()["standard"]["source"] == "SALES_COPY.LOOKUP"
    code, out, err = run("drift", str(path), "--project-key", "SALES_COPY")
    assert code == exitcodes.OK, out + err


def test_project_key_option_refuses_an_invalid_key(run, tmp_path):
    path = tmp_path / "sales.yaml"
    path.write_text(CONFIG)
    for command in ("validate", "plan"):
        code, out, err = run(command, str(path), "--project-key", "bad-key")
        assert code in (exitcodes.USAGE, exitcodes.INVALID)
        assert "--project-key" in err and "bad-key" in err and "Traceback" not in err
