"""The dataset and managed-folder kinds hold their whole mapping (issue 17 §1): forward, inverse,
DSS defaults, creation and writes live in their modules, and the upload-dataset rule is written
once, so a change to it reaches the translation, the comparison and the import together."""
import pytest

from dataiku_framework import FrameworkConfig
from dataiku_framework.resources import Context, dataset, kind, managed_folder


def _config(body):
    return FrameworkConfig.from_yaml('version: "1.0"\nproject: {key: P, name: P}\n' + body).resolved()


def _three_ways(ds):
    """(forward params, desired form, inverse document) of one dataset config object."""
    handler = dataset.DatasetResource()
    desired = handler.desired(ds, Context("P"))
    live = dict(dataset.dataset_definition(ds, "P"), managed=bool(ds.managed) and ds.type != "UploadedFiles")
    return dataset.dataset_params(ds), desired, dataset.to_config_doc(live, None)


def test_an_upload_dataset_is_one_rule_forward_compared_and_imported():
    cfg = _config("""
datasets:
  - {name: U, type: UploadedFiles, managed: true}
  - {name: F, type: Filesystem, connection: filesystem_managed, managed: true}
""")
    upload, files = cfg.datasets
    params, desired, doc = _three_ways(upload)
    assert "path" not in params and "managed" not in desired and "managed" not in doc
    params, desired, doc = _three_ways(files)
    assert params["path"] == dataset.default_path("F", "Filesystem", True) == "${projectKey}/F"
    assert desired["managed"] is True and doc["managed"] is True and "params" not in doc


def test_changing_the_upload_rule_in_its_one_place_changes_every_direction(monkeypatch):
    """Were the rule copied (translate, compare, import each had theirs), one direction would lag."""
    monkeypatch.setattr(dataset, "UPLOAD_TYPES", frozenset(["UploadedFiles", "S3"]))
    ds = _config("datasets:\n  - {name: S, type: S3, connection: s3, managed: true}\n").datasets[0]
    params, desired, doc = _three_ways(ds)
    assert dataset.keeps_managed("S3") is False and dataset.default_path("S", "S3", True) is None
    assert "path" not in params and "managed" not in desired and "managed" not in doc


@pytest.mark.parametrize("legacy, name, home", [
    ("dataiku_framework.dss.bootstrap", "new_dataset", dataset),
])  # importer.defaults, which named FORMAT_PARAMS and FOLDER_PARAMS, is gone (test_no_forwarders)
def test_the_legacy_names_are_the_kind_modules_own_objects_not_copies(legacy, name, home):
    module = pytest.importorskip(legacy)
    value = getattr(module, name)
    assert any(value is v for v in vars(home).values()), "%s.%s is a second copy" % (legacy, name)


@pytest.mark.parametrize("name", ["dataset_definition", "FORMAT_OPTIONS", "folder_params"])
def test_translate_no_longer_serves_the_kinds_names(name):
    """Their one home is the kind module: ``dss.translate`` does not forward them (no second path)."""
    from dataiku_framework.dss import translate
    assert not hasattr(translate, name)


def test_the_two_kinds_write_and_import_without_the_legacy_tables():
    assert not hasattr(kind, "_LEGACY_INVERSE")
    for one in (dataset.DatasetResource, managed_folder.ManagedFolderResource):
        assert issubclass(one, kind.Writes)
    live = {"name": "files", "type": "Filesystem", "params": {"connection": "nas", "path": "p",
                                                              "notReadyIfEmpty": False}}
    assert managed_folder.to_config_doc(live, "z") == {"name": "files", "connection": "nas", "path": "p", "zone": "z"}


def test_to_config_reads_a_live_project_like_the_import_and_names_what_it_leaves_out(client, project):
    """Over HTTP against the emulator: each kind's ``to_config`` gives the documents ``import`` writes,
    zones included when the import context knows them, and ``LeftOut`` for a name the language refuses."""
    from dataiku_framework.importer.assemble import build
    from dataiku_framework.resources.inverse import LeftOut
    from dataiku_framework.importer.read import read_live
    project.create_dataset("orders", "Filesystem", params={"connection": "filesystem_managed", "path": "/o"},
                           formatType="csv", formatParams={"separator": ";"})
    folder = project.create_managed_folder("files")
    project.create_managed_folder("my files")  # DSS allows it; the configuration language does not
    zone = project.get_flow().create_zone("raw")
    zone.add_item(project.get_dataset("orders"))
    snap = read_live(client, "P1")
    imported = build(snap)

    class ImportContext(object):
        @staticmethod
        def zone_of(object_type, object_id):
            return {("DATASET", "orders"): "raw"}.get((object_type, object_id))

    datasets = dataset.DatasetResource().to_config(snap, ImportContext())
    assert [doc for _, doc in datasets] == imported.doc["datasets"] and datasets[0][1]["zone"] == "raw"
    folders = dict(managed_folder.ManagedFolderResource().to_config(snap, None))
    assert isinstance(folders.pop("my files"), LeftOut)
    assert list(folders.values()) == imported.doc["managed_folders"] and folders["files"]["name"] == "files"
    assert folder.id in {f.get("id") for f in snap.folders.values()}
