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
from dataiku_framework.apply.destroy import FOLDER_DATA, DestroyRefused
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
managed_folders:
  - {name: reports, connection: filesystem_folders}
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


def test_project_key_wins_over_the_key_an_environment_overlay_sets(tmp_path):
    path = tmp_path / "sales.yaml"
    path.write_text(CONFIG + "  prod:\n    project: {key: SALES_PROD}\n")
    assert FrameworkConfig.from_yaml(str(path), env="prod").resolved().project.key == "SALES_PROD"
    config = FrameworkConfig.from_yaml(str(path), env="prod").with_project_key("SALES_COPY")
    assert config.resolved().project.key == "SALES_COPY" and config.rekeyed_from == "SALES"


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
    assert run("validate", str(path), "--project-key", "SALES_COPY")[0] == exitcodes.OK
    for command in ("validate", "plan"):
        code, out, err = run(command, str(path), "--project-key", "bad-key")
        assert code in (exitcodes.USAGE, exitcodes.INVALID)
        assert "--project-key" in err and "bad-key" in err and "Traceback" not in err


# -- preview ----------------------------------------------------------------------------------------------

def _tags(client, key):
    return set(client.get_project(key).get_metadata()["tags"])


def test_preview_creates_tags_lists_and_destroys_the_branch_project(run, client, tmp_path):
    path = _repo(tmp_path)
    commit = git("rev-parse", "HEAD", cwd=os.path.dirname(path))
    key = preview_key(KEY, "feature/new-KPI")
    code, out, err = run("preview", path, "--auto-approve")
    assert code == exitcodes.OK, out + err
    assert "project %s" % key in out and "warning" not in err  # the preview overlay remaps CLEAN
    assert {PREVIEW_TAG, "preview-of:SALES", "preview-branch:feature/new-KPI",
            "preview-commit:" + commit[:12]} <= _tags(client, key)
    assert client.get_project(key).get_dataset("CLEAN").get_settings().get_raw()["params"]["connection"] \
        == "filesystem_root"
    assert StateStore(client, key).read().resource("project")["created_by_tool"] is True
    code, out, err = run("preview", path, "--auto-approve")  # again: the same project, nothing to change
    assert code == exitcodes.OK and "No changes" in out, out + err
    code, out, err = run("preview", path, "--list")
    assert code == exitcodes.OK and key in out and "feature/new-KPI" in out, out + err
    code, out, err = run("preview", path, "--destroy", "--auto-approve")
    assert code == exitcodes.OK, out + err
    assert key not in {p["projectKey"] for p in client.list_projects()}
    assert os.path.isfile(str(tmp_path / ("%s-history.json" % key)))


def test_preview_branch_comes_from_ci_variables_on_a_detached_checkout(run, client, tmp_path, monkeypatch):
    path = _repo(tmp_path, CONFIG.replace("key: SALES", "key: SALESCI").replace("SALES.LOOKUP", "SALESCI.LOOKUP"))
    git("checkout", "-q", "--detach", cwd=os.path.dirname(path))
    monkeypatch.setenv("GITHUB_HEAD_REF", "fix/ci")
    code, out, err = run("preview", path, "--auto-approve")
    assert code == exitcodes.OK, out + err
    assert "preview-branch:fix/ci" in _tags(client, preview_key("SALESCI", "fix/ci"))


def test_preview_prune_destroys_the_previews_whose_branch_is_gone(run, client, tmp_path):
    text = CONFIG.replace("key: SALES", "key: PRUNE").replace("SALES.LOOKUP", "PRUNE.LOOKUP")
    path = _repo(tmp_path, text, branch="gone")
    folder = os.path.dirname(path)
    assert run("preview", path, "--auto-approve")[0] == exitcodes.OK
    assert run("preview", path, "--branch", "main", "--auto-approve")[0] == exitcodes.OK
    git("checkout", "-q", "main", cwd=folder)
    git("push", "-q", "origin", ":refs/heads/gone", cwd=folder)  # the branch is merged and deleted
    code, out, err = run("preview", path, "--prune", "--auto-approve", "--history-out", "one.json")
    assert code == exitcodes.USAGE and "--history-out names one file" in err  # several previews, one file
    code, out, err = run("preview", path, "--prune", "--auto-approve")
    assert code == exitcodes.OK, out + err
    assert os.path.isfile(preview_key("PRUNE", "gone") + "-history.json")  # the current folder: tmp_path
    keys = {p["projectKey"] for p in client.list_projects()}
    assert preview_key("PRUNE", "gone") not in keys and preview_key("PRUNE", "main") in keys


