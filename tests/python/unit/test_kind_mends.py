"""Review mends of issue 17: one ``write`` (``kind.Writes``) and one desired-form helper for tags and
descriptions, instead of a copy per kind module."""
import os

import pytest

from dataiku_framework.config.schema import ManagedFolderConfig, RecipeConfig, ScenarioConfig
from dataiku_framework.resources import kind, registry
from dataiku_framework.resources.kind import Writes

RESOURCES = os.path.dirname(kind.__file__)


@pytest.mark.parametrize("name", ["scenario", "zone", "project", "variables"])
def test_the_settings_kinds_share_one_write(name):
    """Their ``write`` is ``Writes.write`` (the changed keys in one save; a zone move apart), not a copy."""
    one = registry.get(name)
    assert isinstance(one, Writes), name
    assert "write" not in vars(type(one)), name
    assert type(one).write is Writes.write


def _sources():
    for root, _, files in os.walk(RESOURCES):
        for name in files:
            if name.endswith(".py") and name != "kind.py":
                with open(os.path.join(root, name), encoding="utf-8") as handle:
                    yield os.path.relpath(os.path.join(root, name), RESOURCES), handle.read()


def test_tags_and_descriptions_are_put_in_desired_form_once():
    """No kind module spells the tags/description block again: each calls ``kind.described_form``."""
    copies = [path for path, text in _sources() if ".tags is not None:" in text or ".description is not None:" in text]
    assert copies == []


class _Ctx(object):
    project_key = "P"
    folder_configs = {}


@pytest.mark.parametrize("name,obj,short", [
    ("managed_folder", ManagedFolderConfig(name="f", tags=["b", "a"], description="d"), False),
    ("scenario", ScenarioConfig(name="s", type="step_based", tags=["b", "a"], description="d"), False),
    ("recipe", RecipeConfig(name="r", type="python", inputs=["a"], outputs=["b"], code="",
                            tags=["b", "a"], description="d", short_desc="sd"), True),
])
def test_the_desired_form_keeps_what_the_config_sets_and_only_that(name, obj, short):
    one = registry.get(name)
    want = {"tags": ["a", "b"], "description": "d"}
    if short:
        want["shortDesc"] = "sd"
    desired = one.desired(obj, _Ctx())
    assert {k: desired[k] for k in want if k in desired} == want
    obj.tags = obj.description = None
    if short:
        obj.short_desc = None
    desired = one.desired(obj, _Ctx())
    assert not {"tags", "description", "shortDesc"} & set(desired)


def test_described_form():
    class Obj(object):
        tags, description, short_desc = ["z", "a"], "", None
    assert kind.described_form({}, Obj()) == {"tags": ["a", "z"], "description": ""}
    assert kind.described_form({"x": 1}, Obj(), short=False) == {"x": 1, "tags": ["a", "z"], "description": ""}
