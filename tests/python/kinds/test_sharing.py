"""The ``sharing`` kind: the objects a project exposes to other projects (top-level ``exposed:``, DSS's
``exposedObjects``), planned, applied, imported and drifted through the real dataikuapi client on the
emulator; and its online check, that every ``OTHER.name`` the configuration reads is exposed to it."""
import itertools
import json
import os
import shutil

import pytest

from emusupport import ANALYST_KEY, SHARED_EXPORTS, export_dir

from dataiku_framework import FrameworkConfig
from dataiku_framework.config.api import validate_file
from dataiku_framework.importer import import_project
from dataiku_framework.state import StateStore

_KEYS = itertools.count(1)

FLOW = """datasets:
  - {name: sales, type: Filesystem, managed: true}
managed_folders:
  - {name: models}
"""


def _key():
    return "SH_%d" % next(_KEYS)


def _config(key, exposed=None, flow=FLOW):
    """``exposed``: None leaves the section out, [] writes ``exposed: []``, else one entry per line."""
    block = "" if exposed is None else "exposed:%s\n" % "".join("\n  - %s" % e for e in exposed) if exposed \
        else "exposed: []\n"
    return FrameworkConfig.from_yaml('version: "1.0"\nproject: {key: %s, name: Sharing}\n%s%s' % (key, flow, block))


def _objects(client, key):
    return client.get_project(key).get_settings().get_raw()["exposedObjects"]["objects"]


def _change(plan, address="sharing"):
    found = [rc for rc in plan.resource_changes if rc.address == address]
    return found[0] if found else None


def _settings_writes(emu, key):
    return [e for e in emu.stats.snapshot()["log"] if e["method"] == "PUT" and e["path"].rstrip("/").endswith(
        "/projects/%s/settings" % key)]


SALES = "{dataset: sales, to: [PROJ_B, {project: PROJ_C, appear_on_flow: false}]}"
MODELS = "{managed_folder: models, to: [PROJ_B], quick_sharing: true}"


def test_plan_creates_in_config_terms(engine):
    change = _change(engine.plan(_config(_key(), [SALES, MODELS])))
    assert change.action == "create"
    assert [(c["path"], c["after"]) for c in change.changes] == [
        ("dataset.sales", {"to": ["PROJ_B", {"project": "PROJ_C", "appear_on_flow": False}]}),
        ("managed_folder.models", {"to": ["PROJ_B"], "quick_sharing": True})]


def test_apply_writes_dss_shape_once_then_plans_clean(emu, client, engine):
    key = _key()
    assert engine.apply(_config(key)).succeeded
    emu.stats.reset()
    result = engine.apply(_config(key, [SALES, MODELS]))
    assert result.succeeded, result.summary()
    assert [(r.address, r.operation) for r in result.results] == [("sharing", "update")]
    assert len(_settings_writes(emu, key)) == 1  # the whole list in one settings write
    folder_id = client.get_project(key).get_managed_folder(
        [f["id"] for f in client.get_project(key).list_managed_folders() if f["name"] == "models"][0]).id
    assert _objects(client, key) == [
        {"type": "DATASET", "localName": "sales", "quickSharingEnabled": False,
         "rules": [{"targetProject": "PROJ_B", "appearOnFlow": True},
                   {"targetProject": "PROJ_C", "appearOnFlow": False}]},
        {"type": "MANAGED_FOLDER", "localName": folder_id, "quickSharingEnabled": True,
         "rules": [{"targetProject": "PROJ_B", "appearOnFlow": True}]}]
    assert not engine.plan(_config(key, [SALES, MODELS])).has_changes


def test_with_a_new_project_and_folder_in_one_apply(client, engine):
    """The folder is created in the same apply: the kind waits for it and writes its new id."""
    key = _key()
    result = engine.apply(_config(key, [MODELS]))
    assert result.succeeded, result.summary()
    ids = {f["name"]: f["id"] for f in client.get_project(key).list_managed_folders()}
    assert [o["localName"] for o in _objects(client, key)] == [ids["models"]]
    assert not engine.plan(_config(key, [MODELS])).has_changes


