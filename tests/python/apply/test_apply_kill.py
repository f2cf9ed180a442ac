"""A process killed (SIGKILL) in the middle of an apply: the next apply detects its lock, then
converges once the lock is released with ``unlock`` or once its lease has run out; meanwhile
``history`` shows its entry ``abandoned`` (worked out when reading), and the next apply or ``unlock``
writes that outcome into the state. A process interrupted (SIGINT, SIGTERM) in the middle of
``dss-framework apply`` stops cleanly: exit 130 / 143, one line, the state written with the history
entry ``interrupted``, the lock released.

The apply runs in a subprocess against this process's emulator with 20 ms of latency per request,
on a configuration of 100 resources, and is killed once it holds the lock and has written the
state at least once with its history entry still open. ``Engine.apply`` has no lease option (the
lease is ``ProjectLock``'s default, 15 minutes), so the expiry case moves the dead holder's
``expires_at`` into the past in the lock record, which is what the passing of its lease looks like
to the next apply.
"""
import os
import re
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


def _kill_mid_apply(emu, client, key, tmp_path, sig=signal.SIGKILL, cli=False):
    """Start the apply in a subprocess (``Engine.apply``, or with ``cli`` the ``dss-framework apply``
    command), send it ``sig`` mid-way and wait for its end; (the child, the state serial it reached)."""
    path = tmp_path / ("%s.yaml" % key)
    path.write_text(_text(key))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([os.path.join(ROOT, "python-lib"),
                                                       os.environ.get("PYTHONPATH", "")]))
    emu.faults.configure({"latency_ms": 20})
    argv = [sys.executable, "-c", CHILD, emu.url, ADMIN_KEY, str(path)]
    if cli:
        argv = [sys.executable, "-m", "dataiku_framework.cli", "apply", str(path), "--auto-approve",
                "--host", emu.url, "--api-key", ADMIN_KEY]
    child = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True)
    try:
        # generous: on a loaded CI machine the child's start (imports, project creation, first plan)
        # can take a minute; it is killed only once it is provably mid-way, never on a timeout
        deadline = time.monotonic() + 300
        serial = 0
        while time.monotonic() < deadline and child.poll() is None:
            if key in client.list_project_keys() and read_lock(client, key) is not None:
                state = StateStore(client, key).read()
                # the lock is held, some resources are recorded and the apply's history entry is still
                # open (the state is written at most once a second: the first write is the mid-way sign)
                if state.serial >= 1 and state.history and state.history[-1].get("result") is None:
                    serial = state.serial
                    break
            time.sleep(0.05)
        assert child.poll() is None, "the apply ended before it could be killed: %s" % (child.communicate(),)
        assert serial >= 1, "the apply wrote no state within 300 s; not killed mid-way"
        child.send_signal(sig)
        # an interrupted apply lets the requests in flight finish, then writes the state: bounded
        child.out, child.err = child.communicate(timeout=120)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        emu.faults.configure({"latency_ms": 0})
    return child, serial


def _history_line(emu, key):
    """The newest row of ``dss-framework history KEY`` (run in a subprocess)."""
    out = subprocess.run([sys.executable, "-m", "dataiku_framework.cli", "history", key, "--host", emu.url,
                          "--api-key", ADMIN_KEY], stdout=subprocess.PIPE, universal_newlines=True, check=True,
                         env=dict(os.environ, PYTHONPATH=os.path.join(ROOT, "python-lib"))).stdout
    return out.splitlines()[1]


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
    child, serial = _kill_mid_apply(emu, client, key, tmp_path)
    pid = child.pid
    config = FrameworkConfig.from_yaml(_text(key))
    before = StateStore(client, key).read().resources
    with pytest.raises(LockHeld) as held:
        engine.apply(config)
    holder = held.value.holder
    assert holder.pid == pid and holder.operation == "apply" and holder.user == "admin"
    assert holder.id in str(held.value) and str(pid) in str(held.value)
    assert not holder.expired()
    # the dead apply's history entry is open (result None): while its lock is live, it may be running
    assert engine.history(key)[0]["result"] is None
    engine.unlock(key, holder.id)
    # unlock wrote the dead apply's outcome into the state: abandoned, with the counts it had reached
    dead = StateStore(client, key).read().history[-1]
    assert dead["result"] == "abandoned" and dead["counts"].get("created", 0) >= 1, dead
    result = engine.apply(config)
    state = _converged(engine, client, key, result)
    assert result.counts["created"] > 0  # the rest of the work was done by this apply
    # what the killed apply created and recorded stays recorded as created by the tool; what was in
    # flight or not yet recorded when it died (the state is written at most once a second:
    # ``StateWriter``, Terraform's trade) is adopted by the next apply as found in DSS, with
    # created_by_tool false, and every resource is recorded once it converged
    created = {a for a, e in state.resources.items() if e.get("created_by_tool")}
    recorded = {a for a, e in before.items() if e.get("created_by_tool")}
    print("killed at state serial %d with %d resources recorded; after convergence %d of 100 are recorded as "
          "created by the tool" % (serial, len(before), len(created)))
    assert recorded and recorded <= created, sorted(recorded - created)[:5]


