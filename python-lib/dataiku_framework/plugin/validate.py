"""Validate a configuration stored in a DSS managed folder (the "Validate configuration" macro and step).

Why a report object rather than an exception: the macro shows every problem
as a table whichever the outcome, the scenario step fails with the first
errors and sets scenario variables; both need the same facts (valid, the
diagnostics, their rows). File names in the report are relative to the
managed folder: the temporary copy the validation runs on is an
implementation detail users must never see.
"""

import contextlib
import os
import shutil
import tempfile
from typing import Any, Dict, Iterator, List, Optional, Tuple

from ..config.api import validate_file
from ..config.diagnostics import ERROR, Diagnostic, did_you_mean, has_errors, render_human
from ..config.loader import resolve_inside
from ..sources.folder import FolderCopy, fetch_folder
from ..sources.git import GitLocation, checked_out as git_checked_out, location_source, redact_url, tree_files
from .faces import ComponentFailure
from .scope import acting_on, check_configured_key, describe_field, place, target_from_config

DEFAULT_CONFIG_PATH = "project.yaml"

#: (id, label) of the result table columns, in the order of ``ValidationReport.rows()``; "Code" is the
#: diagnostic's catalogue code (the CLI's ``error[CODE]``), last so that the columns before keep their places.
COLUMNS = (("severity", "Severity"), ("location", "Location"), ("object", "Object"),
           ("message", "Message"), ("hint", "Hint"), ("code", "Code"))

_YAML_SUFFIXES = (".yaml", ".yml", ".json")

#: What to do when DSS could not be queried from inside DSS (ordinary users' rights are enough for the
#: checks themselves: see ``config.online``).
ONLINE_HINT = ("the online check queries this DSS instance through its public API; check that the plugin's code "
               "environment can reach it, or turn the online check off to validate offline")


def params_from_config(config):
    # type: (Optional[Dict[str, Any]]) -> Dict[str, Any]
    """Keyword arguments for ``validate_from_folder`` from a macro's or step's parameters.

    Shared by both components so they read ``folder``, ``config_path``,
    ``environment`` and ``online`` identically. DSS leaves unset optional
    parameters out (or empty), so defaults are applied here, not only in the
    descriptors.
    """
    config = config or {}
    online = config.get("online")
    if isinstance(online, str):
        online = online.strip().lower() not in ("false", "0", "no", "off", "")
    return dict(source_params(config), online=True if online is None else bool(online))


def source_params(config: Dict[str, Any]) -> Dict[str, Any]:
    """Where the configuration is (``folder_ref``, ``config_path``, ``env``) and which project it may
    name (``target``: the "Target project" parameter), read the same way by every macro and step
    from parameters DSS may leave out or empty."""
    return {
        "folder_ref": source_location(config),
        "config_path": (config.get("config_path") or "").strip() or DEFAULT_CONFIG_PATH,
        "env": (config.get("environment") or "").strip() or None,
        "target": target_from_config(config),
    }


def step_config(raw: Optional[Dict[str, Any]], plugin_config: Optional[Dict[str, Any]]) -> Dict[str, Any]:
    """A scenario step's parameters with its presets resolved. DSS gives the raw parameters by
    ``get_step_config()`` (a preset is only a reference there) and, observed, the same parameters with
    presets resolved to dicts in ``get_plugin_config()["config"]`` (dss-plugin-anatomy.md §3.3): the
    resolved values win."""
    resolved = (plugin_config or {}).get("config")
    return dict(raw or {}, **(resolved if isinstance(resolved, dict) else {}))


def source_location(config: Dict[str, Any]) -> Any:
    """Where the "source" parameters say the configuration is: the managed folder's id or name
    (``folder``; the default), or, for source ``git``, a ``sources.git.GitLocation`` (``git_url``,
    ``git_ref``, and the ``git_credentials`` preset, which DSS resolves to a dict)."""
    if str(config.get("source") or "folder").strip().lower() != "git":
        return config.get("folder")
    from ..sources.git import GitLocation, credentials_from_preset
    return GitLocation(str(config.get("git_url") or ""), str(config.get("git_ref") or ""),
                       credentials_from_preset(config.get("git_credentials")))


