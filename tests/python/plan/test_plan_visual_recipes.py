"""Visual recipes: a readable key changed in the YAML is planned under that key's name.

The payload DSS stores is built from the readable keys (``dss/visual.py``); a difference found in
the payload is named by the readable key that sets that part of it, not by DSS's payload path."""
import pytest

from plan_support import bootstrap, load_example, only_change, plan

GALLERY = "recipes-gallery/visual_recipes.yaml"
EDITS = [
    ("group_orders", "keys", lambda r: setattr(r, "keys", ["customer_id", "status"])),
    ("group_orders", "aggregations", lambda r: r.aggregations[0].update(functions=["sum", "max"])),
    ("group_orders", "engine", lambda r: setattr(r, "engine", "SQL")),
    ("join_orders", "join_type", lambda r: setattr(r, "join_type", "left")),
    ("split_orders", "ratio", lambda r: setattr(r, "ratio", 0.7)),
    ("split_orders", "seed", lambda r: setattr(r, "seed", 7)),
    ("top_orders", "top", lambda r: setattr(r, "top", 5)),
    ("sort_orders", "order_by", lambda r: setattr(r, "order_by", ["amount"])),
    ("pivot_orders", "pivot_column", lambda r: setattr(r, "pivot_column", "region")),
    ("sample_orders", "ratio", lambda r: setattr(r, "ratio", 0.2)),
    ("head_orders", "max_records", lambda r: setattr(r, "max_records", 500)),
    ("prepare_orders", "steps", lambda r: r.steps[1]["params"].update(values=["cancelled", "void"])),
    # every remaining readable key of the gallery
    ("sync_orders", "engine", lambda r: setattr(r, "engine", "SPARK")),
    ("group_orders", "global_count", lambda r: setattr(r, "global_count", False)),
    ("join_orders", "on", lambda r: r.on[0].update(right="customer_id")),
    ("split_orders", "mode", lambda r: setattr(r, "mode", "RANDOM_COLUMNS")),
    ("stack_orders", "mode", lambda r: setattr(r, "mode", "INTERSECT")),
    ("stack_orders", "add_origin_column", lambda r: setattr(r, "add_origin_column", False)),
    ("rank_orders", "partition_by", lambda r: setattr(r, "partition_by", ["order_date"])),
    ("rank_orders", "order_by", lambda r: setattr(r, "order_by", ["amount"])),
    ("rank_orders", "aggregations", lambda r: setattr(r, "aggregations", [{"column": "amount", "functions": ["max"]}])),
    ("distinct_customers", "keys", lambda r: setattr(r, "keys", ["name"])),
    ("top_orders", "partition_by", lambda r: setattr(r, "partition_by", ["status"])),
    ("top_orders", "order_by", lambda r: setattr(r, "order_by", ["amount"])),
    ("pivot_orders", "keys", lambda r: setattr(r, "keys", ["status"])),
    ("pivot_orders", "aggregations",
     lambda r: setattr(r, "aggregations", [{"column": "amount", "functions": ["max"]}])),
    ("sample_orders", "method", lambda r: setattr(r, "method", "head")),
    ("prepare_orders", "steps", lambda r: r.steps[2].update(disabled=False)),
]


@pytest.fixture(scope="module")
def gallery():
    from plan_support import client_of, examples_emulator
    emu = examples_emulator()
    dss = client_of(emu)
    bootstrap(dss, load_example(GALLERY))
    yield dss
    emu.stop()


@pytest.mark.parametrize("recipe,field,change", EDITS, ids=["%s.%s" % (r, f) for r, f, _ in EDITS])
def test_readable_key_edit_is_planned_under_that_key(gallery, recipe, field, change):
    config = load_example(GALLERY)
    change(config.find("recipes", recipe))
    rc = only_change(plan(gallery, config))
    assert (rc.address, rc.action) == ("recipe.%s" % recipe, "update")
    assert [c["path"] for c in rc.changes] == [field], rc.changes
