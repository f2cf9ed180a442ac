"""Views of a plan document: terminal text, Markdown (pull-request comments), standalone HTML.

Why views are functions of the plain document (a dict), not of the ``Plan`` object: a plan saved
with ``dss-framework plan --out`` and read back later (CI artefact, review webapp, macro) renders
the same way as a fresh one, and the views never need DSS. They register themselves in ``config.hooks``
as ``plan view NAME``, the views ``Plan.to_text/to_markdown/to_html`` use: the plan data never imports them.
"""

from ..config import hooks
from .html import render_html
from .markdown import render_markdown
from .text import render_text

__all__ = ["render_html", "render_markdown", "render_text"]

hooks.register("plan view text", render_text)
hooks.register("plan view markdown", render_markdown)
hooks.register("plan view html", render_html)
