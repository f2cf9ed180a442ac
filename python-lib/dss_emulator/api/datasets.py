"""Dataset endpoints: list/create (incl. managed synthesis), settings, schema, metadata, rename, data.

DSS keeps one definition per dataset; the metadata view (``custom.kv``) and the definition
(``customMeta.kv``) are two shapes of the same fields, so both are derived from the stored
definition. Data rows (never configuration) live in ``project.dataset_data`` and are served as the
TSV stream ``iter_rows`` reads. No emulated endpoint writes rows (builds run no code, so a built
dataset stays empty); :func:`write_rows` is the Python-side way (tests, set-up scripts) to give a
dataset data. Builds only record ``lastBuild`` (:func:`record_build`, called by jobs).
"""
import copy
import csv
import io

from .. import errors
from ..checks import check_types, normalise_tags, require_fields
from .. import shapes_datasets as shapes
from ..routing import route
from ..server import Raw
from ..stamps import now_ms, stamp_new, stamp_update
from .flow import drop_from_zones, rename_in_zones
from .projects import exposed_to, project_of

NP = "NP"   # DSS's id of the single partition of a non-partitioned dataset


# -- helpers shared with recipes ----------------------------------------------------------------
def dataset_of(project, name):
    d = project.datasets.get(name)
    if d is None:
        raise errors.not_found("Dataset %s.%s does not exist" % (project.key, name))
    return d


def check_name(name, kind="dataset"):
    """DSS names allow letters, digits and underscores only."""
    if not isinstance(name, str) or not shapes.NAME_RE.match(name):
        raise errors.bad_request("Invalid %s name %r: use only letters, digits and underscores" % (kind, name))


def check_free(project, name):
    if name in project.datasets:
        raise errors.already_exists("Dataset %s.%s already exists" % (project.key, name))


def connection_of(ctx, name):
    """A connection of the instance, or the DSS error for a dataset naming an unknown one."""
    if not isinstance(name, str) or not name:
        raise errors.bad_request("A connection is required")
    conn = ctx.instance.connections.get(name)
    if conn is None:
        raise errors.bad_request("Connection %s does not exist" % name)
    return conn


def _dict_field(body, key, where="body"):
    value = body.get(key)
    if value is None:
        return None
    if not isinstance(value, dict):
        raise errors.bad_request("'%s' must be an object in the %s" % (key, where))
    return value


def _str_field(body, key, required=False):
    value = body.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value:
        raise errors.bad_request("'%s' must be a non-empty string" % key)
    return value


def store_new(ctx, project, d):
    """Stamp and store a newly created definition; commit message like DSS's."""
    stamp_new(d, ctx.login)
    project.datasets[d["name"]] = d
    ctx.touch("dataset", d["name"])
    if ctx.git_message is None:
        ctx.git_message = "Created dataset %s" % d["name"]
    return d


def resolve_partitioning(ctx, project, option, output_is_fs):
    """Partitioning of a new managed dataset from ``partitioningOptionId`` ("copy:dataset:X"/"copy:folder:Y")."""
    if option in (None, "", "NP"):
        return shapes.partitioning()
    if not isinstance(option, str) or not option.startswith("copy:"):
        raise errors.bad_request("Invalid partitioningOptionId %r" % (option,))
    kind, _, ref = option[5:].partition(":")
    owner, _, local = ref.rpartition(".")
    src_project = ctx.instance.projects.get(owner) if owner else project
    coll = {"dataset": "datasets", "folder": "folders"}.get(kind)
    source = getattr(src_project, coll, {}).get(local) if (src_project is not None and coll) else None
    if source is None:
        raise errors.bad_request("Cannot copy partitioning: %s %s does not exist" % (kind or "object", ref))
    dims = copy.deepcopy((source.get("partitioning") or {}).get("dimensions", []))
    out = shapes.partitioning(dims)
    if dims and output_is_fs:
        out["filePathPattern"] = _file_path_pattern(dims)
    return out


