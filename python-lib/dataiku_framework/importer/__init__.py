"""Import: turn an existing DSS project, live or exported, into a configuration that plans clean.

``import_project(client, key)`` reads a live project through ``dataikuapi`` (the plan's reads, see
``read``); ``import_export(path)`` reads a DSS export (folder or zip). Both return an ``Imported``
(``build``): the validated ``FrameworkConfig`` and what was left out, and why. ``write`` writes the
YAML and code files; ``adopt`` records the imported objects in the apply state.
"""
from typing import Any, Iterable, Optional

from .assemble import Imported, build
from .read import DEFAULT_PARALLELISM, KINDS, read_export, read_live, wanted
from .output import render, summary_lines, write


def import_project(client: Any, project_key: str, include: Optional[Iterable[str]] = None,
                   parallelism: int = DEFAULT_PARALLELISM) -> Imported:
    """Import the live project ``project_key`` (reads only)."""
    kinds = wanted(include)
    return build(read_live(client, project_key, kinds, parallelism), kinds)


def import_export(path: str, project_key: Optional[str] = None, include: Optional[Iterable[str]] = None) -> Imported:
    """Import the DSS export at ``path`` (folder holding ``project_config/``, or zip), as project
    ``project_key`` (default: the key its manifest names, else its folder's name)."""
    kinds = wanted(include)
    return build(read_export(path, project_key, kinds), kinds)


__all__ = ["Imported", "KINDS", "import_export", "import_project", "render", "summary_lines", "write"]
