"""DSS JSON -> configuration documents: the inverse of ``dss.translate`` and ``dss.visual``.

One function per kind turns the live object (as the plan reads it: ``plan.refresh.Snapshot``) into
the configuration object that stands for it: first-class keys wherever the translation has one,
readable visual keys where the payload is exactly what they build, and the rest as raw ``params`` /
``payload``, without the values DSS fills in by itself (``defaults``). Whether the result really
stands for the object is not decided here: ``build`` checks it with the plan's own comparison.
Each function returns a document (plain dict, inline ``code``) or raises ``LeftOut`` with the reason.
"""
import json
import re
from typing import Any, Dict, List, Optional, Tuple

from ..config.annotations import facts
from ..dss import translate, visual
from ..resources.project import permission_terms
from . import defaults
from .defaults import same, strip

IDENTIFIER = re.compile(r"^[A-Za-z0-9_]+$")
PERMISSION_EXTRAS = frozenset(
    ["readProjectContent", "writeProjectContent", "exportDatasetsData", "readDashboards", "writeDashboards",
     "moderateDashboards", "runScenarios", "manageDashboardAuthorizations", "manageExposedElements",
     "manageAdditionalDashboardUsers", "executeApp", "editPermissions", "publishToDataCollections",
     "shareToWorkspaces", "admin"])
RECIPE_TYPES = {dss: ours for ours, dss in translate.RECIPE_TYPES.items() if ours != "sql"}


class LeftOut(Exception):
    """The object has no faithful form in the configuration language; the message says why."""


def check_name(name: Any) -> str:
    if not isinstance(name, str) or not IDENTIFIER.match(name):
        raise LeftOut("its name %r is not one the configuration language accepts (letters, digits and _)"
                      % (name,))
    return name


def _set(out: Dict[str, Any], key: str, value: Any) -> None:
    """``out[key] = value`` unless the value is empty (the default of every optional key)."""
    if value not in (None, "", [], {}):
        out[key] = value


def _common(out: Dict[str, Any], raw: Dict[str, Any], short: bool = True) -> None:
    _set(out, "description", raw.get("description"))
    if short:
        _set(out, "short_desc", raw.get("shortDesc"))
    _set(out, "tags", sorted(raw.get("tags") or []))


# -- project ------------------------------------------------------------------------------------------------------

def project(snap: Any, left_out: List[Tuple[str, str, str]]) -> Dict[str, Any]:
    md, params = snap.metadata or {}, snap.settings or {}
    out = {"key": snap.project_key}  # type: Dict[str, Any]
    if md.get("label") != snap.project_key:  # a project created without a name is named by its key
        _set(out, "name", md.get("label"))
    _common(out, md)
    _set(out, "owner", params.get("owner"))
    perms = _permissions(params.get("permissions") or [])
    if perms is None:
        left_out.append(("project permissions", snap.project_key, "an entry has no level the language can write "
                                                                  "(read, write, admin) or a flag it does not know"))
    else:
        _set(out, "permissions", perms)
    settings = params.get("settings") or {}
    mode = settings.get("gitCommitMode")
    if isinstance(mode, str) and mode != defaults.PROJECT_SETTINGS["gitCommitMode"] \
            and mode.lower() in ("auto", "explicit"):
        out["git_commit_mode"] = mode.lower()
    if settings.get("disableAutomaticTriggers") is True:
        out["disable_automatic_triggers"] = True
    raw = strip(settings, defaults.PROJECT_SETTINGS, defaults.PROJECT_SETTINGS_VARIANTS)
    for key, field in (("gitCommitMode", "git_commit_mode"),
                       ("disableAutomaticTriggers", "disable_automatic_triggers")):
        if field in out:
            raw.pop(key, None)
    _set(out, "settings", raw)
    variables = {scope: dict(values) for scope, values in (snap.variables or {}).items()
                 if scope in ("standard", "local") and isinstance(values, dict) and values}
    _set(out, "variables", variables)
    return out


def _permissions(entries: List[Any]) -> Optional[List[Dict[str, Any]]]:
    """Permission entries as ``{group|user, level, extra}``; None when one cannot be written."""
    out = []
    for entry in entries:
        if not isinstance(entry, dict) or not (entry.get("group") or entry.get("user")):
            return None
        terms = permission_terms(entry)
        if terms["level"] == "none" or not set(terms["extra"]) <= PERMISSION_EXTRAS:
            return None
        item = {"group": entry["group"]} if entry.get("group") else {"user": entry["user"]}
        item["level"] = terms["level"]
        _set(item, "extra", terms["extra"])
        out.append(item)
    return sorted(out, key=lambda p: (p.get("group") is None, p.get("group") or p.get("user")))


