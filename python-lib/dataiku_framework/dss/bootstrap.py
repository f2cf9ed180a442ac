"""The creation requests that DSS's own creators send, shared by the apply writers.

Projects are created and written by one path only: ``Engine.apply`` (each kind's writes under ``resources``). What
stays here are the request bodies a writer sends to create a dataset or a recipe, and to write a
recipe's payload, kept apart because their shape comes from DSS's creators, not from the planner.
(Issue 14 §10: a second create path, with its own project settings code, used to live here; the tests
built their projects through it, so they exercised a path apply never uses.)
"""
from typing import Any, Dict

from ..resources.dataset import new_dataset  # noqa: F401 (its home is the dataset kind; named here for callers)
from . import translate, visual


VIRTUAL_INPUT_TYPES = frozenset(["join", "fuzzyjoin", "geojoin", "vstack", "generate_features"])


def role_blocks(io: Dict[str, Any], direction: str) -> Dict[str, Any]:
    """Recipe inputs or outputs as DSS holds them: ``{role: {items: [...]}}`` (outputs not appending
    unless the config says so)."""
    if direction == "outputs":
        return {role: {"items": [dict({"appendMode": False}, **item) for item in items]}
                for role, items in io["outputs"].items()}
    return {role: {"items": items} for role, items in io["inputs"].items()}


def new_recipe(project: Any, rc: Any, folder_ids: Dict[str, str]) -> Any:
    """Create through ``project.create_recipe`` with the body DSS's own creators send.

    One generic path instead of the client's per-type creator classes: their signatures differ
    (roles, scripts) and some types have none, while the request body shape is uniform."""
    rtype = translate.recipe_type(rc)
    io = translate.recipe_io(rc, folder_ids)
    proto = {"type": rtype, "name": rc.name, "inputs": role_blocks(io, "inputs"),
             "outputs": role_blocks(io, "outputs")}
    creation = {}  # type: dict
    if rc.type in translate.CODE_TYPES:
        creation["script"] = translate.recipe_payload(rc)
    if rtype in VIRTUAL_INPUT_TYPES:
        creation["virtualInputs"] = [item["ref"] for items in io["inputs"].values() for item in items]
        proto["inputs"] = {}
    return project.create_recipe(proto, creation)


def write_payload(settings: Any, rc: Any, payload: Any) -> None:
    """Code replaces the script; a raw ``payload`` replaces what DSS holds (readable keys on top of
    it); readable keys alone are merged over the payload DSS holds, so its structural defaults stay."""
    if isinstance(payload, str):
        settings.set_payload(payload)
    elif rc.payload is not None:
        settings.set_json_payload(payload)
    else:
        settings.set_json_payload(visual.merged(_held_payload(settings), payload))


def _held_payload(settings: Any) -> Dict[str, Any]:
    """The payload DSS holds, as a mapping ({} if it is empty or not JSON)."""
    try:
        held = settings.get_json_payload()
    except ValueError:
        return {}
    return held if isinstance(held, dict) else {}
