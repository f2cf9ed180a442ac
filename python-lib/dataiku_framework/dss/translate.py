"""Configuration objects -> the DSS definitions they stand for (pure functions, no I/O).

Why separate from the calls that send them: the same desired definitions are what a plan will
compare with what DSS returns, so the mapping from our readable keys to DSS's JSON lives in one
place. Input is a *resolved* config (``FrameworkConfig.resolved()``): code read from files,
``type: SQL`` replaced by the connection's type, environment overlay applied.
"""
from typing import Any, Dict, List, Optional

from ..config.annotations import facts
from . import visual

#: DSS's default flow zone: its id, and the name the config uses for it (no ``zones:`` entry needed)
DEFAULT_ZONE = "default"
CODE_TYPES = facts("Recipe").applies_to["code"]

# recipe type names in the config -> DSS recipe types
JOB_TYPES = {"RECURSIVE": "RECURSIVE_BUILD", "NON_RECURSIVE": "NON_RECURSIVE_FORCED_BUILD",
             "RECURSIVE_FORCED": "RECURSIVE_FORCED_BUILD", "RECURSIVE_MISSING_ONLY": "RECURSIVE_MISSING_ONLY_BUILD"}
RUN_CONDITIONS = {"if_previous_ok": ("RUN_IF_STATUS_MATCH", ["SUCCESS", "WARNING"]),
                  "always": ("RUN_ALWAYS", []),
                  "if_previous_failed": ("RUN_IF_STATUS_MATCH", ["FAILED"])}


#: names whose home is now a kind module (issue 17); read from there, not copied (``resources.base``
#: imports this module, so the kind modules are imported on first use, not at import time)
_MOVED = {"dataset": ("FS_TYPES", "SQL_TYPES", "FORMAT_OPTIONS", "dataset_params", "columns", "partitioning",
                      "_field", "dataset_definition"),
          "managed_folder": ("DEFAULT_FOLDER_CONNECTION", "folder_params")}


def __getattr__(name: str) -> Any:
    """``translate.dataset_definition`` and the other moved names, from their kind module."""
    import importlib
    for module, names in _MOVED.items():
        if name in names:
            return getattr(importlib.import_module("dataiku_framework.resources." + module), name)
    raise AttributeError("module %r has no attribute %r" % (__name__, name))


def _set(target, key, value):
    if value is not None:
        target[key] = value


def _io_items(refs, folder_ids):
    # type: (List[Any], Dict[str, str]) -> Dict[str, List[Dict[str, Any]]]
    """Recipe inputs/outputs grouped by role (a bare name means role ``main``), as DSS items.

    DSS refers to managed folders by id, the config by name: ``folder_ids`` maps one to the other."""
    roles = {}  # type: Dict[str, List[Dict[str, Any]]]
    for ref in refs or []:
        name, role = (ref, "main") if isinstance(ref, str) else (ref["ref"], ref.get("role") or "main")
        item = {"ref": folder_ids.get(name, name)}  # type: Dict[str, Any]
        if not isinstance(ref, str) and ref.get("append"):
            item["appendMode"] = True
        roles.setdefault(role, []).append(item)
    return roles


def recipe_type(rc):
    # type: (Any) -> str
    from ..resources.recipe import dss_type  # the recipe kind's one table (resources import this module)
    return dss_type(rc.type)


def recipe_io(rc, folder_ids=None):
    # type: (Any, Optional[Dict[str, str]]) -> Dict[str, Dict[str, List[Dict[str, Any]]]]
    ids = folder_ids or {}
    return {"inputs": _io_items(rc.inputs, ids), "outputs": _io_items(rc.outputs, ids)}


