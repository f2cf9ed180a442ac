"""The flow graph the review page draws (``plugin.review.flow_graph``): which entries are nodes and
which way each edge goes, from plan entries as ``plan.document`` writes them."""
from dataiku_framework.plugin.review import flow_graph


def _entry(kind, name, action="no-op", after=None, depends_on=()):
    return {"address": "%s.%s" % (kind, name), "kind": kind, "name": name, "action": action, "after": after,
            "before": None, "depends_on": list(depends_on)}


def test_recipes_point_from_inputs_to_outputs_folders_by_id_and_other_projects_by_name():
    changes = [
        _entry("project", "P1", "update"),
        _entry("dataset", "RAW"), _entry("dataset", "OUT", "create"),
        _entry("managed_folder", "models", after={"id": "f1d2"}),
        _entry("recipe", "train", "update", after={
            "inputs": {"main": {"items": [{"ref": "RAW"}, {"ref": "SHARED.RAW"}]}},
            "outputs": {"main": {"items": [{"ref": "f1d2"}]}}},
            depends_on=["dataset.RAW", "managed_folder.models"]),
        _entry("recipe", "score", after={"inputs": {"main": [{"ref": "f1d2"}]}, "outputs": {"main": [{"ref": "OUT"}]}},
               depends_on=["managed_folder.models", "dataset.OUT"]),
        _entry("scenario", "nightly", depends_on=["dataset.OUT"]),
    ]
    graph = flow_graph(changes)
    assert sorted(n["id"] for n in graph["nodes"]) == ["dataset.OUT", "dataset.RAW", "managed_folder.models",
                                                       "recipe.score", "recipe.train", "scenario.nightly"]
    assert sorted(graph["edges"]) == sorted([
        ["dataset.RAW", "recipe.train"], ["recipe.train", "managed_folder.models"],
        ["managed_folder.models", "recipe.score"], ["recipe.score", "dataset.OUT"],
        ["dataset.OUT", "scenario.nightly"]])


def test_a_deleted_recipe_is_drawn_from_its_before_side():
    recipe = _entry("recipe", "old", "delete", depends_on=["dataset.A", "dataset.B"])
    recipe["before"] = {"inputs": {"main": {"items": [{"ref": "A"}]}}, "outputs": {"main": {"items": [{"ref": "B"}]}}}
    graph = flow_graph([_entry("dataset", "A"), _entry("dataset", "B"), recipe])
    assert sorted(graph["edges"]) == [["dataset.A", "recipe.old"], ["recipe.old", "dataset.B"]]


def test_a_dataset_of_another_project_is_not_this_project_s_namesake():
    """``SHARED.RAW`` (an exposed dataset of project SHARED) is not dataset RAW of this project."""
    recipe = _entry("recipe", "uses_shared", after={"inputs": {"main": {"items": [{"ref": "SHARED.RAW"}]}},
                                                    "outputs": {"main": {"items": [{"ref": "OUT"}]}}})
    graph = flow_graph([_entry("dataset", "RAW"), _entry("dataset", "OUT"), recipe])
    assert graph["edges"] == [["recipe.uses_shared", "dataset.OUT"]]