def test_one_change_is_one_path_and_order_is_not_a_change(client, engine):
    key = _key()
    assert engine.apply(_config(key, [SALES])).succeeded
    reordered = "{dataset: sales, to: [{project: PROJ_C, appear_on_flow: false}, PROJ_B]}"
    assert not engine.plan(_config(key, [reordered])).has_changes
    settings = client.get_project(key).get_settings()  # DSS's own order reversed: still no change
    settings.get_raw()["exposedObjects"]["objects"][0]["rules"].reverse()
    settings.save()
    assert not engine.plan(_config(key, [SALES])).has_changes
    change = _change(engine.plan(_config(key, ["{dataset: sales, to: [PROJ_B, PROJ_C]}"])))
    assert change.action == "update"
    assert [(c["path"], c["before"], c["after"]) for c in change.changes] == [
        ("dataset.sales.to.PROJ_C.appear_on_flow", False, True)]
    assert engine.apply(_config(key, ["{dataset: sales, to: [PROJ_B, PROJ_C]}"])).succeeded
    assert all(r["appearOnFlow"] for r in _objects(client, key)[0]["rules"])


def test_owned_whole_and_what_dss_holds_beside_is_kept(client, engine):
    """Once set, an object only DSS exposes is removed; a type the configuration cannot name, and the
    keys DSS holds beside the managed ones, stay."""
    key = _key()
    assert engine.apply(_config(key, [SALES, MODELS])).succeeded
    settings = client.get_project(key).get_settings()
    objects = settings.get_raw()["exposedObjects"]["objects"]
    objects[0]["rules"][0]["extraKey"] = 1
    objects.append({"type": "MODEL_EVALUATION_STORE", "localName": "mes1", "rules": [{"targetProject": "PROJ_B"}]})
    settings.save()
    change = _change(engine.plan(_config(key, [SALES])))
    assert [(c["path"], c["after"]) for c in change.changes] == [("managed_folder.models", None)]
    assert engine.apply(_config(key, [SALES])).succeeded
    held = _objects(client, key)
    assert [o["type"] for o in held] == ["DATASET", "MODEL_EVALUATION_STORE"]
    assert held[0]["rules"][0]["extraKey"] == 1
    assert not engine.plan(_config(key, [SALES])).has_changes


def test_empty_list_exposes_nothing_and_absent_is_not_managed(client, engine):
    key = _key()
    assert engine.apply(_config(key, [SALES])).succeeded
    plan = engine.plan(_config(key), allow_delete=True)
    assert _change(plan) is None and not plan.has_changes  # left out: DSS's list is not managed
    assert engine.apply(_config(key), allow_delete=True).succeeded
    assert len(_objects(client, key)) == 1
    change = _change(engine.plan(_config(key, [])))
    assert (change.action, [c["path"] for c in change.changes]) == ("update", ["dataset.sales"])
    assert engine.apply(_config(key, [])).succeeded
    assert _objects(client, key) == []


def test_an_object_exposed_by_dataikuapi_reads_as_the_defaults(client, engine):
    """``DSSProjectSettings.add_exposed_object`` writes ``{type, localName, rules: [{targetProject}]}``
    without ``appearOnFlow`` or ``quickSharingEnabled``: read as DSS's defaults (shown in the flow,
    no quick sharing), so ``{dataset: sales, to: [PROJ_B]}`` plans clean and imports as such."""
    key = _key()
    assert engine.apply(_config(key)).succeeded
    settings = client.get_project(key).get_settings()
    settings.add_exposed_object("DATASET", "sales", "PROJ_B")
    settings.save()
    assert not engine.plan(_config(key, ["{dataset: sales, to: [PROJ_B]}"])).has_changes
    assert import_project(client, key).doc["exposed"] == [{"dataset": "sales", "to": ["PROJ_B"]}]


def test_a_folder_dss_does_not_have_fails_its_apply_with_the_fix(client, engine):
    """A folder is exposed by id: one neither configured nor in DSS has none, so the write is refused
    with a message naming it and the fix (DSS's list is left as it was)."""
    key = _key()
    assert engine.apply(_config(key, [SALES])).succeeded
    result = engine.apply(_config(key, [SALES, "{managed_folder: nowhere, to: [PROJ_B]}"]))
    assert not result.succeeded
    failed = [r for r in result.results if r.address == "sharing"][0]
    assert "exposed managed_folder 'nowhere' does not exist in DSS" in str(failed.error)
    assert "declare it under managed_folders" in str(failed.error)
    assert [o["localName"] for o in _objects(client, key)] == ["sales"]


def test_exposed_empty_list_survives_the_config_model():
    """``exposed: []`` (expose nothing) and no ``exposed`` (not managed) stay apart through the model's
    export (``to_dict``, ``resolved``): an empty list is not the field's default."""
    given = _config("SH_MODEL", [])
    assert given.exposed == [] and given.resolved().exposed == [] and given.to_dict()["exposed"] == []
    absent = _config("SH_MODEL")
    assert absent.exposed is None and absent.resolved().exposed is None and "exposed" not in absent.to_dict()


