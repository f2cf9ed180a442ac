"""Benchmark: the plan-review webapp in headless Chromium (issue 15's speed targets).

Why: a reviewer opens a stored plan and must be able to act on it at once, whatever its size, and
read the flow of a real project. Measured in the browser (performance.now and the page's
performance marks), on the local stand-in of DSS's webapp frame over an in-process emulator:

* ``detail``: a stored plan of ~1,000 resources (bench_plan's generator: datasets, recipes of six
  kinds, scenarios; every one a create, so every one is listed), from the click to the page being
  interactive (rendered, one animation frame painted, the main thread free again), split into the
  backend's answer (``fetched``: the stored plan read from the project library and its digest
  checked) and the rendering; the staleness check runs after, and is not counted (by design);
* ``flow``: the flow of a ~300-node plan drawn (layout + SVG + one painted frame); the ~1,000-node
  flow for information.

Targets: detail < 1 s, flow(300) < 1 s (median of REPEAT runs). Needs Debian's chromium and
chromium-driver (``make chromium``) and selenium; says so and exits 0 when they are missing.
Usage: PYTHONPATH=python-lib python bench/bench_webapp.py. Writes bench/results/webapp.json and a
screenshot of the 300-node flow, .screenshots/webapp/flow-300.png.
"""
import json
import os
import statistics
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path[:0] = [HERE, os.path.join(ROOT, "python-lib"), os.path.join(ROOT, "tests", "python"),
                os.path.join(ROOT, "tests", "python", "webapp")]

KEY = "BENCH_WEBAPP"
REPEAT = 5
RESULTS = os.path.join(HERE, "results", "webapp.json")
SHOTS = os.path.join(ROOT, ".screenshots", "webapp")

# each run starts once the staleness check the previous one started is over (one open, one check, as
# a reviewer does); the check itself runs after the page is interactive and is not counted
OPEN_JS = """
var done = arguments[arguments.length - 1], planId = arguments[0], t0;
function idle() { return document.getElementById("dkf-check").textContent.indexOf("Checking") < 0; }
(function start() { if (!idle()) { setTimeout(start, 50); return; }
t0 = performance.now();
performance.clearMarks();
window.dkfReview.openPlan(planId).then(function () {
  requestAnimationFrame(function () { setTimeout(function () {
    var m = {}; performance.getEntriesByType("mark").forEach(function (e) { m[e.name] = e.startTime; });
    done({total: performance.now() - t0, fetched: m["dkf-detail-fetched"] - t0, shown: m["dkf-detail-shown"] - t0,
          rows: document.querySelectorAll("#dkf-resources details").length});
  }, 0); });
}); })();
"""

FLOW_JS = """
var done = arguments[arguments.length - 1], t0 = performance.now();
window.dkfReview.showFlow();
requestAnimationFrame(function () { setTimeout(function () {
  done({total: performance.now() - t0, nodes: document.querySelectorAll("#dkf-flow g.dkf-node").length,
        edges: document.querySelectorAll("#dkf-flow path.dkf-edge").length});
}, 0); });
"""


def store_plans(client, sizes, tmp):
    """Plan the generated configuration of each size (written in ``tmp``, kept for the staleness
    checks the page makes after showing a plan) in project KEY and store it; {size: plan id}."""
    from bench_plan import generate
    from dataiku_framework.config.api import load_config
    from dataiku_framework.engine import Engine
    from dataiku_framework.state.plans import PlanStore
    client.create_project(KEY, "Webapp benchmark", "admin")
    engine, ids = Engine(client=client), {}
    for size in sizes:
        path = os.path.join(tmp, "bench-%d.yaml" % size)
        with open(path, "w") as handle:
            handle.write(generate(size, key=KEY))
        plan = engine.plan(load_config(path), config_source=path)
        ids[size] = PlanStore(client, KEY).save(plan).id
    return ids


def measure(driver, script, *args):
    runs = [driver.execute_async_script(script, *args) for _ in range(REPEAT)]
    out = {k: round(statistics.median(r[k] for r in runs), 1) for k in runs[0] if k in ("total", "fetched", "shown")}
    out["max_total"] = round(max(r["total"] for r in runs), 1)
    out.update({k: runs[0][k] for k in runs[0] if k in ("rows", "nodes", "edges")})
    return out


def main():
    from review_frame import CHROMIUM, DRIVER, FrameServer, start_chromium, use_standin
    try:
        import selenium  # noqa: F401
        import flask  # noqa: F401
    except ImportError as error:
        print("bench_webapp: skipped, %s (pip install -r requirements-dev.txt)" % error)
        return 0
    if not (os.path.exists(CHROMIUM) and os.path.exists(DRIVER)):
        print("bench_webapp: skipped, Debian's chromium and chromium-driver are not installed (make chromium)")
        return 0
    import logging
    from emusupport import ADMIN_KEY, make_emulator
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # the frame's request log
    emulator = make_emulator()
    server = driver = undo = None
    tmp = tempfile.TemporaryDirectory()
    try:
        client = emulator.client(ADMIN_KEY)
        ids = store_plans(client, (1000, 300), tmp.name)
        undo = use_standin(emulator.url, ADMIN_KEY, KEY, {})
        server = FrameServer(emulator, KEY)
        driver = start_chromium()
        driver.set_script_timeout(120)
        driver.get(server.url + "/login?user=admin")
        driver.execute_async_script("var done = arguments[0]; (function wait() { "
                                    "if (document.getElementById('dkf-who').textContent) { done(); } "
                                    "else { setTimeout(wait, 50); } })();")
        rows = {"detail_1000": measure(driver, OPEN_JS, ids[1000]), "flow_1000": measure(driver, FLOW_JS)}
        driver.execute_async_script(OPEN_JS, ids[300])
        rows["detail_300"] = measure(driver, OPEN_JS, ids[300])
        rows["flow_300"] = measure(driver, FLOW_JS)
        os.makedirs(SHOTS, exist_ok=True)
        driver.save_screenshot(os.path.join(SHOTS, "flow-300.png"))
    finally:
        if driver is not None:
            driver.quit()
        if server is not None:
            server.stop()
        emulator.stop()
        tmp.cleanup()
        if undo is not None:
            undo()
    report(rows)
    return 0


def report(rows):
    print("%-12s %8s %10s %10s %10s  %s" % ("case", "median", "max", "fetched", "shown", "size"))
    for name, row in rows.items():
        size = ", ".join("%s %s" % (row[k], k) for k in ("rows", "nodes", "edges") if k in row)
        print("%-12s %6.0fms %8.0fms %10s %10s  %s" % (name, row["total"], row["max_total"],
                                                      "%.0fms" % row["fetched"] if "fetched" in row else "-",
                                                      "%.0fms" % row["shown"] if "shown" in row else "-", size))
    targets = {"detail_1000 interactive < 1 s": rows["detail_1000"]["total"] < 1000,
               "flow_300 drawn < 1 s": rows["flow_300"]["total"] < 1000}
    for name, met in targets.items():
        print("target %s: %s" % (name, "met" if met else "NOT met"))
    os.makedirs(os.path.dirname(RESULTS), exist_ok=True)
    with open(RESULTS, "w") as handle:
        json.dump({"rows": rows, "targets": targets, "repeat": REPEAT}, handle, indent=2)


if __name__ == "__main__":
    sys.exit(main())
