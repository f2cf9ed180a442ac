"""The walk: for each configured resource, desired vs live -> an action with its changes.

Why separate from the handlers: the handlers know one kind; this module knows the order of kinds,
what counts as create / replace / update / no-op, what DSS has that the config does not name
(unmanaged), and the dependency graph. It never deep-copies live objects: the projection builds
small dicts of what the config manages, so the cost is linear in the configured size.
"""
from typing import Any, Dict, List, Optional, Tuple

from ..resources import HANDLERS, Context, registry
from .graph import execution_groups, with_producers

UNMANAGED_KINDS = registry.unmanaged_kinds()  # kinds whose objects the config does not name are listed


class Change(object):
    """One resource's comparison result (becomes an entry of ``resource_changes``)."""

    __slots__ = ("address", "kind", "name", "action", "reason", "changes", "before", "after", "depends_on",
                 "drift", "conflicts", "protected", "drop_data")

    def __init__(self, address: str, kind: str, name: str, action: str, reason: str,
                 changes: List[Dict[str, Any]], before: Any, after: Any) -> None:
        self.address, self.kind, self.name = address, kind, name
        self.action, self.reason, self.changes = action, reason, changes
        self.before, self.after = before, after
        self.depends_on = []  # type: List[str]
        self.drift = []  # type: List[Dict[str, Any]]      # {address, path, before: applied, after: DSS now}
        self.conflicts = []  # type: List[Dict[str, Any]]  # the same, plus ``config``: what the file asks
        self.protected = False  # lifecycle.prevent_destroy set (a replace of it is refused)
        self.drop_data = False  # a delete that drops the data too (lifecycle.drop_data_on_destroy)


def compare(config: Any, snapshot: Any, connection_types: Optional[Dict[str, Any]] = None, state: Any = None,
            allow_delete: bool = False
            ) -> Tuple[List[Change], List[Dict[str, str]], List[List[str]], List[Dict[str, str]]]:
    """(changes, unmanaged objects, execution groups, not deleted) for a resolved ``config`` against
    ``snapshot``. With the apply ``state`` (``state.State``), changed fields are told apart (config,
    drift, conflict: ``threeway``) and resources the state knows that ``config`` dropped are deleted,
    when ``allow_delete``, or listed as not deleted (``deletes``)."""
    from .deletes import plan_deletes
    ctx = Context(config.project.key, snapshot, connection_types, config)
    recorded = getattr(state, "resources", None) or {}
    changes = []  # type: List[Change]
    deps = {}  # type: Dict[str, List[str]]
    outputs = {}  # type: Dict[str, List[str]]
    unmanaged = []  # type: List[Dict[str, str]]
    configured_names, existing = {}, {}  # type: Dict[str, Any], Dict[str, Any]
    for handler in HANDLERS:
        live_objects = handler.read(snapshot)
        configured = handler.configured(config)
        for name, obj in configured:
            address = handler.address(name)
            change = compare_one(handler, name, obj, live_objects.get(name), ctx,
                                 (recorded.get(address) or {}).get("canonical"))
            changes.append(change)
            deps[change.address] = handler.depends_on(obj, ctx)
            outputs[change.address] = handler.produces(obj, ctx)
        if handler.kind in UNMANAGED_KINDS or handler.delete_order is not None:
            names = configured_names[handler.kind] = {name for name, _ in configured}
            listed = existing[handler.kind] = sorted(handler.listed(snapshot, live_objects))
            if handler.kind in UNMANAGED_KINDS:
                unmanaged += [{"address": handler.address(n), "kind": handler.kind, "name": n}
                              for n in listed if n not in names and handler.address(n) not in recorded]
    deps = with_producers(deps, outputs)
    groups = execution_groups(deps)
    for change in changes:
        change.depends_on = [d for d in deps[change.address] if d in deps]
    deletes, not_deleted, delete_groups = plan_deletes(state, configured_names, existing, allow_delete)
    return changes + deletes, unmanaged, groups + delete_groups, not_deleted