def test_killed_apply_lock_is_taken_over_once_its_lease_has_run_out(emu, client, engine, tmp_path):
    key = fresh_key("KILL")
    child, _ = _kill_mid_apply(emu, client, key, tmp_path)
    pid = child.pid
    config = FrameworkConfig.from_yaml(_text(key))
    with pytest.raises(LockHeld):
        engine.apply(config)
    document = LibraryDocument(client, key, "lock.json")
    record = document.read_document()
    record["expires_at"] = format_time(utc_now())  # the lease has just run out
    document.write_document(record)
    time.sleep(0.01)
    # history works it out when reading (the lock expired): abandoned, with what the state records
    # of it; it writes nothing
    serial = StateStore(client, key).read().serial
    shown = engine.history(key)[0]
    assert shown["result"] == "abandoned" and shown["counts"].get("created", 0) >= 1, shown
    line = _history_line(emu, key)
    assert line.split()[2] == "abandoned" and "created" in line, line
    assert StateStore(client, key).read().serial == serial
    assert StateStore(client, key).read().history[-1]["result"] is None
    result = engine.apply(config)
    dead = next(h for h in StateStore(client, key).read().history if h["apply_id"] == shown["apply_id"])
    assert dead["result"] == "abandoned" and dead["counts"] == shown["counts"], dead  # written by the next apply
    assert any("abandoned" in note for note in result.notes), result.notes
    _converged(engine, client, key, result)
    assert any("took over the stale lock" in note and str(pid) in note for note in result.notes), result.notes


@pytest.mark.parametrize("sig, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)], ids=["SIGINT", "SIGTERM"])
def test_interrupted_cli_apply_stops_cleanly_then_the_next_apply_converges(emu, client, engine, tmp_path, sig, code):
    key = fresh_key("INT")
    child, serial = _kill_mid_apply(emu, client, key, tmp_path, sig=sig, cli=True)
    err = child.err.strip()
    assert child.returncode == code, (child.returncode, err[-2000:])
    assert "Traceback" not in err and len(err.splitlines()) == 1, err[-3000:]
    assert "interrupted by %s" % ("SIGINT" if sig == signal.SIGINT else "SIGTERM") in err, err
    # one progress line per resource that ran, numbered without a gap (those not started are only counted)
    numbers = [int(m) for m in re.findall(r"^  \[ *(\d+)/\d+\]", child.out, re.M)]
    assert numbers == list(range(1, len(numbers) + 1)), numbers[-5:]
    assert read_lock(client, key) is None, "the lock is still held after the interrupted apply"
    state = StateStore(client, key).read()
    assert state.serial > serial  # written after the signal
    entry = state.history[-1]
    counts = entry["counts"]
    assert entry["result"] == "interrupted" and entry["ended_at"], entry
    assert counts["created"] > 0 and counts["skipped"] > 0, counts  # stopped mid-way, and said so
    recorded = [a for a, r in state.resources.items() if r.get("apply_id") == entry["apply_id"]]
    # what it created is recorded: every creation it counted (the project counts, it is not re-recorded)
    assert len(recorded) >= counts["created"] - 1, (len(recorded), counts)
    assert engine.history(key)[0]["result"] == "interrupted"
    result = engine.apply(FrameworkConfig.from_yaml(_text(key)))
    state = _converged(engine, client, key, result)
    created = [a for a, e in state.resources.items() if e.get("created_by_tool")]
    assert len(created) >= 100, "only %d resources recorded as created by the tool" % len(created)
