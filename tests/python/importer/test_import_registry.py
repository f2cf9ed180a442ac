"""The import asks the registry of kinds (issue 17 §1): the ``--include`` spellings, the list calls
and the sections it writes come from the kinds' declarations, so a new kind needs no edit in the
importer. Real imports over HTTP against the emulator; a kind's own ``to_config`` is swapped only to
make it yield what DSS does not hold (a value that would not plan clean, a left-out one)."""
import json

import pytest

from dataiku_framework import FrameworkConfig
from dataiku_framework.engine import Engine
from dataiku_framework.importer import import_project
from dataiku_framework.resources.inverse import LeftOut
from dataiku_framework.importer.read import wanted
from dataiku_framework.resources import registry

REPO = "https://git.example.com/team/shared.git"


@pytest.fixture
def key(client):
    """One project: a dataset and a git library reference."""
    config = FrameworkConfig.from_yaml(
        'version: "1.0"\nproject: {key: IMPREG, name: Reg}\n'
        'datasets: [{name: raw, type: Filesystem, managed: true, format_type: csv}]\n'
        'libraries: [{path: shared, repository: "%s", checkout: main}]\n' % REPO)
    assert Engine(client=client).apply(config).succeeded
    return "IMPREG"


def test_include_spellings_are_the_kinds_own():
    assert wanted(["git-libraries", "Folder"]) == ("managed_folders", "libraries")
    assert wanted(["library"]) == ("libraries",)
    with pytest.raises(ValueError) as error:
        wanted(["dashboards"])
    assert "libraries" in str(error.value) and "datasets" in str(error.value)


def test_include_libraries_reads_the_project_and_its_references_only(emulator, client, key):
    emulator.stats.reset()
    imported = import_project(client, key, include=["libraries"])
    assert imported.doc["libraries"] == [{"path": "shared", "repository": REPO, "checkout": "main"}]
    assert "datasets" not in imported.doc
    routes = emulator.stats.snapshot(with_log=False)["by_route"]
    assert not [r for r in routes if "/datasets" in r or "/managedfolders" in r or "/recipes" in r]
    assert [r for r in routes if "lib-git-refs" in r]


def test_a_reference_dss_holds_without_checkout_is_left_out_with_its_reason(client, key):
    library = client.get_project(key).get_library()
    handle = library.get_file("/external-libraries.json")
    data = json.loads(handle.read())
    data["gitReferences"]["broken"] = {"remote": REPO, "remotePath": "", "checkout": ""}
    handle.write(json.dumps(data))
    try:
        imported = import_project(client, key)
    finally:
        del data["gitReferences"]["broken"]
        handle.write(json.dumps(data))
    assert [lib["path"] for lib in imported.doc["libraries"]] == ["shared"]
    assert ("git_library", "broken", "DSS holds no checkout for it") in imported.left_out


def test_a_singleton_top_level_section_is_its_kind_s_one_value(client, key):
    """``exposed`` (the sharing kind, a singleton): ``doc["exposed"]`` is the one value its
    ``to_config`` yields (a list); nothing in the importer names it."""
    settings = client.get_project(key).get_settings()
    settings.add_exposed_object("DATASET", "raw", "OTHER")
    settings.save()
    imported = import_project(client, key)
    assert imported.doc["exposed"] == [{"dataset": "raw", "to": ["OTHER"]}]
    assert imported.counts()["exposed"] == 1


def test_the_summary_names_exposed_objects_in_words(client, key):
    """A section named by an adjective (``exposed``) counts objects: "2 exposed objects", not "2 exposeds"."""
    project = client.get_project(key)
    project.create_dataset("other", "Filesystem", params={"connection": "filesystem_managed", "path": "/other"})
    settings = project.get_settings()
    settings.add_exposed_object("DATASET", "raw", "OTHER")
    settings.add_exposed_object("DATASET", "other", "OTHER")
    settings.save()
    imported = import_project(client, key, ["exposed"])
    assert imported.counts()["exposed"] == 2 and "2 exposed objects" in imported.summary()


def test_a_singleton_that_would_not_plan_clean_is_left_out_whole(client, key, monkeypatch):
    """A singleton whose value would not plan clean is dropped whole and named (its value is a list:
    the importer must not take it for a list section of named objects)."""
    sharing = registry.get("sharing")
    monkeypatch.setattr(sharing, "to_config", lambda snap, ctx: [("sharing", [{"dataset": "raw", "to": ["OTHER"]}])])
    imported = import_project(client, key)
    assert "exposed" not in imported.doc
    assert [e for e in imported.left_out if e[0] == "sharing" and "would not plan clean" in e[2]]


def test_a_singleton_left_out_is_named_and_not_written(client, key, monkeypatch):
    sharing = registry.get("sharing")
    monkeypatch.setattr(sharing, "to_config", lambda snap, ctx: [("sharing", LeftOut("exposes a wiki"))])
    imported = import_project(client, key)
    assert "exposed" not in imported.doc
    assert ("sharing", "sharing", "exposes a wiki") in imported.left_out
