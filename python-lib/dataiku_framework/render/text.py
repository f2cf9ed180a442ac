"""Terminal view of a plan: one block per changed resource, then the one-line summary.

Colour (ANSI) only when asked: the CLI asks when stdout is a TTY and ``NO_COLOR`` is unset, so
logs and pipes get plain text. The last line is always the summary line (``Plan: ...`` or
``No changes. ...``), which scripts and people read first.
"""

from typing import Any, Dict, List

from .model import heading, view_model

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
    """``path: before -> after``, or ``path:`` and a diff of its lines for code and long values."""
    indent = "      "
    if field["long"]:
        return [indent + field["path"] + ":"] + _diff_lines(field["diff"][2:], indent + "  ", color)
    if action == "create" and field["before"] is None:
        return [indent + "%s: %s" % (field["path"], field["after_text"])]
    if action == "delete" and field["after"] is None:
        return [indent + "%s: %s" % (field["path"], field["before_text"])]
    return [indent + "%s: %s -> %s" % (field["path"], field["before_text"], field["after_text"])]


def _resource_lines(change: Dict[str, Any], color: bool) -> List[str]:
    action = change["action"]
    title = "%s %s" % (change["symbol"], change["address"])
    lines = ["  " + _paint(title, action, color) + ("  (%s)" % change["reason"] if change["reason"] else "")]
    for field in change["fields"]:
        lines.extend(_field_lines(field, action, color))
    return lines


def _differences(title: str, items: List[Dict[str, Any]], color: bool) -> List[str]:
    lines = [_paint(title, "bold", color)]
    for item in items:
        field = dict(item, path="%s %s" % (item["address"], item["path"]))
        lines.extend(_field_lines(field, "update", color))
    return lines + [""]


def render_text(doc: Dict[str, Any], color: bool = False) -> str:
    """The plan as terminal text; ``color`` adds ANSI colours (create green, update yellow, delete red)."""
    model = view_model(doc)
    lines = [_paint("dss-framework plan for %s" % heading(model), "bold", color), ""]
    for change in model["changes"]:
        lines.extend(_resource_lines(change, color))
        lines.append("")
    if model["drift"]:
        lines.extend(_differences("Drift (changed in DSS outside the configuration):", model["drift"], color))
    if model["conflicts"]:
        lines.extend(_differences("Conflicts (changed both in the configuration and in DSS):", model["conflicts"],
                                  color))
    if model["unmanaged"]:
        lines.append("%d object(s) in DSS are not in the configuration (never touched): %s"
                     % (len(model["unmanaged"]), ", ".join(model["unmanaged"])))
        lines.append("")
    if model["no_op_count"] and model["changes"]:
        lines.append(_paint("%d resource(s) unchanged." % model["no_op_count"], "dim", color))
    lines.append(model["summary_line"])  # never painted: scripts match this line exactly
    return "\n".join(lines)


def difference_lines(doc: Dict[str, Any]) -> List[str]:
    """One line per difference between DSS and the configuration (``address: action (reason)``).

    Used where a short list beats the full plan: ``dss-framework drift`` and the failure message of
    the "Check drift" scenario step.
    """
    model = view_model(doc)
    lines = ["%s: %s%s" % (c["address"], c["action"], " (%s)" % c["reason"] if c["reason"] else "")
             for c in model["changes"]]
    lines += ["%s: %s changed in DSS" % (d["address"], d["path"]) for d in model["drift"]]
    return lines
