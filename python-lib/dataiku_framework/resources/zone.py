"""Flow zones: looked up by name (DSS gives each zone a random id, see the DSS facts)."""
from typing import Any, Dict, List, Optional, Tuple

from .base import DEFAULT_ZONE_ID, drop_none
from .kind import Kind


class ZoneResource(Kind):
    # -- declarations (issue 17: the registry derives the rest from these)
    section = ("zones",)
    include_names = ("zones", "zone")
    list_calls = {"zones": lambda client, project: [z.get_settings().get_raw()
                                                    for z in project.get_flow().list_zones()]}
    listed_unmanaged = True
    delete_order = 50
    git_paths = (("zones", True),)
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
        from ..importer import convert
        return convert.zone(dict(form, name=name))
