"""The ``Kind`` interface: everything one kind of DSS object declares and does, in one class.

Why one class per kind: adding a kind used to touch some fourteen places (refresh, compare, deletes,
writers, rollback, importer, plan schema...). A Kind declares its section, address, list calls,
delete order, git paths and comparison tables, and implements its read, write and import; the
registry (``registry.py``) derives everything else from the declarations.

Writes and the inverse are the kind module's own (``Writes`` is the shared settings-backed mix-in,
``inverse`` what every inverse shares); ``Kind``'s write methods refuse with a clear
``NotImplementedError``, its ``to_config`` imports nothing.

Also here: the apply context (``ApplyContext``) and the flow helpers every kind shares
(``merge_into``, ``known_by_listing``, ``id_named``, ``move_to_zone``), so that a kind module never
imports another kind module.
"""
import threading
from typing import Any, Callable, Dict, FrozenSet, Iterable, List, Optional, Sequence, Tuple

from .base import DEFAULT_ZONE_ID, Context, Path, Resource, format_path, paired

__all__ = ["AmbiguousName", "ApplyContext", "IDENTITY_KEYS", "Kind", "SettingsSlot", "StubKind", "Writes",
           "code_env_path", "described_form", "each_converted", "raw_param_path", "id_named", "known_by_listing", "merge_into", "move_to_zone",
           "zone_lookup"]


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
        #: held by ``settings_update``: project, code_envs and sharing all write the project settings
        self.settings_lock = threading.Lock()
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

    def settings_update(self, change: Callable[[Dict[str, Any]], Any]) -> int:
        """Read the project settings, let ``change`` edit their raw dict in place, save them: one
        write. Under ``settings_lock``, as several kinds write the one settings document and two
        read-modify-writes in parallel would lose one."""
        with self.settings_lock:
            settings = self.call(self.project.get_settings)
            change(settings.get_raw())
            self.call(settings.save)
        return 1


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


class AmbiguousName(ValueError):
    """DSS has several objects of a kind filed by id (scenarios, folders) under the one name the
    configuration uses: which one it means cannot be told, so none is picked."""

    code = "dss.ambiguous_name"  #: its ``errors.CATALOGUE`` code, shown in the error line and in --json


def known_by_listing(ctx: ApplyContext, table: str, name: str, listing: Callable[[], Any]) -> bool:
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


def kept_settings(ctx: ApplyContext, kind: str, name: str, read: Callable[[], Any], keep: bool = False) -> Any:
    """An object's settings: the ones a ``fetch(keep=True)`` kept for the ``save`` that follows, else
    ``read()`` now (through ``ctx.call``); kept again when ``keep``. One read per fetch-then-save."""
    with ctx.lock:
        held = ctx.kept.pop((kind, name), None)
    if held is None:
        held = ctx.call(read)
    if keep and held is not None:
        with ctx.lock:
            ctx.kept[(kind, name)] = held
    return held


def id_named(objects: Iterable[Dict[str, Any]], name: str, kind: str = "objects") -> Optional[str]:
    """The id of the one listed object called ``name`` (None when there is none); ``AmbiguousName``
    naming every id when DSS has several (it allows several scenarios of one name)."""
    ids = [o.get("id") for o in objects if (o.get("name") or o.get("id")) == name]
    if len(ids) > 1:
        raise AmbiguousName("DSS has %d %s named %r (ids %s): which one the configuration means cannot be "
                            "told; delete or rename the extra ones in DSS, then plan again"
                            % (len(ids), kind, name, ", ".join(sorted(str(i) for i in ids))))
    return ids[0] if ids else None