def _file_path_pattern(dims):
    periods = {"YEAR": "%Y", "MONTH": "%Y/%M", "DAY": "%Y/%M/%D", "HOUR": "%Y/%M/%D/%H"}
    parts = []
    for dim in dims:
        if dim.get("type") == "time":
            parts.append(periods.get((dim.get("params") or {}).get("period", "DAY"), "%Y/%M/%D"))
        else:
            parts.append("%%{%s}" % dim.get("name"))
    return "/".join(parts) + "/.*"


def synthesize_managed(ctx, project, name, settings):
    """A full managed dataset definition from ``creationSettings``, as DSS builds it (not stored)."""
    if not isinstance(settings, dict):
        raise errors.bad_request("'creationSettings' must be an object")
    check_name(name)
    check_free(project, name)
    conn_name = settings.get("connectionId")
    conn = connection_of(ctx, conn_name)
    ctype = settings.get("typeOptionId") or conn.get("type")
    ctype = shapes.DATASET_TYPE_OF_CONNECTION.get(ctype, ctype)
    specific = settings.get("specificSettings") or {}
    if not isinstance(specific, dict):
        raise errors.bad_request("'specificSettings' must be an object")
    if not conn.get("allowManagedDatasets", True) or (
            ctype not in shapes.MANAGED_FS_TYPES and ctype not in shapes.SQL_TYPES):
        raise errors.bad_request("Connection %s (type %s) cannot hold managed datasets" % (conn_name, ctype))
    params = shapes.managed_params(ctype, conn_name, name)
    is_fs = ctype in shapes.MANAGED_FS_TYPES
    if is_fs:
        option = specific.get("formatOptionId") or shapes.DEFAULT_FORMAT_OPTION_BY_CONNECTION.get(
            ctype, shapes.DEFAULT_FORMAT_OPTION)
        if option not in shapes.FORMAT_OPTIONS:
            raise errors.bad_request("Unknown formatOptionId %r (known: %s)"
                                     % (option, ", ".join(sorted(shapes.FORMAT_OPTIONS))))
        ftype, factory = shapes.FORMAT_OPTIONS[option]
        d = shapes.dataset_definition(project.key, name, ctype, params, ftype, None, managed=True)
        d["formatParams"] = factory()
    else:
        d = shapes.dataset_definition(project.key, name, ctype, params, managed=True)
    d["partitioning"] = resolve_partitioning(ctx, project, settings.get("partitioningOptionId"), is_fs)
    return d


# -- data (rows) --------------------------------------------------------------------------------
def write_rows(project, name, rows, partition=None):
    """Store rows (lists of cells in schema order) for a dataset partition (for jobs)."""
    data = project.dataset_data.setdefault(name, {})
    data.setdefault("partitions", {})[partition or NP] = [list(r) for r in rows]


def record_build(project, name, start_ms, end_ms, success=True):
    """Remember a build of the dataset (what ``GET .../info`` reports as ``lastBuild``)."""
    data = project.dataset_data.setdefault(name, {})
    data["lastBuild"] = {"buildStartTime": start_ms, "buildEndTime": end_ms, "buildSuccess": bool(success)}


def _partitions_requested(ctx):
    wanted = []
    for value in ctx.qlist("partitions"):
        wanted.extend(p for p in value.split(",") if p)
    return wanted


# -- list / create ------------------------------------------------------------------------------
def _has_any_tag(d, tags):
    return not tags or bool(set(d.get("tags") or []) & set(tags))


def _foreign_datasets(ctx, project):
    """Datasets other projects expose to ``project`` (DSS's ``foreign=True``), as those projects serve them."""
    return [other.datasets[name] for other, name in exposed_to(ctx, project, "DATASET") if name in other.datasets]


@route("GET", "/projects/{projectKey}/datasets", perm="read")
def list_datasets(ctx, projectKey):
    project = project_of(ctx, projectKey)
    tags = [t for t in ctx.qlist("tags") if t]
    items = [project.datasets[n] for n in sorted(project.datasets)]
    if ctx.qbool("foreign"):
        items += _foreign_datasets(ctx, project)
    # no copies: the answer is serialised under the instance lock, before any write can change it
    return [d for d in items if _has_any_tag(d, tags)]


RESERVED_ON_CREATE = ("name", "projectKey", "type", "params", "formatType", "formatParams", "managed",
                      "creationTag", "versionTag")


