"""``dss-framework plan --store`` and ``plans list|show|approve|discard|apply`` through ``cli.main``
against the emulator: approve then apply with the approver recorded, a stale plan refused and
marked, a non-admin refused, one-line errors and exit codes."""
import json
import re

import pytest

from cli_support import cli_runner
from emusupport import ADMIN_KEY, ANALYST_KEY, fs_dataset
from dataiku_framework import exitcodes
from dataiku_framework.state.dssfiles import LibraryDocument
from dataiku_framework.state.plans import PlanStore, plan_file
from test_plan_store import KEY, config_file  # noqa: F401  (a fixture)


@pytest.fixture
def run(emulator, client, monkeypatch, tmp_path, capsys):
    """``cli.main`` with the admin's credentials (stdin not a terminal), project PS1 (empty) in DSS."""
    client.create_project(KEY, "Stored plans", "admin")
    return cli_runner(emulator, monkeypatch, tmp_path, capsys)


def _stored(run, config_file):
    code, out, err = run("plan", config_file, "--store")
    assert code == exitcodes.OK, err
    return re.search(r"Stored plan: (\S+)", out).group(1)


def test_plan_store_then_list_and_show(run, config_file):
    plan_id = _stored(run, config_file)
    code, out, err = run("plans", "list", KEY)
    assert code == exitcodes.OK, err
    assert out.splitlines()[0].split()[:3] == ["PLAN", "ID", "STATUS"]
    assert plan_id in out and "pending" in out and "1 create" in out
    code, out, _ = run("plans", "list", KEY, "--status", "approved", "--json")
    assert code == exitcodes.OK and json.loads(out) == []
    code, out, _ = run("plans", "show", KEY, plan_id)
    assert code == exitcodes.OK and out.startswith("Stored plan %s of project PS1: pending" % plan_id)
    assert "dataset.RAW" in out
    code, out, _ = run("plans", "show", KEY, plan_id, "--json")
    assert json.loads(out)["plan"]["metadata"]["project_key"] == KEY


def test_plan_store_with_json_keeps_stdout_the_document(run, config_file):
    code, out, err = run("plan", config_file, "--store", "--json")
    assert code == exitcodes.OK and json.loads(out)["metadata"]["project_key"] == KEY
    assert "Stored plan: " in err


def test_approve_then_apply_records_approver_and_apply_id(run, config_file, client):
    plan_id = _stored(run, config_file)
    code, out, err = run("plans", "apply", KEY, plan_id, "--auto-approve")
    assert code == exitcodes.INVALID and "only an approved plan is applied" in err and len(err.splitlines()) == 1
    code, out, err = run("plans", "approve", KEY, plan_id, "--comment", "ok for prod")
    assert code == exitcodes.OK and "Approved stored plan %s" % plan_id in out
    code, out, err = run("plans", "apply", KEY, plan_id, "--auto-approve", "--no-checkpoint")
    assert code == exitcodes.OK, err
    apply_id = re.search(r"Apply id: (\S+)", out).group(1)
    record = PlanStore(client, KEY).get(plan_id)
    assert record["status"] == "applied" and record["apply_id"] == apply_id
    assert [(e["status"], e["user"]) for e in record["events"]] == [("pending", "admin"), ("approved", "admin"),
                                                                     ("applied", "admin")]
    assert record["events"][1]["comment"] == "ok for prod"
    code, out, _ = run("history", KEY, "--json")
    entry = json.loads(out)[0]
    assert entry["apply_id"] == apply_id and entry["user"] == "admin"
    assert entry["stored_plan"]["id"] == plan_id and entry["stored_plan"]["approved_by"] == "admin"
    assert entry["stored_plan"]["digest"] == record["digest"]
    code, out, err = run("plans", "apply", KEY, plan_id, "--auto-approve")
    assert code == exitcodes.INVALID and "is applied" in err


def test_a_stale_stored_plan_is_refused_and_marked(run, config_file, client):
    plan_id = _stored(run, config_file)
    assert run("plans", "approve", KEY, plan_id)[0] == exitcodes.OK
    fs_dataset(client.get_project(KEY), "RAW")
    code, out, err = run("plans", "apply", KEY, plan_id, "--auto-approve")
    assert code == exitcodes.INVALID and "is stale" in err and "dataset.RAW" in err
    code, out, _ = run("plans", "list", KEY, "--status", "stale", "--json")
    assert [e["id"] for e in json.loads(out)] == [plan_id]


