"""The performance page is rendered from the committed snapshot of ``make bench``'s JSON files, and
cannot drift from what the bench scripts write: every key the renderer reads is a key a bench script
writes, every figure of the snapshot's tables is on the page, and every goal is listed as met or not
met as its verdict says."""
import copy
import os
import re
import sys

import pytest

from docblocks import DOCS, ROOT

sys.path.insert(0, os.path.join(ROOT, "tools"))
import docs_performance as perf  # noqa: E402

#: Keys the renderer reads outside the tables' columns, by the bench scripts that write them.
COMMON = ("python", "cpus", "latency_ms", "parallelism", "targets", "target", "verdict", "measured")
WEBAPP = ("bench/bench_webapp.py", ("rows", "targets", "repeat"))


def _literals(script: str) -> set:
    """The string literals of a bench script and of the bench modules it imports (bench_apply writes
    its JSON with bench_plan's ``report``): the keys it can write."""
    with open(os.path.join(ROOT, script), encoding="utf-8") as f:
        text = f.read()
    found = set(re.findall(r"[\"']([A-Za-z_][A-Za-z0-9_-]*)[\"']", text))
    for module in set(re.findall(r"^from (bench_\w+) import", text, re.M)) - {os.path.basename(script)[:-3]}:
        found |= _literals("bench/%s.py" % module)
    return found


def _read_keys():
    """(bench script, key) for every key the renderer reads."""
    for name, (script, top, columns) in perf.TABLES.items():
        yield script, top
        for _, path in columns:
            for key in path:
                yield script, key
        if name != "validate":
            for key in COMMON:
                yield script, key
    for _, path in perf.WEBAPP_COLUMNS:
        yield WEBAPP[0], path[0]
    for key in WEBAPP[1]:
        yield WEBAPP[0], key


@pytest.mark.parametrize("script, key", sorted(set(_read_keys())))
def test_every_key_the_renderer_reads_is_written_by_its_bench_script(script, key):
    assert key in _literals(script), "%s does not write %r any more: update tools/docs_performance.py" % (script, key)


def test_the_snapshot_has_every_benchmark_and_its_provenance():
    snapshot = perf.load()
    assert set(snapshot) == {"about", "validate", "plan", "apply", "import", "webapp"}
    assert all(snapshot["about"][k] for k in ("date", "commit", "machine", "command"))


def test_every_figure_of_the_snapshot_is_on_the_page():
    snapshot = perf.load()
    text = perf.page(snapshot)
    for name, (_, top, columns) in perf.TABLES.items():
        rows = snapshot[name][top] if isinstance(snapshot[name][top], list) else [snapshot[name][top]]
        for row in rows:
            line = "| " + " | ".join(perf._cell(perf._get(row, path)) for _, path in columns) + " |"
            assert line in text, (name, line)
    with open(os.path.join(DOCS, perf.PAGE), encoding="utf-8") as f:
        assert f.read() == text  # the committed page is this rendering (gen_docs.stale checks it too)


def test_goals_are_listed_as_their_verdicts_say():
    snapshot = perf.load()
    text = perf.page(snapshot)
    missed = text.split("Not met:", 1)[1].split("Met:", 1)[0]
    for target in snapshot["apply"]["targets"]:
        line = "%s: %s" % (target["target"], target["measured"])
        assert (line in missed) == (target["verdict"] == "FAIL"), line
    flipped = copy.deepcopy(snapshot)
    for target in flipped["apply"]["targets"]:
        target["verdict"] = "PASS"
    assert "**Apply**" not in perf.page(flipped).split("Not met:", 1)[1].split("Met:", 1)[0]


def test_a_key_missing_from_the_snapshot_fails_the_rendering():
    snapshot = copy.deepcopy(perf.load())
    del snapshot["apply"]["results"][0]["requests_per_object"]
    with pytest.raises(KeyError):
        perf.page(snapshot)
