"""The recipe kind's writes (apply): create through DSS's own creation body, then write the settings.

Why apart from the comparison (``__init__``): plan uses only the comparison; these run on apply, all
through ``dataikuapi`` public calls. A recipe's settings are two documents in one save: the recipe
definition and its payload (code, or the visual recipe's JSON), so ``fetch`` and ``save`` differ
from the shared ``Writes`` bodies; inputs and outputs are owned whole, role by role.
"""
from typing import Any, Dict, List, Optional

from ...dss import bootstrap
from ..kind import ApplyContext, Writes, merge_into


class RecipeWrites(Writes):
    """The recipe kind's ``Writes``: mixed in before ``Kind`` by ``RecipeResource``."""

    replace_keys = frozenset(["inputs", "outputs"])

    def handle(self, ctx: ApplyContext, name: str) -> Any:
        return ctx.project.get_recipe(name)

    def object_id(self, ctx: ApplyContext, name: str) -> str:
        """DSS files a recipe by its name."""
        return name

    def fetch(self, ctx: ApplyContext, name: str, keep: bool = False) -> Optional[Dict[str, Any]]:
        """``{recipe, payload}``: the snapshot's shape (None when DSS does not have the recipe)."""
        from . import live_recipe
        settings = self.settings(ctx, name, keep)
        return None if settings is None else live_recipe(settings)

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
        """Set ``keys`` on the definition (the payload through ``bootstrap.write_payload``): one save."""
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
