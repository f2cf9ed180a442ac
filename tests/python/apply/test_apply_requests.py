"""Apply speed (issue 17 §3), counted, never timed: the requests an apply from empty sends per object,
and the state writes it makes, counted by the emulator.

Why counts: the bench (``bench/bench_apply.py``) measures wall time on a loaded machine; these tests
hold the two causes of a slow apply in place on any machine. The state is written at most once per
``StateWriter.interval`` seconds while resources run, plus once at the end (Terraform's trade: a
crash loses at most the last second of records, and the next apply adopts those objects); with a
clock that does not move, that is one write while the resources run and the final one.
"""
from collections import Counter

from apply_support import fresh_key
from emusupport import ADMIN_KEY

from dataiku_framework import FrameworkConfig
from dataiku_framework.apply.run import StateWriter

STATE_PATH = "dataiku-framework/state.json"


def _datasets(key, count, scenarios=0):
    lines = ['version: "1.0"', "project: {key: %s, name: Counted apply}" % key, "datasets:"]
    lines += ["  - {name: ds_%d, type: Filesystem, managed: true, format_type: csv, description: d%d}" % (i, i)
              for i in range(count)]
    if scenarios:
        lines.append("scenarios:")
        lines += ["  - {name: sc_%d, triggers: [{type: temporal, frequency: daily, hour: %d, minute: 0}], "
                  "steps: [{type: build_flowitem, items: [ds_%d]}]}" % (i, i % 24, i) for i in range(scenarios)]
    return FrameworkConfig.from_yaml("\n".join(lines) + "\n")


def _state_writes(emu):
    return sum(1 for e in emu.stats.snapshot(with_log=True)["log"] if e["write"] and STATE_PATH in e["path"])


def test_state_is_written_once_while_resources_run_and_once_at_the_end_when_the_clock_does_not_move(
        emu, engine, client, monkeypatch):
    monkeypatch.setattr(StateWriter, "clock", staticmethod(lambda: 100.0), raising=False)
    key = fresh_key("STW")
    assert engine.apply(_datasets(key, 1)).succeeded  # the state file exists: each state write is one request
    emu.faults.configure({"latency_ms": 5})  # batches finish apart: each would otherwise be a state write
    emu.stats.reset()
    result = engine.apply(_datasets(key, 25))
    assert result.succeeded, result.summary()
    # one background write (the first batch's; an apply that ends before the writer thread runs
    # has none) and the final one
    assert _state_writes(emu) in (1, 2)
    # the final write holds everything: every resource recorded, the history entry closed
    from dataiku_framework.state import StateStore
    state = StateStore(client, key).read()
    assert len([a for a in state.resources if a.startswith("dataset.")]) == 25
    assert state.history[-1]["result"] == "succeeded"


def _log_after_first_apply(emu, engine, key, config):
    """The emulator's request log of applying ``config`` to project ``key`` once it exists (a first
    apply of one dataset made it: the project's creation and state file are not counted)."""
    assert engine.apply(_datasets(key, 1)).succeeded
    emu.stats.keep = 10 ** 6
    emu.stats.reset()
    result = engine.apply(config)
    assert result.succeeded, result.summary()
    return emu.stats.snapshot(with_log=True)["log"]


def _on(log, suffix):
    return [(e["method"], e["path"]) for e in log if e["path"].rstrip("/").endswith(suffix)]


def test_a_created_object_with_nothing_left_to_write_is_read_once(emu, engine):
    """A managed dataset whose creation carries all it asks: its creation, then one read that is both
    the read the settings write would modify and the read-back (nothing was written in between)."""
    key = fresh_key("REQ")
    text = ['version: "1.0"', "project: {key: %s, name: Counted apply}" % key, "datasets:",
            "  - {name: ds_0, type: Filesystem, managed: true, format_type: csv, description: d0}"]
    text += ["  - {name: bare_%d, type: Filesystem, managed: true, format_type: csv}" % i for i in range(6)]
    log = _log_after_first_apply(emu, engine, key, FrameworkConfig.from_yaml("\n".join(text) + "\n"))
    for i in range(6):
        assert _on(log, "/datasets/bare_%d" % i) == [("GET", "/projects/%s/datasets/bare_%d" % (key, i))]


