"""Hypothesis strategies drawn from the configuration JSON Schema's ``$defs`` (importable as
``schema_strategies``).

Why our own generator: ``hypothesis-jsonschema`` is not in the environment, and the config schema
uses a small subset of JSON Schema. Covered: ``$ref``, ``enum``, ``const``, ``type`` (one or a list),
``pattern`` (``from_regex(fullmatch=True)``), ``minLength``/``maxLength``, ``minimum``/``maximum``,
``items``/``minItems``/``maxItems``/``uniqueItems``, ``properties``/``required`` (the required keys and
a random sample of the optional ones), ``propertyNames``, ``x-discriminator`` with ``x-applies-to`` (only the
properties that apply to the drawn type), ``additionalProperties`` (a small map when it
is a schema), ``oneOf``/``anyOf``; a string with ``x-known-values`` (a type discriminator) is drawn from those
values and its ``x-aliases`` (``shaker``, ``SQL``...). Sizes are kept small (strings <= 12 characters unless a pattern
needs more, lists <= 3 items) so that examples are fast and readable. Values are kept only when they
validate: the callers ``assume()`` on ``validate_document``, which knows the cross-field rules the
schema does not say.
"""
import json
import os
from typing import Any, Dict, Iterable, Optional

from hypothesis import strategies as st

SCHEMA_FILE = os.path.join(os.path.dirname(__file__), "..", "..", "..", "python-lib", "dataiku_framework", "schema",
                           "config-1.0.schema.json")
MAX_TEXT = 12
MAX_ITEMS = 3
#: text drawn for plain strings: printable ASCII without YAML/template specials, so that a string
#: is a value and never a ``${variable}`` reference or a secret-looking token
_ALPHABET = st.characters(min_codepoint=32, max_codepoint=126, blacklist_characters="${}\\")


def load_schema() -> Dict[str, Any]:
    with open(SCHEMA_FILE) as handle:
        return json.load(handle)


