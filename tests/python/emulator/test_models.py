"""Issue 6 §4: saved models and model evaluation stores seeded from an export (ours, in tests/fixtures), served through
the real client (``list_saved_models``, ``get_saved_model().get_settings()``,
``list_model_evaluation_stores``, ``get_model_evaluation_store().get_settings()``)."""
import io
import json
import os
import zipfile

import pytest
from dataikuapi.dss.modelevaluationstore import DSSModelEvaluationStore
from dataikuapi.utils import DataikuException

from emusupport import ADMIN_KEY, export_dir, make_emulator

#: an export of our own, carried by the repository: a training recipe writes saved model Sm01abcd,
#: an evaluation recipe writes evaluation store Mes01abc
EXPORT = os.path.join(export_dir("Framework-Small"), "project_config")


@pytest.fixture
def seeded():
    emu = make_emulator(seed_exports={"DPD": os.path.dirname(EXPORT)})
    yield emu.client(ADMIN_KEY).get_project("DPD")
    emu.stop()


def _fixture(folder, oid):
    with open(os.path.join(EXPORT, folder, oid + ".json"), encoding="utf-8") as f:
        return json.load(f)


def test_saved_models_are_listed_and_served_as_stored(seeded):
    items = seeded.list_saved_models()
    assert [i["id"] for i in items] == ["Sm01abcd"]
    stored = _fixture("saved_models", "Sm01abcd")
    settings = seeded.get_saved_model("Sm01abcd").get_settings()
    raw = settings.get_raw()
    assert raw["id"] == "Sm01abcd" and raw["projectKey"] == "DPD"
    assert {k: v for k, v in raw.items() if k not in ("id", "projectKey")} == stored
    assert settings.prediction_type == stored["miniTask"]["predictionType"]


def test_saved_model_settings_save_is_a_fixed_point_and_versioned(seeded):
    sm = seeded.get_saved_model("Sm01abcd")
    before = sm.get_settings().get_raw()
    sm.get_settings().save()
    after = sm.get_settings().get_raw()
    assert {k: v for k, v in after.items() if k != "versionTag"} == before
    assert after["versionTag"]["lastModifiedBy"] == {"login": "admin"}


def test_model_evaluation_stores_are_listed_and_served(seeded):
    stores = seeded.list_model_evaluation_stores()
    assert [s.id for s in stores] == ["Mes01abc"] and isinstance(stores[0], DSSModelEvaluationStore)
    raw = seeded.get_model_evaluation_store("Mes01abc").get_settings().get_raw()
    assert raw["name"] == _fixture("model_evaluation_stores", "Mes01abc")["name"] and raw["id"] == "Mes01abc"


def test_models_round_trip_through_export_and_git(seeded):
    data = seeded.get_export_stream().read()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = set(archive.namelist())
        exported = json.loads(archive.read("project_config/saved_models/Sm01abcd.json"))
    assert "project_config/model_evaluation_stores/Mes01abc.json" in names
    assert exported == _fixture("saved_models", "Sm01abcd")
    files = seeded.get_project_git().log()["entries"][-1]["changedFiles"]
    assert "saved_models/Sm01abcd.json" in files and "model_evaluation_stores/Mes01abc.json" in files


def test_flow_graph_types_seeded_models(seeded):
    nodes = seeded.get_flow().get_graph().data["nodes"]
    assert nodes["Sm01abcd"]["type"] == "COMPUTABLE_SAVED_MODEL"
    assert nodes["Mes01abc"]["type"] == "COMPUTABLE_MODEL_EVALUATION_STORE"


def test_unknown_saved_model_is_a_404(seeded):
    with pytest.raises(DataikuException, match="does not exist"):
        seeded.get_saved_model("nope").get_settings()
    assert seeded.client.get_project("DPD").list_saved_models(include_shared=True)


def test_jobs_build_saved_models_and_evaluation_stores(seeded):
    """Recipes write them, so a build names them: ``recipe.run()`` of a training recipe (the
    client asks the flow graph, which types its output SAVED_MODEL) and a job on an evaluation
    store run the recipe that writes it, as a dataset build would."""
    job = seeded.get_recipe("train_fraud_model").run()
    assert job.get_status()["baseStatus"]["state"] == "DONE"
    assert [a["recipeName"] for a in job.get_status()["baseStatus"]["activities"].values()] \
        == ["train_fraud_model"]
    job = seeded.new_job("NON_RECURSIVE_FORCED_BUILD").with_output(
        "Mes01abc", object_type="MODEL_EVALUATION_STORE").start_and_wait()
    assert [a["recipeName"] for a in job.get_status()["baseStatus"]["activities"].values()] \
        == ["evaluate_fraud_model"]
    with pytest.raises(DataikuException, match="Saved model DPD.nope does not exist"):
        seeded.new_job("NON_RECURSIVE_FORCED_BUILD").with_output("nope", object_type="SAVED_MODEL").start_and_wait()


def test_list_foreign_includes_exposed_saved_models(seeded):
    """DSS's ``foreign=True`` (``include_shared``) adds the saved models other projects expose to this
    one (their ``exposedObjects`` rules name it), as those projects serve them (dss-rest-api.md §1.2:
    ``list_saved_models`` sends ``foreign``); a model exposed to another project is not listed."""
    client = seeded.client
    settings = seeded.get_settings()
    settings.get_raw()["exposedObjects"] = {"objects": [
        {"type": "SAVED_MODEL", "localName": "Sm01abcd", "rules": [{"targetProject": "READER", "appearOnFlow": True}]}]}
    settings.save()
    client.create_project("READER", "Reader", "admin")
    client.create_project("OTHER", "Other", "admin")
    assert client.get_project("READER").list_saved_models() == []
    foreign = client.get_project("READER").list_saved_models(include_shared=True)
    assert [(m["projectKey"], m["id"]) for m in foreign] == [("DPD", "Sm01abcd")]
    assert client.get_project("OTHER").list_saved_models(include_shared=True) == []
