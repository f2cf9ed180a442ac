"""``dss-framework apply``, ``history``, ``rollback`` and ``unlock`` through ``cli.main`` (and once as a
real process on a pseudo-terminal) against the emulator."""
import json
import os
import shutil
import subprocess
import sys

import pytest

from emusupport import ADMIN_KEY, ROOT, read_until as _read_until
from dataiku_framework import exitcodes
from dataiku_framework.apply.rollback import NOT_RESTORED
from dataiku_framework.commands.apply import PROMPT, ROLLBACK_PROMPT, history_table
from dataiku_framework.state import ProjectLock
from cli_support import CREDENTIAL_VARS, Terminal
from test_plan_cli import _edit, _run  # the same helpers as the plan command's tests

KEY = "CUSTOMER_ANALYTICS"


@pytest.fixture
def config_path(tmp_path):
    target = tmp_path / "examples"
    shutil.copytree(os.path.join(ROOT, "examples"), str(target))
    return str(target / "customer_analytics.yaml")


@pytest.fixture
def dss(emulator, monkeypatch, tmp_path):
    """Credentials of the emulator's administrator in DSS_*, nothing else; stdin is not a terminal."""
    monkeypatch.setenv("HOME", str(tmp_path))
    for name in CREDENTIAL_VARS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DSS_HOST", emulator.url)
    monkeypatch.setenv("DSS_API_KEY", ADMIN_KEY)
    monkeypatch.setattr(sys, "stdin", Terminal())
    return emulator


@pytest.fixture
def applied(dss, config_path, capsys):
    """customer_analytics applied once through the CLI; request counters reset."""
    code, out, err = _run(capsys, "apply", config_path, "--auto-approve")
    assert code == exitcodes.OK, err
    dss.stats.reset()
    return out


def _saved_plan(config_path, capsys, tmp_path):
    """The hour 2 -> 3 change planned with ``plan --out``; the saved file's path."""
    _edit(config_path, "hour: 2", "hour: 3")
    saved = str(tmp_path / "plan.json")
    assert _run(capsys, "plan", config_path, "--out", saved)[0] == exitcodes.OK
    return saved


def _hour(client):
    project = client.get_project(KEY)
    [item] = [s for s in project.list_scenarios() if s["name"] == "daily_refresh"]
    return project.get_scenario(item["id"]).get_settings().raw_triggers[0]["params"]["hour"]


def test_apply_creates_the_project_then_a_second_apply_changes_nothing(applied, dss, config_path, capsys, client):
    lines = applied.splitlines()
    assert lines[0].startswith("dss-framework plan for project %s" % KEY)
    assert "Plan: 5 to create, 0 to update, 0 to delete." in lines
    progress = [line for line in lines if line.startswith("  [")]
    assert len(progress) == 5 and progress[-1].startswith("  [5/5] ")  # one line per resource as it finishes
    assert any(line.startswith("Apply complete: ") for line in lines)
    assert [line for line in lines if line.startswith("Apply id: ")]
    assert "daily_refresh" in [s["name"] for s in client.get_project(KEY).list_scenarios()]
    code, out, err = _run(capsys, "apply", config_path)  # no --auto-approve needed: nothing to confirm
    assert code == exitcodes.OK, err
    assert out.rstrip("\n").splitlines()[-1] == "No changes. DSS matches the configuration."
    assert dss.stats.writes == 0 and "Apply" not in out


def test_a_one_field_change_is_applied_with_one_line_of_progress(applied, dss, config_path, capsys, client):
    _edit(config_path, "hour: 2", "hour: 3")
    code, out, err = _run(capsys, "apply", config_path, "--auto-approve")
    assert code == exitcodes.OK, err
    assert "      triggers[0].hour: 2 -> 3" in out.splitlines()
    assert [line for line in out.splitlines() if line.startswith("  [")] == [
        "  [1/1] update scenario.daily_refresh: succeeded"]
    assert "Apply complete: 0 created, 1 updated, 0 replaced, 0 deleted." in out.splitlines()
    assert _hour(client) == 3


def test_without_a_terminal_auto_approve_is_required_and_nothing_is_written(applied, dss, config_path, capsys,
                                                                            client):
    _edit(config_path, "hour: 2", "hour: 3")
    code, out, err = _run(capsys, "apply", config_path)
    assert code == exitcodes.USAGE
    assert "pass --auto-approve" in err and "not a terminal" in err
    assert "triggers[0].hour: 2 -> 3" in out  # the plan was shown
    assert sys.stdin.prompted == 0 and dss.stats.writes == 0 and _hour(client) == 2


