"""Standalone HTML view of a plan (Jinja2, autoescape on, inline CSS, no script, no external asset).

Why templates shipped in the package (``render/templates/*.html.j2``): the "Plan" macro returns this
HTML inside DSS and the review webapp embeds the same fragment, so they must not need network
access or files outside ``python-lib``. Autoescape is forced on for every template: every value in a
plan (descriptions, code, names) is user data.
"""

import os
from typing import Any, Dict

from ..config.printable import printable
from .model import ACTIONS, CONFLICTS_TITLE, DRIFT_TITLE, NOT_DELETED_TITLE, ORIGIN_NOTES, heading, view_model

TEMPLATES_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "templates")

_ENVIRONMENT = None  # type: Any


def _visible(value: Any) -> Any:
    """Every ``{{ value }}`` of a template with its control characters shown (``\\x1b``): escaping
    for HTML does not touch them, and a page copied into a terminal would obey them. Markup that a
    template or ``render_html`` already made safe is left as it is."""
    import markupsafe
    if isinstance(value, markupsafe.Markup):
        return value
    return printable(value)


def environment() -> Any:
    """The Jinja2 environment of the shipped templates (created once; reusable by the webapp)."""
    global _ENVIRONMENT
    if _ENVIRONMENT is None:
        import jinja2  # lazily: only the HTML view needs it
        _ENVIRONMENT = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES_DIR), autoescape=True,
                                          trim_blocks=True, lstrip_blocks=True, finalize=_visible)
    return _ENVIRONMENT


def template_context(doc: Dict[str, Any]) -> Dict[str, Any]:
    """What the templates receive: the shared view model plus the summary table's cells."""
    model = view_model(doc)
    counts = model["summary"]
    return dict(model, meta=model["metadata"], title=heading(model), origin_notes=ORIGIN_NOTES,
                drift_title=DRIFT_TITLE, conflicts_title=CONFLICTS_TITLE, not_deleted_title=NOT_DELETED_TITLE,
                summary_labels=list(ACTIONS) + ["unchanged"],
                summary_values=[counts.get(a, 0) for a in ACTIONS] + [counts.get("no-op", model["no_op_count"])])


def render_html(doc: Dict[str, Any], fragment: bool = False) -> str:
    """The plan as a standalone HTML page, or (``fragment=True``) as an embeddable ``<div>``."""
    name = "plan_fragment.html.j2" if fragment else "plan.html.j2"
    return environment().get_template(name).render(**template_context(doc))
