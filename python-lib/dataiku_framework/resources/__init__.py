"""Resource kinds, one module per kind of DSS object, and their registry.

Each kind turns one config object into its desired DSS form, finds its live form in the
refreshed snapshot, and diffs the two in the config's terms (see ``base.Resource``, ``kind.Kind``).
Plan (and apply) walk ``HANDLERS`` in this order, which ``registry.MODULES`` sets; graph walking lives
in ``plan``, not here.
"""
from typing import Dict

from . import registry
from .base import Context, Resource
from .kind import Kind

HANDLERS = registry.kinds()  # type: tuple
BY_KIND = {h.kind: h for h in HANDLERS}  # type: Dict[str, Kind]
KINDS = tuple(h.kind for h in HANDLERS)


def handler(kind: str) -> Kind:
    """The handler of ``kind`` (``dataset``, ``recipe``...); KeyError names the known kinds."""
    try:
        return BY_KIND[kind]
    except KeyError:
        raise KeyError("unknown resource kind %r (known: %s)" % (kind, ", ".join(KINDS)))


__all__ = ["BY_KIND", "Context", "HANDLERS", "KINDS", "Kind", "Resource", "handler", "registry"]
