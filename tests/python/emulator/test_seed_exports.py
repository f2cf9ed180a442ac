"""DSS exports (``tests/fixtures/dss-exports``, and ``shared/fixtures/dss-exports`` when present) load into the emulator and read back, through
the real client, with the content of the export files, apart from what DSS itself adds when it
serves a stored object. Those differences are listed once, in :data:`DSS_READ_DIFFERENCES`, and the
tests assert exactly them: nothing else may differ.

Loading works from the export folder, from the ``project_config`` folder itself, from a zip (with or
without a top folder) and from the emulator's own project export (export -> seed round trip).
"""
import io
import json
import os
import subprocess
import sys
import zipfile

import dataikuapi
import pytest

from emusupport import ADMIN_KEY, ROOT, export_dir, export_dirs, make_emulator
from dss_emulator.seed import load_export
from dss_emulator.state import CODE_EXTENSIONS, Instance

EXPORTS = tuple(os.path.basename(folder) for folder in export_dirs())  # the repository's, and the shared extras
KEY = "SEEDED"

# What DSS adds to the files of an export when it serves the objects through the public API
# (fields it derives from where the file lives), and what it strips from them. Values are
# callables of (project key, object id from the file name). Everything else reads back verbatim.
DSS_READ_DIFFERENCES = {
    # GET /projects/{k}/datasets/ (each item) and GET /projects/{k}/datasets/{name}
    "dataset": {"added": {"projectKey": lambda key, oid: key, "name": lambda key, oid: oid}, "stripped": ()},
    # GET /projects/{k}/recipes/{name} -> "recipe"
    "recipe": {"added": {"projectKey": lambda key, oid: key, "name": lambda key, oid: oid}, "stripped": ()},
    # GET /projects/{k}/flow/zones/{id}
    "zone": {"added": {"id": lambda key, oid: oid}, "stripped": ()},
    # GET /projects/{k}/settings is params.json as stored; GET /projects/{k}/tags is tags.json
    "project settings": {"added": {}, "stripped": ()},
    "project tags": {"added": {}, "stripped": ()},
}
# Not a DSS behaviour but a property of the fixtures: their code payloads (.py, .sql...) were
# removed, and a code recipe without its payload file reads back with an empty payload.
MISSING_CODE_PAYLOAD = ""


def _config(export):
    return os.path.join(export_dir(export), "project_config")


def _load(folder, rel):
    with open(os.path.join(folder, rel), encoding="utf-8") as f:
        return json.load(f)


def _names(folder, sub):
    path = os.path.join(folder, sub)
    return sorted(n[:-5] for n in os.listdir(path) if n.endswith(".json")) if os.path.isdir(path) else []


def assert_served(kind, stored, served, oid, key=KEY):
    """``served`` is ``stored`` plus exactly DSS's additions, minus exactly what DSS strips."""
    diff = DSS_READ_DIFFERENCES[kind]
    expected = {k: v for k, v in stored.items() if k not in diff["stripped"]}
    expected.update({field: make(key, oid) for field, make in diff["added"].items()})
    assert served == expected, "%s %s differs: %s" % (kind, oid, sorted(
        k for k in set(served) | set(expected) if served.get(k) != expected.get(k)))


