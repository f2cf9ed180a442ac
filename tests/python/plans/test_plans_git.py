"""A plan stored from a git source records the URL and the commit, and is applied from that commit
even after the branch moved (real git, a file:// repository)."""
import tempfile

import pytest

from cli_support import cli_runner
from gitsupport import CODE_V1, CODE_V2, KEY, Repository, git
from dataiku_framework import exitcodes
from dataiku_framework.state.plans import PlanStore


@pytest.fixture
def run(emulator, monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    temp = tmp_path / "tmp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    return cli_runner(emulator, monkeypatch, tmp_path, capsys)


def test_a_stored_git_plan_is_applied_from_its_commit(run, tmp_path, client):
    repo = Repository(str(tmp_path))
    source = "git+%s@main#conf/project.yaml" % repo.url
    assert run("apply", source, "--auto-approve", "--no-checkpoint")[0] == exitcodes.OK
    reviewed = repo.commit({"conf/recipes/clean.py": CODE_V2}, "second")
    code, out, err = run("plan", source, "--store")
    assert code == exitcodes.OK, err
    [entry] = PlanStore(client, KEY).list()
    assert entry["source"] == {"type": "git", "url": repo.url, "commit": reviewed, "path": "conf/project.yaml",
                               "environment": None}
    assert run("plans", "approve", KEY, entry["id"])[0] == exitcodes.OK
    repo.commit({"conf/recipes/clean.py": CODE_V1 + "# moved on\n"}, "third")  # the branch moves after review
    code, out, err = run("plans", "apply", KEY, entry["id"], "--auto-approve", "--no-checkpoint")
    assert code == exitcodes.OK, err
    assert client.get_project(KEY).get_recipe("clean").get_settings().get_payload() == CODE_V2
    assert git("rev-parse", "HEAD", cwd=repo.work) != reviewed