@pytest.mark.parametrize("answer", ["no\n", "y\n", "YES please\n", ""])
def test_only_yes_applies_on_a_terminal(applied, dss, config_path, capsys, client, monkeypatch, answer):
    _edit(config_path, "hour: 2", "hour: 3")
    monkeypatch.setattr(sys, "stdin", Terminal([answer]))  # "": a terminal at end of input (Ctrl-D)
    code, out, err = _run(capsys, "apply", config_path)
    assert code == exitcodes.INVALID
    assert PROMPT in out and out.endswith("Apply cancelled.\n")
    assert dss.stats.writes == 0 and _hour(client) == 2


def test_yes_on_a_terminal_applies_the_plan_shown(applied, config_path, capsys, client, monkeypatch):
    _edit(config_path, "hour: 2", "hour: 3")
    monkeypatch.setattr(sys, "stdin", Terminal(["yes\n"]))
    code, out, err = _run(capsys, "apply", config_path)
    assert code == exitcodes.OK, err
    assert sys.stdin.prompted == 1
    assert out.index("triggers[0].hour: 2 -> 3") < out.index(PROMPT) < out.index("Apply complete: ")
    assert _hour(client) == 3


def test_a_change_in_dss_while_the_question_waits_shows_the_new_plan_and_asks_again(applied, config_path, capsys,
                                                                                   client, monkeypatch):
    """What was approved is applied only as shown: the plan made under the lock differs (DSS edited
    at the question), so nothing is applied; the new plan is shown and asked again ('no' here)."""
    _edit(config_path, "hour: 2", "hour: 3")

    def edit_dss_at_the_first_question(prompted):
        if prompted > 1:
            return
        project = client.get_project(KEY)
        [item] = [s for s in project.list_scenarios() if s["name"] == "daily_refresh"]
        settings = project.get_scenario(item["id"]).get_settings()
        settings.raw_triggers[0]["params"]["minute"] = 30
        settings.save()
    stdin = Terminal(["yes\n", "no\n"], on_read=edit_dss_at_the_first_question)
    monkeypatch.setattr(sys, "stdin", stdin)
    code, out, err = _run(capsys, "apply", config_path)
    assert code == exitcodes.INVALID and stdin.prompted == 2
    changed = out.split("The plan changed since it was shown, nothing was applied: ", 1)[1]
    assert changed.startswith("scenario.daily_refresh") and "triggers[0].minute: 30 -> 0" in changed
    assert changed.index("triggers[0].minute") < changed.index(PROMPT) < changed.index("Apply cancelled.")
    assert _hour(client) == 2


def test_a_saved_plan_is_applied_as_saved(applied, dss, config_path, capsys, client, tmp_path):
    saved = _saved_plan(config_path, capsys, tmp_path)
    code, out, err = _run(capsys, "apply", saved, "--auto-approve")
    assert code == exitcodes.OK, err
    assert "triggers[0].hour: 2 -> 3" in out and "Apply complete: 0 created, 1 updated" in out
    assert _hour(client) == 3


def test_a_saved_plan_whose_configuration_moved_on_is_refused(applied, dss, config_path, capsys, client, tmp_path):
    saved = _saved_plan(config_path, capsys, tmp_path)
    _edit(config_path, "hour: 3", "hour: 5")  # the file moves on: the saved plan no longer says what it asks
    dss.stats.reset()
    code, out, err = _run(capsys, "apply", saved, "--auto-approve")
    assert code == exitcodes.INVALID
    assert err.startswith("dss-framework apply: error[plan.stale]: the plan of project %s is stale, nothing was applied" % KEY)
    assert "the configuration" in err and _hour(client) == 2  # (the lock is taken, then released)


def test_a_saved_plan_is_applied_only_to_the_dss_it_was_planned_on(applied, dss, config_path, capsys, tmp_path,
                                                                   monkeypatch, client):
    saved = _saved_plan(config_path, capsys, tmp_path)
    other = dss.url.replace("127.0.0.1", "localhost")
    assert other != dss.url
    code, out, err = _run(capsys, "apply", saved, "--auto-approve", "--host", other)
    assert code == exitcodes.INVALID
    assert "was planned against %s, but the credentials point to %s" % (dss.url, other) in err
    assert _hour(client) == 2


def test_a_saved_plan_takes_no_planning_options(applied, config_path, capsys, tmp_path):
    saved = str(tmp_path / "plan.json")
    assert _run(capsys, "plan", config_path, "--out", saved)[0] == exitcodes.OK
    code, out, err = _run(capsys, "apply", saved, "--auto-approve", "--target", "project", "--allow-delete")
    assert code == exitcodes.USAGE
    assert "is a saved plan, applied exactly as saved: --target, --allow-delete cannot change it" in err