def assert_project_reads_back(client, folder, key=KEY):
    project = client.get_project(key)
    assert key in client.list_project_keys()
    params = _load(folder, "params.json")
    assert_served("project settings", params, project.get_settings().get_raw(), key, key)
    metadata = project.get_metadata()
    assert metadata["label"] == params["name"]
    assert metadata["tags"] == sorted(params.get("tags", []))
    assert metadata["checklists"] == params["checklists"]
    if os.path.exists(os.path.join(folder, "tags.json")):
        assert_served("project tags", _load(folder, "tags.json"), project.get_tags(), key, key)

    names = _names(folder, "datasets")
    listed = {d["name"]: d for d in project.list_datasets()}
    assert sorted(listed) == names
    for name in names:
        stored = _load(folder, "datasets/%s.json" % name)
        assert_served("dataset", stored, listed[name], name, key)
        assert_served("dataset", stored, project.get_dataset(name).get_settings().get_raw(), name, key)

    recipes = _names(folder, "recipes")
    assert sorted(r["name"] for r in project.list_recipes()) == recipes
    for name in recipes:
        stored = _load(folder, "recipes/%s.json" % name)
        settings = project.get_recipe(name).get_settings()
        assert_served("recipe", stored, settings.get_recipe_raw_definition(), name, key)
        rtype = stored["type"]
        payload_file = os.path.join(folder, "recipes", "%s.%s" % (name, CODE_EXTENSIONS.get(rtype, rtype)))
        if os.path.exists(payload_file):
            with open(payload_file, encoding="utf-8") as f:
                text = f.read()
            assert settings.get_payload() == text
            assert settings.get_json_payload() == json.loads(text)
        else:
            assert rtype in CODE_EXTENSIONS, "visual recipe %s without payload file" % name
            assert settings.get_payload() == MISSING_CODE_PAYLOAD

    zones = _names(folder, "zones")
    if zones:
        flow = project.get_flow()
        served_ids = {z.id for z in flow.list_zones()}
        assert set(zones) <= served_ids
        for zid in zones:
            assert_served("zone", _load(folder, "zones/%s.json" % zid), flow.get_zone(zid).get_settings().get_raw(),
                          zid, key)

    log = project.get_project_git().log()["entries"]
    assert log[-1]["message"] == "Imported project"
    assert project.get_project_git().get_status()["clean"] is True


@pytest.fixture(params=EXPORTS)
def export(request):
    return request.param, _config(request.param)


def test_export_folder_loads_and_reads_back(export):
    name, folder = export
    emu = make_emulator(seed_exports={KEY: os.path.dirname(folder)})
    try:
        assert_project_reads_back(emu.client(ADMIN_KEY), folder)
    finally:
        emu.stop()


def _zip_folder(folder, top):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for base, _, files in os.walk(folder):
            for f in files:
                full = os.path.join(base, f)
                z.write(full, top + os.path.relpath(full, folder).replace(os.sep, "/"))
    return buf.getvalue()


@pytest.mark.parametrize("name, top", [("Dataiku-Titanic", "project_config/"),
                                       ("Framework-Small", "MYPROJECT/project_config/"),
                                       ("Framework-Small", "")])
def test_export_zip_loads_and_reads_back(tmp_path, name, top):
    """Each export zipped, with the layouts a DSS export zip may have (one per export: keeps it fast)."""
    folder = _config(name)
    path = tmp_path / "export.zip"
    path.write_bytes(_zip_folder(folder, top))
    emu = make_emulator(seed_exports={KEY: str(path)})
    try:
        assert_project_reads_back(emu.client(ADMIN_KEY), folder)
    finally:
        emu.stop()


def test_project_config_folder_itself_loads():
    folder = _config("Dataiku-Titanic")
    emu = make_emulator(seed_exports={KEY: folder})
    try:
        assert_project_reads_back(emu.client(ADMIN_KEY), folder)
    finally:
        emu.stop()


def test_emulator_export_round_trips(export, tmp_path):
    """POST /projects/{k}/export gives a zip that seeds an identical project."""
    name, folder = export
    first = make_emulator(seed_exports={KEY: os.path.dirname(folder)})
    try:
        out = tmp_path / "exported.zip"
        first.client(ADMIN_KEY).get_project(KEY).export_to_file(str(out))
    finally:
        first.stop()
    with zipfile.ZipFile(str(out)) as z:
        names = set(z.namelist())
        assert "project_config/params.json" in names and "export-manifest.json" in names
        for rel in ("datasets", "recipes", "zones"):
            for oid in _names(folder, rel):
                assert "project_config/%s/%s.json" % (rel, oid) in names
        exported_params = json.loads(z.read("project_config/params.json"))
        assert exported_params == _load(folder, "params.json")
        for oid in _names(folder, "datasets"):
            assert json.loads(z.read("project_config/datasets/%s.json" % oid)) == _load(
                folder, "datasets/%s.json" % oid)
    second = make_emulator(seed_exports={"AGAIN": str(out)})
    try:
        assert_project_reads_back(second.client(ADMIN_KEY), folder, key="AGAIN")
    finally:
        second.stop()


