"""Issue 14 §13: every command reports its errors in one form, ``dss-framework COMMAND: error[CODE]: ...``;
a project DSS does not have is named as such by every command that reads one; a URL that is not the
DSS API (a plain web server, or DSS's host with a wrong path) exits 3 whatever the command.

Through ``cli.main`` against the emulator over real HTTP, and a real plain HTTP server.
"""
import http.server
import json
import os
import socket
import threading

import pytest

from emusupport import ADMIN_KEY, ROOT
from dataiku_framework import exitcodes
from dataiku_framework.cli import main

CONFIG = os.path.join(ROOT, "examples", "simple_project.yaml")
CREDENTIAL_VARS = ("DKU_DSS_URL", "DKU_API_KEY", "DSS_HOST", "DSS_API_KEY")


@pytest.fixture(autouse=True)
def no_ambient_credentials(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))  # no ~/.dataiku/config.json of the machine
    for name in CREDENTIAL_VARS:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def saved_plan(emulator, tmp_path, capsys):
    """A plan of simple_project.yaml saved with ``plan --out`` (a saved plan takes another path in apply)."""
    path = str(tmp_path / "plan.json")
    assert main(["plan", CONFIG, "--out", path, "--host", emulator.url, "--api-key", ADMIN_KEY]) == 0
    capsys.readouterr()
    return path


def _commands(out_dir, plan_path=None):
    """(command name, arguments before --host) of every command that talks to DSS."""
    commands = [("validate", ["validate", CONFIG, "--online"]), ("plan", ["plan", CONFIG]),
                ("drift", ["drift", CONFIG]), ("apply", ["apply", CONFIG, "--auto-approve"]),
                ("history", ["history", "SIMPLE"]), ("rollback", ["rollback", "SIMPLE", "--auto-approve"]),
                ("unlock", ["unlock", "SIMPLE", "some-lock-id"]), ("import", ["import", "SIMPLE", "--out", out_dir])]
    if plan_path:
        commands.append(("apply", ["apply", plan_path, "--auto-approve"]))
    return commands


def _run(capsys, argv):
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def _assert_one_error_line(command, err, *words):
    lines = [line for line in err.splitlines() if line.strip()]
    assert lines, "no error printed"
    assert lines[-1].startswith("dss-framework %s: error[" % command), err
    assert "Traceback" not in err and all(word in lines[-1] for word in words), err


def _closed_port_url():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return "http://127.0.0.1:%d" % sock.getsockname()[1]


def test_every_command_reports_an_unreachable_dss_in_one_form(capsys, tmp_path):
    url = _closed_port_url()
    for command, argv in _commands(str(tmp_path / "out")):
        code, _, err = _run(capsys, argv + ["--host", url, "--api-key", "k"])
        assert code == exitcodes.UNREACHABLE, (argv, err)
        _assert_one_error_line(command, err, "cannot reach DSS at %s" % url)


def test_missing_credentials_are_reported_in_the_same_form(capsys, tmp_path):
    for command, argv in _commands(str(tmp_path / "out")):
        code, _, err = _run(capsys, argv)
        assert code == exitcodes.USAGE, (argv, err)
        _assert_one_error_line(command, err)


def test_every_command_exits_3_on_the_emulator_with_a_wrong_path(capsys, tmp_path, emulator, saved_plan):
    """DSS's host and port, but a path under which there is no DSS API (DSS answers its own 404)."""
    url = emulator.url + "/not-dss/"
    for command, argv in _commands(str(tmp_path / "out"), saved_plan):
        code, _, err = _run(capsys, argv + ["--host", url, "--api-key", ADMIN_KEY])
        assert code == exitcodes.UNREACHABLE, (argv, err)
        _assert_one_error_line(command, err, "no DSS API at this URL")


class _NotDSS(http.server.BaseHTTPRequestHandler):
    """A web server that is not DSS: a page at /, an HTML 404 anywhere else."""

    def do_GET(self):
        status, body = (200, b"<html>home</html>") if self.path == "/" else (404, b"<html>Not Found</html>")
        self.send_response(status)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_POST = do_PUT = do_DELETE = do_GET

    def log_message(self, *args):
        pass


def test_every_command_exits_3_on_a_plain_web_server_path(capsys, tmp_path):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _NotDSS)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = "http://127.0.0.1:%d/not-dss/" % server.server_port
        for command, argv in _commands(str(tmp_path / "out")):
            code, _, err = _run(capsys, argv + ["--host", url, "--api-key", "k"])
            assert code == exitcodes.UNREACHABLE, (argv, err)
            _assert_one_error_line(command, err, "no DSS API at this URL")
    finally:
        server.shutdown()
        server.server_close()


def test_history_and_import_of_a_missing_project_say_it_does_not_exist(capsys, tmp_path, emulator):
    for command, argv in (("history", ["history", "NOPE"]), ("import", ["import", "NOPE", "--out", str(tmp_path)]),
                          ("rollback", ["rollback", "NOPE", "--auto-approve"]),
                          ("unlock", ["unlock", "NOPE", "some-lock-id"])):
        code, _, err = _run(capsys, argv + ["--host", emulator.url, "--api-key", ADMIN_KEY])
        assert code == exitcodes.INVALID, (argv, err)
        _assert_one_error_line(command, err)
        assert err.strip().splitlines()[-1].endswith("error[project.not_found]: project NOPE does not exist on DSS"), err


def _hour_to(client, key, hour):
    """Someone changes DSS by hand: the first trigger of scenario daily_refresh runs at ``hour``."""
    project = client.get_project(key)
    [item] = [s for s in project.list_scenarios() if s["name"] == "daily_refresh"]
    settings = project.get_scenario(item["id"]).get_settings()
    settings.raw_triggers[0]["params"]["hour"] = hour
    settings.save()


def test_drift_is_titled_drift_lists_each_field_once_and_concludes_once(capsys, emulator, client, tmp_path):
    config = os.path.join(ROOT, "examples", "customer_analytics.yaml")
    where = ["--host", emulator.url, "--api-key", ADMIN_KEY]
    assert main(["apply", config, "--auto-approve"] + where) == 0  # an apply state: drift is what DSS changed since
    capsys.readouterr()
    code, out, err = _run(capsys, ["drift", config] + where)
    assert code == exitcodes.OK, err
    assert out.splitlines()[0].startswith("dss-framework drift for project CUSTOMER_ANALYTICS"), out
    assert out.count("DSS matches the configuration") == 1 and out.count("No changes") == 0, out
    _hour_to(client, "CUSTOMER_ANALYTICS", 5)
    code, out, err = _run(capsys, ["drift", config] + where)
    assert code == exitcodes.CHANGES, err
    assert out.splitlines()[0].startswith("dss-framework drift for project CUSTOMER_ANALYTICS"), out
    assert out.count("triggers[0].hour") == 1, out
    assert "scenario.daily_refresh triggers[0].hour: 2 -> 5" in out
    assert out.rstrip().splitlines()[-1] == "DSS changed since the last apply in 1 place(s).", out
    assert "Plan:" not in out  # drift shows no plan summary: apply is not what it proposes
