"""Loading entry points: file or text -> validated ``FrameworkConfig``.

Why separate from the model: loading ties together the loader (positions,
limits, includes), the validator and the model builder; the model module stays
free of I/O, and the CLI and planner call the same two functions.
"""

import os
from typing import Any, List, Optional, Tuple

from . import hooks
from .diagnostics import ERROR, WARNING, ConfigError, Diagnostic, has_errors
from .environments import apply_environment
from .loader import Limits, LoadedDocument, load_document
from .schema_check import json_type_name, with_article
from .secrets import mask_secret
from .validate import validate_document


#: A one-line string ending like this is a file name even when the file does not exist (-> "not found").
_FILE_SUFFIXES = (".yaml", ".yml", ".json")


def _is_text(source):
    # type: (Any) -> bool
    """Whether ``from_yaml``/``load_and_validate`` read ``source`` as YAML/JSON text rather than as a path.

    Only ``str`` can be text (``os.PathLike`` is always a path). A string is a
    path when it is a single line that names an existing file or ends with
    .yaml/.yml/.json; anything else (``'version: "1.0"'``, a ``{...}`` JSON
    text, several lines) is parsed as text.
    """
    if not isinstance(source, str):
        return False
    if "\n" in source or source.lstrip().startswith("{"):
        return True
    return not (os.path.exists(source) or source.lower().endswith(_FILE_SUFFIXES))


def load_and_validate(source, env=None, limits=None):
    # type: (Any, Optional[str], Optional[Limits]) -> Tuple[LoadedDocument, List[Diagnostic]]
    """Load ``source`` (path, or YAML/JSON text) and return the document with all diagnostics.

    Never raises for bad input. The CLI uses this to print every problem.
    """
    from_text = _is_text(source)
    if from_text:
        loaded = load_document(None, limits, text=source)
    else:
        loaded = load_document(source, limits)
    loaded.from_text = from_text
    diagnostics = list(loaded.diagnostics)
    if loaded.doc is not None and not isinstance(loaded.doc, dict):
        hint = 'start with: version: "1.0"'
        if from_text and isinstance(loaded.doc, str) and "\n" not in source:
            hint = "no file '%s' exists, so it was read as YAML text; pass the path of an existing file" % source
        diagnostics.append(Diagnostic(
            ERROR, "a configuration must be a mapping with 'version' and 'project', not %s" % with_article(
                json_type_name(loaded.doc)), position=(loaded.main_file, 1, 1, 1, 1), code="schema.type", hint=hint))
    elif loaded.doc is not None:
        found = validate_document(loaded.doc, loaded.root_dir, env)
        diagnostics.extend(_without_references_into(loaded.unread, found))
    return loaded, diagnostics


#: Diagnostics about a name that no object declares: wrong when the declaring file could not be read.
_UNRESOLVED_REFERENCE_CODES = frozenset(["ref.unknown", "ref.zone", "ref.scenario", "env.unknown_target"])


def _without_references_into(unread: List[Tuple[str, Any]], diagnostics: List[Diagnostic]) -> List[Diagnostic]:
    """``diagnostics`` minus unknown-name errors when an included file failed to load, plus one note saying so.

    Why: the objects a broken included file declares are missing from the document, so every
    reference to them would be reported as unknown, burying the one real error (its syntax)."""
    if not unread:
        return diagnostics
    kept = [d for d in diagnostics if d.code not in _UNRESOLVED_REFERENCE_CODES]
    if len(kept) < len(diagnostics):
        names = ", ".join("'%s'" % path for path, _ in unread)
        kept.append(Diagnostic(WARNING, "references to datasets, folders, scenarios and zones not checked: "
                                        "included file %s could not be read" % names,
                               position=unread[0][1], path="include", code="include.unchecked_references",
                               hint="fix the error reported in that file; the references are checked again then"))
    return kept


