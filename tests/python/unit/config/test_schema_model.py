"""The JSON Schema is the single source of truth: the model must agree with it exactly."""

import jsonschema

from dataiku_framework.config.schema import FrameworkConfig, model_classes
from dataiku_framework.config.schema_check import SUPPORTED, ANNOTATIONS, load_schema

RAW_DEFS = {"Identifier", "ObjectRef", "Tags", "StringMap", "CodeOrFile", "Variables", "PartitionDimension",
            "Partitioning", "RecipeIO", "Aggregation", "OrderBy", "JoinCondition", "PrepareStep", "BuildItem",
            "Environment", "CodeEnvs", "ExposedTo"}


def test_schema_is_valid_draft_2020_12():
    schema = load_schema()
    assert schema["$schema"].endswith("2020-12/schema")
    jsonschema.Draft202012Validator.check_schema(schema)


def test_every_model_class_has_exactly_the_schema_properties():
    schema = load_schema()
    for name, cls in model_classes().items():
        node = schema if cls._definition == "" else schema["$defs"][cls._definition]
        assert list(cls.fields()) == list(node["properties"]), name


def test_every_object_definition_is_a_model_class_or_declared_raw():
    modelled = {cls._definition for cls in model_classes().values()}
    for name in load_schema()["$defs"]:
        assert (name in modelled) != (name in RAW_DEFS), name


def test_nested_classes_match_schema_references():
    schema = load_schema()
    classes = model_classes()
    for cls in classes.values():
        node = schema if cls._definition == "" else schema["$defs"][cls._definition]
        for field, (class_name, is_list) in cls._nested.items():
            prop = node["properties"][field]
            ref = prop["items"]["$ref"] if is_list else prop["$ref"]
            assert ref == "#/$defs/" + classes[class_name]._definition, (cls.__name__, field)


def test_checker_supports_every_keyword_used_by_the_schema():
    def walk(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("properties", "$defs"):
                    for child in value.values():
                        yield from walk(child)
                    continue
                yield key
                if isinstance(value, (dict, list)) and not key.startswith("x-") and key not in ("enum", "const", "default"):
                    yield from walk(value)
        elif isinstance(node, list):
            for item in node:
                yield from walk(item)
    used = {k for k in walk(load_schema()) if not k.startswith("x-")}
    assert used <= SUPPORTED | ANNOTATIONS


def test_model_defaults_come_from_the_schema():
    schema = load_schema()
    scenario = model_classes()["ScenarioConfig"]()
    assert scenario.active is schema["$defs"]["Scenario"]["properties"]["active"]["default"]
    assert FrameworkConfig().datasets == []


def test_reference_doc_lists_every_field_of_every_kind():
    """The configuration language's reference page (docs/reference/configuration.md, where the README
    links for every key) has a section per schema definition with properties, and a row per key."""
    import os
    from config_support import REPO
    text = open(os.path.join(REPO, "docs", "reference", "configuration.md"), encoding="utf-8").read()
    schema = load_schema()
    for name, node in [("Top level", schema)] + [(k, v) for k, v in schema["$defs"].items() if "properties" in v]:
        section = text.split("\n## %s\n" % name, 1)
        assert len(section) == 2, name
        section = section[1].split("\n## ", 1)[0]
        for key in node["properties"]:
            assert "| `%s` |" % key in section, (name, key)
