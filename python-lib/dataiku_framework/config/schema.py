"""The Python model of a configuration: ``FrameworkConfig`` and its parts.

Why generated from the JSON Schema: the schema is the single source of truth,
so each class only names its ``$defs`` entry and its nested classes; the field
list and defaults are read from the schema at import time. A class therefore
cannot drift from the schema, and a test checks the nested-class wiring.

The objects are plain mutable records (``config.scenarios[0].triggers[0].hour
= 3``, ``config.datasets.append(DatasetConfig(...))``). Assigning an unknown
attribute raises ``AttributeError`` with a "did you mean" hint, because a
silently ignored typo would be worse. Validation runs on demand
(``config.validate()``), when loading, and when saving.
"""

import json
import re
import os
from typing import Any, Dict, List, Optional, Tuple, Type

from . import hooks
from .annotations import facts
from .diagnostics import ConfigError, Diagnostic, did_you_mean, has_errors
from .located import LocDict, LocList, copy_located, to_plain
from .schema_check import load_schema

_MISSING = object()


class ConfigObject(object):
    """Base of all configuration records: a plain mutable record whose attributes are the keys of its
    schema definition (assigning an unknown one raises ``AttributeError`` with a "did you mean" hint);
    subclasses set ``_definition`` and ``_nested``."""

    _definition = ""  # type: str
    _nested = {}  # type: Dict[str, Tuple[str, bool]]  # field -> (class name, is_list)
    _fields = ()  # type: Tuple[str, ...]
    _required = ()  # type: Tuple[str, ...]
    _defaults = {}  # type: Dict[str, Any]
    _kinds = {}  # type: Dict[str, Any]

    def __init__(self, **values):
        # type: (**Any) -> None
        object.__setattr__(self, "_source", None)
        for field in self._fields:
            object.__setattr__(self, field, self._initial(field))
        for key, value in values.items():
            setattr(self, key, value)

    @classmethod
    def _initial(cls, field):
        # type: (str) -> Any
        """Attribute value when a field is not given: the schema default, [] for lists, {} for raw mappings."""
        if field in cls._defaults:
            return copy_located(cls._defaults[field])
        kind = cls._kinds.get(field)
        if kind == "array":
            return []
        if kind == "object" and field not in cls._nested:
            return {}
        return None

    def __setattr__(self, name, value):
        # type: (str, Any) -> None
        if name not in self._fields:
            hint = did_you_mean(name, self._fields)
            raise AttributeError("%s has no field '%s'%s" % (type(self).__name__, name, "; " + hint if hint else ""))
        object.__setattr__(self, name, value)

    def __eq__(self, other):
        # type: (Any) -> bool
        return type(self) is type(other) and self.to_dict() == other.to_dict()

    def __ne__(self, other):
        # type: (Any) -> bool
        return not self == other

    __hash__ = None  # type: ignore  # mutable records are not hashable

    def __repr__(self):
        # type: () -> str
        shown = ", ".join("%s=%r" % (k, v) for k, v in self.to_dict().items())
        return "%s(%s)" % (type(self).__name__, shown)

    # -- building from documents
    @classmethod
    def _build(cls, data):
        # type: (Dict[str, Any]) -> Any
        """An instance from an already validated mapping (keeps the source positions)."""
        obj = cls()
        for key, value in data.items():
            if key not in cls._fields:
                continue
            nested = cls._nested.get(key)
            if nested is not None and value is not None:
                target = _CLASSES[nested[0]]
                value = [target._build(v) for v in value] if nested[1] else target._build(value)
            elif isinstance(value, (dict, list)):
                value = copy_located(value)
            object.__setattr__(obj, key, value)
        object.__setattr__(obj, "_source", data if isinstance(data, LocDict) else None)
        return obj

    # -- exporting
    def _is_default(self, field, value):
        # type: (str, Any) -> bool
        if field in self._required:
            return False
        if value is None:
            return True
        if field in self._defaults:  # a declared default is the only one (``exposed: []`` is not ``null``)
            return value == self._defaults[field] and type(value) is type(self._defaults[field])
        return isinstance(value, (list, dict)) and not value

    def _export(self, located):
        # type: (bool) -> Dict[str, Any]
        out = LocDict() if located else {}  # type: Dict[str, Any]
        for field in self._fields:
            value = getattr(self, field)
            if isinstance(value, ConfigObject):
                value = value._export(located)
                if not value and field not in self._required:
                    continue
            elif isinstance(value, list) and field in self._nested:
                value = [v._export(located) if isinstance(v, ConfigObject) else v for v in value]
                value = LocList(value) if located else value
            elif not located:
                value = to_plain(value)
            if self._is_default(field, value):
                continue
            out[field] = value
        source = self._source
        if located and source is not None:
            out.filename, out.span = source.filename, source.span
            out.key_spans, out.value_spans = dict(source.key_spans), dict(source.value_spans)
            for field, nested in self._nested.items():
                if nested[1] and isinstance(out.get(field), LocList) and isinstance(source.get(field), LocList):
                    if len(source[field]) == len(out[field]):
                        out[field].filename, out[field].span = source[field].filename, source[field].span
                        out[field].item_spans = list(source[field].item_spans)
        return out

    def to_dict(self):
        # type: () -> Dict[str, Any]
        """Plain data in schema key order, without defaults (what ``to_yaml`` writes)."""
        return self._export(False)

    def as_written(self):
        # type: () -> Dict[str, Any]
        """Plain data in the spelling the configuration writes (the plan's terms): like ``to_dict``,
        but a dataset's DSS param given raw stays ``params.K`` (``to_dict`` writes one spelling per
        value), and a value resolution replaced reads as the file writes it (``type: SQL``, not the
        connection's type: ``_note_written``). Why: a plan path or value the file does not have can
        be neither found in it nor named by ``ignore_changes``."""
        out = to_plain(self._export(True))
        out.update(self.resolved_from())
        return out

    def resolved_from(self):
        # type: () -> Dict[str, Any]
        """field -> the value the file writes, for each field resolution replaced (``_note_written``)."""
        return dict(self.__dict__.get("_written") or {})

    def _note_written(self, field, value):
        # type: (str, Any) -> None
        """Remember that the file writes ``value`` for ``field``, which resolution replaced
        (``type: SQL`` by its connection's type), so ``as_written`` shows the file's value."""
        self.__dict__.setdefault("_written", {})[field] = value

    @classmethod
    def from_dict(cls, data):
        # type: (Dict[str, Any]) -> Any
        """An instance from plain data (not validated: use ``FrameworkConfig.from_dict`` for whole configs)."""
        if not isinstance(data, dict):
            raise TypeError("%s.from_dict expects a mapping" % cls.__name__)
        return cls._build(data)

    @classmethod
    def fields(cls):
        # type: () -> Tuple[str, ...]
        """The field names, in schema order."""
        return cls._fields


