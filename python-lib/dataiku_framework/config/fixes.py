"""Machine-applicable fixes for the schema's diagnostics, where one is certain (issue 18).

Why only these: an agent applies the edits ``validate --json`` proposes without a person reading them,
so a fix is offered only when there is one right answer:

* an unknown key close to exactly one allowed key (``did_you_mean``), not already set in that object:
  rename the key;
* a value outside a closed list, close to one of its values: replace the value;
* a missing required key whose value is certain (the schema's default, or the one value its enum
  allows, e.g. ``version: "1.0"``): insert ``key: value`` before the object's first key (block
  mappings of YAML files only: a flow mapping or a JSON file would need commas).

Each fix is one text edit on the file (``Diagnostic.set_fix``), so it applies the same way in a
main file or an included one.
"""
import json
import re
from typing import Any, Dict, Optional, Sequence

from .diagnostics import Diagnostic, suggested_name
from .schema_check import load_schema

#: Scalars YAML reads as text when written bare: anything else is written as a JSON (YAML) string.
_BARE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_YAML_WORDS = frozenset(["true", "false", "yes", "no", "on", "off", "null", "y", "n"])


def propose_fix(doc: Any, path: Sequence[Any], code: str, diagnostic: Diagnostic) -> None:
    """Attach the certain fix of one schema diagnostic at ``path`` to it, if there is one."""
    if not diagnostic.has_location or str(diagnostic.filename).lower().endswith(".json"):
        return
    name = suggested_name(diagnostic.hint)
    if code == "schema.unknown_key" and name is not None and path and name not in _value_at(doc, path[:-1]):
        diagnostic.set_fix("rename key '%s' to '%s'" % (path[-1], name), name)
    elif code == "schema.enum" and name is not None:
        diagnostic.set_fix("replace the value with '%s'" % name, yaml_scalar(name))
    elif code == "schema.required":
        _insert_required(path, diagnostic)


def yaml_scalar(value: Any) -> str:
    """``value`` as YAML that reads back as the same value and type (a bare word when that is safe)."""
    if isinstance(value, str) and _BARE.match(value) and value.lower() not in _YAML_WORDS:
        return value
    return json.dumps(value)


def _insert_required(path: Sequence[Any], diagnostic: Diagnostic) -> None:
    key = _missing_key(diagnostic.summary)
    prop = _schema_properties(path).get(key or "", {})
    if "default" in prop and prop["default"] is not None:
        value = prop["default"]
    elif len(prop.get("enum", [])) == 1:
        value = prop["enum"][0]
    else:
        return
    if _starts_flow_mapping(diagnostic):
        return
    indent = " " * (diagnostic.column - 1)
    diagnostic.set_fix("add '%s: %s'" % (key, yaml_scalar(value)), "%s: %s\n%s" % (key, yaml_scalar(value), indent),
                       insert=True)


def _missing_key(summary: str) -> Optional[str]:
    """The key named by schema_check's "missing required key 'K'" summary."""
    found = re.match(r"^missing required key '([^']+)'$", summary)
    return found.group(1) if found else None


def _schema_properties(path: Sequence[Any]) -> Dict[str, Any]:
    """The ``properties`` of the schema object found at configuration ``path`` ({} when not one object)."""
    schema = load_schema()
    node = schema  # type: Dict[str, Any]
    for part in path:
        node = _resolved(schema, node)
        node = node.get("items", {}) if isinstance(part, int) else node.get("properties", {}).get(part, {})
    return _resolved(schema, node).get("properties", {})


def _resolved(schema: Dict[str, Any], node: Dict[str, Any]) -> Dict[str, Any]:
    """``node`` after its ``$ref``; for an ``anyOf``, its one branch with keys (the mapping form)."""
    if "$ref" in node:
        node = schema["$defs"][node["$ref"].rsplit("/", 1)[-1]]
    branches = [b for b in node.get("anyOf", []) if "properties" in b]
    return branches[0] if len(branches) == 1 else node


def _value_at(doc: Any, path: Sequence[Any]) -> Any:
    """The object at ``path`` ({} when the path does not lead to one: then no rename is certain)."""
    node = doc
    try:
        for part in path:
            node = node[part]
    except (KeyError, IndexError, TypeError):
        return {}
    return node if isinstance(node, dict) else {}


def _starts_flow_mapping(diagnostic: Diagnostic) -> bool:
    """Whether the object the diagnostic points at is written ``{...}`` (or cannot be read: no fix)."""
    try:
        with open(diagnostic.filename, "r", encoding="utf-8") as handle:
            lines = handle.read().splitlines()
        return lines[diagnostic.line - 1][diagnostic.column - 1:].lstrip().startswith(("{", "["))
    except (OSError, IndexError, UnicodeDecodeError):
        return True