@route("POST", "/projects/{projectKey}/datasets", perm="write", git="Created dataset")
def create_dataset(ctx, projectKey):
    """Every ``create_*_dataset`` of the client posts a (partial) definition here."""
    project = project_of(ctx, projectKey)
    body = ctx.json_object()
    name = body.get("name")
    check_name(name)
    check_free(project, name)
    dtype = _str_field(body, "type", required=True)
    params = _dict_field(body, "params") or {}
    ftype = body.get("formatType")
    if ftype is not None and not isinstance(ftype, str):
        raise errors.bad_request("'formatType' must be a string")
    fparams = _dict_field(body, "formatParams")
    if dtype in shapes.SQL_TYPES:
        connection_of(ctx, params.get("connection"))
    if dtype == "UploadedFiles" and params.get("uploadConnection") is not None:
        connection_of(ctx, params["uploadConnection"])
    if dtype == "FilesInFolder":
        _check_folder_ref(project, ctx, params.get("folderSmartId"))
    managed = body.get("managed", False)
    if not isinstance(managed, bool):
        raise errors.bad_request("'managed' must be a boolean")
    d = shapes.dataset_definition(project.key, name, dtype, params, ftype, fparams, managed=managed)
    for key, value in body.items():
        if key not in RESERVED_ON_CREATE and value is not None:
            d[key] = copy.deepcopy(value)
    _validate_definition(d)
    store_new(ctx, project, d)
    return {"projectKey": project.key, "name": name}


def _check_folder_ref(project, ctx, ref):
    if not isinstance(ref, str) or not ref:
        raise errors.bad_request("A FilesInFolder dataset needs params.folderSmartId")
    owner, _, fid = ref.rpartition(".")
    src = ctx.instance.projects.get(owner) if owner else project
    if src is None or fid not in src.folders:
        raise errors.bad_request("Managed folder %s does not exist" % ref)


@route("POST", "/projects/{projectKey}/datasets/managed", perm="write", git="Created dataset")
def create_managed_dataset(ctx, projectKey):
    project = project_of(ctx, projectKey)
    body = ctx.json_object()
    d = synthesize_managed(ctx, project, body.get("name"), body.get("creationSettings"))
    store_new(ctx, project, d)
    return {"projectKey": project.key, "name": d["name"]}


# -- one dataset --------------------------------------------------------------------------------
@route("GET", "/projects/{projectKey}/datasets/{datasetName}", perm="read")
def get_dataset(ctx, projectKey, datasetName):
    return copy.deepcopy(dataset_of(project_of(ctx, projectKey), datasetName))


def _validate_definition(d):
    """Reject wrong types with a DSS 400 instead of storing garbage; normalises ``tags`` (and
    ``managed`` of an upload dataset, which DSS always reads back false)."""
    check_types(d, dict.fromkeys(("params", "formatParams", "partitioning", "schema", "customMeta", "customFields",
                                  "flowOptions", "readWriteOptions", "metrics", "metricsChecks", "checklists"), dict),
                "dataset field")
    schema = d.get("schema") or {}
    validate_columns(schema.get("columns", []))
    dims = (d.get("partitioning") or {}).get("dimensions", [])
    if not isinstance(dims, list) or not all(isinstance(x, dict) and x.get("name") for x in dims):
        raise errors.bad_request("'partitioning.dimensions' must be a list of objects with a name")
    d["tags"] = normalise_tags(d.get("tags"))
    if d.get("type") == "UploadedFiles":     # DSS reads upload datasets back unmanaged, whatever was sent
        d["managed"] = False


def validate_columns(columns):
    """A schema's ``columns``: a list of ``{"name": str, "type": str, ...}`` (shared with recipes)."""
    if not isinstance(columns, list):
        raise errors.bad_request("'schema.columns' must be a list")
    for i, c in enumerate(columns):
        if not isinstance(c, dict) or not isinstance(c.get("name"), str) or not isinstance(c.get("type"), str):
            raise errors.bad_request("schema column #%d must be an object with a string name and type" % i)


