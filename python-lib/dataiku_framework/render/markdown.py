"""Markdown view of a plan, for pull-request comments (GitHub/GitLab flavoured).

Only what changes is shown: a summary table, then one section per changed resource with its
changed fields as a table; code as unified diffs in ``diff`` fences; long values (schemas, step
lists) folded in ``<details>`` so a comment on a big plan stays readable. Every user value is put
in a code span or fence, and every other text is escaped, so a dataset description cannot inject
Markdown or HTML into the comment.
"""

import html
import re
from typing import Any, Dict, List

from .model import ACTIONS, CONFLICTS_TITLE, DRIFT_TITLE, NOT_DELETED_TITLE, ORIGIN_NOTES, heading, view_model

#: Code diffs longer than this are folded too.
FOLD_DIFF_LINES = 40
_MD_SPECIALS = re.compile(r"([\\`*_{}\[\]()#+!|~>-])")


def escape(text: str) -> str:
    """Plain text safe in Markdown: HTML escaped, Markdown punctuation backslash-escaped."""
    return _MD_SPECIALS.sub(r"\\\1", html.escape(text, quote=False))


def code_span(text: str, in_table: bool = False) -> str:
    """``text`` as an inline code span whose delimiter is longer than any backtick run inside."""
    longest = max([len(run) for run in re.findall(r"`+", text)] or [0])
    ticks = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or not text else ""
    span = "%s%s%s%s%s" % (ticks, pad, text, pad, ticks)
    return span.replace("|", "\\|") if in_table else span


def fence(lines: List[str], language: str) -> List[str]:
    """A fenced block that no line inside can close early."""
    longest = max([len(run) for line in lines for run in re.findall(r"`{3,}", line)] or [2])
    ticks = "`" * max(3, longest + 1)
    return [ticks + language] + lines + [ticks]


def _summary_table(model: Dict[str, Any]) -> List[str]:
    counts = model["summary"]
    labels = list(ACTIONS) + ["unchanged"]
    values = [str(counts.get(a, 0)) for a in ACTIONS] + [str(counts.get("no-op", model["no_op_count"]))]
    return ["| " + " | ".join(labels) + " |", "|" + "---:|" * len(labels), "| " + " | ".join(values) + " |"]


def _folded(title: str, lines: List[str]) -> List[str]:
    return ["<details><summary>%s</summary>" % html.escape(title), ""] + lines + ["", "</details>"]


def _cell(field: Dict[str, Any], side: str, action: str) -> str:
    """A before/after cell; the side that does not exist (before a create, after a delete) stays empty."""
    absent = (action == "create" and side == "before") or (action == "delete" and side == "after")
    return "" if absent and field[side] is None else code_span(field[side + "_text"], True)


def _field_blocks(fields: List[Dict[str, Any]], action: str = "update") -> List[str]:
    """Short fields as one table; each code or long field as a diff (folded when long)."""
    short = [f for f in fields if not f["long"]]
    out = []  # type: List[str]
    if short:
        out += ["| field | DSS now | configuration |", "| --- | --- | --- |"]
        out += ["| %s%s | %s | %s |" % (code_span(f["path"], True), _note(f), _cell(f, "before", action),
                                         _cell(f, "after", action)) for f in short]
        out.append("")
    for field in (f for f in fields if f["long"]):
        block = fence(field["diff"], "diff")
        if field["code"] and len(field["diff"]) <= FOLD_DIFF_LINES:
            out += ["%s:%s" % (code_span(field["path"]), _note(field)), ""] + block + [""]
        else:
            out += _folded("%s (%d diff lines)" % (field["path"], len(field["diff"])), block) + [""]
    return out


def _resource_section(change: Dict[str, Any]) -> List[str]:
    title = "#### %s %s %s" % (escape(change["symbol"]), change["action"], code_span(change["address"]))
    lines = [title, ""]
    if change["reason"]:
        lines += [escape(change["reason"]), ""]
    return lines + _field_blocks(change["fields"], change["action"])


def _note(field: Dict[str, Any]) -> str:
    """`` (drift: changed in DSS)`` after a field DSS changed; nothing for the configuration's changes."""
    note = ORIGIN_NOTES.get(field.get("origin") or "config")
    return " (%s)" % escape(note) if note else ""


def _differences(title: str, items: List[Dict[str, Any]]) -> List[str]:
    """Drift or conflicts as a table: last applied, DSS now (and what the configuration asks)."""
    conflicts = any("config" in item for item in items)
    head = ["| field | last applied | DSS now |" + (" configuration |" if conflicts else ""),
            "| --- | --- | --- |" + (" --- |" if conflicts else "")]
    rows, long_items = [], []
    for item in items:
        where = code_span("%s %s" % (item["address"], item["path"]), True)
        if item["long"]:
            long_items.append(item)
            continue
        now = "deleted" if item.get("deleted") else code_span(item["after_text"], True)
        rows.append("| %s | %s | %s |%s" % (where, code_span(item["before_text"], True), now,
                                            " %s |" % code_span(item["config_text"], True) if conflicts else ""))
    out = ["#### %s" % escape(title), ""] + ((head + rows + [""]) if rows else [])
    for item in long_items:
        block = fence(item["diff"], "diff")
        out += _folded("%s %s (last applied -> DSS now, %d diff lines)" % (item["address"], item["path"],
                                                                           len(item["diff"])), block) + [""]
    return out


def render_markdown(doc: Dict[str, Any]) -> str:
    """The plan as a pull-request comment: summary table, changed resources, diffs."""
    model = view_model(doc)
    lines = ["### dss-framework plan: %s" % escape(heading(model)), ""]
    lines += _summary_table(model) + ["", "**%s**" % escape(model["summary_line"]), ""]
    for change in model["changes"]:
        lines += _resource_section(change)
    if model["drift"]:
        lines += _differences(DRIFT_TITLE, model["drift"])
    if model["conflicts"]:
        lines += _differences(CONFLICTS_TITLE, model["conflicts"])
    if model["not_deleted"]:
        lines += ["#### %s" % escape(NOT_DELETED_TITLE), ""]
        lines += ["- %s: %s" % (code_span(item["address"]), escape(item["reason"])) for item in model["not_deleted"]]
        lines.append("")
    if model["warnings"]:
        lines += ["> **warning:** %s" % escape(text) for text in model["warnings"]] + [""]
    if model["unmanaged"]:
        listed = ["- %s" % code_span(address) for address in model["unmanaged"]]
        lines += _folded("%d object(s) in DSS not in the configuration (never touched)" % len(listed), listed)
    return "\n".join(lines).rstrip("\n") + "\n"
