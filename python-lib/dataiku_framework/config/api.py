"""Loading entry points: file or text -> validated ``FrameworkConfig``.

Why separate from the model: loading ties together the loader (positions,
limits, includes), the validator and the model builder; the model module stays
free of I/O, and the CLI and planner call the same two functions.
"""

import os
from typing import Any, List, Optional, Tuple

from .diagnostics import ERROR, ConfigError, Diagnostic, has_errors
from .environments import apply_environment
from .loader import Limits, LoadedDocument, load_document
from .schema_check import json_type_name
from .validate import validate_document


def _is_text(source):
    # type: (Any) -> bool
    return isinstance(source, str) and ("\n" in source or source.lstrip().startswith("{"))


def load_and_validate(source, env=None, limits=None):
    # type: (Any, Optional[str], Optional[Limits]) -> Tuple[LoadedDocument, List[Diagnostic]]
    """Load ``source`` (path, or YAML/JSON text) and return the document with all diagnostics.

    Never raises for bad input. The CLI uses this to print every problem.
    """
    if _is_text(source):
        loaded = load_document(None, limits, text=source)
    else:
        loaded = load_document(source, limits)
    diagnostics = list(loaded.diagnostics)
    if loaded.doc is not None and not isinstance(loaded.doc, dict):
        diagnostics.append(Diagnostic(
            ERROR, "a configuration must be a mapping with 'version' and 'project', not a %s" % json_type_name(loaded.doc),
            position=(loaded.main_file, 1, 1, 1, 1), code="schema.type", hint='start with: version: "1.0"'))
    elif loaded.doc is not None:
        diagnostics.extend(validate_document(loaded.doc, loaded.root_dir, env))
    return loaded, diagnostics


def load_config(source, env=None, limits=None):
    # type: (Any, Optional[str], Optional[Limits]) -> Any
    """A validated ``FrameworkConfig`` (environment ``env`` applied), or ``ConfigError``."""
    loaded, diagnostics = load_and_validate(source, env, limits)
    if loaded.doc is None or has_errors(diagnostics):
        raise ConfigError(diagnostics)
    doc = loaded.doc
    if env is not None:
        doc, _ = apply_environment(doc, env)
    return _build(doc, loaded.root_dir, loaded.main_file if not _is_text(source) else None)


def config_from_document(doc, root_dir, source_file):
    # type: (Any, str, Optional[str]) -> Any
    """Validate an in-memory document and build the model, or raise ``ConfigError``."""
    diagnostics = validate_document(doc, root_dir)
    if has_errors(diagnostics):
        raise ConfigError(diagnostics)
    return _build(doc, root_dir, source_file)


def _build(doc, root_dir, source_file):
    # type: (Any, str, Optional[str]) -> Any
    from .schema import FrameworkConfig
    config = FrameworkConfig._build(doc)
    object.__setattr__(config, "_root_dir", os.path.abspath(root_dir))
    object.__setattr__(config, "_source_file", source_file)
    return config
