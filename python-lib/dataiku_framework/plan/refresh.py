"""Reading the live project ("refresh") with the fewest requests, in parallel, through one pool.

Why this shape: the usual failure of a DSS tool is the cost of reading (five requests per dataset,
all sequential). DSS serves full definitions in its list calls for datasets, managed folders and
flow zones, and the project's metadata, settings (owner, permissions) and variables are one call
each; only recipes (definition + payload) and scenarios (triggers, steps, script) need a request
per object. So a refresh is the lists plus one GET per *configured* recipe and scenario that
exists, all in one thread pool over one ``requests`` connection pool of ``parallelism``
connections, each read retried on transient failures. Objects DSS has and the config does not
name are only listed (unmanaged), never read in detail.
"""
import functools
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Dict, Iterable, List, Optional, Tuple

from ..dss.connect import timeout_of, with_timeout
from ..dss.policy import status_tracker
from .retry import TRANSIENT_STATUSES, is_transient, with_retry

DEFAULT_PARALLELISM = 8


class Snapshot(object):
    """What one refresh read: raw DSS JSON, keyed the way the resource handlers look it up."""

    def __init__(self, project_key: str) -> None:
        self.project_key = project_key
        self.exists = False
        self.metadata = None  # type: Optional[Dict[str, Any]]
        self.settings = None  # type: Optional[Dict[str, Any]]
        self.variables = None  # type: Optional[Dict[str, Any]]
        self.datasets = {}  # type: Dict[str, Dict[str, Any]]
        self.folders = {}  # type: Dict[str, Dict[str, Any]]   # by name
        self.zones = []  # type: List[Dict[str, Any]]
        self.recipe_names = []  # type: List[str]
        self.recipes = {}  # type: Dict[str, Dict[str, Any]]  # name -> {"recipe": ..., "payload": ...}
        self.scenario_ids = {}  # type: Dict[str, str]        # name -> id
        self.scenarios = {}  # type: Dict[str, Dict[str, Any]]  # name -> definition (+ "script")
        self.auth = {}  # type: Dict[str, Any]
        #: every list result by slot (``Kind.store``); the kinds added after the first seven read theirs here
        self.slots = {}  # type: Dict[str, Any]
        self.extra = {}  # type: Dict[str, Any]
        self.requests = 0

    def folder_names(self) -> Dict[str, str]:
        """Managed folder id -> name (DSS refers to folders by id, the config by name)."""
        return {f.get("id"): name for name, f in self.folders.items()}

    def scenario_names(self) -> Dict[str, str]:
        return {sid: name for name, sid in self.scenario_ids.items()}

    def zone_of(self) -> Dict[Tuple[str, str], str]:
        """(objectType, objectId) -> zone name, from the zones listing."""
        out = {}  # type: Dict[Tuple[str, str], str]
        for zone in self.zones:
            for item in zone.get("items") or []:
                out[(item.get("objectType"), item.get("objectId"))] = zone.get("name")
        return out

    def raw(self) -> Dict[str, Any]:
        """Everything read, as one JSON-serialisable dict (the live digest is taken over it)."""
        raw = {"metadata": self.metadata, "settings": self.settings, "variables": self.variables,
               "datasets": self.datasets, "folders": self.folders, "zones": self.zones,
               "recipes": self.recipes, "scenarios": self.scenarios, "recipe_names": self.recipe_names}
        more = {slot: value for slot, value in self.slots.items() if slot not in _FIRST_SLOTS}
        if more:  # only the new kinds' slots: a project without them keeps the digest it had
            raw["slots"] = more
        return raw


#: the slots the first seven kinds store as snapshot attributes (already in ``Snapshot.raw``)
_FIRST_SLOTS = frozenset(("metadata", "settings", "variables", "datasets", "folders", "zones", "recipes", "scenarios",
                          "auth"))