def test_a_stale_saved_plan_is_refused_with_what_changed(applied, dss, config_path, capsys, client, tmp_path):
    saved = _saved_plan(config_path, capsys, tmp_path)
    project = client.get_project(KEY)
    [item] = [s for s in project.list_scenarios() if s["name"] == "daily_refresh"]
    settings = project.get_scenario(item["id"]).get_settings()
    settings.raw_triggers[0]["params"]["hour"] = 7  # someone edits DSS after the plan was saved
    settings.save()
    code, out, err = _run(capsys, "apply", saved, "--auto-approve")
    assert code == exitcodes.INVALID
    assert err.startswith("dss-framework apply: error[plan.stale]: ") and "scenario.daily_refresh" in err
    assert "Traceback" not in err and _hour(client) == 7


def test_a_plan_document_of_an_unknown_major_version_is_refused(dss, capsys, tmp_path):
    path = tmp_path / "plan.json"
    path.write_text(json.dumps({"format_version": "9.0", "resource_changes": []}))
    code, out, err = _run(capsys, "apply", str(path), "--auto-approve")
    assert code == exitcodes.INVALID
    assert "format_version 9.0 is not supported" in err


def test_a_json_configuration_is_planned_as_a_configuration(dss, config_path, capsys, tmp_path, client):
    import yaml
    with open(config_path) as handle:
        doc = yaml.safe_load(handle)
    path = tmp_path / "config.json"
    path.write_text(json.dumps(doc))
    code, out, err = _run(capsys, "apply", str(path), "--auto-approve")
    assert code == exitcodes.OK, err
    assert "Plan: 5 to create" in out and KEY in client.list_project_keys()


def test_json_output_is_the_result_alone_on_stdout(applied, config_path, capsys):
    _edit(config_path, "hour: 2", "hour: 3")
    code, out, err = _run(capsys, "apply", config_path, "--auto-approve", "--json")
    assert code == exitcodes.OK, err
    result = json.loads(out)
    assert result["succeeded"] is True and result["project_key"] == KEY and result["operation"] == "apply"
    assert result["counts"]["updated"] == 1 and result["apply_id"]
    assert [r["address"] for r in result["resources"]] == ["scenario.daily_refresh"]
    assert "triggers[0].hour: 2 -> 3" in err and "[1/1]" in err  # the plan and progress on stderr
    code, out, err = _run(capsys, "apply", config_path, "--auto-approve", "--json")
    assert code == exitcodes.OK and json.loads(out)["resources"] == [] and json.loads(out)["writes"] == 0


def test_a_held_lock_fails_naming_its_holder_and_unlock_releases_it(applied, dss, config_path, capsys, client):
    lock = ProjectLock(client, KEY, operation="apply", settle=0)
    held = lock.acquire()
    _edit(config_path, "hour: 2", "hour: 3")
    code, out, err = _run(capsys, "apply", config_path, "--auto-approve")
    assert code == exitcodes.INVALID
    assert "project %s is locked" % KEY in err and "held by admin" in err and held.id in err
    assert "Traceback" not in err and _hour(client) == 2
    code, out, err = _run(capsys, "unlock", KEY, "not-the-id")
    assert code == exitcodes.INVALID and "nothing was released" in err
    code, out, err = _run(capsys, "unlock", KEY, held.id)
    assert code == exitcodes.OK, err
    assert out.startswith("Released lock %s of project %s (it was held by admin" % (held.id, KEY))
    code, out, err = _run(capsys, "apply", config_path, "--auto-approve")
    assert code == exitcodes.OK, err
    assert _hour(client) == 3


def test_lock_timeout_waits_then_names_the_holder(applied, config_path, capsys, client):
    ProjectLock(client, KEY, operation="rollback", settle=0).acquire()
    _edit(config_path, "hour: 2", "hour: 3")
    code, out, err = _run(capsys, "apply", config_path, "--auto-approve", "--lock-timeout", "0.3")
    assert code == exitcodes.INVALID
    assert "after waiting" in err and "for rollback" in err


def test_a_failed_resource_exits_1_and_names_it(applied, dss, config_path, capsys):
    _edit(config_path, "hour: 2", "hour: 3")
    dss.faults.configure({"fail_nth_write": 1, "fail_status": 500, "fail_count": 100, "path_contains": "/scenarios/"})
    code, out, err = _run(capsys, "apply", config_path, "--auto-approve")
    dss.faults.clear()
    assert code == exitcodes.INVALID
    assert any(line.startswith("Apply failed: ") and "1 failed" in line for line in out.splitlines())
    assert "  update scenario.daily_refresh: failed: " in out


