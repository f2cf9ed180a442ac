"""``git+URL@REF#PATH`` as the CONFIG of ``validate``, ``plan``, ``drift`` and ``apply``, against real
repositories made with ``git`` (``file://``, and HTTP with a token through ``git http-backend``) and the
emulator: includes and code files come from the checkout, a saved plan is applied from the commit it
was planned at, failures are one line with their exit code, and no token is ever shown or stored."""
import json
import os
import subprocess
import sys
import tempfile

import pytest

from emusupport import ADMIN_KEY, ROOT
from gitsupport import CODE_V1, CODE_V2, KEY, Repository, TokenGitServer, git
from dataiku_framework import exitcodes
from dataiku_framework.sources import git as gitsource
from dataiku_framework.state import StateStore
from cli_support import Terminal
from test_plan_cli import _run

TOKEN = "tok-Sup3rS3cret-4242"
CREDENTIAL_VARS = ("DKU_DSS_URL", "DKU_API_KEY", "DSS_HOST", "DSS_API_KEY", gitsource.TOKEN_VAR,
                   gitsource.USERNAME_VAR, gitsource.SSH_KEY_VAR, gitsource.KNOWN_HOSTS_VAR)


@pytest.fixture
def dss(emulator, monkeypatch, tmp_path):
    """The emulator's administrator in DSS_*; a private HOME (no user git configuration) and temp dir."""
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for name in CREDENTIAL_VARS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DSS_HOST", emulator.url)
    monkeypatch.setenv("DSS_API_KEY", ADMIN_KEY)
    temp = tmp_path / "tmp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    monkeypatch.setattr(sys, "stdin", Terminal())  # not a terminal
    return emulator


@pytest.fixture
def repo(tmp_path):
    return Repository(str(tmp_path))


@pytest.fixture
def served(repo, dss):
    """``repo`` over HTTP on loopback, only with ``TOKEN``."""
    server = TokenGitServer(os.path.dirname(repo.bare), TOKEN)
    yield server
    server.stop()


def _source(url, ref="main", path="conf/project.yaml"):
    return "git+%s@%s#%s" % (url, ref, path)


def _code(client):
    return client.get_project(KEY).get_recipe("clean").get_settings().get_payload()


def _state_text(client):
    return json.dumps(StateStore(client, KEY).read().to_document())


def test_apply_from_a_file_repository_reads_includes_and_code_files_from_the_checkout(dss, repo, client, capsys):
    commit = git("rev-parse", "HEAD", cwd=repo.work)
    code, out, err = _run(capsys, "apply", _source(repo.url), "--auto-approve")
    assert code == exitcodes.OK, err
    assert {d["name"] for d in client.get_project(KEY).list_datasets()} == {"RAW", "CLEAN"}  # from the include
    assert _code(client) == CODE_V1  # from the code file
    [entry] = StateStore(client, KEY).read().history
    assert entry["config_source"] == _source(repo.url, commit)  # the state records the pinned commit
    code, out, err = _run(capsys, "drift", _source(repo.url))
    assert code == exitcodes.OK, err


def test_a_saved_plan_is_applied_from_its_commit_not_from_the_branch_moved_since(dss, repo, client, capsys, tmp_path):
    planned_at = git("rev-parse", "HEAD", cwd=repo.work)
    saved = str(tmp_path / "plan.json")
    code, out, err = _run(capsys, "plan", _source(repo.url), "--out", saved)
    assert code == exitcodes.OK, err
    with open(saved) as handle:
        meta = json.load(handle)["metadata"]
    assert meta["config_source"] == _source(repo.url, planned_at)
    assert meta["config_commit"] == planned_at
    repo.commit({"conf/recipes/clean.py": CODE_V2}, "second")  # the branch moves after the review
    code, out, err = _run(capsys, "apply", saved, "--auto-approve")
    assert code == exitcodes.OK, err
    assert _code(client) == CODE_V1
    assert StateStore(client, KEY).read().history[-1]["config_source"] == _source(repo.url, planned_at)
    code, out, err = _run(capsys, "plan", _source(repo.url), "--detailed-exitcode")  # the branch's head now
    assert code == exitcodes.CHANGES and "version two" in out, err


