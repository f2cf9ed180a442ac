"""DSS JSON -> configuration documents: the inverse of ``dss.translate`` and ``dss.visual``.

One function per kind turns the live object (as the plan reads it: ``plan.refresh.Snapshot``) into
the configuration object that stands for it: first-class keys wherever the translation has one,
readable visual keys where the payload is exactly what they build, and the rest as raw ``params`` /
``payload``, without the values DSS fills in by itself (``defaults``). Whether the result really
stands for the object is not decided here: ``build`` checks it with the plan's own comparison.
Each function returns a document (plain dict, inline ``code``) or raises ``LeftOut`` with the reason.
"""
import json
import re
from typing import Any, Dict, List, Optional, Tuple

from ..config.annotations import facts
from ..dss import translate, visual
from ..resources import dataset as dataset_kind, managed_folder
from ..resources import recipe as recipe_kind
from ..resources.recipe import readable
from . import defaults
from .defaults import same, strip

IDENTIFIER = re.compile(r"^[A-Za-z0-9_]+$")


class LeftOut(Exception):
    """The object has no faithful form in the configuration language; the message says why."""


def check_name(name: Any) -> str:
    if not isinstance(name, str) or not IDENTIFIER.match(name):
        raise LeftOut("its name %r is not one the configuration language accepts (letters, digits and _)"
                      % (name,))
    return name


def _set(out: Dict[str, Any], key: str, value: Any) -> None:
    """``out[key] = value`` unless the value is empty (the default of every optional key)."""
    if value not in (None, "", [], {}):
        out[key] = value


def given(out: Dict[str, Any], key: str, value: Any) -> None:
    """``out[key] = value`` unless the value is empty: the public name of ``_set`` for the kind modules."""
    _set(out, key, value)


def _common(out: Dict[str, Any], raw: Dict[str, Any], short: bool = True) -> None:
    _set(out, "description", raw.get("description"))
    if short:
        _set(out, "short_desc", raw.get("shortDesc"))
    _set(out, "tags", sorted(raw.get("tags") or []))


described = _common  # public name for the kind modules' inverses


# -- project ------------------------------------------------------------------------------------------------------

# moved to the project kind (issue 17); the names stay for the importer until P9 repoints it
from ..resources.project import import_permissions as _permissions, import_project as project  # noqa: E402,F401


# -- zones, folders, datasets -------------------------------------------------------------------------------------

# moved to the zone kind (issue 17)
from ..resources.zone import import_zone as zone  # noqa: E402,F401


def folder(raw: Dict[str, Any], zone_name: Optional[str]) -> Dict[str, Any]:
    """A managed folder's document: the managed_folder kind's inverse."""
    return managed_folder.to_config_doc(raw, zone_name)


def dataset(raw: Dict[str, Any], zone_name: Optional[str]) -> Dict[str, Any]:
    """A dataset's document: the dataset kind's inverse."""
    return dataset_kind.to_config_doc(raw, zone_name)


# -- recipes ------------------------------------------------------------------------------------------------------

def recipe(entry: Dict[str, Any], folder_names: Dict[str, str], zone_name: Optional[str],
           notes: List[Tuple[str, str, str]]) -> Dict[str, Any]:
    raw = entry.get("recipe") or {}
    name = check_name(raw.get("name"))
    dss_type = raw.get("type")
    if not isinstance(dss_type, str) or not dss_type:
        raise LeftOut("it has no type")
    rtype = recipe_kind.config_type(dss_type)
    out = {"name": name, "type": rtype}  # type: Dict[str, Any]
    for side in ("inputs", "outputs"):
        _set(out, side, _io(raw.get(side) or {}, side, folder_names, name, notes))
    params = dict(raw.get("params") or {})
    env = params.get("envSelection")
    if rtype in facts("Recipe").applies_to.get("code_env", ()) and isinstance(env, dict) \
            and env.get("envMode") == "EXPLICIT_ENV" and set(env) == {"envMode", "envName"}:
        out["code_env"] = env["envName"]
        params.pop("envSelection")
    if rtype not in visual.PAYLOAD_ENGINE_TYPES and isinstance(params.get("engineType"), str):
        out["engine"] = params.pop("engineType")
    payload = entry.get("payload")
    if rtype in translate.CODE_TYPES:
        out["code"] = payload if isinstance(payload, str) else ""
    elif payload not in (None, ""):
        out.update(_visual(rtype, payload))
    _common(out, raw)
    _set(out, "zone", zone_name)
    _set(out, "params", strip(params, defaults.RECIPE_PARAMS, defaults.RECIPE_PARAMS_VARIANTS))
    return out


