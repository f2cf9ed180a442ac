"""The project's flow as DSS derives it: the graph of datasets, folders and recipes, and zones.

The graph is never stored: DSS computes it from the recipes' ``inputs``/``outputs`` refs, so we do
too. A ref names a dataset, a managed folder id, or another flow object (saved model, evaluation
store...) that the emulator does not model; those get a node typed from the recipe role.
"""
import copy

DEFAULT_ZONE = "default"
ZONE_ID_LENGTH = 7
ZONE_COLOR = "#2ab1ac"
DEFAULT_ZONE_COLOR = "#D1D8DA"
OBJECT_TYPES = ("DATASET", "MANAGED_FOLDER", "SAVED_MODEL", "MODEL_EVALUATION_STORE", "RECIPE",
                "STREAMING_ENDPOINT", "LABELING_TASK", "RETRIEVABLE_KNOWLEDGE")
NODE_TYPES = {"DATASET": "COMPUTABLE_DATASET", "MANAGED_FOLDER": "COMPUTABLE_FOLDER",
              "SAVED_MODEL": "COMPUTABLE_SAVED_MODEL", "MODEL_EVALUATION_STORE": "COMPUTABLE_MODEL_EVALUATION_STORE",
              "STREAMING_ENDPOINT": "COMPUTABLE_STREAMING_ENDPOINT",
              "RETRIEVABLE_KNOWLEDGE": "COMPUTABLE_RETRIEVABLE_KNOWLEDGE"}
ROLE_TYPES = {"model": "SAVED_MODEL", "evaluationStore": "MODEL_EVALUATION_STORE"}


# -- recipes' refs ------------------------------------------------------------------------------
def recipe_refs(recipe_def, side):
    """``[(role, ref)]`` of a recipe's ``inputs`` or ``outputs``, tolerating malformed entries."""
    out = []
    roles = recipe_def.get(side) if isinstance(recipe_def, dict) else None
    for role, spec in (roles or {}).items() if isinstance(roles, dict) else ():
        items = spec.get("items") if isinstance(spec, dict) else None
        for item in items or []:
            if isinstance(item, dict) and isinstance(item.get("ref"), str) and item["ref"]:
                out.append((role, item["ref"]))
    return out


def recipe_defs(project):
    return {name: entry.get("recipe") or {} for name, entry in project.recipes.items()}


def producers(project):
    """``{ref: recipe name}``: which recipe writes each flow object."""
    out = {}
    for name, rdef in recipe_defs(project).items():
        for _, ref in recipe_refs(rdef, "outputs"):
            out.setdefault(ref, name)
    return out


def object_type(project, ref, role=None, recipe_type=None, side="inputs"):
    """The smart-ref type of a ref: the kind of the stored object it names (dataset, folder, saved
    model, evaluation store), else guessed from the role."""
    if ref in project.datasets:
        return "DATASET"
    if ref in project.folders:
        return "MANAGED_FOLDER"
    if ref in project.saved_models:
        return "SAVED_MODEL"
    if ref in project.evaluation_stores:
        return "MODEL_EVALUATION_STORE"
    if role in ROLE_TYPES:
        return ROLE_TYPES[role]
    if side == "outputs" and (recipe_type or "").endswith("_training"):
        return "SAVED_MODEL"
    if side == "outputs" and recipe_type == "evaluation" and role == "main":
        return "MODEL_EVALUATION_STORE"
    return "DATASET"


def exists(project, instance, ref):
    """Whether a recipe ref points at something: a dataset, folder, saved model or evaluation
    store, a flow object some recipe produces, or ``PROJ.name`` of another project's dataset."""
    if "." in ref and ref.split(".", 1)[0] in instance.projects:
        other_key, name = ref.split(".", 1)
        other = instance.projects[other_key]
        return name in other.datasets or name in other.folders
    return (ref in project.datasets or ref in project.folders or ref in project.saved_models
            or ref in project.evaluation_stores or ref in producers(project))


