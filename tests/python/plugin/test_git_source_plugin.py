"""The macros and steps with the "source" parameter set to git: the configuration, its included file and
its code file come from a real repository (``file://``, or HTTP with a token from the "Git credentials"
preset), the plan and the state history record the commit, and no token is shown or stored."""
import json
import os
import tempfile

import pytest

from emusupport import ROOT
from gitsupport import Repository, TokenGitServer, git
from plugin_support import DATASETS_YAML, PROJECT_YAML, RECIPE_PY, SCENARIO_YAML, macro_runner, step_runner
from dataiku_framework.sources.git import GitAuthRefused, GitRefNotFound
from dataiku_framework.state import StateStore

KEY = "CUSTOMER_ANALYTICS"
TOKEN = "tok-Plug1nS3cret-777"
FILES = {"conf/project.yaml": PROJECT_YAML + SCENARIO_YAML, "conf/datasets/sources.yaml": DATASETS_YAML,
         "conf/recipes/clean_customers.py": RECIPE_PY}
VALIDATE = os.path.join(ROOT, "python-runnables", "validate-config", "runnable.py")
PLAN = os.path.join(ROOT, "python-runnables", "plan", "runnable.py")
APPLY_STEP = os.path.join(ROOT, "python-steps", "apply-config", "step.py")
DRIFT_STEP = os.path.join(ROOT, "python-steps", "check-drift", "step.py")


@pytest.fixture
def repo(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))  # no user git configuration
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    temp = tmp_path / "tmp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    return Repository(str(tmp_path), FILES)


def _git_params(url, **extra):
    return dict({"source": "git", "git_url": url, "git_ref": "main", "config_path": "conf/project.yaml"}, **extra)


def test_the_validate_macro_reads_a_file_repository(dss, repo):
    commit = git("rev-parse", "HEAD", cwd=repo.work)
    table = macro_runner(VALIDATE)(_git_params(repo.url))
    [row] = table.records
    assert row[0] == "ok"
    assert "Configuration 'conf/project.yaml' in git repository git+%s@%s is valid" % (repo.url, commit) in row[3]


def test_a_missing_file_is_reported_with_the_files_of_the_commit(dss, repo):
    table = macro_runner(VALIDATE)(_git_params(repo.url, config_path="conf/projet.yaml"))
    [row] = [r for r in table.records if r[0] == "error"]
    assert row[3].startswith("configuration file 'conf/projet.yaml' not found in git repository git+%s@" % repo.url)
    assert "conf/project.yaml" in row[3] + row[4]


def test_an_unknown_ref_fails_the_macro_with_one_line(dss, repo):
    with pytest.raises(GitRefNotFound) as caught:
        macro_runner(PLAN)(_git_params(repo.url, git_ref="nope"))
    assert str(caught.value) == ("error[git.ref_not_found]: git source git+%s@nope#conf/project.yaml: no branch, tag "
                                 "or commit nope in the repository" % repo.url)


def test_the_apply_step_applies_from_git_with_the_preset_token_and_records_the_commit(dss, repo, monkeypatch,
                                                                                      client, capsys):
    server = TokenGitServer(os.path.dirname(repo.bare), TOKEN)
    try:
        params = _git_params(server.url("origin.git"))
        # DSS: the raw step parameters name the preset; get_plugin_config()["config"] has it resolved
        raw = dict(params, git_credentials={"mode": "PRESET", "name": "ci"})
        monkeypatch.setenv("DKU_STANDIN_PLUGIN_CONFIG", json.dumps({"config": dict(params, git_credentials={
            "token": TOKEN, "username": "ci-bot"}), "pluginConfig": {}}))
        variables = step_runner(dss, monkeypatch, APPLY_STEP)(raw)
        assert variables["framework_applied"] and variables["framework_apply_succeeded"], variables
        commit = git("rev-parse", "HEAD", cwd=repo.work)
        project = client.get_project(KEY)
        assert project.get_recipe("clean_customers").get_settings().get_payload() == RECIPE_PY  # the code file
        assert "RAW_CUSTOMERS" in [d["name"] for d in project.list_datasets()]  # the included file
        state = StateStore(client, KEY).read()
        assert state.history[-1]["config_source"] == "git+%s@%s#conf/project.yaml" % (server.url("origin.git"),
                                                                                        commit)
        dss.scenario.VARIABLES.clear()
        variables = step_runner(dss, monkeypatch, DRIFT_STEP)(raw)  # the same source: no drift
        assert variables["framework_drift_detected"] is False
        assert TOKEN not in capsys.readouterr().out + json.dumps(state.to_document())
    finally:
        server.stop()


def test_a_wrong_preset_token_is_refused_without_showing_it(dss, repo):
    server = TokenGitServer(os.path.dirname(repo.bare), TOKEN)
    try:
        with pytest.raises(GitAuthRefused) as caught:
            macro_runner(PLAN)(_git_params(server.url("origin.git"), git_credentials={"token": "wrong" + TOKEN}))
    finally:
        server.stop()
    assert "refused the credentials" in str(caught.value) and TOKEN not in str(caught.value)


def test_the_plan_macro_records_the_commit(dss, repo, monkeypatch):
    """The plan of a git source names the commit it was made from (``plugin.plan.plan_from_folder``)."""
    from dataiku_framework.plugin.plan import plan_from_folder, plan_params_from_config
    commit = git("rev-parse", "HEAD", cwd=repo.work)
    report = plan_from_folder(dss.api_client(), "P1", **plan_params_from_config(dict(_git_params(repo.url),
                                                                                     target_project=KEY)))
    meta = report.plan.doc["metadata"]
    assert (meta["config_source"], meta["config_commit"]) == ("git+%s@%s#conf/project.yaml" % (repo.url, commit),
                                                              commit)


def test_validation_problems_name_the_files_inside_the_repository(dss, repo):
    repo.commit({"conf/datasets/sources.yaml": DATASETS_YAML.replace("managed: true", "managed: maybe")}, "broken")
    table = macro_runner(VALIDATE)(_git_params(repo.url))
    errors = [r for r in table.records if r[0] == "error"]
    assert errors and {r[1].split(":")[0] for r in errors} == {"conf/datasets/sources.yaml"}, table.records
    assert not any(tempfile.gettempdir() in cell for r in table.records for cell in r)
