"""The visual recipes' readable keys are one table (``resources.recipe.readable``): forward payload
paths, the plan's key for a changed path and the importer's inverse all read the same rows, so the
three cannot drift apart (issue 17 §1)."""
import os

import pytest

from dataiku_framework import FrameworkConfig
from dataiku_framework.config.schema import RecipeConfig
from dataiku_framework.dss import visual
from dataiku_framework.resources.recipe import inverse
from dataiku_framework.resources.base import at_path
from dataiku_framework.resources.recipe import readable

GALLERY = os.path.join(os.path.dirname(__file__), "..", "..", "..", "examples", "recipes-gallery",
                       "visual_recipes.yaml")


def _gallery():
    return [rc for rc in FrameworkConfig.from_yaml(GALLERY).resolved().recipes if rc.type in readable.TABLES]


def _only(rc, key, value):
    """``rc``'s type with the one readable key ``key`` set to ``value``."""
    return RecipeConfig(name="r", type=rc.type, inputs=["a", "b"], outputs=["o", "p"], **{key: value})


@pytest.mark.parametrize("rtype", sorted(visual.BUILDERS))
def test_every_readable_key_of_the_schema_has_one_row(rtype):
    assert sorted(row.key for row in readable.table(rtype).rows) == sorted(visual.readable_fields(rtype))


def test_the_plan_names_every_row_path_by_its_key():
    for rtype in readable.TABLES:
        for row in readable.table(rtype).rows:
            for path in row.paths:
                assert visual.config_key(rtype, path + ("x",)) == row.key


def test_each_row_reads_back_what_its_key_writes():
    """extract(forward(value)) writes the same payload paths as value: the row is its own inverse."""
    checked = 0
    for rc in _gallery():
        payload = visual.visual_payload(rc) or {}
        for row in readable.table(rc.type).rows:
            value = getattr(rc, row.key, None)
            if value in (None, [], {}, False):
                continue
            back = row.extract(payload)
            assert back is not None, (rc.name, row.key)
            again = visual.visual_payload(_only(rc, row.key, back)) or {}
            first = visual.visual_payload(_only(rc, row.key, value)) or {}
            for path in row.paths:
                assert at_path(again, path) == at_path(first, path), (rc.name, row.key, path)
            checked += 1
        imported = inverse._visual(rc.type, payload)  # the kind's inverse reads the same rows
        assert set(imported) - {"payload"} <= {row.key for row in readable.table(rc.type).rows} | {"engine"}
    assert checked >= 20


def test_a_path_shared_or_moved_by_another_key_has_no_sole_key():
    """The plan names such a path by searching the recipe as written, not from the table alone."""
    assert readable.sole_key("split", ("randomColumnsSplits", 0, "share")) is None  # the mode moves it
    assert readable.sole_key("join", ("joins",)) is None  # holds join_type and on
    assert readable.sole_key("join", ("joins", 0, "type")) == "join_type"
    assert readable.sole_key("split", ("seed",)) == "seed"
    assert readable.sole_key("sort", ("engineType",)) == "engine"


def test_recipe_type_names_are_one_table_read_both_ways():
    """Every config recipe type (and alias) goes to DSS and back to its canonical spelling."""
    from dataiku_framework.config.schema_check import load_schema
    from dataiku_framework.resources import recipe
    spec = load_schema()["$defs"]["Recipe"]["properties"]["type"]
    for name in spec["x-known-values"] + sorted(spec["x-aliases"]):
        canonical = spec["x-aliases"].get(name, name)
        assert recipe.config_type(recipe.dss_type(name)) == canonical, name
    assert (recipe.dss_type("prepare"), recipe.dss_type("sql"), recipe.dss_type("shaker")) == \
        ("shaker", "sql_query", "shaker")
