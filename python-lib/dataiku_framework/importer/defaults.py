"""Values DSS fills in by itself, which an import leaves out of the YAML.

Ground truth: the real exports in ``shared/fixtures/dss-exports`` (DSS 8 to 13) and the create
path (apply: each kind's writes): a value left out here is what DSS (or the create
path) puts back when the imported configuration is applied to a new project, so leaving it out loses nothing.
Each table maps a key to its default; ``strip`` drops the entries equal to it.
"""
#: the recipe defaults live in resources/recipe/inverse.py, the scenario ones in resources/scenario/inverse.py,
#: ``strip`` and ``same`` in resources/inverse.py (issue 17: beside the kinds that own them)


# The dataset and folder defaults live beside their kinds (issue 17); named here for the importer.
from ..resources.dataset import (DSS_PARAMS as DATASET_PARAMS, FORMAT_PARAMS, NO_MAX_LENGTH,  # noqa: F401
                                 format_params)
from ..resources.inverse import same, strip  # noqa: F401
from ..resources.managed_folder import DSS_PARAMS as FOLDER_PARAMS  # noqa: F401
