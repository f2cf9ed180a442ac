"""Issue 6 §1: saving exactly what was read is a fixed point, for every kind of object.

For each kind the real client reads an object, saves it back unchanged, and reads it again: the
two reads must be equal except for the server's ``versionTag`` stamps. This runs on the three real
DSS exports (seeded) and on objects the test creates through the client.
"""
import copy
import io
import json
import os
import zipfile

import pytest

from emusupport import ADMIN_KEY, export_dir, export_dirs, fs_dataset, make_emulator

FIXTURES = [os.path.basename(folder) for folder in export_dirs()]  # the repository's, and the shared extras


def unstamped(obj):
    """``obj`` without any ``versionTag`` (the only thing a no-op save may change)."""
    if isinstance(obj, dict):
        return {k: unstamped(v) for k, v in obj.items() if k != "versionTag"}
    if isinstance(obj, list):
        return [unstamped(v) for v in obj]
    return obj


def get(client, path):
    return client._perform_json("GET", path)


def assert_fixed_point(client, path, save):
    """GET ``path``, run ``save`` (a no-op save through the client), GET again: equal but stamps."""
    before = get(client, path)
    save()
    after = get(client, path)
    assert unstamped(after) == unstamped(before), "no-op save changed %s" % path
    return before, after


def check_project_level(client, key):
    """Settings, permissions, metadata, variables and tags of project ``key``."""
    p = client.get_project(key)
    base = "/projects/%s" % key
    assert_fixed_point(client, base + "/settings", lambda: p.get_settings().save())
    assert_fixed_point(client, base + "/permissions", lambda: p.set_permissions(p.get_permissions()))
    assert_fixed_point(client, base + "/metadata", lambda: p.set_metadata(p.get_metadata()))
    assert_fixed_point(client, base + "/variables", lambda: p.set_variables(p.get_variables()))
    assert_fixed_point(client, base + "/tags", lambda: p.set_tags(p.get_tags()))


def check_flow_objects(client, key):
    """Every dataset, recipe, scenario, folder, zone and library file of project ``key``."""
    p = client.get_project(key)
    base = "/projects/%s" % key
    counts = {}
    for item in p.list_datasets():
        ds = p.get_dataset(item["name"])
        assert_fixed_point(client, "%s/datasets/%s" % (base, item["name"]), lambda: ds.get_settings().save())
        counts["dataset"] = counts.get("dataset", 0) + 1
    for item in p.list_recipes():
        r = p.get_recipe(item["name"])
        assert_fixed_point(client, "%s/recipes/%s" % (base, item["name"]), lambda: r.get_settings().save())
        counts["recipe"] = counts.get("recipe", 0) + 1
    for item in p.list_scenarios():
        sc = p.get_scenario(item["id"])
        path = "%s/scenarios/%s" % (base, item["id"])
        if item.get("type") == "custom_python":
            before = get(client, path + "/payload")
            assert_fixed_point(client, path, lambda: sc.get_settings().save())
            assert get(client, path + "/payload") == before
            counts["script"] = counts.get("script", 0) + bool(before.get("script"))
        else:
            assert_fixed_point(client, path, lambda: sc.get_settings().save())
        counts["scenario"] = counts.get("scenario", 0) + 1
    for item in p.list_managed_folders():
        f = p.get_managed_folder(item["id"])
        assert_fixed_point(client, "%s/managedfolders/%s" % (base, item["id"]), lambda: f.get_settings().save())
        counts["folder"] = counts.get("folder", 0) + 1
    for zone in p.get_flow().list_zones():
        assert_fixed_point(client, "%s/flow/zones/%s" % (base, zone.id), lambda: zone.get_settings().save())
        counts["zone"] = counts.get("zone", 0) + 1
    for item in p.list_saved_models():
        sm = p.get_saved_model(item["id"])
        assert_fixed_point(client, "%s/savedmodels/%s" % (base, item["id"]), lambda: sm.get_settings().save())
        counts["saved_model"] = counts.get("saved_model", 0) + 1
    for store in p.list_model_evaluation_stores():
        assert_fixed_point(client, "%s/evaluationstores/%s" % (base, store.id), lambda: store.get_settings().save())
        counts["evaluation_store"] = counts.get("evaluation_store", 0) + 1
    git = p.get_project_git()
    for path, ref in git.list_libraries()["gitReferences"].items():
        assert_fixed_point(client, base + "/git/lib-git-refs/", lambda: git.set_library(
            path, ref["remote"], ref["remotePath"], ref["checkout"]))
        counts["git_library"] = counts.get("git_library", 0) + 1
    library = p.get_library()
    for path in _library_files(library.root):
        f = library.get_file(path)
        url = "%s/libraries/contents/%s" % (base, path)
        assert_fixed_point(client, url, lambda: f.write(f.read()))
        counts["library"] = counts.get("library", 0) + 1
    return counts