_CLASSES = {}  # type: Dict[str, Type[ConfigObject]]


def _bind(cls):
    # type: (Type[ConfigObject]) -> Type[ConfigObject]
    """Read a class's fields, required keys, defaults and JSON types from the schema."""
    schema = load_schema()
    node = schema if cls._definition == "" else schema["$defs"][cls._definition]
    properties = node["properties"]
    cls._fields = tuple(properties)
    cls._required = tuple(node.get("required", ()))
    cls._defaults = {k: v["default"] for k, v in properties.items() if "default" in v}
    cls._kinds = {k: v.get("type") for k, v in properties.items() if isinstance(v.get("type"), str)}
    _CLASSES[cls.__name__] = cls
    return cls


@_bind
class LifecycleConfig(ConfigObject):
    """``prevent_destroy`` and ``ignore_changes`` of a project, recipe or scenario."""
    _definition = "Lifecycle"


@_bind
class DataLifecycleConfig(ConfigObject):
    """Lifecycle of a dataset or folder: adds ``drop_data_on_destroy`` (default false: data is kept)."""
    _definition = "DataLifecycle"


@_bind
class PermissionConfig(ConfigObject):
    """One project permission: a group or user and a level (read/write/admin)."""
    _definition = "Permission"


@_bind
class ProjectConfig(ConfigObject):
    """The DSS project itself: key, name, variables, permissions, settings."""
    _definition = "Project"
    _nested = {"permissions": ("PermissionConfig", True), "lifecycle": ("LifecycleConfig", False)}


