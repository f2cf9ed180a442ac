"""``dss-framework schema`` and ``dss-framework reference --compact``: the configuration language for AI agents.

Why: the first users of a configuration are models turning natural language into YAML. They need the
exact language in their context, and the JSON Schema (about 32 KB of nested JSON) spends most of its
bytes on punctuation. ``reference --compact`` prints the same language, generated from the schema so it
cannot go stale, as one line per key: its type, whether it is required, its default, the object types it
applies to, its description and one example line. ``schema`` prints the schema itself (``--plan``: the
plan document's schema), for validators and editors.
"""

import argparse
import json
import os
import re
from typing import Any, Dict, Iterator, List, Optional, Tuple

from .. import exitcodes
from ..config.fixes import yaml_scalar
from ..config.schema_check import SCHEMA_PATH, load_schema
from .plan import command_parser

#: The plan document's schema, next to the configuration's.
PLAN_SCHEMA_PATH = os.path.join(os.path.dirname(SCHEMA_PATH), "plan-1.0.schema.json")

#: A list of "applies to" values longer than this is the recipe code types, named as such.
_CODE_TYPES = "code types"


def cmd_schema(args: argparse.Namespace) -> int:
    """Print the configuration's JSON Schema (or the plan document's, with ``--plan``) as shipped."""
    with open(PLAN_SCHEMA_PATH if args.plan else SCHEMA_PATH, "r", encoding="utf-8") as handle:
        print(handle.read().rstrip("\n"))
    return exitcodes.OK


def cmd_reference(args: argparse.Namespace) -> int:
    """Print the configuration language (compact: one line per key), generated from the JSON Schema."""
    print(compact_reference(load_schema()))
    return exitcodes.OK


def compact_reference(schema: Dict[str, Any]) -> str:
    """The whole configuration language in a few KB: one section per object type, one line per key.

    Line shape: ``key: TYPE [required] [= DEFAULT] [for a,b] -- description  e.g. key: VALUE``."""
    lines = ["# dataiku-framework configuration %s (generated from the JSON Schema %s)"
             % (schema["properties"]["version"]["enum"][0], schema.get("$id", "")),
             "# line: key: TYPE [required] [= default] [for TYPES: only those object types] -- what  e.g. example",
             "# TYPE names a section below; 'list of X'; 'a|b' is an enum; 'known' values are open lists.",
             "", "## Smallest valid configuration (every required key)"] + minimal_config(schema) + [""]
    code_types = schema["$defs"].get("Recipe", {}).get("x-code-types", [])
    for title, node in sections(schema):
        lines.append(_section_title(title, node))
        for key, prop in node["properties"].items():
            lines.append(_key_line(key, prop, key in node.get("required", []), code_types))
        lines.append("")
    lines.extend(_scalar_types(schema))
    return "\n".join(lines).rstrip("\n")


def minimal_config(schema: Dict[str, Any], node: Optional[Dict[str, Any]] = None, indent: str = "") -> List[str]:
    """YAML lines holding every required key, each with its example value: where a model starts from
    (a test validates it)."""
    node = schema if node is None else node
    lines = []  # type: List[str]
    for key in node.get("required", []):
        prop = node["properties"][key]
        target = schema["$defs"].get(prop.get("$ref", "").rsplit("/", 1)[-1], {})
        if target.get("required") and "properties" in target:
            lines.append("%s%s:" % (indent, key))
            lines.extend(minimal_config(schema, target, indent + "  "))
        else:
            lines.append("%s%s: %s" % (indent, key, _example(key, prop)))
    return lines


def sections(schema: Dict[str, Any]) -> Iterator[Tuple[str, Dict[str, Any]]]:
    """Every object with properties: the top level, each ``$defs`` entry, and the mapping form of a
    definition that is a string or a mapping (``anyOf``)."""
    yield "Top level", schema
    for name, node in schema["$defs"].items():
        if "properties" in node:
            yield name, node
        for branch in node.get("anyOf", []):
            if "properties" in branch:
                yield name + " (mapping form; or a plain %s)" % _type(_other_branch(node, branch)), branch


def _other_branch(node: Dict[str, Any], branch: Dict[str, Any]) -> Dict[str, Any]:
    others = [b for b in node["anyOf"] if b is not branch]
    return others[0] if others else {}


def _section_title(title: str, node: Dict[str, Any]) -> str:
    discriminator = node.get("x-discriminator")
    return "## %s%s" % (title, " (keys marked 'for' depend on '%s')" % discriminator if discriminator else "")


def _key_line(key: str, prop: Dict[str, Any], required: bool, code_types: List[str]) -> str:
    parts = ["%s: %s" % (key, _type(prop))]
    if required:
        parts.append("required")
    if "default" in prop and prop["default"] is not None:
        parts.append("= %s" % json.dumps(prop["default"]))
    applies = prop.get("x-applies-to")
    if applies:
        parts.append("for " + _applies(applies, code_types))
    line = " ".join(parts)
    if prop.get("description"):
        line += " -- " + prop["description"]
    return line + "  e.g. %s: %s" % (key, _example(key, prop))


