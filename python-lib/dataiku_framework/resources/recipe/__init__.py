"""Recipes: type, inputs/outputs, params and payload (code, or the visual payload's keys).

DSS refers to managed folders by id; the desired form names them, and the live form maps ids back
to names, so a recipe reading a folder is compared in the config's terms. Inputs and outputs are
owned whole (a role or item added in DSS is a change) and reported as one change each.
"""
import copy
from typing import Any, Dict, Iterable, List, Optional, Tuple

from ...dss import translate
from ..base import ABSENT, ANY, at_path, format_path
from ..kind import Kind, code_env_path, described_form, each_converted, zone_lookup
from . import readable
from .checks import CHECKS
from .inverse import json_payload, recipe as import_recipe
from .types import RECIPE_TYPES, config_type, dss_type  # noqa: F401 (the kind's names)
from .writes import RecipeWrites


class RecipeResource(RecipeWrites, Kind):
    # -- declarations (issue 17: the registry derives the rest from these)
    section = ("recipes",)
    include_names = ("recipes", "recipe")
    list_calls = {"recipes": lambda client, project: [dict(r) for r in project.list_recipes()]}
    detailed = True
    listed_unmanaged = True
    delete_order = 20
    zone_type = "RECIPE"
    git_paths = (("recipes", False),)
    kind = "recipe"
    definition = "Recipe"
    set_paths = (("tags",),)
    exact_paths = (("inputs",), ("outputs",))
    atomic_paths = (("inputs",), ("outputs",))
    # an item's partition dependencies (``deps``) and whatever else DSS keeps beside its ref
    carried = {("inputs", ANY): "ref", ("outputs", ANY): "ref"}
    live_defaults = {("description",): "", ("shortDesc",): "", ("tags",): [], ("params",): {}}
    path_map = ((("shortDesc",), ("short_desc",)), (("params", "engineType"), ("engine",)))
    checks = CHECKS

    def configured(self, config: Any) -> List[Tuple[str, Any]]:
        return [(rc.name, rc) for rc in config.recipes]

    def desired(self, rc: Any, ctx: Any) -> Dict[str, Any]:
        io = translate.recipe_io(rc, {})
        outputs = {role: [dict(item, appendMode=bool(item.get("appendMode"))) for item in items]
                   for role, items in io["outputs"].items()}
        out = {"type": dss_type(rc.type), "inputs": io["inputs"], "outputs": outputs}  # type: Dict[str, Any]
        params = translate.recipe_params(rc)
        if params:
            out["params"] = params
        payload = translate.recipe_payload(rc)
        if payload is not None:
            out["payload"] = payload
        described_form(out, rc)
        if rc.zone:
            out["zone"] = rc.zone
        return out

    def detail(self, project: Any, name: str, snap: Any) -> Dict[str, Any]:
        """One recipe's full read (its definition and payload: one GET), in the snapshot's shape."""
        return live_recipe(project.get_recipe(name).get_settings())

    def depends_on(self, rc: Any, ctx: Any) -> List[str]:
        """Its inputs and outputs (datasets or folders) and its zone."""
        deps = [ctx.item_address(name) for name in list(rc.input_names()) + list(rc.output_names())]
        if rc.zone:
            deps.append("zone.%s" % rc.zone)
        return deps

    def produces(self, rc: Any, ctx: Any) -> List[str]:
        return [ctx.item_address(name) for name in rc.output_names()]

    def listed(self, snap: Any, live: Optional[Dict[str, Any]] = None) -> List[str]:
        """Every recipe DSS lists, not only those read in detail (the configured ones)."""
        return list(snap.recipe_names)

    def read(self, snapshot: Any) -> Dict[str, Dict[str, Any]]:
        return snapshot.recipes

    def live_form(self, live: Dict[str, Any], ctx: Any, desired: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
        """``{recipe, payload}`` flattened; roles as item lists with folder ids named; JSON payloads parsed."""
        recipe = live.get("recipe") or {}
        out = dict(recipe)
        for direction in ("inputs", "outputs"):
            out[direction] = {role: [_named(item, ctx.folder_names) for item in block.get("items") or []]
                              for role, block in (recipe.get(direction) or {}).items()
                              if block.get("items")}
        payload = live.get("payload")
        want = (desired or {}).get("payload")
        # a visual payload is compared parsed; not JSON, it is compared as text, so the change shows
        out["payload"] = json_payload(payload) if isinstance(want, (dict, list)) else payload
        out["zone"] = ctx.zone("RECIPE", recipe.get("name"))
        return out

    def config_form(self, form: Dict[str, Any], name: str, obj: Any = None) -> Optional[Dict[str, Any]]:
        """Through the kind's inverse: roles as ``[a, {ref, role}]``, a visual payload as its readable keys."""
        recipe = {k: v for k, v in form.items() if k not in ("payload", "zone")}
        for side in ("inputs", "outputs"):
            recipe[side] = {role: {"items": items} for role, items in (form.get(side) or {}).items()}
        zone = form.get("zone")
        entry = {"recipe": dict(recipe, name=name), "payload": form.get("payload")}
        return import_recipe(entry, {}, None if zone in (None, translate.DEFAULT_ZONE) else zone, [])

    # -- inverse (import)
    def to_config(self, snap: Any, ictx: Any) -> Iterable[Tuple[str, Any]]:
        """(name, document or ``LeftOut``) per recipe read: folders named, the zone the import context
        gives, what the language cannot say (partition dependencies) added to ``ictx.notes`` when it
        keeps notes."""
        folder_names = snap.folder_names()
        zone_of = zone_lookup(ictx)
        notes = getattr(ictx, "notes", None)
        notes = notes if isinstance(notes, list) else []
        return each_converted(self.read(snap), lambda name, live: import_recipe(
            live, folder_names, zone_of("RECIPE", name), notes))

    def replace_reason(self, desired: Dict[str, Any], live: Dict[str, Any]) -> Optional[str]:
        if desired.get("type") != live.get("type"):
            return "type cannot change in place (%s -> %s)" % (live.get("type"), desired.get("type"))
        return None

    def config_path(self, path, obj):
        if path[:2] == ("payload", "engineType") and obj is not None and obj.engine:
            return "engine"
        if path and path[0] == "payload":
            code = obj is not None and obj.type in translate.CODE_TYPES
            if code:
                return format_path(("code",) + tuple(path[1:]))
            key = readable_key(obj, path[1:])
            if key is None and obj is not None and at_path(obj.payload, path[1:2]) is ABSENT:
                # a readable key the config leaves at its default, and no raw payload sets the path
                key = readable.config_key(obj.type, tuple(path[1:]))
            return key or format_path(path)
        return code_env_path(path, obj) or Kind.config_path(self, path, obj)


def readable_key(rc: Any, payload_path: Any) -> Optional[str]:
    """The readable key (``keys``, ``aggregations``...) that sets ``payload_path`` of a visual
    recipe's payload, or None when the raw ``payload`` (or nothing) sets it.

    The table (``readable.sole_key``) names the candidate when the path is one key's alone, and
    the recipe as written confirms it (a boolean left at its default over a raw payload is the
    payload's). Otherwise (a split ``mode`` moves the list holding ``ratio``; ``joins`` holds two
    keys) the search: the payload is built once without each readable
    key the recipe sets, and the key whose absence (or other value) changes that path is the one the
    user wrote. Only run for a path that differs, so its cost does not weigh on unchanged recipes."""
    if rc is None or not payload_path:
        return None
    from ...dss import visual
    full = at_path(translate.recipe_payload(rc), payload_path)
    fields = [f for f in visual.readable_fields(rc.type) + ["engine"] if getattr(rc, f, None) not in (None, [], {})]
    listed = readable.sole_key(rc.type, payload_path)
    if listed in fields and (_left_out_changes(rc, listed, full, payload_path)
                             or _other_value_changes(rc, listed, full, payload_path)):
        return listed
    for field in fields:  # left out, the key no longer sets the path
        if _left_out_changes(rc, field, full, payload_path):
            return field
    for field in fields:  # a value equal to the default: another allowed value changes the path
        if _other_value_changes(rc, field, full, payload_path):
            return field
    return None


def _left_out_changes(rc: Any, field: str, full: Any, payload_path: Any) -> bool:
    return _payload_at(rc, field, type(rc)._initial(field), payload_path) not in (full, _FAILED)


def _other_value_changes(rc: Any, field: str, full: Any, payload_path: Any) -> bool:
    others = [v for v in _choices(field) if v != getattr(rc, field)]
    return bool(others) and _payload_at(rc, field, others[0], payload_path) not in (full, _FAILED)


_FAILED = object()


def _payload_at(rc: Any, field: str, value: Any, payload_path: Any) -> Any:
    """The payload value at ``payload_path`` when ``rc``'s ``field`` is ``value`` (``rc`` untouched)."""
    clone = copy.copy(rc)
    object.__setattr__(clone, field, value)
    try:
        return at_path(translate.recipe_payload(clone), payload_path)
    except (TypeError, ValueError, KeyError, AttributeError):
        return _FAILED  # this key cannot be changed alone; it is not the one


def _choices(field: str) -> List[Any]:
    """The values the config schema allows for a recipe key with a fixed list of choices."""
    from ...config.schema_check import load_schema
    return list(load_schema()["$defs"]["Recipe"]["properties"].get(field, {}).get("enum") or [])


def _named(item: Dict[str, Any], folder_names: Dict[str, str]) -> Dict[str, Any]:
    ref = item.get("ref")
    return dict(item, ref=folder_names[ref]) if ref in folder_names else item


def live_recipe(settings: Any) -> Dict[str, Any]:
    """A recipe's settings in the snapshot's shape: DSS saves them as two documents, ``{recipe, payload}``
    (the definition, and the code or the visual recipe's JSON)."""
    return {"recipe": settings.get_recipe_raw_definition(), "payload": settings.get_payload()}
