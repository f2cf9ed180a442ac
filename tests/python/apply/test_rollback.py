"""Rollback (issue 9): back to the configuration before an apply, by DSS git revert, through Engine.

The emulator's git versions every configuration file, and its revert restores them (data stays), so
these tests run the real path: apply, apply again (change, create, delete), roll back, then check
that the old configuration plans with no changes and that the history and lock tell the truth.
"""
import copy

import pytest
from dataikuapi import DSSClient

import emusupport
from dataiku_framework.apply.rollback import NOT_RESTORED, RollbackError
from dataiku_framework.config import FrameworkConfig
from dataiku_framework.config.schema import DatasetConfig
from dataiku_framework.engine import Engine
from dataiku_framework.state import StateStore, read_lock
from dataiku_framework.state.dssfiles import LibraryDocument

KEY = "CUSTOMER_ANALYTICS"


@pytest.fixture(scope="module")
def emu():
    emulator = emusupport.make_emulator()
    yield emulator
    emulator.stop()


@pytest.fixture
def engine(emu):
    client = DSSClient(emu.url, emusupport.ADMIN_KEY)
    if KEY in client.list_project_keys():
        client.get_project(KEY).delete()
    return Engine(client=client)


def _config(extra=None):
    config = FrameworkConfig.from_yaml(emusupport.ROOT + "/examples/customer_analytics.yaml")
    for name in extra or []:
        config.datasets.append(DatasetConfig(name=name, type="Filesystem", managed=True))
    return config


def _second(config):
    """Change a field, delete a dataset, create one: what the rollback must undo."""
    new = copy.deepcopy(config)
    new.scenarios[0].triggers[0].hour = 3
    new.project.description = "changed by the second apply"
    new.datasets = [d for d in new.datasets if d.name != "OLD_ONE"]
    new.datasets.append(DatasetConfig(name="NEW_ONE", type="Filesystem", managed=True, description="new"))
    return new


def test_rollback_restores_the_configuration_before_the_last_apply(engine):
    first = _config(["OLD_ONE"])
    assert engine.apply(first).succeeded
    second = _second(first)
    result = engine.apply(second, allow_delete=True)
    assert result.counts == {"created": 1, "updated": 2, "replaced": 0, "deleted": 1, "failed": 0, "skipped": 0}
    assert not engine.plan(second).has_changes

    plan = engine.rollback_plan(KEY)
    actions = {c["address"]: c["action"] for c in plan.to_dict()["changes"]}
    assert actions == {"dataset.NEW_ONE": "delete", "dataset.OLD_ONE": "create", "project": "update",
                       "scenario.daily_refresh": "update"}
    assert all(c["managed"] for c in plan.to_dict()["changes"])
    text = plan.to_text()
    assert NOT_RESTORED in text and "- dataset.NEW_ONE" in text and "+ dataset.OLD_ONE" in text
    page = plan.to_html()
    assert "<code>dataset.NEW_ONE</code>" in page and NOT_RESTORED.split(":")[0] in page

    rolled = engine.rollback(KEY)
    assert rolled.succeeded and rolled.operation == "rollback"
    assert rolled.writes > 0 and NOT_RESTORED in rolled.notes
    after = engine.plan(first)
    assert not after.has_changes, after.to_text()
    assert "NEW_ONE" not in [d["name"] for d in engine.client.get_project(KEY).list_datasets()]


def test_history_keeps_every_apply_and_records_the_rollback(engine):
    first = _config(["OLD_ONE"])
    one = engine.apply(first)
    two = engine.apply(_second(first), allow_delete=True)
    rolled = engine.rollback(KEY, to=two.apply_id)
    history = engine.history(KEY)
    assert [h["apply_id"] for h in history] == [rolled.apply_id, two.apply_id, one.apply_id]
    assert history[0]["operation"] == "rollback" and history[0]["rolled_back"] == two.apply_id
    assert [h["result"] for h in history] == ["succeeded"] * 3
    assert all(h.get("checkpoint_before") for h in history)
    state = StateStore(engine.client, KEY).read()
    assert state.serial > 0 and "dataset.OLD_ONE" in state.resources and "dataset.NEW_ONE" not in state.resources
    assert read_lock(engine.client, KEY) is None  # released, not left held by the revert
    released = LibraryDocument(engine.client, KEY, "lock.json").read_document()
    assert released["status"] == "released" and released["previous"]["operation"] == "rollback", released


def test_rollback_to_an_older_apply_undoes_every_later_one(engine):
    first = _config()
    one = engine.apply(first)
    second = copy.deepcopy(first)
    second.datasets.append(DatasetConfig(name="LATER", type="Filesystem", managed=True))
    engine.apply(second)
    third = copy.deepcopy(second)
    third.scenarios[0].triggers[0].minute = 30
    engine.apply(third)
    assert engine.rollback(KEY, to=one.apply_id).succeeded
    # before the first apply the project was empty: every dataset it created is gone from the flow
    assert engine.client.get_project(KEY).list_datasets() == []


def test_rollback_refuses_an_unknown_apply_and_an_empty_history(engine):
    engine.client.create_project(KEY, "x", "admin")
    with pytest.raises(RollbackError, match="no apply in its history"):
        engine.rollback_plan(KEY)
    engine.apply(_config())
    with pytest.raises(RollbackError, match="no apply nope"):
        engine.rollback(KEY, to="nope")


def test_a_rollback_with_nothing_to_change_writes_nothing(engine):
    config = _config()
    result = engine.apply(config)
    engine.rollback(KEY, to=result.apply_id)
    again = engine.rollback_plan(KEY, to=result.apply_id)
    # after rolling back, the configuration is as before that apply: a second rollback changes nothing
    assert not again.has_changes
    assert "Nothing to roll back" in again.to_text()
    noop = engine.rollback(KEY, to=result.apply_id)
    assert noop.writes == 0 and noop.results == [] and noop.apply_id is None


def test_a_rollback_keeps_the_tools_own_records_stored_plans_and_the_drift_check(engine, tmp_path):
    """The revert takes the whole library back, the framework's folder included: the stored plans'
    review records (an applied plan would read "approved" again) and the last drift check must be
    those of just before the rollback, as the state's history is."""
    from dataiku_framework.config import load_config
    from dataiku_framework.state.plans import PlanStore
    from dataiku_framework.stored_plans import apply_stored
    first = _config(["OLD_ONE"])
    assert engine.apply(first).succeeded
    source = tmp_path / "project.yaml"
    source.write_text(_second(first).to_yaml(), encoding="utf-8")
    store = PlanStore(engine.client, KEY)
    plan_id = store.save(engine.plan(load_config(str(source)), config_source=str(source))).id
    store.approve(plan_id, comment="ok")
    applied = apply_stored(engine, KEY, plan_id, store=store)
    assert applied.succeeded
    drift = LibraryDocument(engine.client, KEY, "drift.json")
    drift.write_document({"checked": "after the apply"})
    assert engine.rollback(KEY).succeeded
    record = PlanStore(engine.client, KEY).get(plan_id)
    assert record["status"] == "applied", [e["status"] for e in record["events"]]
    assert LibraryDocument(engine.client, KEY, "drift.json").read_document() == {"checked": "after the apply"}