def compare_one(handler: Any, name: str, obj: Any, live: Optional[Dict[str, Any]], ctx: Any,
                recorded: Optional[Dict[str, Any]] = None) -> Change:
    """The action for one object: create when DSS lacks it, else replace / update / no-op.

    ``recorded``: the canonical form the last apply wrote (from the state), when there is one; each
    changed field's ``origin`` then says who changed it (``threeway``)."""
    from .threeway import classify, deleted_in_dss
    address = handler.address(name)
    desired = handler.desired(obj, ctx)
    protected = bool(getattr(getattr(obj, "lifecycle", None), "prevent_destroy", False))
    if live is None:  # what it sets, listed in the config's terms (``after`` is the DSS JSON sent)
        fields = [dict(f, origin="config") for f in handler.created_fields(obj)]
        drift, conflicts = deleted_in_dss(address, recorded, desired, handler, obj, fields)
        reason = "deleted in DSS since it was applied" if drift or conflicts else "not in DSS"
        return _with(Change(address, handler.kind, name, "create", reason, fields, None, desired),
                     drift, conflicts, protected)
    form = handler.live_form(live, ctx, desired)
    canon = handler.canonical(form, desired)
    diffs, ignored = split_ignored(merge_same_paths(handler.diff(desired, canon, obj)), obj)
    as_written(diffs, obj)
    for d in diffs:
        d["origin"] = "config"
    drift, conflicts = [], []  # type: Tuple[List[Dict[str, Any]], List[Dict[str, Any]]]
    if isinstance(recorded, dict) and diffs:
        drift, conflicts = classify(handler, obj, desired, form, recorded, diffs, address)
    reason = None if _ignores(ignored, "type") else handler.replace_reason(desired, canon)
    if reason:
        if protected:
            reason += ("; refused: lifecycle.prevent_destroy is set and a replace deletes it first "
                       "(apply refuses it; remove prevent_destroy to allow the replace)")
        return _with(Change(address, handler.kind, name, "replace", reason, diffs, canon, desired),
                     drift, conflicts, protected)
    if diffs:
        n = len(diffs)
        return _with(Change(address, handler.kind, name, "update",
                            "%d field%s differ%s" % (n, "s" if n > 1 else "", "" if n > 1 else "s"),
                            diffs, canon, desired), drift, conflicts, protected)
    return _with(Change(address, handler.kind, name, "no-op", _noop_reason(ignored), [], canon, desired),
                 drift, conflicts, protected)


def as_written(diffs: List[Dict[str, Any]], obj: Any) -> None:
    """A field resolution replaced (``type: SQL``, resolved to the connection's type) is shown with
    the file's value (the plan speaks the configuration's terms); the entry's ``after``, the DSS JSON
    apply sends, keeps the resolved one. Only the new side: ``before`` is what DSS holds."""
    noted = obj.resolved_from() if hasattr(obj, "resolved_from") else {}
    for d in diffs:
        if d["path"] in noted:
            d["after"] = noted[d["path"]]


def _with(change: Change, drift: List[Dict[str, Any]], conflicts: List[Dict[str, Any]], protected: bool) -> Change:
    change.drift, change.conflicts, change.protected = drift, conflicts, protected
    return change


def split_ignored(diffs: List[Dict[str, Any]], obj: Any) -> Tuple[List[Dict[str, Any]], List[str]]:
    """(the changes to plan, the paths left alone): ``lifecycle.ignore_changes`` names fields (or
    whole subtrees: ``params`` covers ``params.path``) whose difference is never planned."""
    lifecycle = getattr(obj, "lifecycle", None)
    aliases = getattr(obj, "PARAM_FIELDS", {})  # a dataset's ``path`` is its ``params.path``
    ignore = [p for p in (getattr(lifecycle, "ignore_changes", None) or []) if isinstance(p, str)]
    ignore += ["params." + aliases[p] for p in ignore if p in aliases]
    ignore += [field for field, key in aliases.items() if _ignores(ignore, "params." + key)]  # ``params`` covers ``path``
    if not ignore:
        return diffs, []
    kept = [d for d in diffs if not _ignores(ignore, d["path"])]
    return kept, [d["path"] for d in diffs if _ignores(ignore, d["path"])]


def _ignores(ignore: List[str], path: str) -> bool:
    return any(path == p or path.startswith(p + ".") or path.startswith(p + "[") for p in ignore)


def _noop_reason(ignored: List[str]) -> str:
    if not ignored:
        return "matches DSS"
    return "matches DSS, except what lifecycle.ignore_changes leaves alone: %s" % ", ".join(ignored)


def merge_same_paths(diffs: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """One change per config path: DSS keys that one config key sets (a step's run condition is a
    type and a status list in DSS) are reported once, their values side by side."""
    by_path = {}  # type: Dict[str, Dict[str, Any]]
    order = []  # type: List[str]
    for d in diffs:
        seen = by_path.get(d["path"])
        if seen is None:
            by_path[d["path"]] = d
            order.append(d["path"])
        else:
            if not isinstance(seen.get("_parts"), list):
                seen["_parts"] = [(seen["before"], seen["after"])]
            seen["_parts"].append((d["before"], d["after"]))
    out = []
    for path in order:
        d = by_path[path]
        parts = d.pop("_parts", None)
        if parts:
            d["before"] = [b for b, _ in parts]
            d["after"] = [a for _, a in parts]
        out.append(d)
    return out
