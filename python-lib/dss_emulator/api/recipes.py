"""Recipe endpoints: list, create (every creator of the client), settings+payload, rename, status.

Creation does what DSS's recipe creation does server-side: ``virtualInputs`` become
``inputs.main.items``, new output datasets/folders are created from the creation settings (through
the same managed-dataset synthesis as ``POST /datasets/managed``), inputs/outputs must exist (except
foreign ``PROJ.name`` refs, ML roles and raw mode), an output has at most one producing recipe, and
visual recipes get a default payload their settings helpers can edit.
"""
import copy
import json

from .. import errors
from ..checks import normalise_tags, require_fields
from .. import shapes_datasets, shapes_flow
from .. import shapes_recipes as shapes
from ..ids import random_id
from ..routing import route
from ..shapes_folders import FOLDER_ID_LENGTH, new_folder
from ..stamps import stamp_new, stamp_update
from .datasets import (check_name, dataset_of, resolve_partitioning, store_new, synthesize_managed,
                       validate_columns, validate_metadata)
from .flow import drop_from_zones, rename_in_zones
from .projects import project_of

VIRTUAL_INPUT_TYPES = ("join", "fuzzyjoin", "geojoin", "vstack", "generate_features")


def entry_of(project, name):
    entry = project.recipes.get(name)
    if entry is None:
        raise errors.not_found("Recipe %s.%s does not exist" % (project.key, name))
    return entry


def _validate_roles(roles, side):
    """``{role: {"items": [{"ref": str, ...}]}}`` or a DSS 400."""
    if roles is None:
        return {}
    if not isinstance(roles, dict):
        raise errors.bad_request("'%s' must be an object keyed by role" % side)
    for role, spec in roles.items():
        items = spec.get("items") if isinstance(spec, dict) else None
        if not isinstance(items, list) or not all(isinstance(i, dict) and isinstance(i.get("ref"), str)
                                                  and i["ref"] for i in items):
            raise errors.bad_request("%s role '%s' must be {\"items\": [{\"ref\": ...}]}" % (side, role))
    return roles


def _is_foreign(ref):
    return "." in ref


# -- list / get ---------------------------------------------------------------------------------
@route("GET", "/projects/{projectKey}/recipes", perm="read")
def list_recipes(ctx, projectKey):
    project = project_of(ctx, projectKey)
    return [copy.deepcopy(project.recipes[n]["recipe"]) for n in sorted(project.recipes)]


@route("GET", "/projects/{projectKey}/recipes/{recipeName}", perm="read")
def get_recipe(ctx, projectKey, recipeName):
    entry = entry_of(project_of(ctx, projectKey), recipeName)
    return {"recipe": copy.deepcopy(entry["recipe"]), "payload": entry.get("payload") or ""}


# -- create -------------------------------------------------------------------------------------
@route("POST", "/projects/{projectKey}/recipes", perm="write", git="Created recipe")
def create_recipe(ctx, projectKey):
    project = project_of(ctx, projectKey)
    body = ctx.json_object()
    proto = body.get("recipePrototype")
    settings = body.get("creationSettings") or {}
    if not isinstance(proto, dict) or not isinstance(settings, dict):
        raise errors.bad_request("'recipePrototype' and 'creationSettings' must be objects")
    rtype = proto.get("type")
    if not isinstance(rtype, str) or not rtype:
        raise errors.bad_request("recipePrototype.type is required")
    rtype = "shaker" if rtype == "prepare" else rtype
    inputs = copy.deepcopy(_validate_roles(proto.get("inputs"), "inputs"))
    outputs = copy.deepcopy(_validate_roles(proto.get("outputs"), "outputs"))
    raw = bool(settings.get("rawCreation"))
    if rtype in VIRTUAL_INPUT_TYPES and not raw:
        _inputs_from_virtual(inputs, settings.get("virtualInputs"))
    name = proto.get("name") or shapes.generated_name(
        rtype, _refs(inputs, "main") or _refs(inputs), _refs(outputs, "main") or _refs(outputs), project.recipes)
    check_name(name, "recipe")
    if name in project.recipes:
        raise errors.already_exists("Recipe %s.%s already exists" % (project.key, name))
    new_datasets, new_folders = ([], []) if raw else _planned_outputs(ctx, project, outputs, settings)
    if not raw:
        _check_refs(ctx, project, rtype, inputs, outputs, new_datasets, new_folders)
        _check_single_producer(project, name, rtype, outputs)
    definition = _definition(project, name, rtype, proto, inputs, outputs)
    payload = _creation_payload(ctx, project, rtype, settings, definition, raw)
    for d in new_datasets:
        store_new(ctx, project, d)
    for f in new_folders:
        _store_folder(ctx, project, f)
    project.recipes[name] = {"recipe": stamp_new(definition, ctx.login), "payload": payload}
    ctx.touch("recipe", name)
    ctx.git_message = "Created recipe %s" % name
    return {"name": name}


