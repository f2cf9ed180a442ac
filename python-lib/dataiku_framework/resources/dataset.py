"""Datasets, whole: forward translation, upload rule, comparison, writes, creation and import.

Everything the framework knows about the dataset kind lives here (issue 17 §1): the config -> DSS
translation (``dataset_definition``), the DSS defaults an import leaves out (``DSS_PARAMS``,
``FORMAT_PARAMS``), the inverse (``to_config_doc``), the creation request (``new_dataset``) and the
comparison tables. The upload-dataset rule is written once (``UPLOAD_TYPES``): forward, the live
form and the inverse all ask ``keeps_managed`` / ``default_path``.
"""
from typing import Any, Dict, Iterable, List, Optional, Tuple

from ..config.annotations import facts
from ..config.references import items, name_of
from .base import ANY, DEFAULT_ZONE_ID, Path, format_path
from .inverse import LeftOut, check_name, described, given, strip
from .kind import Kind, Writes, described_form, each_converted, raw_param_path, zone_lookup

FS_TYPES = frozenset(["Filesystem", "UploadedFiles", "FilesInFolder", "HDFS", "S3", "Azure", "GCS", "FTP",
                      "SCP", "SFTP"])
SQL_TYPES = facts("Dataset").applies_to["table"]
# DSS's managed-dataset format options, by our format_type
FORMAT_OPTIONS = {"csv": "CSV_ESCAPING_NOGZIP_FORHIVE", "parquet": "PARQUET_HIVE", "avro": "AVRO",
                  "orc": "ORC", "json": "JSON"}
# DSS params key -> the first-class config field that sets it (connection, sql_schema, table...)
PARAM_FIELDS = {dss: field for field, dss in facts("Dataset").dss_params.items()}
# connection types whose datasets DSS types otherwise (dataikuapi's set_connection_and_path: EC2 -> S3, SSH -> SCP/SFTP)
DATASET_TYPES_OF_CONNECTION = {"EC2": frozenset(["S3"]), "SSH": frozenset(["SCP", "SFTP"])}

# -- the upload-dataset rule (one copy: translate, compare and import read it) ---------------------------------

#: uploaded-files datasets: DSS does not keep their ``managed`` flag (they read back ``managed: false``)
#: and gives them no ``${projectKey}/NAME`` path
UPLOAD_TYPES = frozenset(["UploadedFiles"])


def keeps_managed(dtype: Any) -> bool:
    """Whether DSS keeps the ``managed`` flag of a dataset of type ``dtype`` (not of uploaded files)."""
    return dtype not in UPLOAD_TYPES


def default_path(name: str, dtype: Any, managed: Any) -> Optional[str]:
    """The ``params.path`` DSS gives a managed files-based dataset (``${projectKey}/NAME``); None for
    the others (not managed, not files-based, uploaded files)."""
    if managed and dtype in FS_TYPES and keeps_managed(dtype):
        return "${projectKey}/" + name
    return None


# -- forward: config -> DSS ---------------------------------------------------------------------------------------

def _set(target: Dict[str, Any], key: str, value: Any) -> None:
    if value is not None:
        target[key] = value


def dataset_params(ds: Any) -> Dict[str, Any]:
    """DSS ``params`` of a dataset: first-class keys mapped through the schema's x-dss-param."""
    params = {}  # type: Dict[str, Any]
    _set(params, "connection", ds.connection)
    for field, dss_key in facts("Dataset").dss_params.items():
        if field == "connection":
            continue
        applies = facts("Dataset").applies_to.get(field)
        if applies is None or ds.type in applies:
            _set(params, dss_key, getattr(ds, field))
    if ds.type in SQL_TYPES:
        params["mode"] = "query" if ds.query else "table"
    path = default_path(ds.name, ds.type, ds.managed)
    if path is not None and "path" not in params:
        params["path"] = path
    params.update(ds.params or {})
    return params


def columns(schema: Optional[List[Any]]) -> List[Dict[str, Any]]:
    out = []
    for col in schema or []:
        c = {"name": col.name, "type": col.type or "string"}
        _set(c, "comment", col.comment)
        _set(c, "meaning", col.meaning)
        _set(c, "maxLength", col.max_length)
        out.append(c)
    return out


def _field(obj: Any, name: str) -> Any:
    """``obj.name`` or ``obj[name]``: partitioning is a plain mapping in the model (no record class)."""
    if isinstance(obj, dict):
        return obj.get(name)
    return getattr(obj, name, None)


