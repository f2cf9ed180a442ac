"""docs/reference/language-rules.md says what the generated key table cannot, by hand; where it
restates the schema (its open lists of known values, the recipe types each readable key applies to),
it must say what the schema says, so that it cannot go stale."""
import os
import re
from typing import Dict, List

from docblocks import DOCS
from dataiku_framework.config.schema_check import load_schema

PAGE = os.path.join(DOCS, "reference", "language-rules.md")
#: "Known values" bullet -> (definition, property) of the schema
KNOWN = {"Dataset `type`": ("Dataset", "type"), "Dataset `format_type`": ("Dataset", "format_type"),
         "Managed folder `type`": ("ManagedFolder", "type"), "Recipe `type`": ("Recipe", "type"),
         "Step `type`": ("Step", "type")}


def _page() -> str:
    with open(PAGE, encoding="utf-8") as f:
        return f.read()


def _section(text: str, title: str) -> str:
    match = re.search(r"^## %s\n(.*?)(?=^## |\Z)" % re.escape(title), text, re.M | re.S)
    assert match, "language-rules.md lost its section '## %s'" % title
    return match.group(1)


def known_values(text: str) -> Dict[str, Dict[str, List[str]]]:
    """Each bullet of the page's "Known values": its values and its deprecated spellings."""
    out = {}
    for label, rest in re.findall(r"^- (.+?): (.*)$", _section(text, "Known values"), re.M):
        values, _, aliases = rest.partition(" Deprecated spellings: ")
        out[label] = {"values": [v.strip() for v in values.rstrip(".").split(",")],
                      "aliases": sorted(a.strip().rstrip(".") for a in aliases.split(",") if a.strip())}
    return out


def schema_values(definition: str, prop: str) -> Dict[str, List[str]]:
    node = load_schema()["$defs"][definition]["properties"][prop]
    return {"values": node["x-known-values"],
            "aliases": sorted("%s→%s" % item for item in node.get("x-aliases", {}).items())}


def test_known_values_are_the_schemas():
    listed = known_values(_page())
    assert sorted(listed) == sorted(KNOWN)
    for label, (definition, prop) in KNOWN.items():
        assert listed[label] == schema_values(definition, prop), label


def test_a_stale_list_is_caught():
    stale = _page().replace("Dropbox, GoogleDrive.", "Dropbox.")
    assert known_values(stale)["Managed folder `type`"] != schema_values("ManagedFolder", "type")


def test_readable_recipe_keys_apply_to_the_schemas_types():
    recipe = load_schema()["$defs"]["Recipe"]["properties"]
    aliases = set(recipe["type"].get("x-aliases", {}))
    rows = re.findall(r"^\| `(\w+)` \| ([^|]+) \|", _section(_page(), "How the readable keys of visual recipes reach DSS"),
                      re.M)
    assert len(rows) >= 15
    for key, types in rows:
        assert key in recipe, key
        applies = [t for t in recipe[key].get("x-applies-to", []) if t not in aliases]
        assert [t.strip() for t in types.split(",")] == (applies or ["all"]), key
