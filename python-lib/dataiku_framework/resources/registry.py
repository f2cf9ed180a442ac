"""The registry of kinds: the ordered list of kind modules, and everything derived from it.

Why: refresh, compare, deletes, apply, rollback, import and the plan schema each used to list the
kinds by hand; they now ask here, so a new kind is one module added to ``MODULES`` (issue 17 §1).
``MODULES`` is plan order: the seven first kinds keep today's order, new kinds come after them, so
every existing plan document keeps its order.
"""
import importlib
from typing import Any, Callable, Dict, FrozenSet, List, Optional, Sequence, Tuple

from .kind import Kind

MODULES = ("project", "variables", "zone", "managed_folder", "dataset", "recipe", "scenario",
           "code_envs", "git_library", "sharing", "project_folder")

_KINDS = []  # type: List[Kind]


def kinds() -> Tuple[Kind, ...]:
    """One instance per kind, in ``MODULES`` order (each module is imported once, on first use); the
    kind class of a module is its one ``Kind`` subclass defined there."""
    if not _KINDS:
        found = []
        for name in MODULES:
            module = importlib.import_module("%s.%s" % (__package__, name))
            classes = [c for c in vars(module).values() if isinstance(c, type) and issubclass(c, Kind)
                       and c is not Kind and c.__module__ == module.__name__]
            if len(classes) != 1:
                raise RuntimeError("kind module %s must define one Kind class (found %d)" % (name, len(classes)))
            found.append(classes[0]())
        _KINDS[:] = found
    return tuple(_KINDS)


def get(kind: str) -> Kind:
    """The kind called ``kind``; KeyError naming the known kinds."""
    for k in kinds():
        if k.kind == kind:
            return k
    raise KeyError("unknown resource kind %r (known: %s)" % (kind, ", ".join(plan_kinds())))


def by_section(path: Sequence[str]) -> Optional[Kind]:
    """The kind held at config section ``path`` (``("datasets",)``, ``("project", "variables")``)."""
    wanted = tuple(path)
    return next((k for k in kinds() if tuple(k.section) == wanted), None)


def by_include(name: str) -> Kind:
    """The kind an ``import --include`` spelling names (``dataset``, ``datasets``, ``folders``...);
    ValueError naming the canonical spellings."""
    spelled = name.strip().lower().replace("-", "_")
    for k in kinds():
        if spelled in k.include_names:
            return k
    raise ValueError("unknown kind %r for --include (known: %s)"
                     % (name, ", ".join(k.include_names[0] for k in kinds() if k.include_names)))


def delete_order() -> Tuple[str, ...]:
    """The kinds a plan may delete, in the order apply deletes them (reverse dependency order)."""
    deletable = [k for k in kinds() if k.delete_order is not None]
    return tuple(k.kind for k in sorted(deletable, key=lambda k: k.delete_order))


def data_kinds() -> Tuple[str, ...]:
    """Deletable kinds whose delete honours ``lifecycle.drop_data_on_destroy``, in delete order."""
    keeping = {k.kind for k in kinds() if k.keeps_data}
    return tuple(kind for kind in delete_order() if kind in keeping)


def unmanaged_kinds() -> Tuple[str, ...]:
    """Kinds whose DSS objects the config does not name are listed as unmanaged."""
    return tuple(k.kind for k in kinds() if k.listed_unmanaged)


def detailed_kinds() -> Tuple[Kind, ...]:
    """Kinds read once per configured object (recipes, scenarios)."""
    return tuple(k for k in kinds() if k.detailed)


def list_calls(client: Any, project: Any) -> Dict[str, Callable[[], Any]]:
    """Every kind's list calls, one per slot (a slot two kinds declare is read once), plus ``auth``."""
    calls = {}  # type: Dict[str, Callable[[], Any]]
    for k in kinds():
        for slot, call in k.list_calls.items():
            calls.setdefault(slot, _bound(call, client, project))
    calls["auth"] = client.get_auth_info
    return calls


def _bound(call: Callable[[Any, Any], Any], client: Any, project: Any) -> Callable[[], Any]:
    return lambda: call(client, project)


def git_table() -> Dict[str, Tuple[str, bool]]:
    """Rollback's table: folder or file in the project git -> (kind, filed by id)."""
    return {where: (k.kind, by_id) for k in kinds() for where, by_id in k.git_paths}


def claimed_settings() -> FrozenSet[str]:
    """Keys of the project ``settings.settings`` that a kind other than the project owns."""
    return frozenset(key for k in kinds() for key in k.claims_settings)


def plan_kinds() -> List[str]:
    """Every kind, in plan order: the plan schema's ``kind`` enum (checked by a test)."""
    return [k.kind for k in kinds()]
