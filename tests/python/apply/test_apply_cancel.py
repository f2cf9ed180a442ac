"""``Engine.apply(cancel=event)``: the cancellation the CLI's Ctrl-C/SIGTERM handlers set, used from
Python. Set mid-way, the apply stops scheduling, records what finished, closes its history entry as
``interrupted`` and releases the lock; set before it started, nothing is changed."""
import threading

import pytest

from apply_support import assert_lock_free, assert_no_duplicates, fresh_key, live_names
from dataiku_framework import FrameworkConfig
from dataiku_framework.apply.run import ApplyInterrupted
from dataiku_framework.state import StateStore


def _config(key, datasets):
    lines = ['version: "1.0"', "project: {key: %s, name: Cancelled}" % key, "datasets:"]
    lines += ["  - {name: ds_%d, type: Filesystem, managed: true, format_type: csv}" % i for i in range(datasets)]
    return FrameworkConfig.from_yaml("\n".join(lines) + "\n")


def test_cancel_mid_apply_records_what_finished_and_releases_the_lock(emu, client, engine):
    key = fresh_key("CX")
    assert engine.apply(_config(key, 1)).succeeded
    cancel = threading.Event()

    def progress(done, total, message):
        if done == 2:
            cancel.set()

    config = _config(key, 30)
    result = engine.apply(config, on_progress=progress, cancel=cancel)
    assert result.stopped == "interrupted" and not result.succeeded, result.summary()
    assert "stopped (interrupted)" in result.summary()
    counts = result.counts
    assert counts["created"] >= 2 and counts["skipped"] > 0 and counts["failed"] == 0, counts
    assert_lock_free(client, key)
    state = StateStore(client, key).read()
    entry = state.history[-1]
    assert entry["apply_id"] == result.apply_id and entry["result"] == "interrupted" and entry["counts"] == counts
    created = [r.address for r in result.results if r.status == "succeeded"]
    assert all(state.resources[a]["created_by_tool"] and state.resources[a]["apply_id"] == result.apply_id
               for a in created)
    assert sorted(live_names(client, key)["dataset"]) == sorted(["ds_0"] + [a.split(".", 1)[1] for a in created])
    again = engine.apply(config)
    assert again.succeeded and again.counts["created"] == counts["skipped"], again.summary()
    assert_no_duplicates(live_names(client, key))
    assert not engine.plan(config).has_changes


def test_cancel_before_the_apply_changes_nothing(emu, client, engine):
    key = fresh_key("CX")
    assert engine.apply(_config(key, 1)).succeeded
    serial = StateStore(client, key).read().serial
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(ApplyInterrupted):
        engine.apply(_config(key, 5), cancel=cancel)
    assert live_names(client, key)["dataset"] == ["ds_0"]
    assert StateStore(client, key).read().serial == serial
    assert_lock_free(client, key)
