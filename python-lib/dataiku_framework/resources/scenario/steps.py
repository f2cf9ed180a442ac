"""Scenario steps: the configuration <-> DSS tables, written once, and the forward translation.

Why: build modes, run conditions and the item fields of each step type used to be written forward in
``dss/translate.py``, inverted by hand in the importer and spelled again as path names for
the plan. The translation, the importer's inverse and ``ScenarioResource.config_path`` all read these.
"""
from typing import Any, Dict, List, Optional, Tuple

from ..tables import Bimap

#: build modes <-> DSS job types
JOB_TYPES = Bimap([("RECURSIVE", "RECURSIVE_BUILD"), ("NON_RECURSIVE", "NON_RECURSIVE_FORCED_BUILD"),
                   ("RECURSIVE_FORCED", "RECURSIVE_FORCED_BUILD"),
                   ("RECURSIVE_MISSING_ONLY", "RECURSIVE_MISSING_ONLY_BUILD")])
DEFAULT_BUILD_MODE = "RECURSIVE"
#: run conditions <-> DSS (runConditionType, runConditionStatuses)
RUN_CONDITIONS = Bimap([("if_previous_ok", ("RUN_IF_STATUS_MATCH", ("SUCCESS", "WARNING"))),
                        ("always", ("RUN_ALWAYS", ())),
                        ("if_previous_failed", ("RUN_IF_STATUS_MATCH", ("FAILED",)))])
DEFAULT_RUN_CONDITION = "if_previous_ok"
#: the step types whose ``items`` are DSS build items <-> the DSS params field that holds them
ITEM_FIELDS = Bimap([("build_flowitem", "builds"), ("compute_metrics", "computes"), ("check_dataset", "checks"),
                     ("clear_items", "clears")])
#: DSS build item key -> config item key
ITEM_KEYS = {"itemId": "ref", "partitionsSpec": "partitions"}
#: DSS step params key -> config step key (several DSS keys may stand for one config key)
STEP_PARAMS = dict([(field, "items") for field in ITEM_FIELDS.dss_values()] +
                   [("jobType", "build_mode"), ("sql", "sql"), ("connection", "connection"), ("script", "code"),
                    ("scenarioId", "scenario"), ("projectKey", "scenario"), ("variables", "variables")])
#: the other spellings of a step type the configuration accepts
STEP_ALIASES = {"build_dataset": "build_flowitem", "execute_sql": "exec_sql", "python": "custom_python"}


def run_condition(ours: Optional[str]) -> Tuple[str, List[str]]:
    """DSS's (runConditionType, runConditionStatuses) of a run condition (default: if_previous_ok)."""
    condition, statuses = RUN_CONDITIONS.to_dss(ours or DEFAULT_RUN_CONDITION)
    return condition, list(statuses)


def run_condition_key(condition: Any, statuses: Any) -> Optional[str]:
    """The inverse of ``run_condition``; None when the language has no equivalent."""
    try:
        return RUN_CONDITIONS.to_config((condition, tuple(statuses or ())))
    except TypeError:  # statuses that cannot be hashed are none of ours
        return None


def item_field(stype: Any) -> Optional[str]:
    """The DSS params field holding the items of a step type (``builds``...); None for other types."""
    return ITEM_FIELDS.to_dss(stype) if stype in ITEM_FIELDS.config_values() else None


def build_items(step: Any, project_key: str, folder_ids: Dict[str, str]) -> List[Dict[str, Any]]:
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


def step_definition(step: Any, project_key: str, folder_ids: Optional[Dict[str, str]] = None,
                    scenario_ids: Optional[Dict[str, str]] = None) -> Dict[str, Any]:
    """DSS step JSON. DSS names managed folders and scenarios by id where the config names them:
    ``folder_ids`` and ``scenario_ids`` map names to ids (same project only)."""
    folder_ids = folder_ids or {}
    condition, statuses = run_condition(step.run_condition)
    params = {}  # type: Dict[str, Any]
    stype = STEP_ALIASES.get(step.type, step.type)
    if stype == "build_flowitem":
        params = {"builds": build_items(step, project_key, folder_ids),
                  "jobType": JOB_TYPES.to_dss(step.build_mode or DEFAULT_BUILD_MODE)}
    elif stype == "exec_sql":
        params = {"connection": step.connection, "sql": step.sql}
    elif stype == "custom_python":
        params = {"script": step.code or "", "envSelection": {"envMode": "INHERIT"}}
    elif stype == "run_scenario":
        key, _, sid = step.scenario.rpartition(".")
        if not key:
            sid = (scenario_ids or {}).get(sid, sid)
        params = {"projectKey": key or project_key, "scenarioId": sid}
    elif stype == "set_project_vars":
        params = {"variables": dict(step.variables or {})}
    elif item_field(stype):
        params = {item_field(stype): build_items(step, project_key, folder_ids)}
    params.update(step.params or {})
    out = {"type": stype, "enabled": step.enabled is not False, "runConditionType": condition,
           "runConditionStatuses": statuses, "maxRetriesOnFail": step.max_retries or 0,
           "params": params}  # type: Dict[str, Any]
    if step.name is not None:
        out["name"] = step.name
    return out
