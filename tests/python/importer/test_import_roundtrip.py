"""The import's four guarantees (issue 10), on every shared fixture export seeded into the emulator,
on every example, and on a project built with every resource kind:

1. import, then plan against the same project: no changes;
2. apply the imported configuration to a new, empty project, then plan: no changes, and every
   managed field of every object equals the original's;
3. importing the copy gives the same files, byte for byte (the main file's leading comment, which
   lists what was left out, names objects the copy cannot have: its body is compared);
4. ``--from-export`` on the fixture folder and on its zip gives the same files as the live import.

One pair of emulators serves the whole module; each case's round trip runs once."""
import io
import os
import shutil
import zipfile

import pytest

from import_support import FIXTURE_KEYS, World, body, cases, changed, managed_fields, render

from dataiku_framework.importer import import_export

CASES = cases()
IDS = [c[0] for c in CASES]


@pytest.fixture(scope="module")
def world():
    w = World()
    yield w
    w.stop()


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_import_then_plan_has_no_changes(world, case):
    trip = world.trip(case[1])
    assert changed(trip.plan_source) == []
    left_out = {(kind, name) for kind, name, _ in trip.imported.left_out}
    unmanaged = {(u["kind"].replace("_", " "), u["name"]) for u in trip.plan_source.doc["unmanaged"]}
    assert unmanaged <= left_out, "every object is imported or listed as left out"


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_applied_to_an_empty_project_plans_clean_with_equal_managed_fields(world, case):
    trip = world.trip(case[1])
    assert trip.applied.succeeded, trip.applied.summary()
    assert changed(trip.plan_target) == []
    assert managed_fields(trip.plan_target) == managed_fields(trip.plan_source)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_importing_the_copy_gives_the_same_files(world, case):
    trip = world.trip(case[1])
    first, again = render(trip.imported), render(trip.copy)
    main = "%s.yaml" % trip.key
    assert sorted(first) == sorted(again)
    assert body(again[main]) == body(first[main])
    assert {p: t for p, t in again.items() if p != main} == {p: t for p, t in first.items() if p != main}
    if not trip.imported.left_out:
        assert again[main] == first[main]


FIXTURE_IDS = [os.path.basename(p) for _, p in sorted(FIXTURE_KEYS.items())]


@pytest.mark.parametrize("key", sorted(FIXTURE_KEYS), ids=FIXTURE_IDS)
def test_from_export_folder_and_zip_equal_the_live_import(world, key, tmp_path):
    live = render(world.trip(key).imported)
    folder = FIXTURE_KEYS[key]
    assert render(import_export(folder, key)) == live
    assert render(import_export(os.path.join(folder, "project_config"), key)) == live
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(str(archive), "w") as out:
        for root, _, files in os.walk(os.path.join(folder, "project_config")):
            for name in files:
                full = os.path.join(root, name)
                out.write(full, os.path.join("export", os.path.relpath(full, folder)))
    assert render(import_export(str(archive), key)) == live


@pytest.mark.parametrize("case", [c for c in CASES if c[1] not in FIXTURE_KEYS], ids=[c[0] for c in CASES
                                                                                    if c[1] not in FIXTURE_KEYS])
def test_the_export_zip_dss_serves_imports_as_the_live_project(world, case, tmp_path):
    key = case[1]
    archive = tmp_path / "export.zip"
    with world.src.get_project(key).get_export_stream() as stream:
        archive.write_bytes(stream.read())
    live = render(world.trip(key).imported)
    main = "%s.yaml" % key
    # an export carries no local (per-instance) variables: DSS leaves them out of exports and bundles
    live[main] = live[main].replace("    local: {debug: 'true'}\n", "")
    assert render(import_export(str(archive))) == live


def test_every_fixture_object_is_imported_or_listed(world):
    """The note's numbers: per fixture, objects imported and left out (with why)."""
    for key, folder in FIXTURE_KEYS.items():
        imported = world.trip(key).imported
        config_dir = os.path.join(folder, "project_config")
        on_disk = {kind: len([f for f in os.listdir(os.path.join(config_dir, kind)) if f.endswith(".json")])
                   for kind in ("datasets", "recipes") if os.path.isdir(os.path.join(config_dir, kind))}
        counts = imported.counts()
        left = {}
        for kind, _, _ in imported.left_out:
            left[kind] = left.get(kind, 0) + 1
        for kind, n in on_disk.items():
            assert counts.get(kind, 0) + left.get(kind[:-1], 0) == n, (key, kind, counts, left)


def test_inventory_of_an_export_names_what_the_language_cannot_express(tmp_path):
    folder = tmp_path / "proj"
    shutil.copytree(list(FIXTURE_KEYS.values())[0], str(folder))
    for rel, text in (("dashboards/abc.json", "{}"), ("insights/chart_1.json", "{}"),
                      ("ipython_notebooks/explore.json", "{}"), ("analysis/AN1/core_params.json", "{}")):
        path = folder / "project_config" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    imported = import_export(str(folder), "WITH_EXTRAS")
    kinds = {(kind, name) for kind, name, _ in imported.left_out}
    assert {("dashboard", "abc"), ("insight", "chart_1"), ("jupyter notebook", "explore"),
            ("analysis", "AN1")} <= kinds
    header = render(imported)["WITH_EXTRAS.yaml"].split("version:")[0]
    assert "#   - dashboard abc: the configuration language does not describe dashboards" in header


def test_zip_from_bytes_of_a_folder_export(tmp_path):
    """A zip whose root is the content of project_config/ (no top folder) reads the same."""
    folder = os.path.join(list(FIXTURE_KEYS.values())[1], "project_config")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as out:
        for root, _, files in os.walk(folder):
            for name in files:
                out.write(os.path.join(root, name), os.path.relpath(os.path.join(root, name), folder))
    path = tmp_path / "flat.zip"
    path.write_bytes(buf.getvalue())
    assert render(import_export(str(path), "FLAT")) == render(import_export(folder, "FLAT"))
