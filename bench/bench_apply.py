"""Benchmark: ``Engine.apply`` from empty of generated projects of 101 and 1,010 objects against DSS
with 20 ms latency, beside a sequential client script making the minimal requests (issue 17 §3).

Why: apply writes to a shared production DSS; it must send few requests (about three per object plus
a constant; no write when nothing changes, six for a one-field change), write its state at most once
a second, and use its bounded parallelism to stay close to the latency floor on large projects.
The projects are bench_plan's generated ones (same mix: 40% datasets written by recipes, 40%
recipes of six types, 20% scenarios, 1% sources), on bench_plan's in-process emulator, applied by a
subprocess (bench_plan's worker runner) so that the client's work is its own.

Per size, three times (the table shows the median of each figure, the JSON every run):

* ``apply``: the parallel apply from empty (parallelism 8): wall time, requests and writes counted
  by the emulator, of which state writes;
* ``sequential``: a plain ``dataikuapi`` loop, no framework, on another project of the same run,
  making the minimal requests for the same objects: the project's creation, then per object its
  creation and, where the creation cannot carry them, one settings read and one save (no plan, no
  lock, no state, no read-back);

then, once, on the first applied project: a no-op apply (0 writes expected) and a one-field change
(one scenario's trigger hour: 6 writes expected, namely lock acquire, "before" checkpoint tag, the
scenario's save, the state, "after" checkpoint tag, lock release).

The floor (``floor req``): per object one creation, one settings write where the creation cannot
carry them (a managed dataset's description, a visual recipe's settings), one read-back; the
latency floor is the apply's requests x 20 ms / parallelism. Targets: requests <= 3 per object +
``CONSTANT``; wall <= 1.5 x latency floor; state writes <= one per second of apply + the final one
(+ the state file's creation, once per project); sequential / apply >= 6 (8 is the bound).

Usage: PYTHONPATH=python-lib python bench/bench_apply.py  (BENCH_APPLY_SIZES=100 for a quick run;
BENCH_APPLY_RUNS=1 for one run per size). Writes bench/results/apply.json.
"""
import json
import math
import os
import secrets
import statistics
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "python-lib"))

from bench_plan import (LATENCY_MS, PARALLELISM, RECIPE_TYPES, _run_worker, _usage, counts,  # noqa: E402
                        generate, report, sizes_from_env)

SIZES = (100, 1000)
RUNS = 3
RESULTS = os.path.join(HERE, "results", "apply.json")
#: Write budget of a one-field change (see the module docstring) and of a no-op apply.
ONE_FIELD_WRITES = 6
NOOP_WRITES = 0
#: Requests a one-field change may make beyond a no-op apply's (its plan): the lock, the plan under it
#: (lists, state), the checkpoints, the object's read-modify-write and read-back, the state write.
ONE_FIELD_EXTRA_READS = 50
#: Requests an apply makes whatever its size: two plans' list reads, the lock, the state, checkpoints.
CONSTANT = 60
#: Requests per object allowed beyond the constant (issue 17 §3).
PER_OBJECT = 3
#: Target ratio of the sequential script's wall time to the apply's (parallelism 8 bounds it at ~8).
RATIO = 6.0
#: The tool's own writes, told apart in the results: (name, part of the request path).
OWN_WRITES = (("state", "dataiku-framework/state.json"), ("lock", "dataiku-framework/lock.json"),
              ("checkpoint", "/git/tags"))
#: bench_plan's recipe types -> DSS's; the ones whose creation carries all the settings (code, or none)
DSS_RECIPE_TYPES = {"python": "python", "sync": "sync", "grouping": "grouping", "prepare": "shaker",
                    "join": "join", "sort": "sort"}
CARRIED_BY_CREATION = ("python", "sync")


def floor_requests(objects):
    """The floor of issue 17 §3 for bench_plan's project of ``objects`` objects: per object one
    creation, one settings write where the creation cannot carry them, one read-back."""
    sources, produced, recipes, scenarios = counts(objects)
    written = sum(1 for i in range(recipes) if RECIPE_TYPES[i % len(RECIPE_TYPES)] not in CARRIED_BY_CREATION)
    return 2 * sources + 3 * produced + 2 * recipes + written + 2 * scenarios


# -- the worker (a subprocess) ----------------------------------------------------------------------------------