def test_the_right_token_over_http_works_and_is_never_shown_nor_stored(dss, repo, served, client, capsys, tmp_path,
                                                                        monkeypatch):
    monkeypatch.setenv(gitsource.TOKEN_VAR, TOKEN)
    source = _source(served.url("origin.git"))
    saved = str(tmp_path / "plan.json")
    code, out1, err1 = _run(capsys, "plan", source, "--out", saved)
    assert code == exitcodes.OK, err1
    code, out2, err2 = _run(capsys, "apply", saved, "--auto-approve")
    assert code == exitcodes.OK, err2
    assert _code(client) == CODE_V1
    with open(saved) as handle:
        plan_text = handle.read()
    for text in (out1, err1, out2, err2, plan_text, _state_text(client)):
        assert TOKEN not in text
    assert any("git-upload-pack" in path for path in served.requests)


@pytest.mark.parametrize("token", ["wrong-" + TOKEN, None])
def test_a_refused_or_missing_token_is_one_line_with_exit_4(dss, repo, served, capsys, monkeypatch, token):
    if token:
        monkeypatch.setenv(gitsource.TOKEN_VAR, token)
    source = _source(served.url("origin.git"))
    code, out, err = _run(capsys, "plan", source)
    assert code == exitcodes.AUTH_REFUSED
    assert err.count("\n") == 1 and err.startswith("dss-framework plan: error[git.auth_refused]: git source %s" % source)
    assert "refused the credentials" in err and "Traceback" not in err
    assert TOKEN not in out + err


@pytest.mark.parametrize("command", ["validate", "plan", "drift", "apply"])
def test_an_unknown_ref_is_one_line_naming_the_source(dss, repo, capsys, command):
    source = _source(repo.url, ref="no-such-branch")
    code, out, err = _run(capsys, command, source, *(["--auto-approve"] if command == "apply" else []))
    assert code == exitcodes.INVALID
    assert err == "dss-framework %s: error[git.ref_not_found]: git source %s: no branch, tag or commit no-such-branch in the " \
                  "repository\n" % (command, source)


def test_a_missing_file_names_the_commit_and_the_files_there(dss, repo, capsys):
    commit = git("rev-parse", "HEAD", cwd=repo.work)
    source = _source(repo.url, path="conf/projet.yaml")
    code, out, err = _run(capsys, "plan", source)
    assert code == exitcodes.INVALID
    assert err == ("dss-framework plan: error[git.file_not_found]: git source %s: no file conf/projet.yaml at commit %s (configuration "
                   "files there: conf/flow/datasets.yaml, conf/project.yaml)\n" % (source, commit[:12]))


def test_an_unknown_host_cannot_be_reached_exit_3(dss, capsys, monkeypatch):
    monkeypatch.setenv(gitsource.TOKEN_VAR, TOKEN)
    source = _source("https://nohost.invalid/org/repo.git")
    code, out, err = _run(capsys, "plan", source)
    assert code == exitcodes.UNREACHABLE
    assert err.count("\n") == 1 and err.startswith("dss-framework plan: error[git.unreachable]: git source %s: unknown host" % source)
    assert TOKEN not in err


def test_credentials_in_the_url_are_refused_and_redacted(dss, capsys):
    code, out, err = _run(capsys, "validate", "git+https://bob:%s@example.com/r.git@main#p.yaml" % TOKEN)
    assert code == exitcodes.INVALID
    assert TOKEN not in err and "bob" not in err
    assert "git source git+https://example.com/r.git@main#p.yaml: the URL holds credentials" in err


def test_a_git_argument_naming_a_json_file_is_a_source_not_a_saved_plan(dss, repo, capsys, client):
    with open(os.path.join(repo.work, "conf", "project.yaml")) as handle:
        import yaml
        doc = yaml.safe_load(handle)
    repo.commit({"conf/project.json": json.dumps(doc)}, "json twin")
    code, out, err = _run(capsys, "apply", _source(repo.url, path="conf/project.json"), "--auto-approve")
    assert code == exitcodes.OK, err
    assert _code(client) == CODE_V1