# -- zones, folders, datasets -------------------------------------------------------------------------------------

def zone(raw: Dict[str, Any]) -> Dict[str, Any]:
    out = {"name": check_name(raw.get("name"))}
    if raw.get("color") and raw.get("color") != defaults.ZONE_COLOR:
        out["color"] = raw["color"]
    return out


def folder(raw: Dict[str, Any], zone_name: Optional[str]) -> Dict[str, Any]:
    out = {"name": check_name(raw.get("name"))}  # type: Dict[str, Any]
    if raw.get("type") and raw["type"] != "Filesystem":
        out["type"] = raw["type"]
    params = dict(raw.get("params") or {})
    connection = params.pop("connection", None)
    if connection and connection != translate.DEFAULT_FOLDER_CONNECTION:
        out["connection"] = connection
    params = strip(params, defaults.FOLDER_PARAMS)
    _set(out, "path", params.pop("path", None))
    _common(out, raw, short=False)
    _set(out, "zone", zone_name)
    _set(out, "params", params)
    return out


def dataset(raw: Dict[str, Any], zone_name: Optional[str]) -> Dict[str, Any]:
    name = check_name(raw.get("name"))
    dtype = raw.get("type")
    if not isinstance(dtype, str) or not dtype:
        raise LeftOut("it has no type")
    managed = bool(raw.get("managed")) and dtype not in ("UploadedFiles",)
    out = {"name": name, "type": dtype}  # type: Dict[str, Any]
    params = dict(raw.get("params") or {})
    _set(out, "connection", params.pop("connection", None))
    if managed:
        out["managed"] = True
    _common(out, raw)
    _set(out, "zone", zone_name)
    fmt = raw.get("formatType")
    if fmt:
        out["format_type"] = fmt
        _set(out, "format_params", strip(raw.get("formatParams"), defaults.format_params(fmt, managed)))
    columns = [_column(c) for c in (raw.get("schema") or {}).get("columns") or []]
    _set(out, "schema", columns)
    dims = ((raw.get("partitioning") or {}).get("dimensions")) or []
    if dims:
        out["partitioning"] = _partitioning(raw["partitioning"])
    params = strip(params, defaults.DATASET_PARAMS)
    if dtype in translate.SQL_TYPES and params.get("mode") == ("query" if params.get("query") else "table"):
        params.pop("mode")
    if managed and dtype in translate.FS_TYPES and params.get("path") == "${projectKey}/" + name:
        params.pop("path")
    if managed and dtype in translate.SQL_TYPES and params.get("table") == "${projectKey}_" + name:
        params.pop("table")  # DSS's table name for a managed SQL dataset
    _set(out, "params", params)
    return out


def _column(raw: Dict[str, Any]) -> Dict[str, Any]:
    out = {"name": raw.get("name"), "type": raw.get("type") or "string"}
    _set(out, "comment", raw.get("comment"))
    _set(out, "meaning", raw.get("meaning"))
    if isinstance(raw.get("maxLength"), int) and raw["maxLength"] != defaults.NO_MAX_LENGTH:
        out["max_length"] = raw["maxLength"]
    return out


def _partitioning(raw: Dict[str, Any]) -> Dict[str, Any]:
    dims = []
    for d in raw.get("dimensions") or []:
        dim = {"name": d.get("name"), "type": d.get("type") or "value"}
        period = (d.get("params") or {}).get("period")
        if period:
            dim["period"] = period
        dims.append(dim)
    out = {"dimensions": dims}  # type: Dict[str, Any]
    _set(out, "file_path_pattern", raw.get("filePathPattern"))
    return out


# -- recipes ------------------------------------------------------------------------------------------------------

