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
from typing import Any, Dict, Iterable, List, Optional

from ..dss import bootstrap, translate
from . import registry
from .kind import (IDENTITY_KEYS, AmbiguousName, ApplyContext, id_named, kept_settings,  # noqa: F401 (re-exported)
                   known_by_listing, merge_into, move_to_zone)

_known = known_by_listing  # the name writers used before kind.py

DEFAULT_ZONE_COLOR = "#2ab1ac"


class Writer(object):
    """One kind's writes. ``keys`` are the top-level keys of the desired form to write."""

    kind = ""
    replace_keys = frozenset()  # type: frozenset   # keys the config owns whole (no merge)
    zone_type = None  # type: Optional[str]         # the flow item type, for kinds placed in zones

    def fetch(self, ctx: ApplyContext, name: str, keep: bool = False) -> Optional[Dict[str, Any]]:
        """The object's live JSON in the snapshot's shape, None when DSS does not have it; ``keep``:
        the settings read are kept for the ``save`` that follows."""
        settings = self.settings(ctx, name, keep)
        return None if settings is None else settings.get_raw()

    def create(self, ctx: ApplyContext, name: str, obj: Any, desired: Dict[str, Any]) -> None:
        """Send the creation request (only that: settings follow through ``write``)."""
        raise NotImplementedError

    def write(self, ctx: ApplyContext, name: str, obj: Any, desired: Dict[str, Any], keys: Iterable[str]) -> int:
        """Write ``keys`` of ``desired``; the number of write requests sent."""
        keys = set(keys)
        sent = 0
        own = [k for k in sorted(keys) if k != "zone" and k in desired]
        if own:
            sent += self.save(ctx, name, obj, desired, own)
        if "zone" in keys and self.zone_type:
            sent += move_to_zone(ctx, self.zone_type, self.handle(ctx, name), desired.get("zone"))
        return sent

    def settings(self, ctx: ApplyContext, name: str, keep: bool = False) -> Any:
        """The object's settings (``dataikuapi``'s settings object; None when DSS does not have it):
        the one ``fetch(keep=True)`` kept, else read now."""
        return kept_settings(ctx, self.kind, name, lambda: self.handle(ctx, name).get_settings(), keep)

    def save(self, ctx: ApplyContext, name: str, obj: Any, desired: Dict[str, Any], keys: List[str]) -> int:
        """Read the settings, set ``keys``, save them: one write."""
        settings = self.settings(ctx, name)
        raw = settings.get_raw()
        for key in keys:
            raw[key] = merge_into(raw.get(key), self.to_dss(ctx, obj, desired, key), key in self.replace_keys)
        ctx.call(settings.save)
        return 1

    def to_dss(self, ctx: ApplyContext, obj: Any, desired: Dict[str, Any], key: str) -> Any:
        """The DSS value of ``key`` (the desired form names objects; DSS may want ids)."""
        return desired[key]

    def handle(self, ctx: ApplyContext, name: str) -> Any:
        raise NotImplementedError

    def delete(self, ctx: ApplyContext, name: str, drop_data: bool) -> None:
        self.handle(ctx, name).delete()


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


class FolderWriter(Writer):
    kind = "managed_folder"
    zone_type = "MANAGED_FOLDER"

    def handle(self, ctx: ApplyContext, name: str) -> Any:
        return ctx.project.get_managed_folder(ctx.folder_ids[name])

    def fetch(self, ctx: ApplyContext, name: str, keep: bool = False) -> Optional[Dict[str, Any]]:
        if not _known(ctx, "folder_ids", name, ctx.project.list_managed_folders):
            return None
        return Writer.fetch(self, ctx, name, keep)

    def create(self, ctx: ApplyContext, name: str, obj: Any, desired: Dict[str, Any]) -> None:
        params = desired["params"]
        folder = ctx.project.create_managed_folder(name, folder_type=desired.get("type"),
                                                   connection_name=params.get("connection"))
        ctx.learn("folder_ids", name, folder.id)

    def delete(self, ctx: ApplyContext, name: str, drop_data: bool) -> None:
        self.handle(ctx, name).delete(drop_data=drop_data)


class DatasetWriter(Writer):
    kind = "dataset"
    zone_type = "DATASET"

    def handle(self, ctx: ApplyContext, name: str) -> Any:
        return ctx.project.get_dataset(name)

    def create(self, ctx: ApplyContext, name: str, obj: Any, desired: Dict[str, Any]) -> None:
        bootstrap.new_dataset(ctx.project, obj, translate.dataset_definition(obj, ctx.project_key))

    def delete(self, ctx: ApplyContext, name: str, drop_data: bool) -> None:
        self.handle(ctx, name).delete(drop_data=drop_data)


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
