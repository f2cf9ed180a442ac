"""Scenario trigger and step tables: written once (resources/scenario), read by the translation, the
importer's inverse and the plan's path names (issue 17 §1)."""
import importlib.util

import pytest

from dataiku_framework.dss import translate
from dataiku_framework.resources.scenario import ScenarioResource, inverse, steps, triggers
from dataiku_framework.resources.tables import Bimap


class Obj(object):
    """A config object: missing keys read None (as the model classes do)."""

    def __init__(self, **doc):
        self.__dict__.update(doc)

    def __getattr__(self, name):
        return None


def test_the_legacy_names_are_the_scenario_tables_not_copies():
    for name in ("TRIGGER_TYPES", "JOB_TYPES", "RUN_CONDITIONS", "trigger_definition", "step_definition"):
        assert not hasattr(translate, name), name  # one home: the scenario package, no forwarder
    for table in (triggers.TRIGGER_TYPES, triggers.TRIGGER_PARAMS, steps.JOB_TYPES, steps.RUN_CONDITIONS,
                  steps.ITEM_FIELDS):
        assert isinstance(table, Bimap)
    # importer.convert kept its own copies (TRIGGER_KINDS, JOB_MODES, ITEM_STEPS...): it is gone
    assert importlib.util.find_spec("dataiku_framework.importer.convert") is None


@pytest.mark.parametrize("day", [1, 2, 15, 31])
def test_monthly_start_and_its_parse_are_one_rule(day):
    assert triggers.monthly_day(triggers.monthly_start(day)) == day
    assert triggers.monthly_start(None) == triggers.monthly_start(1)
    assert triggers.monthly_day("2024-02-05T00:00:00.000+0000") is None
    assert triggers.monthly_day(None) is None


CASES = [
    {"frequency": "minutely"},
    {"frequency": "hourly", "minute": 15, "repeat_every": 2},
    {"frequency": "daily", "hour": 6, "timezone": "Europe/Paris"},
    {"frequency": "weekly", "day_of_week": ["Monday"]},
    {"frequency": "weekly", "day_of_week": ["Friday", "Sunday"], "hour": 23, "minute": 59},
    {"frequency": "monthly"},
    {"frequency": "monthly", "day_of_month": 28, "hour": 4},
    {"frequency": "monthly", "starting_from": "2023-07-03T10:00:00.000+0000"},
]


@pytest.mark.parametrize("doc", CASES)
def test_a_temporal_trigger_comes_back_as_written(doc):
    """Forward fills the defaults, the inverse drops them: the config the author wrote comes back."""
    live = triggers.trigger_definition(Obj(type="temporal", **doc))
    assert inverse.trigger(live) == dict(doc, type="temporal")


def test_the_temporal_defaults_are_filled_forward_and_dropped_back():
    live = triggers.trigger_definition(Obj(type="temporal", frequency="weekly"))
    params = live["params"]
    for key, value in triggers.TEMPORAL_DEFAULTS.values.items():
        dss_key = triggers.TRIGGER_PARAMS.to_dss(key)
        if key != "day_of_month":
            assert params[dss_key] == value, key
    back = inverse.trigger(live)
    assert [k for k in back if k in triggers.TEMPORAL_DEFAULTS.values] == ["day_of_week"]


@pytest.mark.parametrize("ours", steps.RUN_CONDITIONS.config_values())
@pytest.mark.parametrize("mode", steps.JOB_TYPES.config_values())
def test_a_build_step_comes_back_as_written(ours, mode):
    doc = {"type": "build_flowitem", "items": ["a", {"ref": "b", "partitions": "2024"}],
           "run_condition": ours, "build_mode": mode}
    live = steps.step_definition(Obj(**doc), "P", {})
    back = inverse.step(dict(live, name="Step #1"), 0, "P", {}, {})
    expected = {k: v for k, v in doc.items() if (k, v) not in (("run_condition", "if_previous_ok"),
                                                              ("build_mode", "RECURSIVE"))}
    assert back == expected


@pytest.mark.parametrize("stype", steps.ITEM_FIELDS.config_values())
def test_item_steps_name_their_field_from_one_table(stype):
    live = steps.step_definition(Obj(type=stype, items=["a"]), "P", {})
    field = steps.ITEM_FIELDS.to_dss(stype)
    assert list(live["params"])[0] == field
    assert steps.STEP_PARAMS[field] == "items"
    assert inverse.step(dict(live, name="Step #1"), 0, "P", {}, {}) == {"type": stype, "items": ["a"]}


def test_plan_path_names_read_the_trigger_table():
    """A difference at a trigger's DSS params key is named by the config key of the same table."""
    trigger = Obj(type="temporal", frequency="daily", params=None)
    sc = Obj(triggers=[trigger])
    handler = ScenarioResource()
    for ours, theirs in triggers.TRIGGER_PARAMS.pairs:
        if ours in ("day_of_month", "dataset"):
            continue  # the one spelled by a start date, the one indexed by watch: tested by the plan tests
        assert handler.config_path(("triggers", 0, "params", theirs), sc) == "triggers[0].%s" % ours


def test_the_inverse_lives_with_the_kind():
    """One inverse: the importer calls the scenario module's own (through the kind's ``to_config``),
    and the DSS defaults the inverse drops are not kept a second time in an importer module."""
    assert ScenarioResource.to_config.__module__ == "dataiku_framework.resources.scenario"
    for gone in ("dataiku_framework.importer.convert", "dataiku_framework.importer.defaults"):
        assert importlib.util.find_spec(gone) is None, gone
    for name in ("TRIGGER_NAMES", "STEP_NAME", "REPORTER", "TRIGGER_DELAY"):
        assert hasattr(inverse, name), name


def test_the_scenario_kind_writes_itself():
    """The writes (fetch, create, save, delete) are the kind's own methods, not a legacy writer's."""
    from dataiku_framework.resources.kind import Writes
    for method in ("fetch", "create", "save", "to_dss", "handle"):
        assert method in vars(ScenarioResource), method
    for method in ("write", "settings", "delete"):  # the shared ones: Writes'
        assert getattr(ScenarioResource, method) is getattr(Writes, method), method
    from dataiku_framework.resources import registry
    assert isinstance(registry.get("scenario"), ScenarioResource)


def test_the_kind_reads_one_scenario_in_detail(project):
    """``detail`` reads by the id the listing gives for the name, a Python scenario's code as ``script``."""
    from types import SimpleNamespace
    created = project.create_scenario("Nightly", "custom_python")
    settings = created.get_settings()
    settings.code = "print(1)"
    settings.save()
    snap = SimpleNamespace(scenario_ids={"Nightly": created.id})
    live = ScenarioResource().detail(project, "Nightly", snap)
    assert (live["type"], live["script"]) == ("custom_python", "print(1)")
