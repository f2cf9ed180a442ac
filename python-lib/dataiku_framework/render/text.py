"""Terminal view of a plan: one block per changed resource, then the one-line summary.

Colour (ANSI) only when asked: the CLI asks when stdout is a TTY and ``NO_COLOR`` is unset, so
logs and pipes get plain text. The last line is always the summary line (``Plan: ...`` or
``No changes. ...``), which scripts and people read first.
"""

from typing import Any, Dict, List

from .model import CONFLICTS_TITLE, DRIFT_TITLE, NOT_DELETED_TITLE, ORIGIN_NOTES, heading, view_model

_COLOURS = {"create": "32", "update": "33", "replace": "35", "delete": "31", "+": "32", "-": "31", "@": "36",
            "bold": "1", "dim": "2"}


def _paint(text: str, what: str, color: bool) -> str:
    code = _COLOURS.get(what)
    return "\x1b[%sm%s\x1b[0m" % (code, text) if color and code else text


def _diff_lines(lines: List[str], indent: str, color: bool) -> List[str]:
    out = []
    for line in lines:
        what = "bold" if line.startswith(("---", "+++")) else line[:1]
        out.append(indent + _paint(line, what, color))
    return out


def _field_lines(field: Dict[str, Any], action: str, color: bool) -> List[str]:
    """``path: before -> after``, or ``path:`` and a diff of its lines for code and long values;
    a field changed in DSS (drift, conflict) says so at the end of its first line."""
    indent = "      "
    note = ORIGIN_NOTES.get(field.get("origin") or "config") or ""
    note = "  (%s)" % note if note else ""
    if field["long"]:
        return [indent + field["path"] + ":" + note[1:]] + _diff_lines(field["diff"][2:], indent + "  ", color)
    if action == "create" and field["before"] is None:
        return [indent + "%s: %s%s" % (field["path"], field["after_text"], note)]
    if action == "delete" and field["after"] is None:
        return [indent + "%s: %s%s" % (field["path"], field["before_text"], note)]
    return [indent + "%s: %s -> %s%s" % (field["path"], field["before_text"], field["after_text"], note)]


def _resource_lines(change: Dict[str, Any], color: bool) -> List[str]:
    action = change["action"]
    title = "%s %s" % (change["symbol"], change["address"])
    lines = ["  " + _paint(title, action, color) + ("  (%s)" % change["reason"] if change["reason"] else "")]
    for field in change["fields"]:
        lines.extend(_field_lines(field, action, color))
    return lines


def _differences(title: str, items: List[Dict[str, Any]], color: bool) -> List[str]:
    """Drift or conflicts: ``address path: last applied -> DSS now`` (``; configuration: value``)."""
    lines = [_paint(title + ":", "bold", color)]
    for item in items:
        where = "%s %s" % (item["address"], item["path"])
        if item.get("deleted"):
            lines.append("      %s: deleted in DSS" % item["address"])
        elif item["long"]:
            lines.append("      %s: changed in DSS (last applied -> DSS now):" % where)
            lines.extend(_diff_lines(item["diff"][2:], "        ", color))
        else:
            lines.append("      %s: %s -> %s" % (where, item["before_text"], item["after_text"]))
        if "config" in item:
            lines.append("        the configuration asks: %s" % (
                "the value its change above shows" if item["long"] else item["config_text"]))
    return lines + [""]


def _not_deleted(items: List[Dict[str, str]], color: bool) -> List[str]:
    lines = [_paint(NOT_DELETED_TITLE + ":", "bold", color)]
    lines += ["      %s: %s" % (item["address"], item["reason"]) for item in items]
    return lines + [""]


def render_text(doc: Dict[str, Any], color: bool = False) -> str:
    """The plan as terminal text; ``color`` adds ANSI colours (create green, update yellow, delete red)."""
    model = view_model(doc)
    lines = [_paint("dss-framework plan for %s" % heading(model), "bold", color), ""]
    for change in model["changes"]:
        lines.extend(_resource_lines(change, color))
        lines.append("")
    if model["drift"]:
        lines.extend(_differences(DRIFT_TITLE, model["drift"], color))
    if model["conflicts"]:
        lines.extend(_differences(CONFLICTS_TITLE, model["conflicts"], color))
    if model["not_deleted"]:
        lines.extend(_not_deleted(model["not_deleted"], color))
    if model["unmanaged"]:
        lines.append("%d object(s) in DSS are not in the configuration (never touched): %s"
                     % (len(model["unmanaged"]), ", ".join(model["unmanaged"])))
        lines.append("")
    if model["no_op_count"] and model["changes"]:
        lines.append(_paint("%d resource(s) unchanged." % model["no_op_count"], "dim", color))
    lines.extend(_warnings(model, color))
    lines.append(model["summary_line"])  # never painted: scripts match this line exactly
    return "\n".join(lines)


def _warnings(model: Dict[str, Any], color: bool) -> List[str]:
    """The plan's warnings (``metadata.warnings``: names this key could not check, plan/connections.py)."""
    found = model["warnings"]
    return [_paint("warning: %s" % text, "update", color) for text in found] + ([""] if found else [])


def difference_lines(doc: Dict[str, Any]) -> List[str]:
    """One line per drift: with an apply state, each field changed in DSS since the last apply
    (``address: path changed in DSS``, conflicts too); without one, nothing tells a changed file
    from a changed DSS, so every difference (``address: action (reason)``).

    Used where a short list beats the full plan: ``dss-framework drift`` and the failure message of
    the "Check drift" scenario step.
    """
    model = view_model(doc)
    if not model["has_state"]:
        lines = ["%s: %s%s" % (c["address"], c["action"], " (%s)" % c["reason"] if c["reason"] else "")
                 for c in model["changes"]]
        return lines + ["%s: %s changed in DSS" % (d["address"], d["path"]) for d in model["drift"]]
    lines = ["%s: %s" % (d["address"], "deleted in DSS" if d["deleted"] else "%s changed in DSS" % d["path"])
             for d in model["drift"]]
    return lines + ["%s: %s changed in DSS and in the configuration" % (d["address"], d["path"] or "the resource")
                    for d in model["conflicts"]]


def render_drift(doc: Dict[str, Any], color: bool = False) -> str:
    """``dss-framework drift``'s view of a plan: titled drift, each drifted field once, one last line.

    Why not ``render_text``: drift is not a proposal to apply, and the plan view lists a drifted
    field three times (in its resource, in the drift section, in the short list) and ends with its
    own "No changes. DSS matches ..." line. With an apply state, only what DSS changed since the
    last apply (drift and conflicts, with their values); without one, every difference, by resource."""
    model = view_model(doc)
    lines = [_paint("dss-framework drift for %s" % heading(model), "bold", color), ""]
    if model["has_state"]:
        if model["drift"]:
            lines.extend(_differences(DRIFT_TITLE, model["drift"], color))
        if model["conflicts"]:
            lines.extend(_differences(CONFLICTS_TITLE, model["conflicts"], color))
    else:
        for change in model["changes"]:
            lines.extend(_resource_lines(change, color) + [""])
    count = len(difference_lines(doc))
    if count:
        where = "DSS changed since the last apply" if model["has_state"] else "DSS differs from the configuration"
        lines.append("%s in %d place(s)." % (where, count))
    elif model["has_state"] and model["has_changes"]:
        lines.append("No drift: DSS holds what was last applied (the configuration has changes to apply).")
    else:
        lines.append("No drift: DSS matches the configuration.")
    return "\n".join(lines)