def _library_files(folder):
    out = []
    for child in folder.list():
        if hasattr(child, "list"):
            out.extend(_library_files(child))
        else:
            out.append(child.path)
    return out


def export_params(client, key):
    """``params.json`` of the project's export zip."""
    data = client.get_project(key).get_export_stream().read()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return json.loads(archive.read("project_config/params.json"))


@pytest.mark.parametrize("fixture", FIXTURES)
def test_no_op_saves_are_fixed_points_on_real_exports(fixture):
    emu = make_emulator(seed_exports={"SEEDED": export_dir(fixture)})
    try:
        client = emu.client(ADMIN_KEY)
        settings_before = get(client, "/projects/SEEDED/settings")
        check_project_level(client, "SEEDED")
        counts = check_flow_objects(client, "SEEDED")
        assert counts.get("dataset") and counts.get("recipe") and counts.get("zone") and counts.get("saved_model")
        config = os.path.join(export_dir(fixture), "project_config")
        for kind, folder in (("dataset", "datasets"), ("recipe", "recipes"), ("saved_model", "saved_models"),
                             ("evaluation_store", "model_evaluation_stores")):
            files = [f for f in os.listdir(os.path.join(config, folder)) if f.endswith(".json")] \
                if os.path.isdir(os.path.join(config, folder)) else []
            assert counts.get(kind, 0) == len(files), "every seeded %s is checked" % kind
        # the project record itself did not drift: no key added or lost by the saves
        settings_after = get(client, "/projects/SEEDED/settings")
        assert sorted(settings_after) == sorted(set(settings_before) | {"versionTag"})
    finally:
        emu.stop()


def _populate(client):
    """A project holding one object of every kind, created through the client."""
    client.create_project("FP", "Fixed point", "admin", description="long description")
    p = client.get_project("FP")
    fs_dataset(p, "raw")
    p.new_managed_dataset("managed_out").with_store_into("filesystem_managed").create()
    p.create_sql_table_dataset("sql_in", "PostgreSQL", "pg", "t_in", "public")
    p.create_upload_dataset("uploaded")
    code = p.new_recipe("python").with_input("raw").with_output("managed_out")
    code.with_script("print('hello')\n")
    code.create()
    p.new_recipe("sync").with_input("sql_in").with_new_output("synced", "filesystem_managed").create()
    steps = p.create_scenario("Steps", "step_based")
    settings = steps.get_settings()
    settings.add_periodic_trigger(every_minutes=10)
    settings.raw_steps.append({"type": "build_flowitem", "name": "build",
                               "params": {"builds": [{"type": "DATASET", "itemId": "managed_out"}]}})
    settings.save()
    script = p.create_scenario("Script", "custom_python").get_settings()
    script.code = "from dataiku.scenario import Scenario\nScenario().build_dataset('managed_out')\n"
    script.save()
    p.create_managed_folder("files")
    zone = p.get_flow().create_zone("Zone A")
    zone.add_item(p.get_dataset("raw"))
    p.get_library().add_file("python/helpers.py").write("def f():\n    return 1\n")
    p.get_project_git().add_library("https://example.com/utils.git", "utils", "main")
    p.set_variables({"standard": {"a": 1, "nested": {"b": [1, 2]}}, "local": {"l": "x"}})
    p.set_tags({"tags": {"gold": {"color": "#ffcc00"}}})
    perms = p.get_permissions()
    perms["permissions"].append({"group": "data_team", "readProjectContent": True, "writeProjectContent": True,
                                 "editPermissions": True, "publishToDataCollections": True})
    p.set_permissions(perms)
    md = p.get_metadata()
    md["tags"] = ["t1"]
    md["custom"] = {"kv": {"team": "data"}}
    p.set_metadata(md)
    return p