def recipe_payload(rc: Any) -> Optional[Any]:
    """The recipe payload the config gives: code for code recipes; for the others, the readable
    visual keys (``visual.visual_payload``) applied on top of the raw ``payload`` mapping, or the raw
    ``payload`` as written when no readable key is set. None: the config does not govern it."""
    if rc.type in CODE_TYPES:
        return rc.code or ""
    readable = visual.visual_payload(rc)
    if readable is not None and rc.payload is not None and not isinstance(rc.payload, dict):
        # validation refuses this (recipe.payload_not_mapping); kept as a guard for unvalidated objects
        raise ValueError("recipe %s: readable keys cannot be applied on top of a %s payload"
                         % (rc.name, type(rc.payload).__name__))
    return visual.merged(rc.payload, readable)


def recipe_params(rc: Any) -> Dict[str, Any]:
    """The recipe definition's ``params`` the config governs (see ``visual.recipe_params``)."""
    return visual.recipe_params(rc)


# DSS trigger types of our trigger kinds (the shapes DSS stores, see the REST reference's addendum)
TRIGGER_TYPES = {"temporal": "temporal", "dataset": "ds_modified", "sql": "sql_query", "python": "custom_python"}
# a fixed month for monthly triggers: DSS takes the day of the month from ``startingFrom``, and a
# fixed date keeps the desired definition the same from one run to the next
MONTHLY_BASE = "2024-01-%02dT00:00:00.000+0000"


def _temporal_params(tr):
    # type: (Any) -> Dict[str, Any]
    """The params the client's own add_*_trigger helpers write, per frequency."""
    params = {"frequency": tr.frequency.capitalize(), "repeatFrequency": tr.repeat_every or 1,
              "timezone": tr.timezone or "SERVER"}  # type: Dict[str, Any]
    if tr.frequency != "minutely":
        params["hour"] = tr.hour if tr.hour is not None else 0
        params["minute"] = tr.minute if tr.minute is not None else 0
    _set(params, "startingFrom", tr.starting_from)
    if tr.frequency == "weekly":
        params["daysOfWeek"] = list(tr.day_of_week or ["Monday"])
    if tr.frequency == "monthly":
        params["monthlyRunOn"] = "ON_THE_DAY"
        if tr.starting_from is None:
            params["startingFrom"] = MONTHLY_BASE % (tr.day_of_month or 1)
    return params


def trigger_definition(tr):
    # type: (Any) -> Optional[Dict[str, Any]]
    """DSS trigger JSON; None for ``manual`` (run by hand only: no DSS trigger).

    The check interval of event triggers is the trigger's root ``delay`` (seconds) and the grace
    period lives in ``graceDelaySettings``, both beside ``params`` as DSS stores them."""
    if tr.type == "manual":
        return None
    params = {}  # type: Dict[str, Any]
    if tr.type == "temporal":
        params = _temporal_params(tr)
    elif tr.type == "dataset":
        names = tr.dataset if isinstance(tr.dataset, list) else [tr.dataset]
        params = {"watches": [{"type": "DATASET", "itemId": n, "partitionsSpec": ""} for n in names],
                  "triggerWhenAllFire": False}
    elif tr.type == "sql":
        params = {"connection": tr.connection, "query": tr.sql}
    elif tr.type == "python":
        params = {"script": tr.code or "", "envSelection": {"envMode": "INHERIT"}}
    params.update(tr.params or {})
    out = {"type": TRIGGER_TYPES[tr.type], "active": tr.active is not False, "params": params}  # type: Dict[str, Any]
    _set(out, "name", tr.name)
    _set(out, "delay", tr.check_every)
    if tr.grace_delay is not None:
        out["graceDelaySettings"] = {"delay": tr.grace_delay, "checkAgainAfterGraceDelay": True}
    return out


def _build_items(step, project_key, folder_ids):
    """Build/metrics/check items; managed folders are named in the config but referenced by id in DSS."""
    builds = []
    for item in step.items or []:
        ref = item if isinstance(item, str) else item["ref"]
        is_folder = ref in folder_ids
        build = {"type": "MANAGED_FOLDER" if is_folder else "DATASET", "projectKey": project_key,
                 "itemId": folder_ids[ref] if is_folder else ref}
        if not isinstance(item, str) and item.get("partitions"):
            build["partitionsSpec"] = item["partitions"]
        builds.append(build)
    return builds


