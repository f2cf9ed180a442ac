"""Flow graph and zones through the real client."""
import json
import os
import re

import pytest
from dataikuapi.utils import DataikuException

from emusupport import ADMIN_KEY, ANALYST_KEY, fs_dataset, make_emulator


@pytest.fixture
def flow(project):
    """raw -> r1 -> clean -> r2 -> folder"""
    fs_dataset(project, "raw")
    fs_dataset(project, "clean")
    folder = project.create_managed_folder("out")
    project.new_recipe("python", "r1").with_input("raw").with_output("clean").with_script("pass").create()
    project.new_recipe("python", "r2").with_input("clean").with_output(folder.id).with_script("pass").create()
    project.folder_id = folder.id
    return project


def test_graph_nodes_keyed_by_plain_ref(flow):
    graph = flow.get_flow().get_graph()
    nodes = graph.nodes
    fid = flow.folder_id
    assert set(nodes) == {"raw", "clean", fid, "r1", "r2"}
    assert nodes["raw"] == {"ref": "raw", "type": "COMPUTABLE_DATASET", "predecessors": [], "successors": ["r1"]}
    assert nodes["r1"]["type"] == "RUNNABLE_RECIPE"
    assert nodes["r1"]["predecessors"] == ["raw"] and nodes["r1"]["successors"] == ["clean"]
    assert nodes[fid]["type"] == "COMPUTABLE_FOLDER" and nodes[fid]["predecessors"] == ["r2"]
    assert [d.name for d in graph.get_source_datasets()] == ["raw"]
    assert [c["ref"] for c in graph.get_successor_computables(flow.get_recipe("r2"))] == [fid]
    assert [r["ref"] for r in graph.get_successor_recipes("clean")] == ["r2"]
    ordered = [n["ref"] for n in graph.get_items_in_traversal_order()]
    assert ordered.index("raw") < ordered.index("r1") < ordered.index("clean") < ordered.index("r2")


def test_recipe_run_on_folder_output(flow):
    job = flow.get_recipe("r2").run()
    status = job.get_status()["baseStatus"]
    assert status["state"] == "DONE" and status["def"]["outputs"][0]["type"] == "MANAGED_FOLDER"


def test_empty_project_has_only_the_default_zone(project):
    zones = project.get_flow().list_zones()
    assert [(z.id, z.name) for z in zones] == [("default", "Default")]
    assert zones[0]._raw["items"] == [] and zones[0]._raw["shared"] == []


def test_create_zone_and_move_objects(flow):
    f = flow.get_flow()
    zone = f.create_zone("Prep", color="#ff0000")
    assert re.match(r"^[A-Za-z0-9]{7}$", zone.id) and zone.name == "Prep" and zone.color == "#ff0000"
    zone.add_item(flow.get_dataset("clean"))
    # exact serialisation: the client compares json.dumps of smart refs
    assert json.dumps(zone._raw["items"]) == json.dumps([{"objectId": "clean", "objectType": "DATASET"}])
    assert f.get_zone_of_object(flow.get_dataset("clean")).id == zone.id
    assert f.get_zone_of_object(flow.get_dataset("raw")).id == "default"
    default_items = f.get_default_zone()._raw["items"]
    assert {"objectId": "raw", "objectType": "DATASET"} in default_items
    assert {"objectId": "clean", "objectType": "DATASET"} not in default_items
    other = f.create_zone("Other")
    other.add_items([flow.get_dataset("clean"), flow.get_recipe("r1")])
    assert f.get_zone(zone.id)._raw["items"] == []                 # one zone per object
    assert [type(i).__name__ for i in f.get_zone(other.id).items] == ["DSSDataset", "DSSRecipe"]
    f.get_default_zone().add_item(flow.get_dataset("clean"))
    assert f.get_zone_of_object(flow.get_dataset("clean")).id == "default"
    assert f.get_zone(other.id)._raw["items"] == [{"objectId": "r1", "objectType": "RECIPE"}]


def test_shared_objects(flow):
    zone = flow.get_flow().create_zone("Z")
    zone.add_shared(flow.get_dataset("raw"))
    assert zone._raw["shared"] == [{"objectId": "raw", "objectType": "DATASET"}]
    assert [d.name for d in zone.shared] == ["raw"]
    zone.remove_shared(flow.get_dataset("raw"))
    assert zone._raw["shared"] == []


