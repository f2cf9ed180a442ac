"""A process killed (SIGKILL) in the middle of an apply: the next apply detects its lock, then
converges once the lock is released with ``unlock`` or once its lease has run out.

The apply runs in a subprocess against this process's emulator with 20 ms of latency per request,
on a configuration of 100 resources, and is killed once it holds the lock and has written the
state at least once. ``Engine.apply`` has no lease option (the lease is ``ProjectLock``'s default,
15 minutes), so the expiry case moves the dead holder's ``expires_at`` into the past in the lock
record, which is what the passing of its lease looks like to the next apply.
"""
import os
import signal
import subprocess
import sys
import time

import pytest

from apply_support import assert_no_duplicates, fresh_key, live_names
from dataiku_framework import FrameworkConfig
from dataiku_framework.state import LockHeld, StateStore, read_lock
from dataiku_framework.state.dssfiles import LibraryDocument, format_time, utc_now
from emusupport import ADMIN_KEY, ROOT

CHILD = r"""
import sys
from dataikuapi import DSSClient
from dataiku_framework import FrameworkConfig
from dataiku_framework.engine import Engine
config = FrameworkConfig.from_yaml(open(sys.argv[3]).read())
Engine(client=DSSClient(sys.argv[1], sys.argv[2])).apply(config)
print("FINISHED")
"""


def _text(key, datasets=70, scenarios=30):
    lines = ['version: "1.0"', "project: {key: %s, name: Killed apply}" % key, "datasets:"]
    lines += ["  - {name: ds_%d, type: Filesystem, managed: true, format_type: csv, description: d%d}" % (i, i)
              for i in range(datasets)]
    lines.append("scenarios:")
    lines += ["  - {name: sc_%d, triggers: [{type: temporal, frequency: daily, hour: %d, minute: 0}], "
              "steps: [{type: build_flowitem, items: [ds_%d]}]}" % (i, i % 24, i) for i in range(scenarios)]
    return "\n".join(lines) + "\n"


def _kill_mid_apply(emu, client, key, tmp_path):
    """Start the apply in a subprocess, SIGKILL it mid-way; (its pid, the state serial it reached)."""
    path = tmp_path / ("%s.yaml" % key)
    path.write_text(_text(key))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([os.path.join(ROOT, "python-lib"),
                                                       os.environ.get("PYTHONPATH", "")]))
    emu.faults.configure({"latency_ms": 20})
    child = subprocess.Popen([sys.executable, "-c", CHILD, emu.url, ADMIN_KEY, str(path)], env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        # generous: on a loaded CI machine the child's start (imports, project creation, first plan)
        # can take a minute; it is killed only once it is provably mid-way, never on a timeout
        deadline = time.monotonic() + 300
        serial = 0
        while time.monotonic() < deadline and child.poll() is None:
            if key in client.list_project_keys() and read_lock(client, key) is not None:
                serial = StateStore(client, key).read().serial
                if serial >= 2:  # the lock is held and some resources are recorded: mid-way
                    break
            time.sleep(0.05)
        assert child.poll() is None, "the apply ended before it could be killed: %s" % (child.communicate(),)
        assert serial >= 2, "the apply wrote no state within 300 s; not killed mid-way"
        child.send_signal(signal.SIGKILL)
        child.wait(30)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        emu.faults.configure({"latency_ms": 0})
    return child.pid, serial


def _converged(engine, client, key, result):
    config = FrameworkConfig.from_yaml(_text(key))
    assert result.succeeded, result.summary()
    assert not engine.plan(config).has_changes
    names = live_names(client, key)
    assert_no_duplicates(names)
    assert len(names["dataset"]) == 70 and len(names["scenario"]) == 30
    state = StateStore(client, key).read()
    assert len([a for a in state.resources if a.startswith(("dataset.", "scenario."))]) == 100
    assert engine.lock_status(key) is None
    assert engine.history(key)[0]["result"] == "succeeded"
    return state


def test_killed_apply_is_detected_then_unlock_lets_the_next_apply_converge(emu, client, engine, tmp_path):
    key = fresh_key("KILL")
    pid, serial = _kill_mid_apply(emu, client, key, tmp_path)
    config = FrameworkConfig.from_yaml(_text(key))
    before = StateStore(client, key).read().resources
    with pytest.raises(LockHeld) as held:
        engine.apply(config)
    holder = held.value.holder
    assert holder.pid == pid and holder.operation == "apply" and holder.user == "admin"
    assert holder.id in str(held.value) and str(pid) in str(held.value)
    assert not holder.expired()
    # the dead apply's history entry stays open (result None): it never ended
    assert engine.history(key)[0]["result"] is None
    engine.unlock(key, holder.id)
    result = engine.apply(config)
    state = _converged(engine, client, key, result)
    assert result.counts["created"] > 0  # the rest of the work was done by this apply
    # what the killed apply created and recorded stays recorded as created by the tool; what was in
    # flight or not yet recorded when it died (a batch or two: parallelism 8) is adopted by the next
    # apply as found in DSS, with created_by_tool false
    created = [a for a, e in state.resources.items() if e.get("created_by_tool")]
    print("killed at state serial %d with %d resources recorded; after convergence %d of 100 are recorded as "
          "created by the tool" % (serial, len(before), len(created)))
    assert len(created) >= 100 - 2 * 8, "only %d resources recorded as created by the tool" % len(created)


def test_killed_apply_lock_is_taken_over_once_its_lease_has_run_out(emu, client, engine, tmp_path):
    key = fresh_key("KILL")
    pid, _ = _kill_mid_apply(emu, client, key, tmp_path)
    config = FrameworkConfig.from_yaml(_text(key))
    with pytest.raises(LockHeld):
        engine.apply(config)
    document = LibraryDocument(client, key, "lock.json")
    record = document.read_document()
    record["expires_at"] = format_time(utc_now())  # the lease has just run out
    document.write_document(record)
    time.sleep(0.01)
    result = engine.apply(config)
    _converged(engine, client, key, result)
    assert any("took over the stale lock" in note and str(pid) in note for note in result.notes), result.notes
