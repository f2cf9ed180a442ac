"""Registrations the top layer makes for the layers below it (issue 17 §1, layering).

Why: the configuration model must not import DSS-facing code or the importer, and the plan data must
not import its views; yet ``FrameworkConfig.from_project``, the online check's failure
classification, the recipe translation's limits, the checks each kind declares and
``Plan.to_markdown()`` need them. This module, imported by the package itself, registers them in
``config.hooks`` (the plan views by importing ``render``, which registers them there as ``plan view
NAME``). It stays cheap and never imports ``dataikuapi``: the importer and the kinds are imported
when first used.
"""
from typing import Any, List

from . import render  # noqa: F401  (registers the text, Markdown and HTML views of plan documents)
from .config import hooks
from .dss.failures import classify
from .dss.visual import problems


def _import_project(client: Any, project_key: str, include: Any = None) -> Any:
    from .importer import import_project
    return import_project(client, project_key, include)


def _import_export(path: str, project_key: Any = None, include: Any = None) -> Any:
    from .importer import import_export
    return import_export(path, project_key, include)


def _kind_checks(ck: Any) -> None:
    """Every offline check the kinds declare (``Kind.checks``); the registry is read on first use."""
    from .resources import registry
    for kind in registry.kinds():
        for check in kind.checks:
            check(ck)


def _kind_online_checks(doc: Any, client: Any) -> List[Any]:
    """Every online check the kinds declare (``Kind.online_checks``)."""
    from .resources import registry
    found = []  # type: List[Any]
    for kind in registry.kinds():
        for check in kind.online_checks:
            found.extend(check(doc, client))
    return found


hooks.register("classify_failure", classify)
hooks.register("recipe_problems", problems)
hooks.register("import_project", _import_project)
hooks.register("import_export", _import_export)
hooks.add_check(_kind_checks)
hooks.add_check(_kind_online_checks, online=True)