class ValidationReport(object):
    """The outcome of validating one configuration from a managed folder."""

    def __init__(self, project_key, folder, config_path, diagnostics, online):
        # type: (str, FolderCopy, str, List[Diagnostic], bool) -> None
        self.project_key = project_key
        self.folder = folder  # id, name and the relative paths of the files read
        self.config_path = config_path
        self.diagnostics = sorted(diagnostics, key=Diagnostic.sort_key)
        self.online = online

    @property
    def valid(self):
        # type: () -> bool
        return not has_errors(self.diagnostics)

    @property
    def errors(self):
        # type: () -> List[Diagnostic]
        return [d for d in self.diagnostics if d.is_error]

    @property
    def warnings(self):
        # type: () -> List[Diagnostic]
        return [d for d in self.diagnostics if not d.is_error]

    def summary(self):
        # type: () -> str
        """One line: what was validated and the outcome."""
        what = "Configuration '%s' in %s" % (self.config_path, place(self.folder.name))
        checks = "offline and online checks" if self.online else "offline checks only"
        if self.valid:
            return "%s is valid (%d warning(s); %d file(s) read; %s)" % (
                what, len(self.warnings), len(self.folder.files), checks)
        return "%s is invalid: %d error(s), %d warning(s)" % (what, len(self.errors), len(self.warnings))

    def rows(self):
        # type: () -> List[List[str]]
        """Table rows ``[severity, "file:line:col", object path, message, hint, code]``, sorted by position.

        A valid configuration starts with one ``ok`` row carrying the summary,
        so the table is never empty; warnings follow it.
        """
        rows = [["ok", self.config_path, "", self.summary(), "", ""]] if self.valid else []
        return rows + [_row(d) for d in self.diagnostics]

    def render(self):
        # type: () -> str
        """The CLI's human output (``file:line:col: error: ...`` blocks), for logs."""
        return render_human(self.diagnostics)

    def failure(self):
        # type: () -> ComponentFailure
        """What the "Validate" step raises when invalid: ``failure_message`` with its code."""
        return ComponentFailure("config.invalid", self.failure_message())

    def failure_message(self, limit=5):
        # type: (int) -> str
        """The summary and the first ``limit`` errors, one per line: the message of a failed step."""
        lines = [self.summary()]
        for diagnostic in self.errors[:limit]:
            where = diagnostic.location
            lines.append("%s%s" % (where + ": " if where else "", _message(diagnostic)))
        if len(self.errors) > limit:
            lines.append("... and %d more error(s)" % (len(self.errors) - limit))
        return "\n".join(lines)


def _message(diagnostic):
    # type: (Diagnostic) -> str
    return diagnostic.summary + (" (%s)" % diagnostic.detail if diagnostic.detail else "")


def _row(diagnostic):
    # type: (Diagnostic) -> List[str]
    return [diagnostic.severity, diagnostic.location, diagnostic.path or "", _message(diagnostic),
            diagnostic.hint or "", diagnostic.code or ""]


def _relativize(diagnostics, root, folder_name):
    # type: (List[Diagnostic], str, str) -> None
    """Rewrite file names and texts so that paths are relative to the managed folder copied to ``root``.

    File names become folder-relative; in messages (``escapes the
    configuration folder '<root>'``) the root itself becomes the folder's name.
    """
    prefix = root.rstrip(os.sep) + os.sep

    def strip(text):
        # type: (Optional[str]) -> Optional[str]
        if not text:
            return text
        return text.replace(prefix, "").replace(root, folder_name)

    for d in diagnostics:
        if d.filename and (d.filename == root or d.filename.startswith(prefix)):
            d.filename = os.path.relpath(d.filename, root).replace(os.sep, "/")
        d.summary, d.detail, d.hint = strip(d.summary) or "", strip(d.detail) or "", strip(d.hint)


def _missing_file(config_path, folder, reason=None):
    # type: (str, FolderCopy, Optional[str]) -> Diagnostic
    files = folder.files
    configs = [f for f in files if f.lower().endswith(_YAML_SUFFIXES)]
    if reason:
        summary = "configuration file '%s' %s" % (config_path, reason)
    else:
        summary = "configuration file '%s' not found in %s" % (config_path, place(folder.name))
    detail = ("configuration files in the folder: %s" % ", ".join(configs) if configs
              else "the folder holds no YAML or JSON file (%d file(s) in total)" % len(files))
    hint = did_you_mean(config_path, configs) or "set the configuration file parameter to a path inside the folder"
    return Diagnostic(ERROR, summary, detail=detail, hint=hint, position=(config_path, 0, 0, 0, 0),
                      code="source.missing")