def test_zone_settings_graph_and_delete(flow):
    f = flow.get_flow()
    zone = f.create_zone("Z")
    zone.add_items([flow.get_dataset("raw"), flow.get_recipe("r1"), flow.get_dataset("clean")])
    settings = zone.get_settings()
    settings.name = "Renamed"
    settings.color = "#000000"
    settings.save()
    again = f.get_zone(zone.id)
    assert (again.name, again.color) == ("Renamed", "#000000") and len(again._raw["items"]) == 3
    graph = zone.get_graph()
    assert set(graph.nodes) == {"raw", "r1", "clean"} and graph.nodes["clean"]["successors"] == []
    zone.delete()
    assert [z.id for z in f.list_zones()] == ["default"]
    assert f.get_zone_of_object(flow.get_dataset("raw")).id == "default"
    with pytest.raises(DataikuException) as e:
        f.get_zone(zone.id).name
    assert "NotFoundException" in str(e.value) and "does not exist" in str(e.value)
    with pytest.raises(DataikuException, match="cannot be deleted"):
        f.get_default_zone().delete()


def test_zone_errors(flow, client):
    f = flow.get_flow()
    zone = f.create_zone("Z")
    with pytest.raises(DataikuException, match="does not exist"):
        zone.add_item(flow.get_dataset("nope"))
    client.create_project("P2", "P2", "admin")
    fs_dataset(client.get_project("P2"), "foreign")
    with pytest.raises(DataikuException, match="IllegalArgument"):
        zone.add_item(client.get_project("P2").get_dataset("foreign"))
    zone.add_shared(client.get_project("P2").get_dataset("foreign"))
    assert zone._raw["shared"] == [{"projectKey": "P2", "objectId": "foreign", "objectType": "DATASET"}]
    with pytest.raises(DataikuException, match="IllegalArgument"):
        f.create_zone("  ")


def test_zones_are_versioned(flow):
    zone = flow.get_flow().create_zone("Z")
    zone.add_item(flow.get_dataset("raw"))
    entry = flow.get_project_git().log()["entries"][0]
    assert entry["changedFiles"] == ["zones/%s.json" % zone.id]


def test_deleted_objects_leave_zones(flow):
    zone = flow.get_flow().create_zone("Z")
    folder = flow.get_managed_folder(flow.folder_id)
    zone.add_item(folder)
    folder.delete()
    assert flow.get_flow().get_zone(zone.id)._raw["items"] == []


def test_seeded_export_zones(shared_dir):
    path = os.path.join(shared_dir, "fixtures", "dss-exports", "Data-Platform-Dataiku")
    emu = make_emulator(seed_exports={"DP": path})
    try:
        flow = emu.client(ADMIN_KEY).get_project("DP").get_flow()
        zone = flow.get_zone("NGNAWdG")
        assert zone.name == "data manipulate"
        assert {"objectId": "data_prepared", "objectType": "DATASET"} in zone._raw["items"]
        assert zone._raw["shared"] == [{"objectId": "data", "objectType": "DATASET"}]
        assert "default" in [z.id for z in flow.list_zones()]
        nodes = flow.get_graph().nodes
        assert nodes["compute_data_prepared"]["type"] == "RUNNABLE_RECIPE"
        assert "data_prepared" in nodes["compute_data_prepared"]["successors"]
    finally:
        emu.stop()


def test_permissions(flow, emulator):
    analyst = emulator.client(ANALYST_KEY).get_project("P1")
    with pytest.raises(DataikuException, match="Failed to read project permissions"):
        analyst.get_flow().get_graph()
    perms = flow.get_permissions()
    perms["permissions"].append({"group": "data_team", "readProjectContent": True})
    flow.set_permissions(perms)
    assert "raw" in analyst.get_flow().get_graph().nodes
    with pytest.raises(DataikuException, match="forbidden"):
        analyst.get_flow().create_zone("Z")


def test_unsharing_nothing_from_the_default_zone_changes_nothing(flow):
    git = flow.get_project_git()
    commits = len(git.log()["entries"])
    default = flow.get_flow().get_default_zone()
    default.remove_shared(flow.get_dataset("raw"))               # nothing is shared there
    status = git.get_status()
    assert status["clean"] is True and status["added"] == []
    assert len(git.log()["entries"]) == commits


def test_sharing_into_the_default_zone_stores_and_commits_it(flow, client):
    client.create_project("P2", "Two", "admin")
    other = client.get_project("P2")
    fs_dataset(other, "theirs")
    default = flow.get_flow().get_default_zone()
    default.add_shared(other.get_dataset("theirs"))
    git = flow.get_project_git()
    assert git.log()["entries"][0]["changedFiles"] == ["zones/default.json"]
    default.remove_shared(other.get_dataset("theirs"))
    assert flow.get_flow().get_default_zone()._raw["shared"] == []
    assert git.get_status()["clean"] is True and len(git.log(path="zones/default.json")["entries"]) == 2