def test_drift_after_a_dss_edit(client, engine):
    key = _key()
    config = _config(key, [SALES])
    assert engine.apply(config).succeeded
    settings = client.get_project(key).get_settings()
    rules = settings.get_raw()["exposedObjects"]["objects"][0]["rules"]
    rules.append({"targetProject": "PROJ_D", "appearOnFlow": True})
    settings.save()
    plan = engine.drift(config)
    assert plan.has_drift
    assert [(d["address"], d["path"]) for d in plan.doc["drift"]] == [("sharing", "dataset.sales.to.PROJ_D")]


#: ``exposedObjects`` as DSS exports it (the shape of ``Data-Platform-Dataiku``'s), with two rules
EXPOSED_OBJECTS = {"objects": [{"type": "DATASET", "localName": "orders_clean", "quickSharingEnabled": False,
                                "rules": [{"targetProject": "REPORTING", "appearOnFlow": True},
                                          {"targetProject": "AUDIT", "appearOnFlow": False}]}]}


def _export_exposing(tmp_path):
    """The repository's ``Framework-Small`` export, copied, with ``EXPOSED_OBJECTS`` in its params."""
    folder = str(tmp_path / "Framework-Small")
    shutil.copytree(export_dir("Framework-Small"), folder)
    params = os.path.join(folder, "project_config", "params.json")
    with open(params, encoding="utf-8") as f:
        doc = json.load(f)
    with open(params, "w", encoding="utf-8") as f:
        json.dump(dict(doc, exposedObjects=EXPOSED_OBJECTS), f)
    return folder


def _shared_export(name):
    folder = export_dir(name)
    if folder is None:
        pytest.skip("optional extra: export %s is only in the shared reference folder (%s), which is not "
                    "present; test_an_export_reads_as_config_terms covers the same shape" % (name, SHARED_EXPORTS))
    return folder


@pytest.mark.parametrize("export, exposed", [
    (_export_exposing, [{"dataset": "orders_clean", "to": [{"project": "AUDIT", "appear_on_flow": False}, "REPORTING"]}]),
    (lambda _: _shared_export("Data-Platform-Dataiku"), [{"dataset": "data", "to": ["COPYOFDSP_1"]}])],
    ids=["in-repository", "Data-Platform-Dataiku"])
def test_an_export_reads_as_config_terms(tmp_path, export, exposed):
    """An export's ``exposedObjects`` (the repository's own export given DSS's shape, and the real
    ``Data-Platform-Dataiku`` of the shared folder, one dataset with one rule): read, and imported."""
    from dataiku_framework.importer import import_export
    from dataiku_framework.resources.sharing import entries_of_form, form_of_live, live_objects
    folder = export(tmp_path)
    with open(os.path.join(folder, "project_config", "params.json")) as f:
        objects = live_objects(json.load(f))
    assert entries_of_form(form_of_live(objects, {})) == exposed
    assert import_export(folder).doc["exposed"] == exposed


# -- import ------------------------------------------------------------------------------------------------------

def test_import_round_trip_and_adopt(cli, client, engine, tmp_path):
    key = _key()
    assert engine.apply(_config(key, [SALES, MODELS])).succeeded
    imported = import_project(client, key)
    assert imported.doc["exposed"] == [
        {"dataset": "sales", "to": ["PROJ_B", {"project": "PROJ_C", "appear_on_flow": False}]},
        {"managed_folder": "models", "to": ["PROJ_B"], "quick_sharing": True}]
    assert not engine.plan(imported.config).has_changes
    code, text = cli("import", key, "--out", str(tmp_path), "--adopt")
    assert code == 0, text
    state = StateStore(client, key).read()
    assert state.resources["sharing"]["created_by_tool"] is False
    assert set(state.resources["sharing"]["canonical"]["dataset"]) == {"sales"}


def test_a_project_exposing_nothing_imports_without_exposed(client, engine):
    key = _key()
    assert engine.apply(_config(key)).succeeded
    assert "exposed" not in import_project(client, key).doc


# -- offline check -----------------------------------------------------------------------------------------------

