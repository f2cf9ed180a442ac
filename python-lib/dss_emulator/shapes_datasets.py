"""Default shapes DSS fills in a dataset definition (kept apart from the handlers).

Ground truth: ``shared/fixtures/dss-exports/*/project_config/datasets/*.json``. The newest export
(Data-Platform-Dataiku, DSS 13.x, 2025) gives the field set; older exports (Titanic, 2020) agree on
every value they share. Every function returns a fresh object (callers mutate them).
"""
import copy
import re

from .checks import normalise_tags
from .defaults import UPLOAD_CONNECTION

NAME_RE = re.compile(r"^[A-Za-z0-9_]+$")

# The client picks its settings class on these lists (dataikuapi.dss.dataset.DSSDataset._FS_TYPES/_SQL_TYPES).
FS_TYPES = ("Filesystem", "UploadedFiles", "FilesInFolder", "HDFS", "S3", "Azure", "GCS", "FTP", "SCP", "SFTP")
SQL_TYPES = ("JDBC", "PostgreSQL", "MySQL", "Vertica", "Snowflake", "Redshift", "Greenplum", "Teradata", "Oracle",
             "SQLServer", "SAPHANA", "Netezza", "BigQuery", "Athena", "hiveserver2", "Synapse", "FabricWarehouse",
             "Databricks", "DatabricksLakebase", "ClickHouse")
# Connection types on which DSS can create managed (DSS-written) datasets.
MANAGED_FS_TYPES = ("Filesystem", "HDFS", "S3", "Azure", "GCS")
# DSS names some connection types after history, not after the datasets they hold: an S3 connection
# is of type EC2 (dataikuapi maps it back the same way when it changes a dataset's connection)
DATASET_TYPE_OF_CONNECTION = {"EC2": "S3"}

HIVE_SEPARATORS = ["\u0002", "\u0003", "\u0004", "\u0005", "\u0006", "\u0007", "\b"]

_CSV_COMMON = {
    "quoteChar": "\"", "escapeChar": "\\", "maxRowChars": 100000000, "dateSerializationFormat": "ISO",
    "arrayMapFormat": "json", "hiveSeparators": HIVE_SEPARATORS, "skipRowsBeforeHeader": 0,
    "skipRowsAfterHeader": 0, "probableNumberOfRecords": 0, "normalizeBooleans": False, "normalizeDoubles": True,
    "readAdditionalColumnsBehavior": "INSERT_IN_DATA_WARNING", "readMissingColumnsBehavior": "DISCARD_SILENT",
    "readDataTypeMismatchBehavior": "DISCARD_WARNING", "writeDataTypeMismatchBehavior": "DISCARD_WARNING",
    "fileReadFailureBehavior": "FAIL",
}


def csv_params(style="excel", separator=",", charset="utf-8", header=True, compress=""):
    """CSV format params as DSS stores them (excel style for read files, unix/tab for managed ones)."""
    out = {"style": style, "charset": charset, "separator": separator}
    out.update(copy.deepcopy(_CSV_COMMON))
    out["parseHeaderRow"] = header
    out["compress"] = compress
    return out


# formatType -> default formatParams for a dataset created with that format and no params.
_FORMAT_DEFAULTS = {
    "csv": lambda: csv_params(),
    "parquet": lambda: {"parquetLowerCaseIdentifiers": False, "representsNullFields": False,
                        "parquetCompressionMethod": "SNAPPY", "parquetFlavor": "HIVE", "parquetBlockSizeMB": 128},
    "json": lambda: {"style": "per_line", "charset": "utf-8", "arrayMapFormat": "json",
                     "dateSerializationFormat": "ISO", "compress": ""},
    "avro": lambda: {"avroCompressionMethod": "SNAPPY", "avroSyncInterval": 16000, "avroCompatibleNames": False},
    "orc": lambda: {"orcCompressionMethod": "SNAPPY", "orcStripeSizeMB": 64, "orcFlavor": "HIVE"},
    "excel": lambda: {"xlsx": True, "preserveNumberFormatting": False, "parseDatesToISO": False,
                      "skipRowsBeforeHeader": 0, "parseHeaderRow": True, "skipRowsAfterHeader": 0, "sheets": "*"},
    "xml": lambda: {"charset": "utf-8", "rootElement": "", "compress": ""},
    "line": lambda: {"charset": "utf-8", "compress": "", "skipRowsBeforeHeader": 0},
}

