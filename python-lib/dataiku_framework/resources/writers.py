"""The write half of each resource kind: fetch one object, create it, write fields, delete it.

Why apart from the comparison handlers: the handlers are pure (desired vs live JSON, no client), and
plan uses only them; apply adds these writers, one per kind, all through ``dataikuapi`` public calls.

Every update is a read-modify-write of the object's own settings: the writer reads DSS's JSON, sets
only the top-level keys the plan found different (mappings merged key by key, so what the config
does not manage, UI settings included, stays as DSS has it) and saves it back: one write request per
object (plus one for a zone move). Creation is split in two: ``create`` sends only the creation
request (the one call that is not idempotent) and the settings are then written like an update, so
a creation whose answer was lost can be checked for and completed instead of sent twice.

``call`` runs an idempotent call (reads, settings saves) with retries on transient failures; a 404
reads as None (see ``plan.refresh.Reader``).
"""
from typing import Any, Dict, List, Optional

from ..dss import bootstrap, translate
from . import registry
from .kind import (IDENTITY_KEYS, AmbiguousName, ApplyContext, Writes, id_named,  # noqa: F401 (re-exported)
                   known_by_listing, merge_into, move_to_zone)

_known = known_by_listing  # the name writers used before kind.py

DEFAULT_ZONE_COLOR = "#2ab1ac"


class Writer(Writes):
    """One kind's writes (the shared bodies live in ``kind.Writes``); the legacy classes below
    remain until their kinds' modules implement their writes (issue 17)."""


class ZoneWriter(Writer):
    kind = "zone"

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
        zone = ctx.project.get_flow().create_zone(name, color=desired.get("color") or DEFAULT_ZONE_COLOR)
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


class RecipeWriter(Writer):
    kind = "recipe"
    zone_type = "RECIPE"
    replace_keys = frozenset(["inputs", "outputs"])

    def handle(self, ctx: ApplyContext, name: str) -> Any:
        return ctx.project.get_recipe(name)

    def fetch(self, ctx: ApplyContext, name: str, keep: bool = False) -> Optional[Dict[str, Any]]:
        settings = self.settings(ctx, name, keep)
        if settings is None:
            return None
        return {"recipe": settings.get_recipe_raw_definition(), "payload": settings.get_payload()}

    def create(self, ctx: ApplyContext, name: str, obj: Any, desired: Dict[str, Any]) -> None:
        bootstrap.new_recipe(ctx.project, obj, ctx.folder_ids)

    def to_dss(self, ctx: ApplyContext, obj: Any, desired: Dict[str, Any], key: str) -> Any:
        """Inputs and outputs as ``{role: {items}}`` with folders by id; each item as ``desired`` has it,
        with what ``with_unmanaged`` carried over (an input's ``deps``)."""
        if key in ("inputs", "outputs"):
            return {role: {"items": [dict(item, ref=ctx.folder_ids.get(item.get("ref"), item.get("ref")))
                                     for item in items]}
                    for role, items in desired[key].items()}
        return desired[key]

    def save(self, ctx: ApplyContext, name: str, obj: Any, desired: Dict[str, Any], keys: List[str]) -> int:
        settings = self.settings(ctx, name)
        raw = settings.get_recipe_raw_definition()
        for key in keys:
            if key == "payload":
                bootstrap.write_payload(settings, obj, desired["payload"])
            elif key in self.replace_keys:  # roles owned whole; a kept role keeps its other keys
                held = raw.get(key) or {}
                raw[key] = {role: dict(held.get(role) or {}, **block)
                            for role, block in self.to_dss(ctx, obj, desired, key).items()}
            else:
                raw[key] = merge_into(raw.get(key), self.to_dss(ctx, obj, desired, key))
        ctx.call(settings.save)
        return 1


