"""Managed folders: named by the config, identified by a random id in DSS (looked up by name)."""
from typing import Any, Dict, List, Optional, Tuple

from ..dss import translate
from .kind import Kind


class ManagedFolderResource(Kind):
    # -- declarations (issue 17: the registry derives the rest from these)
    section = ("managed_folders",)
    include_names = ("managed_folders", "managed_folder", "folders", "folder")
    list_calls = {"folders": lambda client, project: project.list_managed_folders()}
    listed_unmanaged = True
    delete_order = 40
    keeps_data = True
    zone_type = "MANAGED_FOLDER"
    git_paths = (("managed_folders", True),)
    kind = "managed_folder"
    definition = "ManagedFolder"
    set_paths = (("tags",),)
    live_defaults = {("description",): "", ("tags",): []}
    path_map = ((("params", "connection"), ("connection",)), (("params", "path"), ("path",)))

    def configured(self, config: Any) -> List[Tuple[str, Any]]:
        return [(mf.name, mf) for mf in config.managed_folders]

    def desired(self, mf: Any, ctx: Any) -> Dict[str, Any]:
        """The connection defaults to the one the create path uses, which is also DSS's default."""
        out = {"params": translate.folder_params(mf)}  # type: Dict[str, Any]
        if mf.type:
            out["type"] = mf.type
        if mf.tags is not None:
            out["tags"] = sorted(mf.tags)
        if mf.description is not None:
            out["description"] = mf.description
        if mf.zone:
            out["zone"] = mf.zone
        return out

    def depends_on(self, mf: Any, ctx: Any) -> List[str]:
        return ["zone.%s" % mf.zone] if mf.zone else []

    def read(self, snapshot: Any) -> Dict[str, Dict[str, Any]]:
        return snapshot.folders

    def live_form(self, live: Dict[str, Any], ctx: Any, desired: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
        out = dict(live)
        out["zone"] = ctx.zone("MANAGED_FOLDER", live.get("id"))
        return out

    def config_path(self, path, obj):
        if path[:2] == ("params", "path") and "path" in (obj.params or {}):
            return "params.path"
        return Kind.config_path(self, path, obj)

    def config_form(self, form: Dict[str, Any], name: str, obj: Any = None) -> Optional[Dict[str, Any]]:
        from ..importer import convert
        zone = form.get("zone")
        return convert.folder(dict(form, name=name), None if zone in (None, translate.DEFAULT_ZONE) else zone)