@route("PUT", "/projects/{projectKey}/datasets/{datasetName}", perm="write", git="Updated dataset {datasetName}")
def save_dataset(ctx, projectKey, datasetName):
    """Save settings. The body replaces the definition (DSS deserialises it into a fresh one: a key
    left out is gone); stamps are server-owned; name and type cannot change through a save."""
    project = project_of(ctx, projectKey)
    old = dataset_of(project, datasetName)
    body = ctx.json_object()
    if body.get("name") not in (None, datasetName):
        raise errors.bad_request("Cannot change the name of dataset %s by saving its settings: use rename"
                                 % datasetName)
    require_fields(body, ("type", "params"), "Dataset %s.%s" % (project.key, datasetName))
    new = copy.deepcopy(body)
    if new.get("type") != old.get("type"):
        _check_type_change(ctx, old, new)
    new["projectKey"], new["name"] = project.key, datasetName
    _validate_definition(new)
    project.datasets[datasetName] = stamp_update(new, old, ctx.login)
    ctx.touch("dataset", datasetName)
    return {"msg": "Saved dataset %s" % datasetName}


def _check_type_change(ctx, old, new):
    """Only managed datasets may move to another storage (DSS's "change connection")."""
    if not old.get("managed") or not isinstance(new.get("type"), str):
        raise errors.bad_request("Cannot change the type of dataset %s from %s to %s"
                                 % (old.get("name"), old.get("type"), new.get("type")))
    connection_of(ctx, (new.get("params") or {}).get("connection"))


@route("DELETE", "/projects/{projectKey}/datasets/{datasetName}", perm="write", git="Deleted dataset {datasetName}")
def delete_dataset(ctx, projectKey, datasetName):
    project = project_of(ctx, projectKey)
    dataset_of(project, datasetName)
    del project.datasets[datasetName]
    if ctx.qbool("dropData"):
        project.dataset_data.pop(datasetName, None)   # without dropData the files stay, as on DSS
    drop_from_zones(ctx, project, "DATASET", datasetName)
    ctx.touch("dataset", datasetName)
    return {"msg": "Deleted dataset %s" % datasetName}


# -- schema / metadata --------------------------------------------------------------------------
@route("GET", "/projects/{projectKey}/datasets/{datasetName}/schema", perm="read")
def get_schema(ctx, projectKey, datasetName):
    d = dataset_of(project_of(ctx, projectKey), datasetName)
    return copy.deepcopy(d.get("schema") or {"columns": [], "userModified": False})


@route("PUT", "/projects/{projectKey}/datasets/{datasetName}/schema", perm="write",
       git="Updated schema of dataset {datasetName}")
def set_schema(ctx, projectKey, datasetName):
    project = project_of(ctx, projectKey)
    old = dataset_of(project, datasetName)
    body = ctx.json_object()
    validate_columns(body.get("columns"))
    new = copy.deepcopy(old)
    new["schema"] = {"columns": copy.deepcopy(body["columns"]), "userModified": bool(body.get("userModified", False))}
    project.datasets[datasetName] = stamp_update(new, old, ctx.login)
    ctx.touch("dataset", datasetName)
    return {"msg": "Saved schema of %s" % datasetName}


@route("GET", "/projects/{projectKey}/datasets/{datasetName}/metadata", perm="read")
def get_metadata(ctx, projectKey, datasetName):
    return shapes.metadata_of(dataset_of(project_of(ctx, projectKey), datasetName))


def validate_metadata(md):
    """Metadata bodies shared by datasets and recipes: check the types DSS would deserialise."""
    normalise_tags(md.get("tags"))
    check_types(md, {"custom": dict, "checklists": dict, "customFields": dict, "description": str,
                     "shortDesc": str}, "metadata field")
    check_types(md.get("custom") or {}, {"kv": dict}, "metadata field custom")


@route("PUT", "/projects/{projectKey}/datasets/{datasetName}/metadata", perm="write",
       git="Updated metadata of dataset {datasetName}")
