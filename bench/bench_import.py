"""Benchmark: ``import`` of a generated 1,000-object project against DSS with 20 ms latency.

Why: an import reads a whole project, often a shared production one; it must cost no more requests
than a plan of the same project (its budget) and stay fast. The project is the plan benchmark's
(``bench_plan.generate``: datasets, recipes of mixed kinds, scenarios), created on an in-process
emulator with no latency; then the emulator gets 20 ms of latency per request and subprocesses
read it: the plan benchmark's ``plan`` worker (the budget: its request count) and this module's
``import`` worker (``importer.import_project`` then ``render``, as ``dss-framework import`` does).

Reported: requests (counted by the emulator) of the plan and of the import, the import's wall and
CPU time, its peak RSS, the objects imported and left out, and the wall-time floor
(ceil(requests / parallelism) x latency). Targets: import requests <= plan requests; import wall
<= 2 x the plan's wall + 1 s, measured in the same conditions (an import converts, checks itself
with the plan's comparison and writes files besides reading); every object imported. Exit 1 when
one fails.

Usage: PYTHONPATH=python-lib python bench/bench_import.py   (BENCH_IMPORT_SIZE=200 for a quick run)
Writes bench/results/import.json.
"""
import json
import math
import os
import platform
import secrets
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "python-lib"))

from bench_plan import LATENCY_MS, PARALLELISM, _build, _run_worker, _usage, counts, generate, peak_rss_mb  # noqa: E402

SIZE = 1000
RESULTS = os.path.join(HERE, "results", "import.json")
KEY = "BENCH_PLAN"


def worker_import(url, out_dir):
    """Import the project as the CLI does (read, convert, check, render the files)."""
    from dataiku_framework.dss.connect import connect
    from dataiku_framework.importer import import_project, write
    client = connect(url, os.environ["BENCH_API_KEY"]).client
    cpu, start = _usage(), time.perf_counter()
    imported = import_project(client, KEY, parallelism=PARALLELISM)
    files = write(imported, out_dir)
    wall, cpu = time.perf_counter() - start, _usage() - cpu
    return {"wall_s": wall, "cpu_s": cpu, "imported": sum(v for k, v in imported.counts().items() if k != "external"),
            "left_out": len(imported.left_out), "files": len(files),
            "peak_rss_mb": peak_rss_mb()}


def measure(objects, workdir):
    from dss_emulator import Emulator
    api_key = secrets.token_hex(16)
    sources, produced, recipes, scenarios = counts(objects)
    emulator = Emulator(api_keys={api_key: "admin"}).start()
    try:
        client = emulator.client(api_key)
        path = _build(emulator, client, generate(objects, KEY), workdir)
        emulator.faults.configure({"latency_ms": LATENCY_MS})
        emulator.stats.reset()
        plan = _run_worker("plan", emulator.url, path, api_key)
        plan["requests"] = emulator.stats.snapshot(with_log=False)["requests"]
        emulator.stats.reset()
        imported = _run_worker("import", emulator.url, os.path.join(workdir, "out"), api_key, script=__file__)
        imported["requests"] = emulator.stats.snapshot(with_log=False)["requests"]
    finally:
        emulator.stop()
    floor_s = math.ceil(imported["requests"] / float(PARALLELISM)) * LATENCY_MS / 1000.0
    return {"objects": objects, "datasets": sources + produced, "recipes": recipes, "scenarios": scenarios,
            "plan": plan, "import": imported, "budget": plan["requests"], "floor_s": round(floor_s, 3)}


def targets(row):
    imp = row["import"]
    return [("import requests <= plan requests (= %d)" % row["budget"], imp["requests"] <= row["budget"],
             "%d" % imp["requests"]),
            ("wall <= 2 x plan wall + 1 s (= %.2f s)" % (2 * row["plan"]["wall_s"] + 1),
             imp["wall_s"] <= 2 * row["plan"]["wall_s"] + 1, "%.2f s" % imp["wall_s"]),
            ("every object imported, none left out", imp["left_out"] == 0 and imp["imported"] >= row["objects"],
             "%d imported, %d left out" % (imp["imported"], imp["left_out"]))]


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if argv[:2] == ["--worker", "import"]:
        print(json.dumps(worker_import(argv[2], argv[3])))
        return 0
    size = int(os.environ.get("BENCH_IMPORT_SIZE") or SIZE)
    with tempfile.TemporaryDirectory(prefix="bench-import-") as workdir:
        print("-- %d objects ..." % size, flush=True)
        row = measure(size, workdir)
    imp, plan = row["import"], row["plan"]
    print("import vs plan, %d ms latency per request, parallelism %d" % (LATENCY_MS, PARALLELISM))
    print("%8s %9s %9s %11s %8s %8s %7s %7s %9s %9s" % ("objects", "plan req", "imp req", "plan wall s", "wall s",
                                                        "floor s", "CPU s", "RSS MB", "imported", "left out"))
    print("%8d %9d %9d %11.2f %8.2f %8.2f %7.2f %7.0f %9d %9d" % (
        row["objects"], plan["requests"], imp["requests"], plan["wall_s"], imp["wall_s"], row["floor_s"],
        imp["cpu_s"], imp["peak_rss_mb"], imp["imported"], imp["left_out"]))
    results = targets(row)
    for name, ok, measured in results:
        print("%-4s %s: %s" % ("PASS" if ok else "FAIL", name, measured))
    os.makedirs(os.path.dirname(RESULTS), exist_ok=True)
    with open(RESULTS, "w") as handle:
        json.dump({"python": platform.python_version(), "machine": platform.machine(), "cpus": os.cpu_count(),
                   "latency_ms": LATENCY_MS, "parallelism": PARALLELISM, "result": row,
                   "targets": [{"target": n, "verdict": "PASS" if ok else "FAIL", "measured": m}
                               for n, ok, m in results]}, handle, indent=2)
    print("written", os.path.relpath(RESULTS))
    return 0 if all(ok for _, ok, _ in results) else 1


if __name__ == "__main__":
    sys.exit(main())