def worker_apply(url, config_path, parallelism, hour=None):
    from dataiku_framework.config.api import load_config
    from dataiku_framework.dss.connect import connect
    from dataiku_framework.engine import Engine
    config = load_config(config_path)
    if hour is not None:
        config.scenarios[0].triggers[0].hour = int(hour)
    engine = Engine(client=connect(url, os.environ["BENCH_API_KEY"]).client, parallelism=int(parallelism))
    cpu, start = _usage(), time.perf_counter()
    result = engine.apply(config)
    wall, cpu = time.perf_counter() - start, _usage() - cpu
    return {"wall_s": wall, "cpu_s": cpu, "writes": result.writes, "succeeded": result.succeeded, "counts": result.counts,
            "resources": len(result.results), "failed": [(r.address, r.error) for r in result.results
                                                         if r.status != "succeeded"][:5]}


def worker_sequential(url, project_key, objects):
    """What a user would write without the framework, one request after the other: create the
    project, then each object with the fewest requests (its creation; a settings read and save only
    where the creation cannot carry them). The same objects as bench_plan's ``generate``."""
    import dataikuapi
    client = dataikuapi.DSSClient(url, os.environ["BENCH_API_KEY"])
    sources, produced, recipes, scenarios = counts(int(objects))
    start = time.perf_counter()
    project = client.create_project(project_key, "Apply benchmark", "admin")
    for i in range(sources):
        project.create_dataset("src_%d" % i, "Filesystem",
                               params={"connection": "filesystem_folders", "path": "/bench/src_%d" % i},
                               formatType="csv", formatParams={"separator": ",", "style": "excel",
                                                               "parseHeaderRow": True})
    for i in range(produced):
        builder = project.new_managed_dataset("ds_%d" % i)
        builder.with_store_into("filesystem_managed", format_option_id="CSV_ESCAPING_NOGZIP_FORHIVE")
        settings = builder.create().get_settings()
        settings.get_raw()["description"] = "output of recipe_%d" % i
        settings.save()
    for i in range(recipes):
        _sequential_recipe(project, i, sources)
    for i in range(scenarios):
        trigger = {"type": "temporal", "active": True,
                   "params": {"frequency": "Daily", "hour": i % 24, "minute": i % 60, "repeatFrequency": 1}}
        step = {"type": "build_flowitem", "params": {"builds": [{"type": "DATASET", "itemId": "ds_%d" % (i % produced),
                                                                 "partitionsSpec": ""}],
                                                     "jobType": "RECURSIVE_BUILD"}}
        project.create_scenario("scenario_%d" % i, "step_based",
                                definition={"active": True, "triggers": [trigger], "params": {"steps": [step]}})
    return {"wall_s": time.perf_counter() - start}


