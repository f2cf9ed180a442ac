"""``dss-framework init``: start a configuration from a template of the library (or from a live project).

Why templates as package data (``dataiku_framework/templates/NAME/``): people and agents start from a
pattern that is known to validate, plan and apply (the tests apply every one against the emulator),
and ``init`` must work after ``pip install``, without a clone. A template is a folder: its main file
(``project.yaml``, or ``main.yaml`` for an example reused as-is) and the files it names (code, includes).
``init`` never overwrites a file: it checks every target before writing the first one.
``--from-project KEY`` is ``import`` by another name (the same code, ``commands.importing``), ``--json``
included. ``--json`` fails as every command's does: stdout empty, the one error line on stderr.
"""
import argparse
import json
import os
import re
from typing import Any, Dict, List, Optional, Tuple

from .. import exitcodes
from ..config.schema_check import SCHEMA_ID
from .plan import _error, add_connection_options, command_parser

#: Where the templates live, inside the installed package.
TEMPLATES_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "templates")
#: The template written when ``--template`` is not given.
DEFAULT_TEMPLATE = "sql_etl"
#: Main file names of a template, in order of preference.
MAIN_FILES = ("project.yaml", "main.yaml")
#: The editor modeline every written main file starts with: the configuration schema's ``$id``.
SCHEMA_URL = SCHEMA_ID
MODELINE = "# yaml-language-server: $schema=%s" % SCHEMA_URL
_MODELINE_RE = re.compile(r"#\s*yaml-language-server:")


class InitError(Exception):
    """A refusal of ``init`` (unknown template, existing file, bad key): one line, and its exit code."""

    def __init__(self, message: str, exit_code: int = exitcodes.INVALID) -> None:
        super().__init__(message)
        self.exit_code = exit_code

    @property
    def code(self) -> str:
        """Its ``errors.CATALOGUE`` code: an unknown template or a bad --key is a usage error (64)."""
        return "usage.arguments" if self.exit_code == exitcodes.USAGE else "init.refused"


def template_names() -> List[str]:
    """Every template of the library, sorted (a folder of ``TEMPLATES_DIR`` holding a main file)."""
    if not os.path.isdir(TEMPLATES_DIR):
        return []
    return sorted(name for name in os.listdir(TEMPLATES_DIR) if _main_file(name) is not None)


def _main_file(name: str) -> Optional[str]:
    """The main file of template ``name`` relative to its folder, or None when it is not a template."""
    for candidate in MAIN_FILES:
        if os.path.isfile(os.path.join(TEMPLATES_DIR, name, candidate)):
            return candidate
    return None


def template_path(name: str) -> str:
    """The main file of template ``name`` in the installed package, for the Python API:
    ``FrameworkConfig.from_yaml(template_path("sql_etl"))``, then customise. Raises ``InitError`` for
    a name the library does not have."""
    main = _main_file(name) if name in template_names() else None  # never a path out of the library
    if main is None:
        raise InitError("unknown template %r: choose one of %s (dss-framework init --list)"
                        % (name, ", ".join(template_names())), exitcodes.USAGE)
    return os.path.join(TEMPLATES_DIR, name, main)


def describe(name: str) -> str:
    """The template's one-line description: the first comment of its main file that is not the modeline."""
    with open(os.path.join(TEMPLATES_DIR, name, _main_file(name) or MAIN_FILES[0])) as handle:
        for line in handle:
            text = line.strip()
            if text.startswith("#") and not _MODELINE_RE.match(text):
                return text.lstrip("#").strip()
            if text and not text.startswith("#"):
                break
    return ""


def template_files(name: str) -> List[str]:
    """The files of template ``name``, relative to its folder, sorted (the main file included)."""
    root = os.path.join(TEMPLATES_DIR, name)
    found = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        found += [os.path.relpath(os.path.join(folder, f), root) for f in files if not f.endswith(".pyc")]
    return sorted(found)


def with_modeline(text: str) -> str:
    """``text`` starting with the schema modeline (``SCHEMA_URL``), whatever modeline it had: an example's
    modeline points at the schema by a path relative to the repository, which a written copy has not."""
    lines = [line for line in text.splitlines(True) if not _MODELINE_RE.match(line.strip())]
    return MODELINE + "\n" + "".join(lines)


def _rekeyed(text: str, path: str, key: str) -> str:
    """The main file's ``text`` for project ``key``: the key is checked as ``--project-key`` checks it
    (``FrameworkConfig.with_project_key``), then replaced where the template sets it."""
    from ..config.api import load_config
    config = load_config(path)
    try:
        config.with_project_key(key)
    except ValueError as error:
        raise InitError("--key: %s" % error, exitcodes.USAGE)
    pattern = re.compile(r"(\bkey:\s*)%s\b" % re.escape(config.project.key))
    return pattern.sub(lambda match: match.group(1) + key, text, count=1)


