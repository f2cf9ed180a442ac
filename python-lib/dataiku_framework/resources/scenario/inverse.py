"""Scenarios, DSS -> configuration: the importer's inverse of ``scenario_definition``.

Why here: the inverse reads the same trigger and step tables as the translation (``triggers``,
``steps``), and the values DSS fills in by itself live beside them, so the two directions of one
kind change together (issue 17 §1). The importer imports this module, never the reverse.
"""
from typing import Any, Dict, List, Optional

from ..inverse import IDENTIFIER, LeftOut, check_name, described, given, same, strip
from . import steps as scenario_steps
from . import triggers as scenario_triggers

#: the names DSS gives a new trigger, by DSS trigger type
TRIGGER_NAMES = {"temporal": "Time-based", "ds_modified": "Dataset change", "sql_query": "SQL query change",
                 "custom_python": "Custom trigger"}
#: the name DSS gives the n-th step
STEP_NAME = "Step #%d"
#: a scenario reporter's keys at DSS's value (``id``: DSS gives every reporter its own)
REPORTER = {"active": True, "phase": "END", "runConditionEnabled": False, "runCondition": "outcome != 'SUCCESS'"}
#: the check interval (seconds) DSS gives an event trigger
TRIGGER_DELAY = 900
#: scenario ``params`` and a Python scenario's code env at DSS's value
SCENARIO_PARAMS = {"envSelection": {"envMode": "INHERIT"}, "containerSelection": {"containerMode": "INHERIT"}}
_set = given


def scenario(raw: Dict[str, Any], project_key: str, folder_names: Dict[str, str],
             scenario_names: Dict[str, str]) -> Dict[str, Any]:
    name = check_name(raw.get("name") or raw.get("id"))
    out = {"name": name}  # type: Dict[str, Any]
    python = raw.get("type") == "custom_python"
    if python:
        out["type"] = "custom_python"
    if raw.get("active") is False:
        out["active"] = False
    _set(out, "run_as", raw.get("runAsUser"))
    described(out, raw, short=False)
    _set(out, "triggers", [trigger(t) for t in raw.get("triggers") or []])
    params = dict(raw.get("params") or {})
    if python:
        out["code"] = raw.get("script") or ""
        env = params.get("envSelection")
        if isinstance(env, dict) and env.get("envMode") == "EXPLICIT_ENV" and set(env) == {"envMode", "envName"}:
            out["code_env"] = env["envName"]
            params.pop("envSelection")
        if params.get("steps") == []:
            params.pop("steps")
    else:
        _set(out, "steps", [step(s, i, project_key, folder_names, scenario_names)
                                 for i, s in enumerate(params.pop("steps", None) or [])])
    _set(out, "reporters", [_reporter(r) for r in raw.get("reporters") or []])
    _set(out, "params", strip(params, SCENARIO_PARAMS))
    return out


def _reporter(raw: Any) -> Any:
    """A reporter without its DSS id and the values DSS fills in (its type first)."""
    if not isinstance(raw, dict):
        return raw
    out = {"type": raw.get("type")}
    out.update((k, v) for k, v in strip(raw, REPORTER).items() if k not in ("id", "type"))
    return out


def _rest(live: Dict[str, Any], built: Dict[str, Any]) -> Dict[str, Any]:
    """The live params the readable keys do not produce as they are (sent raw, on top)."""
    return {k: v for k, v in live.items() if k not in built or not same(built[k], v)}


def trigger(raw: Dict[str, Any]) -> Dict[str, Any]:
    kind = scenario_triggers.TRIGGER_TYPES.to_config(raw.get("type"))
    if kind is None:
        raise LeftOut("trigger type %r has no equivalent in the language" % raw.get("type"))
    params = dict(raw.get("params") or {})
    out = {"type": kind}  # type: Dict[str, Any]
    if kind == "temporal":
        try:
            out.update(scenario_triggers.temporal_keys(params))
        except ValueError as exc:
            raise LeftOut(str(exc))
    elif kind == "dataset":
        names = [w.get("itemId") for w in params.get("watches") or [] if isinstance(w, dict)]
        out["dataset"] = names[0] if len(names) == 1 else names
    elif kind == "sql":
        _set(out, "connection", params.get("connection"))
        _set(out, "sql", params.get("query"))
    elif kind == "python":
        out["code"] = params.get("script") or ""
    if raw.get("active") is False:
        out["active"] = False
    if raw.get("name") != TRIGGER_NAMES.get(raw.get("type")):
        _set(out, "name", raw.get("name"))
    if raw.get("delay") not in (None, TRIGGER_DELAY) and kind != "temporal":
        out["check_every"] = raw["delay"]
    grace = raw.get("graceDelaySettings")
    if kind != "temporal" and isinstance(grace, dict) and grace.get("checkAgainAfterGraceDelay") is True \
            and "delay" in grace:
        out["grace_delay"] = grace["delay"]
    built = scenario_triggers.trigger_definition(_Obj(out))
    _set(out, "params", _rest(params, built["params"]))
    return out


