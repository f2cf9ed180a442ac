"""HTML view of what an apply, a rollback or an unlock did (the Apply, Rollback and Unlock macros).

Why a view of ``Result.to_dict()`` rather than of the ``Result`` object: the macro, CI (``apply
--json``) and a later reader of a saved result all hold the same JSON, so the page is rendered from
that. Same rules as the plan's HTML (``render.html``): Jinja2 with autoescape forced on, inline CSS,
no script, no external asset, an embeddable ``<div>``; every value shown is user data.
"""
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

from .html import environment, render_html

#: (label, key of ``Result.counts``), in the order the counts table shows them.
COUNT_LABELS = (("created", "created"), ("updated", "updated"), ("replaced", "replaced"), ("deleted", "deleted"),
                ("failed", "failed"), ("skipped", "skipped"))


def result_meta(result: Dict[str, Any]) -> List[str]:
    """The small print under the title: project, apply id, write requests."""
    meta = ["project %s" % result.get("project_key")]
    if result.get("apply_id"):
        meta.append("%s id %s" % (result.get("operation") or "apply", result["apply_id"]))
    if result.get("writes") is not None:
        meta.append("%s write request(s) to DSS" % result["writes"])
    return meta


def render_result_html(title: str, *, failed: bool = False, result: Optional[Dict[str, Any]] = None,
                       notices: Iterable[str] = (), facts: Sequence[Tuple[str, Any]] = (),
                       details: Optional[str] = None, plan_doc: Optional[Dict[str, Any]] = None,
                       plan_label: str = "Plan", plan_open: bool = False) -> str:
    """The result fragment.

    The title is red when ``failed``, green for a ``result`` that succeeded, plain otherwise.
    ``result``: a ``Result.to_dict()`` (counts, one row per resource with its error, its notes);
    ``notices``: lines to stand out (e.g. "data is not restored"); ``facts``: a two-column table
    (the released lock); ``details``: preformatted text (validation problems); ``plan_doc``: a plan
    document shown below, folded unless ``plan_open``.
    """
    import markupsafe  # Jinja2's own dependency
    notices = list(notices)
    meta = []  # type: List[str]
    counts = []  # type: List[Tuple[str, int]]
    resources = []  # type: List[Dict[str, Any]]
    if result is not None:
        meta = result_meta(result)
        notices += list(result.get("notes") or [])
        counts = [(label, int((result.get("counts") or {}).get(key) or 0)) for label, key in COUNT_LABELS]
        resources = list(result.get("resources") or [])
    plan_html = markupsafe.Markup(render_html(plan_doc, fragment=True)) if plan_doc is not None else None
    return environment().get_template("result_fragment.html.j2").render(
        title=title, tone="failed" if failed else "succeeded" if result is not None else "info", meta=meta, notices=notices, facts=[(k, "" if v is None else v) for k, v in facts],
        counts=counts, resources=resources, details=details, plan_html=plan_html, plan_label=plan_label,
        plan_open=plan_open)
