"""Managed folders: definitions (configuration, versioned in project git) and their files (data).

File paths come from the greedy ``{path*}`` segment, normalised to one leading ``/``: the client
sends ``contents//dir/a%20b.txt`` for ``/dir/a b.txt`` and ``contents/a.txt`` for ``a.txt``, which
name ``/dir/a b.txt`` and ``/a.txt``. Writing files is data, not configuration: no git commit.
"""
import copy

from .. import errors
from ..checks import check_types, require_fields
from ..ids import random_id
from ..multipart import file_part
from ..routing import route
from ..server import Raw
from ..shapes_folders import FOLDER_ID_LENGTH, file_item, fill, new_folder
from ..stamps import now_ms, stamp_new, stamp_update
from .flow import drop_from_zones
from .projects import project_of

BASE = "/projects/{projectKey}/managedfolders"
ONE = BASE + "/{folderId}"


def folder_of(ctx, project_key, fid):
    if not isinstance(fid, str) or not fid:
        raise errors.bad_request("A managed folder id must be a non-empty string, got %r" % (fid,))
    folder = project_of(ctx, project_key).folders.get(fid)
    if folder is None:
        raise errors.not_found("Managed folder %s.%s does not exist" % (project_key, fid))
    return folder


def _files(ctx, project_key, fid):
    folder_of(ctx, project_key, fid)
    return project_of(ctx, project_key).folder_files.setdefault(fid, {})


def _check_name(name):
    if not isinstance(name, str) or not name.strip():
        raise errors.bad_request("A managed folder name cannot be empty or made of whitespaces only")


def _check_unique(project, name, fid=None):
    for other_id, other in project.folders.items():
        if other_id != fid and other.get("name") == name:
            raise errors.already_exists("A managed folder named %s already exists in project %s"
                                        % (name, project.key))


@route("GET", BASE, perm="read")
def list_folders(ctx, projectKey):
    folders = project_of(ctx, projectKey).folders.values()
    # no copies: the answer is serialised under the instance lock, before any write can change it
    return sorted(folders, key=lambda f: (f.get("name") or "", f["id"]))


@route("POST", BASE, perm="write", git="Created managed folder")
def create_folder(ctx, projectKey):
    """DSS gives the folder a random 8-character id; ``type: null`` takes the connection's type."""
    p = project_of(ctx, projectKey)
    body = ctx.json_object()
    _check_name(body.get("name"))
    _check_unique(p, body["name"])
    if body.get("params") is not None and not isinstance(body["params"], dict):
        raise errors.bad_request("'params' must be an object")
    params = body.get("params") or {}
    conn_name = params.get("connection") or "filesystem_folders"
    conn = ctx.instance.connections.get(conn_name)
    if conn is None:
        raise errors.bad_request("Connection %s does not exist" % conn_name)
    fid = random_id(FOLDER_ID_LENGTH, set(p.folders))
    body = dict(body, params=dict(params, connection=conn_name))
    p.folders[fid] = stamp_new(new_folder(body, projectKey, fid, body.get("type") or conn["type"]), ctx.login)
    p.folder_files[fid] = {}
    ctx.touch("folder", fid)
    ctx.git_message = "Created managed folder %s" % body["name"]
    return {"id": fid, "name": body["name"], "projectKey": projectKey}


@route("GET", ONE, perm="read")
def get_folder(ctx, projectKey, folderId):
    return copy.deepcopy(folder_of(ctx, projectKey, folderId))


@route("PUT", ONE, perm="write", git="Saved managed folder {folderId}")
def save_folder(ctx, projectKey, folderId):
    """The body replaces the definition (keys left out are gone, a body without name, type or
    params is a 400); ``id`` and ``projectKey`` cannot change; stamps are server-owned."""
    old = folder_of(ctx, projectKey, folderId)
    body = ctx.json_object()
    check_types(body, {"params": dict, "partitioning": dict, "type": str}, "managed folder field")
    require_fields(body, ("name", "type", "params"), "Managed folder %s.%s" % (projectKey, folderId))
    new = copy.deepcopy(body)
    new.update({"projectKey": projectKey, "id": folderId})
    _check_name(new["name"])
    p = project_of(ctx, projectKey)
    _check_unique(p, new["name"], folderId)
    p.folders[folderId] = stamp_update(fill(new), old, ctx.login)
    ctx.touch("folder", folderId)
    return {"msg": "Saved managed folder %s" % folderId}


