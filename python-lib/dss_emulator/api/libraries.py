"""Project libraries (``lib/`` of the project: ``/python/...``, ``/R/...``).

Files are configuration (versioned in project git as ``lib/<path>``); folders exist on their own
(``Project.library_dirs``) so empty ones show in the tree, as in DSS. Paths arrive from the greedy
``{path*}`` segment normalised to one leading ``/`` (``contents//python/mod.py`` and
``contents/x.py`` name ``/python/mod.py`` and ``/x.py``).
"""
import base64

from .. import errors
from ..routing import route
from .projects import project_of

BASE = "/projects/{projectKey}/libraries"


def _clean(path):
    """A normalised absolute library path; refuses ``..`` and empty names."""
    if not isinstance(path, str):
        raise errors.bad_request("A library path must be a string")
    parts = [p for p in path.strip().split("/") if p not in ("", ".")]
    if not parts or ".." in parts:
        raise errors.bad_request("Invalid library path %r" % path)
    return "/" + "/".join(parts)


def _parent(path):
    return path.rsplit("/", 1)[0] or "/"


def _add_dirs(project, path):
    """Create ``path`` and its parents as folders."""
    while path and path != "/":
        project.library_dirs.add(path)
        path = _parent(path)


def _under(path, prefix):
    return path == prefix or path.startswith(prefix + "/")


def _tree(project, folder):
    """Children of ``folder`` in the shape the client builds its tree from (folders have
    ``children``, files have none), folders first, each group sorted by name."""
    dirs = sorted(d for d in project.library_dirs if _parent(d) == folder and d != folder)
    files = sorted(f for f in project.library if _parent(f) == folder)
    return ([{"name": d.rsplit("/", 1)[1], "path": d, "children": _tree(project, d)} for d in dirs]
            + [{"name": f.rsplit("/", 1)[1], "path": f} for f in files])


def _exists(project, path):
    return path in project.library or path in project.library_dirs


@route("GET", BASE + "/contents", perm="read")
def get_tree(ctx, projectKey):
    return _tree(project_of(ctx, projectKey), "/")


@route("GET", BASE + "/contents/{path*}", perm="read")
def read_file(ctx, projectKey, path):
    """``{"data": text}``, base64 when ``dataEncoding=base64``; a missing file is a 404 (the
    client's ``add_file`` relies on it to know the name is free)."""
    p = project_of(ctx, projectKey)
    path = _clean(path)
    if path not in p.library:
        if path in p.library_dirs:
            raise errors.bad_request("%s is a folder, not a file" % path)
        raise errors.not_found("Library file %s does not exist in project %s" % (path, projectKey))
    text = p.library[path]
    if (ctx.q("dataEncoding") or "").lower() == "base64":
        return {"data": base64.b64encode(text.encode("utf-8")).decode("ascii")}
    return {"data": text}


@route("POST", BASE + "/contents/{path*}", perm="write", git="Updated library file {path}")
def write_file(ctx, projectKey, path):
    """The body is the raw file text (empty for a new file); parent folders are created."""
    p = project_of(ctx, projectKey)
    path = _clean(path)
    if path in p.library_dirs:
        raise errors.bad_request("%s is a folder, not a file" % path)
    try:
        text = ctx.body.decode("utf-8")
    except UnicodeDecodeError:
        raise errors.bad_request("Library files must be UTF-8 text")
    _add_dirs(p, _parent(path))
    p.library[path] = text
    ctx.touch("library", path)
    return {}


@route("POST", BASE + "/folders/{path*}", perm="write", git="Created library folder {path}")
def add_folder(ctx, projectKey, path):
    p = project_of(ctx, projectKey)
    path = _clean(path)
    if path in p.library:
        raise errors.already_exists("A library file %s already exists" % path)
    _add_dirs(p, path)
    return {}


@route("DELETE", BASE + "/contents/{path*}", perm="write", git="Deleted library item {path}")
def delete_item(ctx, projectKey, path):
    """A file, or a folder with everything under it."""
    p = project_of(ctx, projectKey)
    path = _clean(path)
    if not _exists(p, path):
        raise errors.not_found("Library item %s does not exist in project %s" % (path, projectKey))
    remove_tree(ctx, p, path)
    return {}


def remove_tree(ctx, project, path):
    """Delete library item ``path`` (a file, or a folder with everything under it)."""
    for f in [f for f in project.library if _under(f, path)]:
        del project.library[f]
        ctx.touch("library", f)
    project.library_dirs = {d for d in project.library_dirs if not _under(d, path)}


def _move(ctx, project, old, new):
    """Move a file or folder (with its content) from ``old`` to ``new``."""
    if _exists(project, new):
        raise errors.already_exists("Library item %s already exists" % new)
    if _under(new, old):
        raise errors.bad_request("Cannot move %s into itself" % old)
    for f in [f for f in project.library if _under(f, old)]:
        target = new + f[len(old):]
        project.library[target] = project.library.pop(f)
        ctx.touch("library", f)
        ctx.touch("library", target)
    moved = {d for d in project.library_dirs if _under(d, old)}
    project.library_dirs = (project.library_dirs - moved) | {new + d[len(old):] for d in moved}
    _add_dirs(project, _parent(new))


@route("POST", BASE + "/contents-actions/rename", perm="write", git="Renamed library item")
def rename_item(ctx, projectKey):
    """``{oldPath, newName}``: a new name in the same folder."""
    p = project_of(ctx, projectKey)
    body = ctx.json_object()
    old = _clean(body.get("oldPath"))
    name = body.get("newName")
    if not isinstance(name, str) or not name.strip() or "/" in name or name.strip() in (".", ".."):
        raise errors.bad_request("Invalid new name %r" % (name,))
    if not _exists(p, old):
        raise errors.not_found("Library item %s does not exist in project %s" % (old, projectKey))
    _move(ctx, p, old, _clean(_parent(old) + "/" + name.strip()))
    return {}


@route("POST", BASE + "/contents-actions/move", perm="write", git="Moved library item")
def move_item(ctx, projectKey):
    """``{oldPath, newPath}``: ``newPath`` is the destination folder (``/`` for the root)."""
    p = project_of(ctx, projectKey)
    body = ctx.json_object()
    old = _clean(body.get("oldPath"))
    dest = body.get("newPath")
    if not isinstance(dest, str):
        raise errors.bad_request("'newPath' must be a folder path")
    dest = "/" if dest.strip() in ("", "/") else _clean(dest)
    if not _exists(p, old):
        raise errors.not_found("Library item %s does not exist in project %s" % (old, projectKey))
    if dest != "/" and dest not in p.library_dirs:
        raise errors.not_found("Library folder %s does not exist in project %s" % (dest, projectKey))
    _move(ctx, p, old, (dest.rstrip("/") + "/" + old.rsplit("/", 1)[1]))
    return {}