def _refs(roles, role=None):
    return shapes.refs({"r": roles}, "r", role)


def _inputs_from_virtual(inputs, virtual):
    """join/vstack/generate_features: DSS builds ``inputs.main`` from the distinct virtual inputs."""
    if virtual is None:
        return
    if not isinstance(virtual, list) or not all(isinstance(v, str) and v for v in virtual):
        raise errors.bad_request("'virtualInputs' must be a list of dataset refs")
    items = inputs.setdefault("main", {"items": []}).setdefault("items", [])
    known = [i["ref"] for i in items]
    for ref in virtual:
        if ref not in known:
            items.append({"ref": ref})
            known.append(ref)


def _planned_outputs(ctx, project, outputs, settings):
    """Definitions of the datasets/folders the creation settings ask DSS to create (not stored yet)."""
    datasets, folders = [], []
    main_outputs = _refs(outputs, "main")
    if settings.get("createOutputDataset"):
        for ref in main_outputs:
            datasets.append(synthesize_managed(ctx, project, ref, settings.get("outputDatasetSettings") or {}))
    if settings.get("createOutputFolder"):
        folders.extend(_planned_folder(ctx, project, outputs, settings.get("outputFolderSettings") or {}))
    by_role = settings.get("outputDatasetsCreationSettingsByRole") or {}
    if not isinstance(by_role, dict):
        raise errors.bad_request("'outputDatasetsCreationSettingsByRole' must be an object")
    for role, per_name in by_role.items():
        if not isinstance(per_name, dict):
            raise errors.bad_request("outputDatasetsCreationSettingsByRole.%s must be an object" % role)
        for ds_name, ds_settings in per_name.items():
            datasets.append(synthesize_managed(ctx, project, ds_name, ds_settings))
    names = [d["name"] for d in datasets]
    if len(set(names)) != len(names):
        raise errors.bad_request("The same output dataset is created twice")
    return datasets, folders


def _planned_folder(ctx, project, outputs, settings):
    """``createOutputFolder``: the output ref is the new folder's *name*; DSS gives it an id and
    rewrites the ref to that id."""
    if not isinstance(settings, dict):
        raise errors.bad_request("'outputFolderSettings' must be an object")
    conn_name = settings.get("connectionId") or "filesystem_folders"
    conn = ctx.instance.connections.get(conn_name)
    if conn is None:
        raise errors.bad_request("Connection %s does not exist" % conn_name)
    out = []
    for item in (outputs.get("main") or {}).get("items") or []:
        fname = item["ref"]
        if any(f.get("name") == fname for f in project.folders.values()):
            raise errors.already_exists("A managed folder named %s already exists in project %s"
                                        % (fname, project.key))
        fid = random_id(FOLDER_ID_LENGTH, project.folders)
        item["ref"] = fid
        out.append(_folder_definition(ctx, project, fid, fname, conn, settings))
    return out


def _folder_definition(ctx, project, fid, name, conn, settings):
    """A managed folder as the folders area builds it (``${projectKey}/${odbId}`` path)."""
    body = {"name": name, "params": {"connection": conn["name"]}}
    folder = new_folder(body, project.key, fid, settings.get("typeOptionId") or conn["type"])
    folder["partitioning"] = resolve_partitioning(ctx, project, settings.get("partitioningOptionId"), True)
    return folder


def _store_folder(ctx, project, folder):
    project.folders[folder["id"]] = stamp_new(folder, ctx.login)
    project.folder_files.setdefault(folder["id"], {})
    ctx.touch("folder", folder["id"])


