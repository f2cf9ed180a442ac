"""Deletion planning: resources the apply state knows that the configuration no longer names.

Why only from the state: a DSS object the tool never applied is not the tool's to delete (it is
listed as unmanaged and never touched), whatever the configuration says. A resource the state knows
and the file dropped is deleted only when deletion is allowed (``--allow-delete``, or
``settings.prune`` in the file) and the state does not say ``prevent_destroy``; otherwise it is
listed in ``not_deleted`` with the reason, and the plan does not fail. Deletes depend on nothing
configured; they run last, one group per kind in reverse dependency order (scenarios, recipes,
datasets, managed folders, zones), so nothing is deleted while something deleted later still uses it.
"""
from typing import Any, Dict, Iterable, List, Tuple

from ..resources import handler, registry
from .compare import Change

#: Kinds a plan may delete, in the order apply deletes them (reverse dependency order): each kind's
#: ``delete_order`` says where it goes (``resources/registry.py``).
DELETE_ORDER = registry.delete_order()
#: Deletable kinds whose delete honours ``lifecycle.drop_data_on_destroy`` (``Kind.keeps_data``).
DATA_KINDS = registry.data_kinds()
PROTECTED = "prevent_destroy is set in the state"
NOT_ALLOWED = "removed from the configuration; deletion needs --allow-delete or prune"
GONE = "removed from the configuration and already absent from DSS"


def plan_deletes(state: Any, configured: Dict[str, Iterable[str]], existing: Dict[str, Iterable[str]],
                 allowed: bool) -> Tuple[List[Change], List[Dict[str, str]], List[List[str]]]:
    """``(delete changes, not_deleted entries, execution groups of the deletes)``.

    ``configured``/``existing``: names per kind in the configuration and in DSS."""
    named = {kind: set(names) for kind, names in configured.items()}
    live = {kind: set(names) for kind, names in existing.items()}
    deletes, kept = [], []  # type: Tuple[List[Change], List[Dict[str, str]]]
    resources = getattr(state, "resources", None) or {}
    for address in sorted(resources):
        entry = resources[address]
        kind, name = entry.get("kind"), entry.get("name")
        if kind not in DELETE_ORDER or not isinstance(name, str) or name in named.get(kind, ()):
            continue
        reason = None
        if name not in live.get(kind, ()):
            reason = GONE
        elif entry.get("prevent_destroy"):
            reason = PROTECTED
        elif not allowed:
            reason = NOT_ALLOWED
        if reason:
            kept.append({"address": address, "kind": kind, "name": name, "reason": reason})
            continue
        deletes.append(_delete(address, kind, name, entry))
    groups = [sorted(c.address for c in deletes if c.kind == kind) for kind in DELETE_ORDER]
    return deletes, kept, [g for g in groups if g]


def _delete(address: str, kind: str, name: str, entry: Dict[str, Any]) -> Change:
    drop = kind in DATA_KINDS and bool(entry.get("drop_data_on_destroy", False))
    reason = "removed from the configuration"
    if kind in DATA_KINDS:
        reason += ("; its data is deleted too, as lifecycle.drop_data_on_destroy says" if drop
                   else "; its data is kept")
    canonical = entry.get("canonical")
    before = handler(kind).config_terms(canonical, name) if isinstance(canonical, dict) else None
    change = Change(address, kind, name, "delete", reason, [], before or canonical if isinstance(canonical, dict)
                    else None, None)
    change.drop_data = drop
    return change
