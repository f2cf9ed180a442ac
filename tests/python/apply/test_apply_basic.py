"""Apply basics through ``Engine``: read-modify-write keeps what DSS holds beside the managed
fields, progress is reported, deletes run in reverse dependency order, a failure skips only its
dependents, and ``targets`` limits the apply."""
import pytest

from apply_support import config_30, fresh_key, live_names
from dataiku_framework import FrameworkConfig


def _small(key, description="first", extra=""):
    return FrameworkConfig.from_yaml("""
version: "1.0"
project: {key: %s, name: Basics}
zones: [{name: zone_a}]
datasets:
  - {name: src, type: Filesystem, connection: filesystem_managed, path: /src, format_type: csv, zone: zone_a}
  - {name: out, type: Filesystem, managed: true, format_type: csv, description: %s}
recipes:
  - {name: copy_src, type: sync, inputs: [src], outputs: [out]}
scenarios:
  - {name: build_out, steps: [{type: build_flowitem, items: [out]}]}
%s""" % (key, description, extra))


def test_update_keeps_what_dss_holds_beside_the_managed_fields(emu, client, engine):
    key = fresh_key("BASIC")
    assert engine.apply(_small(key)).succeeded
    dataset = client.get_project(key).get_dataset("out")
    settings = dataset.get_settings()
    raw = settings.get_raw()
    raw["flowOptions"] = {"virtualizable": True, "rebuildBehavior": "EXPLICIT"}
    raw["customFields"] = {"owner_team": "growth"}
    settings.save()
    result = engine.apply(_small(key, description="second"))
    assert [(r.address, r.operation, r.status) for r in result.results] == [("dataset.out", "update", "succeeded")]
    raw = dataset.get_settings().get_raw()
    assert raw["description"] == "second"
    assert raw["flowOptions"] == {"virtualizable": True, "rebuildBehavior": "EXPLICIT"}
    assert raw["customFields"] == {"owner_team": "growth"}


def test_progress_is_reported_for_every_resource(emu, engine):
    calls = []
    result = engine.apply(config_30(fresh_key("PROG")), on_progress=lambda *a: calls.append(a))
    assert result.succeeded
    assert [c[0] for c in calls] == list(range(1, len(calls) + 1))
    assert {c[1] for c in calls} == {len(calls)} and len(calls) >= 29
    assert all(isinstance(c[2], str) and c[2] for c in calls)


def test_deletes_run_in_reverse_dependency_order(emu, client, engine):
    key = fresh_key("DEL")
    assert engine.apply(_small(key)).succeeded
    empty = FrameworkConfig.from_yaml('version: "1.0"\nproject: {key: %s, name: Basics}\n' % key)
    emu.stats.reset()
    result = engine.apply(empty, allow_delete=True)
    assert result.succeeded, result.summary()
    assert result.counts["deleted"] == 5
    deletes = [e["path"].split("/")[3] for e in emu.stats.snapshot()["log"]
               if e["method"] == "DELETE" and e["status"] == 200]
    order = {"scenarios": 0, "recipes": 1, "datasets": 2, "flow": 3}
    assert [order[d] for d in deletes] == sorted(order[d] for d in deletes), deletes
    names = live_names(client, key)
    assert not any(names[k] for k in ("dataset", "recipe", "scenario", "zone")), names
    assert not engine.plan(empty, allow_delete=True).has_changes


def test_a_failure_skips_only_its_dependents(emu, client, engine):
    """The sync recipe cannot be created (a permanent 500 on its creation): the scenario building its
    output depends on it and is skipped; everything else is created; the next apply completes both."""
    key = fresh_key("FAIL")
    emu.faults.configure({"fail_nth_write": 1, "fail_count": 5, "fail_status": 500, "path_contains": "/recipes/"})
    result = engine.apply(_small(key))
    emu.faults.clear()
    status = {r.address: r.status for r in result.results}
    assert status.pop("recipe.copy_src") == "failed" and "Injected fault" in result.result("recipe.copy_src").error
    assert status.pop("scenario.build_out") == "skipped"
    assert "recipe.copy_src" in result.result("scenario.build_out").error
    assert set(status.values()) == {"succeeded"}, status
    assert result.summary().startswith("Apply failed:") and engine.history(key)[0]["result"] == "partial"
    again = engine.apply(_small(key))
    assert sorted((r.address, r.operation, r.status) for r in again.results) == [
        ("recipe.copy_src", "create", "succeeded"), ("scenario.build_out", "create", "succeeded")]


def test_failed_dataset_skips_the_recipe_that_writes_it(emu, client, engine):
    key = fresh_key("SKIP")
    emu.faults.configure({"fail_nth_write": 1, "fail_count": 5, "fail_status": 500,
                          "path_contains": "/datasets/managed"})
    result = engine.apply(_small(key))
    emu.faults.clear()
    status = {r.address: r.status for r in result.results}
    assert status["dataset.out"] == "failed" and status["recipe.copy_src"] == "skipped"
    assert "dataset.out" in result.result("recipe.copy_src").error
    assert status["dataset.src"] == "succeeded" and status["zone.zone_a"] == "succeeded"
    assert "copy_src" not in live_names(client, key)["recipe"]
    assert engine.apply(_small(key)).succeeded and not engine.plan(_small(key)).has_changes


def test_targets_apply_the_target_and_what_it_needs(emu, client, engine):
    key = fresh_key("TGT")
    assert engine.apply(FrameworkConfig.from_yaml('version: "1.0"\nproject: {key: %s, name: Basics}\n' % key)).succeeded
    result = engine.apply(_small(key), targets=["recipe.copy_src"])
    assert result.succeeded
    applied = {r.address for r in result.results}
    assert {"recipe.copy_src", "dataset.out", "dataset.src", "zone.zone_a"} <= applied
    assert "scenario.build_out" not in applied
    assert live_names(client, key)["scenario"] == []


def test_targets_on_a_new_project_create_the_project_first(emu, client, engine):
    key = fresh_key("TGT")
    result = engine.apply(_small(key), targets=["dataset.src"])
    assert result.succeeded and {"project", "dataset.src"} <= {r.address for r in result.results}
