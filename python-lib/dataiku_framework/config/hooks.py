"""Registrations made by higher layers, read by the configuration model.

Why: the configuration layer must not import DSS-facing code or the importer (issue 17 §1,
layering), yet some of its public API needs them (``FrameworkConfig.from_project``, the failure
classification of ``config.api``, the checks each kind declares). A higher module (``wiring``)
registers the function here; the config code looks it up by name when it runs.
"""
from typing import Any, Callable, Dict, List

_HOOKS = {}  # type: Dict[str, Callable[..., Any]]
_CHECKS = {"offline": [], "online": []}  # type: Dict[str, List[Callable[..., Any]]]


def register(name: str, fn: Callable[..., Any]) -> None:
    """Register ``fn`` under ``name`` (a later registration replaces an earlier one)."""
    _HOOKS[name] = fn


def get(name: str) -> Callable[..., Any]:
    """The function registered under ``name``; LookupError saying that nothing registered it."""
    try:
        return _HOOKS[name]
    except KeyError:
        raise LookupError("nothing registered %r: import dataiku_framework (its wiring registers it) "
                          "before using this function" % name)


def add_check(fn: Callable[..., Any], online: bool = False) -> None:
    """Add a semantic check (``Checker -> None``) or, ``online``, an online one (``(doc, client) ->
    diagnostics``); added once even when registered again."""
    checks = _CHECKS["online" if online else "offline"]
    if fn not in checks:
        checks.append(fn)


def checks(online: bool = False) -> List[Callable[..., Any]]:
    """The registered checks, in registration order."""
    return list(_CHECKS["online" if online else "offline"])
