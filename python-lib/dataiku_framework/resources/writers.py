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
from .kind import (IDENTITY_KEYS, AmbiguousName, ApplyContext, id_named, known_by_listing,  # noqa: F401 (re-exported)
                   merge_into, move_to_zone)

from .project import create_project  # noqa: F401 (moved to the project kind; apply.run imports it from here)

_known = known_by_listing  # the name writers used before kind.py


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
        with ctx.lock:
            held = ctx.kept.pop((self.kind, name), None)
        if held is None:
            held = ctx.call(lambda: self.handle(ctx, name).get_settings())
        if keep and held is not None:
            with ctx.lock:
                ctx.kept[(self.kind, name)] = held
        return held

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


#: kind -> its writer: a Kind is its own writer (its write methods delegate to the classes above
#: until its module implements them)
WRITERS = {k.kind: k for k in registry.kinds()}  # type: Dict[str, Any]
