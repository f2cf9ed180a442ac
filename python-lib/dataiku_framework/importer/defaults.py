"""Values DSS fills in by itself, which an import leaves out of the YAML.

Ground truth: the real exports in ``shared/fixtures/dss-exports`` (DSS 8 to 13) and the create
path (apply's writers, ``resources/writers.py``): a value left out here is what DSS (or the create
path) puts back when the imported configuration is applied to a new project, so leaving it out loses nothing.
Each table maps a key to its default; ``strip`` drops the entries equal to it.
"""
from typing import Any, Dict, List, Optional

_FILES_SELECTION = {"mode": "ALL", "excludeRules": [], "includeRules": [], "explicitFiles": []}
_INHERIT_CONTAINER = {"containerMode": "INHERIT"}
_SPARK_CONF = {"inheritConf": "default", "conf": []}

#: dataset ``params`` (files-based and SQL datasets)
DATASET_PARAMS = {
    "notReadyIfEmpty": False, "filesSelectionRules": _FILES_SELECTION,
    "variablesExpansionLoopConfig": {"enabled": False, "mode": "CREATE_VARIABLE_FOR_EACH_COLUMN", "replacements": []},
    "partitioningType": "custom", "normalizeDoubles": True, "tableCreationMode": "auto",
    "writeInsertBatchSize": 10000, "writeJDBCBadDataBehavior": "DETECT_AND_SAVE",
    "readColsWithUnknownTzAsDates": False, "readSQLDateColsAsDSSDates": True,
    "uploadConnection": "Default (in DSS data dir.)", "uploadedConfig": {},
}
#: managed folder ``params``
FOLDER_PARAMS = {"notReadyIfEmpty": False, "filesSelectionRules": _FILES_SELECTION, "path": "${projectKey}/${odbId}"}

_CSV_COMMON = {
    "quoteChar": "\"", "escapeChar": "\\", "maxRowChars": 100000000, "dateSerializationFormat": "ISO",
    "arrayMapFormat": "json", "hiveSeparators": ["\u0002", "\u0003", "\u0004", "\u0005", "\u0006", "\u0007", "\b"],
    "skipRowsBeforeHeader": 0, "skipRowsAfterHeader": 0, "probableNumberOfRecords": 0, "normalizeBooleans": False,
    "normalizeDoubles": True, "readAdditionalColumnsBehavior": "INSERT_IN_DATA_WARNING",
    "readMissingColumnsBehavior": "DISCARD_SILENT", "readDataTypeMismatchBehavior": "DISCARD_WARNING",
    "writeDataTypeMismatchBehavior": "DISCARD_WARNING", "fileReadFailureBehavior": "FAIL",
}
#: ``formatParams`` by format type: of a dataset DSS reads (``False``) or manages (``True``: the
#: storage format the create path picks, ``translate.FORMAT_OPTIONS``)
FORMAT_PARAMS = {
    ("csv", False): dict(_CSV_COMMON, style="excel", charset="utf-8", separator=",", parseHeaderRow=True, compress=""),
    ("csv", True): dict(_CSV_COMMON, style="escape_only_no_quote", charset="utf8", separator="\t",
                        parseHeaderRow=False, compress=""),
    ("parquet", None): {"parquetLowerCaseIdentifiers": False, "representsNullFields": False,
                        "parquetCompressionMethod": "SNAPPY", "parquetFlavor": "HIVE", "parquetBlockSizeMB": 128},
    ("json", None): {"style": "per_line", "charset": "utf-8", "arrayMapFormat": "json",
                     "dateSerializationFormat": "ISO", "compress": ""},
    ("avro", None): {"avroCompressionMethod": "SNAPPY", "avroSyncInterval": 16000, "avroCompatibleNames": False},
    ("orc", None): {"orcCompressionMethod": "SNAPPY", "orcStripeSizeMB": 64, "orcFlavor": "HIVE"},
    ("excel", None): {"xlsx": True, "preserveNumberFormatting": False, "parseDatesToISO": False,
                      "skipRowsBeforeHeader": 0, "parseHeaderRow": True, "skipRowsAfterHeader": 0, "sheets": "*"},
}
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
#: the project ``settings`` of a new project
PROJECT_SETTINGS = {
    "flowAnchorSourcesAndSinks": True, "gitCommitMode": "AUTO", "disableAutomaticTriggers": False,
    "integrations": {"integrations": []},
    "flowBuildSettings": {"mergeSparkPipelines": False, "pruneBeforeSparkPipelines": True,
                          "mergeSqlPipelines": False, "pruneBeforeSqlPipelines": True},
    "limitsSettings": {"memSampleBytes": {"soft": -1, "hard": -1}, "shakerMemTableBytes": {"soft": -1, "hard": -1},
                       "attachmentBytes": {"soft": -1, "hard": -1}},
    "relocationSettings": {"sqlLikeRecipesInitializationMode": "RESOLVED_TABLE_REFERENCES"},
    "recipeEnginesPreferences": {"forbiddenEngines": [], "enginesPreferenceOrder": [], "forbiddenByRecipeType": {},
                                 "preferenceByRecipeType": {}},
    "codeEnvs": {"python": {"useBuiltinEnv": True, "preventOverride": False},
                 "r": {"useBuiltinEnv": True, "preventOverride": False}},
    "container": {"containerMode": "NONE"}, "k8sCluster": {"clusterMode": "INHERIT"},
    "cluster": {"clusterMode": "INHERIT"},
    "datasetsCreationSettings": {"useGlobal": True,
                                 "preferedStorageFormats": "CSV_ESCAPING_NOGZIP_FORHIVE,CSV_EXCEL_GZIP,PARQUET_HIVE",
                                 "virtualizable": False, "allowUploadsWithoutConnection": True},
}
_INHERIT_ENV = {"mode": "INHERIT", "preventOverride": False}
_WEBAPP_INFRA = {"containerSelection": _INHERIT_CONTAINER, "overrideGlobalK8sExposition": False,
                 "exposition": {"type": "local_process", "params": {}}}
