"""The resolved configuration: what the planner compares with DSS.

Why a separate step: the file keeps indirections that are useful to people
(environment overlays, ``${env:...}`` values, code in external files, the
generic ``type: SQL``, deprecated spellings). The planner must see one
concrete value per field, so ``resolve_config`` returns a new
``FrameworkConfig`` where

* the chosen environment overlay is applied and ``environments``/``include`` are dropped,
* ``${env:NAME}`` references are substituted as text (``${var}`` project-variable
  references are kept: DSS expands those itself); an unset variable without
  default is a ``ConfigError``. Code (``code``, a recipe's text ``payload``,
  and code read from ``code_file``) is sent as-is: never substituted,
* ``code_file`` contents are read into ``code`` and ``code_file`` is dropped
  (the result is a valid configuration: it can be validated and saved),
* a SQL dataset without ``table`` or ``query`` gets ``table: <its name>`` (validation warns about it),
* ``type: SQL`` datasets get the type of their connection when ``connection_types`` is given,
* type aliases (``shaker``, ``sql``, ``execute_sql``, ...) are replaced by their current spelling.

Positions are kept: diagnostics about the resolved configuration point at the
lines of the file (code read from a file is located at its ``code_file`` key).
"""

import io
import os
from typing import Any, Dict, List, Optional

from .annotations import facts
from .diagnostics import ERROR, ConfigError, Diagnostic, format_path
from .environments import apply_environment
from .loader import resolve_inside
from .located import LocDict, position_of
from .references import items, scenario_parts
from .validate import SQL_TYPES, sets_sql_source
from .variables import substitute_env_in_place, unset_env_diagnostic


def _read_code(doc, path, obj, root_dir, problems):
    # type: (Any, tuple, Dict[str, Any], str, List[Diagnostic]) -> None
    code_file = obj.get("code_file")
    if not isinstance(code_file, str):
        return
    position = position_of(doc, path)
    base = os.path.dirname(os.path.abspath(position[0])) if position and position[0] else root_dir
    real, reason = resolve_inside(root_dir, base, code_file)
    try:
        if real is None:
            raise IOError(reason)
        with io.open(real, "r", encoding="utf-8") as handle:
            obj["code"] = handle.read()
    except (IOError, OSError, UnicodeDecodeError) as error:
        problems.append(Diagnostic(ERROR, "cannot read code_file '%s': %s" % (code_file, error),
                                   path=format_path(path + ("code_file",)), position=position_of(doc, path + ("code_file",)),
                                   code="code.read"))
        return
    del obj["code_file"]
    if isinstance(obj, LocDict) and "code_file" in obj.value_spans:
        obj.key_spans["code"] = obj.key_spans.pop("code_file")
        obj.value_spans["code"] = obj.value_spans.pop("code_file")


def _code_holders(doc):
    # type: (Any) -> List[Any]
    holders = [(("recipes", i), r) for i, r in items(doc, "recipes")]
    holders += [(("scenarios", i), s) for i, s in items(doc, "scenarios")]
    holders += list(scenario_parts(doc, "triggers")) + list(scenario_parts(doc, "steps"))
    return holders


def _canonical_types(doc):
    # type: (Any) -> None
    for kind, objects in (("Recipe", [r for _, r in items(doc, "recipes")]),
                          ("Step", [s for _, s in scenario_parts(doc, "steps")])):
        info = facts(kind)
        for obj in objects:
            obj["type"] = info.canonical(obj.get("type"))


def _default_sql_table(dataset: Dict[str, Any]) -> None:
    """A non-managed SQL dataset naming no table or query reads the table of its own name (validation warns)."""
    if dataset.get("type") in SQL_TYPES and dataset.get("managed") is not True \
            and not any(sets_sql_source(dataset, key) for key in ("table", "query")):
        dataset["table"] = dataset.get("name")


def resolve_config(config, env=None, connection_types=None, environ=None):
    # type: (Any, Optional[str], Optional[Dict[str, str]], Optional[Dict[str, str]]) -> Any
    """A resolved copy of ``config`` (see module docstring); raises ``ConfigError`` if code cannot be read."""
    from .api import _build
    doc = config._export(True)
    if env is not None:
        doc, problems = apply_environment(doc, env)
        if problems:
            raise ConfigError(problems)
    problems = []  # type: List[Diagnostic]
    for path, obj in _code_holders(doc):
        _read_code(doc, path, obj, config.root_dir, problems)
    if problems:
        raise ConfigError(problems)
    doc.pop("environments", None)
    doc.pop("include", None)
    unset = substitute_env_in_place(doc, environ)
    if unset:
        raise ConfigError([unset_env_diagnostic(doc, path, name) for path, name in unset])
    _canonical_types(doc)
    aliased = []  # type: List[int]
    for i, dataset in items(doc, "datasets"):
        _default_sql_table(dataset)
        connection = dataset.get("connection")
        if dataset.get("type") == "SQL" and connection_types and connection in connection_types:
            dataset["type"] = connection_types[connection]
            aliased.append(i)
    resolved = _build(doc, config.root_dir, config.source_file)
    for i in aliased:  # the plan shows the file's ``type: SQL`` (``as_written``); DSS gets the connection's type
        resolved.datasets[i]._note_written("type", "SQL")
    return resolved
