"""``dss-framework plan`` and ``drift`` through ``cli.main`` (and once as a real process) against the emulator."""
import json
import os
import shutil
import subprocess
import sys

import jsonschema
import pytest

from emusupport import ADMIN_KEY, ANALYST_KEY, ROOT
from dataiku_framework import Engine, exitcodes
from dataiku_framework.cli import main
from dataiku_framework.commands.plan import use_color
from dataiku_framework.config.api import load_config
from dataiku_framework.plan.document import Plan
from dataiku_framework.state.dssfiles import FOLDER

SCHEMA = os.path.join(ROOT, "python-lib", "dataiku_framework", "schema", "plan-1.0.schema.json")
CREDENTIAL_VARS = ("DKU_DSS_URL", "DKU_API_KEY", "DSS_HOST", "DSS_API_KEY")


@pytest.fixture
def workdir(tmp_path):
    """A copy of examples/ the test may edit."""
    target = tmp_path / "examples"
    shutil.copytree(os.path.join(ROOT, "examples"), str(target))
    return target


@pytest.fixture
def config_path(workdir):
    return str(workdir / "customer_analytics.yaml")


@pytest.fixture
def deployed(client, emulator, config_path, monkeypatch, tmp_path):
    """customer_analytics created in DSS by apply (no state kept); credentials in DSS_*; request counters reset."""
    config = load_config(config_path)
    Engine(client=client).apply(config)  # created as users create it (the one creation path)
    # these tests plan without an apply state: the tool's files (state, lock) are removed
    client.get_project(config.project.key).get_library().get_folder("/" + FOLDER).delete()
    monkeypatch.setenv("HOME", str(tmp_path))  # no ~/.dataiku/config.json of the machine
    for name in CREDENTIAL_VARS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DSS_HOST", emulator.url)
    monkeypatch.setenv("DSS_API_KEY", ADMIN_KEY)
    emulator.stats.reset()
    return client.get_project("CUSTOMER_ANALYTICS")


def _edit(path, old, new):
    with open(path) as handle:
        text = handle.read()
    assert old in text
    with open(path, "w") as handle:
        handle.write(text.replace(old, new, 1))


def _run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _scenario_settings(project, name):
    [item] = [s for s in project.list_scenarios() if s["name"] == name]
    return project.get_scenario(item["id"]).get_settings()


def test_unchanged_project_plans_no_changes(deployed, config_path, capsys):
    code, out, err = _run(capsys, "plan", config_path, "--detailed-exitcode")
    assert code == exitcodes.OK, err
    assert out.rstrip("\n").splitlines()[-1] == "No changes. DSS matches the configuration."
    assert "CUSTOMER_ANALYTICS" in out.splitlines()[0]


def test_one_field_changed_in_yaml_plans_one_update(deployed, config_path, capsys):
    _edit(config_path, "hour: 2", "hour: 3")
    code, out, err = _run(capsys, "plan", config_path)
    assert code == exitcodes.OK, err  # without --detailed-exitcode a successful plan exits 0
    lines = out.rstrip("\n").splitlines()
    assert lines[-1] == "Plan: 0 to create, 1 to update, 0 to delete."
    assert "  ~ scenario.daily_refresh  (1 field differs)" in lines
    assert "      triggers[0].hour: 2 -> 3" in lines
    assert [line for line in lines if line.startswith("  ~ ") or line.startswith("  + ")] == [
        line for line in lines if line.startswith("  ~ scenario.daily_refresh")]
    assert "\x1b[" not in out  # captured output is not a terminal: no colour
    assert _run(capsys, "plan", config_path, "--detailed-exitcode")[0] == exitcodes.CHANGES


def test_json_output_and_out_file_are_the_schema_valid_document(deployed, config_path, capsys, tmp_path):
    _edit(config_path, "hour: 2", "hour: 3")
    out_file = tmp_path / "plans" / "plan.json"
    code, out, err = _run(capsys, "plan", config_path, "--json", "--out", str(out_file))
    assert code == exitcodes.OK, err
    printed = json.loads(out)
    with open(SCHEMA) as handle:
        jsonschema.validate(printed, json.load(handle))
    saved = Plan.from_json(out_file.read_text())
    assert saved.doc["resource_changes"] == printed["resource_changes"]
    change = saved.change("scenario.daily_refresh")
    assert (change.action, [(c["path"], c["before"], c["after"]) for c in change.changes]) == (
        "update", [("triggers[0].hour", 2, 3)])
    assert printed["metadata"]["config_source"] == config_path
    assert printed["summary"]["update"] == 1 and printed["summary"]["create"] == 0
    assert ADMIN_KEY not in out and ADMIN_KEY not in out_file.read_text()


def test_target_limits_the_plan(deployed, config_path, capsys):
    _edit(config_path, "hour: 2", "hour: 3")
    code, out, _ = _run(capsys, "plan", config_path, "--json", "--target", "dataset.CLEAN_CUSTOMERS")
    doc = json.loads(out)
    assert code == exitcodes.OK and doc["metadata"]["targets"] == ["dataset.CLEAN_CUSTOMERS"]
    assert "scenario.daily_refresh" not in [e["address"] for e in doc["resource_changes"]]
    code, out, err = _run(capsys, "plan", config_path, "--target", "dataset.NOPE")
    assert code == exitcodes.INVALID and "dataset.NOPE" in err and "Traceback" not in err


