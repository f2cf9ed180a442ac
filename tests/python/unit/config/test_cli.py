"""The dss-framework CLI: validate exit codes, output shapes and online checks."""

import glob
import http.server
import json
import os
import re
import socket
import subprocess
import sys
import threading

from dataiku_framework import cli, exitcodes
from config_support import EXAMPLES, MINIMAL, REPO
from emusupport import ADMIN_KEY


def run(capsys, *argv):
    code = cli.main(list(argv))
    return code, capsys.readouterr()


def test_valid_config_exits_zero(capsys):
    code, out = run(capsys, "validate", os.path.join(EXAMPLES, "customer_analytics.yaml"))
    assert code == 0 and "valid" in out.out


def test_invalid_config_exits_one_with_terraform_json(capsys, write):
    path = write("c.yaml", MINIMAL + "datasets:\n  - {name: D, type: S3}\n")
    code, out = run(capsys, "validate", path, "--json")
    document = json.loads(out.out)
    assert code == 1
    assert document["valid"] is False and document["error_count"] == 1 and document["warning_count"] == 0
    [diag] = document["diagnostics"]
    assert diag["severity"] == "error" and diag["range"]["filename"] == path
    assert diag["range"]["start"] == {"line": 5, "column": 5}


def test_env_option(capsys):
    path = os.path.join(EXAMPLES, "snowflake_pipeline.yaml")
    assert run(capsys, "validate", path, "--env", "prod")[0] == 0
    code, out = run(capsys, "validate", path, "--env", "prd")
    assert code == 1 and "did you mean 'prod'?" in out.out


def test_usage_errors_exit_64(capsys):
    """Usage errors are EX_USAGE (64): 2 is 'changes' for plan/drift, so argparse's default cannot be used."""
    code, out = run(capsys, "validate")
    assert code == exitcodes.USAGE == 64 and "required: CONFIG" in out.err
    assert run(capsys)[0] == 64
    assert run(capsys, "validate", "x.yaml", "--no-such-option")[0] == 64
    assert run(capsys, "--help")[0] == 0


def test_online_reports_missing_objects_with_locations(capsys, emulator, monkeypatch, write):
    """Against a real DSS (the emulator): it has snowflake_prod/pg, not snowflake_dev or analytics_admin."""
    monkeypatch.setenv("DSS_API_KEY", ADMIN_KEY)
    path = os.path.join(EXAMPLES, "snowflake_pipeline.yaml")
    code, out = run(capsys, "validate", path, "--online", "--host", emulator.url)
    assert code == 1
    assert "connection 'snowflake_dev' does not exist on the DSS instance" in out.out
    assert "user 'analytics_admin' does not exist" in out.out
    assert ADMIN_KEY not in out.out + out.err
    emulator.add_connection("snowflake_dev", "Snowflake")
    emulator.add_api_key("test-owner-key", "analytics_admin")
    code, out = run(capsys, "validate", path, "--online", "--host", emulator.url, "--env", "prod")
    assert code == 0, out.out
    emulator.add_connection("fs_prod", "Filesystem")
    sql_on_fs = MINIMAL + "datasets:\n  - {name: D, type: SQL, connection: fs_prod, table: T}\n"
    code, out = run(capsys, "validate", write("sql.yaml", sql_on_fs), "--online", "--host", emulator.url)
    assert code == 1 and "type SQL needs a SQL connection, but 'fs_prod' is a Filesystem connection" in out.out


def test_online_checks_code_envs(capsys, emulator, monkeypatch, write):
    monkeypatch.setenv("DSS_API_KEY", ADMIN_KEY)
    path = write("env.yaml", MINIMAL + """datasets:
  - {name: A, type: Filesystem, connection: filesystem_managed, managed: true}
  - {name: B, type: Filesystem, connection: filesystem_managed, managed: true}
recipes:
  - {name: r, type: python, inputs: [A], outputs: [B], code: "x = 1", code_env: py39_pandas}
""")
    code, out = run(capsys, "validate", path, "--online", "--host", emulator.url)
    assert code == 1 and "code env 'py39_pandas' does not exist on the DSS instance" in out.out
    assert "env.yaml:8:81: error[online.code_env]: recipes[0].code_env:" in out.out  # where the value is written
    emulator.add_code_env("py39_pandas")
    assert run(capsys, "validate", path, "--online", "--host", emulator.url)[0] == 0


