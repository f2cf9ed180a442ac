"""What every view of a plan shows, computed once: the text, Markdown and HTML views only lay it out.

Why one view model: the three views must agree on what is a change, how a value is written, when a
value is shown as a diff, and (above all) that no secret is ever shown. The plan engine already
redacts ``before``/``after``; the views redact again (``config.secrets.redact_value``) because a
plan document can come from anywhere (a file written by another tool version, hand-edited, a
webapp upload) and a view is where a leak would become visible.
"""

import difflib
import json
import re
from typing import Any, Dict, List, Optional

from ..config.printable import printable
from ..config.secrets import redact, redact_value

#: Actions that change DSS, in the order of the summary line.
ACTIONS = ("create", "update", "replace", "delete")
SYMBOLS = {"create": "+", "update": "~", "replace": "-/+", "delete": "-", "no-op": " "}
#: A value written longer than this (or on several lines) is shown as a diff of its lines.
LONG_VALUE = 80

NO_CHANGES = "No changes. DSS matches the configuration."
#: How a changed field whose origin is not the configuration is marked in every view.
ORIGIN_NOTES = {"config": "", "drift": "drift: changed in DSS", "conflict": "conflict: changed in DSS and in the file"}
#: Section titles, shared by the views.
DRIFT_TITLE = "Drift (changed in DSS since the last apply; the plan restores the applied value)"
CONFLICTS_TITLE = "Conflicts (changed both in DSS and in the configuration; the plan applies the configuration)"
NOT_DELETED_TITLE = "Not deleted (removed from the configuration, left in DSS)"


def summary_line(summary: Dict[str, Any]) -> str:
    """``Plan: 2 to create, 1 to update, 0 to delete.`` (``, 1 to replace`` only when there is one).

    Why replace is optional and last: most plans replace nothing, and scripts that grep the
    Terraform-like line keep working; when something is replaced it is said explicitly rather than
    folded into create + delete, because a replace drops and recreates an object.
    """
    counts = {action: int(summary.get(action) or 0) for action in ACTIONS}
    if not any(counts.values()):
        return NO_CHANGES
    line = "Plan: %d to create, %d to update, %d to delete" % (counts["create"], counts["update"], counts["delete"])
    if counts["replace"]:
        line += ", %d to replace" % counts["replace"]
    return line + "."


def shown(text: Any) -> str:
    """A name, an address, a reason as every view shows it: redacted, on one line, control characters
    visible (``\\x1b``): a plan document and DSS's names are data, never terminal commands."""
    return printable(redact(str(text)), one_line=True)


def format_value(value: Any) -> str:
    """One value as the views write it: JSON (so ``"2"`` and ``2`` differ), keys sorted; JSON escapes
    C0 controls, and ``printable`` the rest (C1 controls such as CSI, line separators, bidi overrides)."""
    return printable(json.dumps(value, sort_keys=True, ensure_ascii=False, default=str), one_line=True)


def _lines_of(value: Any) -> List[str]:
    """The lines a diff compares: a text as it is (line endings normalised), anything else as indented JSON."""
    if value is None:
        return []
    if isinstance(value, str):
        return value.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return json.dumps(value, sort_keys=True, indent=2, ensure_ascii=False, default=str).split("\n")


def unified_diff(before: Any, after: Any, path: str) -> List[str]:
    """The unified diff (``difflib``) of two values, without the trailing newlines of each line."""
    lines = difflib.unified_diff(_lines_of(before), _lines_of(after), fromfile="%s (DSS)" % path,
                                 tofile="%s (config)" % path, lineterm="", n=3)
    return [printable(line) for line in lines]  # a code line of ``ESC[2K ESC[1A`` must not erase the plan


def _last_key(path: str) -> Optional[str]:
    """``params.password`` -> ``password``; ``triggers[0].hour`` -> ``hour``: the key that names a value."""
    parts = [p for p in re.split(r"[.\[\]]+", path or "") if p and not p.isdigit()]
    return parts[-1] if parts else None


def _is_code(path: str, before: Any, after: Any) -> bool:
    return _last_key(path) in ("code", "script", "sql") or any(
        isinstance(v, str) and "\n" in v for v in (before, after))


def field_view(path: str, before: Any, after: Any) -> Dict[str, Any]:
    """How one changed path is shown: short values inline, code and long values as a diff."""
    key = _last_key(path)
    before, after = redact_value(before, key), redact_value(after, key)
    before_text, after_text = format_value(before), format_value(after)
    code = _is_code(path, before, after)
    long_value = code or max(len(before_text), len(after_text)) > LONG_VALUE
    return {"path": shown(path), "before": before, "after": after, "before_text": before_text,
            "after_text": after_text, "code": code, "long": long_value,
            "diff": unified_diff(before, after, path) if long_value else []}


def _implied_fields(entry: Dict[str, Any], secrets: Any = ()) -> List[Dict[str, Any]]:
    """For a create (delete) listed without changes: every top-level field of ``after`` (``before``)."""
    from ..plan.document import scrubbed
    action = entry.get("action")
    side = entry.get("after") if action == "create" else entry.get("before") if action == "delete" else None
    side = scrubbed(side, set(secrets))
    if not isinstance(side, dict):
        return []
    if action == "create":
        return [field_view(str(k), None, v) for k, v in sorted(side.items()) if v not in (None, [], {})]
    return [field_view(str(k), v, None) for k, v in sorted(side.items()) if v not in (None, [], {})]


