"""Scenarios: definitions, python payloads, synchronous runs, run history and trigger fires.

``POST .../run`` fires the implicit manual trigger and runs the scenario before answering, so the
client's first ``get-run-for-trigger`` already sees a finished run. How steps run:

* ``build_flowitem`` starts one job (through :mod:`.jobs`) for all its builds; a build naming an
  object that does not exist, or a FAILED job, fails the step.
* ``set_project_vars`` updates the project's variables, as DSS does.
* Every other step type (SQL, checks, metrics, python, macros...) is not executed and succeeds.
* Steps run according to ``runConditionType``: RUN_IF_STATUS_MATCH compares the scenario's
  current outcome with ``runConditionStatuses``; RUN_ALWAYS always runs; RUN_CONDITIONALLY
  expressions are not evaluated (the step runs). Disabled steps are skipped.
* ``custom_python`` scenarios finish SUCCESS without executing their script (the emulator runs
  no user code).

The scenario's outcome is the worst step outcome.
"""
import copy
import datetime
import logging

from .. import errors
from ..checks import NUMBER, check_types, normalise_tags, require_fields
from ..ids import random_id, slug_id, timestamp_id
from ..routing import route
from ..server import Text
from ..shapes_scenarios import (LIGHT_EDITABLE, SCRIPT_TEMPLATE, fill, light, manual_trigger_fire, new_scenario,
                                result, scenario_run, step_run, summary, thrown, worst)
from ..stamps import now_ms, stamp_new, stamp_update
from .jobs import start_job
from .projects import project_of

BASE = "/projects/{projectKey}/scenarios"
ONE = BASE + "/{scenarioId}"
SCENARIO_TYPES = ("step_based", "custom_python")
RUN_ID_FORMAT = "%Y-%m-%d-%H-%M-%S-%f"
DKU_EXCEPTION = "com.dataiku.dip.exceptions.DKUException"
LOG = logging.getLogger("dss_emulator")


def _scenario(ctx, project_key, sid):
    scenario = project_of(ctx, project_key).scenarios.get(sid)
    if scenario is None:
        raise errors.not_found("Scenario %s.%s does not exist" % (project_key, sid))
    return scenario


def _runs(ctx, project_key, sid):
    return project_of(ctx, project_key).scenario_runs.setdefault(sid, [])


SCENARIO_FIELDS = {"name": str, "type": str, "active": bool, "triggers": list, "reporters": list, "params": dict,
                   "tags": list, "markedAsTest": bool}
STEP_FIELDS = {"id": str, "name": str, "type": str, "enabled": bool, "alwaysShowComment": bool,
               "runConditionType": str, "runConditionStatuses": list, "runConditionExpression": str,
               "resetScenarioStatus": bool, "delayBetweenRetries": NUMBER, "maxRetriesOnFail": NUMBER, "params": dict}
TRIGGER_FIELDS = {"id": str, "name": str, "type": str, "active": bool, "delay": NUMBER, "params": dict,
                  "graceDelaySettings": dict}
REPORTER_FIELDS = {"id": str, "name": str, "active": bool, "phase": str, "runConditionEnabled": bool,
                   "runCondition": str, "messaging": dict}


def _validate(body):
    """Types DSS would refuse to deserialise (down to steps, triggers and reporters): answer 400
    rather than store what a run would trip over."""
    check_types(body, SCENARIO_FIELDS, "Scenario field")
    if body.get("type") is not None and body["type"] not in SCENARIO_TYPES:
        raise errors.bad_request("Unknown scenario type %r (expected step_based or custom_python)" % body["type"])
    steps = (body.get("params") or {}).get("steps")
    if steps is not None and not isinstance(steps, list):
        raise errors.bad_request("'params.steps' must be a list of objects")
    for key, items, fields in (("triggers", body.get("triggers"), TRIGGER_FIELDS),
                               ("reporters", body.get("reporters"), REPORTER_FIELDS),
                               ("params.steps", steps, STEP_FIELDS)):
        for i, item in enumerate(items or []):
            if not isinstance(item, dict):
                raise errors.bad_request("Every item of '%s' must be an object" % key)
            check_types(item, fields, "%s[%d] field" % (key, i))
    for i, step in enumerate(steps or []):
        statuses = step.get("runConditionStatuses")
        if statuses is not None and not all(isinstance(s, str) for s in statuses):
            raise errors.bad_request("params.steps[%d].runConditionStatuses must be a list of strings" % i)


