"""DSS JSON -> configuration documents: the importer's names for the kinds' inverses.

Each kind's inverse lives with the kind (issue 17): its ``to_config`` turns the live objects (as the
plan reads them: ``plan.refresh.Snapshot``) into the configuration objects that stand for them, or
gives ``LeftOut`` with the reason; ``assemble`` runs every kind's ``to_config`` in one loop. Whether
the result really stands for the object is not decided here: ``build`` checks it with the plan's own
comparison. The importer imports the kinds, never the reverse; the names below are the ones the
importer's callers still use.
"""
from ..resources.inverse import IDENTIFIER, LeftOut, check_name, described, given  # noqa: F401 (re-exported)
from ..resources.project import import_project as project  # noqa: F401 (re-exported)
from ..resources.scenario.inverse import scenario  # noqa: F401 (re-exported)
