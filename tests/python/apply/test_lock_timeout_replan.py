"""``--lock-timeout`` (issue 14 §7): what happens when the plan changed while the apply waited.

- With a configuration and ``--auto-approve``: the plan is made again under the lock and applied.
- With a configuration on a terminal: the new plan is shown and asked again.
- With a saved plan file: refused as stale, listing at most 10 addresses and the count of the rest.

Deterministic: the test holds the project's lock; when the CLI starts waiting for it, a thread edits
DSS (as another apply would) and then releases it.
"""
import sys
import threading

import pytest


from apply_support import fresh_key
from cli_support import Terminal, cli_runner
from dataiku_framework import exitcodes
from dataiku_framework.apply import run as apply_run
from dataiku_framework.apply.run import SHOWN_DIFFERENCES
from dataiku_framework.commands.apply import PROMPT
from dataiku_framework.state import ProjectLock

DATASETS = 12


def config_text(key, description):
    lines = ['version: "1.0"', "project: {key: %s, name: Waiting}" % key, "datasets:"]
    lines += ["  - {name: d%02d, type: Filesystem, managed: true, format_type: csv, description: %s}" % (i, description)
              for i in range(DATASETS)]
    return "\n".join(lines) + "\n"


@pytest.fixture
def cli(emu, monkeypatch, tmp_path, capsys):
    return cli_runner(emu, monkeypatch, tmp_path, capsys)


@pytest.fixture
def project(cli, client, tmp_path):
    """A project applied once (every dataset described 'one'): (key, config path)."""
    key = fresh_key("LT")
    path = tmp_path / "config.yaml"
    path.write_text(config_text(key, "one"))
    code, out, err = cli("apply", str(path), "--auto-approve")
    assert code == exitcodes.OK, err
    return key, path


def _description(client, key, name):
    return client.get_project(key).get_dataset(name).get_settings().get_raw().get("description")


def _edit_in_dss(client, key, names, value):
    for name in names:
        settings = client.get_project(key).get_dataset(name).get_settings()
        settings.get_raw()["description"] = value
        settings.save()


def while_waiting(monkeypatch, client, key, action):
    """Hold the project's lock now; when the apply under test starts waiting for it, run ``action()``
    and release the lock (in a thread), so that the apply then takes it."""
    held = ProjectLock(client, key, operation="apply", settle=0)
    held.acquire()
    original = apply_run.ProjectLock.acquire
    done = []

    def acquire(lock, *args, **kwargs):
        if lock is not held and not done:
            def other_apply():
                action()
                held.release()
                done.append(True)
            threading.Thread(target=other_apply).start()
        return original(lock, *args, **kwargs)
    monkeypatch.setattr(apply_run.ProjectLock, "acquire", acquire)
    return done


def test_auto_approve_plans_again_after_the_wait_and_applies_the_new_plan(cli, client, project, monkeypatch):
    key, path = project
    path.write_text(config_text(key, "two").replace("d00, type", "d00, tags: [x], type"))
    done = while_waiting(monkeypatch, client, key, lambda: _edit_in_dss(client, key, ["d01"], "edited"))
    code, out, err = cli("apply", str(path), "--auto-approve", "--lock-timeout", "60")
    assert done and code == exitcodes.OK, err
    assert "the plan changed while this apply waited for the lock" in out
    assert [_description(client, key, "d%02d" % i) for i in range(DATASETS)] == ["two"] * DATASETS


def test_on_a_terminal_the_new_plan_is_shown_and_asked_again(cli, client, project, monkeypatch):
    key, path = project
    path.write_text(config_text(key, "two"))
    done = while_waiting(monkeypatch, client, key, lambda: _edit_in_dss(client, key, ["d03"], "edited"))
    terminal = Terminal(["yes\n", "yes\n"])
    monkeypatch.setattr(sys, "stdin", terminal)
    code, out, err = cli("apply", str(path), "--lock-timeout", "60")
    assert done and code == exitcodes.OK, err
    assert terminal.prompted == 2
    again = out.split("The plan changed since it was shown, nothing was applied: ", 1)[1]
    assert again.startswith("dataset.d03") and again.index('description: "edited" -> "two"') < again.index(PROMPT)
    assert [_description(client, key, "d%02d" % i) for i in range(DATASETS)] == ["two"] * DATASETS


def test_a_saved_plan_is_refused_as_stale_with_at_most_ten_addresses(cli, client, project, monkeypatch, tmp_path):
    key, path = project
    path.write_text(config_text(key, "two"))
    saved = str(tmp_path / "plan.json")
    assert cli("plan", str(path), "--out", saved)[0] == exitcodes.OK
    names = ["d%02d" % i for i in range(DATASETS)]
    done = while_waiting(monkeypatch, client, key, lambda: _edit_in_dss(client, key, names, "edited"))
    code, out, err = cli("apply", saved, "--auto-approve", "--lock-timeout", "60")
    assert done and code == exitcodes.INVALID
    [line] = err.strip().splitlines()
    assert "is stale, nothing was applied" in line
    listed = [n for n in names if "dataset.%s " % n in line]
    assert len(listed) == SHOWN_DIFFERENCES and "and %d more" % (DATASETS - SHOWN_DIFFERENCES) in line, line
    assert len(line) < 1000, len(line)
    assert _description(client, key, "d00") == "edited"
