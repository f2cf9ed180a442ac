"""Every position the schema defines, given a value of the wrong shape, gives diagnostics, never a traceback.

Why: ``recipes: [{name: r, type: [python]}]`` once ended in ``TypeError: unhashable type`` (and no
``--json`` output at all). The schema is walked here (``properties``, ``items``,
``additionalProperties``, ``anyOf``, ``$ref``), so a key added to the schema is covered without
editing this test. For each position a list, mapping, number, boolean, null or string is put there
in a real example document, either in the main file or through an environment overlay (then
validated with ``--env``, which checks the overlay itself and the overlaid document):
``dss-framework validate --json`` must print one valid JSON document whose every diagnostic is
located, with the matching exit code, and a document it calls valid must load as a model.

Each position gets every shape in both places on every run (explicit examples, on the seed's
``customer_analytics.yaml``), plus a few random values on random example documents; the "long"
hypothesis profile (``make fuzz``) raises the random part.
"""

import contextlib
import glob
import io
import json
import os
import shutil

import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings, strategies as st

from dataiku_framework import cli
from dataiku_framework.config import FrameworkConfig
from dataiku_framework.config.environments import OBJECT_SECTIONS
from dataiku_framework.config.schema_check import load_schema
from config_support import EXAMPLES

ITEM, ANY_KEY = "[]", "*"
ENV = "fuzz_env"


def _resolve(schema, ref):
    node = schema
    for part in ref[2:].split("/"):
        node = node[part]
    return node


def schema_positions(schema):
    """Every property path of the schema: keys, ``[]`` for list items, ``*`` for any key of a mapping."""
    found = set()

    def walk(node, path, refs):
        if "$ref" in node and node["$ref"] not in refs:
            walk(_resolve(schema, node["$ref"]), path, refs | {node["$ref"]})
        for branch in node.get("anyOf", []):
            walk(branch, path, refs)
        children = [(key, value) for key, value in node.get("properties", {}).items()]
        if isinstance(node.get("additionalProperties"), dict):
            children.append((ANY_KEY, node["additionalProperties"]))
        if "items" in node:
            children.append((ITEM, node["items"]))
        for part, child in children:
            if path + (part,) not in found:
                found.add(path + (part,))
                walk(child, path + (part,), refs)
    walk(schema, (), frozenset())
    return sorted(found)


POSITIONS = schema_positions(load_schema())

#: Real documents to mutate: every example (its folder is copied, so code_file paths still resolve).
_SOURCES = sorted(p for p in glob.glob(os.path.join(EXAMPLES, "*.yaml")) + glob.glob(os.path.join(EXAMPLES, "*", "*.yaml"))
                  if os.sep + "flow" + os.sep not in p)
BASES = [(os.path.relpath(p, EXAMPLES), FrameworkConfig.from_yaml(p).to_dict()) for p in _SOURCES]

TEXT = st.text(st.characters(min_codepoint=32, max_codepoint=0x2FF, blacklist_categories=("Cs",)), max_size=8)
SCALAR = st.none() | st.booleans() | st.integers(-10 ** 6, 10 ** 6) | st.floats(allow_nan=False, allow_infinity=False) | TEXT
SHAPES = {
    "list": st.lists(SCALAR | st.lists(TEXT, max_size=2), max_size=3),
    "mapping": st.dictionaries(TEXT, SCALAR | st.lists(TEXT, max_size=2), max_size=3),
    "number": st.integers(-10 ** 6, 10 ** 6) | st.floats(allow_nan=False, allow_infinity=False),
    "bool": st.booleans(),
    "null": st.none(),
    "string": TEXT,
}
VALUES = st.sampled_from(sorted(SHAPES)).flatmap(lambda shape: SHAPES[shape])


def _container(next_part):
    return [] if next_part == ITEM else {}


def place(node, parts, value, pick):
    """Put ``value`` at schema path ``parts`` inside ``node``, creating or replacing containers on the way.

    ``pick(n)`` chooses which of ``n`` existing items (or keys) a ``[]`` (or ``*``) step goes through."""
    head, rest = parts[0], parts[1:]
    if head == ITEM:
        if not node:
            node.append(None)
        key = pick(len(node))
    elif head == ANY_KEY:
        keys = [k for k in node if isinstance(k, str)] or ["fuzz_key"]
        key = keys[pick(len(keys))]
    else:
        key = head
    if not rest:
        node[key] = value
        return
    wanted = list if rest[0] == ITEM else dict
    child = node[key] if (isinstance(node, list) or key in node) else None
    if not isinstance(child, wanted):
        child = _container(rest[0])
        node[key] = child
    place(child, rest, value, pick)


def overlay_for(doc, parts, value, pick):
    """The ``environments`` overlay putting ``value`` at ``parts`` (a project or named-object position), or None."""
    if parts[0] == "project":
        target = {}
        if len(parts) == 1:
            return None
        place(target, parts[1:], value, pick)
        return {"project": target}
    if parts[0] not in OBJECT_SECTIONS or len(parts) < 2:
        return None
    named = [obj["name"] for obj in doc.get(parts[0], []) if isinstance(obj, dict) and isinstance(obj.get("name"), str)]
    if not named:
        return None
    name = named[pick(len(named))]
    if len(parts) == 2:
        return {parts[0]: {name: value}}
    target = {}
    place(target, parts[2:], value, pick)
    return {parts[0]: {name: target}}


