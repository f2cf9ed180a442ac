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
import threading
from typing import Any, Callable, Dict, Iterable, List, Optional

from ..dss import bootstrap, translate
from .base import DEFAULT_ZONE_ID, Context, paired

DEFAULT_ZONE_COLOR = "#2ab1ac"


class ApplyContext(Context):
    """The plan's context plus what writing needs: the project handle and the id tables that
    creations extend (a folder or scenario created in this apply is referred to by its new id)."""

    def __init__(self, client: Any, project_key: str, snapshot: Any, connection_types: Optional[Dict[str, Any]],
                 config: Any, call: Callable[..., Any]) -> None:
        super().__init__(project_key, snapshot, connection_types, config)
        self.client = client
        self.project = client.get_project(project_key)
        self.call = call
        self.lock = threading.Lock()
        self.folder_ids = {name: f.get("id") for name, f in snapshot.folders.items()}
        self.scenario_ids = dict(snapshot.scenario_ids)
        self.zone_ids = {z.get("name"): z.get("id") for z in snapshot.zones}
        #: settings objects read by ``fetch(keep=True)``, used once by the next ``save`` of that object
        #: (a creation reads the new object once, not twice: once to compare, once to modify)
        self.kept = {}  # type: Dict[Any, Any]

    def learn(self, table: str, name: str, object_id: str) -> None:
        """Record the id DSS gave an object created in this apply (thread-safe)."""
        with self.lock:
            getattr(self, table)[name] = object_id
            if table == "folder_ids":
                self.folder_names[object_id] = name
            elif table == "scenario_ids":
                self.scenario_names[object_id] = name


#: keys that name a list element (a column, a partition dimension, a named trigger or step)
IDENTITY_KEYS = ("name", "ref")


def merge_into(raw: Any, want: Any, replace: bool = False) -> Any:
    """``want`` written over ``raw``: mappings merge key by key (DSS's other keys stay); in a list of
    mappings, an element merges with the DSS element it stands for (``base.paired``: the one of the
    same name, so a column keeps its own DSS keys when another is added before it; an unnamed one
    by position and type); anything else is replaced."""
    if replace:
        return want
    if isinstance(want, dict) and isinstance(raw, dict):
        out = dict(raw)
        for key, value in want.items():
            out[key] = merge_into(raw.get(key), value)
        return out
    if isinstance(want, list) and isinstance(raw, list):
        return [merge_into(held, w) if isinstance(held, dict) and isinstance(w, dict) else w
                for w, held in zip(want, paired(want, raw))]
    return want


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


class AmbiguousName(ValueError):
    """DSS has several objects of a kind filed by id (scenarios, folders) under the one name the
    configuration uses: which one it means cannot be told, so none is picked."""


def _known(ctx: ApplyContext, table: str, name: str, listing: Callable[[], Any]) -> bool:
    """Whether DSS has the object DSS files by id (folders, scenarios) that the config calls ``name``;
    its id is learnt from the listing (one read) when this apply does not know it yet.
    ``AmbiguousName`` when DSS has two or more of that name (DSS allows it): never pick one."""
    if name in getattr(ctx, table):
        return True
    found = id_named(ctx.call(listing) or [], name, "scenarios" if table == "scenario_ids" else "managed folders")
    if found is None:
        return False
    ctx.learn(table, name, found)
    return True


def id_named(objects: Iterable[Dict[str, Any]], name: str, kind: str = "objects") -> Optional[str]:
    """The id of the one listed object called ``name`` (None when there is none); ``AmbiguousName``
    naming every id when DSS has several (it allows several scenarios of one name)."""
    ids = [o.get("id") for o in objects if (o.get("name") or o.get("id")) == name]
    if len(ids) > 1:
        raise AmbiguousName("DSS has %d %s named %r (ids %s): which one the configuration means cannot be "
                            "told; delete or rename the extra ones in DSS, then plan again"
                            % (len(ids), kind, name, ", ".join(sorted(str(i) for i in ids))))
    return ids[0] if ids else None


def move_to_zone(ctx: ApplyContext, object_type: str, handle: Any, zone: Optional[str]) -> int:
    """Put a flow item in ``zone`` (``default`` or None: the default zone); one write. DSS answers
    with the zone, whose items must now hold the object (else the move is reported as not kept)."""
    zone_id = DEFAULT_ZONE_ID if not zone or zone == DEFAULT_ZONE_ID else ctx.zone_ids.get(zone)
    if zone_id is None:
        raise ValueError("flow zone %r does not exist in DSS" % zone)
    flow = ctx.project.get_flow()
    target = ctx.call(lambda: flow.get_zone(zone_id))
    ctx.call(lambda: target.add_item(handle))
    object_id = getattr(handle, "id", None) or getattr(handle, "dataset_name", None) or \
        getattr(handle, "recipe_name", None) or getattr(handle, "name", None)
    items = (getattr(target, "_raw", None) or {}).get("items")
    if items is not None and not any(i.get("objectId") == object_id for i in items):
        raise ValueError("DSS did not keep zone: the object is not among zone %s's items after the move" % zone)
    with ctx.lock:
        ctx.zone_of[(object_type, object_id)] = zone if zone_id != DEFAULT_ZONE_ID else None
    return 1


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


WRITERS = {w.kind: w for w in (ProjectWriter(), VariablesWriter(), ZoneWriter(), FolderWriter(), DatasetWriter(),
                               RecipeWriter(), ScenarioWriter())}  # type: Dict[str, Writer]