def step_definition(step, project_key, folder_ids=None, scenario_ids=None):
    # type: (Any, str, Optional[Dict[str, str]], Optional[Dict[str, str]]) -> Dict[str, Any]
    """DSS step JSON. DSS names managed folders and scenarios by id where the config names them:
    ``folder_ids`` and ``scenario_ids`` map names to ids (same project only)."""
    folder_ids = folder_ids or {}
    condition, statuses = RUN_CONDITIONS[step.run_condition or "if_previous_ok"]
    params = {}  # type: Dict[str, Any]
    stype = step.type
    if stype in ("build_flowitem", "build_dataset"):
        stype = "build_flowitem"
        params = {"builds": _build_items(step, project_key, folder_ids),
                  "jobType": JOB_TYPES[step.build_mode or "RECURSIVE"]}
    elif stype in ("exec_sql", "execute_sql"):
        stype = "exec_sql"
        params = {"connection": step.connection, "sql": step.sql}
    elif stype in ("custom_python", "python"):
        stype = "custom_python"
        params = {"script": step.code or "", "envSelection": {"envMode": "INHERIT"}}
    elif stype == "run_scenario":
        key, _, sid = step.scenario.rpartition(".")
        if not key:
            sid = (scenario_ids or {}).get(sid, sid)
        params = {"projectKey": key or project_key, "scenarioId": sid}
    elif stype == "set_project_vars":
        params = {"variables": dict(step.variables or {})}
    elif stype in ("compute_metrics", "check_dataset", "clear_items"):
        field = {"compute_metrics": "computes", "check_dataset": "checks", "clear_items": "clears"}[stype]
        params = {field: _build_items(step, project_key, folder_ids)}
    params.update(step.params or {})
    out = {"type": stype, "enabled": step.enabled is not False, "runConditionType": condition,
           "runConditionStatuses": statuses, "maxRetriesOnFail": step.max_retries or 0,
           "params": params}  # type: Dict[str, Any]
    _set(out, "name", step.name)
    return out


def scenario_type(sc):
    # type: (Any) -> str
    return "custom_python" if (sc.type == "custom_python" or sc.code) else "step_based"


def permission_entry(p):
    # type: (Any) -> Dict[str, Any]
    """Moved to ``resources.project`` (issue 17); this name forwards there until P9 repoints its importers."""
    from ..resources.project import permission_entry as moved
    return moved(p)


def scenario_definition(sc: Any, project_key: str, folder_ids: Optional[Dict[str, str]] = None,
                        scenario_ids: Optional[Dict[str, str]] = None) -> Dict[str, Any]:
    """The parts of a DSS scenario definition the config sets (a key left unset is absent: DSS's or
    the create path's default). ``script`` is a Python scenario's code, which DSS keeps apart."""
    out = {"type": scenario_type(sc),
           "triggers": [t for t in (trigger_definition(tr) for tr in sc.triggers or []) if t]}  # type: Dict[str, Any]
    if sc.active is not None:
        out["active"] = sc.active is not False
    if sc.tags is not None:
        out["tags"] = sorted(sc.tags)
    if sc.description is not None:
        out["description"] = sc.description
    if sc.run_as:
        out["runAsUser"] = sc.run_as
    if sc.reporters:
        out["reporters"] = list(sc.reporters)
    params = {}  # type: Dict[str, Any]
    if out["type"] == "step_based":
        params["steps"] = [step_definition(st, project_key, folder_ids, scenario_ids) for st in sc.steps or []]
    else:
        out["script"] = sc.code or ""
        if sc.code_env:
            params["envSelection"] = {"envMode": "EXPLICIT_ENV", "envName": sc.code_env}
    params.update(sc.params or {})
    out["params"] = params
    return out


