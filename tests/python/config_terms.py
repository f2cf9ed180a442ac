"""Issue 14 §11: every plan the suite makes speaks the configuration's language.

``problems(doc)`` walks one plan document and lists every changed-field path, every key inside a
changed field's ``before``/``after``, every drift or conflict path, and every key of a delete's
``before`` that the configuration schema (``schema/config-1.0.schema.json``) does not have at that
place. A path into a free-form mapping (``params``, ``payload``, ``settings``, variables) is the
config's own, except, when the file's document is given, a ``params.K`` the file does not write
raw where the schema gives K a first-class key for that object's type (a dataset's ``table``,
``sql_schema``...: its ``x-dss-param``; a scenario's ``steps``): the config writes that key.

Given ``written``, the configuration document as its file writes it (``yaml.safe_load`` of the
text: not the model, so the check does not share the code it checks), it also finds a path or a
value the plan gives in another spelling than the file's: a first-class key (``sql_schema``) where
the file writes the raw DSS key (``params.schema``), and a ``type`` shown as the value an alias
resolves to (``Snowflake``) where the file writes the alias (``SQL``).

The root ``conftest.py`` wraps ``Engine.plan`` with it (given the planned config's ``written_doc``),
so a test whose plan holds a DSS-termed path, or another spelling than its file's, fails; ``tests/python/plan/test_plan_config_terms.py`` shows it can fail.
"""
from typing import Any, Dict, List, Optional

from dataiku_framework.config.annotations import facts
from dataiku_framework.config.schema_check import load_schema
from dataiku_framework.resources.base import parse_path as split_path

DEFINITIONS = {"project": "Project", "variables": "Variables", "zone": "Zone", "managed_folder": "ManagedFolder",
               "dataset": "Dataset", "recipe": "Recipe", "scenario": "Scenario"}
FREE = "free"  # a node whose keys the schema leaves open


def _resolve(node: Any) -> Any:
    defs = load_schema()["$defs"]
    while isinstance(node, dict) and "$ref" in node:
        node = defs[node["$ref"].rsplit("/", 1)[-1]]
    return node


def _branches(node: Any) -> List[Any]:
    node = _resolve(node)
    if isinstance(node, dict) and "anyOf" in node:
        return [b for branch in node["anyOf"] for b in _branches(branch)]
    return [node]


def _free(node: Dict[str, Any]) -> bool:
    kinds = node.get("type")
    kinds = kinds if isinstance(kinds, list) else [kinds]
    return "object" in kinds and "properties" not in node and node.get("additionalProperties") is not False


def _step(node: Any, part: Any) -> List[Any]:
    """The schema nodes ``part`` leads to from ``node`` (none: not a config path)."""
    out = []  # type: List[Any]
    for branch in _branches(node):
        if not isinstance(branch, dict):
            continue
        if _free(branch):
            out.append(FREE)
        elif isinstance(part, int) and "items" in branch:
            out.append(branch["items"])
        elif isinstance(part, str) and part in (branch.get("properties") or {}):
            out.append(branch["properties"][part])
    return out


def nodes_at(definition: str, parts: List[Any]) -> List[Any]:
    nodes = [load_schema()["$defs"][definition]]  # type: List[Any]
    for part in parts:
        if FREE in nodes:
            return [FREE]
        nodes = [n for node in nodes for n in _step(node, part)]
    return nodes


def _dss_spellings() -> frozenset:
    """DSS's names of the configuration's enumerated values (``RECURSIVE_BUILD``, ``ds_modified``, ``LEFT``...)."""
    from dataiku_framework.dss import visual
    from dataiku_framework.resources.scenario import steps, triggers
    tables = (visual.SAMPLING_METHODS, visual.JOIN_TYPES)
    names = {v for table in tables for v in table.values() if isinstance(v, str)}
    names |= {v for table in (steps.JOB_TYPES, triggers.TRIGGER_TYPES) for v in table.dss_values()}
    return frozenset(names | {kind for kind, _ in steps.RUN_CONDITIONS.dss_values()})


