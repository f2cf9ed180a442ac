"""Resource handlers, one per kind of DSS object, and their registry.

Each handler turns one config object into its desired DSS form, finds its live form in the
refreshed snapshot, and diffs the two in the config's terms (see ``base.Resource``). Plan (and
later apply) walk ``HANDLERS`` in this order; graph walking lives in ``plan``, not here.
"""
from typing import Dict

from .base import Context, Resource
from .dataset import DatasetResource
from .managed_folder import ManagedFolderResource
from .project import ProjectResource
from .recipe import RecipeResource
from .scenario import ScenarioResource
from .variables import VariablesResource
from .zone import ZoneResource

HANDLERS = (ProjectResource(), VariablesResource(), ZoneResource(), ManagedFolderResource(), DatasetResource(),
            RecipeResource(), ScenarioResource())  # type: tuple
BY_KIND = {h.kind: h for h in HANDLERS}  # type: Dict[str, Resource]
KINDS = tuple(h.kind for h in HANDLERS)


def handler(kind: str) -> Resource:
    """The handler of ``kind`` (``dataset``, ``recipe``...); KeyError names the known kinds."""
    try:
        return BY_KIND[kind]
    except KeyError:
        raise KeyError("unknown resource kind %r (known: %s)" % (kind, ", ".join(KINDS)))


__all__ = ["BY_KIND", "Context", "HANDLERS", "KINDS", "Resource", "handler"]
