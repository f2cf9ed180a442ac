"""The plan's memory: what the plan bench reports is the plan's own, and the plan's transient copies stay small.

Why: the goal (peak RSS < 300 MB at 5,000 objects, ``bench/bench_plan.py``) is checked on a figure that
must be the plan worker's alone; and the plan must not build a second whole copy of what it read (say,
the whole live project as one JSON text for its digest) on top of the data it holds.
"""
import importlib.util
import os

from emusupport import ADMIN_KEY

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))


def _bench_plan():
    spec = importlib.util.spec_from_file_location("bench_plan", os.path.join(ROOT, "bench", "bench_plan.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_bench_worker_reports_its_own_peak_not_its_parents(emulator, tmp_path):
    """Linux keeps a process's high-water RSS across ``exec``: a worker started by a parent holding
    300 MB (the bench driver holds the emulator and the built project) reported at least 300 MB
    through ``ru_maxrss``, whatever the plan used."""
    bench = _bench_plan()
    path = tmp_path / "bench.yaml"
    path.write_text(bench.generate(10, key="MEMWORKER"))
    ballast = bytearray(300 * 1024 * 1024)
    for i in range(0, len(ballast), 4096):  # touched: resident in this (the parent) process
        ballast[i] = 1
    result = bench._run_worker("plan", emulator.url, str(path), ADMIN_KEY)
    del ballast
    assert result["summary"]["create"] > 0  # the worker planned the project
    assert 0 < result["peak_rss_mb"] < 250, result["peak_rss_mb"]


def _one_text_digest(value):
    """The digest as it was first defined: sha256 of the whole canonical JSON text."""
    import hashlib
    import json
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


def test_digest_is_that_of_the_whole_canonical_text():
    """Plans and states record digests (``config_digest``, ``live_digest``): the way it is computed
    changes nothing of its value, for every shape JSON has (and what ``default=str`` stringifies)."""
    import datetime
    from dataiku_framework.plan.document import digest
    values = [{}, [], None, 1, "é", {"b": {}, "a": []}, {"z": [1, {"y": "ü", "x": None}], "a": {"k": (1, 2.5, True)}},
              {"datasets": {"d%d" % i: {"params": {"path": "/p/%d" % i}, "tags": ["t"]} for i in range(30)},
               "recipes": {"r": {"recipe": {"name": "r"}, "payload": "x = 1\n"}}, "zones": [{"items": []}]},
              {2: "int keys", 10: {"a": 1}}, {"when": datetime.date(2026, 12, 5), "nested": {"deep": {"deeper": [{"x": 1}]}}}]
    for value in values:
        assert digest(value) == _one_text_digest(value), value


def test_digest_never_holds_the_whole_text():
    """The live digest is taken over the whole project read (``Snapshot.raw``: tens of MB at 5,000
    objects): as one JSON text (and its UTF-8 bytes) it came on top of the data at the plan's peak.
    Measured against the text's own size in the same test, so the machine does not matter."""
    import json
    import tracemalloc
    from dataiku_framework.plan.document import digest
    live = {"datasets": {"ds_%d" % i: {"name": "ds_%d" % i, "params": {"path": "/data/%d" % i, "x": "y" * 500},
                                       "schema": {"columns": [{"name": "c%d" % c, "type": "string"} for c in range(20)]}}
                         for i in range(2000)}}
    size = len(json.dumps(live, sort_keys=True, separators=(",", ":")))
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        digest(live)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < size / 10, (peak, size)


def _old_to_json(plan, indent=2):
    """``Plan.to_json`` as it was: the document read back from its JSON, digested, written again."""
    import json
    from dataiku_framework.plan.document import DIGEST_KEY, document_digest
    body = json.loads(json.dumps({k: v for k, v in plan.doc.items() if k != DIGEST_KEY}, default=str))
    body[DIGEST_KEY] = document_digest(body)
    return json.dumps(body, indent=indent, sort_keys=False, ensure_ascii=False)


def _planned(emulator, tmp_path, objects):
    from dataiku_framework import Engine
    from dataiku_framework.config.api import load_config
    path = tmp_path / "bench.yaml"
    path.write_text(_bench_plan().generate(objects, key="MEMJSON"))
    return Engine(client=emulator.client(ADMIN_KEY)).plan(load_config(str(path)))


def test_plan_json_is_written_once_and_reads_back(emulator, tmp_path):
    """``plan --out``/``--json`` wrote the document, read it back whole, and wrote it again with an
    indent (the pure-Python encoder's list of every piece): several times the text at once, on top of
    the plan. The text is the same as before and reads back (its digest checks); the memory it takes
    beyond the text itself stays a small multiple of it (measured against the text in the same test)."""
    import tracemalloc
    from dataiku_framework.plan.document import Plan
    plan = _planned(emulator, tmp_path, 200)
    assert plan.to_json() == _old_to_json(plan) and plan.to_json(None) == _old_to_json(plan, None)
    assert Plan.from_json(plan.to_json()).doc == Plan.from_json(_old_to_json(plan)).doc
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        text = plan.to_json()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 4 * len(text), (peak, len(text))


def test_plan_json_of_a_document_with_keys_json_turns_into_strings(emulator, tmp_path):
    """A key that is not a string (JSON writes it as one) is digested as reading the text back sees it."""
    from dataiku_framework.plan.document import Plan
    plan = _planned(emulator, tmp_path, 10)
    plan.doc["metadata"]["counts"] = {10: "ten", 9: "nine"}
    assert plan.to_json() == _old_to_json(plan)
    assert Plan.from_json(plan.to_json()).doc["metadata"]["counts"] == {"9": "nine", "10": "ten"}
