"""Datasets: desired form from ``translate.dataset_definition``, live form from the datasets list."""
from typing import Any, Dict, List, Optional, Tuple

from ..config.annotations import facts
from ..dss import translate
from ..dss.translate import DEFAULT_ZONE
from .base import ANY, Path, format_path
from .kind import Kind

# DSS params key -> the first-class config field that sets it (connection, sql_schema, table...)
PARAM_FIELDS = {dss: field for field, dss in facts("Dataset").dss_params.items()}
# types whose "managed" flag DSS does not keep (uploaded files read back managed: false)
MANAGED_NOT_KEPT = frozenset(["UploadedFiles"])
# connection types whose datasets DSS types otherwise (dataikuapi's set_connection_and_path: EC2 -> S3, SSH -> SCP/SFTP)
DATASET_TYPES_OF_CONNECTION = {"EC2": frozenset(["S3"]), "SSH": frozenset(["SCP", "SFTP"])}


class DatasetResource(Kind):
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
        full = translate.dataset_definition(ds, ctx.project_key)
        out = {"type": full["type"], "params": full["params"]}  # type: Dict[str, Any]
        if ds.managed is not None and ds.type not in MANAGED_NOT_KEPT:
            out["managed"] = bool(ds.managed)
        for key, field in (("tags", "tags"), ("description", "description"), ("shortDesc", "short_desc"),
                           ("partitioning", "partitioning")):
            if getattr(ds, field) is not None:
                out[key] = full[key]
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
        the dataset's type (the configuration writes ``table``, not ``params.table``: the model's
        own spelling, ``DatasetConfig.to_dict``), else ``params.K``."""
        if len(path) >= 2 and path[0] == "params":
            field = PARAM_FIELDS.get(path[1])
            if field == "connection" or (field and _first_class(getattr(obj, "type", None), field)):
                return format_path((field,) + tuple(path[2:]))
        return Kind.config_path(self, path, obj)

    def config_form(self, form: Dict[str, Any], name: str, obj: Any = None) -> Optional[Dict[str, Any]]:
        """Through the importer's inverse, spelled as the model writes it (``table`` first-class)."""
        from ..config.schema import DatasetConfig
        from ..importer import convert
        zone = form.get("zone")
        doc = convert.dataset(dict(form, name=name), None if zone in (None, DEFAULT_ZONE) else zone)
        return DatasetConfig.from_dict(doc).to_dict()


def _first_class(dtype: Any, field: str) -> bool:
    """Whether ``field`` applies to datasets of type ``dtype`` (a resolved type: ``PostgreSQL`` is SQL)."""
    info = facts("Dataset")
    applies = info.applies_to.get(field)
    return isinstance(dtype, str) and applies is not None and (dtype in applies or info.canonical(dtype) in applies)
