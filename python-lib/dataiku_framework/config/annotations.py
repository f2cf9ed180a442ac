"""Facts the validator reads from the schema's ``x-`` annotations.

Why: which keys apply to which recipe/dataset/step/trigger type, which type
names are known, which spellings are deprecated aliases and which DSS params
key a first-class key maps to are all written once, next to the key, in the
JSON Schema. This module indexes them so the semantic checks, the resolver and
the docs never keep a second copy.
"""

from typing import Any, Dict, FrozenSet, List, Optional

from .schema_check import load_schema


class KindFacts(object):
    """Annotations of one ``$defs`` object kind (Dataset, Recipe, Step, ...)."""

    def __init__(self, name, definition):
        # type: (str, Dict[str, Any]) -> None
        self.name = name
        properties = definition.get("properties", {})
        self.fields = list(properties)  # type: List[str]
        self.required = list(definition.get("required", []))  # type: List[str]
        self.discriminator = definition.get("x-discriminator")  # type: Optional[str]
        self.applies_to = {k: frozenset(v["x-applies-to"]) for k, v in properties.items()
                           if "x-applies-to" in v}  # type: Dict[str, FrozenSet[str]]
        self.dss_params = {k: v["x-dss-param"] for k, v in properties.items()
                           if "x-dss-param" in v}  # type: Dict[str, str]
        self.code_types = frozenset(definition.get("x-code-types", []))  # type: FrozenSet[str]
        self.defaults = {k: v["default"] for k, v in properties.items() if "default" in v}  # type: Dict[str, Any]
        kind_prop = properties.get(self.discriminator or "", {})
        self.known_values = frozenset(kind_prop.get("x-known-values", kind_prop.get("enum", [])))  # type: FrozenSet[str]
        self.aliases = dict(kind_prop.get("x-aliases", {}))  # type: Dict[str, str]
        #: True when the schema lists every allowed value (``enum``): other values are schema errors.
        self.closed = "enum" in kind_prop  # type: bool

    def canonical(self, value):
        # type: (Any) -> Any
        """The current spelling of a discriminator value (``shaker`` -> ``prepare``).

        A value of the wrong shape (a list or mapping, reported by the schema check) is
        returned as is: it must not stop the other checks."""
        return self.aliases.get(value, value) if isinstance(value, str) else value


_FACTS = {}  # type: Dict[str, KindFacts]


def facts(kind):
    # type: (str) -> KindFacts
    """Annotations for ``$defs/<kind>`` (cached)."""
    if kind not in _FACTS:
        _FACTS[kind] = KindFacts(kind, load_schema()["$defs"][kind])
    return _FACTS[kind]


def root_fields():
    # type: () -> List[str]
    """Top-level keys of a configuration file, in schema order."""
    return list(load_schema()["properties"])
