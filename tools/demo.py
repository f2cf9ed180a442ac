"""`make demo`: the main job, end to end, on the embedded DSS emulator.

1. start the DSS emulator as a real server (state in a fresh temporary folder, removed at exit),
2. validate examples/customer_analytics.yaml with the real CLI, offline then --online,
3. apply it with the real CLI (the project and every object created through dataikuapi),
4. read them back the way any DSS script would, and show the emulator's request counters,
5. plan the unchanged configuration (no changes), then a one-field change (``daily_refresh`` at
   03:00 instead of 02:00) with the real CLI: one update, on that scenario, on that field; apply it,
6. list the applies, roll the last one back, and plan the original file again: no changes.
"""
import atexit
import os
import secrets
import shutil
import subprocess
import sys
import tempfile

import dataikuapi
import requests

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "python-lib"))

from dataiku_framework import FrameworkConfig  # noqa: E402
from dss_emulator.process import EmulatorProcess  # noqa: E402

EXAMPLE = os.path.join("examples", "customer_analytics.yaml")
STATE_PREFIX = "dss-framework-demo-"


def step(title):
    print("\n== %s" % title, flush=True)


def run_cli(args, env, expect=0):
    """Run ``dss-framework ARGS`` as a user would, stopping the demo unless it exits with ``expect``."""
    cmd = [sys.executable, "-m", "dataiku_framework.cli"] + args
    print("$ dss-framework %s" % " ".join(args), flush=True)
    code = subprocess.call(cmd, cwd=ROOT, env=env)
    if code != expect:
        raise SystemExit("demo failed: dss-framework %s exited with %d, not %d" % (args[0], code, expect))


def show_project(client, key):
    project = client.get_project(key)
    for ds in project.list_datasets():
        params = ds.get("params", {})
        where = params.get("table") or params.get("path") or ""
        print("  dataset  %-16s %-11s connection=%-18s %s" % (ds["name"], ds["type"], params.get("connection"), where))
    for raw in project.list_recipes():  # list items are the recipe definitions (dicts)
        ins = [i["ref"] for i in raw["inputs"].get("main", {}).get("items", [])]
        outs = [o["ref"] for o in raw["outputs"].get("main", {}).get("items", [])]
        print("  recipe   %-16s %-11s %s -> %s" % (raw["name"], raw["type"], ",".join(ins), ",".join(outs)))
    for sc in project.list_scenarios():
        settings = project.get_scenario(sc["id"]).get_settings()
        triggers = ["%s %02d:%02d" % (t["params"]["frequency"], t["params"].get("hour", 0), t["params"].get("minute", 0))
                    for t in settings.raw_triggers if t["type"] == "temporal"]
        print("  scenario %-16s triggers=%s steps=%d" % (sc["id"], ",".join(triggers), len(settings.raw_steps)))
    log = project.get_project_git().log()["entries"]
    print("  project git: %d commits, newest: %s" % (len(log), log[0]["message"]))


#: What DSS answers a read of something that does not exist (403 for a project, 404 for an object in it).
NOT_FOUND = (403, 404)


def request_summary(stats):
    """The emulator's counters in one line, counting as errors only the unexpected ones.

    Why: before creating anything, plan and apply ask DSS what exists; each answer "not found"
    (a read refused with 403 or 404) is a counted HTTP error but the expected outcome. Reporting
    "12 errors" for them read as a failed demo; a failed write or a server error still counts."""
    log = stats.get("log") or []
    expected = [e for e in log if not e.get("write") and e.get("status") in NOT_FOUND]
    unexpected = stats["errors"] - len(expected)
    return ("emulator served %d requests (%d reads, %d writes); %d unexpected error(s); %d read(s) answered "
            "'not found', as expected when checking what exists before creating it"
            % (stats["requests"], stats["reads"], stats["writes"], unexpected, len(expected)))


def fresh_state_dir():
    """A new, empty temporary folder for the emulator's state, removed when the demo exits.

    The demo needs an empty DSS on every run. It used to wipe a fixed folder of the repository,
    and so deleted the projects a user kept there with `dss_emulator serve --data-dir`: a folder
    of its own, that it alone created, is the only one it may remove.
    """
    state = tempfile.mkdtemp(prefix=STATE_PREFIX)
    atexit.register(shutil.rmtree, state, True)
    return state


def show_plans(env, key):
    """``dss-framework plan`` of the configuration as deployed, then of a copy with one field changed,
    applied; then the history, and a rollback of that change."""
    run_cli(["plan", EXAMPLE, "--detailed-exitcode"], env)  # exit 0: DSS matches the configuration
    with open(os.path.join(ROOT, EXAMPLE)) as handle:
        text = handle.read()
    workdir = tempfile.mkdtemp(prefix="demo-plan-")
    try:
        changed = os.path.join(workdir, os.path.basename(EXAMPLE))
        with open(changed, "w") as handle:
            handle.write(text.replace("hour: 2", "hour: 3", 1))
        print("\n  (the copy in %s runs daily_refresh at 03:00 instead of 02:00)" % workdir, flush=True)
        run_cli(["plan", changed, "--detailed-exitcode"], env, expect=2)  # 2: there are changes
        print("  plan --detailed-exitcode exited 2: there are changes")
        step("Applying the one-field change: one update, one write to DSS objects")
        run_cli(["apply", changed, "--auto-approve"], env)
        step("History, then a rollback of the last apply")
        run_cli(["history", key], env)
        run_cli(["rollback", key, "--auto-approve"], env)
        run_cli(["plan", EXAMPLE, "--detailed-exitcode"], env)  # back as the original file says
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def main():
    state = fresh_state_dir()
    api_key = secrets.token_hex(16)  # a throw-away key for this run; never printed
    emulator = EmulatorProcess(["--port", "0", "--data-dir", os.path.join(state, "emulator"),
                                "--api-key", api_key + ":admin", "--connection", "snowflake_prod:Snowflake"])
    step("Starting the DSS emulator")
    with emulator:
        print(emulator.url)
        env = dict(os.environ, DSS_HOST=emulator.url, DSS_API_KEY=api_key,
                   PYTHONPATH=os.path.join(ROOT, "python-lib"))
        step("Validating %s" % EXAMPLE)
        run_cli(["validate", EXAMPLE], env)
        run_cli(["validate", EXAMPLE, "--online"], env)

        client = dataikuapi.DSSClient(emulator.url, api_key)
        step("Applying %s: the project does not exist yet, everything is created" % EXAMPLE)
        config = FrameworkConfig.from_yaml(os.path.join(ROOT, EXAMPLE))
        run_cli(["apply", EXAMPLE, "--auto-approve"], env)

        step("Reading the project back from DSS")
        show_project(client, config.project.key)
        stats = requests.get(emulator.url + "/__emulator__/stats").json()
        print("\n  " + request_summary(stats))

        step("Planning against DSS: unchanged, then one field changed")
        show_plans(env, config.project.key)
    step("Done")


if __name__ == "__main__":
    main()
