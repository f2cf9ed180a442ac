"""The dss-framework CLI: validate exit codes, output shapes and online checks."""

import json
import os

import pytest

from dataiku_framework import cli
from config_support import EXAMPLES, MINIMAL
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


def test_usage_errors_exit_two(capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(["validate"])
    assert info.value.code == 2
    assert cli.main([]) == 2


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
    assert "env.yaml:8:81: error: recipes[0].code_env:" in out.out  # where the value is written
    emulator.add_code_env("py39_pandas")
    assert run(capsys, "validate", path, "--online", "--host", emulator.url)[0] == 0


def test_online_without_credentials_is_a_usage_error(capsys, monkeypatch):
    monkeypatch.delenv("DSS_HOST", raising=False)
    monkeypatch.delenv("DSS_API_KEY", raising=False)
    with pytest.raises(SystemExit) as info:
        cli.main(["validate", os.path.join(EXAMPLES, "simple_project.yaml"), "--online"])
    assert info.value.code == 2


def test_unreachable_dss_is_a_diagnostic(capsys, emulator):
    url = emulator.url
    emulator.stop()  # a real refused connection
    code, out = run(capsys, "validate", os.path.join(EXAMPLES, "simple_project.yaml"), "--online",
                    "--host", url, "--api-key", "k3y-that-must-not-leak")
    assert code == 1 and "cannot query DSS" in out.out
    assert "k3y-that-must-not-leak" not in out.out + out.err


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