def _io(roles: Dict[str, Any], side: str, folder_names: Dict[str, str], name: str,
        notes: List[Tuple[str, str, str]]) -> List[Any]:
    out = []
    for role in sorted(roles, key=lambda r: (r != "main", r)):
        for item in (roles[role] or {}).get("items") or []:
            ref = folder_names.get(item.get("ref"), item.get("ref"))
            if item.get("deps"):
                notes.append(("recipe", name, "partition dependencies of input %s (not expressible yet; "
                                              "kept in DSS, not in the YAML)" % ref))
            if role == "main" and not item.get("appendMode"):
                out.append(ref)
                continue
            entry = {"ref": ref}  # type: Dict[str, Any]
            if role != "main":
                entry["role"] = role
            if side == "outputs" and item.get("appendMode"):
                entry["append"] = True
            out.append(entry)
    return out


def _visual(rtype: str, payload: Any) -> Dict[str, Any]:
    """Readable keys for what they express exactly, the rest of the payload raw.

    The translation is the oracle: a readable key is kept only when ``visual`` builds back the
    very payload from it (plus the raw remainder); otherwise that part stays in ``payload``."""
    parsed = payload
    if isinstance(payload, str):
        try:
            parsed = json.loads(payload) if payload.strip() else {}
        except ValueError:
            return {"payload": payload}
    if not isinstance(parsed, dict):
        return {"payload": parsed}
    target = _no_ui(parsed)
    if rtype == "prepare":
        target = {k: v for k, v in target.items() if k not in defaults.PREPARE_EDITOR_KEYS}
        if isinstance(target.get("steps"), list):
            target["steps"] = [{k: v for k, v in s.items() if k not in defaults.STEP_EDITOR_KEYS}
                               if isinstance(s, dict) else s for s in target["steps"]]
    chosen = {}  # type: Dict[str, Any]
    found = [(field, extract(target))
             for field, extract in readable.extractors(rtype, rtype in visual.PAYLOAD_ENGINE_TYPES)]
    found = [(field, value) for field, value in found if value is not None]
    if _builds(rtype, dict(found), target):  # keys that build one structure together (a join's type and
        chosen = dict(found)                 # conditions) only rebuild it together
    else:
        for field, value in found:
            trial = dict(chosen, **{field: value})
            if _builds(rtype, trial, target):
                chosen = trial
    rest = strip(_remainder(rtype, chosen, target), defaults.PAYLOAD)
    out = dict(chosen)
    if rest or not chosen:
        out["payload"] = rest
    return out


def _no_ui(value: Any) -> Any:
    """``value`` without ``$``-prefixed UI keys (the plan never compares them)."""
    if isinstance(value, dict):
        return {k: _no_ui(v) for k, v in value.items() if not (isinstance(k, str) and k.startswith("$"))}
    if isinstance(value, list):
        return [_no_ui(v) for v in value]
    return value


class _Recipe(object):
    """A stand-in recipe for the payload builders: the readable keys given, the rest unset."""

    def __init__(self, rtype: str, fields: Dict[str, Any], payload: Any) -> None:
        self.type, self.payload, self.engine = rtype, payload, None
        self.name = "import"
        for field in visual.readable_fields(rtype):
            setattr(self, field, None)
        self.global_count = self.add_origin_column = False
        for key, value in fields.items():
            setattr(self, key, value)


def _builds(rtype: str, fields: Dict[str, Any], target: Dict[str, Any]) -> bool:
    """Whether ``fields`` plus the payload remainder rebuild ``target`` exactly."""
    try:
        rest = _remainder(rtype, fields, target)
        built = translate.recipe_payload(_Recipe(rtype, fields, rest if rest else None))
    except (KeyError, TypeError, ValueError, AttributeError):
        return False
    return same(built, target)


def _remainder(rtype: str, fields: Dict[str, Any], target: Dict[str, Any]) -> Dict[str, Any]:
    """What of ``target`` the readable ``fields`` do not set, when written beside a raw payload
    (booleans left at their default are then the payload's to say, see ``visual._flag``)."""
    return _subtract(target, visual.visual_payload(_Recipe(rtype, fields, {})) or {})


def _subtract(target: Dict[str, Any], built: Dict[str, Any]) -> Dict[str, Any]:
    """``target`` without what ``built`` sets (mappings recursively; other values whole)."""
    out = {}
    for key, value in target.items():
        if key not in built:
            out[key] = value
        elif isinstance(value, dict) and isinstance(built[key], dict):
            rest = _subtract(value, built[key])
            if rest:
                out[key] = rest
    return out




# -- scenarios: the inverse lives with the scenario kind (resources/scenario/inverse.py) ---------------------------

_SCENARIO_NAMES = frozenset(["scenario", "trigger", "step"])


def __getattr__(name: str) -> Any:
    """``convert.scenario``/``trigger``/``step``, imported on first use (the scenario inverse imports
    this module: a load-time import here would be circular)."""
    if name not in _SCENARIO_NAMES:
        raise AttributeError("module %r has no attribute %r" % (__name__, name))
    from ..resources.scenario import inverse
    return getattr(inverse, name)