def test_history_lists_the_applies_newest_first(applied, config_path, capsys):
    _edit(config_path, "hour: 2", "hour: 3")
    assert _run(capsys, "apply", config_path, "--auto-approve")[0] == exitcodes.OK
    code, out, err = _run(capsys, "history", KEY)
    assert code == exitcodes.OK, err
    lines = out.rstrip("\n").splitlines()
    assert lines[0].split() == ["APPLY", "ID", "OPERATION", "RESULT", "STARTED", "(UTC)", "USER", "CHANGES", "CONFIG"]
    assert len(lines) == 3 and "1 updated" in lines[1] and " created" in lines[2]
    code, out, err = _run(capsys, "history", KEY, "--json")
    entries = json.loads(out)
    assert [e["result"] for e in entries] == ["succeeded", "succeeded"] and entries[0]["counts"]["updated"] == 1
    assert lines[1].startswith(entries[0]["apply_id"])


def test_history_of_a_project_never_applied(dss, capsys, project):
    code, out, err = _run(capsys, "history", "P1")
    assert code == exitcodes.OK, err
    assert out == "No apply recorded for project P1.\n"


def test_history_table_of_a_running_and_a_failed_apply():
    table = history_table([
        {"apply_id": "a2", "operation": "apply", "result": None, "started_at": "t2", "user": "u", "counts": {}},
        {"apply_id": "a1", "operation": "rollback", "result": "partial", "started_at": "t1", "user": "u",
         "counts": {"updated": 2, "failed": 1, "skipped": 3}, "config_source": "c.yaml"}])
    lines = table.splitlines()
    assert lines[1].split() == ["a2", "apply", "running", "t2", "u", "none"]
    assert lines[2].split() == ["a1", "rollback", "partial", "t1", "u", "2", "updated,", "1", "failed,", "3",
                                "skipped", "c.yaml"]


def test_unlock_of_a_project_not_locked(applied, capsys):
    code, out, err = _run(capsys, "unlock", KEY, "abc")
    assert code == exitcodes.INVALID
    assert "is not locked" in err


def test_bad_lock_timeout_is_a_usage_error(config_path, capsys):
    code, out, err = _run(capsys, "apply", config_path, "--lock-timeout", "-1")
    assert code == exitcodes.USAGE and "--lock-timeout" in err


def test_rollback_shows_its_plan_says_data_is_not_restored_and_restores(applied, dss, config_path, capsys,
                                                                         client, monkeypatch):
    _edit(config_path, "hour: 2", "hour: 3")
    assert _run(capsys, "apply", config_path, "--auto-approve")[0] == exitcodes.OK
    dss.stats.reset()
    code, out, err = _run(capsys, "rollback", KEY)  # not a terminal, no --auto-approve: shows, changes nothing
    assert code == exitcodes.USAGE and "pass --auto-approve" in err
    assert NOT_RESTORED in out.splitlines() and dss.stats.writes == 0 and _hour(client) == 3
    assert "scenario.daily_refresh" in out  # what rollback changes, shown first
    monkeypatch.setattr(sys, "stdin", Terminal(["yes\n"]))
    code, out, err = _run(capsys, "rollback", KEY)
    assert code == exitcodes.OK, err
    assert out.index(NOT_RESTORED) < out.index(ROLLBACK_PROMPT) < out.index("Rollback complete")
    assert out.count("Data is not restored") == 1, out  # said once: in the plan, not again as a note
    assert _hour(client) == 2
    _edit(config_path, "hour: 3", "hour: 2")
    code, out, err = _run(capsys, "apply", config_path)  # the old configuration plans with no changes
    assert code == exitcodes.OK and "No changes." in out


def test_ctrl_c_at_the_question_cancels(applied, config_path, capsys, client, monkeypatch):
    _edit(config_path, "hour: 2", "hour: 3")

    def interrupt(prompted):
        raise KeyboardInterrupt()
    monkeypatch.setattr(sys, "stdin", Terminal(["yes"], on_read=interrupt))
    code, out, err = _run(capsys, "apply", config_path)
    assert code == exitcodes.INVALID and out.endswith(PROMPT + "\nApply cancelled.\n") and _hour(client) == 2


def test_rollback_of_a_project_never_applied_is_an_error(dss, capsys, project):
    code, out, err = _run(capsys, "rollback", "P1", "--auto-approve")
    assert code == exitcodes.INVALID
    assert err.startswith("dss-framework rollback: error[") and "Traceback" not in err


