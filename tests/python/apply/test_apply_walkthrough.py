"""The seed's walkthrough, end to end through ``Engine`` (real dataikuapi over HTTP, the emulator):
apply customer_analytics.yaml, re-plan clean, hour 2 -> 3 as one update with one object write, add
RAW_PRODUCTS from Python as one create, a no-op apply with zero writes, a saved plan applied as
saved and refused once DSS moved, and read-back verification of a field DSS rewrites.

Write budget of a one-field change (6 requests, asserted exactly):

1. lock acquire: ``lock.json`` rewritten with our token (one write; the settle read-back is a read);
2. "before" checkpoint: a git tag on HEAD (DSS's AUTO git mode already committed every edit, so
   there is nothing to commit and no commit request);
3. the object: one ``PUT`` of the scenario's settings (read-modify-write of the changed key);
4. the state: ``state.json`` rewritten once with the resource and the closed history entry
   (a one-resource apply has no intermediate state write);
5. "after" checkpoint: a git tag;
6. lock release: ``lock.json`` rewritten as released.
"""
import json
import os
import re

import pytest

from apply_support import WriteHook, fresh_key, live_names
from dataiku_framework import DatasetConfig, FrameworkConfig
from dataiku_framework.apply import StalePlanError
from dataiku_framework.plan.document import Plan
from dataiku_framework.state import StateStore
from emusupport import ROOT

EXAMPLE = os.path.join(ROOT, "examples", "customer_analytics.yaml")
KEY = "CUSTOMER_ANALYTICS"
#: The six writes of a one-object apply, in order (ids and tags vary; see the module docstring).
ONE_OBJECT_WRITES = [
    r"POST /dip/publicapi/projects/{key}/libraries/contents//dataiku-framework/lock\.json",
    r"POST /dip/publicapi/projects/{key}/git/tags/",
    r"{object}",
    r"POST /dip/publicapi/projects/{key}/libraries/contents//dataiku-framework/state\.json",
    r"POST /dip/publicapi/projects/{key}/git/tags/",
    r"POST /dip/publicapi/projects/{key}/libraries/contents//dataiku-framework/lock\.json",
]


def _example(key=None):
    config = FrameworkConfig.from_yaml(EXAMPLE)
    if key is not None:
        config.project.key = key
    return config


def _assert_writes(seen, key, object_write):
    wanted = [p.format(key=key, object=object_write) for p in ONE_OBJECT_WRITES]
    assert len(seen) == len(wanted), "writes: %s" % seen
    for path, pattern in zip(seen, wanted):
        assert re.match(pattern + "$", path.split("?")[0]), "%s is not %s (all: %s)" % (path, pattern, seen)


def test_walkthrough(emu, client, engine):
    config = _example()
    first = engine.apply(config)
    assert first.succeeded and first.apply_id
    assert first.summary() == "Apply complete: 5 created, 0 updated, 0 replaced, 0 deleted."
    assert sorted((r.address, r.operation) for r in first.results) == [
        ("dataset.CLEAN_CUSTOMERS", "create"), ("dataset.RAW_CUSTOMERS", "create"), ("project", "create"),
        ("recipe.clean_customers", "create"), ("scenario.daily_refresh", "create")]
    assert first.writes == emu.stats.snapshot(with_log=False)["writes"]

    replan = engine.plan(config)
    assert not replan.has_changes, replan.to_text()

    # hour 2 -> 3: one update, one object write
    config.scenarios[0].triggers[0].hour = 3
    plan = engine.plan(config)
    changed = [e for e in plan.doc["resource_changes"] if e["action"] != "no-op"]
    assert [(e["address"], e["action"]) for e in changed] == [("scenario.daily_refresh", "update")]
    with WriteHook(client) as hook:
        result = engine.apply(plan)
    assert result.succeeded and result.summary() == "Apply complete: 0 created, 1 updated, 0 replaced, 0 deleted."
    assert [(r.address, r.operation, r.status) for r in result.results] == [
        ("scenario.daily_refresh", "update", "succeeded")]
    assert result.writes == len(hook.writes) == 6
    _assert_writes(hook.writes, KEY, r"PUT /dip/publicapi/projects/{key}/scenarios/DAILY_REFRESH".format(key=KEY))
    scenario = client.get_project(KEY).get_scenario("DAILY_REFRESH").get_settings().get_raw()
    assert scenario["triggers"][0]["params"]["hour"] == 3

    # add RAW_PRODUCTS through the Python API: one create
    config.datasets.append(DatasetConfig(name="RAW_PRODUCTS", type="SQL", connection="snowflake_prod",
                                         params={"schema": "RAW", "table": "PRODUCTS"}))
    with WriteHook(client) as hook:
        added = engine.apply(config)
    assert [(r.address, r.operation, r.status) for r in added.results] == [
        ("dataset.RAW_PRODUCTS", "create", "succeeded")]
    assert added.summary() == "Apply complete: 1 created, 0 updated, 0 replaced, 0 deleted."
    _assert_writes(hook.writes, KEY, r"POST /dip/publicapi/projects/{key}/datasets/".format(key=KEY))
    assert "RAW_PRODUCTS" in live_names(client, KEY)["dataset"]

    # no-op: no write at all (no lock, no state, no checkpoint)
    with WriteHook(client) as hook:
        noop = engine.apply(config)
    assert hook.writes == [] and noop.writes == 0
    assert noop.results == [] and noop.apply_id is None and noop.succeeded
    assert noop.summary() == "Apply complete: no changes."

    history = engine.history(KEY)
    assert [h["apply_id"] for h in history] == [added.apply_id, result.apply_id, first.apply_id]
    assert all(h["result"] == "succeeded" and h["checkpoint_before"] for h in history)
    assert engine.lock_status(KEY) is None