# -- graph ----------------------------------------------------------------------------------------
def graph(project):
    """``GET /flow/graph/``: ``nodes`` keyed by the plain ref (dataset name, folder id, recipe name)."""
    nodes = {}

    def computable(ref, otype):
        if ref not in nodes:
            nodes[ref] = {"ref": ref, "type": NODE_TYPES.get(otype, "COMPUTABLE_DATASET"),
                          "predecessors": [], "successors": []}
            if "." in ref:
                nodes[ref]["projectKey"] = ref.split(".", 1)[0]
        return nodes[ref]

    for name in sorted(project.datasets):
        computable(name, "DATASET")
    for fid in sorted(project.folders):
        computable(fid, "MANAGED_FOLDER")
    for name, rdef in sorted(recipe_defs(project).items()):
        node = {"ref": name, "type": "RUNNABLE_RECIPE", "subType": rdef.get("type"),
                "predecessors": [], "successors": []}
        nodes[name] = node
        for side, mine, theirs in (("inputs", "predecessors", "successors"), ("outputs", "successors", "predecessors")):
            for role, ref in recipe_refs(rdef, side):
                other = computable(ref, object_type(project, ref, role, rdef.get("type"), side))
                _add(node[mine], ref)
                _add(other[theirs], name)
    return {"nodes": nodes,
            "datasets": sorted(k for k, n in nodes.items() if n["type"] == "COMPUTABLE_DATASET"),
            "folders": sorted(k for k, n in nodes.items() if n["type"] == "COMPUTABLE_FOLDER"),
            "recipes": sorted(k for k, n in nodes.items() if n["type"] == "RUNNABLE_RECIPE")}


def _add(lst, value):
    if value not in lst:
        lst.append(value)


def subgraph(full, keep):
    """The graph restricted to the node keys in ``keep`` (a zone's graph)."""
    nodes = {}
    for key, node in full["nodes"].items():
        if key in keep:
            n = copy.deepcopy(node)
            n["predecessors"] = [p for p in n["predecessors"] if p in keep]
            n["successors"] = [s for s in n["successors"] if s in keep]
            nodes[key] = n
    return {"nodes": nodes}


# -- zones ----------------------------------------------------------------------------------------
def new_zone(zid, name, color):
    """A zone as stored in ``zones/<id>.json`` (plus its id), as in the fixture exports."""
    return {"id": zid, "name": name, "color": color or ZONE_COLOR, "items": [], "shared": [], "position": {},
            "tags": [], "customFields": {}, "checklists": {"checklists": []}}


def default_zone():
    return new_zone(DEFAULT_ZONE, "Default", DEFAULT_ZONE_COLOR)


def smart_ref(object_id, object_type, project_key=None):
    """A smart ref serialised exactly as the client builds it (it compares with ``json.dumps``):
    ``{"objectId", "objectType"}`` in that order, ``projectKey`` first for foreign objects only."""
    if project_key:
        return {"projectKey": project_key, "objectId": object_id, "objectType": object_type}
    return {"objectId": object_id, "objectType": object_type}


def flow_objects(project):
    """Smart refs of every zonable object of the project (datasets, folders, recipes)."""
    return ([smart_ref(n, "DATASET") for n in sorted(project.datasets)]
            + [smart_ref(f, "MANAGED_FOLDER") for f in sorted(project.folders)]
            + [smart_ref(r, "RECIPE") for r in sorted(project.recipes)])


def object_exists(project, ref):
    coll = {"DATASET": project.datasets, "MANAGED_FOLDER": project.folders, "RECIPE": project.recipes}
    return ref["objectId"] in coll.get(ref["objectType"], {})


def node_key(ref):
    """The graph node key of a smart ref (graph nodes are keyed by plain ref)."""
    if ref.get("projectKey"):
        return "%s.%s" % (ref["projectKey"], ref["objectId"])
    return ref["objectId"]