def partitioning(part: Any) -> Dict[str, Any]:
    """DSS ``partitioning`` from the config's ``{dimensions: [{name, type, period}], file_path_pattern}``."""
    dims = []
    for d in _field(part, "dimensions") or [] if part is not None else []:
        dim = {"name": _field(d, "name"), "type": _field(d, "type") or "value"}  # type: Dict[str, Any]
        period = _field(d, "period")
        if period:
            dim["params"] = {"period": str(period).upper()}
        dims.append(dim)
    out = {"dimensions": dims}  # type: Dict[str, Any]
    pattern = _field(part, "file_path_pattern") if part is not None else None
    if pattern:
        out["filePathPattern"] = pattern
    return out


def dataset_definition(ds: Any, project_key: str) -> Dict[str, Any]:
    """The parts of a DSS dataset definition the config governs."""
    d = {"projectKey": project_key, "name": ds.name, "type": ds.type, "managed": bool(ds.managed),
         "params": dataset_params(ds), "tags": sorted(ds.tags or []),
         "description": ds.description or "", "shortDesc": ds.short_desc or "",
         "partitioning": partitioning(ds.partitioning)}  # type: Dict[str, Any]
    if ds.format_type:
        d["formatType"] = ds.format_type
        d["formatParams"] = dict(ds.format_params or {})
    if ds.schema:
        d["schema"] = {"columns": columns(ds.schema), "userModified": True}
    return d


def new_dataset(project: Any, ds: Any, wanted: Dict[str, Any]) -> None:
    """The creation request of a dataset (managed: DSS's managed-dataset builder; else ``create_dataset``)."""
    if ds.managed:
        builder = project.new_managed_dataset(ds.name)
        fmt = FORMAT_OPTIONS.get(ds.format_type or "csv") if ds.type in FS_TYPES else None
        builder.with_store_into(ds.connection or "filesystem_managed", format_option_id=fmt)
        builder.create()
    else:
        project.create_dataset(ds.name, ds.type, params=wanted["params"], formatType=wanted.get("formatType"),
                               formatParams=wanted.get("formatParams") or {})


# -- DSS defaults an import leaves out (ground truth: shared/fixtures/dss-exports, DSS 8 to 13) -----------------

_FILES_SELECTION = {"mode": "ALL", "excludeRules": [], "includeRules": [], "explicitFiles": []}
#: dataset ``params`` (files-based and SQL datasets)
DSS_PARAMS = {
    "notReadyIfEmpty": False, "filesSelectionRules": _FILES_SELECTION,
    "variablesExpansionLoopConfig": {"enabled": False, "mode": "CREATE_VARIABLE_FOR_EACH_COLUMN", "replacements": []},
    "partitioningType": "custom", "normalizeDoubles": True, "tableCreationMode": "auto",
    "writeInsertBatchSize": 10000, "writeJDBCBadDataBehavior": "DETECT_AND_SAVE",
    "readColsWithUnknownTzAsDates": False, "readSQLDateColsAsDSSDates": True,
    "uploadConnection": "Default (in DSS data dir.)", "uploadedConfig": {},
}
_CSV_COMMON = {
    "quoteChar": "\"", "escapeChar": "\\", "maxRowChars": 100000000, "dateSerializationFormat": "ISO",
    "arrayMapFormat": "json", "hiveSeparators": ["\u0002", "\u0003", "\u0004", "\u0005", "\u0006", "\u0007", "\b"],
    "skipRowsBeforeHeader": 0, "skipRowsAfterHeader": 0, "probableNumberOfRecords": 0, "normalizeBooleans": False,
    "normalizeDoubles": True, "readAdditionalColumnsBehavior": "INSERT_IN_DATA_WARNING",
    "readMissingColumnsBehavior": "DISCARD_SILENT", "readDataTypeMismatchBehavior": "DISCARD_WARNING",
    "writeDataTypeMismatchBehavior": "DISCARD_WARNING", "fileReadFailureBehavior": "FAIL",
}
#: ``formatParams`` by format type: of a dataset DSS reads (``False``) or manages (``True``: the
#: storage format the create path picks, ``FORMAT_OPTIONS``)
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
#: a column's maxLength when DSS sets none
NO_MAX_LENGTH = -1


def format_params(format_type: Any, managed: bool) -> Dict[str, Any]:
    """DSS's ``formatParams`` for a dataset of ``format_type`` ({} when unknown)."""
    return FORMAT_PARAMS.get((format_type, managed)) or FORMAT_PARAMS.get((format_type, None)) or {}


# -- inverse: DSS -> config (import) ------------------------------------------------------------------------------

