"""Readable visual-recipe keys -> DSS payloads: the shapes DSS stores (fixture exports where they
exist, the emulator's reference-built defaults for the others), the rules with a raw payload, and a
walk over the schema so that a future readable key cannot be accepted and silently ignored."""
import glob
import json
import os

import pytest

from dataiku_framework import FrameworkConfig
from dataiku_framework.config.diagnostics import ConfigError
from dataiku_framework.config.schema import RecipeConfig
from dataiku_framework.dss import translate, visual
from dss_emulator import shapes_recipes
from emusupport import export_dirs


def _recipe(rtype, **keys):
    return RecipeConfig(name="r", type=rtype, inputs=["a", "b"], outputs=["o", "p"], **keys)


def _fixture_payloads(ext, reference_ctx=None):
    """The ``.EXT`` payloads of the fixture exports. The repository's exports hold split and shaker
    payloads; only the shared extras hold a real join: without them, ``reference_ctx`` given, the
    emulator's payload built from the shared visual-recipe reference stands in (as for NO_FIXTURE)."""
    files = sorted(f for folder in export_dirs()
                   for f in glob.glob(os.path.join(folder, "project_config", "recipes", "*." + ext)))
    if not files and reference_ctx is not None:
        return [json.loads(shapes_recipes.default_payload(ext, {}, reference_ctx))]
    assert files, "no fixture export holds a .%s payload" % ext
    return [json.load(open(f, encoding="utf-8")) for f in files]


def _shape_within(mine, theirs, path="payload"):
    """Every key ``mine`` sets exists in ``theirs`` with the same JSON type, recursively (list items
    against the reference's first item); returns the paths that do not."""
    if isinstance(mine, dict):
        if not isinstance(theirs, dict):
            return [path]
        return [p for k, v in mine.items()
                for p in ([path + "." + k] if k not in theirs else _shape_within(v, theirs[k], path + "." + k))]
    if isinstance(mine, list):
        if not isinstance(theirs, list):
            return [path]
        return [p for item in mine for p in (_shape_within(item, theirs[0], path + "[]") if theirs else [])]
    numbers = (int, float)
    same = isinstance(mine, bool) == isinstance(theirs, bool) and (
        isinstance(mine, numbers) == isinstance(theirs, numbers)) and isinstance(mine, str) == isinstance(theirs, str)
    return [] if same or theirs is None else [path]


def _processors(steps):
    for step in steps:
        if step.get("metaType") == "GROUP":
            yield from _processors(step.get("steps") or [])
        else:
            yield step


# -- shapes -------------------------------------------------------------------------------------
def test_join_matches_the_fixture_joins():
    mine = visual.join_payload(_recipe("join", join_type="left", on=[{"left": "id", "right": "id"}]))
    ctx = {"input_names": ["a", "b"], "input_schemas": [[], []], "inputs": ["a", "b"], "outputs": ["o"]}
    for fixture in _fixture_payloads("join", reference_ctx=ctx):
        assert _shape_within(mine, fixture) == []
    assert mine["joins"][0]["type"] == "LEFT" and mine["joins"][0]["conditionsMode"] == "AND"
    assert mine["joins"][0]["on"] == [{"type": "EQ", "column1": {"name": "id", "table": 0},
                                       "column2": {"name": "id", "table": 1}}]


def test_split_matches_the_fixture_random_split():
    mine = visual.split_payload(_recipe("split", mode="RANDOM", ratio=0.7, seed=1337))
    for fixture in _fixture_payloads("split"):
        assert _shape_within(mine, fixture) == []
    seventy = [f for f in _fixture_payloads("split") if f["mode"] in ("RANDOM", "RANDOM_COLUMNS")
               and f.get("seed") == 1337 and f["randomSplits"][0]["share"] == 70]
    assert seventy, "a fixture splits 70/30 at random (Dataiku-Titanic: by columns)"
    for fixture in seventy:  # same values as DSS stored for the same intent
        same = visual.split_payload(_recipe("split", mode=fixture["mode"], ratio=0.7, seed=1337))
        assert {k: fixture[k] for k in same} == same


def test_prepare_steps_match_the_fixture_processors():
    fixture_steps = [s for f in _fixture_payloads("shaker") for s in _processors(f["steps"])]
    find_replace = [s for s in fixture_steps if s["type"] == "FindReplace"][0]
    mine = visual.prepare_payload(_recipe("prepare", steps=[
        {"type": "FindReplace", "params": find_replace["params"], "name": "gender", "disabled": True}]))["steps"][0]
    # step keys: the fixtures' processors, plus the step name the REST reference lists (fixtures name groups only)
    assert set(mine) <= set().union(*fixture_steps) | {"name"}
    assert _shape_within({k: v for k, v in mine.items() if k != "name"}, find_replace) == []
    same = ("metaType", "type", "params")
    assert {k: find_replace[k] for k in same} == {k: mine[k] for k in same}
    assert mine["disabled"] is True and mine["name"] == "gender"


