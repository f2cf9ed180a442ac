"""project_folder: which DSS project folder the project lives in (``project.folder``), through the
real dataikuapi against the emulator: plan, apply into new nested folders, re-plan clean, drift
after a move made in DSS, import round trip and ``--adopt``, a project at the root; nothing read
when ``folder`` is not set."""
import itertools

from emusupport import ADMIN_KEY

from dataiku_framework import FrameworkConfig

_KEYS = itertools.count(1)


def _key():
    return "PF_%d" % next(_KEYS)


def _config(key, folder=None):
    line = "" if folder is None else ", folder: %s" % folder
    return FrameworkConfig.from_yaml('version: "1.0"\nproject: {key: %s, name: Placed%s}\n' % (key, line))


def _entry(plan, address="project_folder"):
    found = [c for c in plan.doc["resource_changes"] if c["address"] == address]
    return found[0] if found else None


def _path_of(client, key):
    return client.get_project(key).get_project_folder().get_path()


def _folder(client, path):
    folder = client.get_root_project_folder()
    for name in [p for p in path.split("/") if p]:
        folder = [f for f in folder.list_child_folders() if f.get_name() == name][0]
    return folder


def test_plan_of_a_new_project_places_it(engine):
    plan = engine.plan(_config(_key(), "/Team/Sales"))
    entry = _entry(plan)
    assert entry["action"] == "create"
    assert [(c["path"], c["after"]) for c in entry["changes"]] == [("folder", "/Team/Sales")]
    assert "project" in entry["depends_on"]


def test_apply_creates_nested_folders_moves_the_project_and_replans_clean(engine, client):
    key = _key()
    result = engine.apply(_config(key, "/Team/Sales"))
    assert result.succeeded, result.summary()
    assert _path_of(client, key) == "/Team/Sales"
    assert key not in client.get_root_project_folder().list_project_keys()
    again = engine.plan(_config(key, "/Team/Sales"))
    assert _entry(again)["action"] == "no-op"
    assert not again.has_changes


def test_an_existing_folder_is_reused_not_created_twice(engine, client):
    first, second = _key(), _key()
    assert engine.apply(_config(first, "/Shared/Reused")).succeeded
    assert engine.apply(_config(second, "/Shared/Reused")).succeeded
    shared = [f for f in client.get_root_project_folder().list_child_folders() if f.get_name() == "Shared"]
    assert len(shared) == 1
    assert sorted(_folder(client, "/Shared/Reused").list_project_keys()) == sorted([first, second])


def test_a_move_made_in_dss_is_drift_and_apply_moves_it_back(engine, client):
    key = _key()
    assert engine.apply(_config(key, "/Ops")).succeeded
    project = client.get_project(key)
    project.move_to_folder(client.get_root_project_folder())
    plan = engine.plan(_config(key, "/Ops"))
    entry = _entry(plan)
    assert entry["action"] == "update"
    assert [(c["path"], c["before"], c["after"]) for c in entry["changes"]] == [("folder", "/", "/Ops")]
    assert plan.has_drift
    assert engine.apply(_config(key, "/Ops")).succeeded
    assert _path_of(client, key) == "/Ops"


def test_a_project_at_the_root_and_folder_slash(engine, client):
    key = _key()
    assert engine.apply(_config(key)).succeeded
    assert _path_of(client, key) == "/"
    plan = engine.plan(_config(key, "/"))
    assert _entry(plan)["action"] == "no-op"
    assert engine.apply(_config(key, "/Moved")).succeeded
    assert engine.apply(_config(key, "/")).succeeded
    assert _path_of(client, key) == "/"


def test_nothing_is_read_when_folder_is_not_set(engine, emu):
    key = _key()
    assert engine.apply(_config(key)).succeeded
    emu.stats.reset()
    plan = engine.plan(_config(key))
    assert _entry(plan) is None
    paths = [e["path"] for e in emu.stats.snapshot()["log"]]
    assert paths and not [p for p in paths if "project-folders" in p]


def test_removing_folder_stops_managing_and_leaves_the_project_in_place(engine, client):
    key = _key()
    assert engine.apply(_config(key, "/Kept")).succeeded
    plan = engine.plan(_config(key), allow_delete=True)
    assert _entry(plan) is None
    assert engine.apply(_config(key), allow_delete=True).succeeded
    assert _path_of(client, key) == "/Kept"


def _cli(emu, *argv):
    import io
    from contextlib import redirect_stderr, redirect_stdout

    from dataiku_framework.cli import main
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(list(argv) + ["--host", emu.url, "--api-key", ADMIN_KEY])
    return code, out.getvalue(), err.getvalue()


def test_import_round_trip_keeps_the_folder_and_plans_clean(engine, client, emu, tmp_path):
    from dataiku_framework.importer import import_project
    key = _key()
    assert engine.apply(_config(key, "/Imported/Here")).succeeded
    imported = import_project(client, key)
    assert imported.doc["project"]["folder"] == "/Imported/Here"
    code, _, err = _cli(emu, "import", key, "--out", str(tmp_path))
    assert (code, err) == (0, ""), err
    config = FrameworkConfig.from_yaml(str(tmp_path / ("%s.yaml" % key)))
    assert config.project.folder == "/Imported/Here"
    plan = engine.plan(config)
    assert _entry(plan)["action"] == "no-op" and not plan.has_changes


def test_import_of_a_project_at_the_root_leaves_folder_out(engine, client):
    from dataiku_framework.importer import import_project
    key = _key()
    assert engine.apply(_config(key)).succeeded
    assert "folder" not in import_project(client, key).doc["project"]


def test_adopt_records_the_placement_in_the_state(engine, client, emu, tmp_path):
    from dataiku_framework.state import StateStore
    key = _key()
    client.create_project(key, "Made in DSS", "admin")
    target = client.get_root_project_folder().create_sub_folder("Adopted")
    client.get_project(key).move_to_folder(target)
    code, out, err = _cli(emu, "import", key, "--out", str(tmp_path), "--adopt")
    assert (code, err) == (0, ""), err
    assert "Adopted" in out
    entry = StateStore(client, key).read().resources["project_folder"]
    assert entry["canonical"] == {"path": "/Adopted"} and entry["created_by_tool"] is False
    client.get_project(key).move_to_folder(client.get_root_project_folder())
    config = FrameworkConfig.from_yaml(str(tmp_path / ("%s.yaml" % key)))
    plan = engine.plan(config)
    assert [c["origin"] for c in _entry(plan)["changes"]] == ["drift"]


def test_two_dss_folders_of_the_path_s_name_stop_the_apply_naming_both(engine, client):
    key = _key()
    root = client.get_root_project_folder()
    ids = sorted([root.create_sub_folder("Twice").id, client.get_root_project_folder().create_sub_folder("Twice").id])
    result = engine.apply(_config(key, "/Twice/Inner"))
    assert not result.succeeded
    failed = [r for r in result.results if r.address == "project_folder"][0]
    assert failed.status == "failed"
    assert "2 project folders named 'Twice'" in failed.error and all(i in failed.error for i in ids)
    assert _path_of(client, key) == "/"
    assert all(not f.list_child_folders() for f in client.get_root_project_folder().list_child_folders()
               if f.get_name() == "Twice")