@_bind
class ColumnConfig(ConfigObject):
    """One column of a dataset schema."""
    _definition = "Column"


@_bind
class DatasetConfig(ConfigObject):
    """A dataset: its type, connection and location, format, columns and partitioning.

    ``params`` is always a dict: the DSS ``params`` of the dataset. The location fields that are
    another spelling of a DSS param (``sql_schema`` is ``params["schema"]``, ``table``, ``query``,
    ``catalog``, ``path``, ``bucket``, ``container``: the schema's ``x-dss-param``) are views of
    that one dict, so ``ds.params["schema"] = "X"`` and ``ds.sql_schema = "X"`` are the same change,
    whichever spelling the file used, and what reaches DSS is that value. Saving writes the
    first-class spelling when the field applies to the dataset's type (else the params key); the
    model remembers which keys were given raw, so ``as_written`` (a plan's terms) keeps the file's.
    ``connection`` stays a field of its own (environments remap it; it is not a location).
    """
    _definition = "Dataset"
    _nested = {"schema": ("ColumnConfig", True), "lifecycle": ("DataLifecycleConfig", False)}
    #: Field -> the DSS params key it stands for.
    PARAM_FIELDS: Dict[str, str] = {field: key for field, key in facts("Dataset").dss_params.items()
                                    if field != "connection"}

    def _get_params(self) -> Dict[str, Any]:
        return self.__dict__.setdefault("params", {})

    def _set_params(self, value: Any) -> None:
        """Assigning params keeps the location fields it does not mention (``ds.table`` survives ``ds.params = {...}``)."""
        value = {} if value is None else value
        if not isinstance(value, dict):
            raise TypeError("DatasetConfig.params must be a mapping (DSS dataset params), not %s" % type(value).__name__)
        old = self.__dict__.get("params") or {}
        kept = [key for key in self.PARAM_FIELDS.values() if key in old and key not in value]
        raw = frozenset(key for key in self.PARAM_FIELDS.values() if key in value)
        self.__dict__["_raw_params"] = raw | (self._given_raw() & frozenset(kept))
        if kept:
            value = copy_located(value)
            for key in kept:
                value[key] = old[key]
        self.__dict__["params"] = value

    def _given_raw(self) -> frozenset:
        """The DSS params keys a first-class field stands for (``schema``: ``sql_schema``) that the
        configuration gives raw, in ``params``: the spelling ``as_written`` keeps. Tracked by the
        two setters (``params = {...}`` gives them raw, ``ds.sql_schema = X`` first-class), so the
        model knows the file's spelling though both spellings are one value."""
        return self.__dict__.get("_raw_params") or frozenset()

    params = property(_get_params, _set_params, doc="""The DSS dataset params the configuration writes raw
    (``params:``): a mapping. Assigning it keeps the location fields it does not mention (``ds.table``
    survives ``ds.params = {...}``), so the first-class fields and the raw params stay one value.""")

    def _export(self, located: bool) -> Dict[str, Any]:
        """One spelling per value: the first-class field where it applies to the type, else the params
        key; located (the document as the file gives it: resolution, validation, plan terms), a key
        given raw stays raw (``_given_raw``), where its position is."""
        out = super(DatasetConfig, self)._export(located)
        params = out.get("params")
        params = copy_located(params) if isinstance(params, dict) else LocDict() if located else {}
        info = facts("Dataset")
        for field, key in self.PARAM_FIELDS.items():
            applies = isinstance(self.type, str) and (self.type in info.applies_to[field]
                                                      or info.canonical(self.type) in info.applies_to[field])
            if applies and not (located and key in self._given_raw()):
                params.pop(key, None)
            else:
                out.pop(field, None)
        if params:
            out["params"] = params
        else:
            out.pop("params", None)
        return out


def _param_field(key: str) -> property:
    def get(self: Any) -> Any:
        return self.params.get(key)

    def set(self: Any, value: Any) -> None:
        self.__dict__["_raw_params"] = self._given_raw() - {key}  # written first-class
        if value is None:
            self.params.pop(key, None)
        else:
            self.params[key] = value
    return property(get, set, doc="``params['%s']``: the DSS name of this field" % key)


