"""A compiled checker for the subset of JSON Schema the config schema uses.

Why not call ``jsonschema`` at load time: on a 5,000-object configuration its
generic keyword dispatch costs seconds, and its messages ("... is not valid
under any of the given schemas") are not the precise, fix-suggesting
messages this project promises. The schema file stays the single source of
truth: this module compiles it once into closures, refuses any keyword it does
not implement (so the schema cannot silently grow beyond what is checked), and
a differential test checks that it accepts exactly what ``jsonschema``'s
Draft 2020-12 validator accepts.

Each error is ``(path_tuple, code, message, hint, at_key)``; ``at_key`` asks for
the position of the key rather than of the value.
"""

import json
import os
import re
from typing import Any, Callable, Dict, List, Optional, Tuple

from .diagnostics import did_you_mean
from .printable import printable
from .secrets import redact_value

SCHEMA_PATH = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                           "schema", "config-1.0.schema.json")
#: Where the package's JSON Schemas are published: each one's ``$id`` is this URL and its file name, and
#: the documentation site serves it there (``tools/gen_docs.py``), so an editor modeline naming it works.
SCHEMA_BASE_URL = "https://dataiku-framework.dev/schema/"
#: The configuration schema's ``$id``: what a configuration's ``yaml-language-server`` modeline names.
SCHEMA_ID = SCHEMA_BASE_URL + os.path.basename(SCHEMA_PATH)

#: Keywords that only annotate; the checker ignores them.
ANNOTATIONS = frozenset(["$schema", "$id", "$defs", "title", "description", "default", "examples",
                         "markdownDescription"])
#: Keywords the checker implements.
SUPPORTED = frozenset(["type", "properties", "additionalProperties", "required", "propertyNames", "items",
                       "minItems", "enum", "const", "pattern", "minLength", "maxLength", "minimum", "maximum", "$ref",
                       "anyOf"])

SchemaError = Tuple[Tuple[Any, ...], str, str, Optional[str], bool]
Checker = Callable[[Any, List[Any], List[SchemaError]], None]

_JSON_TYPES = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "integer": lambda v: (isinstance(v, int) and not isinstance(v, bool))
    or (isinstance(v, float) and v.is_integer()),
}

_REFERENCE_RE = re.compile(r"\$\{[^}]*\}")
_YAML_BOOLEAN_WORDS = frozenset(["yes", "no", "on", "off", "y", "n", "Yes", "No", "On", "Off", "YES", "NO"])


def json_type_name(value):
    # type: (Any) -> str
    """The JSON name of a Python value's type, for messages."""
    if isinstance(value, bool):
        return "boolean"
    if value is None:
        return "null"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "list"
    if isinstance(value, dict):
        return "mapping"
    return type(value).__name__


def _type_hint(expected, value):
    # type: (List[str], Any) -> Optional[str]
    """Hints for the classic YAML surprises (unquoted numbers, yes/no, empty values)."""
    if "string" not in expected and isinstance(value, str) and _REFERENCE_RE.search(value):
        return ("${...} references are replaced as text, so they are allowed only where text is expected; "
                "write the value itself, or set it per deployment under 'environments:'")
    if "string" in expected and isinstance(value, (bool, int, float)):
        return "quote the value: YAML read it as %s" % with_article(json_type_name(value))
    if "boolean" in expected and isinstance(value, str) and value in _YAML_BOOLEAN_WORDS:
        return "write true or false"
    if value is None:
        return "the value is empty; give a value or remove the key"
    return None


def with_article(word):
    # type: (str) -> str
    return ("an " if word[:1] in "aeiou" else "a ") + word


def _short(value):
    # type: (Any) -> str
    """A value quoted in a message: credential-looking parts redacted (before truncating), at most 60 characters."""
    value = redact_value(value)
    text = json.dumps(value, default=str) if not isinstance(value, str) else "'%s'" % printable(value, one_line=True)
    return text if len(text) <= 60 else text[:57] + "..."


