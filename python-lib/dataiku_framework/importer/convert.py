"""DSS JSON -> configuration documents: the importer's names for the kinds' inverses.

Each kind's inverse lives with the kind (issue 17): the project, zone, dataset, managed folder, recipe
and scenario modules under ``resources`` turn the live object (as the plan reads it:
``plan.refresh.Snapshot``) into the configuration object that stands for it, or raise ``LeftOut``
with the reason. Whether the result really stands for the object is not decided here: ``build``
checks it with the plan's own comparison. The importer imports the kinds, never the reverse; the
names below are the ones the importer's callers used before the move.
"""
from typing import Any, Dict, Optional

from ..resources import dataset as dataset_kind, managed_folder
from ..resources.inverse import IDENTIFIER, LeftOut, check_name, described, given  # noqa: F401 (re-exported)
from ..resources.project import import_project as project  # noqa: F401 (re-exported)
from ..resources.recipe.inverse import recipe  # noqa: F401 (re-exported)
from ..resources.scenario.inverse import scenario  # noqa: F401 (re-exported)
from ..resources.zone import import_zone as zone  # noqa: F401 (re-exported)


def folder(raw: Dict[str, Any], zone_name: Optional[str]) -> Dict[str, Any]:
    """A managed folder's document: the managed_folder kind's inverse."""
    return managed_folder.to_config_doc(raw, zone_name)


def dataset(raw: Dict[str, Any], zone_name: Optional[str]) -> Dict[str, Any]:
    """A dataset's document: the dataset kind's inverse."""
    return dataset_kind.to_config_doc(raw, zone_name)