def _dss_enum_value(nodes: List[Any], value: Any) -> bool:
    """A plain value where the schema lists the choices, spelled as DSS spells one of them."""
    enums = [b.get("enum") for n in nodes if n != FREE for b in _branches(n) if isinstance(b, dict)]
    allowed = [e for e in enums if e]
    spelled = value.upper() if isinstance(value, str) else value
    return bool(allowed) and isinstance(value, str) and not any(value in e for e in allowed) and (
        value in _dss_spellings() or any(spelled in [str(x).upper() for x in e] for e in allowed))


def value_fits(nodes: List[Any], value: Any) -> Optional[str]:
    """None when some node accepts the keys of ``value`` (recursively), else the first foreign key
    (or a value DSS spells its own way where the schema lists the configuration's choices)."""
    if _dss_enum_value(nodes, value):
        return repr(value)
    if FREE in nodes or not isinstance(value, (dict, list)):
        return None
    first = None
    for node in nodes:
        bad = _fits(node, value)
        if bad is None:
            return None
        first = first or bad
    return first


def _fits(node: Any, value: Any) -> Optional[str]:
    for branch in _branches(node):
        if not isinstance(branch, dict):
            continue
        if _free(branch):
            return None
        if isinstance(value, list) and "items" in branch:
            bad = next((b for b in (value_fits([branch["items"]], v) for v in value) if b), None)
            if bad is None:
                return None
        elif isinstance(value, dict) and "properties" in branch:
            props = branch["properties"]
            foreign = [k for k in value if k not in props]
            if foreign:
                continue
            bad = next((b for b in (value_fits([props[k]], v) for k, v in value.items()) if b), None)
            if bad is None:
                return None
    if isinstance(value, dict):
        return "%s" % sorted(value)
    return "%r" % (value[:3],)


def _first_class_param(entry: Dict[str, Any], parts: List[Any]) -> Optional[str]:
    """The first-class key a ``params.K`` path should have been named by, or None: K is a key of the
    object's own definition that applies to its type (a dataset's ``table``: its ``x-dss-param``;
    a scenario's ``steps``), so the configuration writes K, not ``params.K``."""
    definition = DEFINITIONS.get(entry.get("kind"))
    if definition is None or len(parts) < 2 or parts[0] != "params":
        return None
    info = facts(definition)
    by_param = {key: field for field, key in info.dss_params.items() if field != "connection"}
    field = by_param.get(parts[1], parts[1] if parts[1] in info.fields and parts[1] != "params" else None)
    if field is None:
        return None
    dtype = (entry.get("after") or entry.get("before") or {}).get("type")
    applies = info.applies_to.get(field)
    if applies is None or (isinstance(dtype, str) and (dtype in applies or info.canonical(dtype) in applies)):
        return field
    return None


def _writes_raw(obj: Optional[Dict[str, Any]], parts: List[Any]) -> bool:
    """The file writes ``params.K`` itself (then ``params.K`` is its spelling, as written)."""
    params = obj.get("params") if isinstance(obj, dict) else None
    return len(parts) >= 2 and parts[0] == "params" and isinstance(params, dict) and parts[1] in params


def check_field(entry: Dict[str, Any], path: str, sides: Dict[str, Any], where: str,
                obj: Optional[Dict[str, Any]] = None) -> List[str]:
    definition = DEFINITIONS.get(entry.get("kind"))
    if definition is None:
        return []
    parts = split_path(path)
    nodes = nodes_at(definition, parts) if parts else [load_schema()["$defs"][definition]]
    label = "%s %s %s" % (entry.get("address"), where, path or "(whole resource)")
    if not nodes:
        return ["%s: not a configuration path" % label]
    field = None if obj is None or _writes_raw(obj, parts) else _first_class_param(entry, parts)
    if field:
        return ["%s: the configuration names it %s" % (label, field)]
    out = []
    for side, value in sides.items():
        bad = value_fits(nodes, value)
        if bad:
            out.append("%s: %s holds keys the configuration does not have there: %s" % (label, side, bad))
    return out