def _saved_hour_change(engine, prefix, hour):
    """A fresh project applied from the example, then a saved plan (through JSON) moving the
    scenario to ``hour``; (key, config with the change, saved plan)."""
    key = fresh_key(prefix)
    config = _example(key)
    assert engine.apply(config).succeeded
    config.scenarios[0].triggers[0].hour = hour
    return key, config, Plan.from_json(engine.plan(config).to_json())


def test_saved_plan_round_trip_is_applied_as_saved(emu, client, engine):
    key, config, saved = _saved_hour_change(engine, "SAVED", 5)
    assert saved.context is None
    result = engine.apply(saved, config=config)
    assert [(r.address, r.operation, r.status) for r in result.results] == [
        ("scenario.daily_refresh", "update", "succeeded")]
    assert not engine.plan(config).has_changes


def test_saved_plan_without_config_loads_its_config_source(emu, client, engine, tmp_path):
    """A plan read from JSON names the file it was made from; apply loads it from there."""
    key = fresh_key("SRC")
    path = tmp_path / "customer_analytics.yaml"
    with open(EXAMPLE) as handle:
        path.write_text(handle.read().replace("key: CUSTOMER_ANALYTICS", "key: %s" % key))
    saved = Plan.from_json(engine.plan(FrameworkConfig.from_yaml(str(path)), config_source=str(path)).to_json())
    result = engine.apply(saved)
    assert result.succeeded and result.counts["created"] == 5
    assert not engine.plan(FrameworkConfig.from_yaml(str(path))).has_changes


def test_saved_plan_refused_after_a_dss_edit_naming_the_object(emu, client, engine):
    key, config, saved = _saved_hour_change(engine, "STALE", 4)
    serial = StateStore(client, key).read().serial
    # someone edits the scenario in DSS between the review and the apply
    settings = client.get_project(key).get_scenario("DAILY_REFRESH").get_settings()
    settings.get_raw()["triggers"][0]["params"]["minute"] = 30
    settings.save()
    with WriteHook(client) as hook:
        with pytest.raises(StalePlanError) as refused:
            engine.apply(saved, config=config)
    assert any(c.startswith("scenario.daily_refresh") for c in refused.value.changed), refused.value.changed
    assert "scenario.daily_refresh" in str(refused.value)
    # refused under the lock: only the lock's own writes, nothing applied, the lock released
    assert [w for w in hook.writes if "lock.json" not in w] == []
    assert StateStore(client, key).read().serial == serial
    raw = client.get_project(key).get_scenario("DAILY_REFRESH").get_settings().get_raw()
    assert raw["triggers"][0]["params"]["hour"] == 2
    assert engine.lock_status(key) is None


def test_saved_plan_refused_when_the_state_moved(emu, client, engine):
    key, config, saved = _saved_hour_change(engine, "STALE", 4)
    other = _example(key)
    other.project.description = "changed by another apply"
    assert engine.apply(other).succeeded  # another apply moves the state
    with pytest.raises(StalePlanError) as refused:
        engine.apply(saved, config=config)
    assert any(c.startswith("the state") for c in refused.value.changed), refused.value.changed


def test_read_back_names_a_field_dss_rewrote(emu, client, engine):
    """DSS answers the save but keeps another value: the resource fails, naming the field.

    The emulator has no switch for this, so the test wraps this emulator's ``after_write`` (the
    test double, not the code under test) to put the old hour back after the scenario's save."""
    key = fresh_key("VERIFY")
    config = _example(key)
    assert engine.apply(config).succeeded
    original = emu.after_write

    def rewriting(ctx, route, params):
        original(ctx, route, params)
        if ctx.method == "PUT" and "/scenarios/" in ctx.path and params.get("projectKey") == key:
            for scenario in ctx.project.scenarios.values():
                scenario["triggers"][0]["params"]["hour"] = 2

    emu.after_write = rewriting
    try:
        config.scenarios[0].triggers[0].hour = 7
        result = engine.apply(config)
    finally:
        emu.after_write = original
    assert not result.succeeded
    failed = result.result("scenario.daily_refresh")
    assert failed.status == "failed"
    assert "triggers[0].hour" in failed.error and "7" in failed.error and "2" in failed.error, failed.error
    assert engine.history(key)[0]["result"] == "failed"
    # the state does not claim the rewritten value was applied; the next plan still wants hour 7
    assert engine.plan(config).has_changes
    assert engine.lock_status(key) is None


def test_result_to_dict_is_json(emu, engine):
    result = engine.apply(_example(fresh_key("JSON")))
    doc = json.loads(json.dumps(result.to_dict()))
    assert doc["succeeded"] is True and doc["counts"]["created"] == 5 and doc["writes"] == result.writes
    assert {r["status"] for r in doc["resources"]} == {"succeeded"}
