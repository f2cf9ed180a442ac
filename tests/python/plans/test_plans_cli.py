"""``dss-framework plan --store`` and ``plans list|show|approve|discard|apply`` through ``cli.main``
against the emulator: approve then apply with the approver recorded, a stale plan refused and
marked, a non-admin refused, one-line errors and exit codes."""
import json
import re
import sys

import pytest

from emusupport import ADMIN_KEY, ANALYST_KEY, fs_dataset
from dataiku_framework import exitcodes
from dataiku_framework.cli import main
from dataiku_framework.state.dssfiles import LibraryDocument
from dataiku_framework.state.plans import PlanStore, plan_file

KEY = "PS1"
YAML = """version: "1.0"
project: {key: PS1, name: Stored plans}
datasets:
  - name: RAW
    type: Filesystem
    connection: filesystem_managed
    path: raw
    format_type: csv
"""
CREDENTIAL_VARS = ("DKU_DSS_URL", "DKU_API_KEY", "DSS_HOST", "DSS_API_KEY")


class _NoTerminal(object):
    def isatty(self):
        return False

    def readline(self):
        return ""


@pytest.fixture
def dss(emulator, client, monkeypatch, tmp_path):
    """The admin's credentials in DSS_*, stdin not a terminal, project PS1 (empty) in DSS."""
    monkeypatch.setenv("HOME", str(tmp_path))
    for name in CREDENTIAL_VARS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DSS_HOST", emulator.url)
    monkeypatch.setenv("DSS_API_KEY", ADMIN_KEY)
    monkeypatch.setattr(sys, "stdin", _NoTerminal())
    client.create_project(KEY, "Stored plans", "admin")
    return emulator


@pytest.fixture
def config_path(tmp_path):
    path = tmp_path / "project.yaml"
    path.write_text(YAML)
    return str(path)


def _run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _stored(capsys, config_path):
    code, out, err = _run(capsys, "plan", config_path, "--store")
    assert code == exitcodes.OK, err
    return re.search(r"Stored plan: (\S+)", out).group(1)


def test_plan_store_then_list_and_show(dss, config_path, capsys):
    plan_id = _stored(capsys, config_path)
    code, out, err = _run(capsys, "plans", "list", KEY)
    assert code == exitcodes.OK, err
    assert out.splitlines()[0].split()[:3] == ["PLAN", "ID", "STATUS"]
    assert plan_id in out and "pending" in out and "1 create" in out
    code, out, _ = _run(capsys, "plans", "list", KEY, "--status", "approved", "--json")
    assert code == exitcodes.OK and json.loads(out) == []
    code, out, _ = _run(capsys, "plans", "show", KEY, plan_id)
    assert code == exitcodes.OK and out.startswith("Stored plan %s of project PS1: pending" % plan_id)
    assert "dataset.RAW" in out
    code, out, _ = _run(capsys, "plans", "show", KEY, plan_id, "--json")
    assert json.loads(out)["plan"]["metadata"]["project_key"] == KEY


def test_plan_store_with_json_keeps_stdout_the_document(dss, config_path, capsys):
    code, out, err = _run(capsys, "plan", config_path, "--store", "--json")
    assert code == exitcodes.OK and json.loads(out)["metadata"]["project_key"] == KEY
    assert "Stored plan: " in err