def test_a_non_admin_cannot_approve(run, config_file, monkeypatch, client):
    project = client.get_project(KEY)
    project.set_permissions(dict(project.get_permissions(), permissions=[
        {"group": "data_team", "readProjectContent": True, "readConf": True, "writeProjectContent": True}]))
    plan_id = _stored(run, config_file)
    monkeypatch.setenv("DSS_API_KEY", ANALYST_KEY)
    code, out, err = run("plans", "approve", KEY, plan_id)
    assert code == exitcodes.INVALID and "DSS user analyst" in err and len(err.splitlines()) == 1
    assert PlanStore(client, KEY).get(plan_id)["status"] == "pending"


def test_discard_and_a_tampered_plan_named(run, config_file, client):
    plan_id = _stored(run, config_file)
    code, out, _ = run("plans", "discard", KEY, plan_id, "--comment", "not now")
    assert code == exitcodes.OK and "Discarded" in out
    other = _stored(run, config_file)
    document = LibraryDocument(client, KEY, plan_file(other))
    record = document.read_document()
    record["plan"]["summary"]["create"] = 7
    document.write_document(record)
    code, out, err = run("plans", "show", KEY, other)
    assert code == exitcodes.INVALID and "stored plan %s" % other in err and "Traceback" not in err


def test_unknown_plan_and_bad_usage(run):
    code, out, err = run("plans", "show", KEY, "20260101T000000Z-00000000")
    assert code == exitcodes.INVALID and "has no stored plan" in err
    assert run("plans")[0] == exitcodes.USAGE
    assert run("plans", "list", KEY, "--status", "nope")[0] == exitcodes.USAGE


def test_show_check_marks_a_moved_plan_stale(run, config_file, client):
    plan_id = _stored(run, config_file)
    code, out, err = run("plans", "show", KEY, plan_id, "--check")
    assert code == exitcodes.OK and out.rstrip().endswith("Fresh: a plan made now from the same source is this plan.")
    with open(config_file, "a") as handle:
        handle.write("  - {name: MORE, type: Filesystem, connection: filesystem_managed, path: more, format_type: csv}\n")
    code, out, err = run("plans", "show", KEY, plan_id, "--check")
    assert code == exitcodes.CHANGES and "Stale: " in out and "dataset.MORE" in out
    assert PlanStore(client, KEY).get(plan_id)["status"] == "stale"


def test_plan_store_of_several_configurations_is_refused(run, config_file, tmp_path):
    other = tmp_path / "other.yaml"
    other.write_text('version: "1.0"\nproject: {key: PS2, name: Other}\n')
    code, out, err = run("plan", config_file, str(other), "--store")
    assert code == exitcodes.USAGE and "--store cannot be used with several configurations" in err


def test_settings_set_by_an_admin_then_the_author_cannot_approve(run, config_file, monkeypatch):
    code, out, _ = run("plans", "settings", KEY)
    assert code == exitcodes.OK and out == "approver_must_differ: false\n"
    monkeypatch.setenv("DSS_API_KEY", ANALYST_KEY)
    code, out, err = run("plans", "settings", KEY, "--approver-must-differ", "yes")
    assert code == exitcodes.INVALID and "needs administrator rights" in err
    monkeypatch.setenv("DSS_API_KEY", ADMIN_KEY)
    code, out, _ = run("plans", "settings", KEY, "--approver-must-differ", "yes")
    assert code == exitcodes.OK and out == "approver_must_differ: true\n"
    plan_id = _stored(run, config_file)
    code, out, err = run("plans", "approve", KEY, plan_id)
    assert code == exitcodes.INVALID and "made by admin, who may not approve it" in err


def test_plan_store_of_a_new_project_is_one_error_line(run, tmp_path):
    new = tmp_path / "new.yaml"
    new.write_text('version: "1.0"\nproject: {key: PS9, name: New}\n')
    code, out, err = run("plan", str(new), "--store")
    assert code == exitcodes.INVALID and "Plan: 1 to create" in out
    assert err.splitlines() == ["dss-framework plan: error[plans.refused]: this plan creates project PS9, whose library (where plans "
                                "are stored) does not exist yet: apply the project first (or plan without storing)"]
