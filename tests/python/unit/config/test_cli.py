"""The dss-framework CLI: validate exit codes, output shapes and online checks."""

import json
import os
import sys
import types

import pytest

from dataiku_framework import cli
from config_support import EXAMPLES, MINIMAL


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


class FakeClient(object):
    def __init__(self, host, api_key):
        self.host, self.api_key = host, api_key

    def list_connections(self):
        return {"snowflake_dev": {"type": "Snowflake"}, "filesystem_managed": {"type": "Filesystem"}}

    def list_code_envs(self):
        return [{"envName": "py39", "envLang": "PYTHON"}]

    def list_users(self):
        return [{"login": "admin"}]


def test_online_reports_missing_objects_with_locations(capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "dataikuapi", types.SimpleNamespace(DSSClient=FakeClient))
    monkeypatch.setenv("DSS_API_KEY", "secret-key-value")
    path = os.path.join(EXAMPLES, "snowflake_pipeline.yaml")
    code, out = run(capsys, "validate", path, "--online", "--host", "http://dss", "--env", "prod")
    assert code == 1
    assert "connection 'snowflake_prod' does not exist" in out.out
    assert "user 'analytics_admin' does not exist" in out.out
    assert "secret-key-value" not in out.out + out.err
    code, out = run(capsys, "validate", path, "--online", "--host", "http://dss")
    assert "connection 'snowflake_dev'" not in out.out


def test_online_without_credentials_is_a_usage_error(capsys, monkeypatch):
    monkeypatch.delenv("DSS_HOST", raising=False)
    monkeypatch.delenv("DSS_API_KEY", raising=False)
    with pytest.raises(SystemExit) as info:
        cli.main(["validate", os.path.join(EXAMPLES, "simple_project.yaml"), "--online"])
    assert info.value.code == 2


def test_unreachable_dss_is_a_diagnostic(capsys, monkeypatch):
    class Broken(FakeClient):
        def list_connections(self):
            raise IOError("connection refused for key k3y")
    monkeypatch.setitem(sys.modules, "dataikuapi", types.SimpleNamespace(DSSClient=Broken))
    code, out = run(capsys, "validate", os.path.join(EXAMPLES, "simple_project.yaml"), "--online",
                    "--host", "http://x", "--api-key", "k3y")
    assert code == 1 and "cannot query DSS" in out.out and "k3y" not in out.out