class SchemaStrategies(object):
    """Strategies for the definitions of one schema; ``omit`` maps a definition to the properties
    never generated for it (raw pass-through blocks whose keys overlap first-class ones)."""

    def __init__(self, schema: Optional[Dict[str, Any]] = None,
                 omit: Optional[Dict[str, Iterable[str]]] = None) -> None:
        self.schema = schema or load_schema()
        self.defs = self.schema["$defs"]
        self.omit = {k: frozenset(v) for k, v in (omit or {}).items()}

    def definition(self, name: str) -> st.SearchStrategy:
        """Values of ``$defs[name]``."""
        return self.node(self.defs[name], name)

    def node(self, node: Dict[str, Any], name: Optional[str] = None) -> st.SearchStrategy:
        if "$ref" in node:
            ref = node["$ref"].rsplit("/", 1)[-1]
            return st.deferred(lambda: self.definition(ref))
        if "const" in node:
            return st.just(node["const"])
        if "enum" in node:
            return st.sampled_from(node["enum"])
        for key in ("oneOf", "anyOf"):
            if key in node:
                return st.one_of([self.node(dict(_shared(node, key), **option)) for option in node[key]])
        types = node.get("type")
        if isinstance(types, list):
            return st.one_of([self.node(dict(node, type=t)) for t in types])
        if types is None and "properties" in node:
            types = "object"
        maker = getattr(self, "_" + (types or "any"), None)
        if maker is None:
            raise ValueError("schema type %r is not covered by schema_strategies" % types)
        return maker(node, name)

    # -- one per JSON type
    def _string(self, node: Dict[str, Any], name: Optional[str]) -> st.SearchStrategy:
        low, high = node.get("minLength", 0), node.get("maxLength", 10 ** 6)
        known = list(node.get("x-known-values") or []) + sorted(node.get("x-aliases") or {})
        if known:  # a discriminator (dataset, recipe, step type): the values the framework knows
            return st.sampled_from(known)
        if "pattern" in node:
            return st.from_regex(node["pattern"], fullmatch=True).filter(
                lambda s: low <= len(s) <= min(high, 40) and "\n" not in s)
        return st.text(_ALPHABET, min_size=low, max_size=max(low, min(high, MAX_TEXT)))

    def _integer(self, node: Dict[str, Any], name: Optional[str]) -> st.SearchStrategy:
        return st.integers(node.get("minimum", -5), node.get("maximum", 1000))

    def _number(self, node: Dict[str, Any], name: Optional[str]) -> st.SearchStrategy:
        low, high = node.get("minimum", 0), node.get("maximum", 1000)
        return st.one_of(st.integers(int(low), int(high)),
                         st.floats(low, high, allow_nan=False, allow_infinity=False))

    def _boolean(self, node: Dict[str, Any], name: Optional[str]) -> st.SearchStrategy:
        return st.booleans()

    def _null(self, node: Dict[str, Any], name: Optional[str]) -> st.SearchStrategy:
        return st.none()

    def _any(self, node: Dict[str, Any], name: Optional[str]) -> st.SearchStrategy:
        return st.one_of(st.text(_ALPHABET, max_size=MAX_TEXT), st.integers(-5, 1000), st.booleans())

    def _array(self, node: Dict[str, Any], name: Optional[str]) -> st.SearchStrategy:
        items = self.node(node.get("items") or {"type": "string"})
        low = node.get("minItems", 0)
        high = max(low, min(node.get("maxItems", MAX_ITEMS), MAX_ITEMS))
        unique = (lambda v: json.dumps(v, sort_keys=True)) if node.get("uniqueItems") else None
        return st.lists(items, min_size=low, max_size=high, unique_by=unique)

    def _object(self, node: Dict[str, Any], name: Optional[str]) -> st.SearchStrategy:
        props = {k: v for k, v in (node.get("properties") or {}).items() if k not in self.omit.get(name or "", ())}
        if not props:
            return self._map(node)
        required = [k for k in node.get("required", []) if k in props]
        optional = sorted(k for k in props if k not in required)
        fixed = st.fixed_dictionaries({k: self.node(props[k]) for k in required})
        tag = node.get("x-discriminator")

        @st.composite
        def build(draw: Any) -> Dict[str, Any]:
            out = draw(fixed)
            if tag and tag not in out and tag in props:
                out[tag] = draw(self.node(props[tag]))
            kind = _canonical(props.get(tag) or {}, out.get(tag))
            usable = [k for k in optional if k != tag and _applies(props[k], kind)]
            chosen = draw(st.lists(st.sampled_from(usable), unique=True, max_size=len(usable))) if usable else []
            for key in sorted(chosen, key=usable.index):
                out[key] = draw(self.node(props[key]))
            return out
        return build()

    def _map(self, node: Dict[str, Any]) -> st.SearchStrategy:
        """A free-form object: a small map (keys from ``propertyNames``, values from
        ``additionalProperties`` when it is a schema, else plain scalars)."""
        keys = self.node(node["propertyNames"]) if "propertyNames" in node else st.from_regex(
            r"[a-z][a-z0-9_]{0,7}", fullmatch=True)
        extra = node.get("additionalProperties")
        if extra is False:
            return st.just({})
        values = self.node(extra) if isinstance(extra, dict) and extra else \
            st.one_of(st.text(_ALPHABET, max_size=MAX_TEXT), st.integers(-5, 1000), st.booleans())
        return st.dictionaries(keys, values, max_size=MAX_ITEMS)


def _canonical(node: Dict[str, Any], value: Any) -> Any:
    """A discriminator value through the schema's ``x-aliases`` (``shaker`` is ``prepare``)."""
    return (node.get("x-aliases") or {}).get(value, value)


def _applies(node: Dict[str, Any], kind: Any) -> bool:
    """Whether a property applies to objects of discriminator value ``kind`` (``x-applies-to``)."""
    applies = node.get("x-applies-to")
    return applies is None or kind is None or kind in applies


def _shared(node: Dict[str, Any], without: str) -> Dict[str, Any]:
    """The keys of ``node`` that apply to every option of its ``oneOf``/``anyOf``."""
    return {k: v for k, v in node.items() if k not in (without, "description")}
