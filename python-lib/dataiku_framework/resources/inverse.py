"""What every kind's inverse (DSS -> configuration, for import) shares: the verdict ``LeftOut``, the
name rule, and the helpers that leave out what DSS fills in by itself.

Why here, below the kinds: the importer imports the kinds (their ``to_config``), never the reverse,
so these cannot live in ``importer`` without a cycle; the importer imports them from here.
"""
import re
from typing import Any, Dict, List, Optional

__all__ = ["IDENTIFIER", "LeftOut", "check_name", "described", "given", "same", "strip"]

#: the names the configuration language accepts
IDENTIFIER = re.compile(r"^[A-Za-z0-9_]+$")


class LeftOut(Exception):
    """The object has no faithful form in the configuration language; the message says why."""


def check_name(name: Any) -> str:
    """``name`` when the configuration language accepts it, else ``LeftOut`` saying why."""
    if not isinstance(name, str) or not IDENTIFIER.match(name):
        raise LeftOut("its name %r is not one the configuration language accepts (letters, digits and _)"
                      % (name,))
    return name


def given(out: Dict[str, Any], key: str, value: Any) -> None:
    """``out[key] = value`` unless the value is empty (the default of every optional key)."""
    if value not in (None, "", [], {}):
        out[key] = value


def described(out: Dict[str, Any], raw: Dict[str, Any], short: bool = True) -> None:
    """The description, short description (unless ``short`` is False) and tags of ``raw``, when set."""
    given(out, "description", raw.get("description"))
    if short:
        given(out, "short_desc", raw.get("shortDesc"))
    given(out, "tags", sorted(raw.get("tags") or []))


def strip(values: Any, defaults: Dict[str, Any], variants: Optional[Dict[str, List[Any]]] = None) -> Dict[str, Any]:
    """``values`` without what equals DSS's default: keys whose value is the default (or one of its
    ``variants``), inside mappings key by key (apply merges mappings key by key, so the keys left
    out come back from DSS's defaults), and empty values (``None``, ``{}``, ``[]``: "nothing set");
    ``$``-prefixed UI keys go too."""
    out = {}
    for key, value in (values or {}).items():
        if key.startswith("$") or value in (None, {}, []):
            continue
        default = defaults.get(key, _NONE)
        if same(value, default) or any(same(value, v) for v in (variants or {}).get(key, ())):
            continue
        if isinstance(value, dict) and isinstance(default, dict):
            value = strip(value, default)
            if not value:
                continue
        out[key] = value
    return out


_NONE = object()


def same(a: Any, b: Any) -> bool:
    """Equal, with booleans never equal to numbers (``False == 0`` in Python)."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return a == b