def test_approve_then_apply_records_approver_and_apply_id(dss, config_path, capsys, client):
    plan_id = _stored(capsys, config_path)
    code, out, err = _run(capsys, "plans", "apply", KEY, plan_id, "--auto-approve")
    assert code == exitcodes.INVALID and "only an approved plan is applied" in err and len(err.splitlines()) == 1
    code, out, err = _run(capsys, "plans", "approve", KEY, plan_id, "--comment", "ok for prod")
    assert code == exitcodes.OK and "Approved stored plan %s" % plan_id in out
    code, out, err = _run(capsys, "plans", "apply", KEY, plan_id, "--auto-approve", "--no-checkpoint")
    assert code == exitcodes.OK, err
    apply_id = re.search(r"Apply id: (\S+)", out).group(1)
    record = PlanStore(client, KEY).get(plan_id)
    assert record["status"] == "applied" and record["apply_id"] == apply_id
    assert [(e["status"], e["user"]) for e in record["events"]] == [("pending", "admin"), ("approved", "admin"),
                                                                     ("applied", "admin")]
    assert record["events"][1]["comment"] == "ok for prod"
    code, out, _ = _run(capsys, "history", KEY, "--json")
    assert json.loads(out)[0]["apply_id"] == apply_id
    code, out, err = _run(capsys, "plans", "apply", KEY, plan_id, "--auto-approve")
    assert code == exitcodes.INVALID and "is applied" in err


def test_a_stale_stored_plan_is_refused_and_marked(dss, config_path, capsys, client):
    plan_id = _stored(capsys, config_path)
    assert _run(capsys, "plans", "approve", KEY, plan_id)[0] == exitcodes.OK
    fs_dataset(client.get_project(KEY), "RAW")
    code, out, err = _run(capsys, "plans", "apply", KEY, plan_id, "--auto-approve")
    assert code == exitcodes.INVALID and "is stale" in err and "dataset.RAW" in err
    code, out, _ = _run(capsys, "plans", "list", KEY, "--status", "stale", "--json")
    assert [e["id"] for e in json.loads(out)] == [plan_id]


def test_a_non_admin_cannot_approve(dss, config_path, capsys, monkeypatch, client):
    project = client.get_project(KEY)
    project.set_permissions(dict(project.get_permissions(), permissions=[
        {"group": "data_team", "readProjectContent": True, "readConf": True, "writeProjectContent": True}]))
    plan_id = _stored(capsys, config_path)
    monkeypatch.setenv("DSS_API_KEY", ANALYST_KEY)
    code, out, err = _run(capsys, "plans", "approve", KEY, plan_id)
    assert code == exitcodes.INVALID and "DSS user analyst" in err and len(err.splitlines()) == 1
    assert PlanStore(client, KEY).get(plan_id)["status"] == "pending"


def test_discard_and_a_tampered_plan_named(dss, config_path, capsys, client):
    plan_id = _stored(capsys, config_path)
    code, out, _ = _run(capsys, "plans", "discard", KEY, plan_id, "--comment", "not now")
    assert code == exitcodes.OK and "Discarded" in out
    other = _stored(capsys, config_path)
    document = LibraryDocument(client, KEY, plan_file(other))
    record = document.read_document()
    record["plan"]["summary"]["create"] = 7
    document.write_document(record)
    code, out, err = _run(capsys, "plans", "show", KEY, other)
    assert code == exitcodes.INVALID and "stored plan %s" % other in err and "Traceback" not in err


def test_unknown_plan_and_bad_usage(dss, capsys):
    code, out, err = _run(capsys, "plans", "show", KEY, "20260101T000000Z-00000000")
    assert code == exitcodes.INVALID and "has no stored plan" in err
    assert _run(capsys, "plans")[0] == exitcodes.USAGE
    assert _run(capsys, "plans", "list", KEY, "--status", "nope")[0] == exitcodes.USAGE


def test_show_check_marks_a_moved_plan_stale(dss, config_path, capsys, client):
    plan_id = _stored(capsys, config_path)
    code, out, err = _run(capsys, "plans", "show", KEY, plan_id, "--check")
    assert code == exitcodes.OK and out.rstrip().endswith("Fresh: a plan made now from the same source is this plan.")
    with open(config_path, "a") as handle:
        handle.write("  - {name: MORE, type: Filesystem, connection: filesystem_managed, path: more, format_type: csv}\n")
    code, out, err = _run(capsys, "plans", "show", KEY, plan_id, "--check")
    assert code == exitcodes.CHANGES and "Stale: " in out and "dataset.MORE" in out
    assert PlanStore(client, KEY).get(plan_id)["status"] == "stale"