def _sequential_recipe(project, index, sources):
    """One recipe as bench_plan's ``_recipe`` makes it: its creation, then (visual recipes with
    settings) one settings read and one save."""
    kind = RECIPE_TYPES[index % len(RECIPE_TYPES)]
    parent = "ds_%d" % ((index - 1) // 2) if index else "src_0"
    first = parent if index % 3 else "src_%d" % (index % sources)
    inputs = [first, "src_%d" % ((index + 1) % sources)] if kind == "join" else [first]
    proto = {"type": DSS_RECIPE_TYPES[kind], "name": "recipe_%d" % index,
             "inputs": {"main": {"items": [{"ref": name} for name in inputs]}},
             "outputs": {"main": {"items": [{"ref": "ds_%d" % index, "appendMode": False}]}}}
    creation = {}
    if kind == "python":
        creation["script"] = "import dataiku\n# recipe %d\n" % index
    if kind == "join":
        creation["virtualInputs"], proto["inputs"] = inputs, {}
    recipe = project.create_recipe(proto, creation)
    if kind in CARRIED_BY_CREATION:
        return
    settings = recipe.get_settings()
    payload = settings.get_json_payload() or {}
    if kind == "grouping":
        payload["keys"] = [{"column": "id"}]
    elif kind == "prepare":
        payload["steps"] = [{"type": "ColumnRenamer", "params": {"renamings": [{"from": "amt", "to": "amount"}]}}]
    elif kind == "join":
        payload["joins"] = [{"type": "LEFT", "on": [{"left": {"column": "id"}, "right": {"column": "id"}}]}]
    elif kind == "sort":
        payload["orders"] = [{"column": "id", "desc": False}]
    settings.set_json_payload(payload)
    settings.save()


def worker_main(argv):
    mode, url, target = argv[:3]
    if mode == "sequential":
        print(json.dumps(worker_sequential(url, target, *argv[3:])))
        return 0
    assert mode == "apply", mode
    print(json.dumps(worker_apply(url, target, *argv[3:])))
    return 0


# -- the driver -------------------------------------------------------------------------------------------------

def _config_file(workdir, objects, key):
    path = os.path.join(workdir, "%s.yaml" % key)
    with open(path, "w") as handle:
        handle.write(generate(objects, key=key))
    return path


def _counted(emulator, out):
    """``out`` with the emulator's counts of the run just made (requests, writes, the tool's own)."""
    stats = emulator.stats.snapshot(with_log=True)
    out["emulator_writes"], out["requests"] = stats["writes"], stats["requests"]
    paths = [e["path"] for e in stats["log"] if e["write"]]
    out["own_writes"] = {name: sum(1 for p in paths if part in p) for name, part in OWN_WRITES}
    return out


def _apply(emulator, api_key, path, parallelism, hour=None):
    emulator.stats.reset()
    extra = [parallelism] + ([hour] if hour is not None else [])
    out = _counted(emulator, _run_worker("apply", emulator.url, path, api_key, script=__file__, extra=extra))
    if not out["succeeded"]:
        raise SystemExit("apply of %s failed: %s" % (path, out["failed"]))
    return out


def _sequential(emulator, api_key, key, objects):
    emulator.stats.reset()
    return _counted(emulator, _run_worker("sequential", emulator.url, key, api_key, script=__file__,
                                          extra=[objects]))


def _median(runs, *path):
    values = []
    for run in runs:
        for part in path:
            run = run[part]
        values.append(run)
    return statistics.median(values)


def measure(objects, workdir, runs=RUNS):
    """``runs`` applies from empty and as many sequential scripts, in turn, on one emulator; then a no-op
    apply and a one-field change on the first applied project. One row: medians and every run."""
    from dss_emulator import Emulator
    api_key = secrets.token_hex(16)
    sources, produced, recipes, scenarios = counts(objects)
    emulator = Emulator(api_keys={api_key: "admin"}).start()
    emulator.stats.keep = 10 ** 6  # the whole request log, to tell the tool's own writes apart
    applied, sequential, paths = [], [], []
    try:
        emulator.faults.configure({"latency_ms": LATENCY_MS})
        for run in range(runs):
            paths.append(_config_file(workdir, objects, "BENCH_APPLY_%d" % run))
            applied.append(_apply(emulator, api_key, paths[-1], PARALLELISM))
            sequential.append(_sequential(emulator, api_key, "BENCH_SEQ_%d" % run, objects))
        noop = _apply(emulator, api_key, paths[0], PARALLELISM)
        one_field = _apply(emulator, api_key, paths[0], PARALLELISM, hour=23)
    finally:
        emulator.stop()
    total = sources + produced + recipes + scenarios
    wall, seq_wall = _median(applied, "wall_s"), _median(sequential, "wall_s")
    requests = _median(applied, "requests")
    return {"objects": total, "datasets": sources + produced, "recipes": recipes, "scenarios": scenarios,
            "runs": runs, "wall_s": wall, "cpu_s": _median(applied, "cpu_s"), "requests": requests, "writes": _median(applied, "emulator_writes"),
            "state_writes": _median(applied, "own_writes", "state"), "seq_wall_s": seq_wall,
            "seq_requests": _median(sequential, "requests"), "floor_requests": floor_requests(objects),
            "latency_floor_s": round(requests * LATENCY_MS / 1000.0 / PARALLELISM, 3),
            "requests_per_object": round(requests / float(total), 2), "ratio": round(seq_wall / wall, 2),
            "applied": applied, "sequential": sequential, "noop": noop, "one_field": one_field}


def targets(rows):
    checks = []
    for row in rows:
        n, first = row["objects"], row["applied"][0]
        limit = PER_OBJECT * n + CONSTANT
        checks.append(("requests <= %d per object + %d (= %d) (%d objects)" % (PER_OBJECT, CONSTANT, limit, n),
                       row["requests"] <= limit, "%d (%.2f per object; floor %d)"
                       % (row["requests"], row["requests_per_object"], row["floor_requests"])))
        checks.append(("wall <= 1.5 x latency floor (= %.2f s) (%d objects)" % (1.5 * row["latency_floor_s"], n),
                       row["wall_s"] <= 1.5 * row["latency_floor_s"], "%.2f s" % row["wall_s"]))
        # one per started second, the final one, and the state file's creation (once per project)
        states = max(a["own_writes"]["state"] - int(math.ceil(a["wall_s"])) - 2 for a in row["applied"])
        checks.append(("state writes <= one per second of apply + the final one (+ the file's creation) "
                       "(%d objects, every run)" % n, states <= 0, "%d (median)" % row["state_writes"]))
        checks.append(("sequential script / apply >= %.0fx (%d objects)" % (RATIO, n), row["ratio"] >= RATIO,
                       "%.1fx" % row["ratio"]))
        checks.append(("no-op apply makes %d writes (%d objects)" % (NOOP_WRITES, n),
                       row["noop"]["emulator_writes"] == NOOP_WRITES, "%d" % row["noop"]["emulator_writes"]))
        checks.append(("one-field change makes %d writes (%d objects)" % (ONE_FIELD_WRITES, n),
                       row["one_field"]["emulator_writes"] == ONE_FIELD_WRITES,
                       "%d" % row["one_field"]["emulator_writes"]))
        extra = row["one_field"]["requests"] - row["noop"]["requests"]
        checks.append(("one-field change reads at most %d requests more than a no-op apply, whatever the size "
                       "(%d objects): the plan under the lock re-reads lists, not objects" % (ONE_FIELD_EXTRA_READS, n),
                       extra <= ONE_FIELD_EXTRA_READS, "+%d" % extra))
        checks.append(("result.writes equals the writes DSS saw (%d objects)" % n,
                       first["writes"] == first["emulator_writes"],
                       "%d / %d" % (first["writes"], first["emulator_writes"])))
    return [(name, "PASS" if ok else "FAIL", measured) for name, ok, measured in checks]


def print_table(rows):
    header = ("objects", "requests", "req/obj", "floor req", "writes", "state w", "wall s", "CPU s", "lat floor",
              "seq req", "seq wall s", "ratio", "no-op w", "1-field w")
    print("%8s %9s %8s %10s %7s %8s %7s %6s %10s %8s %11s %6s %8s %10s" % header)
    for row in rows:
        print("%8d %9d %8.2f %10d %7d %8d %7.2f %6.2f %10.2f %8d %11.2f %5.1fx %8d %10d" % (
            row["objects"], row["requests"], row["requests_per_object"], row["floor_requests"], row["writes"],
            row["state_writes"], row["wall_s"], row["cpu_s"], row["latency_floor_s"], row["seq_requests"],
            row["seq_wall_s"],
            row["ratio"], row["noop"]["emulator_writes"], row["one_field"]["emulator_writes"]))
    print("median of %s runs per size. requests/writes: counted by the emulator for the apply from empty "
          "(parallelism %d; state w: of which state writes; CPU s: the applying process's, all threads); floor req: one creation, one settings write where the "
          "creation cannot carry them, one read-back per object; lat floor: requests x %d ms / %d; seq: a plain "
          "dataikuapi loop making the minimal requests, one after the other; ratio: seq wall / wall; no-op w / "
          "1-field w: writes of a no-op apply and of a one-field change" % (
              "/".join(str(r["runs"]) for r in rows) or "-", PARALLELISM, LATENCY_MS, PARALLELISM))


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--worker"]:
        return worker_main(argv[1:])
    rows = []
    runs = int(os.environ.get("BENCH_APPLY_RUNS") or RUNS)
    with tempfile.TemporaryDirectory(prefix="bench-apply-") as workdir:
        for objects in sizes_from_env("BENCH_APPLY_SIZES", SIZES):
            print("-- %d objects, %d runs ..." % (objects, runs), flush=True)
            rows.append(measure(objects, workdir, runs))
    print("apply from empty, %d ms latency per request, parallelism %d" % (LATENCY_MS, PARALLELISM))
    print_table(rows)
    return report(RESULTS, rows, targets(rows))


if __name__ == "__main__":
    sys.exit(main())