def _check_refs(ctx, project, rtype, inputs, outputs, new_datasets, new_folders):
    """Local refs must name a dataset or folder (existing or being created); DSS refuses others."""
    created = {d["name"] for d in new_datasets} | {f["id"] for f in new_folders}
    for side, roles in (("Input", inputs), ("Output", outputs)):
        for role, spec in roles.items():
            if rtype in shapes.ML_TYPES and (role != "main" or side == "Output"):
                continue    # saved models / evaluation stores are not modelled
            for item in spec.get("items") or []:
                ref = item["ref"]
                if _is_foreign(ref):
                    continue    # another project's exposed object: DSS resolves it at run time
                if ref not in project.datasets and ref not in project.folders and ref not in created:
                    raise errors.bad_request("%s dataset %s.%s does not exist" % (side, project.key, ref))


def _check_single_producer(project, name, rtype, outputs):
    """A dataset or folder is built by one recipe only."""
    producers = {ref: r for ref, r in shapes_flow.producers(project).items() if r != name}
    for ref in _refs(outputs):
        if ref in producers and (ref in project.datasets or ref in project.folders):
            raise errors.bad_request("Cannot use %s as output of recipe %s: it already has a producing recipe (%s)"
                                     % (ref, name, producers[ref]))


def _definition(project, name, rtype, proto, inputs, outputs):
    definition = shapes.recipe_definition(project.key, name, rtype, inputs, outputs)
    for key, value in proto.items():
        if key in ("name", "type", "projectKey", "inputs", "outputs", "creationTag", "versionTag") or value is None:
            continue
        if key == "params" and isinstance(value, dict):
            definition["params"].update(copy.deepcopy(value))
        else:
            definition[key] = copy.deepcopy(value)
    definition["tags"] = normalise_tags(definition.get("tags"))
    return definition


def _creation_payload(ctx, project, rtype, settings, definition, raw):
    if raw and isinstance(settings.get("rawPayload"), str):
        return settings["rawPayload"]
    inputs = shapes.refs(definition, "inputs", "main") or shapes.refs(definition, "inputs")
    info = {"inputs": inputs, "outputs": shapes.refs(definition, "outputs"),
            "input_names": inputs, "input_schemas": [_schema_columns(ctx, project, r) for r in inputs]}
    return shapes.default_payload(rtype, settings, info)


def _schema_columns(ctx, project, ref):
    owner, _, local = ref.rpartition(".")
    src = ctx.instance.projects.get(owner) if owner else project
    d = (src.datasets.get(local) if src is not None else None) or {}
    return (d.get("schema") or {}).get("columns") or []


# -- save / delete / rename ---------------------------------------------------------------------
@route("PUT", "/projects/{projectKey}/recipes/{recipeName}", perm="write", git="Updated recipe {recipeName}")
def save_recipe(ctx, projectKey, recipeName):
    """Save definition (+ payload when given). The definition sent replaces the stored one (keys
    left out are gone); stamps are server-owned; name and type are fixed. A PUT without
    ``payload`` leaves the payload as it was (the client omits it when it never read one)."""
    project = project_of(ctx, projectKey)
    entry = entry_of(project, recipeName)
    body = ctx.json_object()
    new = body.get("recipe")
    if not isinstance(new, dict):
        raise errors.bad_request("'recipe' must be an object")
    payload = body.get("payload")
    if payload is not None and not isinstance(payload, str):
        raise errors.bad_request("'payload' must be a string")
    old = entry["recipe"]
    if new.get("name") not in (None, recipeName):
        raise errors.bad_request("Cannot change the name of recipe %s by saving it: use rename" % recipeName)
    if new.get("type") not in (None, old.get("type")):
        raise errors.bad_request("Cannot change the type of recipe %s from %s to %s"
                                 % (recipeName, old.get("type"), new.get("type")))
    require_fields(new, ("type",), "Recipe %s.%s" % (project.key, recipeName))
    merged = copy.deepcopy(new)
    merged["projectKey"], merged["name"] = project.key, recipeName
    for side in ("inputs", "outputs"):
        merged[side] = shapes.normalize_roles(_validate_roles(merged.get(side), side), side)
    if not isinstance(merged.get("params", {}), dict):
        raise errors.bad_request("'params' must be an object")
    _check_single_producer(project, recipeName, merged.get("type"), merged["outputs"])
    merged["tags"] = normalise_tags(merged.get("tags"))
    entry["recipe"] = stamp_update(merged, old, ctx.login)
    if payload is not None:
        entry["payload"] = payload
    ctx.touch("recipe", recipeName)
    return {"msg": "Saved recipe %s" % recipeName}