def _applies(applies: List[str], code_types: List[str]) -> str:
    """``x-applies-to``, with the long list of recipe code types named once instead of spelled out."""
    if code_types and set(code_types) <= set(applies):
        rest = [a for a in applies if a not in code_types]
        return ",".join([_CODE_TYPES] + rest)
    return ",".join(applies)


def _type(prop: Dict[str, Any]) -> str:
    """A short type: a section name, ``list of X``, ``a|b`` for an enum, ``string (known: a,b,...)``."""
    if "$ref" in prop:
        return prop["$ref"].rsplit("/", 1)[-1]
    if "enum" in prop:
        return "|".join(json.dumps(v) if not isinstance(v, str) else v for v in prop["enum"])
    if "anyOf" in prop:
        return "|".join(_type(b) for b in prop["anyOf"])
    kind = prop.get("type", "any")
    if isinstance(kind, list):
        return "|".join(kind)
    if kind == "array":
        return "list of " + _type(prop.get("items", {}))
    if kind == "object" and "properties" not in prop:
        return "map of string to " + _type(prop["additionalProperties"]) \
            if isinstance(prop.get("additionalProperties"), dict) else "map"
    known = prop.get("x-known-values")
    if known:
        aliases = prop.get("x-aliases", {})
        alias_text = "; aliases " + ",".join("%s=%s" % pair for pair in aliases.items()) if aliases else ""
        return "%s (known: %s%s)" % (kind, ",".join(known), alias_text)
    return kind + _bounds(prop)


def _bounds(prop: Dict[str, Any]) -> str:
    """Numeric bounds and patterns, which an agent must respect to validate first time."""
    if "minimum" in prop or "maximum" in prop:
        return "[%s..%s]" % (prop.get("minimum", ""), prop.get("maximum", ""))
    if "pattern" in prop:
        return " /%s/" % prop["pattern"]
    return ""


def _example(key: str, prop: Dict[str, Any]) -> str:
    """One example value, in YAML flow style: the default, the first enum or known value, else one by type."""
    if prop.get("default") is not None:
        return yaml_scalar(prop["default"])
    for values in (prop.get("enum"), prop.get("x-known-values")):
        if values:
            return yaml_scalar(values[0])
    if "$ref" in prop:
        return _REF_EXAMPLES.get(prop["$ref"].rsplit("/", 1)[-1], "{...}")
    if "anyOf" in prop:
        return _example(key, prop["anyOf"][0])
    kind = prop.get("type")
    if "pattern" in prop:
        return yaml_scalar(next((c for c in _PATTERN_CANDIDATES if re.search(prop["pattern"], c)), "..."))
    if kind == "array":
        return "[%s]" % _example(key, prop.get("items", {}))
    if kind == "object" and isinstance(prop.get("additionalProperties"), dict):
        return "{name: %s}" % _example(key, prop["additionalProperties"])
    return _SCALAR_EXAMPLES.get(kind if isinstance(kind, str) else "", "...") if kind != "integer" \
        else str(prop.get("minimum", 1))


#: Examples of the definitions that are scalars (the others are mappings: ``{...}``).
_REF_EXAMPLES = {"Identifier": "orders_clean", "ObjectRef": "orders", "Tags": "[finance]",
                 "CodeOrFile": "recipes/clean.py", "StringMap": "{k: v}"}
#: Example strings tried in order against a key's pattern: the first that matches is its example.
_PATTERN_CANDIDATES = ["orders_clean", "SALES", "/Team/Sub", "description", "2026-01-01", "#2ab1ac"]
_SCALAR_EXAMPLES = {"string": "text", "number": "0.5", "boolean": "true", "object": "{k: v}"}


def _scalar_types(schema: Dict[str, Any]) -> List[str]:
    """The definitions without keys of their own (names, references, maps), one line each."""
    lines = ["## Scalar types"]
    for name, node in schema["$defs"].items():
        if "properties" not in node and not any("properties" in b for b in node.get("anyOf", [])):
            line = "%s: %s" % (name, _type(node))
            if node.get("description"):
                line += " -- " + node["description"]
            lines.append(line)
    return lines


def add_schema(subparsers: Any) -> None:
    parser = command_parser(subparsers, "schema", "print the configuration's JSON Schema (--plan: the plan's)",
                            "Print the JSON Schema of the configuration language, as shipped (for editors, "
                            "validators and AI agents).")
    parser.add_argument("--plan", action="store_true", help="print the plan document's schema instead")
    parser.set_defaults(handler=cmd_schema)


def add_reference(subparsers: Any) -> None:
    parser = command_parser(subparsers, "reference", "print the configuration language, generated from the schema",
                            "Print every key of the configuration language with its type, default, description "
                            "and an example, generated from the JSON Schema; --compact keeps it small enough for "
                            "a model's context.")
    parser.add_argument("--compact", action="store_true",
                        help="one line per key (the only form today; accepted so agents can ask for it)")
    parser.set_defaults(handler=cmd_reference)