def validate_file(path: str, env: Optional[str] = None, client: Any = None,
                  raise_connection_errors: bool = False) -> Tuple[LoadedDocument, List[Diagnostic]]:
    """``load_and_validate`` plus, when ``client`` is given, the online checks against DSS.

    Why one function: the CLI (``validate --online``) and the plugin components
    (macro, scenario step) must report exactly the same problems. The online
    check runs only when the offline validation found no error (a broken
    document would give noise), on the document with the environment overlay
    ``env`` applied, since that is what would be deployed.

    ``client`` is a ``dataikuapi.DSSClient`` or a zero-argument callable
    returning one; a callable is only called when the online check runs, so
    offline problems are reported even when no DSS connection can be made, and
    whatever it raises (e.g. missing credentials) propagates to the caller.
    Failures while querying DSS become an ``online.unreachable`` diagnostic,
    never a traceback; the client's API key is masked in its text. With
    ``raise_connection_errors`` (the CLI), a failure of the connection itself
    (DSS unreachable, key refused: ``dss.failures.classify``) is raised as
    ``DSSConnectionError`` instead, because it says nothing about the configuration.
    """
    loaded, diagnostics = load_and_validate(path, env=env)
    if client is None or loaded.doc is None or has_errors(diagnostics):
        return loaded, diagnostics
    from .online import check_online  # lazily: offline validation never needs it
    doc = apply_environment(loaded.doc, env)[0] if env else loaded.doc
    dss = client() if callable(client) else client
    try:
        diagnostics.extend(check_online(doc, dss))
    except Exception as error:  # network/auth problems become a diagnostic (or DSSConnectionError)
        failure = hooks.get("classify_failure")(error, str(getattr(dss, "host", "") or ""))
        if failure is not None and raise_connection_errors:
            raise failure from None
        detail = mask_secret(str(error), getattr(dss, "api_key", None))
        summary = failure.describe() if failure is not None else "cannot query DSS for online checks: %s" % (
            type(error).__name__)
        diagnostics.append(Diagnostic(ERROR, summary, detail=detail, position=(path, 1, 1, 1, 1),
                                      code="online.unreachable"))
    return loaded, diagnostics


def load_config(source, env=None, limits=None, source_name=None):
    # type: (Any, Optional[str], Optional[Limits], Optional[str]) -> Any
    """A validated ``FrameworkConfig``, or ``ConfigError``.

    ``source_name``: what the model's ``source_file`` (recorded by plans and the state history)
    says the file is, when the path read is only a local copy (a git checkout: the pinned source).
    ``source`` may be a git source (``git+URL@REF#PATH``, credentials from the environment: see
    ``sources.git``): it is checked out for the rest of the process, and ``source_file`` is the
    source pinned to its commit, so an ``Engine`` plan of it records that commit. Git failures
    raise ``sources.git.GitSourceError``.

    The model holds the file as written (overlays *not* applied, so saving it
    keeps the base values); ``env`` is validated (the overlaid document must
    be valid) and remembered as the model's ``env``, the default environment
    of ``validate()`` and ``resolved()``. Objects from ``include:`` files are
    merged into their sections and the model is marked as flattened (see
    ``FrameworkConfig.to_yaml``).
    """
    checkout = _git_checkout(source)
    if checkout is not None:
        source, source_name = checkout.config_file, checkout.pinned
    loaded, diagnostics = load_and_validate(source, env, limits)
    if loaded.doc is None or has_errors(diagnostics):
        raise ConfigError(checkout.relabel(diagnostics) if checkout is not None else diagnostics)
    config = _build(loaded.doc, loaded.root_dir, None if loaded.from_text else (source_name or loaded.main_file))
    object.__setattr__(config, "_env", env)
    object.__setattr__(config, "_includes_merged", not loaded.from_text and isinstance(loaded.doc.get("include"), list))
    return config


def _git_checkout(source):
    # type: (Any) -> Any
    """The checkout of a git source (kept until the process exits), None for anything else."""
    from ..sources.git import checkout_for_process, credentials_from_env, is_git_source
    if not is_git_source(source):
        return None
    return checkout_for_process(source, credentials_from_env())


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