def set_metadata(ctx, projectKey, datasetName):
    project = project_of(ctx, projectKey)
    old = dataset_of(project, datasetName)
    body = ctx.json_object()
    validate_metadata(body)
    new = shapes.apply_metadata(copy.deepcopy(old), body)
    project.datasets[datasetName] = stamp_update(new, old, ctx.login)
    ctx.touch("dataset", datasetName)
    return {"msg": "Saved metadata of %s" % datasetName}


# -- rename -------------------------------------------------------------------------------------
@route("POST", "/projects/{projectKey}/actions/renameDataset", perm="write", git="Renamed dataset")
def rename_dataset(ctx, projectKey):
    """Rename and rewrite every reference DSS rewrites: recipes, scenario steps/triggers, zones, exposure."""
    project = project_of(ctx, projectKey)
    body = ctx.json_object()
    old_name, new_name = body.get("oldName"), body.get("newName")
    if not isinstance(old_name, str):
        raise errors.bad_request("'oldName' must be a string")
    d = dataset_of(project, old_name)
    check_name(new_name)
    check_free(project, new_name)
    del project.datasets[old_name]
    d = copy.deepcopy(d)
    d["name"] = new_name
    project.datasets[new_name] = stamp_update(d, d, ctx.login)
    if old_name in project.dataset_data:
        project.dataset_data[new_name] = project.dataset_data.pop(old_name)
    _rename_in_recipes(ctx, project, old_name, new_name)
    _rename_in_scenarios(ctx, project, old_name, new_name)
    rename_in_zones(ctx, project, "DATASET", old_name, new_name)
    _rename_in_exposed(ctx, project, old_name, new_name)
    ctx.touch("dataset", old_name)
    ctx.touch("dataset", new_name)
    ctx.git_message = "Renamed dataset %s to %s" % (old_name, new_name)
    return {"msg": "Renamed"}


def _rename_in_recipes(ctx, project, old, new):
    for rname, entry in project.recipes.items():
        recipe = entry["recipe"]
        changed = False
        for side in ("inputs", "outputs"):
            for role in (recipe.get(side) or {}).values():
                for item in (role or {}).get("items") or []:
                    if item.get("ref") == old:
                        item["ref"], changed = new, True
        if changed:
            stamp_update(recipe, recipe, ctx.login)
            ctx.touch("recipe", rname)


def _rename_item_refs(obj, project_key, old, new):
    """Rewrite ``{"itemId": old}`` dataset refs (build/clear/check/compute items, dataset triggers)."""
    changed = False
    if isinstance(obj, dict):
        if (obj.get("itemId") == old and obj.get("type") in (None, "DATASET")
                and obj.get("projectKey") in (None, "", project_key)):
            obj["itemId"], changed = new, True
        for value in obj.values():
            changed = _rename_item_refs(value, project_key, old, new) or changed
    elif isinstance(obj, list):
        for value in obj:
            changed = _rename_item_refs(value, project_key, old, new) or changed
    return changed


def _rename_in_scenarios(ctx, project, old, new):
    for sid, scenario in project.scenarios.items():
        steps = (scenario.get("params") or {}).get("steps")
        changed = _rename_item_refs(steps, project.key, old, new)
        changed = _rename_item_refs(scenario.get("triggers"), project.key, old, new) or changed
        if changed:
            stamp_update(scenario, scenario, ctx.login)
            ctx.touch("scenario", sid)


def _rename_in_exposed(ctx, project, old, new):
    for obj in ((project.params.get("exposedObjects") or {}).get("objects") or []):
        if obj.get("type") == "DATASET" and obj.get("localName") == old:
            obj["localName"] = new
            ctx.touch("project")


# -- info, partitions, usages, data -------------------------------------------------------------
@route("GET", "/projects/{projectKey}/datasets/{datasetName}/info", perm="read")
def get_info(ctx, projectKey, datasetName):
    project = project_of(ctx, projectKey)
    d = dataset_of(project, datasetName)
    info = {"projectKey": project.key, "name": datasetName, "type": d.get("type"), "managed": d.get("managed", False),
            "partitioned": bool((d.get("partitioning") or {}).get("dimensions")),
            "isSQL": d.get("type") in shapes.SQL_TYPES, "isFS": d.get("type") in shapes.FS_TYPES}
    last = (project.dataset_data.get(datasetName) or {}).get("lastBuild")
    if last:
        info["lastBuild"] = copy.deepcopy(last)
    return info


