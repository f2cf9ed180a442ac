"""Copy a DSS managed folder to a local directory through the public ``dataikuapi`` client.

Why download instead of reading through ``dataiku.Folder``: the core must not
import ``dataiku`` (only DSS provides it), and the public REST client works the
same inside DSS (``dataiku.api_client()``), from the CLI and against the
emulator in tests. Why copy everything: ``include:`` globs and ``code_file:``
paths are resolved against the configuration's folder on disk, so the whole
tree must be there.

Paths come from DSS and are treated as untrusted: a path that is absolute
after its leading ``/`` is removed, or contains ``..``, is refused rather than
written outside ``dest_dir``.
"""

import os
import re
from typing import Any, Dict, List, NamedTuple, Optional

#: Refuse to download more than this many bytes in total (the folder should hold configuration, not data).
DEFAULT_MAX_BYTES = 64 * 1024 * 1024


#: What ``fetch_folder`` copied: the folder's DSS id and name, and the relative paths written.
FolderCopy = NamedTuple("FolderCopy", [("folder_id", str), ("name", str), ("files", List[str])])


class FolderError(ValueError):
    """A managed folder cannot be used as a configuration source; the message says why."""

    code = "plugin.source"  #: its ``errors.CATALOGUE`` code, shown in the error line and in --json


class FolderNotFound(FolderError):
    """No managed folder with this id or name in the project."""


class UnsafePath(FolderError):
    """A path listed by DSS would land outside the destination directory."""


def _describe(folders):
    # type: (List[Dict[str, Any]]) -> str
    if not folders:
        return "the project has no managed folder"
    return "existing folders: " + ", ".join("'%s' (id %s)" % (f.get("name"), f.get("id")) for f in folders)


def resolve_folder(project, folder_ref):
    # type: (Any, str) -> Dict[str, Any]
    """The listing entry (``id``, ``name``, ...) of managed folder ``folder_ref`` (an id, or a name) in ``project``.

    ``project`` is a ``dataikuapi`` ``DSSProject``.

    Why both: DSS does not document whether a MANAGED_FOLDER parameter holds the
    id or the name. An id wins over a name (ids are what DSS uses internally);
    a name must be unique; ``PROJECTKEY.id`` (the form DSS uses for foreign
    references) is accepted for the project itself.
    """
    folders = [f for f in project.list_managed_folders() if isinstance(f, dict)]
    where = "project '%s'" % project.project_key
    if not isinstance(folder_ref, str) or not folder_ref.strip():
        raise FolderNotFound("no managed folder given (%s; %s)" % (where, _describe(folders)))
    ref = folder_ref.strip()
    prefix = project.project_key + "."
    candidates = [ref] + ([ref[len(prefix):]] if ref.startswith(prefix) else [])
    for candidate in candidates:
        for folder in folders:
            if folder.get("id") == candidate:
                return folder
    for candidate in candidates:
        named = [f for f in folders if f.get("name") == candidate]
        if len(named) == 1:
            return named[0]
        if len(named) > 1:  # DSS forbids duplicate names; be explicit if it ever happens
            raise FolderNotFound("several managed folders are named '%s' in %s; use the folder id (%s)"
                                 % (candidate, where, ", ".join(f["id"] for f in named)))
    raise FolderNotFound("managed folder '%s' not found in %s (looked for an id, then a name; %s)"
                         % (ref, where, _describe(folders)))


def safe_relative_path(path):
    # type: (Any) -> str
    """The local relative path (``/`` separators) for a folder path listed by DSS, or ``UnsafePath``.

    DSS lists paths with a leading ``/`` (``/sub/a.yaml``); that slash is the
    folder root, not the filesystem root. Backslashes count as separators so
    ``..\\x`` cannot slip through on any platform.
    """
    if not isinstance(path, str):
        raise UnsafePath("invalid path in managed folder listing: %r" % (path,))
    parts = [p for p in re.split(r"[\\/]+", path) if p not in ("", ".")]
    if not parts or ".." in parts or re.match(r"^[A-Za-z]:", parts[0]) or "\0" in path:
        raise UnsafePath("refusing managed folder path %r: it must stay inside the folder" % path)
    return "/".join(parts)


def fetch_folder(client, project_key, folder_ref, dest_dir, max_bytes=DEFAULT_MAX_BYTES):
    # type: (Any, str, str, str, Optional[int]) -> FolderCopy
    """Copy every file of managed folder ``folder_ref`` of ``project_key`` into ``dest_dir``.

    ``client`` is a ``dataikuapi.DSSClient``. Returns a ``FolderCopy``: the
    folder's id and name (for messages) and the relative paths written (``/``
    separators, in DSS's listing order). Raises
    ``FolderNotFound``, ``UnsafePath``, or ``FolderError`` when the listed
    sizes exceed ``max_bytes`` (None: no limit); every path is checked before
    anything is downloaded, so a refused folder leaves ``dest_dir`` untouched.
    """
    project = client.get_project(project_key)
    entry = resolve_folder(project, folder_ref)
    folder = project.get_managed_folder(entry["id"])
    items = folder.list_contents().get("items") or []
    plan = [(item.get("path"), safe_relative_path(item.get("path"))) for item in items if isinstance(item, dict)]
    total = sum(int(item.get("size") or 0) for item in items if isinstance(item, dict))
    if max_bytes is not None and total > max_bytes:
        raise FolderError("managed folder '%s' of project '%s' holds %d bytes, more than the %d allowed for a "
                          "configuration source" % (entry.get("name"), project_key, total, max_bytes))
    root = os.path.realpath(dest_dir)
    written = []  # type: List[str]
    for remote, relative in plan:
        target = os.path.join(root, *relative.split("/"))
        if not os.path.realpath(target).startswith(root.rstrip(os.sep) + os.sep):
            raise UnsafePath("refusing managed folder path %r: it must stay inside the folder" % remote)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with folder.get_file(remote) as response:
            data = response.content
        with open(target, "wb") as handle:
            handle.write(data)
        written.append(relative)
    return FolderCopy(entry["id"], entry.get("name") or entry["id"], written)
