"""Benchmark: load + validate generated configurations of 100, 1,000 and 5,000 objects.

Why: the validator must stay interactive on large projects (target: 5,000
objects in under 1 s). As a baseline the same text is parsed with plain
``yaml.safe_load`` in the same run, so the ratio is comparable across machines; a second baseline,
parsing only with libyaml's C loader, shows what the checks themselves cost over bare parsing.

Usage: PYTHONPATH=python-lib python bench/bench_validate.py [--runs N]
Writes bench/results/validate.json.
"""

import argparse
import gc
import json
import os
import platform
import sys
import time

import yaml

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python-lib"))

from dataiku_framework.config import FrameworkConfig, load_and_validate  # noqa: E402

SIZES = (100, 1000, 5000)
RESULTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results", "validate.json")


def generate(objects):
    """A valid configuration with ``objects`` datasets+recipes+scenarios (about 50/40/10 %)."""
    scenarios = max(1, objects // 10)
    recipes = max(1, (objects - scenarios) * 4 // 9)
    datasets = objects - scenarios - recipes
    lines = ['version: "1.0"', "project:", "  key: BENCH", "  name: Bench", "  variables:",
             "    standard: {schema_name: RAW}", "datasets:"]
    for i in range(datasets):
        if i < datasets - recipes:
            lines += ["  - name: src_%d" % i, "    type: Snowflake", "    connection: snowflake_prod",
                      "    sql_schema: ${schema_name}", "    table: T_%d" % i, "    tags: [source, raw]"]
        else:
            lines += ["  - name: ds_%d" % i, "    type: Filesystem", "    managed: true", "    format_type: parquet",
                      "    schema:", "      - {name: id, type: bigint}", "      - {name: label, type: string}"]
    lines.append("recipes:")
    first_out = datasets - recipes
    for r in range(recipes):
        source = "src_%d" % (r % max(1, first_out)) if r % 3 == 0 or r == 0 else "ds_%d" % (first_out + r - 1)
        lines += ["  - name: recipe_%d" % r, "    type: %s" % ("python" if r % 2 else "grouping"),
                  "    inputs: [%s]" % source, "    outputs: [ds_%d]" % (first_out + r)]
        lines += ["    code: |", "      import dataiku", "      print(%d)" % r] if r % 2 else \
                 ["    keys: [id]", "    aggregations: [{column: label, functions: [count]}]"]
    lines.append("scenarios:")
    for s in range(scenarios):
        lines += ["  - name: scenario_%d" % s, "    triggers:",
                  "      - {type: temporal, frequency: daily, hour: %d, minute: 0}" % (s % 24),
                  "    steps:", "      - {type: build_flowitem, items: [ds_%d], build_mode: RECURSIVE}" % (
                      first_out + s % recipes)]
    return "\n".join(lines) + "\n"


def best_of(runs, function):
    """Best wall time of ``runs`` calls (GC collected between runs, as a long-lived process would be)."""
    best = float("inf")
    for _ in range(runs):
        gc.collect()
        start = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - start)
    return best


def measure(objects, runs):
    text = generate(objects)
    loaded, diagnostics = load_and_validate(text)
    errors = [d.format() for d in diagnostics if d.is_error]
    if errors:
        raise SystemExit("generated configuration is invalid:\n" + "\n".join(errors[:5]))
    baseline = best_of(runs, lambda: yaml.safe_load(text))
    c_loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    c_baseline = best_of(runs, lambda: yaml.load(text, Loader=c_loader))
    validate = best_of(runs, lambda: load_and_validate(text))
    model = best_of(runs, lambda: FrameworkConfig.from_yaml(text))
    return {"objects": objects, "bytes": len(text), "baseline_safe_load_s": round(baseline, 4),
            "baseline_c_parse_s": round(c_baseline, 4),
            "load_validate_s": round(validate, 4), "load_validate_model_s": round(model, 4),
            "ratio": round(validate / baseline, 3), "ratio_to_c_parse": round(validate / c_baseline, 3)}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    rows = [measure(n, args.runs) for n in SIZES]
    print("%8s %13s %13s %12s %12s %9s %9s" % ("objects", "safe_load s", "C parse s", "validate s", "+model s",
                                               "/safe_ld", "/C parse"))
    for row in rows:
        print("%8d %13.4f %13.4f %12.4f %12.4f %9.3f %9.3f" % (
            row["objects"], row["baseline_safe_load_s"], row["baseline_c_parse_s"], row["load_validate_s"],
            row["load_validate_model_s"], row["ratio"], row["ratio_to_c_parse"]))
    os.makedirs(os.path.dirname(RESULTS), exist_ok=True)
    with open(RESULTS, "w") as handle:
        json.dump({"python": platform.python_version(), "machine": platform.machine(), "cpus": os.cpu_count(),
                   "libyaml": bool(getattr(yaml, "__with_libyaml__", False)), "runs": args.runs, "results": rows},
                  handle, indent=2)
    print("written", os.path.relpath(RESULTS))
    return 0 if rows[-1]["load_validate_s"] < 1.0 else 1


if __name__ == "__main__":
    sys.exit(main())
