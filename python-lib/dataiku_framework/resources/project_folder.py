"""Which DSS project folder the project lives in (``project.folder``: a path from the root, ``/`` = root).

Why a kind of its own: DSS files a project in one folder of the instance's project-folder tree; the
configuration names it by path (``/Team/Sales``), DSS by folder id. Read only when the configuration
sets ``folder`` (nothing is requested otherwise): the folder holding the project
(``DSSProject.get_project_folder``) and its path (``DSSProjectFolder.get_path``, one read per
parent level). Apply creates the missing folders along the path (``create_sub_folder``) and moves
the project there (``DSSProject.move_to_folder``). Never deleted: removing ``folder`` stops managing
it, and the project stays where it is.
"""
from typing import Any, Dict, List, Optional, Tuple

from .kind import ApplyContext, Kind

ROOT = "/"
NAME = "project_folder"


def parts(path: str) -> List[str]:
    """``/Team/Sales`` -> ``["Team", "Sales"]``; the root is ``[]``."""
    return [p for p in (path or "").split("/") if p]


def normalised(path: str) -> str:
    """The one spelling of a path: ``/`` for the root, else ``/A/B`` (no trailing slash)."""
    return "/" + "/".join(parts(path))


def locate(project: Any) -> Dict[str, Any]:
    """The path of the folder holding ``project`` (1 read + 1 per parent level): ``{"path": ...}``."""
    return {"path": normalised(project.get_project_folder().get_path())}


def _child(folder: Any, name: str) -> Optional[Any]:
    """The child folder of ``folder`` called ``name`` (None when there is none). Several of that
    name cannot be told apart: an error naming them, never a pick."""
    found = [f for f in folder.list_child_folders() if f.get_name() == name]
    if len(found) > 1:
        raise ValueError("DSS has %d project folders named %r under %s (ids %s): which one project.folder means "
                         "cannot be told; rename or delete the extra ones in DSS, then apply again"
                         % (len(found), name, folder.get_path(), ", ".join(sorted(f.id for f in found))))
    return found[0] if found else None


def ensure_folder(ctx: ApplyContext, path: str) -> Tuple[Any, int]:
    """(the folder at ``path``, write requests sent): each missing folder along it is created."""
    folder = ctx.call(ctx.client.get_root_project_folder)
    sent = 0
    for name in parts(path):
        found = ctx.call(lambda: _child(folder, name))
        if found is None:
            found = ctx.call(lambda: folder.create_sub_folder(name))
            sent += 1
        folder = found
    return folder, sent


class ProjectFolderKind(Kind):
    # -- declarations (issue 17: the registry derives the rest from these)
    kind = "project_folder"
    definition = None  # a field of ``$defs.Project`` (``folder``), not a definition of its own
    section = ("project", "folder")
    singleton = True
    include_names = ("project_folder",)
    #: read once per configured object (``detail``), so only when ``project.folder`` is set
    detailed = True
    list_calls = {}  # no list call: nothing is read when the config leaves ``folder`` out

    # -- config
    def configured(self, config: Any) -> List[Tuple[str, Any]]:
        """Managed only when the config sets ``project.folder``."""
        folder = getattr(config.project, "folder", None)
        return [(NAME, folder)] if folder else []

    def desired(self, folder: Any, ctx: Any) -> Dict[str, Any]:
        return {"path": normalised(folder)}

    def created_fields(self, folder: Any) -> List[Dict[str, Any]]:
        return [{"path": "folder", "before": None, "after": normalised(folder)}]

    def depends_on(self, folder: Any, ctx: Any) -> List[str]:
        return ["project"]

    def config_form(self, form: Dict[str, Any], name: str, obj: Any = None) -> Optional[Dict[str, Any]]:
        """The one field in the configuration's terms: ``{"folder": path}`` (the inverse of ``desired``)."""
        return {"folder": form.get("path")} if isinstance(form, dict) and "path" in form else None

    def config_path(self, path: Any, obj: Any = None) -> str:
        """The one field, in the config's terms (``project.folder``, shown as ``folder``)."""
        return "folder"

    # -- read
    def detail(self, project: Any, name: str, snap: Any) -> Any:
        """The folder holding the project; DSS's refusal (a project not created yet) as a value,
        which ``read`` ignores for a project the refresh found missing."""
        from dataikuapi.utils import DataikuException
        try:
            return locate(project)
        except DataikuException as error:
            if "UnauthorizedException" in str(error) or "NotFoundException" in str(error):
                return error
            raise

    def read(self, snapshot: Any) -> Dict[str, Dict[str, Any]]:
        """``{"project_folder": {"path": ...}}`` when the project exists and its folder was read."""
        found = (getattr(snapshot, "slots", None) or {}).get(self.kind) or (snapshot.extra or {}).get(self.kind) or {}
        live = found.get(NAME) if isinstance(found, dict) else None
        if not snapshot.exists or live is None:
            return {}
        if isinstance(live, Exception):
            raise live
        return {NAME: live}

    def listed(self, snap: Any, live: Optional[Dict[str, Any]] = None) -> List[str]:
        return []

    # -- write
    def fetch(self, ctx: ApplyContext, name: str, keep: bool = False) -> Optional[Dict[str, Any]]:
        return ctx.call(lambda: locate(ctx.project))

    def create(self, ctx: ApplyContext, name: str, obj: Any, desired: Dict[str, Any]) -> None:
        """The project is always in some folder: placing it is the write that follows."""

    def write(self, ctx: ApplyContext, name: str, obj: Any, desired: Dict[str, Any], keys: Any) -> int:
        """Create the missing folders along the path, then move the project there."""
        folder, sent = ensure_folder(ctx, desired["path"])
        ctx.call(lambda: ctx.project.move_to_folder(folder))
        return sent + 1

    def delete(self, ctx: ApplyContext, name: str, drop_data: bool) -> None:
        raise ValueError("a project folder placement is not deleted; remove project.folder to stop managing it")

    # -- inverse (import)
    def to_config(self, snap: Any, ictx: Any) -> List[Tuple[str, Any]]:
        """The path (what ``project.folder`` holds); nothing for the root, DSS's default place."""
        return [(NAME, live["path"]) for live in self.read(snap).values() if normalised(live["path"]) != ROOT]
