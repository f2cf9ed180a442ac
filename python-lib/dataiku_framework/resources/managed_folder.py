"""Managed folders: named by the config, identified by a random id in DSS (looked up by name).

The whole kind lives here (issue 17 §1): forward params, the DSS defaults an import leaves out,
the inverse, the comparison tables and the writes."""
from typing import Any, Dict, Iterable, List, Optional, Tuple

from .base import DEFAULT_ZONE_ID
from .inverse import check_name, described, given, strip
from .kind import Kind, Writes, described_form, each_converted, known_by_listing, zone_lookup

#: the connection of a managed folder that names none (DSS's default too)
DEFAULT_CONNECTION = "filesystem_folders"
DEFAULT_FOLDER_CONNECTION = DEFAULT_CONNECTION  # the name ``dss.translate`` used
#: managed folder ``params`` DSS fills in by itself (an import leaves them out)
DSS_PARAMS = {"notReadyIfEmpty": False,
              "filesSelectionRules": {"mode": "ALL", "excludeRules": [], "includeRules": [], "explicitFiles": []},
              "path": "${projectKey}/${odbId}"}


def folder_params(mf: Any) -> Dict[str, Any]:
    """A managed folder's DSS ``params``: its connection (default ``filesystem_folders``), path and raw params."""
    params = {"connection": mf.connection or DEFAULT_CONNECTION}  # type: Dict[str, Any]
    if mf.path:
        params["path"] = mf.path
    params.update(mf.params or {})
    return params


def to_config_doc(raw: Dict[str, Any], zone_name: Optional[str]) -> Dict[str, Any]:
    """The configuration document standing for the live folder ``raw`` (``LeftOut`` when none)."""
    out = {"name": check_name(raw.get("name"))}  # type: Dict[str, Any]
    if raw.get("type") and raw["type"] != "Filesystem":
        out["type"] = raw["type"]
    params = dict(raw.get("params") or {})
    connection = params.pop("connection", None)
    if connection and connection != DEFAULT_CONNECTION:
        out["connection"] = connection
    params = strip(params, DSS_PARAMS)
    given(out, "path", params.pop("path", None))
    described(out, raw, short=False)
    given(out, "zone", zone_name)
    given(out, "params", params)
    return out


class ManagedFolderResource(Writes, Kind):
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
        out = {"params": folder_params(mf)}  # type: Dict[str, Any]
        if mf.type:
            out["type"] = mf.type
        described_form(out, mf, short=False)
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

    def config_form(self, form: Dict[str, Any], name: str, obj: Any = None) -> Optional[Dict[str, Any]]:
        zone = form.get("zone")
        return to_config_doc(dict(form, name=name), None if zone in (None, DEFAULT_ZONE_ID) else zone)

    # -- inverse (import)
    def to_config(self, snap: Any, ictx: Any) -> Iterable[Tuple[str, Any]]:
        """(name, document or ``LeftOut``) per live folder, in its zone when the import context knows it."""
        zone_of = zone_lookup(ictx)
        return each_converted(self.read(snap), lambda name, live: to_config_doc(live, zone_of("MANAGED_FOLDER", live.get("id"))))

    # -- write (apply): DSS files folders by id; the config names them
    def handle(self, ctx: Any, name: str) -> Any:
        return ctx.project.get_managed_folder(ctx.folder_ids[name])

    def object_id(self, ctx: Any, name: str) -> str:
        """DSS files a managed folder by the id it made at creation (the snapshot's or the create's)."""
        return ctx.folder_ids[name]

    def fetch(self, ctx: Any, name: str, keep: bool = False) -> Optional[Dict[str, Any]]:
        if not known_by_listing(ctx, "folder_ids", name, ctx.project.list_managed_folders):
            return None
        return Writes.fetch(self, ctx, name, keep)

    def create(self, ctx: Any, name: str, obj: Any, desired: Dict[str, Any]) -> None:
        params = desired["params"]
        folder = ctx.project.create_managed_folder(name, folder_type=desired.get("type"),
                                                   connection_name=params.get("connection"))
        ctx.learn("folder_ids", name, folder.id)

    def delete(self, ctx: Any, name: str, drop_data: bool) -> None:
        self.handle(ctx, name).delete(drop_data=drop_data)