class Reader(object):
    """Runs ``dataikuapi`` calls for the refresh: pooled, retried on transient failures, counted.

    Why through the client's public calls rather than raw GETs: every DSS call goes through
    ``dataikuapi`` (its auth, TLS settings and URL rules). The client raises one exception type
    for every HTTP error with no status on it, so a response hook records each thread's last
    status: a 404 reads as "missing", a 502/503/504 as worth a retry."""

    def __init__(self, client: Any, parallelism: int = DEFAULT_PARALLELISM) -> None:
        self.client = client
        self.parallelism = max(1, int(parallelism))
        # the pool sized for the parallel reads; the timeout stays the one the client was made with
        # (``dss.connect``): a reader does not set it
        with_timeout(client, timeout_of(client), pool=self.parallelism)
        self.last = status_tracker(client._session)
        self._lock = threading.Lock()
        self.count = 0

    def call(self, fn: Callable[..., Any], *args: Any) -> Any:
        """``fn(*args)`` (a dataikuapi call), retried while it fails transiently; None on a 404."""
        return with_retry(lambda: self._once(fn, args), transient=self._transient)

    def _once(self, fn: Callable[..., Any], args: Tuple[Any, ...]) -> Any:
        from dataikuapi.utils import DataikuException
        self.last.status = None
        try:
            return fn(*args)
        except DataikuException:
            if self.last.status == 404:
                return None
            raise
        finally:
            with self._lock:
                self.count += self.last.take_count()

    def _transient(self, error: BaseException) -> bool:
        return is_transient(error) or self.last.status in TRANSIENT_STATUSES


def list_calls(client: Any, project: Any) -> Dict[str, Callable[[], Any]]:
    """The calls that read whole lists (DSS serves full definitions for datasets, folders and zones):
    the ones every kind declares (``Kind.list_calls``, one per slot), plus the login."""
    from ..resources import registry
    return registry.list_calls(client, project)


#: detailed kinds whose per-object reads ``read_project`` makes itself (by the names it is given)
READ_BY_REFRESH = frozenset(("recipe", "scenario"))


def kind_details(client: Any, project_key: str, config: Any) -> Dict[str, Callable[[], Any]]:
    """The per-object reads of the other detailed kinds (``Kind.detailed``: ``project.folder``...),
    only for the objects ``config`` names: ``{kind: call -> {name: detail}}``, given to ``refresh`` as
    ``extra`` calls (same pool), so their results land in ``snapshot.extra[kind]`` where the kind reads
    them. A kind the config does not name is not read at all. Likewise the list slots a kind reads
    only when named (``read_when_named``): ``{slot: list call}``, stored by the kind (``named_slots``)."""
    from ..resources import registry
    project = client.get_project(project_key)
    out = {}  # type: Dict[str, Callable[[], Any]]
    for k in registry.detailed_kinds():
        names = [name for name, _ in k.configured(config)] if k.kind not in READ_BY_REFRESH else []
        if names:
            out[k.kind] = functools.partial(details_of, k, project, names)
    for slot, k in named_slots().items():
        if k.configured(config):
            out[slot] = functools.partial(refusal_as_value, k.list_calls[slot], client, project)
    return out


def refusal_as_value(call: Callable[..., Any], *args: Any) -> Any:
    """``call(*args)``; DSS's refusal as missing or forbidden returned as the value rather than raised:
    read in parallel with the project's metadata, for a project that does not exist yet it is the
    expected answer, and raised only once the refresh knows the project exists (``read_project``)."""
    from dataikuapi.utils import DataikuException
    try:
        return call(*args)
    except DataikuException as error:
        if "UnauthorizedException" in str(error) or "NotFoundException" in str(error):
            return error
        raise


def named_slots() -> Dict[str, Any]:
    """slot -> kind, of the list slots a kind reads only when the configuration names objects of it
    or the state knows some (``Kind.read_when_named``: git libraries), so that a project without
    any pays no request for them. Import reads them as any list (``Kind.list_calls``)."""
    from ..resources import registry
    return {slot: k for k in registry.kinds() for slot in k.read_when_named}


def read_named(client: Any, snap: "Snapshot", state: Any, config: Any) -> None:
    """Read the named-only slots (``named_slots``) the refresh left out because the configuration names
    no object of their kind, when the state knows some: the plan must see whether they still exist
    to delete them (or to forget those already gone). One list call each; rare (a configuration that
    dropped every object of the kind)."""
    known = {entry.get("kind") for entry in (getattr(state, "resources", None) or {}).values()}
    missing = [(slot, k) for slot, k in named_slots().items()
               if snap.exists and k.kind in known and not k.configured(config)]
    if not missing:
        return
    reader, project = Reader(client), client.get_project(snap.project_key)
    for slot, k in missing:
        k.store(snap, {slot: reader.call(k.list_calls[slot], client, project)})
    snap.requests += reader.count


def details_of(kind: Any, project: Any, names: List[str], snap: Any = None) -> Dict[str, Any]:
    """``{name: kind.detail(...)}`` of ``names`` (one read each)."""
    return {name: kind.detail(project, name, snap) for name in names}