def anchored(pattern):
    # type: (str) -> str
    """``pattern`` with a final ``$`` replaced by ``\\Z``.

    Why: Python's ``$`` also matches before a final newline, so ``^[A-Z]+$`` accepted ``"D1\\n"``,
    and DSS was then asked to create an object whose name ends in a newline. The schema keeps ``$``
    (the JSON Schema regex dialect, ECMA-262, has no ``\\Z`` and its ``$`` is the true end).
    """
    if pattern.endswith("$") and not pattern.endswith("\\$"):
        return pattern[:-1] + "\\Z"
    return pattern


class _Compiler(object):
    """Compiles schema nodes to checkers; ``$ref`` targets are compiled once and shared."""

    def __init__(self, root):
        # type: (Dict[str, Any]) -> None
        self.root = root
        self.refs = {}  # type: Dict[str, List[Optional[Checker]]]
        self.ref_types = {}  # type: Dict[str, Callable[[Any], bool]]

    def compile(self, node):
        # type: (Dict[str, Any]) -> Checker
        unknown = [k for k in node if k not in SUPPORTED and k not in ANNOTATIONS and not k.startswith("x-")]
        if unknown:
            raise ValueError("schema keyword(s) not supported by the checker: %s" % ", ".join(sorted(unknown)))
        parts = []  # type: List[Checker]
        if "$ref" in node:
            parts.append(self._ref(node["$ref"]))
        if "type" in node:
            parts.append(self._type(node["type"]))
        if "enum" in node:
            parts.append(self._enum(node["enum"]))
        if "const" in node:
            parts.append(self._enum([node["const"]]))
        if "anyOf" in node:
            parts.append(self._any_of(node["anyOf"]))
        string_checks = self._string(node)
        if string_checks:
            parts.append(string_checks)
        number_checks = self._number(node)
        if number_checks:
            parts.append(number_checks)
        if any(k in node for k in ("properties", "additionalProperties", "required", "propertyNames")):
            parts.append(self._object(node))
        if "items" in node or "minItems" in node:
            parts.append(self._array(node))
        return self._all(parts, "type" in node or "$ref" in node)

    @staticmethod
    def _all(parts, typed):
        # type: (List[Checker], bool) -> Checker
        if len(parts) == 1:
            return parts[0]
        if typed and parts:
            first, rest = parts[0], parts[1:]

            def check_typed(value, path, errors):
                before = len(errors)
                first(value, path, errors)
                if len(errors) == before:  # no cascade of errors after a type mismatch
                    for part in rest:
                        part(value, path, errors)
            return check_typed

        def check_all(value, path, errors):
            for part in parts:
                part(value, path, errors)
        return check_all

    def accepts_type(self, node):
        # type: (Dict[str, Any]) -> Callable[[Any], bool]
        """A cheap predicate: could ``value`` match ``node`` as far as its JSON type goes?"""
        if "$ref" in node:
            name = node["$ref"]
            return lambda v: self._ref_accepts(name, v)
        if "type" in node:
            types = node["type"] if isinstance(node["type"], list) else [node["type"]]
            tests = [_JSON_TYPES[t] for t in types]
            return lambda v: any(t(v) for t in tests)
        if "anyOf" in node:
            tests = [self.accepts_type(b) for b in node["anyOf"]]
            return lambda v: any(t(v) for t in tests)
        return lambda v: True

    def _ref_accepts(self, name, value):
        # type: (str, Any) -> bool
        if name not in self.ref_types:
            self.ref_types[name] = self.accepts_type(self._resolve(name))
        return self.ref_types[name](value)

    def _resolve(self, ref):
        # type: (str) -> Dict[str, Any]
        if not ref.startswith("#/"):
            raise ValueError("only local $ref are supported: %s" % ref)
        node = self.root  # type: Any
        for part in ref[2:].split("/"):
            node = node[part]
        return node

    def _ref(self, ref):
        # type: (str) -> Checker
        if ref not in self.refs:
            cell = [None]  # type: List[Optional[Checker]]
            self.refs[ref] = cell
            cell[0] = self.compile(self._resolve(ref))
        cell = self.refs[ref]

        def check_ref(value, path, errors):
            cell[0](value, path, errors)  # type: ignore
        return check_ref

    @staticmethod
    def _type(spec):
        # type: (Any) -> Checker
        expected = spec if isinstance(spec, list) else [spec]
        tests = tuple(_JSON_TYPES[t] for t in expected)
        label = " or ".join("list" if t == "array" else "mapping" if t == "object" else t for t in expected)

        def check_type(value, path, errors):
            for test in tests:
                if test(value):
                    return
            errors.append((tuple(path), "schema.type", "expected %s, got %s %s" % (
                label, json_type_name(value), _short(value)), _type_hint(expected, value), False))
        return check_type

    @staticmethod
    def _enum(allowed):
        # type: (List[Any]) -> Checker
        listing = ", ".join(str(a) for a in allowed)

        def check_enum(value, path, errors):
            for candidate in allowed:
                if value == candidate and type(value) is type(candidate):
                    return
            hint = did_you_mean(value, [a for a in allowed if isinstance(a, str)]) if isinstance(value, str) else None
            errors.append((tuple(path), "schema.enum", "%s is not one of: %s" % (_short(value), listing),
                           hint or _type_hint(["string"], value), False))
        return check_enum

    def _any_of(self, branches):
        # type: (List[Dict[str, Any]]) -> Checker
        checkers = [self.compile(b) for b in branches]
        accepts = [self.accepts_type(b) for b in branches]

        def check_any(value, path, errors):
            candidates = []
            for checker, accept in zip(checkers, accepts):
                attempt = []  # type: List[SchemaError]
                checker(value, path, attempt)
                if not attempt:
                    return
                if accept(value):
                    candidates.append(attempt)
            if len(candidates) == 1:
                errors.extend(candidates[0])
            else:
                errors.append((tuple(path), "schema.any_of", "%s %s does not match any allowed form" % (
                    json_type_name(value), _short(value)), None, False))
        return check_any

    @staticmethod
    def _string(node):
        # type: (Dict[str, Any]) -> Optional[Checker]
        pattern = re.compile(anchored(node["pattern"])) if "pattern" in node else None
        min_length, max_length = node.get("minLength"), node.get("maxLength")
        if pattern is None and min_length is None and max_length is None:
            return None
        description = node.get("description")

        def check_string(value, path, errors):
            if not isinstance(value, str):
                return
            if min_length is not None and len(value) < min_length:
                errors.append((tuple(path), "schema.min_length",
                               "must not be empty" if min_length == 1 else "must have at least %d characters" % min_length,
                               None, False))
            elif max_length is not None and len(value) > max_length:
                errors.append((tuple(path), "schema.max_length", "%s is %d characters long: at most %d characters "
                               "are allowed" % (_short(value), len(value), max_length), description, False))
            elif pattern is not None and not pattern.search(value):
                errors.append((tuple(path), "schema.pattern", "invalid value %s: must match %s" % (
                    _short(value), node["pattern"]), description, False))
        return check_string

    @staticmethod
    def _number(node):
        # type: (Dict[str, Any]) -> Optional[Checker]
        low, high = node.get("minimum"), node.get("maximum")
        if low is None and high is None:
            return None

        def check_number(value, path, errors):
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                return
            if low is not None and value < low:
                errors.append((tuple(path), "schema.minimum", "%s is below the minimum %s" % (value, low), None, False))
            if high is not None and value > high:
                errors.append((tuple(path), "schema.maximum", "%s is above the maximum %s" % (value, high), None, False))
        return check_number

    def _object(self, node):
        # type: (Dict[str, Any]) -> Checker
        properties = {k: self.compile(v) for k, v in node.get("properties", {}).items()}
        names = list(node.get("properties", {}))
        required = list(node.get("required", []))
        extra = node.get("additionalProperties", True)
        extra_checker = self.compile(extra) if isinstance(extra, dict) else None
        key_checker = self.compile(node["propertyNames"]) if "propertyNames" in node else None

        def check_object(value, path, errors):
            if not isinstance(value, dict):
                return
            for key in required:
                if key not in value:
                    errors.append((tuple(path), "schema.required", "missing required key '%s'" % key, None, False))
            for key, item in value.items():
                path.append(key)
                checker = properties.get(key)
                if checker is not None:
                    checker(item, path, errors)
                elif not isinstance(key, str):
                    errors.append((tuple(path), "schema.key", "keys must be text, got %s" % json_type_name(key),
                                   None, True))
                elif extra is False:
                    errors.append((tuple(path), "schema.unknown_key", "unknown key '%s'" % key,
                                   did_you_mean(key, names) or ("allowed keys: %s" % ", ".join(names)), True))
                elif extra_checker is not None:
                    extra_checker(item, path, errors)
                if key_checker is not None and isinstance(key, str):
                    before = len(errors)
                    key_checker(key, path, errors)
                    for index in range(before, len(errors)):
                        p, code, message, hint, _ = errors[index]
                        errors[index] = (p, code, "invalid key: " + message, hint, True)
                path.pop()
        return check_object

    def _array(self, node):
        # type: (Dict[str, Any]) -> Checker
        item_checker = self.compile(node["items"]) if "items" in node else None
        min_items = node.get("minItems")

        def check_array(value, path, errors):
            if not isinstance(value, list):
                return
            if min_items is not None and len(value) < min_items:
                errors.append((tuple(path), "schema.min_items",
                               "must have at least %d item%s" % (min_items, "" if min_items == 1 else "s"), None, False))
            if item_checker is not None:
                for index, item in enumerate(value):
                    path.append(index)
                    item_checker(item, path, errors)
                    path.pop()
        return check_array