def move_to_zone(ctx: ApplyContext, object_type: str, handle: Any, object_id: str, zone: Optional[str]) -> int:
    """Put a flow item in ``zone`` (``default`` or None: the default zone); one write. DSS answers
    with the zone, whose items must now hold the object, listed by its DSS id ``object_id`` (else
    the move is reported as not kept)."""
    zone_id = DEFAULT_ZONE_ID if not zone or zone == DEFAULT_ZONE_ID else ctx.zone_ids.get(zone)
    if zone_id is None:
        raise ValueError("flow zone %r does not exist in DSS" % zone)
    flow = ctx.project.get_flow()
    target = ctx.call(lambda: flow.get_zone(zone_id))
    ctx.call(lambda: target.add_item(handle))
    items = (target.get_settings().get_raw() or {}).get("items")  # public; no request (wraps the same dict)
    if items is not None and not any(i.get("objectId") == object_id for i in items):
        raise ValueError("DSS did not keep zone: the object is not among zone %s's items after the move" % zone)
    with ctx.lock:
        ctx.zone_of[(object_type, object_id)] = zone if zone_id != DEFAULT_ZONE_ID else None
    return 1




class Writes(object):
    """The writes every settings-backed kind shares (moved from ``writers.Writer``): fetch through the
    object's settings, write the changed top-level keys in one save, move the zone apart. A kind
    module that implements its writes mixes this in before ``Kind``; it supplies ``handle`` and
    ``create`` (and ``fetch``/``delete`` where DSS files the object otherwise)."""

    kind = ""
    replace_keys = frozenset()  # type: FrozenSet[str]   # keys the config owns whole (no merge)
    zone_type = None  # type: Optional[str]              # the flow item type, for kinds placed in zones

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
            sent += move_to_zone(ctx, self.zone_type, self.handle(ctx, name), self.object_id(ctx, name),
                                 desired.get("zone"))
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

    def object_id(self, ctx: ApplyContext, name: str) -> str:
        """The id DSS files object ``name`` under, by which a flow zone lists it: each kind placed in
        zones (``zone_type``) says which (a name, or an id DSS made)."""
        raise NotImplementedError("kind %r names no DSS id for its objects" % self.kind)

    def delete(self, ctx: ApplyContext, name: str, drop_data: bool) -> None:
        self.handle(ctx, name).delete()


def each_converted(live: Dict[str, Any], one: Callable[[str, Dict[str, Any]], Any]) -> List[Tuple[str, Any]]:
    """(name, ``one(name, object)`` or the error it raised) per live object, by name: an import names
    what it leaves out (``LeftOut``, or an unexpected shape of one object) and goes on with the
    others (a kind's ``to_config``; the importer words the reason)."""
    out = []  # type: List[Tuple[str, Any]]
    for name, obj in sorted(live.items(), key=lambda item: str(item[0])):
        try:
            out.append((name, one(name, obj)))
        except Exception as why:  # LeftOut, or one object DSS shaped unexpectedly: named, never fatal
            out.append((name, why))
    return out


def described_form(out: Dict[str, Any], obj: Any, short: bool = True) -> Dict[str, Any]:
    """``out`` with the tags (sorted: DSS keeps them as a set), description and, when ``short``, short
    description the config object sets, in DSS's keys; one left unset is DSS's to keep (not in ``out``).
    One helper for every kind's desired form, so the rule cannot differ between kinds."""
    if obj.tags is not None:
        out["tags"] = sorted(obj.tags)
    if obj.description is not None:
        out["description"] = obj.description
    if short and obj.short_desc is not None:
        out["shortDesc"] = obj.short_desc
    return out


def raw_param_path(path: Path, obj: Any, holder: str = "params") -> Optional[str]:
    """``params.K...`` (``holder``: the kind's raw mapping, a project's ``settings``) as written when
    the config object sets ``params.K`` itself (a raw DSS key: a first-class key standing for it,
    ``engine``, ``connection`` or ``sql_schema``, is not what the config has, and ``ignore_changes``
    names it raw); None otherwise. Checked before any kind's own naming. The
    config as written is the model's ``as_written`` (a dataset's ``params: {schema: X}`` stays raw
    there, where ``to_dict`` writes ``sql_schema``: the model tracks the spelling the file gave)."""
    if len(path) < 2 or path[0] != holder or obj is None:
        return None
    written = obj.as_written().get(holder) if hasattr(obj, "as_written") else getattr(obj, holder, None)
    return format_path(path) if isinstance(written, dict) and path[1] in written else None