def detail_reads() -> Tuple[Callable[[Any, str], Any], Callable[[Any, str], Any]]:
    """``(read_recipe(project, name), read_scenario(project, id))``: the recipe and scenario kinds' own
    reads (one GET each). A scenario is read by the id its listing gives, before the snapshot holds
    the ids (``scenario_by_id``, which the scenario kind's ``detail`` reads through)."""
    from ..resources import registry
    from ..resources.scenario import scenario_by_id
    recipe = registry.get("recipe")
    return (lambda project, name: recipe.detail(project, name, None)), scenario_by_id


def refresh(client: Any, project_key: str, recipes: Iterable[str] = (), scenarios: Iterable[str] = (),
            parallelism: int = DEFAULT_PARALLELISM, extra: Optional[Dict[str, Callable[[], Any]]] = None
            ) -> Snapshot:
    """``read_project`` (see there), read a second time when the project was created while it was
    read (a concurrent first apply): the reads run in parallel, so some saw it missing and others
    not. A second refusal of a project found to exist is DSS's answer, raised."""
    try:
        snap = read_project(client, project_key, recipes, scenarios, parallelism, extra)
    except _CreatedMeanwhile:
        return read_project(client, project_key, recipes, scenarios, parallelism, extra, strict=True)
    if snap.exists and any(_refused(value) for value in snap.extra.values()):
        return read_project(client, project_key, recipes, scenarios, parallelism, extra, strict=True)
    return snap


class _CreatedMeanwhile(Exception):
    """A project found to exist refused another read as missing: it was created in between."""


def _refused(value: Any) -> bool:
    return isinstance(value, Exception) and "UnauthorizedException" in str(value)


def read_project(client: Any, project_key: str, recipes: Iterable[str] = (), scenarios: Iterable[str] = (),
                 parallelism: int = DEFAULT_PARALLELISM, extra: Optional[Dict[str, Callable[[], Any]]] = None,
                 strict: bool = False) -> Snapshot:
    """Read ``project_key``: every list, and the named ``recipes`` and ``scenarios`` that exist.

    One pool for everything: the per-recipe reads start as soon as the project is known to exist,
    while the (slow, big) list calls are still running; scenario reads start when their list (which
    gives their ids) arrives. ``extra`` calls (say, the connection types) run in the same pool;
    their results land in ``snapshot.extra``."""
    read_recipe, read_scenario = detail_reads()
    reader = Reader(client, parallelism)
    snap = Snapshot(project_key)
    project = client.get_project(project_key)
    later = named_slots()  # read as ``extra`` calls, only when the configuration names their kind
    calls = {name: call for name, call in list_calls(client, project).items() if name not in later}
    with ThreadPoolExecutor(max_workers=reader.parallelism) as pool:
        lists = {name: pool.submit(reader.call, call) for name, call in calls.items()}
        extras = {name: pool.submit(reader.call, call) for name, call in (extra or {}).items()}
        snap.exists = exists(reader, lists["metadata"], project_key)
        recipe_reads = {name: pool.submit(reader.call, read_recipe, project, name)
                        for name in (sorted(set(recipes)) if snap.exists else [])}
        # a missing project: the other calls may fail (403 for admin-only reads); they tell nothing more
        listed = _by_name(_result(lists["scenarios"], strict) if snap.exists else None, scenarios)
        scenario_reads = {name: pool.submit(reader.call, read_scenario, project, listed[name]["id"])
                          for name in sorted(set(scenarios) & set(listed))}
        snap.extra = {name: future.result() for name, future in extras.items()}
        wanted = calls if snap.exists else ["auth"]
        store_lists(snap, {name: _result(lists[name], strict) for name in wanted}, listed)
        _store_named(snap, later, strict)
        for name, future in recipe_reads.items():
            found = _unless_missing(future, name in snap.recipe_names)
            if found is not None:
                snap.recipes[name] = found
        for name, future in scenario_reads.items():
            found = future.result()
            if found is not None:
                snap.scenarios[name] = found
    snap.requests = reader.count
    return snap


def _store_named(snap: Snapshot, later: Dict[str, Any], strict: bool) -> None:
    """The named-only slots read as ``extra`` calls, stored by their kind. A refusal stays in
    ``snap.extra`` (``refresh`` reads again when the project was created meanwhile), and is raised
    when the project exists and it was read again already (or it is no refusal)."""
    for slot in set(later) & set(snap.extra):
        value = snap.extra[slot]
        if isinstance(value, Exception):
            if snap.exists and (strict or not _refused(value)):
                raise value
            continue
        if snap.exists:
            later[slot].store(snap, {slot: value})
        del snap.extra[slot]