@route("DELETE", "/projects/{projectKey}/recipes/{recipeName}", perm="write", git="Deleted recipe {recipeName}")
def delete_recipe(ctx, projectKey, recipeName):
    """DSS deletes the recipe only: its outputs stay (they just lose their producer)."""
    project = project_of(ctx, projectKey)
    entry_of(project, recipeName)
    del project.recipes[recipeName]
    drop_from_zones(ctx, project, "RECIPE", recipeName)
    ctx.touch("recipe", recipeName)
    return {"msg": "Deleted recipe %s" % recipeName}


@route("POST", "/projects/{projectKey}/actions/renameRecipe", perm="write", git="Renamed recipe")
def rename_recipe(ctx, projectKey):
    project = project_of(ctx, projectKey)
    body = ctx.json_object()
    old, new = body.get("oldName"), body.get("newName")
    if not isinstance(old, str):
        raise errors.bad_request("'oldName' must be a string")
    entry = entry_of(project, old)
    check_name(new, "recipe")
    if new in project.recipes:
        raise errors.already_exists("Recipe %s.%s already exists" % (project.key, new))
    del project.recipes[old]
    entry["recipe"]["name"] = new
    stamp_update(entry["recipe"], entry["recipe"], ctx.login)
    project.recipes[new] = entry
    rename_in_zones(ctx, project, "RECIPE", old, new)
    ctx.touch("recipe", old)
    ctx.touch("recipe", new)
    ctx.git_message = "Renamed recipe %s to %s" % (old, new)
    return {"msg": "Renamed"}


# -- metadata, status, schema updates -------------------------------------------------------------
@route("GET", "/projects/{projectKey}/recipes/{recipeName}/metadata", perm="read")
def get_metadata(ctx, projectKey, recipeName):
    return shapes_datasets.metadata_of(entry_of(project_of(ctx, projectKey), recipeName)["recipe"])


@route("PUT", "/projects/{projectKey}/recipes/{recipeName}/metadata", perm="write",
       git="Updated metadata of recipe {recipeName}")
def set_metadata(ctx, projectKey, recipeName):
    project = project_of(ctx, projectKey)
    entry = entry_of(project, recipeName)
    body = ctx.json_object()
    validate_metadata(body)
    old = entry["recipe"]
    entry["recipe"] = stamp_update(shapes_datasets.apply_metadata(copy.deepcopy(old), body), old, ctx.login)
    ctx.touch("recipe", recipeName)
    return {"msg": "Saved metadata of %s" % recipeName}


@route("GET", "/projects/{projectKey}/recipes/{recipeName}/status", perm="read")
def get_status(ctx, projectKey, recipeName):
    """Engine choice and validation messages (missing inputs/outputs) as DSS's recipe status."""
    project = project_of(ctx, projectKey)
    recipe = entry_of(project, recipeName)["recipe"]
    messages = []
    for side in ("inputs", "outputs"):
        for role, ref in shapes_flow.recipe_refs(recipe, side):
            if not shapes_flow.exists(project, ctx.instance, ref) and recipe.get("type") not in shapes.ML_TYPES:
                messages.append(_message("ERROR", "%s %s does not exist" % (side[:-1].capitalize(), ref)))
    if not shapes_flow.recipe_refs(recipe, "outputs"):
        messages.append(_message("ERROR", "The recipe has no output"))
    return shapes.status(_engine(project, recipe), messages)


def _message(severity, text):
    return {"severity": severity, "isFatal": severity == "ERROR", "code": "ERR_RECIPE_CANNOT_CHECK_SCHEMA_CONSISTENCY"
            if severity == "ERROR" else "INFO_RECIPE", "title": text, "message": text, "details": text}


def _engine(project, recipe):
    rtype = recipe.get("type")
    if rtype in shapes.SQL_ENGINE_TYPES:
        return "SQL"
    if rtype in shapes.SPARK_TYPES:
        return "SPARK"
    if rtype in shapes.CODE_TYPES or rtype in shapes.ML_TYPES:
        return "DSS"
    conns = set()
    for side in ("inputs", "outputs"):
        for _, ref in shapes_flow.recipe_refs(recipe, side):
            d = project.datasets.get(ref)
            if d is None or d.get("type") not in shapes_datasets.SQL_TYPES:
                return "DSS"
            conns.add((d.get("params") or {}).get("connection"))
    return "SQL" if len(conns) == 1 else "DSS"