def recipe(entry: Dict[str, Any], folder_names: Dict[str, str], zone_name: Optional[str],
           notes: List[Tuple[str, str, str]]) -> Dict[str, Any]:
    raw = entry.get("recipe") or {}
    name = check_name(raw.get("name"))
    dss_type = raw.get("type")
    if not isinstance(dss_type, str) or not dss_type:
        raise LeftOut("it has no type")
    rtype = RECIPE_TYPES.get(dss_type, dss_type)
    out = {"name": name, "type": rtype}  # type: Dict[str, Any]
    for side in ("inputs", "outputs"):
        _set(out, side, _io(raw.get(side) or {}, side, folder_names, name, notes))
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
    _common(out, raw)
    _set(out, "zone", zone_name)
    _set(out, "params", strip(params, defaults.RECIPE_PARAMS, defaults.RECIPE_PARAMS_VARIANTS))
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
    parsed = payload
    if isinstance(payload, str):
        try:
            parsed = json.loads(payload) if payload.strip() else {}
        except ValueError:
            return {"payload": payload}
    if not isinstance(parsed, dict):
        return {"payload": parsed}
    target = _no_ui(parsed)
    if rtype == "prepare":
        target = {k: v for k, v in target.items() if k not in defaults.PREPARE_EDITOR_KEYS}
        if isinstance(target.get("steps"), list):
            target["steps"] = [{k: v for k, v in s.items() if k not in defaults.STEP_EDITOR_KEYS}
                               if isinstance(s, dict) else s for s in target["steps"]]
    chosen = {}  # type: Dict[str, Any]
    engine = (("engine", _pick(("engineType",), lambda v: isinstance(v, str))),) \
        if rtype in visual.PAYLOAD_ENGINE_TYPES else ()
    found = [(field, extract(target)) for field, extract in READABLE.get(rtype, ()) + engine]
    found = [(field, value) for field, value in found if value is not None]
    if _builds(rtype, dict(found), target):  # keys that build one structure together (a join's type and
        chosen = dict(found)                 # conditions) only rebuild it together
    else:
        for field, value in found:
            trial = dict(chosen, **{field: value})
            if _builds(rtype, trial, target):
                chosen = trial
    rest = strip(_remainder(rtype, chosen, target), defaults.PAYLOAD)
    out = dict(chosen)
    if rest or not chosen:
        out["payload"] = rest
    return out


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


def _columns(items: Any) -> Optional[List[str]]:
    if not isinstance(items, list) or not items:
        return None
    if not all(isinstance(i, dict) and isinstance(i.get("column"), str) for i in items):
        return None
    return [i["column"] for i in items]


def _aggregations(values: Any) -> Optional[List[Dict[str, Any]]]:
    if not isinstance(values, list) or not values:
        return None
    out = []
    for v in values:
        if not isinstance(v, dict) or not isinstance(v.get("column"), str):
            return None
        functions = [fn for fn, flag in visual.AGGREGATION_FLAGS.items() if v.get(flag) is True]
        if not functions:
            return None
        out.append({"column": v["column"], "functions": functions})
    return out


def _orders(orders: Any) -> Optional[List[Any]]:
    if not isinstance(orders, list) or not orders:
        return None
    out = []
    for o in orders:
        if not isinstance(o, dict) or not isinstance(o.get("column"), str):
            return None
        out.append({"column": o["column"], "desc": True} if o.get("desc") else o["column"])
    return out


def _join_on(p: Dict[str, Any]) -> Optional[List[Dict[str, str]]]:
    joins = p.get("joins")
    if not isinstance(joins, list) or len(joins) != 1:
        return None
    conds = []
    for c in joins[0].get("on") or []:
        left, right = (c.get("column1") or {}).get("name"), (c.get("column2") or {}).get("name")
        if c.get("type") != "EQ" or not isinstance(left, str) or not isinstance(right, str):
            return None
        conds.append({"left": left, "right": right})
    return conds or None


def _join_type(p: Dict[str, Any]) -> Optional[str]:
    joins = p.get("joins")
    kind = joins[0].get("type") if isinstance(joins, list) and len(joins) == 1 else None
    return {v: k for k, v in visual.JOIN_TYPES.items()}.get(kind)


def _window_first(p: Dict[str, Any]) -> Dict[str, Any]:
    windows = p.get("windows")
    return windows[0] if isinstance(windows, list) and len(windows) == 1 and isinstance(windows[0], dict) else {}


def _split_ratio(p: Dict[str, Any]) -> Optional[float]:
    shares = p.get(visual.SPLIT_SHARE_LISTS.get(p.get("mode") or "RANDOM", ""))
    if isinstance(shares, list) and len(shares) == 1 and isinstance(shares[0].get("share"), (int, float)):
        return shares[0]["share"] / 100.0
    return None


