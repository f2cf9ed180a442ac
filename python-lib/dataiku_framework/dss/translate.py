"""Configuration objects -> the DSS definitions they stand for (pure functions, no I/O).

Why separate from the calls that send them: the same desired definitions are what a plan will
compare with what DSS returns, so the mapping from our readable keys to DSS's JSON lives in one
place. Input is a *resolved* config (``FrameworkConfig.resolved()``): code read from files,
``type: SQL`` replaced by the connection's type, environment overlay applied. The translations of
datasets, folders, scenarios and project settings live with their kinds (``resources``); this module
keeps the recipe pieces the recipe kind and ``bootstrap`` share.
"""
from typing import Any, Dict, List, Optional

from ..config.annotations import facts
from . import visual

#: DSS's default flow zone: its id, and the name the config uses for it (no ``zones:`` entry needed)
DEFAULT_ZONE = "default"
CODE_TYPES = facts("Recipe").applies_to["code"]


def _io_items(refs, folder_ids):
    # type: (List[Any], Dict[str, str]) -> Dict[str, List[Dict[str, Any]]]
    """Recipe inputs/outputs grouped by role (a bare name means role ``main``), as DSS items.

    DSS refers to managed folders by id, the config by name: ``folder_ids`` maps one to the other."""
    roles = {}  # type: Dict[str, List[Dict[str, Any]]]
    for ref in refs or []:
        name, role = (ref, "main") if isinstance(ref, str) else (ref["ref"], ref.get("role") or "main")
        item = {"ref": folder_ids.get(name, name)}  # type: Dict[str, Any]
        if not isinstance(ref, str) and ref.get("append"):
            item["appendMode"] = True
        roles.setdefault(role, []).append(item)
    return roles


def recipe_type(rc):
    # type: (Any) -> str
    from ..resources.recipe import dss_type  # the recipe kind's one table (resources import this module)
    return dss_type(rc.type)


def recipe_io(rc, folder_ids=None):
    # type: (Any, Optional[Dict[str, str]]) -> Dict[str, Dict[str, List[Dict[str, Any]]]]
    ids = folder_ids or {}
    return {"inputs": _io_items(rc.inputs, ids), "outputs": _io_items(rc.outputs, ids)}


def recipe_payload(rc: Any) -> Optional[Any]:
    """The recipe payload the config gives: code for code recipes; for the others, the readable
    visual keys (``visual.visual_payload``) applied on top of the raw ``payload`` mapping, or the raw
    ``payload`` as written when no readable key is set. None: the config does not govern it."""
    if rc.type in CODE_TYPES:
        return rc.code or ""
    readable = visual.visual_payload(rc)
    if readable is not None and rc.payload is not None and not isinstance(rc.payload, dict):
        # validation refuses this (recipe.payload_not_mapping); kept as a guard for unvalidated objects
        raise ValueError("recipe %s: readable keys cannot be applied on top of a %s payload"
                         % (rc.name, type(rc.payload).__name__))
    return visual.merged(rc.payload, readable)


def recipe_params(rc: Any) -> Dict[str, Any]:
    """The recipe definition's ``params`` the config governs (see ``visual.recipe_params``)."""
    return visual.recipe_params(rc)
