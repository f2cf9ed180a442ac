"""Scenario shapes DSS fills in by itself: definition defaults, triggers, steps, runs, trigger fires.

Field sets follow what DSS stores in ``scenarios/<ID>.json`` and what its scenario editor writes
(trigger ``name``/``delay``/``graceDelaySettings``, the step "envelope" fields). A new scenario is
created inactive, as in DSS.
"""
import copy

from .checks import normalise_tags
from .ids import random_id

TRIGGER_ID_LENGTH = 8
TRIGGER_NAMES = {"temporal": "Time-based", "ds_modified": "Dataset change", "sql_query": "SQL query change",
                 "custom_python": "Custom trigger", "follow_scenariorun": "Scenario run", "manual": "Manual trigger"}
TRIGGER_DELAYS = {"temporal": 5}          # DSS's editor uses 5 s for time-based triggers, 900 s otherwise
DEFAULT_TRIGGER_DELAY = 900
STEP_NAMES = {"build_flowitem": "Build", "clear_items": "Clear", "check_dataset": "Run checks",
              "compute_metrics": "Compute metrics", "exec_sql": "Execute SQL", "custom_python": "Custom Python",
              "set_project_vars": "Set project variables", "runnable": "Run macro"}
STEP_ID_PREFIXES = {"build_flowitem": "build"}
OUTCOME_ORDER = {"SUCCESS": 0, "WARNING": 1, "FAILED": 2, "ABORTED": 3}
SCRIPT_TEMPLATE = ("from dataiku.scenario import Scenario\n\n"
                   "# The Scenario object is the main handle from which you initiate steps\n"
                   "scenario = Scenario()\n")


def new_scenario(body, project_key, sid):
    """The stored definition of a scenario created from a POST body (``{params, type, name}``)."""
    out = {
        "projectKey": project_key, "id": sid, "type": body.get("type") or "step_based",
        "name": body.get("name") or sid, "active": False, "markedAsTest": False,
        "triggers": [], "reporters": [], "params": {},
        "tags": [], "description": "", "shortDesc": "", "customFields": {},
        "checklists": {"checklists": []},
        "delayedTriggersBehavior": {"delayWhileRunning": True, "squashDelayedTriggers": True,
                                    "suppressTriggersWhileRunning": True},
        "automationLocal": False,
    }
    for key, value in body.items():
        if key not in ("projectKey", "id", "creationTag", "versionTag"):
            out[key] = copy.deepcopy(value)
    return fill(out)


def fill(definition):
    """Fill the defaults DSS adds on every save (triggers, steps, reporters)."""
    if definition.get("type") == "step_based":
        definition.setdefault("params", {}).setdefault("steps", [])
    definition["tags"] = normalise_tags(definition.get("tags"))
    taken = {t.get("id") for t in definition.get("triggers", []) if isinstance(t, dict)}
    definition["triggers"] = [_trigger(t, taken) for t in definition.get("triggers") or []]
    rtaken = {r.get("id") for r in definition.get("reporters", []) if isinstance(r, dict)}
    definition["reporters"] = [_reporter(r, rtaken) for r in definition.get("reporters") or []]
    steps = (definition.get("params") or {}).get("steps")
    if isinstance(steps, list):
        used = {s.get("id") for s in steps if isinstance(s, dict)}
        definition["params"]["steps"] = [_step(s, i, used) for i, s in enumerate(steps)]
    return definition


def _trigger(trigger, taken):
    t = dict(trigger)
    if not t.get("id"):
        t["id"] = random_id(TRIGGER_ID_LENGTH, taken)
        taken.add(t["id"])
    ttype = t.setdefault("type", "temporal")
    t.setdefault("name", TRIGGER_NAMES.get(ttype, ttype))
    t.setdefault("delay", TRIGGER_DELAYS.get(ttype, DEFAULT_TRIGGER_DELAY))
    t.setdefault("active", True)
    t.setdefault("params", {})
    t.setdefault("graceDelaySettings", {"delay": 0, "checkAgainAfterGraceDelay": False})
    return t