def _steps(p: Dict[str, Any]) -> Optional[List[Dict[str, Any]]]:
    steps = p.get("steps")
    if not isinstance(steps, list) or not steps:
        return None
    out = []
    for s in steps:
        if not isinstance(s, dict) or s.get("metaType") != "PROCESSOR" or not isinstance(s.get("type"), str):
            return None
        step = {"type": s["type"]}  # type: Dict[str, Any]
        _set(step, "params", s.get("params"))
        if s.get("disabled"):
            step["disabled"] = True
        if s.get("name") is not None:
            step["name"] = s["name"]
        out.append(step)
    return out


def _pick(path: Tuple[Any, ...], check: Any = None) -> Any:
    def get(p: Dict[str, Any]) -> Any:
        value = p  # type: Any
        for key in path:
            value = value.get(key) if isinstance(value, dict) else None
        return value if check is None or check(value) else None
    return get


_SAMPLING = {v: k for k, v in visual.SAMPLING_METHODS.items()}
READABLE = {
    "grouping": (("keys", lambda p: _columns(p.get("keys"))),
                 ("aggregations", lambda p: _aggregations(p.get("values"))),
                 ("global_count", _pick(("globalCount",), lambda v: v is True))),
    "join": (("join_type", _join_type), ("on", _join_on)),
    "prepare": (("steps", _steps),),
    "split": (("mode", _pick(("mode",), lambda v: isinstance(v, str))), ("ratio", _split_ratio),
              ("seed", _pick(("seed",), lambda v: isinstance(v, int) and not isinstance(v, bool)))),
    "vstack": (("mode", _pick(("mode",), lambda v: isinstance(v, str))),
               ("add_origin_column", _pick(("addOriginColumn",), lambda v: v is True))),
    "window": (("partition_by", lambda p: _window_first(p).get("partitioningColumns") or None),
               ("order_by", lambda p: _orders(_window_first(p).get("orders"))),
               ("aggregations", lambda p: _aggregations(p.get("values")))),
    "distinct": (("keys", lambda p: _columns(p.get("keys"))),),
    "sort": (("order_by", lambda p: _orders(p.get("orders"))),),
    "topn": (("top", _pick(("firstRows",), lambda v: isinstance(v, int) and v > 0)),
             ("partition_by", _pick(("keys",), lambda v: isinstance(v, list) and bool(v)
                                    and all(isinstance(k, str) for k in v))),
             ("order_by", lambda p: _orders(p.get("orders")))),
    "pivot": (("pivot_column", lambda p: ((_pick(("pivots",))(p) or [{}])[0].get("keyColumns") or [None])[0]
               if isinstance(p.get("pivots"), list) and len(p["pivots"]) == 1 else None),
              ("aggregations", lambda p: _aggregations((p.get("pivots") or [{}])[0].get("valueColumns"))
               if isinstance(p.get("pivots"), list) and len(p["pivots"]) == 1 else None),
              ("keys", lambda p: p.get("explicitIdentifiers") if p.get("identifierColumnsSelection") == "EXPLICIT"
               else None)),
    "sampling": (("method", lambda p: _SAMPLING.get(_pick(("selection", "samplingMethod"))(p))),
                 ("ratio", _pick(("selection", "targetRatio"), lambda v: isinstance(v, (int, float))
                                 and not isinstance(v, bool))),
                 ("max_records", _pick(("selection", "maxRecords"), lambda v: isinstance(v, int)
                                       and not isinstance(v, bool))),
                 ("seed", _pick(("selection", "seed"), lambda v: isinstance(v, int) and not isinstance(v, bool)))),
}
READABLE["fuzzyjoin"] = READABLE["geojoin"] = READABLE["join"]


# -- scenarios: the inverse lives with the scenario kind (resources/scenario/inverse.py) ---------------------------

_SCENARIO_NAMES = frozenset(["scenario", "trigger", "step"])


def __getattr__(name: str) -> Any:
    """``convert.scenario``/``trigger``/``step``, imported on first use (the scenario inverse imports
    this module: a load-time import here would be circular)."""
    if name not in _SCENARIO_NAMES:
        raise AttributeError("module %r has no attribute %r" % (__name__, name))
    from ..resources.scenario import inverse
    return getattr(inverse, name)