def code_env_path(path: Path, obj: Any) -> Optional[str]:
    """``params.envSelection...`` (a recipe's or a scenario's code env) in the config's terms: the raw
    path when the config sets ``params.envSelection`` itself, else ``code_env``, the one key that
    writes it; None for another path. One rule for both kinds, so their plans cannot name it apart."""
    if tuple(path[:2]) != ("params", "envSelection"):
        return None
    return raw_param_path(path, obj) or "code_env"


def zone_lookup(ictx: Any) -> Callable[[str, Any], Optional[str]]:
    """The import context's ``zone_of(type, id)`` (the zones it imports); none when it has none."""
    return getattr(ictx, "zone_of", None) or (lambda object_type, object_id: None)


class Kind(Resource):
    """One kind of DSS object: its declarations (class attributes) and its I/O (methods).

    The comparison core is ``base.Resource``'s; the defaults below keep the behaviour the kind had
    before it was a Kind. See ``docs`` in the design (issue 17 §2.3) for each attribute."""

    #: the config section holding it, as a path in the config document
    section = ()  # type: Tuple[str, ...]
    #: the address is ``kind`` alone (project, variables, code_envs, sharing, project_folder)
    singleton = False
    #: the free-form mapping in which the config may write raw the DSS keys a first-class key stands
    #: for (a project's ``settings: {gitCommitMode}``); such a key is named as written (``raw_param_path``)
    raw_holder = "params"
    #: ``import --include`` spellings; the first is canonical
    include_names = ()  # type: Tuple[str, ...]
    #: slot -> fn(client, project) -> raw: the list calls refresh runs (a slot of one name is read once)
    list_calls = {}  # type: Dict[str, Callable[[Any, Any], Any]]
    #: list slots a plan reads only when the config names objects of this kind or the state knows some
    #: (``plan.refresh.named_slots``); an import reads them as any list
    read_when_named = ()  # type: Tuple[str, ...]
    #: needs one read per configured object (``detail``)
    detailed = False
    #: DSS objects the config does not name are listed as unmanaged
    listed_unmanaged = False
    #: None: never deleted; else lower is deleted first
    delete_order = None  # type: Optional[int]
    #: a delete honours ``lifecycle.drop_data_on_destroy``
    keeps_data = False
    #: flow item type for kinds placed in zones
    zone_type = None  # type: Optional[str]
    #: (folder or file in the project git, filed by id): rollback's address table
    git_paths = ()  # type: Tuple[Tuple[str, bool], ...]
    #: the key by which other kinds' documents name an object of this kind when they can stay without
    #: it: an import that leaves such an object out drops the key from them (a zone: its objects stay,
    #: without the zone); None: they name it as a reference (it becomes ``external``)
    referred_by = None  # type: Optional[str]
    #: keys of the project ``settings.settings`` this kind owns (the project kind leaves them out)
    claims_settings = ()  # type: Tuple[str, ...]
    #: offline checks ``Checker -> None`` and online checks ``(doc, client) -> [Diagnostic]``
    checks = ()  # type: Sequence[Callable[..., Any]]
    online_checks = ()  # type: Sequence[Callable[..., Any]]

    # -- config
    def address(self, name: str) -> str:
        return self.kind if self.singleton else "%s.%s" % (self.kind, name)

    def config_path(self, path: Path, obj: Any) -> str:
        """``Resource.config_path`` (through ``path_map``), a key the config sets raw in ``params``
        apart: that one is named as written (``raw_param_path``)."""
        return raw_param_path(path, obj, self.raw_holder) or Resource.config_path(self, path, obj)

    # -- read
    def store(self, snap: Any, results: Dict[str, Any]) -> None:
        """Put this kind's list results on the snapshot. Default: the slots of new kinds go to
        ``snap.slots[slot]``; the seven first kinds keep their snapshot attributes (``plan.refresh``)."""
        slots = getattr(snap, "slots", None)
        if slots is None:
            slots = {}
            setattr(snap, "slots", slots)
        for slot in self.list_calls:
            if slot in results:
                slots[slot] = results[slot]

    def listed(self, snap: Any, live: Optional[Dict[str, Any]] = None) -> List[str]:
        """Names DSS has of this kind (unmanaged list, deletes): by default what ``read`` finds
        (``live``: its result, when the caller has it already)."""
        return list(self.read(snap) if live is None else live)

    def detail(self, project: Any, name: str, snap: Any) -> Dict[str, Any]:
        """One object's full read, for ``detailed`` kinds."""
        raise NotImplementedError("kind %r is not read per object" % self.kind)

    # -- inverse (import)
    def to_config(self, snap: Any, ictx: Any) -> Iterable[Tuple[str, Any]]:
        """(name, config document or the error that left it out) per live object, for import; ``ictx``:
        the import context (``importer.assemble.ImportContext``: ``zone_of(type, id)`` for the zones
        the import keeps, ``notes``, ``folder_names``, ``scenario_names``), read with ``getattr`` so a
        kind asks only what it needs. The importer runs the kinds in plan order (zones first) and
        words every error once. Default: nothing (a kind with no inverse is not imported)."""
        return []

    # -- compare
    def differences(self, desired: Any, canon: Any) -> List[Tuple[Path, Any, Any]]:
        """(raw path, desired value, live value) of every difference: the public form of ``_walk``."""
        found = []  # type: List[Tuple[Path, Any, Any]]
        self._walk(desired, canon, (), found)
        return found

    # -- write (apply): a kind module implements them (the ``Writes`` mix-in, or its own)
    def fetch(self, ctx: ApplyContext, name: str, keep: bool = False) -> Optional[Dict[str, Any]]:
        raise self._no_writes()

    def create(self, ctx: ApplyContext, name: str, obj: Any, desired: Dict[str, Any]) -> None:
        raise self._no_writes()

    def write(self, ctx: ApplyContext, name: str, obj: Any, desired: Dict[str, Any], keys: Iterable[str]) -> int:
        raise self._no_writes()

    def delete(self, ctx: ApplyContext, name: str, drop_data: bool) -> None:
        raise self._no_writes()

    def _no_writes(self) -> NotImplementedError:
        """The refusal of a kind whose module implements no writes: apply cannot change it."""
        return NotImplementedError("kind %r has no writes: its module implements none (mix in kind.Writes "
                                   "or define fetch/create/write/delete)" % self.kind)

    def after_apply(self, ctx: ApplyContext, entries: List[Any]) -> None:
        """Once per apply, after the graph ran (git_library's refresh-on-apply); default nothing."""
        return None


