"""Issue 14 §9: what the configuration does not manage survives a write, and the read-back checks it.

A recipe's inputs and outputs are written whole (a role or an item the config drops must go), but
each item carries keys the language does not manage: an input's partition dependencies (``deps``),
set in DSS by whoever partitions the flow. Changing one input in the config must keep every other
input's dependencies; and if DSS drops them on that write, apply must say so rather than succeed.
The projects are built by apply itself; the dependencies are set through the real client.
"""
import pytest

from apply_support import fresh_key
from dataiku_framework import FrameworkConfig

DAY = "{dimensions: [{name: day, type: time, period: DAY}]}"
DEPS = {"a": [{"func": "time_range", "params": {"dimension": "day", "fromMode": "RELATIVE_OFFSET", "fromOffset": 2,
                                                "toOffset": 0, "fromUnit": "DAY"}}],
        "b": [{"func": "equals", "params": {}}]}


def _config(key, inputs, outputs="[out]", columns="[{name: id, type: bigint}, {name: label, type: string}]"):
    return FrameworkConfig.from_yaml("""
version: "1.0"
project: {key: %(key)s, name: Partitioned}
datasets:
  - {name: a, type: Filesystem, managed: true, format_type: csv, partitioning: %(day)s, schema: %(columns)s}
  - {name: b, type: Filesystem, managed: true, format_type: csv, partitioning: %(day)s}
  - {name: c, type: Filesystem, managed: true, format_type: csv, partitioning: %(day)s}
  - {name: out, type: Filesystem, managed: true, format_type: csv, partitioning: %(day)s}
  - {name: out2, type: Filesystem, managed: true, format_type: csv, partitioning: %(day)s}
recipes:
  - {name: r, type: python, inputs: %(inputs)s, outputs: %(outputs)s, code: "x = 1"}
""" % {"key": key, "day": DAY, "inputs": inputs, "outputs": outputs, "columns": columns})


def _partitioned_recipe(engine, client):
    """Apply a flow of partitioned datasets, then set partition dependencies on the recipe's inputs in DSS."""
    key = fresh_key("DEPS")
    assert engine.apply(_config(key, "[a, b]")).succeeded
    settings = client.get_project(key).get_recipe("r").get_settings()
    for item in settings.get_recipe_raw_definition()["inputs"]["main"]["items"]:
        item["deps"] = DEPS[item["ref"]]
    settings.save()
    return key


def _items(client, key, side="inputs"):
    roles = client.get_project(key).get_recipe("r").get_settings().get_recipe_raw_definition()[side]
    return {item["ref"]: item for role in roles.values() for item in role["items"]}


@pytest.mark.parametrize("inputs, kept", [("[a]", ["a"]), ("[a, b, c]", ["a", "b"]), ("[b, a]", ["a", "b"]),
                                          ("[a, {ref: b, role: other}]", ["a"])])
def test_changing_one_input_keeps_the_dependencies_of_the_others(emu, client, engine, inputs, kept):
    key = _partitioned_recipe(engine, client)
    result = engine.apply(_config(key, inputs))
    assert result.succeeded, result.summary()
    assert [r.address for r in result.results] == ["recipe.r"]
    items = _items(client, key)
    for name in kept:
        assert items[name]["deps"] == DEPS[name], items
    assert items.get("c", {"deps": []})["deps"] == []
    assert not engine.plan(_config(key, inputs)).has_changes


def test_changing_the_outputs_keeps_the_dependencies_of_the_inputs(emu, client, engine):
    key = _partitioned_recipe(engine, client)
    assert engine.apply(_config(key, "[a, b]", outputs="[out, out2]")).succeeded
    assert {k: v["deps"] for k, v in _items(client, key).items()} == DEPS


def test_the_read_back_notices_dependencies_dss_dropped(emu, client, engine, monkeypatch):
    """DSS (here the emulator, told to) drops the inputs' dependencies on the write: apply fails, naming inputs."""
    from dss_emulator import shapes_recipes
    key = _partitioned_recipe(engine, client)
    normalize = shapes_recipes.normalize_roles

    def dropping(roles, side):
        out = normalize(roles, side)
        for role in out.values():
            for item in role["items"]:
                if side == "inputs":
                    item["deps"] = []
        return out
    monkeypatch.setattr(shapes_recipes, "normalize_roles", dropping)
    result = engine.apply(_config(key, "[a, b, c]"))
    failed = result.result("recipe.r")
    assert failed.status == "failed" and "DSS did not keep inputs" in failed.error, failed.error


def test_a_column_added_in_front_keeps_each_columns_own_dss_keys(emu, client, engine):
    """Schema columns are a list written as one: each column keeps what DSS holds beside its managed
    keys (``originalType``), matched by name, not by position (a column added first shifts them all)."""
    key = fresh_key("COLS")
    assert engine.apply(_config(key, "[a]")).succeeded
    dataset = client.get_project(key).get_dataset("a")
    settings = dataset.get_settings()
    for column in settings.get_raw()["schema"]["columns"]:
        column["originalType"] = "int8" if column["name"] == "id" else "varchar(50)"
    settings.save()
    columns = "[{name: first, type: string}, {name: id, type: bigint}, {name: label, type: string}]"
    result = engine.apply(_config(key, "[a]", columns=columns))
    assert result.succeeded, result.summary()
    held = {c["name"]: c.get("originalType") for c in dataset.get_settings().get_raw()["schema"]["columns"]}
    assert held == {"first": None, "id": "int8", "label": "varchar(50)"}


def test_removing_a_step_keeps_the_dss_settings_of_the_steps_after_it(emu, client, engine):
    """Steps are written as one list: a step named in the config keeps what DSS holds for it
    (``delayBetweenRetries``), matched by its name, not by its position (removing the first step
    used to give the second the first one's DSS settings, and drop its own)."""
    key = fresh_key("STEPS")
    steps = "[{name: first, type: build_flowitem, items: [a]}, {name: second, type: build_flowitem, items: [b]}]"

    def config(steps):
        return FrameworkConfig.from_yaml("""
version: "1.0"
project: {key: %s, name: Steps}
datasets:
  - {name: a, type: Filesystem, managed: true, format_type: csv}
  - {name: b, type: Filesystem, managed: true, format_type: csv}
scenarios:
  - {name: build, steps: %s}
""" % (key, steps))
    assert engine.apply(config(steps)).succeeded
    [scenario] = client.get_project(key).list_scenarios(as_type="objects")
    settings = scenario.get_settings()
    for step in settings.get_raw()["params"]["steps"]:
        step["delayBetweenRetries"] = 10 if step["name"] == "first" else 30
    settings.save()
    result = engine.apply(config("[{name: second, type: build_flowitem, items: [b]}]"))
    assert result.succeeded, result.summary()
    [step] = scenario.get_settings().get_raw()["params"]["steps"]
    assert (step["name"], step["delayBetweenRetries"]) == ("second", 30)