def test_validation_errors_name_the_files_by_their_source(dss, repo, capsys):
    commit = repo.commit({"conf/flow/datasets.yaml": "datasets:\n  - {name: RAW, type: Filesystem, managed: maybe}\n"},
                         "broken")
    code, out, err = _run(capsys, "validate", _source(repo.url))
    assert code == exitcodes.INVALID
    assert "git+%s@%s#conf/flow/datasets.yaml:2:" % (repo.url, commit) in out
    assert tempfile.gettempdir() not in out
    code, out, err = _run(capsys, "plan", _source(repo.url))
    assert code == exitcodes.INVALID and "git+%s@%s#conf/flow/datasets.yaml:2:" % (repo.url, commit) in err


def test_validate_json_names_a_fix_s_file_by_its_source_too(dss, repo, capsys):
    """A machine-applicable fix (``validate --json``'s ``fix``) names the file as its diagnostic's range
    does: the source, never the checkout directory, which is gone when the command ends."""
    commit = repo.commit({"conf/flow/datasets.yaml": "datasets:\n  - {name: RAW, type: Filesystem, managd: true}\n"},
                         "misspelt")
    code, out, err = _run(capsys, "validate", _source(repo.url), "--json")
    [diagnostic] = [d for d in json.loads(out)["diagnostics"] if "fix" in d]
    assert code == exitcodes.INVALID and diagnostic["fix"]["edits"][0]["new_text"] == "managed"
    assert diagnostic["range"]["filename"] == "git+%s@%s#conf/flow/datasets.yaml" % (repo.url, commit)
    assert [e["filename"] for e in diagnostic["fix"]["edits"]] == [diagnostic["range"]["filename"]]
    assert tempfile.gettempdir() not in out


def test_a_real_process_leaves_no_checkout_and_removes_one_left_by_a_killed_run(repo, tmp_path):
    """A run killed before its cleanup leaves its directory; the next run (a real process) removes it, and
    its own at exit. A directory whose process still runs is left alone."""
    temp = tmp_path / "tmp"
    temp.mkdir()
    env = dict(os.environ, TMPDIR=str(temp), HOME=str(tmp_path), GIT_CONFIG_NOSYSTEM="1",
               PYTHONPATH=os.path.join(ROOT, "python-lib"))
    root = temp / ("dss-framework-git-%d" % os.getuid())
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    for name, pid in (("run-killed", dead.pid), ("run-alive", os.getpid())):
        (root / name / "checkout").mkdir(parents=True)
        (root / name / "pid").write_text(str(pid))
    done = subprocess.run([sys.executable, "-m", "dataiku_framework.cli", "validate", _source(repo.url)], env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True)
    assert done.returncode == exitcodes.OK, done.stderr
    assert "is valid" in done.stdout or "valid" in done.stdout.lower()
    assert sorted(os.listdir(str(root))) == ["run-alive"]


def test_the_token_is_never_on_a_git_command_line_nor_in_the_askpass_script(dss, repo, served, capsys, monkeypatch,
                                                                             tmp_path):
    """Every git command is logged by a ``git`` found first on PATH (which then runs the real one): the token
    reaches git only through the environment of the askpass script, which holds no secret itself."""
    real = subprocess.run(["sh", "-c", "command -v git"], stdout=subprocess.PIPE, universal_newlines=True,
                          check=True).stdout.strip()
    shims = tmp_path / "shims"
    shims.mkdir()
    log = tmp_path / "argv.log"
    (shims / "git").write_text('#!/bin/sh\nprintf "%%s\\n" "$*" >> %s\n'
                               'for f in "$TMPDIR"/dss-framework-git-*/run-*/askpass.sh; do [ -f "$f" ] && '
                               'cat "$f" >> %s.askpass; done\nexec %s "$@"\n' % (log, log, real))
    (shims / "git").chmod(0o755)
    monkeypatch.setenv("PATH", "%s%s%s" % (shims, os.pathsep, os.environ["PATH"]))
    monkeypatch.setenv("TMPDIR", tempfile.gettempdir())
    monkeypatch.setenv(gitsource.TOKEN_VAR, TOKEN)
    code, out, err = _run(capsys, "plan", _source(served.url("origin.git")))
    assert code == exitcodes.OK, err
    argv = log.read_text()
    assert "fetch -q --depth 1 --no-tags origin main" in argv and TOKEN not in argv
    askpass = (tmp_path / "argv.log.askpass").read_text()
    assert "DSS_FRAMEWORK_GIT_ASKPASS_TOKEN" in askpass and TOKEN not in askpass


