"""Benchmark: ``Engine.apply`` from empty of generated projects of 100 and 1,000 objects against DSS
with 20 ms latency, against the same apply run sequentially (``parallelism=1``).

Why: apply writes to a shared production DSS; it must send few writes (no write when nothing
changes, six for a one-field change) and use its bounded parallelism to stay quick on large
projects. The projects are bench_plan's generated ones (same mix: 40% datasets written by recipes,
40% recipes of six types, 20% scenarios, 1% sources), on bench_plan's in-process emulator, applied
by a subprocess (bench_plan's worker runner) so that the client's work is its own.

Per size: the parallel apply from empty (writes counted by the emulator and by the result, wall
time), the same apply with ``parallelism=1`` on another project key of the same run (its wall time,
and the ratio), then on the parallel project a no-op apply (its writes: 0 expected) and a one-field
change (one scenario's trigger hour: 6 writes expected, namely lock acquire, "before" checkpoint tag,
the scenario's save, the state, "after" checkpoint tag, lock release).

The sequential baseline of 1,000 objects takes minutes (every resource is followed by a state write
of the whole state); it is measured on the sizes in BENCH_APPLY_SEQ_SIZES (default: 100 only) and
reported as "not run" elsewhere.

Usage: PYTHONPATH=python-lib python bench/bench_apply.py  (BENCH_APPLY_SIZES=100 for a quick run)
Writes bench/results/apply.json.
"""
import json
import os
import secrets
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "python-lib"))

from bench_plan import (LATENCY_MS, PARALLELISM, _run_worker, counts, generate, report,  # noqa: E402
                        sizes_from_env)

SIZES = (100, 1000)
SEQUENTIAL_SIZES = (100,)
RESULTS = os.path.join(HERE, "results", "apply.json")
#: Write budget of a one-field change (see the module docstring) and of a no-op apply.
ONE_FIELD_WRITES = 6
NOOP_WRITES = 0
#: Requests a one-field change may make beyond a no-op apply's (its plan): the lock, the plan under it
#: (lists, state), the checkpoints, the object's read-modify-write and read-back, the state write.
ONE_FIELD_EXTRA_READS = 50
#: The tool's own writes, told apart in the results: (name, part of the request path).
OWN_WRITES = (("state", "dataiku-framework/state.json"), ("lock", "dataiku-framework/lock.json"),
              ("checkpoint", "/git/tags"))


# -- the worker (a subprocess) ----------------------------------------------------------------------------------

def worker_apply(url, config_path, parallelism, hour=None):
    from dataiku_framework.config.api import load_config
    from dataiku_framework.dss.connect import connect
    from dataiku_framework.engine import Engine
    config = load_config(config_path)
    if hour is not None:
        config.scenarios[0].triggers[0].hour = int(hour)
    engine = Engine(client=connect(url, os.environ["BENCH_API_KEY"]).client, parallelism=int(parallelism))
    start = time.perf_counter()
    result = engine.apply(config)
    wall = time.perf_counter() - start
    return {"wall_s": wall, "writes": result.writes, "succeeded": result.succeeded, "counts": result.counts,
            "resources": len(result.results), "failed": [(r.address, r.error) for r in result.results
                                                         if r.status != "succeeded"][:5]}


def worker_main(argv):
    mode, url, target = argv[:3]
    assert mode == "apply", mode
    print(json.dumps(worker_apply(url, target, *argv[3:])))
    return 0


# -- the driver -------------------------------------------------------------------------------------------------

def _config_file(workdir, objects, key):
    path = os.path.join(workdir, "%s.yaml" % key)
    with open(path, "w") as handle:
        handle.write(generate(objects, key=key))
    return path


def _apply(emulator, api_key, path, parallelism, hour=None):
    emulator.stats.reset()
    extra = [parallelism] + ([hour] if hour is not None else [])
    out = _run_worker("apply", emulator.url, path, api_key, script=__file__, extra=extra)
    stats = emulator.stats.snapshot(with_log=True)
    out["emulator_writes"], out["requests"] = stats["writes"], stats["requests"]
    paths = [e["path"] for e in stats["log"] if e["write"]]
    out["own_writes"] = {name: sum(1 for p in paths if part in p) for name, part in OWN_WRITES}
    if not out["succeeded"]:
        raise SystemExit("apply of %s failed: %s" % (path, out["failed"]))
    return out