def test_export_of_a_project_made_through_the_client(client, emulator, tmp_path):
    client.create_project("MADE", "Made here", "admin", description="built by the client")
    p = client.get_project("MADE")
    p.set_variables({"standard": {"env": "dev"}, "local": {"host": "me"}})
    p.create_dataset("raw", "Filesystem", params={"connection": "filesystem_managed", "path": "/raw"},
                     formatType="csv")
    p.new_recipe("python", "compute_clean").with_input("raw").with_new_output_dataset(
        "clean", "filesystem_managed").with_script("print(1)").create()
    step_based = p.create_scenario("Daily", "step_based")
    settings = step_based.get_settings()
    settings.add_daily_trigger(hour=2, minute=0)
    settings.save()
    python = p.create_scenario("Scripted", "custom_python")
    settings = python.get_settings()
    settings.code = "print('scenario')\n"
    settings.save()
    folder = p.create_managed_folder("reports")
    p.get_library().get_folder("/python").add_file("helpers.py").write("X = 1\n")
    zone = p.get_flow().create_zone("Cleaning")
    zone.add_item(p.get_dataset("clean"))
    out = tmp_path / "made.zip"
    p.export_to_file(str(out))
    other = make_emulator(seed_exports={"MADE2": str(out)})
    try:
        q = other.client(ADMIN_KEY).get_project("MADE2")
        assert q.get_metadata()["label"] == "Made here"
        assert q.get_metadata()["description"] == "built by the client"
        assert q.get_variables() == {"standard": {"env": "dev"}, "local": {}}   # local variables stay local
        assert sorted(d["name"] for d in q.list_datasets()) == ["clean", "raw"]
        assert q.get_dataset("raw").get_settings().get_raw()["projectKey"] == "MADE2"
        settings = q.get_recipe("compute_clean").get_settings()
        assert settings.get_payload() == "print(1)"
        assert settings.get_recipe_raw_definition()["inputs"]["main"]["items"][0]["ref"] == "raw"
        assert q.get_scenario(step_based.id).get_settings().get_raw() == dict(
            step_based.get_settings().get_raw(), projectKey="MADE2")
        assert q.get_scenario(python.id).get_settings().code == "print('scenario')\n"
        assert q.get_managed_folder(folder.id).get_settings().get_raw() == dict(
            folder.get_settings().get_raw(), projectKey="MADE2")
        assert q.get_library().get_file("/python/helpers.py").read() == "X = 1\n"
        assert q.get_flow().get_zone(zone.id).get_settings().get_raw() == zone.get_settings().get_raw()
    finally:
        other.stop()


def test_export_needs_read_permission_and_counts_as_read(client, analyst, emulator, project):
    with pytest.raises(dataikuapi.utils.DataikuException) as e:
        analyst.get_project("P1").get_export_stream().close()
    assert "Failed to read project permissions" in str(e.value)
    emulator.stats.reset()
    with project.get_export_stream() as stream:
        assert zipfile.is_zipfile(io.BytesIO(stream.read()))
    snap = emulator.stats.snapshot()
    assert (snap["reads"], snap["writes"]) == (1, 0)


def test_seeded_project_is_admin_reachable_and_permissions_round_trip():
    folder = _config("Framework-Small")
    emu = make_emulator(seed_exports={KEY: os.path.dirname(folder)})
    try:
        project = emu.client(ADMIN_KEY).get_project(KEY)
        perms = project.get_permissions()
        params = _load(folder, "params.json")
        assert perms["owner"] == params["owner"]
        assert perms["permissions"] == params["permissions"]
        project.set_permissions(perms)      # owner and groups named by the export exist
        assert KEY not in emu.client("test-analyst-key").list_project_keys()
    finally:
        emu.stop()


# -- bad input -------------------------------------------------------------------------------------
def _tree(tmp_path, files):
    for rel, text in files.items():
        path = tmp_path / "project_config" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return str(tmp_path)


@pytest.mark.parametrize("files, message", [
    ({"datasets/a.json": "{}"}, "missing project_config/params.json"),
    ({"params.json": "{\"owner\": "}, "invalid JSON in project_config/params.json"),
    ({"params.json": "[]"}, "params.json must hold a JSON object"),
    ({"params.json": "{}", "datasets/broken.json": "{oops"}, "invalid JSON in project_config/datasets/broken.json"),
    ({"params.json": "{}", "recipes/r.json": "\"text\""}, "recipes/r.json must hold a JSON object"),
])
def test_bad_export_is_a_clear_value_error(tmp_path, files, message):
    with pytest.raises(ValueError) as e:
        load_export(Instance(), "K", _tree(tmp_path, files))
    assert message in str(e.value)
    assert str(tmp_path) in str(e.value)