def render(name: str, key: Optional[str]) -> List[Tuple[str, str]]:
    """The (relative path, text) pairs ``init`` writes for template ``name``."""
    main = os.path.basename(template_path(name))
    out = []
    for rel in template_files(name):
        path = os.path.join(TEMPLATES_DIR, name, rel)
        with open(path) as handle:
            text = handle.read()
        if rel == main:
            text = with_modeline(_rekeyed(text, path, key) if key else text)
        out.append((rel, text))
    return out


def write_template(name: str, directory: str, key: Optional[str]) -> List[str]:
    """Write template ``name`` into ``directory``; the written paths. Refuses, before writing anything,
    when one of the files exists already: ``init`` never overwrites."""
    files = render(name, key)
    targets = [os.path.join(directory, rel) for rel, _ in files]
    existing = [path for path in targets if os.path.lexists(path)]
    if existing:
        raise InitError("%s exists already: init never overwrites a file; choose another DIR or remove it"
                        % existing[0])
    try:
        for (rel, text), path in zip(files, targets):
            os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
            with open(path, "x") as handle:
                handle.write(text)
    except OSError as error:  # DIR is a file, not writable, disk full: one line, like import's
        raise InitError("cannot write to %s: %s" % (directory, error.strerror or error))
    return targets


def _list(as_json: bool) -> int:
    rows = [{"name": name, "description": describe(name)} for name in template_names()]
    if as_json:
        print(json.dumps({"templates": rows}, indent=2))
    else:
        for row in rows:
            print("%-16s %s" % (row["name"], row["description"]))
    return exitcodes.OK


def _from_project(args: argparse.Namespace) -> int:
    """``import KEY --out DIR``, refused when DIR/KEY.yaml exists (never overwrite)."""
    from .importing import cmd_import
    target = os.path.join(args.directory, "%s.yaml" % args.from_project)
    if os.path.lexists(target):
        raise InitError("%s exists already: init never overwrites a file; choose another DIR or remove it"
                        % target)
    forwarded = argparse.Namespace(**vars(args))
    forwarded.__dict__.update(project_key=args.from_project, out=args.directory, include=None, split=False,
                              from_export=None, adopt=False)
    return cmd_import(forwarded)


def cmd_init(args: argparse.Namespace) -> int:
    try:
        if args.list:
            return _list(args.json)
        if args.from_project:
            if args.template or args.key:
                raise InitError("--from-project cannot be combined with --template or --key", exitcodes.USAGE)
            return _from_project(args)
        name = args.template or DEFAULT_TEMPLATE
        written = write_template(name, args.directory, args.key)
    except InitError as error:  # with --json too: stdout stays empty, as import's and rollback's
        _error("init", str(error), error.code)
        return error.exit_code
    _report(name, os.path.join(args.directory, _main_file(name) or ""), written, args.json)
    return exitcodes.OK


def _report(name: str, main: str, written: List[str], as_json: bool) -> None:
    """What was written, and the main file (what to validate next)."""
    result = {"template": name, "main_file": main, "files": written}  # type: Dict[str, Any]
    if as_json:
        print(json.dumps(result, indent=2))
        return
    print("Wrote template %s (%d file(s)):" % (name, len(written)))
    for path in written:
        print("  " + path)
    print("Next: dss-framework validate %s" % result["main_file"])


def add_init(subparsers: Any) -> None:
    parser = command_parser(
        subparsers, "init", "write a starter configuration from a template (or from a live project)",
        "Write the files of a template into DIR (default: the current folder); never overwrites. "
                    "--list shows the templates; --from-project KEY imports a live project instead.")
    parser.add_argument("directory", metavar="DIR", nargs="?", default=".", help="folder to write to")
    parser.add_argument("--template", metavar="NAME", help="template to start from (default %s)" % DEFAULT_TEMPLATE)
    parser.add_argument("--key", metavar="KEY", help="project key to use instead of the template's")
    parser.add_argument("--list", action="store_true", help="list the templates and exit")
    parser.add_argument("--json", action="store_true",
                        help="machine-readable output: {templates: [{name, description}]} for --list, "
                             "{template, main_file, files} after writing, import --json's document with "
                             "--from-project; on failure stdout is empty and the error is on stderr")
    parser.add_argument("--from-project", dest="from_project", metavar="KEY",
                        help="import the live project KEY into DIR (same as 'import KEY --out DIR')")
    add_connection_options(parser)
    parser.set_defaults(handler=cmd_init)