SECTIONS = {"dataset": "datasets", "recipe": "recipes", "scenario": "scenarios", "managed_folder": "managed_folders",
            "zone": "zones"}


#: where an object's file writes raw the DSS keys its first-class keys stand for (``x-dss-param``)
RAW_HOLDERS = {"project": "settings"}


def written_doc(config: Any) -> Optional[Dict[str, Any]]:
    """The configuration document as its file writes it: the loader's document (``_source``, before the
    model reads it), with the config's environment applied; None for a config built or changed in
    code (then the file no longer says what the plan shows)."""
    from dataiku_framework.config.environments import apply_environment
    from dataiku_framework.config.located import to_plain
    source = getattr(config, "_source", None)
    if not isinstance(source, dict) or type(config)._build(source).to_dict() != config.to_dict():
        return None
    env = getattr(config, "env", None)
    return to_plain(apply_environment(source, env)[0] if env else source)


def written_object(written: Optional[Dict[str, Any]], entry: Dict[str, Any]) -> Optional[Dict[str, Any]]:
    """The object of ``entry`` as the file writes it (None: not written there, or no file given)."""
    if not isinstance(written, dict):
        return None
    if entry.get("kind") == "project":
        return written.get("project") if isinstance(written.get("project"), dict) else None
    section = SECTIONS.get(entry.get("kind"))
    name = entry.get("name") or str(entry.get("address")).partition(".")[2]
    found = [o for o in written.get(section) or [] if isinstance(o, dict) and o.get("name") == name]
    return found[0] if section and found else None


def check_spelling(entry: Dict[str, Any], change: Dict[str, Any], obj: Dict[str, Any]) -> List[str]:
    """The change's path and ``type`` value spelled as the file ``obj`` spells them."""
    label = "%s change %s" % (entry.get("address"), change["path"])
    parts = split_path(change["path"])
    definition = DEFINITIONS.get(entry.get("kind"))
    key = facts(definition).dss_params.get(parts[0]) if definition and parts else None
    holder = RAW_HOLDERS.get(entry.get("kind"), "params")
    params = obj.get(holder) if isinstance(obj.get(holder), dict) else {}
    if key is not None and parts[0] not in obj and key in params:
        return ["%s: the configuration writes %s.%s" % (label, holder, key)]
    fields = {k: f for f, k in (facts(definition).dss_params.items() if definition else ())}
    field = fields.get(parts[1]) if len(parts) >= 2 and parts[0] == holder else None
    if field is not None and field in obj and parts[1] not in params:
        return ["%s: the configuration writes %s" % (label, field)]
    if change["path"] == "type" and "type" in obj and change.get("after") != obj["type"]:
        return ["%s: after is %r where the configuration writes %r" % (label, change.get("after"), obj["type"])]
    return []


def problems(doc: Dict[str, Any], written: Optional[Dict[str, Any]] = None) -> List[str]:
    """What in ``doc`` is not in the configuration's terms (empty: all of it is); with ``written``
    (the configuration document as the file writes it), not in its spelling either."""
    out = []  # type: List[str]
    by_address = {}  # type: Dict[str, Dict[str, Any]]
    for entry in doc.get("resource_changes") or []:
        by_address[entry.get("address")] = entry
        obj = written_object(written, entry)
        for change in entry.get("changes") or []:
            out += check_field(entry, change["path"], {"before": change.get("before"), "after": change.get("after")},
                               "change", obj)
            out += check_spelling(entry, change, obj) if obj is not None else []
        if entry.get("action") == "delete" and entry.get("before") is not None:
            out += check_field(entry, "", {"before": entry["before"]}, "delete")
    for section in ("drift", "conflicts"):
        for item in doc.get(section) or []:
            entry = by_address.get(item.get("address")) or {"address": item.get("address"),
                                                             "kind": str(item.get("address")).split(".")[0]}
            out += check_field(entry, item.get("path") or "", {k: item.get(k) for k in ("before", "after", "config")},
                               section, written_object(written, entry))
    return out
