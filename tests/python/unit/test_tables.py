"""resources/tables.py: one table, both directions, so the two cannot disagree."""
import pytest

from dataiku_framework.resources.base import ANY
from dataiku_framework.resources.tables import Bimap, Defaults, PathTable

TRIGGERS = Bimap([("temporal", "temporal"), ("dataset", "ds_modified"), ("sql", "sql_query"),
                  ("python", "custom_python")])


def test_a_bimap_gives_each_value_back_both_ways():
    for ours, theirs in TRIGGERS.pairs:
        assert TRIGGERS.to_dss(ours) == theirs
        assert TRIGGERS.to_config(theirs) == ours
        assert TRIGGERS.to_config(TRIGGERS.to_dss(ours)) == ours


def test_a_bimap_says_what_it_lacks():
    assert TRIGGERS.to_config("unknown_type") is None
    assert TRIGGERS.to_config("unknown_type", missing="left out") == "left out"
    with pytest.raises(KeyError) as error:
        TRIGGERS.to_dss("hourly")
    assert "'hourly' is not one of 'temporal'" in str(error.value)
    assert Bimap([("a", "A")], default_dss="Z").to_dss("b") == "Z"


def test_a_bimap_refuses_a_value_mapped_twice():
    with pytest.raises(ValueError):
        Bimap([("a", "A"), ("b", "A")])
    with pytest.raises(ValueError):
        Bimap([("a", "A"), ("a", "B")])


PARAMS = PathTable([("hour", ("params", "hour")), ("repeat_every", ("params", "repeatFrequency")),
                    ("params", ("params",)), ("items", ("params", "builds", ANY))])


def test_a_path_table_reads_and_writes_the_path_it_names():
    doc = PARAMS.write({}, "hour", 3)
    PARAMS.write(doc, "repeat_every", 2)
    assert doc == {"params": {"hour": 3, "repeatFrequency": 2}}
    assert PARAMS.read(doc, "hour") == 3
    assert PARAMS.read({}, "hour", missing="absent") == "absent"
    assert PARAMS.dss_path("repeat_every") == ("params", "repeatFrequency")


def test_a_path_table_names_the_key_of_a_path_longest_pattern_first():
    assert PARAMS.config_key(("params", "hour")) == "hour"
    assert PARAMS.config_key(("params", "timezone")) == "params"
    assert PARAMS.config_key(("params", "builds", 2, "itemId")) == "items"
    assert PARAMS.config_key(("name",)) is None


def test_a_path_table_refuses_wildcards_where_a_concrete_path_is_needed():
    with pytest.raises(ValueError):
        PARAMS.read({"params": {"builds": []}}, "items")
    with pytest.raises(ValueError):
        PARAMS.write({}, "items", 1)
    with pytest.raises(ValueError):
        PathTable([("a", ("x",)), ("a", ("y",))])


def test_defaults_are_filled_forward_and_dropped_inverse():
    temporal = Defaults(repeat_every=1, timezone="SERVER", hour=0)
    assert temporal.fill("hour", None) == 0 and temporal.fill("hour", 5) == 5
    assert temporal.drop("timezone", "SERVER") and not temporal.drop("timezone", "UTC")
    assert not temporal.drop("minute", 0)
    assert temporal.filled({"hour": 4}) == {"repeat_every": 1, "timezone": "SERVER", "hour": 4}
    assert temporal.dropped(temporal.filled({"hour": 4})) == {"hour": 4}