# -- definitions --------------------------------------------------------------------------------
@route("GET", BASE, perm="read")
def list_scenarios(ctx, projectKey):
    p = project_of(ctx, projectKey)
    return [summary(d, p.scenario_runs.get(sid, [])) for sid, d in sorted(p.scenarios.items())]


@route("POST", BASE, perm="write", git="Created scenario")
def create_scenario(ctx, projectKey):
    """DSS derives the id from the name (upper-cased, non-alphanumerics to ``_``, made unique)."""
    p = project_of(ctx, projectKey)
    body = ctx.json_object()
    _validate(body)
    if not (body.get("name") or "").strip():
        raise errors.bad_request("A scenario name is required")
    sid = slug_id(body["name"], set(p.scenarios), fallback="SCENARIO")
    scenario = stamp_new(new_scenario(body, projectKey, sid), ctx.login)
    p.scenarios[sid] = scenario
    if scenario["type"] == "custom_python":
        p.scenario_scripts[sid] = SCRIPT_TEMPLATE
    ctx.touch("scenario", sid)
    ctx.git_message = "Created scenario %s" % sid
    return {"id": sid}


@route("GET", ONE, perm="read")
def get_scenario(ctx, projectKey, scenarioId):
    return copy.deepcopy(_scenario(ctx, projectKey, scenarioId))


@route("PUT", ONE, perm="write", git="Saved scenario {scenarioId}")
def save_scenario(ctx, projectKey, scenarioId):
    """A full save: the body replaces the definition (keys left out are gone); ids, project key,
    type and stamps stay server-owned; DSS's defaults (trigger/step ids...) are filled."""
    old = _scenario(ctx, projectKey, scenarioId)
    body = ctx.json_object()
    _validate(body)
    if body.get("type") not in (None, old["type"]):
        raise errors.bad_request("Cannot change the type of scenario %s from %s to %s"
                                 % (scenarioId, old["type"], body["type"]))
    if isinstance(body.get("name"), str) and not body["name"].strip():
        body["name"] = None  # a blank name is no name
    require_fields(body, ("name",), "Scenario %s.%s" % (projectKey, scenarioId))
    new = copy.deepcopy(body)
    new.update({"projectKey": projectKey, "id": scenarioId, "type": old["type"]})
    project_of(ctx, projectKey).scenarios[scenarioId] = stamp_update(fill(new), old, ctx.login)
    ctx.touch("scenario", scenarioId)
    return {"msg": "Saved scenario %s" % scenarioId}


@route("DELETE", ONE, perm="write", git="Deleted scenario {scenarioId}")
def delete_scenario(ctx, projectKey, scenarioId):
    _scenario(ctx, projectKey, scenarioId)
    p = project_of(ctx, projectKey)
    del p.scenarios[scenarioId]
    p.scenario_scripts.pop(scenarioId, None)
    p.scenario_runs.pop(scenarioId, None)
    ctx.touch("scenario", scenarioId)
    return {"msg": "Deleted scenario %s" % scenarioId}


@route("GET", ONE + "/light", perm="read")
def get_light(ctx, projectKey, scenarioId):
    return light(_scenario(ctx, projectKey, scenarioId))


