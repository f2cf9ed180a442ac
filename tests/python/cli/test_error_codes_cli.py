"""Issue 18: every user-facing error carries a stable code (``errors.CATALOGUE``), in its one line
(``dss-framework COMMAND: error[CODE]: ...``) and in ``--json``; the command exits with the status
the catalogue (and so the troubleshooting page) gives for that code.

Real processes (``python -m dataiku_framework.cli``) against the emulator over real HTTP: an
unreachable DSS, a refused key, an analyst's key where a project administrator's is needed, a
locked project, a stale saved plan, an invalid configuration, missing credentials, bad arguments.
"""
import json
import os
import re
import shutil
import subprocess
import sys

import pytest

from emusupport import ADMIN_KEY, ANALYST_KEY, ROOT
from dataiku_framework.errors import CATALOGUE
from dataiku_framework.state import ProjectLock
from test_messages import _closed_port_url  # a URL nothing listens on

KEY = "SIMPLE_PROJECT"
LINE = re.compile(r"^dss-framework (\S+): error\[([a-z0-9_.]+)\]: (.+)$")


@pytest.fixture
def config_path(tmp_path):
    path = tmp_path / "simple.yaml"
    shutil.copy(os.path.join(ROOT, "examples", "simple_project.yaml"), str(path))
    return str(path)


def _cli(tmp_path, *argv, env=None):
    """Run ``dss-framework ARGV`` as a process with no ambient credentials; (exit status, stdout, stderr)."""
    clean = {k: v for k, v in os.environ.items() if k not in ("DKU_DSS_URL", "DKU_API_KEY", "DSS_HOST", "DSS_API_KEY")}
    clean.update(HOME=str(tmp_path), PYTHONPATH=os.path.join(ROOT, "python-lib"), NO_COLOR="1")
    clean.update(env or {})
    done = subprocess.run([sys.executable, "-m", "dataiku_framework.cli"] + list(argv), env=clean,
                          stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True, timeout=120)
    return done.returncode, done.stdout, done.stderr


def _assert_coded(status, err, command, code):
    """The last line of stderr is COMMAND's error line with ``code``, and the exit status is the catalogue's."""
    lines = [line for line in err.splitlines() if line.strip()]
    assert lines and "Traceback" not in err, err
    match = LINE.match(lines[-1])
    assert match, err
    assert match.group(1) == command and match.group(2) == code, err
    assert code in CATALOGUE, code
    assert status == CATALOGUE[code].exit_status, (status, code, err)
    return match.group(3)


def test_an_unreachable_dss_is_dss_unreachable_with_and_without_json(tmp_path, config_path):
    url = _closed_port_url()
    for argv in (["plan", config_path], ["plan", config_path, "--json"], ["history", KEY, "--json"],
                 ["unlock", KEY, "x", "--json"], ["validate", config_path, "--online", "--json"]):
        status, out, err = _cli(tmp_path, *(argv + ["--host", url, "--api-key", "k"]))
        message = _assert_coded(status, err, argv[0], "dss.unreachable")
        assert "cannot reach DSS at %s" % url in message
        assert out == "", (argv, out)  # --json: an error prints nothing on stdout
        assert err.count("\n") == 1, err  # one line


def test_a_refused_key_is_dss_key_refused(emulator, tmp_path, config_path):
    for argv in (["plan", config_path, "--json"], ["apply", config_path, "--auto-approve"]):
        status, out, err = _cli(tmp_path, *(argv + ["--host", emulator.url, "--api-key", "not-a-key"]))
        assert "refused the API key" in _assert_coded(status, err, argv[0], "dss.key_refused")
        assert "not-a-key" not in err and out == ""


def test_an_analysts_key_on_apply_says_so_in_the_users_terms(emulator, tmp_path, config_path):
    """Before: ``error: DSS refused a request: com.dataiku.dip.exceptions.UnauthorizedException: ...``."""
    assert _cli(tmp_path, "apply", config_path, "--auto-approve", "--host", emulator.url, "--api-key",
                ADMIN_KEY)[0] == 0
    for argv in (["apply", config_path, "--auto-approve"], ["plan", config_path, "--json"],
                 ["rollback", KEY, "--auto-approve", "--json"], ["history", KEY]):
        status, out, err = _cli(tmp_path, *(argv + ["--host", emulator.url, "--api-key", ANALYST_KEY]))
        message = _assert_coded(status, err, argv[0], "dss.forbidden")
        assert "com.dataiku" not in err and "Exception" not in err, err
        assert "this API key may not" in message and "administrator rights on the project" in message
        assert out == "" or not argv[-1] == "--json", out