def _result(future: Any, strict: bool) -> Any:
    """A list read of a project found to exist; its refusal as missing is ``_CreatedMeanwhile``
    (unless ``strict``: read again already)."""
    try:
        return future.result()
    except Exception as error:
        if strict or not _refused(error):
            raise
        raise _CreatedMeanwhile() from error


def unchanged_details(plan: Any) -> Dict[str, set]:
    """{"recipe": names, "scenario": names} that ``plan`` (None: nothing) found unchanged: their
    details, read by that plan's refresh, may be carried over to the next one."""
    out = {"recipe": set(), "scenario": set()}  # type: Dict[str, set]
    for entry in plan.doc["resource_changes"] if plan is not None else []:
        if entry["action"] == "no-op" and entry["kind"] in out:
            out[entry["kind"]].add(entry["name"])
    return out


def carry_over(snap: Snapshot, previous: Snapshot, names: Dict[str, set]) -> None:
    """Fill ``snap`` (a refresh that skipped ``names``) with ``previous``'s details of those recipes
    and scenarios, for those still listed (a scenario: under the same id).

    Why it is safe for apply's second plan: these objects were unchanged a moment ago and apply does
    not write them, so reading them again would only tell whether someone edited one in between;
    that edit is then drift, which the next plan shows. An object deleted or created in between is
    seen, since the lists are read again."""
    for name in names["recipe"]:
        if name in snap.recipe_names and name in previous.recipes:
            snap.recipes[name] = previous.recipes[name]
    for name in names["scenario"]:
        if name in previous.scenarios and snap.scenario_ids.get(name) == previous.scenario_ids.get(name) is not None:
            snap.scenarios[name] = previous.scenarios[name]


def exists(reader: Reader, metadata: Any, project_key: str) -> bool:
    """Whether the project exists. DSS answers the same "does not exist or you may not read it"
    for a missing and a forbidden project. An administrator reads every project, so for its key the
    answer means missing (when read: one created just after, by a concurrent first apply, is met by
    this apply's create). For an ordinary key a missing project cannot be told from a hidden one (it
    lists only what it may read): DSS's refusal is raised rather than a plan that would create an
    existing project."""
    try:
        return metadata.result() is not None
    except Exception as error:  # dataikuapi's DataikuException: the status is only in the text
        if "UnauthorizedException" not in str(error):
            raise
        if not _is_admin(reader):
            raise
        return False


def _is_admin(reader: Reader) -> bool:
    """Whether the key is an administrator's (who lists every project); one admin-only read."""
    from ..dss.rights import is_dss_admin
    return is_dss_admin(reader.client, reader.call)


def _unless_missing(future: Any, listed: bool) -> Any:
    """A per-object read's result; None when the object is not in its list (DSS may answer a
    missing object with a 404, a 500 or a 403: the list, not the status, says it is missing)."""
    try:
        return future.result()
    except Exception:
        if listed:
            raise
        return None


def _by_name(scenarios: Any, configured: Iterable[str]) -> Dict[str, Dict[str, Any]]:
    """Listed scenarios by name; a configured name DSS has twice is an error naming both ids (the
    plan must not pick one of them silently: ``resources.kind.AmbiguousName``)."""
    from ..resources.kind import id_named
    listing = list(scenarios or [])
    for name in set(configured):
        id_named(listing, name, "scenarios")
    return {s.get("name") or s["id"]: s for s in listing}


def store_lists(snap: Snapshot, first: Dict[str, Any], listed: Dict[str, Dict[str, Any]]) -> None:
    snap.auth = first["auth"] or {}
    if not snap.exists:
        return
    snap.metadata, snap.settings, snap.variables = first["metadata"], first["settings"], first["variables"]
    snap.datasets = {d["name"]: d for d in first["datasets"] or []}
    snap.folders = {f.get("name") or f.get("id"): f for f in first["folders"] or []}
    snap.zones = list(first["zones"] or [])
    snap.recipe_names = [r["name"] for r in first["recipes"] or []]
    snap.scenario_ids = {name: s["id"] for name, s in listed.items()}
    from ..resources import registry
    for kind in registry.kinds():  # every kind's own slots (``snap.slots``), from the same results
        kind.store(snap, first)
