"""Benchmark: a full ``plan`` of generated projects of 100, 1,000 and 5,000 objects against DSS with 20 ms latency.

Why: a plan must stay cheap for a shared production DSS (few requests) and fast for its user
(reads in parallel), whatever the project's size. Each project is built on an in-process DSS
emulator (no data dir) through the client with no latency, then the emulator gets 20 ms of latency
per request and two subprocesses read it in turn:

* ``plan``: ``Engine.plan`` of the generated configuration (parallelism 8);
* ``sequential``: the straightforward client script, reading each object the usual way (dataset
  settings and metadata, recipe settings, scenario settings), one request after the other.

Reported per size: requests (counted by the emulator), wall time, CPU time of the plan call (user +
system, all threads) and of its comparison phase alone, peak RSS of the process, the wall time of
the same plan with no latency (what the emulator's and the client's own work cost: the in-process
emulator serves every request under one interpreter lock, so on a small machine it, not the
latency, can set the pace), and the ratios. Targets (checked at 1,000 objects;
RSS at 5,000): requests <= recipes + scenarios + 15; wall <= 1.5 x ceil(requests / parallelism) x
latency; at least 10x faster than the sequential script; CPU < 10% of wall; peak RSS < 300 MB.

Objects: 40% datasets written by recipes, 40% recipes (python, sync, grouping, prepare, join,
sort, in turn), 20% scenarios, plus 1% source datasets (the recipes need something to read).

Usage: PYTHONPATH=python-lib python bench/bench_plan.py   (BENCH_PLAN_SIZES=100,1000 for a quick run)
Writes bench/results/plan.json.
"""

import argparse
import json
import math
import os
import platform
import resource
import secrets
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "python-lib"))

SIZES = (100, 1000, 5000)
LATENCY_MS = 20
PARALLELISM = 8
RESULTS = os.path.join(HERE, "results", "plan.json")
RECIPE_TYPES = ("python", "sync", "grouping", "prepare", "join", "sort")