@route("GET", "/projects/{projectKey}/datasets/{datasetName}/partitions", perm="read")
def list_partitions(ctx, projectKey, datasetName):
    project = project_of(ctx, projectKey)
    d = dataset_of(project, datasetName)
    if not (d.get("partitioning") or {}).get("dimensions"):
        return []
    stored = (project.dataset_data.get(datasetName) or {}).get("partitions") or {}
    return sorted(p for p in stored if p != NP)


@route("DELETE", "/projects/{projectKey}/datasets/{datasetName}/data", perm="write")
def clear_data(ctx, projectKey, datasetName):
    project = project_of(ctx, projectKey)
    dataset_of(project, datasetName)
    stored = (project.dataset_data.get(datasetName) or {}).get("partitions") or {}
    wanted = _partitions_requested(ctx)
    for p in (wanted or list(stored)):
        stored.pop(p, None)
    return {"success": True, "messages": []}


@route("GET", "/projects/{projectKey}/datasets/{datasetName}/usages", perm="read")
def get_usages(ctx, projectKey, datasetName):
    """Recipes reading or writing the dataset, and scenarios naming it."""
    project = project_of(ctx, projectKey)
    dataset_of(project, datasetName)
    out = []
    for rname in sorted(project.recipes):
        recipe = project.recipes[rname]["recipe"]
        for side, usage in (("inputs", "INPUT"), ("outputs", "OUTPUT")):
            refs = [i.get("ref") for role in (recipe.get(side) or {}).values() for i in (role or {}).get("items") or []]
            if datasetName in refs:
                out.append({"type": "RECIPE", "projectKey": project.key, "objectId": rname,
                            "objectDisplayName": rname, "usageType": usage, "recipeType": recipe.get("type")})
    for sid in sorted(project.scenarios):
        probe = copy.deepcopy(project.scenarios[sid])
        if _rename_item_refs(probe, project.key, datasetName, datasetName):
            out.append({"type": "SCENARIO", "projectKey": project.key, "objectId": sid,
                        "objectDisplayName": project.scenarios[sid].get("name", sid), "usageType": "REFERENCE"})
    return out


@route("GET", "/projects/{projectKey}/datasets/{datasetName}/data", perm="read")
def stream_data(ctx, projectKey, datasetName):
    """Rows as TSV (excel quoting), no header unless asked: what ``DSSDataset.iter_rows`` parses."""
    project = project_of(ctx, projectKey)
    d = dataset_of(project, datasetName)
    fmt = ctx.q("format") or "tsv-excel-noheader"
    if fmt not in ("tsv-excel-noheader", "tsv-excel-header"):
        raise errors.bad_request("Unsupported export format %s" % fmt)
    names = [c.get("name") for c in (d.get("schema") or {}).get("columns", [])]
    wanted_cols = [c for v in ctx.qlist("columns") for c in v.split(",") if c]
    for c in wanted_cols:
        if c not in names:
            raise errors.bad_request("Column %s does not exist in dataset %s" % (c, datasetName))
    indexes = [names.index(c) for c in wanted_cols] if wanted_cols else list(range(len(names)))
    stored = (project.dataset_data.get(datasetName) or {}).get("partitions") or {}
    wanted = _partitions_requested(ctx) or sorted(stored)
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter="\t", quotechar='"', doublequote=True, lineterminator="\n")
    if fmt == "tsv-excel-header":
        writer.writerow([names[i] for i in indexes])
    for p in wanted:
        for row in stored.get(p, []):
            writer.writerow(["" if i >= len(row) or row[i] is None else row[i] for i in indexes])
    return Raw(buf.getvalue().encode("utf-8"), "text/tab-separated-values; charset=utf-8")


@route("GET", "/projects/{projectKey}/datasets/{datasetName}/finish-streaming", perm="read")
def finish_streaming(ctx, projectKey, datasetName):
    dataset_of(project_of(ctx, projectKey), datasetName)
    return {"ok": True, "readSessionId": ctx.q("readSessionId"), "finishedOn": now_ms()}