def test_rollback_to_an_unknown_apply_is_an_error(applied, capsys):
    code, out, err = _run(capsys, "rollback", KEY, "--to", "nope", "--auto-approve")
    assert code == exitcodes.INVALID
    assert "no apply nope" in err and "dss-framework history %s" % KEY in err and "Traceback" not in err


def test_real_process_on_a_terminal_asks_and_applies(applied, config_path, emulator, client):
    """The real command on a pseudo-terminal: it sees a TTY, asks, and applies after 'yes'."""
    import pty
    _edit(config_path, "hour: 2", "hour: 3")
    env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "python-lib"), NO_COLOR="1")
    controller, terminal = pty.openpty()
    process = subprocess.Popen([sys.executable, "-m", "dataiku_framework.cli", "apply", config_path],
                               stdin=terminal, stdout=terminal, stderr=terminal, env=env, close_fds=True)
    os.close(terminal)
    seen = _read_until(controller, PROMPT.strip().encode())
    os.write(controller, b"yes\n")
    seen += _read_until(controller, b"Apply id: ")
    assert process.wait(timeout=120) == exitcodes.OK, seen.decode("utf-8", "replace")
    os.close(controller)
    assert b"triggers[0].hour: 2 -> 3" in seen and _hour(client) == 3


def test_target_applies_only_that_resource(applied, config_path, capsys, client):
    _edit(config_path, "hour: 2", "hour: 3")
    _edit(config_path, "description: Process", "description: Now process")
    code, out, err = _run(capsys, "apply", config_path, "--auto-approve", "--target", "scenario.daily_refresh")
    assert code == exitcodes.OK, err
    assert [line for line in out.splitlines() if line.startswith("  [")] == [
        "  [1/1] update scenario.daily_refresh: succeeded"]
    assert _hour(client) == 3 and client.get_project(KEY).get_metadata()["description"].startswith("Process")
    code, out, err = _run(capsys, "apply", config_path, "--auto-approve", "--target", "scenario.nope")
    assert code == exitcodes.INVALID and "--target scenario.nope: no such resource" in err


def test_a_removed_resource_is_deleted_only_with_allow_delete(applied, dss, config_path, capsys, client):
    with open(config_path) as handle:
        text = handle.read()
    with open(config_path, "w") as handle:
        handle.write(text[:text.index("scenarios:")])
    code, out, err = _run(capsys, "apply", config_path, "--auto-approve")
    assert code == exitcodes.OK, err
    assert dss.stats.writes == 0 and "daily_refresh" in [s["name"] for s in client.get_project(KEY).list_scenarios()]
    code, out, err = _run(capsys, "apply", config_path, "--auto-approve", "--allow-delete")
    assert code == exitcodes.OK, err
    assert "  [1/1] delete scenario.daily_refresh: succeeded" in out.splitlines()
    assert "Apply complete: 0 created, 0 updated, 0 replaced, 1 deleted." in out.splitlines()
    assert [s["name"] for s in client.get_project(KEY).list_scenarios()] == []


def _auth_info_requests(dss):
    return sum(n for route, n in dss.stats.snapshot(with_log=False)["by_route"].items()
               if route.split(" ", 1)[1].endswith("/auth/info"))


@pytest.mark.parametrize("command", ["apply-config", "apply-plan", "history", "rollback", "unlock"])
def test_each_command_asks_dss_who_the_key_is_once(applied, dss, config_path, capsys, tmp_path, client, command):
    """The connection check's ``auth/info`` answer is the one the command then uses (the lock's user,
    the access check): counted through the emulator, one request per command, not two."""
    if command == "apply-plan":
        saved = _saved_plan(config_path, capsys, tmp_path)
        dss.stats.reset()
        argv = ["apply", saved, "--auto-approve"]
    elif command == "apply-config":
        _edit(config_path, "hour: 2", "hour: 3")
        argv = ["apply", config_path, "--auto-approve"]
    elif command == "rollback":
        _edit(config_path, "hour: 2", "hour: 3")
        assert _run(capsys, "apply", config_path, "--auto-approve")[0] == exitcodes.OK
        dss.stats.reset()
        argv = ["rollback", KEY, "--auto-approve"]
    elif command == "unlock":
        held = ProjectLock(client, KEY, operation="apply", settle=0).acquire()
        dss.stats.reset()
        argv = ["unlock", KEY, held.id]
    else:
        argv = [command, KEY]
    code, out, err = _run(capsys, *argv)
    assert code == exitcodes.OK, err
    assert _auth_info_requests(dss) == 1, dss.stats.snapshot(with_log=False)["by_route"]