def test_a_scenario_is_created_with_its_definition_then_read_back_once(emu, engine):
    """The creation request carries the triggers and steps: no settings write, one read-back."""
    key = fresh_key("REQ")
    log = _log_after_first_apply(emu, engine, key, _datasets(key, 3, scenarios=3))
    for i in range(3):
        own = [(m, p) for m, p in _on(log, "/scenarios/SC_%d" % i)]
        assert own == [("GET", "/projects/%s/scenarios/SC_%d" % (key, i))], own
    assert [m for m, _ in _on(log, "/scenarios") if m != "GET"] == ["POST"] * 3  # the three creations


def _recipe_config(key):
    return FrameworkConfig.from_yaml("\n".join([
        'version: "1.0"', "project: {key: %s, name: Counted apply}" % key, "datasets:",
        "  - {name: src, type: Filesystem, connection: filesystem_folders, path: /bench/src, format_type: csv}",
        "  - {name: out, type: Filesystem, managed: true, format_type: csv}",
        "recipes:", "  - {name: r1, type: sync, inputs: [src], outputs: [out]}"]) + "\n")


def test_the_plan_under_the_lock_does_not_read_the_recipes_the_first_plan_found_missing(emu, engine):
    """An apply from empty reads each recipe once: the read-back of its creation (no read, under the
    lock, only to be told it is absent)."""
    key = fresh_key("REQ")
    emu.stats.keep = 10 ** 6
    emu.stats.reset()
    assert engine.apply(_recipe_config(key)).succeeded
    log = emu.stats.snapshot(with_log=True)["log"]
    assert _on(log, "/recipes/r1") == [("GET", "/projects/%s/recipes/r1" % key)]


def test_a_recipe_made_in_dss_after_the_first_plan_is_read_under_the_lock_and_not_created_twice(
        emu, engine, client):
    key = fresh_key("REQ")
    config = _recipe_config(key)
    assert engine.apply(FrameworkConfig.from_yaml(
        'version: "1.0"\nproject: {key: %s, name: Counted apply}\n' % key)).succeeded is not False
    first = engine.plan(config)
    assert {e["address"]: e["action"] for e in first.doc["resource_changes"]}["recipe.r1"] == "create"
    # someone makes the recipe (and its datasets) in DSS between the plan shown and the apply, not
    # through the tool (the state does not move)
    project = client.get_project(key)
    project.create_dataset("src", "Filesystem", params={"connection": "filesystem_folders", "path": "/bench/src"},
                           formatType="csv")
    builder = project.new_managed_dataset("out")
    builder.with_store_into("filesystem_managed")
    builder.create()
    project.new_recipe("sync", "r1").with_input("src").with_output("out").create()
    result = engine.apply(config, planned=first)  # planned again under the lock: r1 is listed now
    assert result.succeeded, result.summary()
    assert [r["name"] for r in client.get_project(key).list_recipes()] == ["r1"]
    assert not any(r.address == "recipe.r1" and r.operation == "create" for r in result.results)


def test_the_plan_under_the_lock_is_made_during_the_lock_settle_delay(emu, engine):
    """The lock's settle delay (write, wait, read back) is spent reading the plan under the lock: its
    list reads come after the lock's record is written and before it is read back."""
    key = fresh_key("REQ")
    log = _log_after_first_apply(emu, engine, key, _datasets(key, 3))
    calls = [(e["method"], e["path"].rstrip("/")) for e in log]
    lock = "/projects/%s/libraries/contents//dataiku-framework/lock.json" % key
    written = calls.index(("POST", lock))
    read_back = calls.index(("GET", lock), written)
    assert ("GET", "/projects/%s/datasets" % key) in calls[written:read_back], calls[written:read_back + 1]