def resource_view(entry: Dict[str, Any]) -> Dict[str, Any]:
    """One resource change with its fields ready to show (secrets redacted)."""
    from ..plan.document import scrubbed, secret_values
    action = str(entry.get("action") or "no-op")
    changes = [c for c in entry.get("changes") or [] if isinstance(c, dict)]
    # a secret named by a sibling (``{name: token, value: ...}``) is hidden wherever it shows
    secrets = secret_values(entry.get("before"), None, secret_values(entry.get("after")))
    fields = [field_view(str(c.get("path") or ""), scrubbed(c.get("before"), secrets),
                         scrubbed(c.get("after"), secrets)) for c in changes]
    for field, change in zip(fields, changes):
        field["origin"] = change.get("origin") if change.get("origin") in ORIGIN_NOTES else "config"
    return {"address": shown(entry.get("address") or ""), "kind": shown(entry.get("kind") or ""),
            "name": shown(entry.get("name") or ""), "action": shown(action), "symbol": SYMBOLS.get(action, "?"),
            "reason": shown(entry.get("reason") or ""),
            "fields": fields or _implied_fields(entry, secrets),
            "implied": not fields}


def _summary(doc: Dict[str, Any]) -> Dict[str, int]:
    """The document's summary, or counts of its entries when it has none (a hand-written document)."""
    summary = doc.get("summary")
    if isinstance(summary, dict):
        return {k: int(v or 0) for k, v in summary.items() if isinstance(v, (int, float))}
    counts = {}  # type: Dict[str, int]
    for entry in doc.get("resource_changes") or []:
        action = entry.get("action", "no-op")
        counts[action] = counts.get(action, 0) + 1
    return counts


def _differences(items: Any) -> List[Dict[str, Any]]:
    """``drift``/``conflicts`` entries (``{address, path, before, after[, config]}``) ready to show:
    ``before`` is the value last applied, ``after`` DSS's value now, ``config`` what the file asks."""
    out = []
    for item in items or []:
        if isinstance(item, dict):
            path = str(item.get("path") or "")
            view = field_view(path or "(whole resource)", item.get("before"), item.get("after"))
            view["address"] = shown(item.get("address") or "")
            view["deleted"] = not path and item.get("after") is None
            if "config" in item:
                config = field_view(path, item.get("after"), item.get("config"))
                view["config"], view["config_text"] = config["after"], config["after_text"]
                view["long"] = view["long"] or config["long"]
            out.append(view)
    return out


def _not_deleted(items: Any) -> List[Dict[str, str]]:
    """``not_deleted`` entries (``{address, kind, name, reason}``) ready to show."""
    return [{"address": shown(i.get("address") or ""), "reason": shown(i.get("reason") or "")}
            for i in items or [] if isinstance(i, dict)]


def _printable_tree(value: Any) -> Any:
    """``value`` with every string (keys too) made ``printable`` on one line."""
    if isinstance(value, dict):
        return {printable(k, one_line=True): _printable_tree(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_printable_tree(v) for v in value]
    return printable(value, one_line=True)


def view_model(doc: Dict[str, Any]) -> Dict[str, Any]:
    """Everything a view shows of plan document ``doc``; ``no-op`` entries are counted, not listed."""
    if not isinstance(doc, dict):
        raise TypeError("a plan document is a dict (Plan.doc), not %s" % type(doc).__name__)
    entries = [e for e in doc.get("resource_changes") or [] if isinstance(e, dict)]
    changed = [resource_view(e) for e in entries if e.get("action", "no-op") != "no-op"]
    summary = _summary(doc)
    metadata = _printable_tree(redact_value(doc.get("metadata") or {}))
    return {
        "format_version": str(doc.get("format_version") or ""),
        "metadata": metadata,
        "project_key": metadata.get("project_key") or "",
        "dss_url": metadata.get("dss_url") or "",
        "changes": changed,
        "summary": summary,
        "summary_line": summary_line(summary),
        "has_changes": bool(changed) or any(summary.get(a) for a in ACTIONS),
        "no_op_count": len(entries) - len(changed),
        "unmanaged": [shown(u.get("address") or "") for u in doc.get("unmanaged") or [] if isinstance(u, dict)],
        "drift": _differences(doc.get("drift")),
        "conflicts": _differences(doc.get("conflicts")),
        "not_deleted": _not_deleted(doc.get("not_deleted")),
        "has_state": bool(metadata.get("state_serial")),
        # names this key could not check (plan/connections.py): shown by every view
        "warnings": [shown(w) for w in metadata.get("warnings") or []],
    }


def heading(model: Dict[str, Any]) -> str:
    """``project K on http://dss (environment prod)``: what the plan is about, for the views' titles."""
    meta = model["metadata"]
    text = "project %s" % (model["project_key"] or "?")
    if model["dss_url"]:
        text += " on %s" % model["dss_url"]
    if meta.get("environment"):
        text += " (environment %s)" % meta["environment"]
    return text