def test_online_without_credentials_is_a_usage_error(capsys, monkeypatch, tmp_path):
    for name in ("DSS_HOST", "DSS_API_KEY", "DKU_DSS_URL", "DKU_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))  # no ~/.dataiku/config.json either
    code, out = run(capsys, "validate", os.path.join(EXAMPLES, "simple_project.yaml"), "--online")
    assert code == 64 and "--online" in out.err and not out.out


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_unreachable_dss_exits_3_and_is_not_a_config_error(capsys):
    url = "http://127.0.0.1:%d" % _free_port()  # a closed port: a real refused connection
    code, out = run(capsys, "validate", os.path.join(EXAMPLES, "simple_project.yaml"), "--online",
                    "--host", url, "--api-key", "k3y-that-must-not-leak")
    assert code == exitcodes.UNREACHABLE == 3
    assert out.err == "dss-framework validate: error[dss.unreachable]: cannot reach DSS at %s: connection refused\n" % url
    assert "invalid" not in out.out + out.err and "k3y-that-must-not-leak" not in out.out + out.err
    code, out = run(capsys, "validate", os.path.join(EXAMPLES, "simple_project.yaml"), "--online", "--json",
                    "--host", url, "--api-key", "x")
    assert code == 3 and out.out == "" and "Ma*** retries" not in out.err


def test_wrong_api_key_exits_4(capsys, emulator):
    """The emulator answers an unknown key like DSS: HTTP 401, NotAuthenticatedException."""
    code, out = run(capsys, "validate", os.path.join(EXAMPLES, "simple_project.yaml"), "--online",
                    "--host", emulator.url, "--api-key", "wrong-key-of-some-length")
    assert code == exitcodes.AUTH_REFUSED == 4
    assert out.err.startswith("dss-framework validate: error[dss.key_refused]: DSS at %s refused the API key" % emulator.url)
    assert "Configuration is invalid" not in out.out + out.err and "wrong-key-of-some-length" not in out.err


class _NotDSS(http.server.BaseHTTPRequestHandler):
    """A web server that is not DSS: an HTML 404 for every path."""

    def do_GET(self):
        body = b"<html><body>Not Found</body></html>"
        self.send_response(404)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_a_web_server_that_is_not_dss_exits_3(capsys):
    server = http.server.HTTPServer(("127.0.0.1", 0), _NotDSS)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = "http://127.0.0.1:%d" % server.server_port
        code, out = run(capsys, "validate", os.path.join(EXAMPLES, "simple_project.yaml"), "--online",
                        "--host", url, "--api-key", "some-api-key")
    finally:
        server.shutdown()
        server.server_close()
    assert code == 3 and out.err == "dss-framework validate: error[dss.unreachable]: cannot reach DSS at %s: no DSS API at this URL\n" % url


def test_output_into_a_closed_pipe_ends_quietly(write):
    """``validate --json | head -1``: no BrokenPipeError traceback, whatever the output size."""
    path = write("many.yaml", MINIMAL + "datasets:\n" + "".join(
        "  - {name: D%d, type: S3, bucket: b}\n" % i for i in range(3000)))
    script = os.path.join(os.path.dirname(sys.executable), "dss-framework")
    command = "%s validate %s --json | head -1" % (script if os.path.exists(script) else sys.executable
                                                   + " -m dataiku_framework.cli", path)
    result = subprocess.run(["bash", "-o", "pipefail", "-c", command], capture_output=True, text=True, timeout=120,
                            env=dict(os.environ, PYTHONPATH=os.path.join(REPO, "python-lib")))
    assert result.stdout == "{\n" and result.stderr == "", result.stderr
    assert result.returncode == cli.EXIT_BROKEN_PIPE


def test_documented_exit_codes_match_the_code():
    """The site documents the codes once, for every command (the CLI reference's table): the same table
    as ``exitcodes.DESCRIPTIONS``; and the quiet exit when the reader goes away is documented too."""
    text = open(os.path.join(REPO, "docs", "reference", "cli.md"), encoding="utf-8").read()
    section = text.split("## Exit codes", 1)[1].split("\n#", 1)[0]
    rows = re.findall(r"^\| `(\d+)` \| (.+?) \|$", section, re.M)
    assert [(int(code), meaning) for code, meaning in rows] == sorted(exitcodes.DESCRIPTIONS.items())
    assert "%-3d %s" % (64, exitcodes.DESCRIPTIONS[64]) in cli.exit_codes_text()
    # the quiet exit when the reader goes away: in the site's prose and in every command's --help
    pages = glob.glob(os.path.join(REPO, "docs", "**", "*.md"), recursive=True)
    assert any("status %d" % cli.EXIT_BROKEN_PIPE in open(p, encoding="utf-8").read() for p in pages)
    assert re.search(r"^  %d +the reader of the output went away" % cli.EXIT_BROKEN_PIPE, cli.exit_codes_text(), re.M)


def test_online_works_with_an_ordinary_users_key(capsys, emulator, write):
    """Admin listings are refused to ordinary users; the check falls back to what they may read."""
    from emusupport import ANALYST_KEY
    path = write("c.yaml", MINIMAL + """datasets:
  - {name: A, type: SQL, connection: pg, table: t}
  - {name: B, type: SQL, connection: no_such_conn, table: t}
""")
    code, out = run(capsys, "validate", path, "--online", "--host", emulator.url, "--api-key", ANALYST_KEY)
    assert code == 1, out.out
    assert "connection 'no_such_conn' does not exist on the DSS instance" in out.out
    assert "connection 'pg'" not in out.out
    emulator.add_connection("fs_only", "Filesystem")
    path = write("d.yaml", MINIMAL + "datasets:\n  - {name: A, type: SQL, connection: fs_only, table: t}\n")
    code, out = run(capsys, "validate", path, "--online", "--host", emulator.url, "--api-key", ANALYST_KEY)
    assert code == 1 and "'fs_only' is a Filesystem connection" in out.out