def test_ssh_credentials_go_through_files_with_strict_host_key_checking(tmp_path):
    """The key and the trusted host keys are files only this user can read, named by GIT_SSH_COMMAND, with
    StrictHostKeyChecking=yes unless the preset turns it off; the askpass script is 0700."""
    creds = gitsource.credentials(token="t0ken-xyz", ssh_key="-----BEGIN KEY-----\nabc\n-----END KEY-----",
                                  known_hosts="host ssh-ed25519 AAAA")
    env, options = gitsource._environment(creds, str(tmp_path))
    command = env["GIT_SSH_COMMAND"]
    assert "-o StrictHostKeyChecking=yes" in command and "-o BatchMode=yes" in command
    key, hosts = str(tmp_path / "ssh_key"), str(tmp_path / "known_hosts")
    assert "-i %s " % key in command and "UserKnownHostsFile=%s " % hosts in command
    assert (os.stat(key).st_mode & 0o777, os.stat(hosts).st_mode & 0o777) == (0o600, 0o600)
    assert open(hosts).read() == "host ssh-ed25519 AAAA"
    assert os.stat(env["GIT_ASKPASS"]).st_mode & 0o777 == 0o700
    assert "t0ken-xyz" not in " ".join(options) and "t0ken-xyz" not in open(env["GIT_ASKPASS"]).read()
    assert env["GIT_TERMINAL_PROMPT"] == "0" and "ext" not in env["GIT_ALLOW_PROTOCOL"].split(":")
    (tmp_path / "b").mkdir()
    relaxed = gitsource._environment(gitsource.credentials(ssh_key="k", strict_host_keys=False), str(tmp_path / "b"))
    assert "StrictHostKeyChecking=accept-new" in relaxed[0]["GIT_SSH_COMMAND"]


def test_an_ssh_server_that_does_not_answer_cannot_be_reached_exit_3(dss, capsys, monkeypatch, tmp_path):
    key = tmp_path / "id"
    key.write_text("-----BEGIN OPENSSH PRIVATE KEY-----\nnot a key\n-----END OPENSSH PRIVATE KEY-----\n")
    monkeypatch.setenv(gitsource.SSH_KEY_VAR, str(key))
    source = "git+ssh://git@127.0.0.1:1/org/repo.git@v1#p.yaml"
    code, out, err = _run(capsys, "validate", source)
    assert code == exitcodes.UNREACHABLE, err
    assert err.startswith("dss-framework validate: error[git.unreachable]: git source %s: cannot reach the git server" % source)
    assert err.count("\n") == 1


@pytest.mark.parametrize("text, expected", [
    ("git+https://host/org/repo.git@REF#path/project.yaml", ("https://host/org/repo.git", "REF", "path/project.yaml")),
    ("git+ssh://git@host/org/repo.git@v1#p.yaml", ("ssh://git@host/org/repo.git", "v1", "p.yaml")),
    ("git+git@host:org/repo.git@feature/x#a/p.yaml", ("git@host:org/repo.git", "feature/x", "a/p.yaml")),
    ("git+git@host:org/repo.git#p.yaml", ("git@host:org/repo.git", "HEAD", "p.yaml")),
    ("git+file:///srv/repo.git@0123abc#p.yaml", ("file:///srv/repo.git", "0123abc", "p.yaml")),
])
def test_the_source_syntax(text, expected):
    assert tuple(gitsource.parse_source(text)) == expected


@pytest.mark.parametrize("text, complaint", [
    ("git+ext::sh -c touch% /tmp/x@main#p.yaml", "must start with https://"),
    ("git+https://host/r.git@--upload-pack=x#p.yaml", "invalid ref"),
    ("git+https://host/r.git@main", "name the configuration file"),
    ("git+https://host/r.git@main#../p.yaml", "name the configuration file"),
])
def test_sources_that_are_refused(text, complaint):
    with pytest.raises(gitsource.GitSourceError) as caught:
        gitsource.parse_source(text)
    assert complaint in str(caught.value)


