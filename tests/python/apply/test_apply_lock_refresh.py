"""A failed lock refresh loses nothing.

Between batches an apply extends its lock's lease once a third of it has gone. Waiting 5 minutes for
that is not a test, so ``_lease_third_gone`` is made to answer "yes" at every batch (the lock, its
refresh and DSS stay real). Then:

- the refresh fails (the emulator answers 500 to the 2nd write to lock.json, the first refresh) but
  the lock is still ours: the apply goes on and records everything;
- the lock was taken over (another holder's record, and that holder's own state, written while the
  first batch ran): the apply stops, never writes the state again, reports what it did and writes
  it to a recovery file, which the next apply merges.
"""
import json
import os
import uuid

import pytest

from apply_support import assert_lock_free, assert_no_duplicates, fresh_key, live_names
from dataiku_framework import FrameworkConfig
from dataiku_framework.apply import recovery, run
from dataiku_framework.state import StateStore, read_lock
from dataiku_framework.state.dssfiles import LibraryDocument, format_time, utc_now


def _config(key, datasets):
    lines = ['version: "1.0"', "project: {key: %s, name: Lock refresh}" % key, "datasets:"]
    lines += ["  - {name: ds_%d, type: Filesystem, managed: true, format_type: csv}" % i for i in range(datasets)]
    return FrameworkConfig.from_yaml("\n".join(lines) + "\n")


@pytest.fixture
def refresh_every_batch(monkeypatch, tmp_path):
    monkeypatch.setattr(run, "_lease_third_gone", lambda lock: True)
    monkeypatch.setenv(recovery.ENV, str(tmp_path / "recovery"))
    return tmp_path / "recovery"


def _new_project(engine, key):
    assert engine.apply(_config(key, 1)).succeeded  # the project exists: the next apply runs in batches


def test_a_failed_refresh_of_a_lock_still_ours_loses_nothing(emu, client, engine, refresh_every_batch):
    key = fresh_key("LR")
    _new_project(engine, key)
    emu.faults.configure({"path_contains": "lock.json", "fail_nth_write": 2, "fail_status": 500})
    result = engine.apply(_config(key, 24))
    hit = [e for e in emu.stats.snapshot()["log"] if e.get("fault")]
    emu.faults.clear()
    assert hit and "lock.json" in hit[0]["path"]  # the first refresh was the one refused
    assert result.succeeded, (result.summary(), result.notes)
    state = StateStore(client, key).read()
    assert len([a for a in state.resources if a.startswith("dataset.")]) == 24
    assert all(state.resources["dataset.ds_%d" % i]["created_by_tool"] for i in range(1, 24))
    assert state.history[-1]["result"] == "succeeded" and state.history[-1]["counts"]["created"] == 23
    assert_lock_free(client, key)
    assert not engine.plan(_config(key, 24)).has_changes
    assert not os.path.exists(str(refresh_every_batch))  # no recovery file: nothing was lost


def _take_over(client, key, marker):
    """What a second apply does once the first one's lease ran out: its own lock record, then its own
    state write (with ``marker``, to tell it from the first apply's); the new lock's id."""
    document = LibraryDocument(client, key, "lock.json")
    held = document.read_document()
    token = uuid.uuid4().hex
    document.write_document(dict(held, id=token, pid=-1, host="other-host", acquired_at=format_time(utc_now())))
    store = StateStore(client, key)
    state = store.read()
    state.extra["taken_over_by"] = marker
    store.write(state)
    return token


def test_a_lock_taken_over_mid_apply_never_overwrites_the_new_holders_state(emu, client, engine,
                                                                           refresh_every_batch):
    key = fresh_key("LR")
    _new_project(engine, key)
    taken = {}

    def progress(done, total, message):
        if done == 1:  # before the first batch ends: no state write of this apply is under way
            taken["token"] = _take_over(client, key, "second apply")
            taken["serial"] = StateStore(client, key).read().serial

    config = _config(key, 24)
    result = engine.apply(config, on_progress=progress)
    # stopped, not succeeded, and said why and where what it did is
    assert result.stopped == "lock lost" and not result.succeeded, result.summary()
    done = [r.address for r in result.results if r.status == "succeeded"]
    assert done and result.counts["skipped"] > 0, result.summary()
    files = sorted(os.listdir(str(refresh_every_batch)))
    assert files == ["recovery-%s-%s.json" % (key, result.apply_id)], files
    path = os.path.join(str(refresh_every_batch), files[0])
    assert any(path in note and "not written" in note for note in result.notes), result.notes
    # the new holder's state and lock are untouched
    state = StateStore(client, key).read()
    assert state.serial == taken["serial"] and state.extra.get("taken_over_by") == "second apply"
    assert state.history_entry(result.apply_id) is None
    assert read_lock(client, key).id == taken["token"]
    # the recovery file holds what was done, as the state would have
    with open(path, encoding="utf-8") as handle:
        saved = json.load(handle)
    assert saved["history_entry"]["result"] == "interrupted"
    assert sorted(saved["resources"]) == sorted(a for a in done if a != "project")
    # the second holder ends; the next apply merges the recovery file, then converges
    engine.unlock(key, taken["token"])
    second = engine.apply(config)
    assert second.succeeded, second.summary()
    assert any("merged into the state" in note for note in second.notes), second.notes
    assert not os.listdir(str(refresh_every_batch))
    state = StateStore(client, key).read()
    assert state.extra.get("taken_over_by") == "second apply"
    assert state.history_entry(result.apply_id)["result"] == "interrupted"
    assert all(state.resources[a]["created_by_tool"] for a in done if a != "project")
    assert all(state.resources["dataset.ds_%d" % i]["created_by_tool"] for i in range(1, 24))
    assert_no_duplicates(live_names(client, key))
    assert not engine.plan(config).has_changes
    assert_lock_free(client, key)