@route("PUT", ONE + "/light", perm="write", git="Saved scenario {scenarioId}")
def save_light(ctx, projectKey, scenarioId):
    """Only ``active``, ``checklists``, ``description``, ``shortDesc`` and ``tags`` change here."""
    old = _scenario(ctx, projectKey, scenarioId)
    body = ctx.json_object()
    _validate({k: body.get(k) for k in LIGHT_EDITABLE})
    new = copy.deepcopy(old)
    for key in LIGHT_EDITABLE:
        if key in body:
            new[key] = copy.deepcopy(body[key])
    new["tags"] = normalise_tags(new.get("tags"))
    project_of(ctx, projectKey).scenarios[scenarioId] = stamp_update(new, old, ctx.login)
    ctx.touch("scenario", scenarioId)
    return light(new)


@route("GET", ONE + "/payload", perm="read")
def get_payload(ctx, projectKey, scenarioId):
    scenario = _scenario(ctx, projectKey, scenarioId)
    if scenario.get("type") == "step_based":
        raise errors.bad_request("Scenario %s is step-based: it has no script" % scenarioId)
    return {"script": project_of(ctx, projectKey).scenario_scripts.get(scenarioId, "")}


@route("PUT", ONE + "/payload", perm="write", git="Saved scenario {scenarioId} script")
def save_payload(ctx, projectKey, scenarioId):
    scenario = _scenario(ctx, projectKey, scenarioId)
    if scenario.get("type") == "step_based":
        raise errors.bad_request("Scenario %s is step-based: it has no script" % scenarioId)
    script = ctx.json_object().get("script")
    if not isinstance(script, str):
        raise errors.bad_request("'script' must be a string")
    p = project_of(ctx, projectKey)
    p.scenario_scripts[scenarioId] = script
    p.scenarios[scenarioId] = stamp_update(copy.deepcopy(scenario), scenario, ctx.login)
    ctx.touch("scenario", scenarioId)
    return {"msg": "Saved"}


# -- running ------------------------------------------------------------------------------------
@route("POST", ONE + "/run", perm="write", git="Ran scenario {scenarioId}")
def run_scenario(ctx, projectKey, scenarioId):
    """Fire the manual trigger and run the scenario to completion (see the module docstring)."""
    scenario = _scenario(ctx, projectKey, scenarioId)
    params = ctx.json(default={})
    if not isinstance(params, dict):
        raise errors.bad_request("Scenario run parameters must be a JSON object")
    runs = _runs(ctx, projectKey, scenarioId)
    fire = manual_trigger_fire(params, random_id(8, {r["triggerFire"]["runId"] for r in runs}), ctx.login, now_ms())
    run_id, start = timestamp_id(now_ms(), RUN_ID_FORMAT, {r["scenarioRun"]["runId"] for r in runs})
    record = {"triggerFire": fire, "scenarioRun": scenario_run(scenario, run_id, fire, ctx.login, start),
              "stepRuns": [], "log": []}
    runs.append(record)
    _execute(ctx, record, scenario)
    return copy.deepcopy(fire)


def _execute(ctx, record, scenario):
    """Run the steps and end the run. A step the emulator cannot execute (a definition stored
    without validation, e.g. from a seeded export) fails the run: it never stays "running"."""
    run = record["scenarioRun"]
    _log(record, "Run %s of scenario %s started by %s" % (run["runId"], scenario["id"], ctx.login))
    try:
        outcome, error = worst(_run_steps(ctx, record, scenario, run)), None
    except errors.DSSError as e:
        outcome, error = "FAILED", thrown(e.error_type, e.detailed)
    except Exception as e:  # noqa: BLE001 -- any failure must end the run, as DSS ends a crashed run
        LOG.exception("scenario run %s of %s failed", run["runId"], scenario["id"])
        outcome, error = "FAILED", thrown(DKU_EXCEPTION, "The scenario run failed: %s: %s" % (type(e).__name__, e))
    run["end"] = now_ms()
    run["result"] = result(outcome, run["start"], run["end"], error)
    _log(record, "Scenario run %s%s" % (outcome, ": %s" % error["message"] if error else ""))


