"""Configuration objects -> the DSS definitions they stand for (pure functions, no I/O).

Why separate from the calls that send them: the same desired definitions are what a plan will
compare with what DSS returns, so the mapping from our readable keys to DSS's JSON lives in one
place. Input is a *resolved* config (``FrameworkConfig.resolved()``): code read from files,
``type: SQL`` replaced by the connection's type, environment overlay applied.
"""
from typing import Any, Dict, List, Optional

from ..config.annotations import facts
from . import visual

#: the connection of a managed folder that names none (DSS's default too)
DEFAULT_FOLDER_CONNECTION = "filesystem_folders"
#: DSS's default flow zone: its id, and the name the config uses for it (no ``zones:`` entry needed)
DEFAULT_ZONE = "default"
FS_TYPES = frozenset(["Filesystem", "UploadedFiles", "FilesInFolder", "HDFS", "S3", "Azure", "GCS", "FTP",
                      "SCP", "SFTP"])
SQL_TYPES = facts("Dataset").applies_to["table"]
CODE_TYPES = facts("Recipe").applies_to["code"]

# DSS's managed-dataset format options, by our format_type
FORMAT_OPTIONS = {"csv": "CSV_ESCAPING_NOGZIP_FORHIVE", "parquet": "PARQUET_HIVE", "avro": "AVRO",
                  "orc": "ORC", "json": "JSON"}
# recipe type names in the config -> DSS recipe types
RECIPE_TYPES = {"prepare": "shaker", "sql": "sql_query"}
def _set(target, key, value):
    if value is not None:
        target[key] = value


def dataset_params(ds):
    # type: (Any) -> Dict[str, Any]
    """DSS ``params`` of a dataset: first-class keys mapped through the schema's x-dss-param."""
    params = {}  # type: Dict[str, Any]
    _set(params, "connection", ds.connection)
    for field, dss_key in facts("Dataset").dss_params.items():
        if field == "connection":
            continue
        applies = facts("Dataset").applies_to.get(field)
        if applies is None or ds.type in applies:
            _set(params, dss_key, getattr(ds, field))
    if ds.type in SQL_TYPES:
        params["mode"] = "query" if ds.query else "table"
    # DSS gives managed files datasets a ${projectKey}/NAME path; upload datasets keep none
    if ds.managed and ds.type in FS_TYPES and ds.type != "UploadedFiles" and "path" not in params:
        params["path"] = "${projectKey}/" + ds.name
    params.update(ds.params or {})
    return params


def columns(schema):
    # type: (Optional[List[Any]]) -> List[Dict[str, Any]]
    out = []
    for col in schema or []:
        c = {"name": col.name, "type": col.type or "string"}
        _set(c, "comment", col.comment)
        _set(c, "meaning", col.meaning)
        _set(c, "maxLength", col.max_length)
        out.append(c)
    return out


def _field(obj: Any, name: str) -> Any:
    """``obj.name`` or ``obj[name]``: partitioning is a plain mapping in the model (no record class)."""
    if isinstance(obj, dict):
        return obj.get(name)
    return getattr(obj, name, None)


def partitioning(part: Any) -> Dict[str, Any]:
    """DSS ``partitioning`` from the config's ``{dimensions: [{name, type, period}], file_path_pattern}``."""
    dims = []
    for d in _field(part, "dimensions") or [] if part is not None else []:
        dim = {"name": _field(d, "name"), "type": _field(d, "type") or "value"}  # type: Dict[str, Any]
        period = _field(d, "period")
        if period:
            dim["params"] = {"period": str(period).upper()}
        dims.append(dim)
    out = {"dimensions": dims}  # type: Dict[str, Any]
    pattern = _field(part, "file_path_pattern") if part is not None else None
    if pattern:
        out["filePathPattern"] = pattern
    return out


def dataset_definition(ds, project_key):
    # type: (Any, str) -> Dict[str, Any]
    """The parts of a DSS dataset definition the config governs."""
    d = {"projectKey": project_key, "name": ds.name, "type": ds.type, "managed": bool(ds.managed),
         "params": dataset_params(ds), "tags": sorted(ds.tags or []),
         "description": ds.description or "", "shortDesc": ds.short_desc or "",
         "partitioning": partitioning(ds.partitioning)}  # type: Dict[str, Any]
    if ds.format_type:
        d["formatType"] = ds.format_type
        d["formatParams"] = dict(ds.format_params or {})
    if ds.schema:
        d["schema"] = {"columns": columns(ds.schema), "userModified": True}
    return d


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
    return RECIPE_TYPES.get(rc.type, rc.type)


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


def permission_entry(p):
    # type: (Any) -> Dict[str, Any]
    """A DSS permission item from ``{group|user, level}`` (read < write < admin)."""
    level = p.level or "read"
    entry = {"readProjectContent": True, "readDashboards": True}  # type: Dict[str, Any]
    if level in ("write", "admin"):
        entry.update({"writeProjectContent": True, "runScenarios": True})
    if level == "admin":
        entry["admin"] = True
    for flag in p.extra or []:
        entry[flag] = True
    if p.group:
        entry["group"] = p.group
    if p.user:
        entry["user"] = p.user
    return entry


def project_settings(pc: Any) -> Dict[str, Any]:
    """The project's ``settings`` block the config sets (git commit mode, automatic triggers, raw settings)."""
    settings = {}  # type: Dict[str, Any]
    if pc.git_commit_mode:
        settings["gitCommitMode"] = pc.git_commit_mode.upper()
    if pc.disable_automatic_triggers is not None:
        settings["disableAutomaticTriggers"] = bool(pc.disable_automatic_triggers)
    settings.update(pc.settings or {})
    return settings


def folder_params(mf: Any) -> Dict[str, Any]:
    """A managed folder's DSS ``params``: its connection (default ``filesystem_folders``), path and raw params."""
    params = {"connection": mf.connection or DEFAULT_FOLDER_CONNECTION}  # type: Dict[str, Any]
    if mf.path:
        params["path"] = mf.path
    params.update(mf.params or {})
    return params


#: the scenario translation and its tables live with the scenario kind (issue 17); these names stay
#: readable here, imported on first use (an import at load time would be circular: resources -> dss)
_SCENARIO_NAMES = {"TRIGGER_TYPES": "triggers", "MONTHLY_BASE": "triggers", "trigger_definition": "triggers",
                   "JOB_TYPES": "steps", "RUN_CONDITIONS": "steps", "step_definition": "steps",
                   "scenario_type": "", "scenario_definition": ""}


def __getattr__(name: str) -> Any:
    if name not in _SCENARIO_NAMES:
        raise AttributeError("module %r has no attribute %r" % (__name__, name))
    import importlib
    module = importlib.import_module(".".join(filter(None, ("dataiku_framework.resources.scenario",
                                                             _SCENARIO_NAMES[name]))))
    return getattr(module, name)
