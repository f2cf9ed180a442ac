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