_CACHE = {}  # type: Dict[str, Any]


def load_schema():
    # type: () -> Dict[str, Any]
    """The shipped JSON Schema (parsed once per process)."""
    if "schema" not in _CACHE:
        with open(SCHEMA_PATH, "r") as handle:
            _CACHE["schema"] = json.load(handle)
    return _CACHE["schema"]


def compiled_checker():
    # type: () -> Checker
    """The compiled checker for the whole configuration (compiled once per process)."""
    if "checker" not in _CACHE:
        _CACHE["checker"] = _Compiler(load_schema()).compile(load_schema())
    return _CACHE["checker"]


def check_overlay(definition, value, path):
    # type: (str, Any, Tuple[Any, ...]) -> List[SchemaError]
    """Schema errors of ``value``, an environment overlay deep-merged into a ``$defs/<definition>`` object.

    The overlay is checked like the object it overrides (unknown keys, types,
    enums, patterns, ...) except for missing keys of mappings, which the base
    object may provide; items of lists (lists replace, they do not merge) are
    checked fully. Paths start with ``path``.
    """
    key = "overlay:" + definition
    if key not in _CACHE:
        node = dict(load_schema()["$defs"][definition])
        node.pop("required", None)
        _CACHE[key] = _Compiler(load_schema()).compile(node)
    errors = []  # type: List[SchemaError]
    _CACHE[key](value, list(path), errors)
    depth = len(path)
    return [e for e in errors
            if not (e[1] == "schema.required" and all(isinstance(p, str) for p in e[0][depth:]))]


def check_document(doc):
    # type: (Any) -> List[SchemaError]
    """All schema errors of ``doc`` (empty when it conforms)."""
    errors = []  # type: List[SchemaError]
    compiled_checker()(doc, [], errors)
    return errors


#: Longest object name and project key the schema accepts (``maxLength`` there, and the bounded
#: ``ObjectRef`` pattern). Conservative choices, not documented limits: neither the DSS reference
#: (../shared/reference) nor the public documentation states one. Names: DSS keeps each object in a file
#: named after it (``project_config/recipes/<name>.shaker`` in an export) and file names are limited to
#: 255 bytes, so 200 leaves room for any suffix; project keys: 100, as the key also names the project's
#: folder and prefixes its managed table names.
NAME_MAX_LENGTH = load_schema()["$defs"]["Identifier"]["maxLength"]  # type: int
PROJECT_KEY_MAX_LENGTH = load_schema()["$defs"]["Project"]["properties"]["key"]["maxLength"]  # type: int