for _field, _key in DatasetConfig.PARAM_FIELDS.items():
    setattr(DatasetConfig, _field, _param_field(_key))


@_bind
class ManagedFolderConfig(ConfigObject):
    """A managed folder."""
    _definition = "ManagedFolder"
    _nested = {"lifecycle": ("DataLifecycleConfig", False)}


@_bind
class RecipeConfig(ConfigObject):
    """A recipe: type, inputs/outputs, code (inline or file) or readable visual settings."""
    _definition = "Recipe"
    _nested = {"lifecycle": ("LifecycleConfig", False)}

    def input_names(self):
        # type: () -> List[str]
        """The names of the recipe's inputs, whether written as a name or as ``{ref: NAME, ...}``."""
        return [e if isinstance(e, str) else e.get("ref") for e in self.inputs]

    def output_names(self):
        # type: () -> List[str]
        """The names of the recipe's outputs, whether written as a name or as ``{ref: NAME, ...}``."""
        return [e if isinstance(e, str) else e.get("ref") for e in self.outputs]


@_bind
class TriggerConfig(ConfigObject):
    """A scenario trigger (temporal, dataset, sql, python, manual)."""
    _definition = "Trigger"


@_bind
class StepConfig(ConfigObject):
    """A step of a step-based scenario."""
    _definition = "Step"


#: The seed's name for StepConfig.
ScenarioStepConfig = StepConfig


@_bind
class ScenarioConfig(ConfigObject):
    """A scenario: step-based (triggers + steps) or custom Python."""
    _definition = "Scenario"
    _nested = {"triggers": ("TriggerConfig", True), "steps": ("StepConfig", True),
               "lifecycle": ("LifecycleConfig", False)}


@_bind
class SettingsConfig(ConfigObject):
    """How the tool manages the project: ``prune`` (delete what the file no longer names)."""
    _definition = "Settings"


@_bind
class ZoneConfig(ConfigObject):
    """A flow zone."""
    _definition = "Zone"


@_bind
class ExternalConfig(ConfigObject):
    """An object referenced but not managed by this configuration."""
    _definition = "External"