def test_a_locked_project_is_lock_held(emulator, tmp_path, config_path):
    assert _cli(tmp_path, "apply", config_path, "--auto-approve", "--host", emulator.url, "--api-key",
                ADMIN_KEY)[0] == 0
    held = ProjectLock(emulator.client(ADMIN_KEY), KEY, operation="apply", settle=0).acquire()
    _replace(config_path, "name: Simple project", "name: Simple project 2")  # a change: the apply needs the lock
    status, out, err = _cli(tmp_path, "apply", config_path, "--auto-approve", "--json", "--host", emulator.url,
                            "--api-key", ADMIN_KEY)
    message = _assert_coded(status, err, "apply", "lock.held")
    assert "project %s is locked" % KEY in message and held.id in message and out == ""
    status, _, err = _cli(tmp_path, "unlock", KEY, "not-the-id", "--json", "--host", emulator.url, "--api-key",
                          ADMIN_KEY)
    assert "nothing was released" in _assert_coded(status, err, "unlock", "lock.error")


def _replace(path, old, new):
    with open(path) as handle:
        text = handle.read()
    with open(path, "w") as handle:
        handle.write(text.replace(old, new))


def test_a_stale_saved_plan_is_plan_stale(emulator, tmp_path, config_path):
    creds = ["--host", emulator.url, "--api-key", ADMIN_KEY]
    assert _cli(tmp_path, "apply", config_path, "--auto-approve", *creds)[0] == 0
    _replace(config_path, "name: Simple project", "name: Simple project 2")
    saved = str(tmp_path / "plan.json")
    assert _cli(tmp_path, "plan", config_path, "--out", saved, *creds)[0] == 0
    _replace(config_path, "name: Simple project 2", "name: Simple project 3")  # the file moves on
    status, out, err = _cli(tmp_path, "apply", saved, "--auto-approve", "--json", *creds)
    assert "is stale, nothing was applied" in _assert_coded(status, err, "apply", "plan.stale")
    assert out == ""


def test_an_invalid_configuration_carries_its_codes_in_text_and_json(tmp_path, config_path):
    _replace(config_path, "format_type: parquet", "format_typ: parquet")
    status, out, err = _cli(tmp_path, "validate", config_path)
    assert status == CATALOGUE["schema.unknown_key"].exit_status
    assert re.search(r"simple\.yaml:\d+:\d+: error\[schema\.unknown_key\]: datasets\[1\]\.format_typ: unknown key 'format_typ'",
                     out), out
    status, out, err = _cli(tmp_path, "validate", config_path, "--json")
    codes = [d["code"] for d in json.loads(out)["diagnostics"]]
    assert codes == ["schema.unknown_key"] and status == 1
    status, out, err = _cli(tmp_path, "plan", config_path, "--json", "--host", "http://127.0.0.1:9", "--api-key", "k")
    assert status == 1 and out == "" and "error[schema.unknown_key]" in err  # checked before any connection


def test_missing_credentials_and_bad_arguments_are_usage_codes(tmp_path, config_path):
    status, out, err = _cli(tmp_path, "plan", config_path, "--json")
    assert "no DSS connection" in _assert_coded(status, err, "plan", "credentials.missing") and out == ""
    status, out, err = _cli(tmp_path, "plan", config_path, "--no-such-option")
    assert status == CATALOGUE["usage.arguments"].exit_status
    assert err.splitlines()[-1].startswith("dss-framework: error[usage.arguments]: unrecognized arguments"), err


def test_a_bad_project_key_option_is_a_usage_error_for_every_command(tmp_path, config_path):
    """``--project-key`` that is no project key: exit 64 with usage.arguments, as validate always did
    (plan, drift and apply exited 1, the status of an invalid configuration)."""
    for command in ("validate", "plan", "drift", "apply"):
        status, out, err = _cli(tmp_path, command, config_path, "--project-key", "not a key", "--host",
                                "http://127.0.0.1:9", "--api-key", "k")
        assert "--project-key" in _assert_coded(status, err, command, "usage.arguments"), err
