"""Values DSS fills in by itself, which an import leaves out of the YAML.

Ground truth: the real exports in ``shared/fixtures/dss-exports`` (DSS 8 to 13) and the create
path (apply's writers, ``resources/writers.py``): a value left out here is what DSS (or the create
path) puts back when the imported configuration is applied to a new project, so leaving it out loses nothing.
Each table maps a key to its default; ``strip`` drops the entries equal to it.
"""
from typing import Any, Dict, List, Optional

_INHERIT_CONTAINER = {"containerMode": "INHERIT"}
_SPARK_CONF = {"inheritConf": "default", "conf": []}

#: recipe definition ``params``
RECIPE_PARAMS = {
    "envSelection": {"envMode": "INHERIT"}, "containerSelection": _INHERIT_CONTAINER, "skipPrerunValidate": False,
    "sparkConfig": _SPARK_CONF,
    "engineParams": {
        "spark": {"readParams": {"mode": "AUTO", "autoModeRepartitionInto": 10, "map": {}},
                  "useGlobalMetastore": False, "useNativeProcessors": True, "sparkConfig": _SPARK_CONF,
                  "executionEngine": "SPARK_SUBMIT", "pipelineAllowStart": True, "pipelineAllowMerge": True,
                  "skipPrerunValidate": False},
        "hive": {"inheritConf": "default", "hiveconf": [], "executionEngine": "HIVESERVER2", "addDkuUdf": False,
                 "skipPrerunValidate": False},
        "impala": {"forceStreamMode": True}, "hadoopConfigKeys": [],
        "sqlPipelineParams": {"pipelineAllowStart": True, "pipelineAllowMerge": True}, "maxThreads": 8,
        "containerSelection": _INHERIT_CONTAINER},
}
#: the same in older DSS versions (the engine params of a prepare recipe had no container selection)
RECIPE_PARAMS_VARIANTS = {"engineParams": [{k: v for k, v in RECIPE_PARAMS["engineParams"].items()
                                            if k != "containerSelection"}]}
#: scenario ``params`` and python scenarios' code env
SCENARIO_PARAMS = {"envSelection": {"envMode": "INHERIT"}, "containerSelection": _INHERIT_CONTAINER}
#: the editor state of a prepare recipe's payload (what its screen shows, not what it computes)
PREPARE_EDITOR_KEYS = frozenset(["explorationSampling", "vizSampling", "columnWidthsByName", "exploreUIParams",
                                 "analysisColumnData", "columnUseScientificNotationByName", "explorationFilters",
                                 "previewMode", "coloring", "sorting", "globalSearchQuery"])
#: the editor state of a prepare step
STEP_EDITOR_KEYS = frozenset(["preview", "alwaysShowComment", "designTimeReport"])
_NO_FILTER = {"distinct": False, "enabled": False}
#: visual recipe payload keys (top level) at DSS's creation value
PAYLOAD = {
    "preFilter": _NO_FILTER, "postFilter": _NO_FILTER, "columnsSelection": {"mode": "ALL"},
    "origin": "PREPARE_RECIPE", "maxProcessedMemTableBytes": -1, "outputColumnNameOverrides": {},
    "engineParams": {
        "hive": {"skipPrerunValidate": False, "hiveconf": [], "inheritConf": "default", "addDkuUdf": False,
                 "executionEngine": "HIVESERVER2"},
        "sqlPipelineParams": {"pipelineAllowMerge": True, "pipelineAllowStart": True},
        "impala": {"forceStreamMode": True}, "lowerCaseSchemaIfEngineRequiresIt": True,
        "sparkSQL": {"skipPrerunValidate": False, "pipelineAllowMerge": True, "useGlobalMetastore": False,
                     "pipelineAllowStart": True,
                     "readParams": {"mode": "AUTO", "autoModeRepartitionInto": 10, "map": {}},
                     "overwriteOutputSchema": False, "executionEngine": "SPARK_SUBMIT", "sparkConfig": _SPARK_CONF}},
}
#: the scenario defaults (trigger and step names, reporter, trigger delay): resources/scenario/inverse.py


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


# The dataset and folder defaults live beside their kinds (issue 17); named here for the importer.
# Imported last: a kind module may import ``strip``/``same`` from here while this module loads.
from ..resources.dataset import (DSS_PARAMS as DATASET_PARAMS, FORMAT_PARAMS, NO_MAX_LENGTH,  # noqa: E402,F401
                                 format_params)
from ..resources.managed_folder import DSS_PARAMS as FOLDER_PARAMS  # noqa: E402,F401