def to_config_doc(raw: Dict[str, Any], zone_name: Optional[str]) -> Dict[str, Any]:
    """The configuration document standing for the live dataset ``raw`` (``LeftOut`` when none)."""
    name = check_name(raw.get("name"))
    dtype = raw.get("type")
    if not isinstance(dtype, str) or not dtype:
        raise LeftOut("it has no type")
    managed = bool(raw.get("managed")) and keeps_managed(dtype)
    out = {"name": name, "type": dtype}  # type: Dict[str, Any]
    params = dict(raw.get("params") or {})
    given(out, "connection", params.pop("connection", None))
    if managed:
        out["managed"] = True
    described(out, raw)
    given(out, "zone", zone_name)
    fmt = raw.get("formatType")
    if fmt:
        out["format_type"] = fmt
        given(out, "format_params", strip(raw.get("formatParams"), format_params(fmt, managed)))
    given(out, "schema", [_column(c) for c in (raw.get("schema") or {}).get("columns") or []])
    if ((raw.get("partitioning") or {}).get("dimensions")) or []:
        out["partitioning"] = _partitioning(raw["partitioning"])
    params = strip(params, DSS_PARAMS)
    if dtype in SQL_TYPES and params.get("mode") == ("query" if params.get("query") else "table"):
        params.pop("mode")
    if params.get("path") is not None and params.get("path") == default_path(name, dtype, managed):
        params.pop("path")
    if managed and dtype in SQL_TYPES and params.get("table") == "${projectKey}_" + name:
        params.pop("table")  # DSS's table name for a managed SQL dataset
    given(out, "params", params)
    return out


def _column(raw: Dict[str, Any]) -> Dict[str, Any]:
    out = {"name": raw.get("name"), "type": raw.get("type") or "string"}
    for key in ("comment", "meaning"):
        if raw.get(key) not in (None, ""):
            out[key] = raw[key]
    if isinstance(raw.get("maxLength"), int) and raw["maxLength"] != NO_MAX_LENGTH:
        out["max_length"] = raw["maxLength"]
    return out


def _partitioning(raw: Dict[str, Any]) -> Dict[str, Any]:
    dims = []
    for d in raw.get("dimensions") or []:
        dim = {"name": d.get("name"), "type": d.get("type") or "value"}
        period = (d.get("params") or {}).get("period")
        if period:
            dim["period"] = period
        dims.append(dim)
    out = {"dimensions": dims}  # type: Dict[str, Any]
    if raw.get("filePathPattern"):
        out["file_path_pattern"] = raw["filePathPattern"]
    return out


def check_format_params(ck: Any) -> None:
    """``format_params`` without ``format_type``: DSS's ``formatParams`` are the options of the
    dataset's ``formatType`` (a csv separator, a parquet codec), so alone they configure nothing;
    the forward sends them with their format only (``dataset_definition``), and they would be lost."""
    for index, ds in items(ck.doc, "datasets"):
        if "format_params" in ds and "format_type" not in ds:
            ck.report(("datasets", index, "format_params"), "dataset '%s': 'format_params' without "
                      "'format_type' configures no format" % name_of(ds), at_key=True,
                      hint="add the format they are options of (format_type: csv, parquet, ...), or remove them",
                      code="dataset.format_params_alone")