# formatOptionId of the managed-dataset creation helper -> (formatType, formatParams factory).
FORMAT_OPTIONS = {
    "CSV_UNIX_GZIP": ("csv", lambda: csv_params("unix", "\t", "utf8", False, "gz")),
    "CSV_ESCAPING_NOGZIP_FORHIVE": ("csv", lambda: csv_params("escape_only_no_quote", "\t", "utf8", False, "")),
    "CSV_EXCEL_GZIP": ("csv", lambda: csv_params("excel", ",", "utf8", False, "gz")),
    "CSV_EXCEL_GZIP_BIGQUERY": ("csv", lambda: csv_params("excel", ",", "utf8", True, "gz")),
    "CSV_NOQUOTING_NOGZIP_FORPIG": ("csv", lambda: csv_params("no_escaping_nor_quoting", "\t", "utf8", False, "")),
    "PARQUET_HIVE": ("parquet", _FORMAT_DEFAULTS["parquet"]),
    "AVRO": ("avro", _FORMAT_DEFAULTS["avro"]),
    "ORC": ("orc", _FORMAT_DEFAULTS["orc"]),
}
# The fixtures' managed Filesystem datasets are unix/tab/gzip CSV: DSS's default for files connections.
DEFAULT_FORMAT_OPTION = "CSV_UNIX_GZIP"
DEFAULT_FORMAT_OPTION_BY_CONNECTION = {"HDFS": "CSV_ESCAPING_NOGZIP_FORHIVE"}


def format_params(format_type, given=None):
    """Full formatParams for ``format_type``: DSS's defaults overlaid with what the client gave."""
    factory = _FORMAT_DEFAULTS.get(format_type)
    out = factory() if factory else {}
    out.update(copy.deepcopy(given or {}))
    return out


def files_selection_rules():
    return {"mode": "ALL", "excludeRules": [], "includeRules": [], "explicitFiles": []}


def fs_params(given):
    """Params of a files-based dataset (``notReadyIfEmpty``, ``filesSelectionRules`` filled)."""
    out = copy.deepcopy(given or {})
    out.setdefault("notReadyIfEmpty", False)
    out.setdefault("filesSelectionRules", files_selection_rules())
    out.setdefault("variablesExpansionLoopConfig",
                   {"enabled": False, "mode": "CREATE_VARIABLE_FOR_EACH_COLUMN", "replacements": []})
    return out


def sql_params(given):
    """Params of a SQL dataset as DSS stores a table dataset."""
    out = {"notReadyIfEmpty": False, "mode": "table", "partitioningType": "custom", "normalizeDoubles": True,
           "tableCreationMode": "auto", "writeInsertBatchSize": 10000, "writeJDBCBadDataBehavior": "DETECT_AND_SAVE",
           "readColsWithUnknownTzAsDates": False, "readSQLDateColsAsDSSDates": True}
    out.update(copy.deepcopy(given or {}))
    return out


def partitioning(dimensions=None):
    return {"ignoreNonMatchingFile": False, "considerMissingRequestedPartitionsAsEmpty": False,
            "dimensions": copy.deepcopy(dimensions or [])}


def _probe(ptype, name, level, enabled, mode, aggregates=False):
    probe = {"type": ptype, "enabled": enabled, "computeOnBuildMode": mode, "meta": {"name": name, "level": level},
             "configuration": {}}
    if aggregates:
        probe["configuration"]["aggregates"] = []
    return probe