def test_the_python_api_loads_a_git_source_and_applies_a_saved_plan_at_its_commit(dss, repo, client):
    """``load_config`` takes a git source; ``Engine.plan`` records it pinned; a plan read back from JSON is
    applied from that commit although the branch moved."""
    from dataiku_framework import Engine
    from dataiku_framework.config.api import load_config
    from dataiku_framework.plan.document import Plan
    planned_at = git("rev-parse", "HEAD", cwd=repo.work)
    config = load_config(_source(repo.url))
    assert config.source_file == _source(repo.url, planned_at)
    engine = Engine(client=client)
    saved = Plan.from_json(engine.plan(config).to_json())
    assert saved.doc["metadata"]["config_source"] == _source(repo.url, planned_at)
    repo.commit({"conf/recipes/clean.py": CODE_V2}, "second")
    result = engine.apply(saved)
    assert result.succeeded and _code(client) == CODE_V1
    with pytest.raises(gitsource.GitRefNotFound):
        load_config(_source(repo.url, "nope"))


@pytest.mark.parametrize("url, shown", [
    ("https://bob:secret@host/r.git", "https://host/r.git"), ("https://tok3n@host/r.git", "https://host/r.git"),
    ("ssh://git@host/r.git", "ssh://git@host/r.git"), ("ssh://git:pw@host/r.git", "ssh://git@host/r.git"),
    ("git+ssh://git@host/r.git@v1#p.yaml", "git+ssh://git@host/r.git@v1#p.yaml"),
    ("git@host:org/r.git", "git@host:org/r.git")])
def test_redaction_keeps_ssh_logins_and_drops_every_secret(url, shown):
    assert gitsource.redact_text(url) == shown


def test_a_password_in_an_scp_like_address_is_not_shown(dss, capsys):
    code, out, err = _run(capsys, "plan", "git+bob:%s@host:org/r.git@main#p.yaml" % TOKEN)
    assert code == exitcodes.INVALID and err.count("\n") == 1
    assert TOKEN not in err and "git+bob@host:org/r.git@main#p.yaml" in err


def test_a_saved_plan_whose_repository_is_gone_is_one_line_naming_the_pinned_source(dss, repo, capsys, tmp_path):
    commit = git("rev-parse", "HEAD", cwd=repo.work)
    saved = str(tmp_path / "plan.json")
    assert _run(capsys, "plan", _source(repo.url), "--out", saved)[0] == exitcodes.OK
    os.rename(repo.bare, repo.bare + ".moved")
    code, out, err = _run(capsys, "apply", saved, "--auto-approve")
    assert code == exitcodes.INVALID
    assert err.splitlines()[-1].startswith("dss-framework apply: error[git.ref_not_found]: git source %s: no git repository at %s"
                                           % (_source(repo.url, commit), repo.url))
    assert "Traceback" not in err


@pytest.mark.parametrize("ref_of", [lambda commit: "v1", lambda commit: commit[:8], lambda commit: commit])
def test_a_tag_or_a_commit_id_short_or_full_is_pinned_to_the_full_commit(dss, repo, capsys, tmp_path, ref_of):
    """A tag, a full commit id, and a short one (which no server serves alone: found by a full fetch)
    all plan the commit they name, not the branch's head."""
    commit = git("rev-parse", "HEAD", cwd=repo.work)
    git("tag", "v1", cwd=repo.work)
    git("push", "-q", "origin", "v1", cwd=repo.work)
    repo.commit({"conf/recipes/clean.py": CODE_V2}, "second")
    saved = str(tmp_path / "plan.json")
    code, out, err = _run(capsys, "plan", _source(repo.url, ref_of(commit)), "--out", saved)
    assert code == exitcodes.OK, err
    with open(saved) as handle:
        assert json.load(handle)["metadata"]["config_source"] == _source(repo.url, commit)
    assert "version one" in out and "version two" not in out