@pytest.fixture(scope="module")
def examples_copy(tmp_path_factory):
    """A copy of examples/ to write mutated documents into (code_file paths keep resolving)."""
    root = str(tmp_path_factory.mktemp("positions") / "examples")
    shutil.copytree(EXAMPLES, root)
    return root


def _validate_everywhere(path, env):
    """The promises: ``validate --json`` prints one JSON document whose diagnostics are located, and
    the exit code agrees with it; a valid document also loads as a model."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(["validate", path, "--json"] + (["--env", env] if env else []))
    document = json.loads(out.getvalue())
    assert code == (1 if document["error_count"] else 0), err.getvalue()
    assert document["valid"] == (code == 0) and not err.getvalue()
    for diagnostic in document["diagnostics"]:
        assert diagnostic["summary"] and (diagnostic.get("range") or diagnostic["path"]), diagnostic
    if code == 0:
        FrameworkConfig.from_yaml(path, env=env)
    return document["diagnostics"]


def _dump(doc, path):
    with open(path, "w", encoding="utf-8") as handle:
        yaml.dump(doc, handle, Dumper=getattr(yaml, "CSafeDumper", yaml.SafeDumper), allow_unicode=True,
                  sort_keys=False)


SHAPE_EXAMPLES = [["python", 1], {"type": "x", "n": [1]}, 3, 2.5, True, None, "text"]


def _with_shape_examples(test):
    """Every shape of value, in the main file and through an overlay, at every position, on every run."""
    for value in SHAPE_EXAMPLES:
        for via_overlay in (False, True):
            test = example(value=value, via_overlay=via_overlay, data=None)(test)
    return test


@pytest.mark.parametrize("position", POSITIONS, ids=[".".join(p) for p in POSITIONS])
@settings(max_examples=max(4, settings.default.max_examples // 50), suppress_health_check=list(HealthCheck))
@_with_shape_examples
@given(value=VALUES, via_overlay=st.booleans(), data=st.data())
def test_wrong_shape_at_every_schema_position_is_a_diagnostic(examples_copy, position, value, via_overlay, data):
    """Explicit examples use the first example document; random ones pick the document and the item to edit."""
    import copy
    draw = (lambda n: data.draw(st.integers(0, n - 1))) if data is not None else (lambda n: 0)
    relative, base = BASES[draw(len(BASES))]
    doc = copy.deepcopy(base)
    overlay = overlay_for(doc, position, value, draw) if via_overlay else None
    if overlay is not None:
        doc.setdefault("environments", {})[ENV] = overlay
    else:
        place(doc, position, value, draw)
    path = os.path.join(examples_copy, os.path.dirname(relative), "fuzz-position.yaml")
    _dump(doc, path)
    _validate_everywhere(path, ENV if overlay is not None else None)


def test_positions_cover_the_schema():
    """The walk reaches the deep positions (a regression here would silently shrink the test above)."""
    assert ("recipes", ITEM, "type") in POSITIONS
    assert ("scenarios", ITEM, "steps", ITEM, "type") in POSITIONS
    assert ("scenarios", ITEM, "triggers", ITEM, "type") in POSITIONS
    assert ("environments", ANY_KEY, "datasets", ANY_KEY) in POSITIONS
    assert len(POSITIONS) > 200


@pytest.mark.parametrize("text", [
    "recipes: [{name: r, type: [python]}]",
    "recipes: [{name: r, type: {a: 1}, outputs: [X]}]",
    "scenarios: [{name: s, steps: [{type: [build_flowitem]}]}]",
    "scenarios: [{name: s, triggers: [{type: {temporal: 1}}]}]",
    "scenarios: [{name: s, triggers: [{type: temporal, frequency: [daily]}]}]",
    "datasets: [{name: A, type: [SQL], connection: c}]",
])
def test_issue_examples_of_unhashable_types(write, text):
    """The exact inputs of the issue: a clean diagnostic at the value, and JSON output."""
    path = write("c.yaml", 'version: "1.0"\nproject: {key: P}\n' + text + "\n")
    diagnostics = _validate_everywhere(path, None)
    assert any(d["severity"] == "error" and d["code"].startswith("schema.") for d in diagnostics), diagnostics


def test_unhashable_type_through_an_overlay(write):
    path = write("c.yaml", 'version: "1.0"\nproject: {key: P}\n'
                           "recipes: [{name: r, type: python, code: x, outputs: [A]}]\n"
                           "datasets: [{name: A, type: Filesystem, connection: c}]\n"
                           "environments: {prod: {recipes: {r: {type: [python]}}}}\n")
    diagnostics = _validate_everywhere(path, "prod")
    assert any(d["path"] == "environments.prod.recipes.r.type" for d in diagnostics), diagnostics