def test_an_apply_from_empty_sends_per_object_its_creation_its_settings_write_and_one_read_back_each(emu, engine):
    """The whole apply from empty of N datasets (a description: creation, settings read and save,
    read-back) and N scenarios (creation carrying the definition, read-back) sends at most 4 + 2
    requests per pair beyond what an apply of one such pair sends (the constant: plans, lock,
    checkpoints). The state's writes are counted apart (above): how many there are depends on time."""
    counted = []
    emu.stats.keep = 10 ** 6
    for count in (1, 12):
        emu.stats.reset()
        assert engine.apply(_datasets(fresh_key("REQ"), count, scenarios=count)).succeeded
        log = emu.stats.snapshot(with_log=True)["log"]
        counted.append(sum(1 for e in log if STATE_PATH not in e["path"]))
    assert counted[1] - counted[0] <= (4 + 2) * 11, counted


def test_the_state_is_read_once_per_plan_and_not_again_once_the_lock_is_held(emu, engine):
    """The plan under the lock reads the state (its serial is in the plan): the apply then records
    into that state instead of reading the file a third time."""
    key = fresh_key("REQ")
    log = _log_after_first_apply(emu, engine, key, _datasets(key, 2))
    state_reads = [e for e in log if not e["write"] and e["path"].endswith(STATE_PATH)]
    assert len(state_reads) == 2, [(e["method"], e["path"]) for e in log]


def test_an_engine_on_a_callers_client_asks_who_its_key_is_once_per_apply(emu, engine):
    """A client given to ``Engine(client=...)`` (the plugin's, a script's) keeps its first
    ``auth/info`` answer as a client ``connect`` made does: the plans' connection checks and reads,
    the lock's holder and the history entry's user ask one request, not six."""
    key = fresh_key("REQ")
    log = _log_after_first_apply(emu, engine, key, _datasets(key, 2))
    assert len(_on(log, "/auth/info")) == 0, _on(log, "/auth/info")  # answered by the first apply's
    fresh = type(engine)(client=emu.client(ADMIN_KEY))
    emu.stats.reset()
    assert fresh.apply(_datasets(key, 3)).succeeded
    assert len(_on(emu.stats.snapshot(with_log=True)["log"], "/auth/info")) == 1


LIBRARY = "/libraries/"


def test_a_first_apply_creates_the_lock_and_state_files_with_their_text_in_one_write_each(emu, engine):
    """The lock and state files of a project's first apply: each created by the one write that
    carries its text (no name probe, no empty file first: a reader never sees an empty file), from
    the library listing of the read that found it absent (no second listing); the holder's read-back
    and release read the file it wrote straight (no listing)."""
    key = fresh_key("LIB")
    emu.stats.keep = 10 ** 6
    emu.stats.reset()
    assert engine.apply(_datasets(key, 1)).succeeded
    log = emu.stats.snapshot(with_log=True)["log"]
    library = [(e["method"], e["path"].split(LIBRARY, 1)[1]) for e in log if LIBRARY in e["path"]]
    lock, state = "contents//dataiku-framework/lock.json", "contents//dataiku-framework/state.json"
    listing, folder = ("GET", "contents"), ("POST", "folders/dataiku-framework")
    expected = [listing,                                   # the first plan's (no project yet)
                listing, folder, ("POST", lock),           # acquire: read (absent), create with the record
                listing,                                   # the plan under the lock: the state (absent)
                ("GET", lock),                             # the lock's read-back: the file it wrote, read straight
                ("POST", state),                           # the state: created with its text, from the listing
                                                           # the plan under the lock read it (absent) through
                ("GET", lock), ("POST", lock)]             # release: read (still ours?), write released
    assert Counter(library) == Counter(expected), library