# types without a fixture: the emulator's defaults, built from the shared visual-recipe reference;
# engineType is the reference's top-level engine key and sampling's seed is not in the reference
NO_FIXTURE = {
    "grouping": dict(keys=["k"], aggregations=[{"column": "a", "functions": ["sum", "count_distinct"]}],
                     global_count=True),
    "window": dict(partition_by=["p"], order_by=[{"column": "o", "desc": True}],
                   aggregations=[{"column": "a", "functions": ["avg"]}]),
    "distinct": dict(keys=["k"]), "sort": dict(order_by=["o"]),
    "topn": dict(top=5, partition_by=["p"], order_by=["o"]),
    "pivot": dict(keys=["k"], pivot_column="c", aggregations=[{"column": "a", "functions": ["sum"]}]),
    "vstack": dict(mode="UNION", add_origin_column=True),
    "sampling": dict(method="random_ratio", ratio=0.1, max_records=100),
}


@pytest.mark.parametrize("rtype", sorted(NO_FIXTURE))
def test_payload_keys_are_the_ones_dss_creates(rtype):
    mine = visual.visual_payload(_recipe(rtype, engine="SQL", **NO_FIXTURE[rtype]))
    assert mine.pop("engineType") == "SQL"
    ctx = {"input_names": ["a", "b"], "input_schemas": [[], []], "inputs": ["a", "b"], "outputs": ["o"]}
    created = json.loads(shapes_recipes.default_payload(rtype, {}, ctx))
    assert _shape_within(mine, created) == []


def test_aggregations_set_every_flag_so_a_removed_function_is_a_change():
    sums = _recipe("grouping", aggregations=[{"column": "a", "functions": ["sum"]}])
    values = visual.grouping_payload(sums)["values"]
    assert values[0]["sum"] is True and values[0]["avg"] is False and values[0]["countDistinct"] is False
    assert "median" not in values[0]  # not a flag the references list: sent only when chosen
    assert visual.grouping_payload(_recipe("grouping", aggregations=[{"column": "a", "functions": ["median"]}]))[
        "values"][0]["median"] is True


def test_split_shares_are_percentages():
    assert visual.split_payload(_recipe("split", ratio=0.8))["randomSplits"] == [{"outputIndex": 0, "share": 80}]
    assert visual.split_payload(_recipe("split", mode="RANDOM_COLUMNS", ratio=0.125))["randomColumnsSplits"][0][
        "share"] == 12.5


def test_no_dollar_keys_and_plain_json():
    for rtype, keys in NO_FIXTURE.items():
        text = json.dumps(visual.visual_payload(_recipe(rtype, **keys)))
        assert '"$' not in text


# -- rules --------------------------------------------------------------------------------------
def test_readable_keys_apply_on_top_of_a_raw_payload():
    rc = _recipe("grouping", keys=["k"], payload={"keys": [{"column": "old"}], "postFilter": {"enabled": True}})
    assert translate.recipe_payload(rc) == {"keys": [{"column": "k"}], "postFilter": {"enabled": True}}


def test_a_default_boolean_does_not_override_the_raw_payload():
    with_payload = _recipe("grouping", payload={"globalCount": True})
    assert translate.recipe_payload(with_payload) == {"globalCount": True}
    assert translate.recipe_payload(_recipe("grouping")) == {"globalCount": False}


def test_engine_goes_where_dss_keeps_it():
    assert translate.recipe_payload(_recipe("join", engine="SQL")) == {"engineType": "SQL"}
    assert translate.recipe_params(_recipe("join", engine="SQL")) == {}
    assert translate.recipe_params(_recipe("sync", engine="DSS", params={"schemaMode": "STRICT_SYNC"})) == {
        "schemaMode": "STRICT_SYNC", "engineType": "DSS"}
    assert translate.recipe_payload(_recipe("sync", engine="DSS")) is None


def test_code_env_is_a_recipe_param():
    rc = RecipeConfig(name="r", type="python", inputs=["a"], outputs=["o"], code="x", code_env="py39")
    assert translate.recipe_params(rc) == {"envSelection": {"envMode": "EXPLICIT_ENV", "envName": "py39"}}


