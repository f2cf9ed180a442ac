"""A creation is never sent twice: when its answer is lost and even the existence check cannot be
read, the resource is reported as unknown and left to the next apply (issue 14, section 8)."""
import logging

import pytest

from apply_support import fresh_key
from dataiku_framework import FrameworkConfig
from dataiku_framework.resources import registry
from dataiku_framework.state import StateStore


def _config(key, scenarios=("nightly",)):
    text = 'version: "1.0"\nproject: {key: %s, name: Never twice}\n' % key
    text += "scenarios:\n" + "".join("  - {name: %s, type: step_based}\n" % n for n in scenarios)
    return FrameworkConfig.from_yaml(text)


def _scenario_names(client, key):
    return [s["name"] for s in client.get_project(key).list_scenarios()]


def _faulting_create(monkeypatch, emu, kind, spec):
    """The writer's creation of ``kind`` sent with ``spec`` faults armed (the plan's reads before it
    are not faulted): a timing hook only, the request itself is the real one."""
    writer = registry.get(kind)
    real = writer.create
    armed = []

    def create(ctx, name, obj, desired):
        if not armed:  # once: a creation sent again meets the same faults, counted on
            armed.append(emu.faults.configure(spec))
        return real(ctx, name, obj, desired)
    monkeypatch.setattr(writer, "create", create)


@pytest.mark.parametrize("lost", [{"drop_nth_write": 1}, {"fail_nth_write": 1, "fail_status": 503}])
def test_a_lost_creation_whose_check_fails_is_unknown_not_sent_again(emu, client, engine, monkeypatch, lost):
    key = fresh_key("TWICE")
    config = _config(key)
    engine.apply(FrameworkConfig.from_yaml('version: "1.0"\nproject: {key: %s, name: Never twice}\n' % key))
    # the creation lands and its answer is lost; every read of the scenarios then fails (503)
    spec = dict(lost, fail_phase="after", fail_nth_read=1, fail_count=50, path_contains="/scenarios")
    spec.setdefault("fail_status", 503)
    _faulting_create(monkeypatch, emu, "scenario", spec)
    logging.disable(logging.WARNING)
    try:
        result = engine.apply(config)
    finally:
        logging.disable(logging.NOTSET)
        emu.faults.clear()
        monkeypatch.undo()
    assert _scenario_names(client, key) == ["nightly"]  # created once, never twice
    row = next(r for r in result.results if r.address == "scenario.nightly")
    assert row.status == "failed" and "unknown" in row.error and "not sent twice" in row.error
    recorded = StateStore(client, key).read().resources.get("scenario.nightly")
    assert recorded is not None and recorded["created_by_tool"] is True and recorded["canonical"] is None
    # the next apply reads DSS again: it finds the scenario, completes it, and owns it
    second = engine.apply(config)
    assert second.succeeded, second.summary()
    assert _scenario_names(client, key) == ["nightly"]
    assert not engine.plan(config).has_changes
    assert StateStore(client, key).read().resources["scenario.nightly"]["created_by_tool"] is True


def test_two_scenarios_of_one_name_are_reported_not_picked(emu, client, engine, monkeypatch):
    """DSS allows two scenarios of one name: when the lost creation's check finds two, the apply
    names both ids instead of completing one of them at random."""
    key = fresh_key("TWICE")
    engine.apply(FrameworkConfig.from_yaml('version: "1.0"\nproject: {key: %s, name: Never twice}\n' % key))
    project = client.get_project(key)
    writer = registry.get("scenario")
    real = writer.create

    def create(ctx, name, obj, desired):  # someone else creates one of the same name meanwhile
        project.create_scenario(name, "step_based")
        emu.faults.configure({"drop_nth_write": 1, "fail_phase": "after", "path_contains": "/scenarios"})
        return real(ctx, name, obj, desired)
    monkeypatch.setattr(writer, "create", create)
    logging.disable(logging.WARNING)
    try:
        result = engine.apply(_config(key))
    finally:
        logging.disable(logging.NOTSET)
        emu.faults.clear()
    row = next(r for r in result.results if r.address == "scenario.nightly")
    ids = sorted(s["id"] for s in project.list_scenarios())
    assert len(ids) == 2
    assert row.status == "failed" and "2 scenarios named 'nightly'" in row.error
    assert all(i in row.error for i in ids)


def test_the_plan_reports_two_scenarios_of_one_configured_name(emu, client, engine):
    """The plan reads scenarios by name too: two of the configured name are an error naming both."""
    key = fresh_key("TWICE")
    engine.apply(_config(key))
    project = client.get_project(key)
    project.create_scenario("nightly", "step_based")
    ids = sorted(s["id"] for s in project.list_scenarios())
    with pytest.raises(ValueError) as error:  # resources.kind.AmbiguousName
        engine.plan(_config(key))
    assert "2 scenarios named 'nightly'" in str(error.value) and all(i in str(error.value) for i in ids)
    assert engine.plan(_config(key, scenarios=("other",))).has_changes  # names it does not use: no error


def test_a_creation_refused_twice_transiently_is_tried_per_the_policy(emu, client, engine, monkeypatch):
    """Two 503s in a row that did not land: each time DSS is asked first (absent), then the creation
    is sent again, within the policy's attempts; one scenario in the end."""
    key = fresh_key("TWICE")
    engine.apply(FrameworkConfig.from_yaml('version: "1.0"\nproject: {key: %s, name: Never twice}\n' % key))
    _faulting_create(monkeypatch, emu, "scenario",
                     {"fail_nth_write": 1, "fail_count": 2, "fail_status": 503, "path_contains": "/scenarios"})
    try:
        result = engine.apply(_config(key))
        failed = [e for e in emu.stats.snapshot()["log"] if e.get("fault")]
    finally:
        emu.faults.clear()
        monkeypatch.undo()
    assert result.succeeded, result.summary()
    assert len(failed) == 2 and _scenario_names(client, key) == ["nightly"]
