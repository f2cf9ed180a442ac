"""The recipe kind writes and imports itself (issue 17): no legacy writer, no legacy inverse; its
writes go through the real dataikuapi against the emulator (create, write inputs and payload, read
back, a kept role's other keys kept), and its ``to_config`` gives what ``import`` writes."""
import ast
import importlib.util
import itertools
import os

import pytest

from dataiku_framework import FrameworkConfig
from dataiku_framework.resources import kind, registry
from dataiku_framework.resources.kind import Kind, StubKind, Writes
from dataiku_framework.resources.recipe import RecipeResource

_KEYS = itertools.count(1)


def _config(key, code="print(1)", inputs="[raw]"):
    return FrameworkConfig.from_yaml(
        'version: "1.0"\nproject: {key: %s, name: Recipes}\n'
        "datasets:\n  - {name: raw, type: Filesystem, connection: filesystem_managed, path: /raw}\n"
        "  - {name: other, type: Filesystem, connection: filesystem_managed, path: /other}\n"
        "  - {name: out, type: Filesystem, connection: filesystem_managed, path: /out}\n"
        "recipes:\n  - {name: build, type: python, inputs: %s, outputs: [out], code: %r}\n"
        % (key, inputs, code))


def test_the_recipe_kind_writes_itself():
    """Its writes are the kind's own (the ``Writes`` mix-in), and the legacy tables and module are gone."""
    recipe = registry.get("recipe")
    assert isinstance(recipe, Writes) and isinstance(recipe, RecipeResource)
    for method in ("fetch", "create", "to_dss", "save", "handle"):
        assert getattr(RecipeResource, method).__module__ == "dataiku_framework.resources.recipe.writes", method
    assert recipe.replace_keys == frozenset(["inputs", "outputs"])
    for legacy in ("_LEGACY_WRITERS", "_legacy_writer", "_LEGACY_CACHE"):
        assert not hasattr(kind, legacy), legacy
    assert importlib.util.find_spec("dataiku_framework.resources.writers") is None


@pytest.mark.parametrize("method,args", [("fetch", ("x",)), ("create", ("x", None, {})),
                                         ("write", ("x", None, {}, ["a"])), ("delete", ("x", False))])
def test_a_kind_without_writes_says_so(method, args):
    class Unwritten(StubKind):
        kind = "unwritten"

    with pytest.raises(NotImplementedError) as error:
        getattr(Unwritten(), method)(None, *args)
    assert "unwritten" in str(error.value) and "writes" in str(error.value)


def test_every_registered_kind_can_write():
    """No filled-in kind of the registry falls back on ``Kind``'s refusal: each implements its writes
    (a ``StubKind`` plans nothing, so apply never writes it)."""
    for one in registry.kinds():
        if isinstance(one, StubKind):
            continue
        for method in ("fetch", "create", "write", "delete"):
            assert getattr(type(one), method) is not getattr(Kind, method), (one.kind, method)


def test_every_kind_placed_in_zones_names_its_dss_id():
    """A zone lists its items by DSS id: each kind placed in zones says which id it files an object
    under (``Writes.object_id``), rather than the zone move guessing it from the handle's attributes."""
    zoned = [one for one in registry.kinds() if one.zone_type]
    assert {one.kind for one in zoned} == {"dataset", "managed_folder", "recipe"}
    for one in zoned:
        assert type(one).object_id is not Writes.object_id, one.kind


def test_objects_moved_to_a_zone_are_its_items_by_their_dss_ids(engine, client):
    """Over HTTP: a folder (filed by a DSS-made id), a dataset and a recipe (by name) placed in a zone
    are that zone's items under those ids, and the next plan sees them there (no zone change)."""
    key = "RK_%d" % next(_KEYS)
    text = ('version: "1.0"\nproject: {key: %s, name: Zoned}\nzones:\n  - {name: raw}\n'
            "datasets:\n  - {name: src, type: Filesystem, connection: filesystem_managed, path: /src, zone: raw}\n"
            "  - {name: out, type: Filesystem, connection: filesystem_managed, path: /out}\n"
            "managed_folders:\n  - {name: files, zone: raw}\n"
            "recipes:\n  - {name: build, type: python, inputs: [src, files], outputs: [out], code: 'x=1', zone: raw}\n"
            % key)
    result = engine.apply(FrameworkConfig.from_yaml(text))
    assert result.succeeded, result.summary()
    project = client.get_project(key)
    [folder] = [f for f in project.list_managed_folders() if f["name"] == "files"]
    [zone] = [z for z in project.get_flow().list_zones() if z.name == "raw"]
    items = {(i["objectType"], i["objectId"]) for i in zone.get_settings().get_raw()["items"]}
    assert items == {("MANAGED_FOLDER", folder["id"]), ("DATASET", "src"), ("RECIPE", "build")}
    assert folder["id"] != "files"
    assert not engine.plan(FrameworkConfig.from_yaml(text)).has_changes


def test_recipe_is_created_written_and_read_back(engine, client):
    """Apply creates the recipe and writes its code; a change of code and inputs is one update, read
    back by the kind's ``fetch`` as DSS holds it; the plan is then clean."""
    key = "RK_%d" % next(_KEYS)
    first = engine.apply(_config(key))
    assert first.succeeded, first.summary()
    second = engine.apply(_config(key, code="print(2)", inputs="[raw, other]"))
    assert second.succeeded, second.summary()
    settings = client.get_project(key).get_recipe("build").get_settings()
    assert settings.get_payload() == "print(2)"
    items = settings.get_recipe_raw_definition()["inputs"]["main"]["items"]
    assert [i["ref"] for i in items] == ["raw", "other"]
    assert not engine.plan(_config(key, code="print(2)", inputs="[raw, other]")).has_changes


