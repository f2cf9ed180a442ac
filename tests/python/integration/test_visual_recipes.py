"""Every readable recipe key reaches DSS: the visual gallery is created on the emulator with the real
client, then each recipe is read back (payload and definition) and each readable key set in the YAML
is found again, read out of DSS's JSON independently of the translation that wrote it."""
import os

import pytest

from dataiku_framework import Engine, FrameworkConfig
from dataiku_framework.dss import translate, visual

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
GALLERY = os.path.join(ROOT, "examples", "recipes-gallery", "visual_recipes.yaml")
FLAGS = {"count": "count", "count_distinct": "countDistinct", "sum": "sum", "avg": "avg", "min": "min",
         "max": "max", "stddev": "stddev", "first": "first", "last": "last", "concat": "concat",
         "concat_distinct": "concatDistinct", "median": "median"}
# DSS sampling methods (samplingMethod) back to the config's names
SAMPLING = {"HEAD_SEQUENTIAL": "head", "RANDOM_FIXED_RATIO": "random_ratio", "RANDOM_FIXED_NB": "random_count",
            "COLUMN_BASED": "column_values", "STRATIFIED_TARGET_RATIO_EXACT": "stratified"}


def _aggregations(values):
    """DSS per-column flags back to the config's [{column, functions}] (functions in config order)."""
    return [{"column": v["column"], "functions": [fn for fn, flag in FLAGS.items() if v.get(flag)]} for v in values]


def _orders(orders):
    return [{"column": o["column"], "desc": o["desc"]} for o in orders]


# (field, recipe type) -> the field's value read out of (payload, definition) in the config's terms
READBACK = {
    ("keys", "grouping"): lambda p, d: [k["column"] for k in p["keys"]],
    ("keys", "distinct"): lambda p, d: [k["column"] for k in p["keys"]],
    ("keys", "pivot"): lambda p, d: p["explicitIdentifiers"] if p["identifierColumnsSelection"] == "EXPLICIT" else None,
    ("aggregations", "grouping"): lambda p, d: _aggregations(p["values"]),
    ("aggregations", "window"): lambda p, d: _aggregations(p["values"]),
    ("aggregations", "pivot"): lambda p, d: _aggregations(p["pivots"][0]["valueColumns"]),
    ("global_count", "grouping"): lambda p, d: p["globalCount"],
    ("join_type", "join"): lambda p, d: p["joins"][0]["type"].lower(),
    ("on", "join"): lambda p, d: [{"left": c["column1"]["name"], "right": c["column2"]["name"]}
                                  for c in p["joins"][0]["on"]
                                  if (c["column1"]["table"], c["column2"]["table"]) == (0, 1)],
    ("steps", "prepare"): lambda p, d: [dict({"type": s["type"], "params": s["params"]},
                                             **({"disabled": True} if s["disabled"] else {}),
                                             **({"name": s["name"]} if "name" in s else {}))
                                        for s in p["steps"] if s["metaType"] == "PROCESSOR"],
    ("mode", "split"): lambda p, d: p["mode"],
    ("mode", "vstack"): lambda p, d: p["mode"],
    ("ratio", "split"): lambda p, d: [s["share"] / 100.0 for s in p["randomSplits"] if s["outputIndex"] == 0][0],
    ("seed", "split"): lambda p, d: p["seed"],
    ("ratio", "sampling"): lambda p, d: p["selection"]["targetRatio"],
    ("seed", "sampling"): lambda p, d: p["selection"]["seed"],
    ("method", "sampling"): lambda p, d: SAMPLING[p["selection"]["samplingMethod"]],
    ("max_records", "sampling"): lambda p, d: p["selection"]["maxRecords"],
    ("add_origin_column", "vstack"): lambda p, d: p["addOriginColumn"],
    ("partition_by", "window"): lambda p, d: (p["windows"][0]["partitioningColumns"]
                                              if p["windows"][0]["enablePartitioning"] else []),
    ("partition_by", "topn"): lambda p, d: p["keys"],
    ("order_by", "window"): lambda p, d: _orders(p["windows"][0]["orders"])
                                        if p["windows"][0]["enableOrdering"] else [],
    ("order_by", "sort"): lambda p, d: _orders(p["orders"]),
    ("order_by", "topn"): lambda p, d: _orders(p["orders"]),
    ("top", "topn"): lambda p, d: p["firstRows"],
    ("pivot_column", "pivot"): lambda p, d: p["pivots"][0]["keyColumns"][0],
    ("engine", "payload"): lambda p, d: p["engineType"],
    ("engine", "params"): lambda p, d: d["params"]["engineType"],
}