@route("DELETE", ONE, perm="write", git="Deleted managed folder {folderId}")
def delete_folder(ctx, projectKey, folderId):
    """The folder goes, and so do its zone entries. Its files go only with ``dropData=true``
    (15.1+ clients send it; older ones send nothing, which keeps them, as DSS's default does).
    Kept files stay in the project's folder data under the folder's id, as DSS leaves them on disk
    under the folder's path: reverting the deletion through project git finds them again."""
    folder_of(ctx, projectKey, folderId)
    p = project_of(ctx, projectKey)
    del p.folders[folderId]
    if ctx.qbool("dropData"):
        p.folder_files.pop(folderId, None)
    drop_from_zones(ctx, p, "MANAGED_FOLDER", folderId)
    ctx.touch("folder", folderId)
    return {"msg": "Deleted managed folder %s" % folderId}


@route("POST", "/projects/{projectKey}/actions/renameManagedFolder", perm="write", git="Renamed managed folder")
def rename_folder(ctx, projectKey):
    body = ctx.json_object()
    old = folder_of(ctx, projectKey, body.get("id"))
    _check_name(body.get("newName"))
    p = project_of(ctx, projectKey)
    _check_unique(p, body["newName"], old["id"])
    new = copy.deepcopy(old)
    new["name"] = body["newName"]
    p.folders[old["id"]] = stamp_update(new, old, ctx.login)
    ctx.touch("folder", old["id"])
    return {"msg": "Renamed"}


# -- contents (data) ------------------------------------------------------------------------------
@route("GET", ONE + "/contents", perm="read")
def list_contents(ctx, projectKey, folderId):
    files = _files(ctx, projectKey, folderId)
    return {"items": [file_item(path, files[path]) for path in sorted(files)]}


@route("GET", ONE + "/contents/{path*}", perm="read")
def get_file(ctx, projectKey, folderId, path):
    entry = _files(ctx, projectKey, folderId).get(path)
    if entry is None:
        raise errors.not_found("File %s does not exist in managed folder %s.%s" % (path, projectKey, folderId))
    return Raw(entry["data"])


@route("POST", ONE + "/contents/{path*}", perm="write")
def put_file(ctx, projectKey, folderId, path):
    """A multipart upload (part ``file``); replaces an existing file."""
    files = _files(ctx, projectKey, folderId)
    if path == "/" or path.endswith("/"):
        raise errors.bad_request("Invalid file path %r" % path)
    data = file_part(ctx.body, ctx.headers.get("Content-Type"))
    files[path] = {"data": data, "lastModified": now_ms()}
    return file_item(path, files[path])


@route("DELETE", ONE + "/contents/{path*}", perm="write")
def delete_file(ctx, projectKey, folderId, path):
    """No error for a missing file (DSS documents it so); a directory path deletes what is under it."""
    files = _files(ctx, projectKey, folderId)
    prefix = path.rstrip("/") + "/"
    for p in [p for p in files if p == path or p.startswith(prefix)]:
        del files[p]
    return {}


@route("POST", ONE + "/actions/copyTo", perm="read")
def copy_to(ctx, projectKey, folderId):
    """Copy the files into another folder; answers a finished future. OVERWRITE empties the target
    first, APPEND keeps its other files."""
    body = ctx.json_object()
    source = _files(ctx, projectKey, folderId)
    target_key = body.get("targetProjectKey") or projectKey
    fid = body.get("targetFolderId")
    for name, value in (("targetProjectKey", target_key), ("targetFolderId", fid)):
        if not isinstance(value, str):
            raise errors.bad_request("'%s' must be a string" % name)
    target_project = ctx.instance.projects.get(target_key)
    if target_project is None or "write" not in target_project.permission_levels(ctx.user, ctx.is_admin):
        raise errors.project_unreadable(target_key)
    if fid not in target_project.folders:
        raise errors.not_found("Managed folder %s.%s does not exist" % (target_key, fid))
    mode = body.get("writeMode") or "OVERWRITE"
    if mode not in ("OVERWRITE", "APPEND"):
        raise errors.bad_request("Unknown write mode %r (expected OVERWRITE or APPEND)" % mode)
    snapshot = dict(source)     # the target may be the source itself: OVERWRITE must not empty it first
    target = target_project.folder_files.setdefault(fid, {})
    if mode == "OVERWRITE":
        target.clear()
    for path, entry in snapshot.items():
        target[path] = {"data": entry["data"], "lastModified": now_ms()}
    ctx.other_projects.add(target_key)
    return copy.deepcopy(ctx.instance.add_future({"copiedFiles": len(snapshot)}, ctx.login))
