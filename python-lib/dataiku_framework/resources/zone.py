"""Flow zones: looked up by name (DSS gives each zone a random id, see the DSS facts)."""
from typing import Any, Dict, List, Optional, Tuple

from .base import DEFAULT_ZONE_ID, drop_none
from .inverse import LeftOut, check_name
from .kind import ApplyContext, Kind, Writes, each_converted

#: the colour DSS and the create path give a zone that names none (an import leaves it out)
DEFAULT_COLOR = "#2ab1ac"
#: DSS's default zone as a project export stands for it (exports leave it out of ``zones/``)
EXPORT_DEFAULT_ZONE = {"id": DEFAULT_ZONE_ID, "name": "Default", "color": DEFAULT_COLOR}


class ZoneResource(Writes, Kind):
    # -- declarations (issue 17: the registry derives the rest from these)
    section = ("zones",)
    include_names = ("zones", "zone")
    list_calls = {"zones": lambda client, project: [z.get_settings().get_raw()
                                                    for z in project.get_flow().list_zones()]}
    listed_unmanaged = True
    delete_order = 50
    git_paths = (("zones", True),)
    referred_by = "zone"
    kind = "zone"
    definition = "Zone"

    def configured(self, config: Any) -> List[Tuple[str, Any]]:
        return [(zc.name, zc) for zc in config.zones]

    def desired(self, zc: Any, ctx: Any) -> Dict[str, Any]:
        """Name and colour; a colour left unset is DSS's (or the create path's) choice."""
        return drop_none({"name": zc.name, "color": zc.color})

    def read(self, snapshot: Any) -> Dict[str, Dict[str, Any]]:
        return {z.get("name"): z for z in snapshot.zones if z.get("id") != DEFAULT_ZONE_ID}

    def config_form(self, form: Dict[str, Any], name: str, obj: Any = None) -> Optional[Dict[str, Any]]:
        return import_zone(dict(form, name=name))

    # -- inverse (import)
    def to_config(self, snap: Any, ictx: Any) -> List[Tuple[str, Any]]:
        """(name, document or ``LeftOut``) per zone DSS has (the default zone is not configured); a
        zone left out leaves its objects in the import, without it (``referred_by``)."""
        return each_converted(self.read(snap), lambda name, raw: _imported_zone(raw))

    # -- write (apply): zones are found by name (DSS gives each a random id)
    def _zone(self, ctx: ApplyContext, name: str) -> Any:
        zones = ctx.call(lambda: ctx.project.get_flow().list_zones()) or []
        for zone in zones:
            if zone.name == name:
                ctx.learn("zone_ids", name, zone.id)
                return zone
        return None

    def fetch(self, ctx: ApplyContext, name: str, keep: bool = False) -> Optional[Dict[str, Any]]:
        zone = self._zone(ctx, name)
        return None if zone is None else ctx.call(lambda: zone.get_settings().get_raw())

    def create(self, ctx: ApplyContext, name: str, obj: Any, desired: Dict[str, Any]) -> None:
        zone = ctx.project.get_flow().create_zone(name, color=desired.get("color") or DEFAULT_COLOR)
        ctx.learn("zone_ids", name, zone.id)

    def save(self, ctx: ApplyContext, name: str, obj: Any, desired: Dict[str, Any], keys: List[str]) -> int:
        zone = self._zone(ctx, name)
        settings = zone.get_settings()
        if "color" in keys:
            settings.color = desired["color"]
        if "name" in keys:
            settings.name = desired["name"]
        ctx.call(settings.save)
        return 1

    def delete(self, ctx: ApplyContext, name: str, drop_data: bool) -> None:
        zone = self._zone(ctx, name)
        if zone is not None:
            zone.delete()


def import_zone(raw: Dict[str, Any]) -> Dict[str, Any]:
    """A zone's config document: its name, and its colour unless it is the default one."""
    out = {"name": check_name(raw.get("name"))}
    if raw.get("color") and raw.get("color") != DEFAULT_COLOR:
        out["color"] = raw["color"]
    return out


def _imported_zone(raw: Dict[str, Any]) -> Dict[str, Any]:
    """``import_zone``, whose refusal says that the zone's objects are imported all the same."""
    try:
        return import_zone(raw)
    except LeftOut as why:
        raise LeftOut("%s; its objects are imported without a zone" % why)