def test_preview_warns_when_its_overlay_leaves_a_production_connection(run, tmp_path):
    text = CONFIG.replace("key: SALES", "key: WARNED").replace("SALES.LOOKUP", "WARNED.LOOKUP")
    text = text.replace("CLEAN: {connection: filesystem_root}", "RAW: {path: /raw_preview}")
    path = _repo(tmp_path, text)
    code, out, err = run("preview", path, "--auto-approve")
    assert code == exitcodes.OK, out + err
    assert "warning: CLEAN, output of recipe 'clean', keeps connection 'filesystem_managed'" in err
    assert "RAW" not in err.split("warning:", 1)[1]  # an input: the preview only reads it


# -- destroy ----------------------------------------------------------------------------------------------

def _applied(run, tmp_path, key):
    path = tmp_path / ("%s.yaml" % key)
    path.write_text(CONFIG.replace("SALES", key))
    code, out, err = run("apply", str(path), "--auto-approve")
    assert code == exitcodes.OK, out + err
    return str(path)


def test_destroy_writes_the_history_first_shows_the_data_and_deletes(run, client, tmp_path):
    path = _applied(run, tmp_path, "GONE")
    history = str(tmp_path / "out" / "gone.json")
    code, out, err = run("destroy", path)  # no terminal: confirmation needs --auto-approve
    assert code == exitcodes.USAGE and "--auto-approve" in err
    assert "GONE" in {p["projectKey"] for p in client.list_projects()}
    code, out, err = run("destroy", "GONE", "--auto-approve", "--history-out", history)
    assert code == exitcodes.OK, out + err
    assert "dataset CLEAN (its managed data is deleted)" in out and "recipe clean" in out
    assert history in out
    with open(history) as handle:
        saved = json.load(handle)
    assert saved["project_key"] == "GONE" and saved["history"][0]["result"] == "succeeded"
    assert saved["state"]["resources"]["project"]["created_by_tool"] is True
    assert "GONE" not in {p["projectKey"] for p in client.list_projects()}


def test_destroy_refuses_a_project_the_tool_did_not_create(run, client):
    client.create_project("HANDMADE", "Made by hand", "admin")
    code, out, err = run("destroy", "HANDMADE", "--auto-approve")
    assert code == exitcodes.INVALID and "was not created by dss-framework" in err, out + err
    assert "HANDMADE" in {p["projectKey"] for p in client.list_projects()}
    with pytest.raises(DestroyRefused):
        Engine(client=client).destroy("HANDMADE")


def test_destroy_refuses_a_project_with_prevent_destroy(run, client, tmp_path):
    path = tmp_path / "kept.yaml"
    path.write_text(CONFIG.replace("SALES", "KEPT").replace("  name: Sales\n",
                                                            "  name: Sales\n  lifecycle: {prevent_destroy: true}\n"))
    assert run("apply", str(path), "--auto-approve")[0] == exitcodes.OK
    for target in (str(path), "KEPT"):  # the configuration says so, and so does the state
        code, out, err = run("destroy", target, "--auto-approve")
        assert code == exitcodes.INVALID and "prevent_destroy" in err, out + err
    assert "KEPT" in {p["projectKey"] for p in client.list_projects()}


def test_destroy_takes_the_lock_and_refuses_naming_its_holder(run, client, tmp_path):
    _applied(run, tmp_path, "BUSY")
    with ProjectLock(client, "BUSY", operation="apply"):
        code, out, err = run("destroy", "BUSY", "--auto-approve")
        assert code == exitcodes.INVALID and "locked" in err and "held by" in err, out + err
        with pytest.raises(LockHeld):
            Engine(client=client).destroy("BUSY", history_out=str(tmp_path / "h.json"))
    assert "BUSY" in {p["projectKey"] for p in client.list_projects()}
    assert not os.path.exists(str(tmp_path / "h.json"))
    Engine(client=client).destroy("BUSY", history_out=str(tmp_path / "h.json"))
    assert "BUSY" not in {p["projectKey"] for p in client.list_projects()}