def measure(objects, workdir, sequential):
    from dss_emulator import Emulator
    api_key = secrets.token_hex(16)
    sources, produced, recipes, scenarios = counts(objects)
    emulator = Emulator(api_keys={api_key: "admin"}).start()
    emulator.stats.keep = 10 ** 6  # the whole request log, to tell the tool's own writes apart
    try:
        emulator.faults.configure({"latency_ms": LATENCY_MS})
        path = _config_file(workdir, objects, "BENCH_APPLY")
        parallel = _apply(emulator, api_key, path, PARALLELISM)
        noop = _apply(emulator, api_key, path, PARALLELISM)
        one_field = _apply(emulator, api_key, path, PARALLELISM, hour=23)
        seq = None
        if sequential:
            seq = _apply(emulator, api_key, _config_file(workdir, objects, "BENCH_APPLY_SEQ"), 1)
    finally:
        emulator.stop()
    row = {"objects": sources + produced + recipes + scenarios, "datasets": sources + produced, "recipes": recipes,
           "scenarios": scenarios, "parallel": parallel, "noop": noop, "one_field": one_field, "sequential": seq,
           "speedup": round(seq["wall_s"] / parallel["wall_s"], 2) if seq else None}
    return row


def targets(rows):
    checks = []
    for row in rows:
        n = row["objects"]
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
                       row["parallel"]["writes"] == row["parallel"]["emulator_writes"],
                       "%d / %d" % (row["parallel"]["writes"], row["parallel"]["emulator_writes"])))
        if row["speedup"] is not None:
            checks.append(("parallel faster than sequential (%d objects)" % n, row["speedup"] > 1,
                           "%.1fx" % row["speedup"]))
    return [(name, "PASS" if ok else "FAIL", measured) for name, ok, measured in checks]


def print_table(rows):
    header = ("objects", "writes", "state w", "requests", "wall s", "seq wall s", "speedup", "no-op w", "no-op req",
              "1-field w", "1-field req", "1-field s")
    print("%8s %8s %8s %9s %8s %11s %8s %8s %9s %9s %11s %9s" % header)
    for row in rows:
        p, s = row["parallel"], row["sequential"]
        print("%8d %8d %8d %9d %8.2f %11s %8s %8d %9d %9d %11d %9.2f" % (
            row["objects"], p["emulator_writes"], p["own_writes"]["state"], p["requests"], p["wall_s"],
            "%.2f" % s["wall_s"] if s else "not run", "%.1fx" % row["speedup"] if s else "-",
            row["noop"]["emulator_writes"], row["noop"]["requests"], row["one_field"]["emulator_writes"],
            row["one_field"]["requests"], row["one_field"]["wall_s"]))
    print("writes/requests: counted by the emulator for the apply from empty (state w: of which state writes); "
          "seq: the same apply with "
          "parallelism 1 (another project of the same run); no-op w / 1-field w (req): writes (requests) of a "
          "no-op apply and of a one-field change on the applied project")


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--worker"]:
        return worker_main(argv[1:])
    rows = []
    sequential = sizes_from_env("BENCH_APPLY_SEQ_SIZES", SEQUENTIAL_SIZES)
    with tempfile.TemporaryDirectory(prefix="bench-apply-") as workdir:
        for objects in sizes_from_env("BENCH_APPLY_SIZES", SIZES):
            print("-- %d objects ..." % objects, flush=True)
            rows.append(measure(objects, workdir, objects in sequential))
    print("apply from empty, %d ms latency per request, parallelism %d" % (LATENCY_MS, PARALLELISM))
    print_table(rows)
    return report(RESULTS, rows, targets(rows))


if __name__ == "__main__":
    sys.exit(main())
