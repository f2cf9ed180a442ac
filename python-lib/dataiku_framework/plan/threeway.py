"""With the apply state: who changed a field, the configuration (config), DSS (drift) or both (conflict).

Why three forms: a plan without state only sees desired D and live L, so an edit made in DSS and an
edit made to the file look the same. The state holds S, the canonical form the last apply wrote (the
plan's ``after``). Per changed field, in the configuration's terms:

- config:   D != S and L == S (the file changed; DSS still holds what was applied);
- drift:    L != S and D == S (someone changed DSS; the plan restores the applied value);
- conflict: D != S and L != S and D != L (both changed the same field differently).

Each comparison is the resource handler's own (``handler.canonical`` then ``handler.diff``), so the
three-way result has no false differences the two-way plan does not have. Only fields the plan
changes (D != L, after ``ignore_changes``) are classified: a field DSS and the file changed the same
way needs nothing, and a field the file no longer sets is not managed. A value the state holds
redacted (``<redacted...>``, a secret) is unknown: it is taken as DSS's value, so it is never drift.
"""
from typing import Any, Dict, List, Optional, Tuple

from .compare import merge_same_paths

REDACTED = "<redacted"


def is_unknown(value: Any) -> bool:
    """True when ``value`` holds a value the state redacted (anywhere inside it)."""
    if isinstance(value, str):
        return value.startswith(REDACTED)
    if isinstance(value, dict):
        return any(is_unknown(v) for v in value.values())
    if isinstance(value, list):
        return any(is_unknown(v) for v in value)
    return False


def known(recorded: Any, live: Any) -> Any:
    """``recorded`` with each redacted value replaced by ``live``'s at the same place (``live`` is
    the live form projected on ``recorded``'s keys, so every key of ``recorded`` is in it)."""
    if isinstance(recorded, str) and recorded.startswith(REDACTED):
        return live
    if isinstance(recorded, dict):
        other = live if isinstance(live, dict) else {}
        return {k: known(v, other.get(k)) if k in other else v for k, v in recorded.items()}
    if isinstance(recorded, list):
        other = live if isinstance(live, list) else []
        return [known(v, other[i]) if i < len(other) else v for i, v in enumerate(recorded)]
    return recorded


def _by_path(diffs: List[Dict[str, Any]]) -> Dict[str, Dict[str, Any]]:
    return {d["path"]: d for d in merge_same_paths(diffs)}


def classify(handler: Any, obj: Any, desired: Dict[str, Any], form: Dict[str, Any], recorded: Dict[str, Any],
             changes: List[Dict[str, Any]], address: str) -> Tuple[List[Dict[str, Any]], List[Dict[str, Any]]]:
    """Set each change's ``origin``; ``(drift, conflicts)`` entries of the plan document.

    ``form`` is the live form (``handler.live_form``), ``recorded`` the state's canonical form S and
    ``changes`` the plan's changes of the resource (D vs L, ``ignore_changes`` already applied)."""
    live_s = handler.canonical(form, recorded)       # L kept to what the state recorded
    recorded = known(recorded, live_s)
    moved = _by_path(handler.diff(recorded, live_s, obj))                              # L != S
    asked = _by_path(handler.diff(desired, handler.canonical(recorded, desired), obj))  # D != S
    drift, conflicts = [], []  # type: Tuple[List[Dict[str, Any]], List[Dict[str, Any]]]
    for change in changes:
        path = change["path"]
        dss = moved.get(path)
        if dss is not None and is_unknown(dss["after"]):
            dss = None
        if dss is None:
            change["origin"] = "config"
            continue
        # the handler's diff reads (want, have) as (after, before): here S is wanted, L is had
        entry = {"address": address, "path": path, "before": dss["after"], "after": dss["before"]}
        if path in asked:
            change["origin"] = "conflict"
            conflicts.append(dict(entry, config=change["after"]))
        else:
            change["origin"] = "drift"
            drift.append(entry)
    return drift, conflicts


def deleted_in_dss(address: str, recorded: Optional[Dict[str, Any]], desired: Dict[str, Any], handler: Any,
                   obj: Any, changes: List[Dict[str, Any]]) -> Tuple[List[Dict[str, Any]], List[Dict[str, Any]]]:
    """A resource the state recorded that DSS no longer has (deleted outside the tool): the plan
    creates it again. Drift when the file still asks what was applied, else a conflict; path ``""``
    stands for the whole resource."""
    if not isinstance(recorded, dict):
        return [], []  # never applied (an interrupted create): an ordinary create
    recorded = known(recorded, desired)  # a redacted value: taken as what the file asks
    asked = handler.diff(desired, handler.canonical(recorded, desired), obj)
    origin = "conflict" if asked else "drift"
    for change in changes:
        change["origin"] = origin
    name = address.partition(".")[2]  # shown as the configuration writes the object (issue 14 §11)
    entry = {"address": address, "path": "", "before": handler.config_terms(recorded, name, obj) or recorded,
             "after": None}
    if asked:
        return [], [dict(entry, config=handler.config_terms(desired, name, obj) or desired)]
    return [entry], []