def validate_from_folder(client, project_key, folder_ref, config_path=DEFAULT_CONFIG_PATH, env=None, online=True,
                         target=None):
    # type: (Any, str, str, str, Optional[str], bool, Optional[str]) -> ValidationReport
    """Copy managed folder ``folder_ref`` of ``project_key`` locally and validate ``config_path`` in it.

    ``client`` is a ``dataikuapi.DSSClient`` (``dataiku.api_client()`` in DSS);
    it also serves the online checks when ``online``. ``config_path`` is
    relative to the folder root (a leading ``/``, as DSS writes folder paths,
    is accepted). Configuration problems are in the report; an unknown
    folder or an unsafe path in it raises ``sources.FolderError``. The
    temporary copy is always deleted. A configuration naming another project
    than ``project_key`` (or ``target``, which the caller must administer)
    raises ``scope.ForeignProject``, as every component does (see ``plugin.scope``).
    """
    acting = acting_on(client, project_key, target, "validate")
    with checked_out(client, project_key, folder_ref, config_path) as (folder, relative, root, problem):
        if problem is not None:
            diagnostics = [problem]
        else:
            loaded, diagnostics = validate_file(os.path.join(root, relative), env=env,
                                                client=client if online else None)
            configured = configured_key(loaded.doc, env)
            if configured is not None:
                check_configured_key(configured, acting, project_key, describe_field(relative, folder.name, env))
            for diagnostic in diagnostics:
                if diagnostic.code == "online.unreachable" and not diagnostic.hint:
                    diagnostic.hint = ONLINE_HINT
        _relativize(diagnostics, root, folder.name)
        return ValidationReport(project_key, folder, relative, diagnostics, online)


def configured_key(doc: Any, env: Optional[str]) -> Optional[str]:
    """The project key document ``doc`` names once overlay ``env`` is applied (None when it names none)."""
    if env and isinstance(doc, dict):
        from ..config.environments import apply_environment
        doc = apply_environment(doc, env)[0]
    project = doc.get("project") if isinstance(doc, dict) else None
    key = project.get("key") if isinstance(project, dict) else None
    return key if isinstance(key, str) else None


@contextlib.contextmanager
def checked_out(client: Any, project_key: str, folder_ref: Any,
                config_path: str) -> Iterator[Tuple[Any, str, str, Optional[Diagnostic]]]:
    """A local copy of managed folder ``folder_ref``, deleted on exit, shared by every component that
    reads a configuration from a folder. Yields ``(folder, relative config path, root, problem)``:
    ``problem`` is the diagnostic of a config file missing or outside the folder, else None (the
    file is then ``os.path.join(root, relative)``). An unknown folder raises ``sources.FolderError``.

    ``folder_ref`` may instead be a ``sources.git.GitLocation`` (the "source" parameter is git): the
    copy is then a checkout of its ref, and ``folder`` a ``FolderCopy`` whose id is the source pinned
    to the commit (``git+URL@COMMIT#PATH``) and whose name is ``git+URL@COMMIT``, so every message
    and plan names the commit read. Git failures raise ``sources.git.GitSourceError`` (one line)."""
    relative = (config_path or DEFAULT_CONFIG_PATH).lstrip("/")
    if isinstance(folder_ref, GitLocation):  # the source is git: a checkout at the ref's commit
        with git_checked_out(location_source(folder_ref, relative), folder_ref.creds, check_file=False) as checkout:
            folder = FolderCopy(checkout.pinned, "git+%s@%s" % (redact_url(checkout.source.url), checkout.commit),
                                tree_files(checkout.root))
            yield folder, relative, checkout.root, _file_problem(checkout.root, relative, folder)
        return
    root = os.path.realpath(tempfile.mkdtemp(prefix="dkuframework-"))
    try:
        folder = fetch_folder(client, project_key, folder_ref, root)
        yield folder, relative, root, _file_problem(root, relative, folder)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _file_problem(root: str, relative: str, folder: FolderCopy) -> Optional[Diagnostic]:
    """The diagnostic of configuration file ``relative`` missing from, or outside, the copy at ``root``."""
    path, reason = resolve_inside(root, root, relative)
    if path is None:
        return _missing_file(relative, folder, reason)
    if not os.path.isfile(path):
        return _missing_file(relative, folder)
    return None
