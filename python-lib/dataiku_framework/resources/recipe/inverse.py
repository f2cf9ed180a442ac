"""Recipes, DSS -> configuration: the importer's inverse of the recipe translation.

Why here: the inverse reads the same tables as the translation (the recipe types, the readable
visual keys of ``readable``), and the values DSS fills in by itself live beside them, so the two
directions of one kind change together (issue 17 section 1). The recipe's live definition becomes
first-class keys wherever the translation has one, readable visual keys where the payload is
exactly what they build, and the rest raw ``params``/``payload``; ``LeftOut`` when it cannot be.
"""
import json
from typing import Any, Dict, List, Optional, Tuple

from ...config.annotations import facts
from ...dss import translate, visual
from ..inverse import LeftOut, check_name, described, given, same, strip
from . import readable
from .types import config_type

_INHERIT_CONTAINER = {"containerMode": "INHERIT"}
_SPARK_CONF = {"inheritConf": "default", "conf": []}

#: recipe definition ``params``
RECIPE_PARAMS = {
    "envSelection": {"envMode": "INHERIT"}, "containerSelection": _INHERIT_CONTAINER, "skipPrerunValidate": False,
    "sparkConfig": _SPARK_CONF,
    "engineParams": {
        "spark": {"readParams": {"mode": "AUTO", "autoModeRepartitionInto": 10, "map": {}},
                  "useGlobalMetastore": False, "useNativeProcessors": True, "sparkConfig": _SPARK_CONF,
                  "executionEngine": "SPARK_SUBMIT", "pipelineAllowStart": True, "pipelineAllowMerge": True,
                  "skipPrerunValidate": False},
        "hive": {"inheritConf": "default", "hiveconf": [], "executionEngine": "HIVESERVER2", "addDkuUdf": False,
                 "skipPrerunValidate": False},
        "impala": {"forceStreamMode": True}, "hadoopConfigKeys": [],
        "sqlPipelineParams": {"pipelineAllowStart": True, "pipelineAllowMerge": True}, "maxThreads": 8,
        "containerSelection": _INHERIT_CONTAINER},
}
#: the same in older DSS versions (the engine params of a prepare recipe had no container selection)
RECIPE_PARAMS_VARIANTS = {"engineParams": [{k: v for k, v in RECIPE_PARAMS["engineParams"].items()
                                            if k != "containerSelection"}]}
#: the editor state of a prepare recipe's payload (what its screen shows, not what it computes)
PREPARE_EDITOR_KEYS = frozenset(["explorationSampling", "vizSampling", "columnWidthsByName", "exploreUIParams",
                                 "analysisColumnData", "columnUseScientificNotationByName", "explorationFilters",
                                 "previewMode", "coloring", "sorting", "globalSearchQuery"])
#: the editor state of a prepare step
STEP_EDITOR_KEYS = frozenset(["preview", "alwaysShowComment", "designTimeReport"])
_NO_FILTER = {"distinct": False, "enabled": False}
#: visual recipe payload keys (top level) at DSS's creation value
PAYLOAD = {
    "preFilter": _NO_FILTER, "postFilter": _NO_FILTER, "columnsSelection": {"mode": "ALL"},
    "origin": "PREPARE_RECIPE", "maxProcessedMemTableBytes": -1, "outputColumnNameOverrides": {},
    "engineParams": {
        "hive": {"skipPrerunValidate": False, "hiveconf": [], "inheritConf": "default", "addDkuUdf": False,
                 "executionEngine": "HIVESERVER2"},
        "sqlPipelineParams": {"pipelineAllowMerge": True, "pipelineAllowStart": True},
        "impala": {"forceStreamMode": True}, "lowerCaseSchemaIfEngineRequiresIt": True,
        "sparkSQL": {"skipPrerunValidate": False, "pipelineAllowMerge": True, "useGlobalMetastore": False,
                     "pipelineAllowStart": True,
                     "readParams": {"mode": "AUTO", "autoModeRepartitionInto": 10, "map": {}},
                     "overwriteOutputSchema": False, "executionEngine": "SPARK_SUBMIT", "sparkConfig": _SPARK_CONF}},
}


def recipe(entry: Dict[str, Any], folder_names: Dict[str, str], zone_name: Optional[str],
           notes: List[Tuple[str, str, str]]) -> Dict[str, Any]:
    raw = entry.get("recipe") or {}
    name = check_name(raw.get("name"))
    dss_type = raw.get("type")
    if not isinstance(dss_type, str) or not dss_type:
        raise LeftOut("it has no type")
    rtype = config_type(dss_type)
    out = {"name": name, "type": rtype}  # type: Dict[str, Any]
    for side in ("inputs", "outputs"):
        given(out, side, _io(raw.get(side) or {}, side, folder_names, name, notes))
    params = dict(raw.get("params") or {})
    env = params.get("envSelection")
    if rtype in facts("Recipe").applies_to.get("code_env", ()) and isinstance(env, dict) \
            and env.get("envMode") == "EXPLICIT_ENV" and set(env) == {"envMode", "envName"}:
        out["code_env"] = env["envName"]
        params.pop("envSelection")
    if rtype not in visual.PAYLOAD_ENGINE_TYPES and isinstance(params.get("engineType"), str):
        out["engine"] = params.pop("engineType")
    payload = entry.get("payload")
    if rtype in translate.CODE_TYPES:
        out["code"] = payload if isinstance(payload, str) else ""
    elif payload not in (None, ""):
        out.update(_visual(rtype, payload))
    described(out, raw)
    given(out, "zone", zone_name)
    given(out, "params", strip(params, RECIPE_PARAMS, RECIPE_PARAMS_VARIANTS))
    return out