def metrics():
    """The metrics block of a new dataset (basic + record count probes, DSS engine config)."""
    return {
        "probes": [_probe("basic", "Basic data", 0, True, "PARTITION"),
                   _probe("records", "Record count", 0, True, "NO")],
        "engineConfig": {
            "padRunsWithMetrics": False, "hive": {"active": True, "extraConf": []}, "basic": {},
            "dss": {"active": True, "selection": {
                "useMemTable": False, "filter": {"distinct": False, "enabled": False},
                "partitionSelectionMethod": "ALL", "latestPartitionsN": 1,
                "ordering": {"enabled": False, "rules": []}, "samplingMethod": "FULL", "maxRecords": -1,
                "targetRatio": 0.02, "ascending": True, "withinFirstN": -1, "maxReadUncompressedBytes": -1}},
            "sql": {"active": True}, "impala": {"active": True}, "spark": {"active": True, "extraConf": []},
            "python": {}},
        "displayedState": {"columns": [], "metrics": ["basic:COUNT_COLUMNS", "basic:COUNT_FILES", "basic:SIZE",
                                                      "records:COUNT_RECORDS"]},
    }


def common_fields():
    """Fields every dataset carries whatever its type (flow/read-write options, metrics, metadata)."""
    return {
        "checklists": {"checklists": []},
        "checks": [],
        "customMeta": {"kv": {}},
        "flowOptions": {"virtualizable": False, "rebuildBehavior": "NORMAL", "crossProjectBuildBehavior": "DEFAULT"},
        "readWriteOptions": {"preserveOrder": False, "writeBuckets": 1, "forceSingleOutputFile": False,
                             "defaultReadOrdering": {"enabled": False, "rules": []}},
        "partitioning": partitioning(),
        "tags": [],
        "schema": {"columns": [], "userModified": False},
        "dkuProperties": [],
        "featureGroup": False,
        "metrics": metrics(),
        "metricsChecks": {"monitor": False, "checks": [], "displayedState": {"checks": []}},
        "customFields": {},
    }


def dataset_definition(project_key, name, dtype, params, format_type=None, fparams=None, managed=False):
    """A complete definition as DSS serves it after creating a dataset of type ``dtype``."""
    d = {"projectKey": project_key, "name": name, "type": dtype, "managed": bool(managed)}
    if dtype in SQL_TYPES:
        d["params"] = sql_params(params)
    elif dtype in FS_TYPES:
        d["params"] = fs_params(params)
        if dtype == "UploadedFiles":
            d["params"].setdefault("uploadConnection", UPLOAD_CONNECTION)
        d["formatType"] = format_type or "csv"
        d["formatParams"] = format_params(d["formatType"], fparams)
    else:
        d["params"] = copy.deepcopy(params or {})
        if format_type:
            d["formatType"] = format_type
            d["formatParams"] = format_params(format_type, fparams)
    d.update(common_fields())
    return d


def managed_params(dtype, connection, name):
    """Params of a managed dataset: data under ``${projectKey}/<name>`` (variables left unexpanded)."""
    if dtype in SQL_TYPES:
        return {"connection": connection, "table": "${projectKey}_%s" % name}
    params = {"connection": connection, "path": "${projectKey}/%s" % name}
    return params


def metadata_of(d):
    """The metadata view (``custom.kv``) of a definition (``customMeta.kv``): one truth, two shapes."""
    return {"label": d.get("name"), "description": d.get("description", ""), "shortDesc": d.get("shortDesc", ""),
            "tags": list(d.get("tags", [])), "checklists": copy.deepcopy(d.get("checklists", {"checklists": []})),
            "custom": {"kv": copy.deepcopy((d.get("customMeta") or {}).get("kv", {}))},
            "customFields": copy.deepcopy(d.get("customFields", {}))}


def apply_metadata(d, md):
    """Write a metadata object back into a definition (only the keys the client sent)."""
    if "description" in md:
        d["description"] = md["description"] or ""
    if "shortDesc" in md:
        d["shortDesc"] = md["shortDesc"] or ""
    if "tags" in md:
        d["tags"] = normalise_tags(md["tags"])
    if "checklists" in md:
        d["checklists"] = md["checklists"] or {"checklists": []}
    if "custom" in md:
        d["customMeta"] = {"kv": (md["custom"] or {}).get("kv", {}) or {}}
    if "customFields" in md:
        d["customFields"] = md["customFields"] or {}
    return d