def test_entries_name_one_object_once_and_never_their_own_project():
    from dataiku_framework.config.validate import validate_document
    doc = {"version": "1.0", "project": {"key": "A"},
           "datasets": [{"name": "d", "type": "Filesystem", "managed": True}],
           "exposed": [{"to": ["B"]}, {"dataset": "d", "saved_model": "m", "to": ["B"]}, {"dataset": "d", "to": ["A"]},
                       {"dataset": "d", "to": ["C", {"project": "C", "appear_on_flow": False}]}]}
    found = [(d.code, d.path) for d in validate_document(doc, ".") if d.code.startswith("exposed.")]
    assert found == [("exposed.one_object", "exposed[0]"), ("exposed.one_object", "exposed[1]"),
                     ("exposed.to_itself", "exposed[2].to[0]"), ("exposed.twice", "exposed[3].dataset"),
                     ("exposed.target_twice", "exposed[3].to[1]")]


# -- online check: what this project reads from another is exposed to it -----------------------------------------

READER = """version: "1.0"
project: {key: %s}
external:
  - {name: %s.models, kind: managed_folder}
  - {name: %s.sales, kind: dataset}
recipes:
  - {name: copy, type: sync, inputs: [%s.sales], outputs: [out]}
datasets:
  - {name: out, type: Filesystem, managed: true}
"""


def _exposing(engine, exposed):
    other = _key()
    assert engine.apply(_config(other, exposed)).succeeded
    return other


def _online(tmp_path, client, reader, other):
    path = tmp_path / "reader.yaml"
    path.write_text(READER % (reader, other, other, other))
    return [d for d in validate_file(str(path), client=client)[1] if d.code.startswith("exposed.")]


def test_online_check_passes_when_the_other_project_exposes_them(tmp_path, client, engine):
    reader = _key()
    other = _exposing(engine, ["{dataset: sales, to: [%s]}" % reader, "{managed_folder: models, to: [%s]}" % reader])
    assert _online(tmp_path, client, reader, other) == []


def test_online_check_accepts_quick_sharing_and_a_folder_named_by_id(tmp_path, client, engine):
    """Quick sharing lets any project use the object without a rule; a foreign folder may be named by
    its DSS id (the form DSS itself uses) as well as by its name."""
    reader = _key()
    other = _exposing(engine, ["{dataset: sales, to: [], quick_sharing: true}", "{managed_folder: models, to: [%s]}"
                               % reader])
    assert _online(tmp_path, client, reader, other) == []
    folder_id = [f["id"] for f in client.get_project(other).list_managed_folders() if f["name"] == "models"][0]
    path = tmp_path / "by_id.yaml"
    path.write_text((READER % (reader, other, other, other)).replace("%s.models" % other, "%s.%s" % (other, folder_id)))
    assert [d for d in validate_file(str(path), client=client)[1] if d.code.startswith("exposed.")] == []


def test_online_check_names_what_is_not_exposed_and_how_to_fix_it(tmp_path, client, engine):
    reader = _key()
    other = _exposing(engine, ["{dataset: sales, to: [SOMEONE_ELSE]}", "{managed_folder: models, to: [%s]}" % reader])
    found = _online(tmp_path, client, reader, other)
    assert [(d.severity, d.code, d.path) for d in found] == [("error", "exposed.not_exposed", "external[1].name"),
                                                             ("error", "exposed.not_exposed", "recipes[0].inputs[0]")]
    assert "dataset %s.sales is not exposed to project %s" % (other, reader) in found[0].summary
    assert "expose it in %s" % other in found[0].hint and "fix the name" in found[0].hint
    assert (found[0].line, found[1].line) == (5, 7)  # each place that reads it, in the file


def test_online_check_warns_when_the_other_project_cannot_be_read(emu, tmp_path, engine):
    """The analyst has no rights on the other project: DSS refuses its settings, so the exposure is
    not checked, and the check says so once (a warning, not an error)."""
    reader = _key()
    other = _exposing(engine, ["{dataset: sales, to: [%s]}" % reader])
    found = _online(tmp_path, emu.client(ANALYST_KEY), reader, other)
    assert [(d.severity, d.code, d.path) for d in found] == [("warning", "exposed.unchecked", "external[0].name")]
    assert other in found[0].summary and "administrator rights on %s" % other in found[0].hint


def test_validate_online_on_the_command_line_fails_on_what_is_not_exposed(cli, tmp_path, engine):
    """``dss-framework validate --online``: the error, its place in the file and the fix, exit 1."""
    reader = _key()
    other = _exposing(engine, ["{managed_folder: models, to: [%s]}" % reader])
    path = tmp_path / "reader.yaml"
    path.write_text(READER % (reader, other, other, other))
    code, text = cli("validate", str(path), "--online")
    assert code == 1, text
    assert "reader.yaml:7:" in text and "dataset %s.sales is not exposed to project %s" % (other, reader) in text
    assert text.count("is not exposed") == 2  # the external entry and the recipe input; the folder is exposed