@route("GET", "/projects/{projectKey}/recipes/{recipeName}/schema-update", perm="read")
def compute_schema_updates(ctx, projectKey, recipeName):
    """What DSS can infer of the outputs' schemas: visual recipes only (code recipes cannot)."""
    project = project_of(ctx, projectKey)
    entry = entry_of(project, recipeName)
    recipe = entry["recipe"]
    if recipe.get("type") in shapes.CODE_TYPES:
        raise errors.bad_request("Recipe %s is a code recipe: DSS cannot compute the schema of its outputs"
                                 % recipeName)
    new_columns = _inferred_schema(ctx, project, recipe, entry.get("payload"))
    computables, total = [], 0
    for ref in shapes.refs(recipe, "outputs", "main"):
        d = project.datasets.get(ref)
        if d is None or new_columns is None:
            continue
        current = (d.get("schema") or {}).get("columns") or []
        differs = [c.get("name") for c in current] != [c.get("name") for c in new_columns] or \
            [c.get("type") for c in current] != [c.get("type") for c in new_columns]
        total += 1 if differs else 0
        computables.append({"type": "DATASET", "id": ref, "datasetName": ref, "projectKey": project.key,
                            "newSchema": {"columns": copy.deepcopy(new_columns), "userModified": False},
                            "incompatibilities": ["The output schema differs"] if differs else []})
    return {"totalIncompatibilities": total, "computables": computables}


def _inferred_schema(ctx, project, recipe, payload):
    """Output columns of the simple visual recipes; None when the emulator does not infer them."""
    inputs = shapes.refs(recipe, "inputs", "main")
    first = _schema_columns(ctx, project, inputs[0]) if inputs else []
    rtype = recipe.get("type")
    if rtype in ("sync", "sort", "distinct", "topn", "sampling", "split"):
        return first
    if rtype == "shaker":
        steps = _payload_obj(payload).get("steps") or []
        return first if not steps else None
    if rtype == "grouping":
        return _grouping_columns(first, _payload_obj(payload))
    if rtype == "vstack":
        seen, out = set(), []
        for ref in inputs:
            for c in _schema_columns(ctx, project, ref):
                if c.get("name") not in seen:
                    seen.add(c.get("name"))
                    out.append(c)
        return out
    return None


def _payload_obj(payload):
    try:
        obj = json.loads(payload or "{}")
    except ValueError:
        return {}
    return obj if isinstance(obj, dict) else {}


AGGREGATES = (("min", "min"), ("max", "max"), ("avg", "avg"), ("sum", "sum"), ("count", "count"),
              ("countDistinct", "distinct"), ("stddev", "stddev"), ("concat", "concat"), ("mode", "mode"))


def _grouping_columns(first, payload):
    types = {c.get("name"): c.get("type") for c in first}
    out = [{"name": k.get("column"), "type": types.get(k.get("column"), "string")} for k in payload.get("keys") or []]
    for v in payload.get("values") or []:
        col = v.get("column")
        for flag, suffix in AGGREGATES:
            if v.get(flag):
                kind = "bigint" if flag in ("count", "countDistinct") else (
                    "string" if flag == "concat" else ("double" if flag in ("avg", "stddev") else types.get(col)))
                out.append({"name": "%s_%s" % (col, suffix), "type": kind or "string"})
    if payload.get("globalCount"):
        out.append({"name": "count", "type": "bigint"})
    return out


@route("POST", "/projects/{projectKey}/recipes/{recipeName}/actions/updateOutputSchema", perm="write",
       git="Updated output schema of recipe {recipeName}")
def update_output_schema(ctx, projectKey, recipeName):
    project = project_of(ctx, projectKey)
    recipe = entry_of(project, recipeName)["recipe"]
    body = ctx.json_object()
    ref = body.get("computableId")
    if body.get("computableType", "DATASET") != "DATASET":
        return {"msg": "Nothing to update"}
    if ref not in shapes.refs(recipe, "outputs"):
        raise errors.bad_request("%s is not an output of recipe %s" % (ref, recipeName))
    old = dataset_of(project, ref)
    schema = body.get("newSchema")
    if not isinstance(schema, dict):
        raise errors.bad_request("'newSchema' must be an object with a 'columns' list")
    validate_columns(schema.get("columns"))
    new = copy.deepcopy(old)
    new["schema"] = {"columns": copy.deepcopy(schema["columns"]), "userModified": False}
    project.datasets[ref] = stamp_update(new, old, ctx.login)
    ctx.touch("dataset", ref)
    return {"msg": "Updated schema of %s" % ref}