def _run_steps(ctx, record, scenario, run):
    """Run the steps in order; returns their outcomes."""
    outcomes = []
    if scenario.get("type") == "custom_python":
        _log(record, "Custom python scenario: the script is not executed by the emulator")
    steps = []
    if scenario.get("type") == "step_based":
        steps = (scenario.get("params") or {}).get("steps") or []
    for step in steps:
        if not _should_run(step, worst(outcomes)):
            _log(record, "Step %s skipped" % step.get("name"))
            continue
        srun = step_run(step, run["runId"], now_ms())
        outcome, error = _run_step(ctx, record, step, srun)
        srun["end"] = now_ms()
        srun["result"] = result(outcome, srun["start"], srun["end"], error)
        record["stepRuns"].append(srun)
        outcomes.append(outcome)
        _log(record, "Step %s done: %s" % (step.get("name"), outcome), step.get("id"))
    return outcomes


def _should_run(step, current):
    if not step.get("enabled", True):
        return False
    if step.get("runConditionType", "RUN_IF_STATUS_MATCH") == "RUN_IF_STATUS_MATCH":
        return current in (step.get("runConditionStatuses") or ["SUCCESS", "WARNING"])
    return True


def _run_step(ctx, record, step, srun):
    """Returns (outcome, thrown or None)."""
    params = step.get("params") if isinstance(step.get("params"), dict) else {}
    if step.get("type") == "build_flowitem":
        return _build_step(ctx, record, step, params, srun)
    if step.get("type") == "set_project_vars" and isinstance(params.get("variables"), dict):
        project = project_of(ctx, record["scenarioRun"]["scenario"]["projectKey"])
        project.variables.setdefault("standard", {}).update(copy.deepcopy(params["variables"]))
        ctx.touch("project")
        return "SUCCESS", None
    _log(record, "Step type %s is not executed by the emulator" % step.get("type"), step.get("id"))
    return "SUCCESS", None


def _build_step(ctx, record, step, params, srun):
    project = project_of(ctx, record["scenarioRun"]["scenario"]["projectKey"])
    builds = params.get("builds") if isinstance(params.get("builds"), list) else []
    if not builds:
        return "SUCCESS", None
    outputs = [{"type": b.get("type") or "DATASET", "id": b.get("itemId"), "projectKey": b.get("projectKey"),
                "partition": b.get("partitionsSpec") or None} for b in builds if isinstance(b, dict)]
    definition = {"type": params.get("jobType") or "RECURSIVE_BUILD", "outputs": outputs,
                  "refreshHiveMetastore": bool(params.get("refreshHiveMetastore", False)),
                  "autoUpdateSchemaBeforeEachRecipeRun": bool(params.get("autoUpdateSchemaBeforeEachRecipeRun",
                                                                         False))}
    try:
        job = start_job(ctx.instance, project, definition, ctx.login, triggered_from="SCENARIO")
    except errors.DSSError as e:
        _log(record, "Build failed: %s" % e.detailed, step.get("id"))
        return "FAILED", thrown(e.error_type, e.detailed)
    state = job["baseStatus"]["state"]
    item = {"type": "JOB_EXECUTED", "jobId": job["jobId"], "outcome": "SUCCESS" if state == "DONE" else "FAILED",
            "target": {"projectKey": project.key, "type": "JOB"}}
    if state != "DONE":
        item["thrown"] = thrown(DKU_EXCEPTION,
                                job["baseStatus"].get("firstFailure", {}).get("message", "Job failed"))
    srun["additionalReportItems"].append(item)
    _log(record, "Job %s %s" % (job["jobId"], state), step.get("id"))
    return item["outcome"], item.get("thrown")


def _log(record, message, step_id=None):
    record["log"].append({"time": now_ms(), "stepId": step_id, "message": message})


@route("POST", ONE + "/abort", perm="write", writes=False)
def abort_scenario(ctx, projectKey, scenarioId):
    """Runs finish before ``run`` answers: there is never anything to abort."""
    _scenario(ctx, projectKey, scenarioId)
    return {}