def test_no_op_saves_are_fixed_points_on_created_objects(client):
    _populate(client)
    check_project_level(client, "FP")
    counts = check_flow_objects(client, "FP")
    assert counts == {"dataset": 5, "recipe": 2, "scenario": 2, "script": 1, "folder": 1, "zone": 2,
                      "library": 2, "git_library": 1}


def test_permission_flags_and_unknown_keys_survive_a_settings_save(client):
    """A permission entry keeps every flag it was sent with (true ones too), and unknown keys stay."""
    p = _populate(client)
    settings = p.get_settings()
    settings.get_raw()["someFutureSetting"] = {"x": 1}
    settings.save()
    p.get_settings().save()
    raw = get(client, "/projects/FP/settings")
    entry = [e for e in raw["permissions"] if e.get("group") == "data_team"][0]
    assert entry["editPermissions"] is True and entry["publishToDataCollections"] is True
    assert raw["someFutureSetting"] == {"x": 1}
    assert "projectStatus" not in raw or raw["projectStatus"] == get(client, "/projects/FP")["projectStatus"]


def test_seeded_settings_gain_no_default_keys():
    """A no-op save of a real export's settings adds no ``projectStatus``/``projectAppType``."""
    path = export_dir("Dataiku-Titanic")
    emu = make_emulator(seed_exports={"TITANIC": path})
    try:
        client = emu.client(ADMIN_KEY)
        before = copy.deepcopy(get(client, "/projects/TITANIC/settings"))
        client.get_project("TITANIC").get_settings().save()
        after = get(client, "/projects/TITANIC/settings")
        assert "projectStatus" not in after and "projectAppType" not in after
        assert unstamped(after) == unstamped(before)
        assert after["versionTag"]["versionNumber"] == before["versionTag"]["versionNumber"] + 1
    finally:
        emu.stop()


def test_one_project_record_through_settings_metadata_summary_export_and_git(client, project):
    """Issue 6 §2: tags, shortDesc, checklists, customFields and versionTag have one value."""
    md = project.get_metadata()
    md.update({"tags": ["new_tag"], "shortDesc": "short", "customFields": {"owner_team": "ops"}})
    md["checklists"] = {"checklists": [{"title": "todo", "items": []}]}
    project.set_metadata(md)
    settings = get(client, "/projects/P1/settings")
    summary = get(client, "/projects/P1")
    exported = export_params(client, "P1")
    for view in (settings, exported):
        assert view["tags"] == ["new_tag"]
        assert view["shortDesc"] == "short"
        assert view["customFields"] == {"owner_team": "ops"}
        assert view["checklists"] == md["checklists"]
    assert summary["tags"] == ["new_tag"] and summary["shortDesc"] == "short"
    assert settings["versionTag"] == summary["versionTag"] == exported["versionTag"]
    # a settings save is seen by the metadata too
    s = project.get_settings()
    s.get_raw()["shortDesc"] = "changed through settings"
    s.save()
    assert project.get_metadata()["shortDesc"] == "changed through settings"
    assert get(client, "/projects/P1")["versionTag"]["versionNumber"] > settings["versionTag"]["versionNumber"]
    # git versions one params.json (as DSS does), no invented metadata.json; the committed
    # params.json holds what the metadata and the settings show
    git = project.get_project_git()
    first = git.log()["entries"][-1]["commit"]
    last = git.log(count=1)["entries"][0]["commit"]
    whole = git.diff(commit_from=first, commit_to=last)
    paths = {e["path"] for e in git.diff(commit_from=last)["entries"]}
    assert paths == {"params.json"}
    assert all(e["path"] != "metadata.json" for e in whole["entries"])
    diff_text = "\n".join(e["diff"] for e in whole["entries"] if e["path"] == "params.json")
    assert "changed through settings" in diff_text and "new_tag" in diff_text