def test_the_kinds_load_without_the_importer():
    """The importer imports the kinds, never the reverse: loading every kind module (their inverses
    included) in a fresh interpreter loads no ``importer`` module, so the two cannot form a cycle."""
    import os
    import subprocess
    import sys
    code = ("import sys\nfrom dataiku_framework.resources import registry\n"
            "from dataiku_framework.resources.recipe import inverse as r\n"
            "from dataiku_framework.resources.scenario import inverse as s\n"
            "registry.kinds()\n"
            "print(sorted(m for m in sys.modules if m.startswith('dataiku_framework.importer')))\n")
    out = subprocess.run([sys.executable, "-c", code], env=dict(os.environ), capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]", out.stdout


def test_recipe_and_scenario_inverses_are_their_kinds_own():
    """``to_config`` is the recipe and scenario kinds' own (no ``_LEGACY_INVERSE``), and the import's
    verdict ``LeftOut`` is one class, the one the importer names (``importer.assemble``)."""
    from dataiku_framework.importer import assemble
    from dataiku_framework.resources import inverse
    from dataiku_framework.resources.scenario import ScenarioResource
    assert not hasattr(kind, "_LEGACY_INVERSE")
    assert "to_config" in vars(RecipeResource) and "to_config" in vars(ScenarioResource)
    assert assemble.LeftOut is inverse.LeftOut


def test_to_config_gives_what_import_writes(engine, client):
    """Over HTTP: the recipe and scenario kinds' ``to_config`` over a live project give the documents
    ``import`` writes (folders named, zones from the import context, a partition dependency noted),
    and ``LeftOut`` for a name the language refuses."""
    from dataiku_framework.importer.assemble import build
    from dataiku_framework.importer.read import read_live
    from dataiku_framework.resources.inverse import LeftOut
    key = "RK_%d" % next(_KEYS)
    text = ('version: "1.0"\nproject: {key: %s, name: Recipes}\nzones:\n  - {name: raw}\n'
            "datasets:\n  - {name: raw, type: Filesystem, connection: filesystem_managed, path: /raw}\n"
            "  - {name: out, type: Filesystem, connection: filesystem_managed, path: /out}\n"
            "managed_folders:\n  - {name: files}\n"
            "recipes:\n  - {name: build, type: python, inputs: [raw, files], outputs: [out], code: 'x=1',"
            " zone: raw}\n"
            "scenarios:\n  - name: nightly\n    type: step_based\n"
            "    steps: [{type: build_flowitem, items: [out, files]}, {type: run_scenario, scenario: other}]\n"
            "  - {name: other, type: step_based}\n" % key)
    assert engine.apply(FrameworkConfig.from_yaml(text)).succeeded
    client.get_project(key).create_scenario("bad name", "step_based")
    snap = read_live(client, key)
    imported = build(snap)

    class ImportContext(object):
        notes = []

        @staticmethod
        def zone_of(object_type, object_id):
            return {("RECIPE", "build"): "raw"}.get((object_type, object_id))

    recipes = list(registry.get("recipe").to_config(snap, ImportContext()))
    assert [doc for _, doc in recipes] == imported.doc["recipes"]
    assert recipes[0][1]["inputs"] == ["raw", "files"] and recipes[0][1]["zone"] == "raw"
    scenarios = dict(registry.get("scenario").to_config(snap, ImportContext()))
    assert isinstance(scenarios.pop("bad name"), LeftOut)
    assert sorted(scenarios.values(), key=lambda d: d["name"]) == imported.doc["scenarios"]
    assert scenarios["nightly"]["steps"][0]["items"] == ["out", "files"]
    assert scenarios["nightly"]["steps"][1]["scenario"] == "other"


def test_every_detailed_kind_reads_its_objects_itself():
    """``Kind.detailed`` means one read per object through the kind's ``detail``: no detailed kind
    falls back on ``Kind``'s refusal (the recipe kind was declared detailed and read by refresh)."""
    for one in registry.detailed_kinds():
        assert type(one).detail is not Kind.detail, one.kind


def _chained_settings_reads(tree):
    """The ``get_recipe(...)/get_scenario(...).get_settings()`` chains in ``tree``."""
    return sorted(node.func.value.func.attr for node in ast.walk(tree)
                  if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                  and node.func.attr == "get_settings" and isinstance(node.func.value, ast.Call)
                  and isinstance(node.func.value.func, ast.Attribute)
                  and node.func.value.func.attr in ("get_recipe", "get_scenario"))


def test_recipes_and_scenarios_are_read_by_their_kinds_only():
    """One read of a recipe's or a scenario's definition, the kind's: refresh and import call it
    (refresh kept a copy of the scenario kind's ``live_definition`` and the recipe kind's read)."""
    from sourcetrees import package_trees
    found = {path: _chained_settings_reads(tree) for path, tree in package_trees()}
    found = {path: reads for path, reads in found.items() if reads}
    assert set(found) == {os.path.join("resources", "recipe", "__init__.py"),
                          os.path.join("resources", "scenario", "__init__.py")}, found


def test_the_recipe_kind_s_detail_is_what_refresh_reads(engine, client):
    """A plan's refresh holds, for a recipe, what the recipe kind's ``detail`` reads (one GET)."""
    from dataiku_framework.plan.refresh import refresh
    key = "RK_%d" % next(_KEYS)
    assert engine.apply(_config(key)).succeeded
    snap = refresh(client, key, recipes=["build"])
    detail = registry.get("recipe").detail(client.get_project(key), "build", snap)
    assert detail == snap.recipes["build"] and detail["payload"] == "print(1)"
