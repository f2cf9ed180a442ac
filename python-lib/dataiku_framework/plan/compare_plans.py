"""Two plans of a project compared by what they would do: the one a reviewer approved and the one
made now.

Why: a pipeline plans a pull request, a person reviews that plan, and the merge job applies. The
merged commit is rarely the reviewed one (other pull requests landed, the merge made a new commit),
so the saved plan is always stale by its metadata (commit, configuration digest, creation time,
document digest). What must hold is narrower: applying now does exactly what was reviewed. So the
resource changes are compared (each address, its action, what it looks like before and after, the
field changes, its order) and the instance and project; the metadata that merely records how the
plan was made is not. ``apply.run.stale_differences`` uses ``entry_differences`` too, for saved plans.
"""
from typing import Any, Dict, List, Optional

#: at most this many differences are listed in one message; the rest are counted
SHOWN_DIFFERENCES = 10
#: what binds a plan entry: what it does (action), to what (kind, name), from what to what (before,
#: after and the field changes shown), how (drop_data, prevent_destroy) and in which order (depends_on)
ENTRY_FIELDS = ("kind", "name", "action", "before", "after", "changes", "drop_data", "prevent_destroy", "depends_on")
#: the metadata a reviewed plan and the plan made now must share: what it is a plan OF
SUBJECT_FIELDS = (("project_key", "the project"), ("dss_url", "the DSS instance"))


def entry_differences(saved_entries: Any, fresh_entries: Any, created: bool = False) -> List[str]:
    """One line per address whose entry differs between ``saved_entries`` and ``fresh_entries`` (the
    ``resource_changes`` of two plans): added, removed, its action, or another of ``ENTRY_FIELDS``.

    ``created``: the project was created since ``saved_entries`` were planned; for the entries they
    planned to create only ``after`` (what the configuration asks) must still match."""
    out = []
    saved_by, fresh_by = by_address(saved_entries), by_address(fresh_entries)
    for address, entry in saved_by.items():
        now = fresh_by.get(address)
        if now is None:
            out.append("%s (in the plan, not planned now)" % address)
            continue
        fields = ENTRY_FIELDS
        if created and entry.get("action") == "create":
            fields = ("kind", "name", "after")
        moved = [f for f in fields if entry.get(f) != now.get(f)]
        if moved == ["before"] or moved == ["before", "changes"]:
            out.append("%s (changed in DSS since the plan)" % address)
        elif "action" in moved:
            out.append("%s (action: the plan's %s, now %s)" % (address, entry.get("action"), now.get("action")))
        elif moved:
            out.append("%s (%s differ%s)" % (address, ", ".join(moved), "s" if len(moved) == 1 else ""))
    out += ["%s (planned now, not in the plan: %s)" % (a, e.get("action")) for a, e in fresh_by.items()
            if a not in saved_by]
    return out


def by_address(entries: Any) -> Dict[str, Dict[str, Any]]:
    """The plan entries keyed by their address (anything that is not an entry is left out)."""
    return {e.get("address"): e for e in entries or [] if isinstance(e, dict)}


def normal_metadata(field: str, value: Any) -> Any:
    """A metadata value as compared: a DSS URL without its trailing slash."""
    return value.rstrip("/") if field == "dss_url" and isinstance(value, str) else value


def compare_plans(reviewed: Any, fresh: Any) -> List[str]:
    """What differs between the ``reviewed`` plan and the ``fresh`` one (``Plan`` objects or plan
    documents), one line each: the project, the DSS instance, then every resource change (see
    ``entry_differences``). Empty: applying ``fresh`` does what was reviewed. Ignored: when, from
    which file or commit, and against which state serial each was made, and their digests."""
    reviewed_doc, fresh_doc = _doc(reviewed), _doc(fresh)
    meta_r, meta_f = reviewed_doc.get("metadata") or {}, fresh_doc.get("metadata") or {}
    out = ["%s (metadata.%s: the reviewed plan's %s, now %s)" % (what, field, meta_r.get(field), meta_f.get(field))
           for field, what in SUBJECT_FIELDS
           if normal_metadata(field, meta_r.get(field)) != normal_metadata(field, meta_f.get(field))]
    return out + entry_differences(reviewed_doc.get("resource_changes"), fresh_doc.get("resource_changes"))


def _doc(plan: Any) -> Dict[str, Any]:
    return plan.doc if hasattr(plan, "doc") else plan


def differences_text(changed: List[str]) -> str:
    """The first ``SHOWN_DIFFERENCES`` differences, and how many more: one line stays readable
    however many resources moved (a whole project edited meanwhile)."""
    shown = changed[:SHOWN_DIFFERENCES]
    rest = len(changed) - len(shown)
    return "; ".join(shown) + ("; and %d more" % rest if rest else "")


class NotReviewedError(ValueError):
    """The plan made now does not do what the reviewed plan did: nothing is applied. ``changed``
    lists every difference (the message shows the first ``SHOWN_DIFFERENCES``), ``fresh`` is the
    plan made now (a pipeline may publish it for the new review)."""

    code = "plan.not_reviewed"  #: its ``errors.CATALOGUE`` code, shown in the error line and in --json

    def __init__(self, project_key: Any, changed: List[str], fresh: Any = None, reviewed: Optional[str] = None) -> None:
        self.changed = list(changed)
        self.fresh = fresh
        super().__init__("the plan of project %s differs from the reviewed plan%s, nothing was applied: %s. "
                         "Plan this commit again and have the new plan reviewed"
                         % (project_key, " (%s)" % reviewed if reviewed else "", differences_text(changed)))