class _Obj(object):
    """A config document seen as a model object (missing keys read None) by the translation."""

    def __init__(self, doc: Dict[str, Any]) -> None:
        self.__dict__.update(doc)

    def __getattr__(self, name: str) -> Any:
        return None


def step(raw: Dict[str, Any], index: int, project_key: str, folder_names: Dict[str, str],
         scenario_names: Dict[str, str]) -> Dict[str, Any]:
    stype = raw.get("type")
    if not isinstance(stype, str) or not stype:
        raise LeftOut("a step has no type")
    params = dict(raw.get("params") or {})
    out = {"type": stype}  # type: Dict[str, Any]
    if raw.get("name") != STEP_NAME % (index + 1):
        _set(out, "name", raw.get("name"))
    if raw.get("enabled") is False:
        out["enabled"] = False
    condition = (raw.get("runConditionType"), list(raw.get("runConditionStatuses") or []))
    ours = scenario_steps.run_condition_key(*condition)
    if ours is None and condition[0] is not None:
        raise LeftOut("step run condition %s %s has no equivalent in the language" % condition)
    if ours not in (None, scenario_steps.DEFAULT_RUN_CONDITION):
        out["run_condition"] = ours
    if raw.get("maxRetriesOnFail"):
        out["max_retries"] = raw["maxRetriesOnFail"]
    folders = folder_names
    field = scenario_steps.item_field(stype)
    if field:
        items = _items(params.get(field), project_key, folders)
        if items is not None:
            out["items"] = items
        mode = scenario_steps.JOB_TYPES.to_config(params.get("jobType"))
        if stype == "build_flowitem" and mode not in (None, scenario_steps.DEFAULT_BUILD_MODE):
            out["build_mode"] = mode
    elif stype == "exec_sql":
        _set(out, "connection", params.get("connection"))
        _set(out, "sql", params.get("sql"))
    elif stype == "custom_python":
        out["code"] = params.get("script") or ""
    elif stype == "run_scenario":
        key, sid = params.get("projectKey"), params.get("scenarioId")
        if isinstance(sid, str):
            same_project = key in (None, project_key)
            target = scenario_names.get(sid, sid) if same_project else "%s.%s" % (key, sid)
            if same_project and not IDENTIFIER.match(target):
                raise LeftOut("a step runs scenario %r, whose name the language cannot write" % target)
            out["scenario"] = target
    elif stype == "set_project_vars":
        _set(out, "variables", params.get("variables"))
    ids = {name: fid for fid, name in folders.items()}
    built = scenario_steps.step_definition(_Obj(out), project_key, ids, {n: i for i, n in scenario_names.items()})
    rest = _rest(params, built["params"])
    if field in rest:
        out.pop("items", None)  # DSS's own items are sent as they are: no readable copy beside them
    _set(out, "params", rest)
    return out


def _items(builds: Any, project_key: str, folders: Dict[str, str]) -> Optional[List[Any]]:
    if not isinstance(builds, list):
        return None
    out = []
    for b in builds:
        if not isinstance(b, dict) or b.get("projectKey", project_key) != project_key:
            return None
        kind, ref = b.get("type"), b.get("itemId")
        if kind == "MANAGED_FOLDER" and ref in folders:
            ref = folders[ref]
        elif kind != "DATASET":
            return None
        if b.get("partitionsSpec"):
            out.append({"ref": ref, "partitions": b["partitionsSpec"]})
        else:
            out.append(ref)
    return out