def test_engine_preview_previews_and_destroy(client, tmp_path):
    path = tmp_path / "api.yaml"
    path.write_text(CONFIG.replace("SALES", "APIPV"))
    engine = Engine(client=client)
    result = engine.preview(FrameworkConfig.from_yaml(str(path), env="preview"), "topic/x", "0123456789abcdef")
    assert result.succeeded
    key = preview_key("APIPV", "topic/x")
    assert engine.previews("APIPV") == [{"project_key": key, "of": "APIPV", "branch": "topic/x",
                                         "commit": "0123456789ab"}]
    plan = engine.destroy_plan(key)
    assert ("dataset", "CLEAN", "its managed data") in plan.items and ("dataset", "RAW", None) in plan.items
    assert ("managed_folder", "reports", FOLDER_DATA) in plan.items
    done = engine.destroy(key, history_out=str(tmp_path / "h.json"))
    assert done["history_file"] == str(tmp_path / "h.json") and engine.previews("APIPV") == []


def test_a_plan_saved_with_project_key_applies_to_that_project(run, client, tmp_path):
    path = tmp_path / "saved.yaml"
    path.write_text(CONFIG.replace("SALES", "SAVEDBASE"))
    out_file = str(tmp_path / "plan.json")
    code, out, err = run("plan", str(path), "--project-key", "SAVED_COPY", "--out", out_file)
    assert code == exitcodes.OK, out + err
    with open(out_file) as handle:
        assert json.load(handle)["metadata"]["config_project_key"] == "SAVEDBASE"
    code, out, err = run("apply", out_file, "--auto-approve")
    assert code == exitcodes.OK, out + err
    keys = {p["projectKey"] for p in client.list_projects()}
    assert "SAVED_COPY" in keys and "SAVEDBASE" not in keys


def test_destroy_deletes_nothing_when_the_history_cannot_be_written(run, client, tmp_path):
    _applied(run, tmp_path, "UNSAVED")
    blocker = tmp_path / "blocker"
    blocker.write_text("a file, so no folder can be made under it")
    code, out, err = run("destroy", "UNSAVED", "--auto-approve", "--history-out", str(blocker / "h.json"))
    assert code == exitcodes.INVALID and "cannot write the history" in err and "nothing was deleted" in err, out + err
    assert "Traceback" not in err
    assert "UNSAVED" in {p["projectKey"] for p in client.list_projects()}


def test_with_project_key_rewrites_scenario_references_to_the_own_project(tmp_path):
    text = CONFIG.replace("  - {name: SALES.LOOKUP, kind: dataset}\n",
                          "  - {name: SALES.LOOKUP, kind: dataset}\n  - {name: SALES.OTHER, kind: scenario}\n")
    path = tmp_path / "sc.yaml"
    path.write_text(text + """scenarios:
  - name: nightly
    triggers: [{type: dataset, dataset: SALES.LOOKUP}]
    steps:
      - {type: build_flowitem, items: [SALES.LOOKUP, CLEAN]}
      - {type: run_scenario, scenario: SALES.OTHER}
""")
    scenario = FrameworkConfig.from_yaml(str(path)).with_project_key("SALES_COPY").resolved().scenarios[0]
    assert scenario.triggers[0].dataset == "SALES_COPY.LOOKUP"
    assert scenario.steps[0].items == ["SALES_COPY.LOOKUP", "CLEAN"]
    assert scenario.steps[1].scenario == "SALES_COPY.OTHER"


def test_destroy_asks_on_a_terminal_and_only_yes_deletes(run, client, tmp_path, monkeypatch):
    import sys
    _applied(run, tmp_path, "ASKED")
    monkeypatch.setattr(sys, "stdin", Terminal(["no\n"]))
    code, out, err = run("destroy", "ASKED")
    assert code == exitcodes.INVALID and "Destroy cancelled." in out
    assert "ASKED" in {p["projectKey"] for p in client.list_projects()}
    monkeypatch.setattr(sys, "stdin", Terminal(["yes\n"]))
    code, out, err = run("destroy", "ASKED")
    assert code == exitcodes.OK and "Destroyed project ASKED." in out, out + err
    assert os.path.isfile(str(tmp_path / "ASKED-history.json"))