def counts(objects):
    """(source datasets, produced datasets, recipes, scenarios) for a project of ``objects`` objects."""
    recipes = objects * 2 // 5
    scenarios = objects - 2 * recipes
    return max(1, objects // 100), recipes, recipes, scenarios


def _recipe(index, sources, output):
    """One recipe of the mixed kinds; inputs form a shallow tree over the sources and earlier outputs."""
    kind = RECIPE_TYPES[index % len(RECIPE_TYPES)]
    parent = "ds_%d" % ((index - 1) // 2) if index else "src_0"
    first = parent if index % 3 else "src_%d" % (index % sources)
    lines = ["  - name: recipe_%d" % index, "    type: %s" % kind]
    if kind == "join":
        lines += ["    inputs: [%s, src_%d]" % (first, (index + 1) % sources), "    join_type: left",
                  "    on: [{left: id, right: id}]"]
    else:
        lines.append("    inputs: [%s]" % first)
    lines.append("    outputs: [%s]" % output)
    if kind == "python":
        lines += ["    code: |", "      import dataiku", "      # recipe %d" % index,
                  "      df = dataiku.Dataset('%s').get_dataframe()" % first,
                  "      dataiku.Dataset('%s').write_with_schema(df)" % output]
    elif kind == "grouping":
        lines += ["    keys: [id]", "    aggregations: [{column: amount, functions: [sum, count]}]"]
    elif kind == "prepare":
        lines += ["    steps:", "      - {type: ColumnRenamer, params: {renamings: [{from: amt, to: amount}]}}"]
    elif kind == "sort":
        lines.append("    order_by: [id]")
    return lines


def generate(objects, key="BENCH_PLAN"):
    """A valid configuration of ``objects`` objects (see the module docstring for the mix)."""
    sources, produced, recipes, scenarios = counts(objects)
    lines = ['version: "1.0"', "project: {key: %s, name: Plan benchmark}" % key, "datasets:"]
    for i in range(sources):
        lines.append("  - {name: src_%d, type: Filesystem, connection: filesystem_folders, path: /bench/src_%d, "
                     "format_type: csv}" % (i, i))
    for i in range(produced):
        lines.append("  - {name: ds_%d, type: Filesystem, managed: true, format_type: csv, "
                     "description: output of recipe_%d}" % (i, i))
    lines.append("recipes:")
    for i in range(recipes):
        lines += _recipe(i, sources, "ds_%d" % i)
    lines.append("scenarios:")
    for i in range(scenarios):
        lines += ["  - name: scenario_%d" % i,
                  "    triggers: [{type: temporal, frequency: daily, hour: %d, minute: %d}]" % (i % 24, i % 60),
                  "    steps: [{type: build_flowitem, items: [ds_%d], build_mode: RECURSIVE}]" % (i % produced)]
    return "\n".join(lines) + "\n"


# -- the two readers (run in subprocesses, so that RSS and CPU are theirs alone) -------------------------------

def _usage():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def worker_plan(url, config_path):
    from dataiku_framework.config.api import load_config
    from dataiku_framework.dss.connect import connect
    from dataiku_framework.engine import Engine
    from dataiku_framework.plan import compare as compare_module
    config = load_config(config_path)
    engine = Engine(client=connect(url, os.environ["BENCH_API_KEY"]).client, parallelism=PARALLELISM)
    spent = []
    real_compare = compare_module.compare

    def timed_compare(*args, **kwargs):  # the engine looks ``compare`` up at each plan: time that phase alone
        before = _usage()
        try:
            return real_compare(*args, **kwargs)
        finally:
            spent.append(_usage() - before)
    compare_module.compare = timed_compare
    cpu, start = _usage(), time.perf_counter()
    plan = engine.plan(config)
    wall, cpu = time.perf_counter() - start, _usage() - cpu
    return {"wall_s": wall, "cpu_s": cpu, "compare_cpu_s": sum(spent), "summary": plan.summary,
            "has_changes": plan.has_changes}


def worker_sequential(url, project_key):
    """What a user would write without the framework: list, then read each object's settings one by one."""
    import dataikuapi
    project = dataikuapi.DSSClient(url, os.environ["BENCH_API_KEY"]).get_project(project_key)
    cpu, start = _usage(), time.perf_counter()
    read = 0
    for item in project.list_datasets():
        dataset = project.get_dataset(item["name"])
        dataset.get_settings()
        dataset.get_metadata()
        read += 1
    for item in project.list_recipes():
        project.get_recipe(item["name"]).get_settings()
        read += 1
    for item in project.list_scenarios():
        project.get_scenario(item["id"]).get_settings()
        read += 1
    return {"wall_s": time.perf_counter() - start, "cpu_s": _usage() - cpu, "objects_read": read}


def peak_rss_mb():
    """This process's own peak RSS, in MB.

    Why not ``ru_maxrss`` alone: Linux carries a process's high-water RSS across ``exec``, so a
    worker started by the driver (which holds the emulator and the project it built: about 400 MB at
    5,000 objects) reported the driver's peak rather than its own. ``VmHWM`` is the peak of the
    worker's own address space; where there is no ``/proc`` (macOS), ``ru_maxrss`` (bytes there)."""
    try:
        with open("/proc/self/status") as handle:
            for line in handle:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0  # kB
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1048576.0 if sys.platform == "darwin" else peak / 1024.0


def worker_main(argv):
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["plan", "sequential"])
    parser.add_argument("url")
    parser.add_argument("target", help="config path (plan) or project key (sequential)")
    args = parser.parse_args(argv)
    result = worker_plan(args.url, args.target) if args.mode == "plan" else worker_sequential(args.url, args.target)
    result["peak_rss_mb"] = peak_rss_mb()
    print(json.dumps(result))
    return 0


# -- the driver -------------------------------------------------------------------------------------------------

def _run_worker(mode, url, target, api_key, script=None, extra=()):
    """Run ``script --worker mode url target *extra`` (default: this file) in a subprocess; its JSON answer."""
    env = dict(os.environ, BENCH_API_KEY=api_key,
               PYTHONPATH=os.path.join(ROOT, "python-lib") + os.pathsep + os.environ.get("PYTHONPATH", ""))
    out = subprocess.run([sys.executable, os.path.abspath(script or __file__), "--worker", mode, url, target]
                         + [str(x) for x in extra], env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True)
    if out.returncode != 0:
        raise SystemExit("%s worker failed:\n%s" % (mode, out.stderr[-3000:]))
    return json.loads(out.stdout.strip().splitlines()[-1])


def _build(emulator, client, text, workdir):
    """Create the project on the emulator (no latency) and return the configuration's path."""
    from dataiku_framework.config.api import load_config
    from dataiku_framework import Engine
    path = os.path.join(workdir, "bench.yaml")
    with open(path, "w") as handle:
        handle.write(text)
    config = load_config(path)
    emulator.faults.configure({"latency_ms": 0})
    Engine(client=client).apply(config)
    return path


def measure(objects, workdir):
    from dss_emulator import Emulator
    api_key = secrets.token_hex(16)
    sources, produced, recipes, scenarios = counts(objects)
    emulator = Emulator(api_keys={api_key: "admin"}).start()
    try:
        client = emulator.client(api_key)
        start = time.perf_counter()
        path = _build(emulator, client, generate(objects), workdir)
        build_s = time.perf_counter() - start
        emulator.stats.reset()
        unloaded = _run_worker("plan", emulator.url, path, api_key)  # no latency: what CPU alone costs
        emulator.faults.configure({"latency_ms": LATENCY_MS})
        emulator.stats.reset()
        plan = _run_worker("plan", emulator.url, path, api_key)
        plan["requests"] = emulator.stats.snapshot(with_log=False)["requests"]
        emulator.stats.reset()
        sequential = _run_worker("sequential", emulator.url, "BENCH_PLAN", api_key)
        sequential["requests"] = emulator.stats.snapshot(with_log=False)["requests"]
    finally:
        emulator.stop()
    floor_s = math.ceil(plan["requests"] / float(PARALLELISM)) * LATENCY_MS / 1000.0
    return {"objects": objects, "datasets": sources + produced, "recipes": recipes, "scenarios": scenarios,
            "build_s": round(build_s, 2), "plan": plan, "sequential": sequential, "floor_s": round(floor_s, 3),
            "plan_no_latency_wall_s": round(unloaded["wall_s"], 3),
            "speedup": round(sequential["wall_s"] / plan["wall_s"], 2),
            "request_ratio": round(plan["requests"] / float(sequential["requests"]), 3),
            "cpu_share": round(plan["cpu_s"] / plan["wall_s"], 3),
            "compare_cpu_share": round(plan["compare_cpu_s"] / plan["wall_s"], 3)}


def targets(rows):
    """(name, PASS/FAIL/SKIP, measured) for each target of the issue."""
    by_size = {row["objects"]: row for row in rows}
    checks = []
    row = by_size.get(1000)
    if row:
        limit = row["recipes"] + row["scenarios"] + 15
        checks.append(("requests <= recipes + scenarios + 15 (= %d) at 1,000" % limit,
                       row["plan"]["requests"] <= limit, "%d" % row["plan"]["requests"]))
        checks.append(("wall <= 1.5 x floor (= %.2f s) at 1,000" % (1.5 * row["floor_s"]),
                       row["plan"]["wall_s"] <= 1.5 * row["floor_s"], "%.2f s" % row["plan"]["wall_s"]))
        checks.append(("at least 10x faster than sequential at 1,000", row["speedup"] >= 10, "%.1fx" % row["speedup"]))
        checks.append(("comparison CPU < 10% of wall at 1,000", row["compare_cpu_share"] < 0.10,
                       "%.1f%% (whole plan call: %.1f%%)" % (100 * row["compare_cpu_share"], 100 * row["cpu_share"])))
    else:
        checks += [("targets at 1,000 objects", None, "size not run")]
    row = by_size.get(5000)
    checks.append(("peak RSS < 300 MB at 5,000", row["plan"]["peak_rss_mb"] < 300 if row else None,
                   "%.0f MB" % row["plan"]["peak_rss_mb"] if row else "size not run"))
    return [(name, "SKIP" if ok is None else "PASS" if ok else "FAIL", measured) for name, ok, measured in checks]


def print_table(rows):
    header = ("objects", "requests", "wall s", "floor s", "0-lat s", "CPU s", "cmp CPU", "RSS MB", "seq req",
              "seq wall s", "speedup")
    print("%8s %9s %8s %8s %8s %7s %8s %7s %8s %10s %8s" % header)
    for row in rows:
        plan, seq = row["plan"], row["sequential"]
        print("%8d %9d %8.2f %8.2f %8.2f %7.2f %7.1f%% %7.0f %8d %10.2f %7.1fx" % (
            row["objects"], plan["requests"], plan["wall_s"], row["floor_s"], row["plan_no_latency_wall_s"],
            plan["cpu_s"], 100 * row["compare_cpu_share"], plan["peak_rss_mb"], seq["requests"], seq["wall_s"],
            row["speedup"]))
    print("0-lat s: the same plan with no latency (the emulator's and the client's own work); cmp CPU: CPU of the "
          "comparison as a share of the plan's wall time")


def sizes_from_env(name="BENCH_PLAN_SIZES", default=SIZES):
    """The sizes listed in environment variable ``name`` ("100,1000"), else ``default``."""
    text = os.environ.get(name, "").strip()
    if not text:
        return default
    return tuple(int(part) for part in text.split(",") if part.strip())


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--worker"]:
        return worker_main(argv[1:])
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-plan-") as workdir:
        for objects in sizes_from_env():
            print("-- %d objects ..." % objects, flush=True)
            rows.append(measure(objects, workdir))
    print("plan vs sequential reads, %d ms latency per request, parallelism %d" % (LATENCY_MS, PARALLELISM))
    print_table(rows)
    return report(RESULTS, rows, targets(rows))


def report(path, rows, results):
    """Print the verdicts, write ``rows`` and ``results`` as JSON to ``path``; the exit status (1 on a FAIL)."""
    for name, verdict, measured in results:
        print("%-4s %s: %s" % (verdict, name, measured))
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as handle:
        json.dump({"python": platform.python_version(), "machine": platform.machine(), "cpus": os.cpu_count(),
                   "latency_ms": LATENCY_MS, "parallelism": PARALLELISM, "results": rows,
                   "targets": [{"target": n, "verdict": v, "measured": m} for n, v, m in results]}, handle, indent=2)
    print("written", os.path.relpath(path))
    return 1 if any(verdict == "FAIL" for _, verdict, _ in results) else 0


if __name__ == "__main__":
    sys.exit(main())