def _reporter(reporter, taken):
    r = dict(reporter)
    if not r.get("id"):
        r["id"] = random_id(TRIGGER_ID_LENGTH, taken)
        taken.add(r["id"])
    r.setdefault("active", True)
    r.setdefault("phase", "END")
    r.setdefault("runConditionEnabled", False)
    r.setdefault("runCondition", "outcome != 'SUCCESS'")
    return r


def _step(step, index, used):
    s = dict(step)
    stype = s.setdefault("type", "custom_python")
    if not s.get("id"):
        base = "%s_%d" % (STEP_ID_PREFIXES.get(stype, stype), index)
        sid, n = base, 0
        while sid in used:
            n += 1
            sid = "%s_%d" % (base, n)
        s["id"] = sid
        used.add(sid)
    s.setdefault("name", "Step #%d" % (index + 1))
    s.setdefault("enabled", True)
    s.setdefault("alwaysShowComment", False)
    s.setdefault("runConditionType", "RUN_IF_STATUS_MATCH")
    s.setdefault("runConditionStatuses", ["SUCCESS", "WARNING"])
    s.setdefault("runConditionExpression", "")
    s.setdefault("resetScenarioStatus", False)
    s.setdefault("delayBetweenRetries", 10)
    s.setdefault("maxRetriesOnFail", 0)
    s.setdefault("params", {})
    return s


def summary(definition, runs):
    """A list item of ``GET /scenarios/``: the client reads ``id`` AND ``name`` (its
    ``DSSScenarioListItem.id`` returns ``name``), ``running`` and ``start``."""
    last = runs[-1]["scenarioRun"] if runs else None
    out = {k: copy.deepcopy(definition.get(k)) for k in
           ("projectKey", "id", "name", "type", "active", "tags", "description", "shortDesc", "markedAsTest",
            "checklists", "customFields", "creationTag", "versionTag")}
    out.update({"running": False, "start": last["start"] if last else 0,
                "lastRunOutcome": (last.get("result") or {}).get("outcome") if last else None})
    if definition.get("runAsUser"):
        out["runAsUser"] = definition["runAsUser"]
    return out


def light(definition):
    """``GET /scenarios/{id}/light``: the scenario's run status (nothing runs in the background)."""
    out = {k: copy.deepcopy(definition.get(k)) for k in
           ("projectKey", "id", "name", "type", "active", "tags", "description", "shortDesc", "checklists",
            "markedAsTest")}
    out.update({"running": False, "nextRun": 0})
    return out


LIGHT_EDITABLE = ("active", "checklists", "description", "shortDesc", "tags")


def manual_trigger_fire(params, trigger_run_id, login, now):
    """What ``POST /run`` answers: the fire of the implicit manual trigger."""
    return {"trigger": {"id": "manual", "type": "manual", "name": "API run", "delay": 0, "active": True,
                        "params": {}},
            "runId": trigger_run_id, "cancelled": False, "params": copy.deepcopy(params),
            "timestamp": now, "triggerAuthCtx": {"userLogin": login}}


def scenario_run(definition, run_id, trigger_fire, login, start):
    """A scenario run as listed by ``get-last-runs`` (``result`` is added when it ends)."""
    return {"runId": run_id,
            "scenario": {"projectKey": definition["projectKey"], "id": definition["id"],
                         "name": definition.get("name"), "type": definition.get("type"),
                         "markedAsTest": bool(definition.get("markedAsTest"))},
            "trigger": copy.deepcopy(trigger_fire), "runAsUser": {"realUserLogin": login},
            "start": start, "end": 0, "variables": {}}


def step_run(step, run_id, start):
    return {"step": copy.deepcopy(step), "runId": run_id, "start": start, "end": 0, "additionalReportItems": []}


def result(outcome, start, end, thrown=None):
    out = {"outcome": outcome, "type": "SCENARIO_DONE", "start": start, "end": end}
    if thrown is not None:
        out["thrown"] = thrown
    return out


def thrown(clazz, message):
    """A serialised exception as DSS reports it in ``result.thrown``."""
    return {"clazz": clazz, "title": message, "message": message, "stack": "", "code": None, "fixability": None}


def worst(outcomes):
    return max(outcomes, key=lambda o: OUTCOME_ORDER.get(o, 0)) if outcomes else "SUCCESS"