def test_bad_paths_and_zip_layouts(tmp_path):
    with pytest.raises(ValueError, match="invalid project key 'bad-key'"):
        load_export(Instance(), "bad-key", _tree(tmp_path / "ok", {"params.json": "{}"}))
    with pytest.raises(ValueError, match="no such file or folder"):
        load_export(Instance(), "K", str(tmp_path / "absent"))
    with pytest.raises(ValueError, match="holds no project_config/ folder"):
        load_export(Instance(), "K", str(tmp_path))
    bad = tmp_path / "bad.zip"
    with zipfile.ZipFile(str(bad), "w") as z:
        z.writestr("a/b/c/project_config/params.json", "{}")
        z.writestr("readme.txt", "x")
    with pytest.raises(ValueError, match="unknown export layout"):
        load_export(Instance(), "K", str(bad))
    text = tmp_path / "notzip.zip"
    text.write_text("hello")
    with pytest.raises(ValueError, match="neither a folder nor a zip"):
        load_export(Instance(), "K", str(text))


def test_minimal_export_gets_defaults_and_keeps_existing_project(tmp_path):
    instance = Instance()
    path = _tree(tmp_path, {"params.json": "{}", "recipes/r.json": json.dumps({"type": "python"})})
    project = load_export(instance, "MINI", path)
    assert project.metadata_view()["label"] == "MINI"
    assert project.params["owner"] == "admin"
    assert project.recipes["r"] == {"recipe": {"type": "python", "projectKey": "MINI", "name": "r"}, "payload": ""}
    assert "MINI" in instance.project_folders["ROOT"]["projectKeys"]
    project.variables["standard"]["changed"] = True
    assert load_export(instance, "MINI", path) is project     # a second seed keeps the live project


def test_cli_seed_export_serves_the_project(tmp_path):
    folder = _config("Framework-Small")
    zpath = tmp_path / "enverus.zip"
    zpath.write_bytes(_zip_folder(folder, "ENVERUS/project_config/"))
    env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "python-lib"))
    proc = subprocess.Popen([sys.executable, "-m", "dss_emulator", "serve", "--port", "0", "--api-key", "K",
                             "--seed-export", "ENV=%s" % zpath], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, universal_newlines=True)
    try:
        line = proc.stdout.readline().strip()
        assert line.startswith("DSS emulator listening on http://127.0.0.1:")
        c = dataikuapi.DSSClient(line.rsplit(" ", 1)[1], "K")
        assert sorted(d["name"] for d in c.get_project("ENV").list_datasets()) == _names(folder, "datasets")
    finally:
        proc.terminate()
        proc.wait(10)
        proc.stdout.close()
        proc.stderr.close()


def test_cli_bad_export_content_is_one_line(tmp_path):
    path = _tree(tmp_path, {"params.json": "{}", "datasets/x.json": "{"})
    env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "python-lib"))
    proc = subprocess.run([sys.executable, "-m", "dss_emulator", "serve", "--port", "0", "--seed-export",
                           "K=%s" % path], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True, timeout=30)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "datasets/x.json" in proc.stderr


def test_seeded_project_persists_and_is_not_reseeded_on_restart(tmp_path):
    """``serve --data-dir D --seed-export K=P`` can be restarted: the live project wins."""
    source = os.path.dirname(_config("Dataiku-Titanic"))
    data_dir = str(tmp_path / "data")
    first = make_emulator(data_dir=data_dir, seed_exports={KEY: source})
    try:
        p = first.client(ADMIN_KEY).get_project(KEY)
        p.set_variables({"standard": {"changed": True}, "local": {}})
        p.get_dataset("Titanic").delete()
    finally:
        first.stop()
    second = make_emulator(data_dir=data_dir, seed_exports={KEY: source})
    try:
        p = second.client(ADMIN_KEY).get_project(KEY)
        assert p.get_variables()["standard"] == {"changed": True}
        assert "Titanic" not in [d["name"] for d in p.list_datasets()]
        messages = [e["message"] for e in p.get_project_git().log()["entries"]]
        assert messages[-1] == "Imported project" and messages.count("Imported project") == 1
    finally:
        second.stop()