def test_drift_exit_codes_and_listing(deployed, config_path, capsys):
    code, out, err = _run(capsys, "drift", config_path)
    assert code == exitcodes.OK, err
    assert out.rstrip("\n").splitlines()[-1] == "No drift: DSS matches the configuration."
    settings = _scenario_settings(deployed, "daily_refresh")
    settings.raw_triggers[0]["params"]["hour"] = 5  # someone changes DSS by hand
    settings.save()
    code, out, err = _run(capsys, "drift", config_path)
    assert code == exitcodes.CHANGES, err
    assert out.rstrip("\n").splitlines()[-1] == "DSS differs from the configuration in 1 place(s)."
    assert "  ~ scenario.daily_refresh  (1 field differs)" in out.splitlines()
    assert out.splitlines().count("      triggers[0].hour: 5 -> 2") == 1


def test_invalid_config_reports_diagnostics_without_contacting_dss(emulator, workdir, capsys, monkeypatch):
    path = str(workdir / "customer_analytics.yaml")
    _edit(path, "inputs: [RAW_CUSTOMERS]", "inputs: [RAW_CUSTOMER]")
    monkeypatch.setenv("DSS_HOST", emulator.url)
    monkeypatch.setenv("DSS_API_KEY", "a-key-that-would-be-refused")
    emulator.stats.reset()
    for command in ("plan", "drift"):
        code, out, err = _run(capsys, command, path)
        assert code == exitcodes.INVALID
        assert "customer_analytics.yaml:" in err and "RAW_CUSTOMER" in err and "did you mean 'RAW_CUSTOMERS'?" in err
        assert "Traceback" not in err
    assert emulator.stats.snapshot(with_log=False)["requests"] == 0


def test_refused_key_and_unreachable_host_have_their_exit_codes(deployed, config_path, capsys, monkeypatch):
    monkeypatch.setenv("DSS_API_KEY", "not-a-valid-key-1234")
    code, out, err = _run(capsys, "plan", config_path)
    assert code == exitcodes.AUTH_REFUSED and "refused the API key" in err
    assert "not-a-valid-key-1234" not in out + err
    monkeypatch.setenv("DSS_HOST", "http://127.0.0.1:9")  # discard port: nothing listens
    code, out, err = _run(capsys, "drift", config_path)
    assert code == exitcodes.UNREACHABLE and "cannot reach DSS at http://127.0.0.1:9" in err


def test_missing_credentials_is_a_usage_error(config_path, capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    for name in CREDENTIAL_VARS:
        monkeypatch.delenv(name, raising=False)
    code, out, err = _run(capsys, "plan", config_path)
    assert code == exitcodes.USAGE
    assert "dss-framework plan: error[credentials.missing]: no DSS connection" in err and "DKU_DSS_URL" in err


def test_credentials_from_dku_variables_and_from_the_config_file(deployed, emulator, config_path, capsys,
                                                                 monkeypatch, tmp_path):
    monkeypatch.delenv("DSS_HOST")
    monkeypatch.delenv("DSS_API_KEY")
    monkeypatch.setenv("DKU_DSS_URL", emulator.url)
    monkeypatch.setenv("DKU_API_KEY", ADMIN_KEY)
    assert _run(capsys, "plan", config_path)[0] == exitcodes.OK
    monkeypatch.delenv("DKU_DSS_URL")
    monkeypatch.delenv("DKU_API_KEY")
    os.makedirs(str(tmp_path / ".dataiku"))
    (tmp_path / ".dataiku" / "config.json").write_text(json.dumps(
        {"dss_instances": {"local": {"url": emulator.url, "api_key": ADMIN_KEY}}, "default_instance": "local"}))
    code, out, err = _run(capsys, "plan", config_path)
    assert code == exitcodes.OK, err
    assert out.rstrip("\n").splitlines()[-1] == "No changes. DSS matches the configuration."


def test_out_to_an_unwritable_place_is_a_clear_error(deployed, config_path, capsys, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    code, out, err = _run(capsys, "plan", config_path, "--out", str(blocker / "plan.json"))
    assert code == exitcodes.INVALID and "cannot write the plan to" in err and "Traceback" not in err


def test_bad_parallelism_is_a_usage_error(config_path, capsys):
    code, out, err = _run(capsys, "plan", config_path, "--parallelism", "0")
    assert code == exitcodes.USAGE and "--parallelism" in err


def test_colour_only_for_a_terminal_without_no_color(monkeypatch):
    class Terminal(object):
        def isatty(self):
            return True
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert use_color(Terminal()) is True
    monkeypatch.setenv("NO_COLOR", "1")
    assert use_color(Terminal()) is False
    assert use_color(open(os.devnull, "w")) is False


def test_real_process_with_detailed_exitcode(deployed, config_path, emulator):
    """The installed entry point, as CI runs it."""
    _edit(config_path, "hour: 2", "hour: 3")
    env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "python-lib"), NO_COLOR="1")
    done = subprocess.run([sys.executable, "-m", "dataiku_framework.cli", "plan", config_path, "--detailed-exitcode"],
                          env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True, timeout=120)
    assert done.returncode == exitcodes.CHANGES, done.stderr
    assert done.stdout.rstrip("\n").splitlines()[-1] == "Plan: 0 to create, 1 to update, 0 to delete."


def test_a_project_the_key_cannot_read_is_an_error_not_a_traceback(deployed, config_path, capsys, monkeypatch):
    """The analyst has no permission on the admin's project: DSS refuses the read."""
    monkeypatch.setenv("DSS_API_KEY", ANALYST_KEY)
    code, out, err = _run(capsys, "plan", config_path)
    assert code == exitcodes.INVALID, err
    assert err.startswith("dss-framework plan: error[dss.forbidden]: DSS refused a request") and "CUSTOMER_ANALYTICS" in err
    assert ANALYST_KEY not in err