@_bind
class FrameworkConfig(ConfigObject):
    """A whole configuration file (its keys: docs/reference/configuration.md).

    Load with ``from_yaml``/``from_json``/``from_dict`` (each validates and raises
    ``ConfigError`` with every diagnostic), save with ``to_yaml``/``to_json``
    (validated first), check with ``validate()``. ``resolved()`` gives the
    form the planner consumes.
    """
    _definition = ""
    _nested = {"project": ("ProjectConfig", False), "datasets": ("DatasetConfig", True),
               "managed_folders": ("ManagedFolderConfig", True), "recipes": ("RecipeConfig", True),
               "scenarios": ("ScenarioConfig", True), "zones": ("ZoneConfig", True),
               "external": ("ExternalConfig", True), "settings": ("SettingsConfig", False)}

    def __init__(self, **values):
        # type: (**Any) -> None
        values.setdefault("version", "1.0")
        super(FrameworkConfig, self).__init__(**values)
        object.__setattr__(self, "_root_dir", None)
        object.__setattr__(self, "_source_file", None)
        object.__setattr__(self, "_env", None)
        object.__setattr__(self, "_includes_merged", False)

    # -- loading
    @classmethod
    def from_yaml(cls, source, env=None, limits=None):
        # type: (Any, Optional[str], Any) -> FrameworkConfig
        """Load and validate a YAML (or JSON) file, or YAML/JSON text.

        ``source`` is a path (``os.PathLike``, or a one-line string naming an
        existing file or ending with .yaml/.yml/.json) or else YAML/JSON text.

        With ``env`` the document with that environment overlay applied must
        be valid (its diagnostics are raised); the model itself keeps the
        values as written, so ``to_yaml`` saves the base values and the
        overlays. ``env`` is remembered (``config.env``) as the default of
        ``validate()`` and ``resolved()``, which apply it.
        Raises ``ConfigError`` listing every problem.
        """
        from .api import load_config
        return load_config(source, env=env, limits=limits)

    from_json = from_yaml

    @classmethod
    def from_dict(cls, data, base_dir=None):
        # type: (Any, Optional[str]) -> FrameworkConfig
        """Validate plain data (``code_file`` paths relative to ``base_dir``) and build the model."""
        from .api import config_from_document
        if isinstance(data, dict):
            data = dict(data)
            data.setdefault("version", "1.0")
        return config_from_document(data, base_dir or os.getcwd(), None)

    @classmethod
    def from_project(cls, client, project_key, include=None):
        # type: (Any, str, Any) -> FrameworkConfig
        """The configuration of the live DSS project ``project_key`` (an import: reads only; code
        inline). What the language cannot express is left out: ``dataiku_framework.importer``."""
        return hooks.get("import_project")(client, project_key, include).config  # the importer, via wiring

    @classmethod
    def from_export(cls, path, project_key=None, include=None):
        # type: (str, Optional[str], Any) -> FrameworkConfig
        """The configuration of a DSS project export (folder holding ``project_config/``, or zip)."""
        return hooks.get("import_export")(path, project_key, include).config  # the importer, via wiring

    # -- validation and output
    def validate(self, env=None):
        # type: (Optional[str]) -> List[Diagnostic]
        """Every diagnostic for the current state of this object (errors and warnings).

        ``env`` (default: the environment given when loading) is applied on
        top of the base configuration, which is validated as well.
        """
        from .validate import validate_document
        return validate_document(self._export(True), self.root_dir, env if env is not None else self._env)

    @property
    def env(self):
        # type: () -> Optional[str]
        """The environment selected when loading (``from_yaml(path, env=...)``), or None."""
        return self._env

    @property
    def root_dir(self):
        # type: () -> str
        """Folder that ``code_file``/``include`` paths are relative to (the config file's folder)."""
        return self._root_dir or os.getcwd()

    @property
    def source_file(self):
        # type: () -> Optional[str]
        """The file this configuration was loaded from (None when built in code or from text): diagnostics
        and plans name it."""
        return self._source_file

    def _checked(self, validate):
        # type: (bool) -> Dict[str, Any]
        if validate:
            diagnostics = self.validate()
            if has_errors(diagnostics):
                raise ConfigError(diagnostics)
        return self.to_dict()

    def to_yaml(self, path=None, validate=True):
        # type: (Optional[str], bool) -> str
        """The configuration as YAML (defaults omitted), written to ``path`` when given.

        Environment overlays are written as overlays (never applied). A
        configuration loaded with ``include:`` is written as **one flattened
        file**: the included objects are written inline, ``include`` is
        dropped and ``code_file`` paths of included objects are rewritten
        relative to the main file's folder. The included files themselves are
        never modified. Reloading the written file (from the main file's
        folder) gives an equal configuration.
        """
        from .serialize import dump_yaml
        return _write(dump_yaml(self._checked(validate)), path)

    def to_json(self, path=None, validate=True):
        # type: (Optional[str], bool) -> str
        """The configuration as JSON (defaults omitted), written to ``path`` when given."""
        return _write(json.dumps(self._checked(validate), indent=2, ensure_ascii=False) + "\n", path)

    def resolved(self, env=None, connection_types=None, environ=None):
        # type: (Optional[str], Optional[Dict[str, str]], Optional[Dict[str, str]]) -> FrameworkConfig
        """The form the planner consumes; see ``dataiku_framework.config.resolve``.

        ``env`` defaults to the environment given when loading.
        """
        from .resolve import resolve_config
        return resolve_config(self, env=env if env is not None else self._env, connection_types=connection_types,
                              environ=environ)

    def with_project_key(self, key):
        # type: (str) -> FrameworkConfig
        """A copy of this configuration applied to project ``key`` instead of ``project.key`` (CLI
        ``--project-key``, previews): references to the own key follow (``config.rekey``). Raises
        ``ValueError`` for a key DSS would refuse (the schema's ``Project.key``)."""
        from .api import _build
        from .rekey import rekey_document
        from .schema_check import PROJECT_KEY_MAX_LENGTH
        if not isinstance(key, str) or not re.match(r"[A-Z][A-Z0-9_]*\Z", key) or len(key) > PROJECT_KEY_MAX_LENGTH:
            raise ValueError("invalid project key %r: use upper-case letters, digits and underscores, starting "
                             "with a letter, at most %d characters" % (key, PROJECT_KEY_MAX_LENGTH))
        doc = rekey_document(self._export(True), self.project.key, key)
        copy = _build(doc, self.root_dir, self.source_file)
        object.__setattr__(copy, "_env", self._env)
        object.__setattr__(copy, "_includes_merged", self._includes_merged)
        object.__setattr__(copy, "_rekeyed_from", self.rekeyed_from or self.project.key)
        return copy

    @property
    def rekeyed_from(self):
        # type: () -> Optional[str]
        """The ``project.key`` of the file this configuration was made from by ``with_project_key``
        (recorded in plans as ``metadata.config_project_key``), else None."""
        return getattr(self, "_rekeyed_from", None)

    def _export(self, located):
        # type: (bool) -> Dict[str, Any]
        out = super(FrameworkConfig, self)._export(located)
        if not located:
            if self._includes_merged:
                out.pop("include", None)
            self._rebase_code_files(out)
        return out

    def _rebase_code_files(self, out):
        # type: (Dict[str, Any]) -> None
        """``code_file`` of objects read from an included file in another folder -> relative to the root folder."""
        root = os.path.realpath(self.root_dir)
        pairs = list(zip(self.recipes, out.get("recipes", [])))
        for scenario, exported in zip(self.scenarios, out.get("scenarios", [])):
            pairs.append((scenario, exported))
            for part in ("triggers", "steps"):
                pairs.extend(zip(getattr(scenario, part), exported.get(part, [])))
        for obj, exported in pairs:
            source = getattr(obj, "_source", None)
            code_file = exported.get("code_file") if isinstance(exported, dict) else None
            if not isinstance(code_file, str) or source is None or not source.filename \
                    or os.path.isabs(code_file):
                continue
            folder = os.path.dirname(os.path.realpath(source.filename))
            if folder != root:
                exported["code_file"] = os.path.relpath(os.path.join(folder, code_file), root).replace(os.sep, "/")

    # -- lookups
    def find(self, section, name):
        # type: (str, str) -> Optional[ConfigObject]
        """The object called ``name`` in ``section`` ('datasets', 'recipes', ...), or None."""
        for obj in getattr(self, section):
            if obj.name == name:
                return obj
        return None