class SettingsSlot(object):
    """What the kinds kept in the project settings share (``code_envs``, ``sharing``): read from the
    settings the project kind lists anyway (no request of their own), fetched again through the
    settings; each writes through ``ApplyContext.settings_update``.
    Mixed in before ``Kind``."""

    kind = ""
    singleton = True
    list_calls = {"settings": lambda client, project: project.get_settings().get_raw()}

    def read(self, snapshot: Any) -> Dict[str, Dict[str, Any]]:
        settings = getattr(snapshot, "settings", None)
        return {self.kind: settings} if getattr(snapshot, "exists", False) and isinstance(settings, dict) else {}

    def fetch(self, ctx: ApplyContext, name: str, keep: bool = False) -> Optional[Dict[str, Any]]:
        return ctx.call(ctx.project.get_settings).get_raw()


class StubKind(Kind):
    """A kind declared but not filled in yet (issue 17: the four new kinds start so): it manages
    nothing, reads nothing, and so plans nothing. Its module replaces the base by ``Kind``."""

    def configured(self, config: Any) -> List[Tuple[str, Any]]:
        return []

    def desired(self, obj: Any, ctx: Any) -> Dict[str, Any]:
        return {}

    def read(self, snapshot: Any) -> Dict[str, Dict[str, Any]]:
        return {}