def _find_run(ctx, project_key, sid, run_id):
    for rec in _runs(ctx, project_key, sid):
        if rec["scenarioRun"]["runId"] == run_id:
            return rec
    raise errors.not_found("Run %s of scenario %s.%s does not exist" % (run_id, project_key, sid))


@route("GET", ONE + "/get-run-for-trigger", perm="read")
def run_for_trigger(ctx, projectKey, scenarioId):
    """``{"scenarioRun": ...}``, or ``{}`` for a trigger fire that started no run (yet)."""
    _scenario(ctx, projectKey, scenarioId)
    wanted = ctx.q("triggerRunId")
    for rec in _runs(ctx, projectKey, scenarioId):
        if rec["triggerFire"]["runId"] == wanted:
            return {"scenarioRun": copy.deepcopy(rec["scenarioRun"])}
    return {}


@route("GET", ONE + "/get-last-runs", perm="read")
def last_runs(ctx, projectKey, scenarioId):
    _scenario(ctx, projectKey, scenarioId)
    limit = ctx.qint("limit", 10)
    runs = [rec["scenarioRun"] for rec in reversed(_runs(ctx, projectKey, scenarioId))]
    if ctx.qbool("onlyFinishedRuns"):
        runs = [r for r in runs if "result" in r]
    return copy.deepcopy(runs[:max(limit, 0)])


@route("GET", ONE + "/get-runs-by-date", perm="read")
def runs_by_date(ctx, projectKey, scenarioId):
    """Runs started in [fromDate, toDate) (``YYYY-MM-DD``, server local time), newest first."""
    _scenario(ctx, projectKey, scenarioId)
    start, end = _day_ms(ctx.q("fromDate"), 0), _day_ms(ctx.q("toDate"), None)
    runs = [rec["scenarioRun"] for rec in reversed(_runs(ctx, projectKey, scenarioId))]
    return copy.deepcopy([r for r in runs if r["start"] >= start and (end is None or r["start"] < end)])


def _day_ms(value, default):
    if not value:
        return default
    try:
        day = datetime.datetime.strptime(value[:10], "%Y-%m-%d")
    except ValueError:
        raise errors.bad_request("Invalid date %r: expected YYYY-MM-DD" % value)
    return int(day.timestamp() * 1000)


@route("GET", BASE + "/trigger/{scenarioId}/{triggerId}", perm="read")
def get_trigger_fire(ctx, projectKey, scenarioId, triggerId):
    _scenario(ctx, projectKey, scenarioId)
    wanted = ctx.q("triggerRunId")
    for rec in _runs(ctx, projectKey, scenarioId):
        fire = rec["triggerFire"]
        if fire["trigger"]["id"] == triggerId and fire["runId"] == wanted:
            return copy.deepcopy(fire)
    raise errors.not_found("Trigger fire %s/%s of scenario %s does not exist" % (triggerId, wanted, scenarioId))


@route("GET", ONE + "/{runId}", perm="read")
def get_run(ctx, projectKey, scenarioId, runId):
    _scenario(ctx, projectKey, scenarioId)
    rec = _find_run(ctx, projectKey, scenarioId, runId)
    return {"scenarioRun": copy.deepcopy(rec["scenarioRun"]), "stepRuns": copy.deepcopy(rec["stepRuns"])}


@route("GET", ONE + "/{runId}/log", perm="read")
def get_run_log(ctx, projectKey, scenarioId, runId):
    _scenario(ctx, projectKey, scenarioId)
    rec = _find_run(ctx, projectKey, scenarioId, runId)
    step_id = ctx.q("stepId")
    lines = []
    for entry in rec["log"]:
        if step_id and entry["stepId"] != step_id:
            continue
        stamp = datetime.datetime.fromtimestamp(entry["time"] / 1000.0).strftime("%Y/%m/%d-%H:%M:%S.%f")[:-3]
        lines.append("[%s] [INFO] [dku.scenario] - %s\n" % (stamp, entry["message"]))
    return Text("".join(lines))