def _io(roles: Dict[str, Any], side: str, folder_names: Dict[str, str], name: str,
        notes: List[Tuple[str, str, str]]) -> List[Any]:
    out = []
    for role in sorted(roles, key=lambda r: (r != "main", r)):
        for item in (roles[role] or {}).get("items") or []:
            ref = folder_names.get(item.get("ref"), item.get("ref"))
            if item.get("deps"):
                notes.append(("recipe", name, "partition dependencies of input %s (not expressible yet; "
                                              "kept in DSS, not in the YAML)" % ref))
            if role == "main" and not item.get("appendMode"):
                out.append(ref)
                continue
            entry = {"ref": ref}  # type: Dict[str, Any]
            if role != "main":
                entry["role"] = role
            if side == "outputs" and item.get("appendMode"):
                entry["append"] = True
            out.append(entry)
    return out


def _visual(rtype: str, payload: Any) -> Dict[str, Any]:
    """Readable keys for what they express exactly, the rest of the payload raw.

    The translation is the oracle: a readable key is kept only when ``visual`` builds back the
    very payload from it (plus the raw remainder); otherwise that part stays in ``payload``."""
    parsed = json_payload(payload)
    if not isinstance(parsed, dict):
        return {"payload": parsed}
    target = _no_ui(parsed)
    if rtype == "prepare":
        target = {k: v for k, v in target.items() if k not in PREPARE_EDITOR_KEYS}
        if isinstance(target.get("steps"), list):
            target["steps"] = [{k: v for k, v in s.items() if k not in STEP_EDITOR_KEYS}
                               if isinstance(s, dict) else s for s in target["steps"]]
    chosen = {}  # type: Dict[str, Any]
    found = [(field, extract(target))
             for field, extract in readable.extractors(rtype, rtype in visual.PAYLOAD_ENGINE_TYPES)]
    found = [(field, value) for field, value in found if value is not None]
    if _builds(rtype, dict(found), target):  # keys that build one structure together (a join's type and
        chosen = dict(found)                 # conditions) only rebuild it together
    else:
        for field, value in found:
            trial = dict(chosen, **{field: value})
            if _builds(rtype, trial, target):
                chosen = trial
    rest = strip(_remainder(rtype, chosen, target), dict(PAYLOAD, **default_flags(rtype)))
    out = dict(chosen)
    if rest or not chosen:
        out["payload"] = rest
    return out


def json_payload(payload: Any) -> Any:
    """A payload DSS holds as JSON text, parsed (blank: ``{}``); the text itself when it is no JSON,
    so that it is compared or imported as the text it is."""
    if not isinstance(payload, str):
        return payload
    try:
        return json.loads(payload) if payload.strip() else {}
    except ValueError:
        return payload


def default_flags(rtype: str) -> Dict[str, Any]:
    """The payload keys of ``rtype``'s readable booleans at their schema default (a grouping's
    ``globalCount: false``, a vstack's ``addOriginColumn: false``): DSS stores them whether or not
    the configuration names them, so the inverse leaves them out as it leaves out ``global_count``
    itself (the forward sends the default when no raw payload is written, ``visual._flag``)."""
    defaults = facts("Recipe").defaults
    return {row.paths[0][0]: defaults[row.key] for row in readable.table(rtype).rows
            if row.key in defaults and len(row.paths) == 1 and len(row.paths[0]) == 1}


def _no_ui(value: Any) -> Any:
    """``value`` without ``$``-prefixed UI keys (the plan never compares them)."""
    if isinstance(value, dict):
        return {k: _no_ui(v) for k, v in value.items() if not (isinstance(k, str) and k.startswith("$"))}
    if isinstance(value, list):
        return [_no_ui(v) for v in value]
    return value


class _Recipe(object):
    """A stand-in recipe for the payload builders: the readable keys given, the rest unset."""

    def __init__(self, rtype: str, fields: Dict[str, Any], payload: Any) -> None:
        self.type, self.payload, self.engine = rtype, payload, None
        self.name = "import"
        for field in visual.readable_fields(rtype):
            setattr(self, field, None)
        self.global_count = self.add_origin_column = False
        for key, value in fields.items():
            setattr(self, key, value)


def _builds(rtype: str, fields: Dict[str, Any], target: Dict[str, Any]) -> bool:
    """Whether ``fields`` plus the payload remainder rebuild ``target`` exactly."""
    try:
        rest = _remainder(rtype, fields, target)
        built = translate.recipe_payload(_Recipe(rtype, fields, rest if rest else None))
    except (KeyError, TypeError, ValueError, AttributeError):
        return False
    return same(built, target)


def _remainder(rtype: str, fields: Dict[str, Any], target: Dict[str, Any]) -> Dict[str, Any]:
    """What of ``target`` the readable ``fields`` do not set, when written beside a raw payload
    (booleans left at their default are then the payload's to say, see ``visual._flag``)."""
    return _subtract(target, visual.visual_payload(_Recipe(rtype, fields, {})) or {})


def _subtract(target: Dict[str, Any], built: Dict[str, Any]) -> Dict[str, Any]:
    """``target`` without what ``built`` sets (mappings recursively; other values whole)."""
    out = {}
    for key, value in target.items():
        if key not in built:
            out[key] = value
        elif isinstance(value, dict) and isinstance(built[key], dict):
            rest = _subtract(value, built[key])
            if rest:
                out[key] = rest
    return out
