"""resources/registry.py: the kinds, their order, and what derives from them, agree with the schemas."""
import json
import os
import re

import pytest

import dataiku_framework
from dataiku_framework.config.schema_check import load_schema
from dataiku_framework.plan import compare, deletes
from dataiku_framework.resources import HANDLERS, Kind, handler, registry

SCHEMA_DIR = os.path.join(os.path.dirname(dataiku_framework.__file__), "schema")


def _plan_schema():
    with open(os.path.join(SCHEMA_DIR, "plan-1.0.schema.json"), encoding="utf-8") as f:
        return json.load(f)


def test_the_plan_schema_lists_exactly_the_registry_kinds_in_plan_order():
    assert _plan_schema()["$defs"]["kind"]["enum"] == registry.plan_kinds()


def test_the_plan_address_pattern_accepts_every_kind_and_no_other():
    pattern = re.compile(_plan_schema()["$defs"]["address"]["pattern"])
    for k in registry.kinds():
        assert pattern.match(k.address("x")), k.kind
    assert not pattern.match("dashboard.x") and not pattern.match("unknown")


def test_the_seven_first_kinds_keep_their_order_and_new_kinds_follow():
    assert registry.plan_kinds()[:7] == ["project", "variables", "zone", "managed_folder", "dataset", "recipe",
                                        "scenario"]
    assert [h.kind for h in HANDLERS] == registry.plan_kinds()
    assert all(isinstance(h, Kind) for h in HANDLERS)


def test_every_kind_with_a_definition_names_a_schema_definition_and_its_section_exists():
    schema = load_schema()
    for k in registry.kinds():
        if k.definition:
            assert k.definition in schema["$defs"], k.kind
        node = schema
        for part in k.section:
            node = node["properties"][part]
            node = schema["$defs"][node["$ref"].rsplit("/", 1)[1]] if "$ref" in node else node
        assert k.section, k.kind


def test_the_derived_tables_are_today_s():
    assert deletes.DELETE_ORDER == ("git_library", "scenario", "recipe", "dataset", "managed_folder", "zone")
    assert deletes.DATA_KINDS == ("git_library", "dataset", "managed_folder")
    assert compare.UNMANAGED_KINDS == ("zone", "managed_folder", "dataset", "recipe", "scenario", "git_library")
    assert [k.kind for k in registry.detailed_kinds()] == ["recipe", "scenario", "project_folder"]
    assert {k.kind for k in registry.kinds()} == set(registry.plan_kinds())
    assert registry.git_table()["scenarios"] == ("scenario", True)
    assert registry.git_table()["datasets"] == ("dataset", False)


def test_lookups_name_the_known_kinds():
    assert registry.get("dataset") is handler("dataset")
    with pytest.raises(KeyError) as error:
        registry.get("dashboard")
    assert "project_folder" in str(error.value)
    assert registry.by_include("Folders").kind == "managed_folder"
    assert registry.by_include("libraries").kind == "git_library"
    with pytest.raises(ValueError) as error:
        registry.by_include("dashboards")
    assert "datasets" in str(error.value)
    assert registry.by_section(("project", "variables")).kind == "variables"
    assert registry.by_section(("nowhere",)) is None


def test_list_calls_read_each_slot_once_and_the_login():
    class Project(object):
        def __getattr__(self, name):
            return lambda *a: name

    class Client(object):
        def get_auth_info(self):
            return {"authIdentifier": "admin"}
    calls = registry.list_calls(Client(), Project())
    assert {"metadata", "settings", "variables", "zones", "folders", "datasets", "recipes", "scenarios",
            "auth"} <= set(calls)
    assert calls["variables"]() == "get_variables" and calls["auth"]() == {"authIdentifier": "admin"}


def test_the_new_kinds_plan_nothing_until_their_module_fills_them_in():
    from dataiku_framework.config.schema import FrameworkConfig
    config = FrameworkConfig.from_yaml('version: "1.0"\nproject: {key: A, code_envs: {python: py}, folder: /T}\n'
                                       'libraries: [{path: x, repository: "https://h/r.git", checkout: main}]\n')
    from dataiku_framework.resources.kind import StubKind
    for kind in ("code_envs", "git_library", "sharing", "project_folder"):
        if isinstance(registry.get(kind), StubKind):  # a kind whose module is filled in plans (tests/python/kinds)
            assert registry.get(kind).configured(config) == []