_SCALING = {"initialReplicas": 1, "hpa": False, "hpaTargetCPUPercent": 0, "hpaMinPods": 0, "hpaMaxPods": 0}
#: the defaults of newer DSS versions (12, 13: the newest fixtures), accepted beside ``PROJECT_SETTINGS``
PROJECT_SETTINGS_VARIANTS = {
    "flowBuildSettings": [dict(PROJECT_SETTINGS["flowBuildSettings"], defaultRecipeHashPropagationBehavior="ENABLED")],
    "flowDisplaySettings": [{"zonesGraphRenderingAlgorithm": "DOT_OLDRANK", "zonesGraphConnectZones": True},
                            {"zonesGraphRenderingAlgorithm": "DOT_OLDRANK", "zonesGraphConnectZones": True,
                             "zonesGraphForJobs": True, "zonesManualPositioning": False}],
    "codeEnvs": [{"python": _INHERIT_ENV, "r": _INHERIT_ENV, "julia": _INHERIT_ENV}],
    "container": [_INHERIT_CONTAINER], "containerForVisualRecipesWorkloads": [_INHERIT_CONTAINER],
    "sharingRequestsEnabled": ["INHERIT"], "limitedVisibilityEnabled": ["INHERIT"],
    "accessRequestsEnabled": ["INHERIT"],
    "hiveEngineCreationSettings": [{"useGlobal": True, "executionEngine": "HIVECLI_LOCAL"}],
    "sparkEngineCreationSettings": [{"useGlobal": True, "executionEngine": "SPARK_SUBMIT",
                                     "useGlobalMetastore": False}],
    "impalaEngineCreationSettings": [{"useGlobal": True, "streamMode": True}],
    "wikiSettings": [{"promoted": False}],
    "virtualWebAppBackendSettings": [
        dict(_INHERIT_ENV, infra=dict(_WEBAPP_INFRA, scaling=_SCALING)),
        dict(_INHERIT_ENV, infra=dict(_WEBAPP_INFRA, deploymentModifier={"config": {}}, scaling=dict(
            _SCALING, progressDeadlineSeconds=600, hpaMetrics=[], hpaAnnotations=[])))],
}
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
#: the colour the create path gives a zone that names none
ZONE_COLOR = "#2ab1ac"
#: a column's maxLength when DSS sets none
NO_MAX_LENGTH = -1


def format_params(format_type: Any, managed: bool) -> Dict[str, Any]:
    """DSS's ``formatParams`` for a dataset of ``format_type`` ({} when unknown)."""
    return FORMAT_PARAMS.get((format_type, managed)) or FORMAT_PARAMS.get((format_type, None)) or {}


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