def _as_written(field, value):
    """The YAML value in the canonical form the readback gives (order_by strings -> mappings)."""
    if field == "order_by":
        return [{"column": o, "desc": False} if isinstance(o, str)
                else {"column": o["column"], "desc": bool(o.get("desc"))} for o in value]
    if field == "steps":
        return [{k: v for k, v in s.items() if k != "disabled" or v} for s in value]
    return value


@pytest.fixture
def gallery(emulator, client):
    emulator.add_connection("s3_lake", "S3")
    config = FrameworkConfig.from_yaml(GALLERY)
    result = Engine(client=client).apply(config)  # as users create it: the one creation path
    return config, client.get_project(config.project.key), result


def test_every_readable_key_of_the_gallery_arrives_in_dss(gallery):
    config, project, result = gallery
    assert result.succeeded and not result.notes, (result.summary(), result.notes)
    checked = set()
    for rc in config.recipes:
        settings = project.get_recipe(rc.name).get_settings()
        payload, definition = settings.get_json_payload(), settings.get_recipe_raw_definition()
        written = rc.to_dict()
        for field in [f for f in visual.readable_fields(rc.type) if f in written] + (["engine"] if rc.engine else []):
            key = (field, ("payload" if rc.type in visual.PAYLOAD_ENGINE_TYPES else "params")) if field == "engine" \
                else (field, rc.type)
            assert READBACK[key](payload, definition) == _as_written(field, written[field]), (rc.name, field)
            checked.add(key)
    # the gallery exercises every readable key of every recipe type it names, and both engine homes
    wanted = {(f, t) for f, types in visual.facts("Recipe").applies_to.items() if f not in visual.READABLE_EXCLUDED
              for t in types if t in {"grouping", "join", "prepare", "split", "vstack", "window", "distinct", "sort",
                                      "topn", "pivot", "sampling"}}
    assert wanted | {("engine", "payload"), ("engine", "params")} <= checked


def test_raw_payload_and_readable_keys_both_arrive(gallery):
    """The documented rule: readable keys apply on top of a raw payload mapping."""
    _, project, _ = gallery
    payload = project.get_recipe("distinct_customers").get_settings().get_json_payload()
    assert payload["globalCount"] is True  # from the raw payload
    assert payload["keys"] == [{"column": "id"}]  # from the readable key


def test_dss_defaults_outside_the_readable_keys_stay(gallery):
    """Readable keys alone are merged into the payload DSS created: its structural keys survive."""
    _, project, _ = gallery
    join = project.get_recipe("join_orders").get_settings().get_json_payload()
    assert [vi["index"] for vi in join["virtualInputs"]] == [0, 1]
    assert "engineParams" in join
    prepare = project.get_recipe("prepare_orders").get_settings().get_json_payload()
    assert prepare["origin"] == "PREPARE_RECIPE" and len(prepare["steps"]) == 3


def _governed(live, wanted):
    """``live`` cut down to the keys ``wanted`` sets, mapping by mapping (lists are wholly governed)."""
    if isinstance(wanted, dict) and isinstance(live, dict):
        return {k: _governed(live.get(k), v) for k, v in wanted.items()}
    return live


def test_created_payload_equals_the_translation_for_the_keys_it_sets(gallery):
    """What plan compares: every key the translation sets reads back unchanged from DSS."""
    config, project, _ = gallery
    for rc in config.resolved().recipes:
        settings = project.get_recipe(rc.name).get_settings()
        wanted = translate.recipe_payload(rc)
        if isinstance(wanted, dict):
            assert _governed(settings.get_json_payload(), wanted) == wanted, rc.name
        params = translate.recipe_params(rc)
        assert _governed(settings.get_recipe_raw_definition()["params"], params) == params, rc.name
