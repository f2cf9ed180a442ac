"""Export a project to YAML inside DSS (the "Export project to YAML" macro).

Why here and not in ``runnable.py``: the entry point only runs inside DSS, so it stays thin and
this is tested against the emulator. The import is the CLI's (``importer``); the files it renders
are written into a managed folder of the project, the one chosen, else the one named (found, or
created on the default folder connection). Files already there are replaced; others are kept.
"""
import html
from typing import Any, Dict, List, Optional

from ..sources.folder import FolderNotFound, resolve_folder
from .scope import acting_on, target_from_config

DEFAULT_FOLDER_NAME = "project_yaml"


def export_params_from_config(config: Optional[Dict[str, Any]]) -> Dict[str, Any]:
    """Keyword arguments for ``export_to_folder`` from the macro's parameters (DSS may leave them out)."""
    config = config or {}
    include = [k.strip() for k in str(config.get("include") or "").split(",") if k.strip()] or None
    return {"folder_ref": config.get("folder") or None,
            "folder_name": str(config.get("folder_name") or DEFAULT_FOLDER_NAME).strip() or DEFAULT_FOLDER_NAME,
            "path": str(config.get("path") or "").strip().strip("/"), "include": include,
            "split": bool(config.get("split")), "target": target_from_config(config)}


class ExportReport(object):
    """What the macro did: the import (``imported``), the folder written and the files in it."""

    def __init__(self, imported: Any, folder: Dict[str, Any], created: bool, files: List[str]) -> None:
        self.imported, self.folder, self.created, self.files = imported, folder, created, files

    def html(self) -> str:
        from ..importer import summary_lines
        lines = summary_lines(self.imported, [])
        where = "%s managed folder '%s' (id %s)" % ("new" if self.created else "", self.folder.get("name"),
                                                   self.folder.get("id"))
        items = "".join("<li><code>%s</code></li>" % html.escape(f) for f in self.files)
        return ('<div class="dkf-export"><h1>%s</h1><p>Written to the %s:</p><ul>%s</ul><pre>%s</pre></div>'
                % (html.escape(lines[0]), html.escape(where.replace("  ", " ").strip()), items,
                   html.escape("\n".join(lines[1:]) or "Nothing was left out.")))


def export_to_folder(client: Any, project_key: str, folder_ref: Optional[str] = None,
                     folder_name: str = DEFAULT_FOLDER_NAME, path: str = "", include: Optional[List[str]] = None,
                     split: bool = False, target: Optional[str] = None) -> ExportReport:
    """Import ``project_key`` (or ``target``, the "Target project" parameter, which the caller must
    administer) and write its files into a managed folder of ``project_key``.

    ``folder_ref`` (an id or a name) must exist; without it the folder called ``folder_name`` is
    used, or created. ``path``: a sub-folder of it. Raises ``sources.FolderError`` for an unknown
    ``folder_ref``, ``DSSConnectionError`` for an unusable connection."""
    from ..importer import import_project, render
    imported = import_project(client, acting_on(client, project_key, target, "export"), include)
    project = client.get_project(project_key)
    folder, created = _folder(project, folder_ref, folder_name)
    handle = project.get_managed_folder(folder["id"])
    written = []
    for rel, text in render(imported, split=True if split else None).items():
        target = "/".join(p for p in (path, rel) if p)
        handle.put_file(target, text.encode("utf-8"))
        written.append(target)
    return ExportReport(imported, folder, created, written)


def _folder(project: Any, folder_ref: Optional[str], folder_name: str) -> Any:
    """(listing entry, created?) of the folder to write into."""
    if folder_ref:
        return resolve_folder(project, folder_ref), False
    try:
        return resolve_folder(project, folder_name), False
    except FolderNotFound:
        handle = project.create_managed_folder(folder_name)
        return {"id": handle.id, "name": folder_name}, True
