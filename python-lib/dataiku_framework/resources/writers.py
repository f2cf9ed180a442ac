"""The write half of each resource kind: fetch one object, create it, write fields, delete it.

Why apart from the comparison handlers: the handlers are pure (desired vs live JSON, no client), and
plan uses only them; apply adds these writers, one per kind, all through ``dataikuapi`` public calls.

Every update is a read-modify-write of the object's own settings: the writer reads DSS's JSON, sets
only the top-level keys the plan found different (mappings merged key by key, so what the config
does not manage, UI settings included, stays as DSS has it) and saves it back: one write request per
object (plus one for a zone move). Creation is split in two: ``create`` sends only the creation
request (the one call that is not idempotent) and the settings are then written like an update, so
a creation whose answer was lost can be checked for and completed instead of sent twice.

``call`` runs an idempotent call (reads, settings saves) with retries on transient failures; a 404
reads as None (see ``plan.refresh.Reader``).
"""
from typing import Any, Dict, List, Optional

from ..dss import bootstrap, translate
from . import registry
from .kind import (IDENTITY_KEYS, AmbiguousName, ApplyContext, Writes, id_named,  # noqa: F401 (re-exported)
                   kept_settings, known_by_listing, merge_into, move_to_zone)

from .project import create_project  # noqa: F401 (moved to the project kind; apply.run imports it from here)

_known = known_by_listing  # the name writers used before kind.py


class Writer(Writes):
    """One kind's writes (the shared bodies live in ``kind.Writes``); the legacy classes below
    remain until their kinds' modules implement their writes (issue 17)."""




class RecipeWriter(Writer):
    kind = "recipe"
    zone_type = "RECIPE"
    replace_keys = frozenset(["inputs", "outputs"])

    def handle(self, ctx: ApplyContext, name: str) -> Any:
        return ctx.project.get_recipe(name)

    def fetch(self, ctx: ApplyContext, name: str, keep: bool = False) -> Optional[Dict[str, Any]]:
        settings = self.settings(ctx, name, keep)
        if settings is None:
            return None
        return {"recipe": settings.get_recipe_raw_definition(), "payload": settings.get_payload()}

    def create(self, ctx: ApplyContext, name: str, obj: Any, desired: Dict[str, Any]) -> None:
        bootstrap.new_recipe(ctx.project, obj, ctx.folder_ids)

    def to_dss(self, ctx: ApplyContext, obj: Any, desired: Dict[str, Any], key: str) -> Any:
        """Inputs and outputs as ``{role: {items}}`` with folders by id; each item as ``desired`` has it,
        with what ``with_unmanaged`` carried over (an input's ``deps``)."""
        if key in ("inputs", "outputs"):
            return {role: {"items": [dict(item, ref=ctx.folder_ids.get(item.get("ref"), item.get("ref")))
                                     for item in items]}
                    for role, items in desired[key].items()}
        return desired[key]

    def save(self, ctx: ApplyContext, name: str, obj: Any, desired: Dict[str, Any], keys: List[str]) -> int:
        settings = self.settings(ctx, name)
        raw = settings.get_recipe_raw_definition()
        for key in keys:
            if key == "payload":
                bootstrap.write_payload(settings, obj, desired["payload"])
            elif key in self.replace_keys:  # roles owned whole; a kept role keeps its other keys
                held = raw.get(key) or {}
                raw[key] = {role: dict(held.get(role) or {}, **block)
                            for role, block in self.to_dss(ctx, obj, desired, key).items()}
            else:
                raw[key] = merge_into(raw.get(key), self.to_dss(ctx, obj, desired, key))
        ctx.call(settings.save)
        return 1



#: kind -> its writer: a Kind is its own writer (its write methods delegate to the classes above
#: until its module implements them)
WRITERS = {k.kind: k for k in registry.kinds()}  # type: Dict[str, Any]