class ScenarioWriter(Writer):
    kind = "scenario"

    def handle(self, ctx: ApplyContext, name: str) -> Any:
        return ctx.project.get_scenario(ctx.scenario_ids[name])

    def fetch(self, ctx: ApplyContext, name: str, keep: bool = False) -> Optional[Dict[str, Any]]:
        if not _known(ctx, "scenario_ids", name, ctx.project.list_scenarios):
            return None
        settings = self.settings(ctx, name, keep)
        if settings is None:
            return None
        data = settings.get_raw()
        return dict(data, script=settings.code) if data.get("type") == "custom_python" else data

    def create(self, ctx: ApplyContext, name: str, obj: Any, desired: Dict[str, Any]) -> None:
        scenario = ctx.project.create_scenario(name, desired["type"])
        ctx.learn("scenario_ids", name, scenario.id)

    def to_dss(self, ctx: ApplyContext, obj: Any, desired: Dict[str, Any], key: str) -> Any:
        """The definition with DSS ids (folders, scenarios of this project) where the desired form names them."""
        return translate.scenario_definition(obj, ctx.project_key, ctx.folder_ids, ctx.scenario_ids)[key]

    def save(self, ctx: ApplyContext, name: str, obj: Any, desired: Dict[str, Any], keys: List[str]) -> int:
        settings = self.settings(ctx, name)
        data = settings.get_raw()
        for key in keys:
            if key == "script":
                settings.code = desired["script"]
            else:
                data[key] = merge_into(data.get(key), self.to_dss(ctx, obj, desired, key))
        ctx.call(settings.save)
        return 1


METADATA_KEYS = {"name": "label", "description": "description", "shortDesc": "shortDesc", "tags": "tags"}


def create_project(client: Any, key: str, project: Any) -> None:
    """The one project-creation request (apply creates a missing project before taking its lock, which
    lives in the project; the writer creates it when planned): owner defaults to the applier."""
    owner = project.owner or (client.get_auth_info() or {}).get("authIdentifier")
    client.create_project(key, project.name or key, owner, description=project.description)


class ProjectWriter(Writer):
    kind = "project"

    def fetch(self, ctx: ApplyContext, name: str, keep: bool = False) -> Optional[Dict[str, Any]]:
        metadata = ctx.call(ctx.project.get_metadata)
        if metadata is None:
            return None
        return {"metadata": metadata, "settings": ctx.call(lambda: ctx.project.get_settings().get_raw()) or {}}

    def create(self, ctx: ApplyContext, name: str, obj: Any, desired: Dict[str, Any]) -> None:
        create_project(ctx.client, name, obj)

    def save(self, ctx: ApplyContext, name: str, obj: Any, desired: Dict[str, Any], keys: List[str]) -> int:
        sent = 0
        meta = [k for k in keys if k in METADATA_KEYS]
        if meta:
            metadata = ctx.call(ctx.project.get_metadata)
            for key in meta:
                metadata[METADATA_KEYS[key]] = desired[key]
            ctx.call(lambda: ctx.project.set_metadata(metadata))
            sent += 1
        rest = [k for k in keys if k not in METADATA_KEYS]
        if rest:
            settings = ctx.call(ctx.project.get_settings)
            raw = settings.get_raw()
            if "owner" in rest:
                raw["owner"] = desired["owner"]
            if "permissions" in rest:
                raw["permissions"] = [translate.permission_entry(p) for p in obj.permissions or []]
            if "settings" in rest:
                raw["settings"] = merge_into(raw.get("settings") or {}, desired["settings"])
            ctx.call(settings.save)
            sent += 1
        return sent

    def delete(self, ctx: ApplyContext, name: str, drop_data: bool) -> None:
        raise ValueError("dataiku-framework never deletes a project")


class VariablesWriter(Writer):
    kind = "variables"

    def fetch(self, ctx: ApplyContext, name: str, keep: bool = False) -> Optional[Dict[str, Any]]:
        return ctx.call(ctx.project.get_variables)

    def create(self, ctx: ApplyContext, name: str, obj: Any, desired: Dict[str, Any]) -> None:
        """Variables come with the project: creating them is writing them."""

    def save(self, ctx: ApplyContext, name: str, obj: Any, desired: Dict[str, Any], keys: List[str]) -> int:
        variables = ctx.call(ctx.project.get_variables) or {}
        for scope in keys:
            variables[scope] = desired[scope]
        ctx.call(lambda: ctx.project.set_variables(variables))
        return 1

    def delete(self, ctx: ApplyContext, name: str, drop_data: bool) -> None:
        raise ValueError("project variables are not deleted; remove each variable from its scope instead")


#: kind -> its writer: a Kind is its own writer (its write methods delegate to the classes above
#: until its module implements them)
WRITERS = {k.kind: k for k in registry.kinds()}  # type: Dict[str, Any]