def _write(text, path):
    # type: (str, Optional[str]) -> str
    if path is not None:
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(text)
    return text


def _ref_of(prop):
    # type: (Dict[str, Any]) -> Tuple[Optional[str], bool]
    """The ``$defs`` name a property refers to (itself or as a list's items), and whether it is a list."""
    if prop.get("type") == "array":
        ref = (prop.get("items") or {}).get("$ref")
        return (ref.rsplit("/", 1)[1] if ref else None), True
    ref = prop.get("$ref")
    return (ref.rsplit("/", 1)[1] if ref else None), False


def _auto_bind(root):
    # type: (Type[ConfigObject]) -> None
    """Give every top-level property that is a ``$ref X`` (or a list of them) without a declared
    model class a generic one (``XConfig``), and derive ``root._nested`` from the schema. Why: a new
    kind's section (``libraries``, ``exposed``) then needs only its schema block, not a class here."""
    schema = load_schema()
    by_def = {c._definition: c for c in _CLASSES.values()}
    nested = dict(root._nested)
    for field, prop in schema["properties"].items():
        name, is_list = _ref_of(prop)
        if name is None or field in nested:
            continue
        if name not in by_def:
            node = schema["$defs"][name]
            cls = type(str(name + "Config"), (ConfigObject,),
                       {"_definition": name, "__doc__": node.get("description") or "A %s record." % name})
            _bind(cls)
            cls._nested = {f: (by_def[n].__name__, lst) for f, (n, lst) in
                           ((f, _ref_of(p)) for f, p in node["properties"].items()) if n in by_def}
            by_def[name] = cls
        nested[field] = (by_def[name].__name__, is_list)
    root._nested = nested


_auto_bind(FrameworkConfig)


def model_classes():
    # type: () -> Dict[str, Type[ConfigObject]]
    """Every model class by name (used by tests comparing the model with the schema)."""
    return dict(_CLASSES)