BAD = """version: "1.0"
project: {key: P}
datasets:
  - {name: a, type: Filesystem, connection: c, path: /a}
  - {name: b, type: Filesystem, connection: c, path: /b}
  - {name: c, type: Filesystem, connection: c, path: /c}
  - {name: o, type: Filesystem, managed: true}
  - {name: o2, type: Filesystem, managed: true}
recipes:
"""


@pytest.mark.parametrize("recipe, where, code", [
    ("{name: r, type: split, inputs: [a], outputs: [o, o2], mode: FILTERS, ratio: 0.5}", "recipes[0].ratio",
     "recipe.split_ratio"),
    ("{name: r, type: grouping, inputs: [a], outputs: [o], keys: [k], payload: '{}'}", "recipes[0].payload",
     "recipe.payload_not_mapping"),
    ("{name: r, type: join, inputs: [a, b, c], outputs: [o], on: [{left: x, right: y}]}", "recipes[0].on",
     "recipe.join_inputs"),
    ("{name: r, type: sync, inputs: [{ref: a, partitions: '2024'}], outputs: [o]}", "recipes[0].inputs[0].partitions",
     "recipe.partitions"),
])
def test_keys_without_a_faithful_translation_are_validation_errors(recipe, where, code):
    with pytest.raises(ConfigError) as err:
        FrameworkConfig.from_yaml(BAD + "  - " + recipe + "\n")
    text = str(err.value)
    assert where in text and "error" in text and "Traceback" not in text
    assert code in [d.code for d in err.value.diagnostics]


# -- no readable key is ever ignored --------------------------------------------------------------
SAMPLES = {"keys": ["k"], "aggregations": [{"column": "a", "functions": ["sum"]}], "global_count": True,
           "join_type": "inner", "on": [{"left": "a", "right": "b"}], "steps": [{"type": "ColumnRenamer"}],
           "mode": "UNION", "ratio": 0.5, "seed": 7, "add_origin_column": True, "partition_by": ["p"],
           "order_by": ["o"], "top": 3, "pivot_column": "c", "method": "head", "max_records": 10}


def _translation(rc):
    return translate.recipe_payload(rc), translate.recipe_params(rc)


@pytest.mark.parametrize("field, rtype", sorted(
    (f, t) for f, types in visual.facts("Recipe").applies_to.items() if f not in visual.READABLE_EXCLUDED
    for t in types))
def test_every_readable_schema_key_changes_what_is_sent(field, rtype):
    assert field in SAMPLES, "new readable key %r: translate it in dss/visual.py, then add a sample here" % field
    value = SAMPLES[field] if not (field == "mode" and rtype == "split") else "RANDOM"
    assert _translation(_recipe(rtype, **{field: value})) != _translation(_recipe(rtype)), (field, rtype)


def test_every_example_recipe_translates_without_problems():
    root = os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", "examples")
    files = [os.path.join(d, f) for d, _, fs in os.walk(root) for f in fs
             if f.endswith(".yaml") and "flow" not in d.split(os.sep)]
    recipes = [rc for f in files for rc in FrameworkConfig.from_yaml(f).recipes]
    assert len(recipes) > 20
    for rc in recipes:
        assert visual.problems(rc.to_dict(), rc.type) == [], rc.name


def _leaf_paths(value, path=()):
    if isinstance(value, dict) and value:
        return [p for k, v in value.items() for p in _leaf_paths(v, path + (k,))]
    if isinstance(value, list) and value:
        return [p for i, v in enumerate(value) for p in _leaf_paths(v, path + (i,))]
    return [path]


def test_every_payload_path_names_the_readable_key_that_set_it():
    """Plans speak the config's terms: each path the translation sets leads back to a key the recipe sets."""
    gallery = os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", "examples", "recipes-gallery",
                           "visual_recipes.yaml")
    recipes = FrameworkConfig.from_yaml(gallery).resolved().recipes
    for rtype, keys in NO_FIXTURE.items():
        recipes.append(_recipe(rtype, **keys))
    for rc in recipes:
        written = set(rc.to_dict()) | {"global_count", "add_origin_column"}  # booleans: schema defaults
        payload = visual.visual_payload(rc)
        for path in _leaf_paths(payload) if payload else []:
            assert visual.config_key(rc.type, path) in written, (rc.name, rc.type, path)
    assert visual.config_key("grouping", ("postFilter", "enabled")) is None
    assert visual.config_key("join", ("joins", 0, "type")) == "join_type"
    assert visual.config_key("join", ("joins", 0, "on", 0, "column1", "name")) == "on"