class DatasetResource(Writes, Kind):
    # -- declarations (issue 17: the registry derives the rest from these)
    section = ("datasets",)
    include_names = ("datasets", "dataset")
    list_calls = {"datasets": lambda client, project: [dict(d) for d in project.list_datasets()]}
    listed_unmanaged = True
    delete_order = 30
    keeps_data = True
    zone_type = "DATASET"
    git_paths = (("datasets", False),)
    kind = "dataset"
    definition = "Dataset"
    checks = (check_format_params,)
    set_paths = (("tags",),)
    live_defaults = {("description",): "", ("shortDesc",): "", ("tags",): []}
    path_map = (
        (("formatType",), ("format_type",)),
        (("formatParams",), ("format_params",)),
        (("schema", "columns"), ("schema",)),
        (("schema", "columns", ANY, "maxLength"), ("schema", "$0", "max_length")),
        (("shortDesc",), ("short_desc",)),
        (("partitioning", "filePathPattern"), ("partitioning", "file_path_pattern")),
        (("partitioning", "dimensions", ANY, "params", "period"), ("partitioning", "dimensions", "$0", "period")),
    )
    # what DSS keeps in a column or a dimension beside the keys the config sets (``originalType``...)
    carried = {("schema", "columns"): "name", ("partitioning", "dimensions"): "name"}

    def configured(self, config: Any) -> List[Tuple[str, Any]]:
        return [(ds.name, ds) for ds in config.datasets]

    def desired(self, ds: Any, ctx: Any) -> Dict[str, Any]:
        """Only what the config sets: description, tags, schema... left unset are DSS's to fill."""
        full = dataset_definition(ds, ctx.project_key)
        out = {"type": full["type"], "params": full["params"]}  # type: Dict[str, Any]
        if ds.managed is not None and keeps_managed(ds.type):
            out["managed"] = bool(ds.managed)
        described_form(out, ds)
        if ds.partitioning is not None:
            out["partitioning"] = full["partitioning"]
        if "formatType" in full:
            out["formatType"] = full["formatType"]
            out["formatParams"] = full["formatParams"]
        if ds.schema:
            out["schema"] = {"columns": full["schema"]["columns"]}
        if ds.zone:
            out["zone"] = ds.zone
        return out

    def depends_on(self, ds: Any, ctx: Any) -> List[str]:
        return ["zone.%s" % ds.zone] if ds.zone else []

    def read(self, snapshot: Any) -> Dict[str, Dict[str, Any]]:
        return snapshot.datasets

    def live_form(self, live: Dict[str, Any], ctx: Any, desired: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
        """The live definition plus its zone; a managed dataset's type read through its connection.

        DSS stores a managed dataset under its connection's type (a managed Filesystem dataset on
        an S3 connection reads back as S3), so that type means "as configured" for the comparison."""
        out = dict(live)
        out["zone"] = ctx.zone("DATASET", live.get("name"))
        if desired is not None and live.get("managed") and live.get("type") != desired.get("type"):
            connection = (live.get("params") or {}).get("connection")
            ctype = ctx.connection_types.get(connection) if connection else None
            if ctype and live.get("type") in DATASET_TYPES_OF_CONNECTION.get(ctype, frozenset([ctype])):
                out["type"] = desired.get("type")
        return out

    def replace_reason(self, desired: Dict[str, Any], live: Dict[str, Any]) -> Optional[str]:
        if desired.get("type") != live.get("type"):
            return "type cannot change in place (%s -> %s)" % (live.get("type"), desired.get("type"))
        return None

    def config_path(self, path: Path, obj: Any) -> str:
        """``params.K`` is named by the first-class key that stands for it when that key applies to
        the dataset's type (the configuration writes ``table``, not ``params.table``), else
        ``params.K``; a key the file gives raw in ``params`` (``params: {schema: RAW}``) as written
        (``raw_param_path``, through the model's ``as_written``, which keeps the file's spelling)."""
        if len(path) >= 2 and path[0] == "params" and raw_param_path(path, obj) is None:
            field = PARAM_FIELDS.get(path[1])
            if field == "connection" or (field and _first_class(getattr(obj, "type", None), field)):
                return format_path((field,) + tuple(path[2:]))
        return Kind.config_path(self, path, obj)

    def config_form(self, form: Dict[str, Any], name: str, obj: Any = None) -> Optional[Dict[str, Any]]:
        """Through the module's own inverse, spelled as the model writes it (``table`` first-class)."""
        from ..config.schema import DatasetConfig
        zone = form.get("zone")
        doc = to_config_doc(dict(form, name=name), None if zone in (None, DEFAULT_ZONE_ID) else zone)
        return DatasetConfig.from_dict(doc).to_dict()

    # -- inverse (import)
    def to_config(self, snap: Any, ictx: Any) -> Iterable[Tuple[str, Any]]:
        """(name, document or ``LeftOut``) per live dataset, in its zone when the import context knows it."""
        zone_of = zone_lookup(ictx)
        return each_converted(self.read(snap), lambda name, live: to_config_doc(live, zone_of("DATASET", name)))

    # -- write (apply)
    def handle(self, ctx: Any, name: str) -> Any:
        return ctx.project.get_dataset(name)

    def object_id(self, ctx: Any, name: str) -> str:
        """DSS files a dataset by its name."""
        return name

    def create(self, ctx: Any, name: str, obj: Any, desired: Dict[str, Any]) -> None:
        new_dataset(ctx.project, obj, dataset_definition(obj, ctx.project_key))

    def delete(self, ctx: Any, name: str, drop_data: bool) -> None:
        self.handle(ctx, name).delete(drop_data=drop_data)

def _first_class(dtype: Any, field: str) -> bool:
    """Whether ``field`` applies to datasets of type ``dtype`` (a resolved type: ``PostgreSQL`` is SQL)."""
    info = facts("Dataset")
    applies = info.applies_to.get(field)
    return isinstance(dtype, str) and applies is not None and (dtype in applies or info.canonical(dtype) in applies)
