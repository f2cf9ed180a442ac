"""``dss-framework import``: write the configuration of an existing project (live, or a DSS export).

Why reads only (but ``--adopt``): an import is how a project starts being managed, so it must be
safe to run on any production project: it reads through the plan's requests, writes files locally,
and says what it left out and why. ``--adopt`` then records the imported objects in the state (the
project library's ``dataiku-framework/state.json``, under the project lock), nothing else.
Connection failures are ``cli.main``'s (exit 3, 4); a project DSS does not have exits 1.

``--json`` prints one document on stdout (the summary goes to stderr), ``import_result``'s::

    {"project_key": "P", "summary": "one line", "files": ["DIR/P.yaml", ...], "main_file": "DIR/P.yaml",
     "left_out": [{"kind", "name", "reason"}], "kept_in_dss_only": [{"kind", "name", "note"}],
     "not_listed": {"kind label": "why"}, "adopted": null | {"resources": N, "serial": N}}

On failure stdout is empty and the one error line is on stderr, as without ``--json``.
"""
import argparse
import json
from typing import Any, Dict, List, Optional

from .. import exitcodes
from ..config.printable import printable, printable_json
from .apply import _say
from .plan import _dss_call, _engine, _error, add_connection_options, command_parser


def _kinds(values: Optional[List[str]]) -> Optional[List[str]]:
    """``--include a,b --include c`` -> [a, b, c] (None: every kind)."""
    if not values:
        return None
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def cmd_import(args: argparse.Namespace) -> int:
    from ..importer import import_export, import_project, summary_lines, write
    from ..importer.read import wanted
    try:
        kinds = wanted(_kinds(args.include))
    except ValueError as error:
        _error("import", str(error), "usage.arguments")
        return exitcodes.USAGE
    if args.from_export and args.adopt:
        _error("import", "--adopt records the live project's objects in its state: it cannot be used with "
                         "--from-export", "usage.options")
        return exitcodes.USAGE
    engine = None
    if args.from_export:
        try:
            imported = import_export(args.from_export, args.project_key, kinds)
        except (OSError, ValueError) as error:
            _error("import", "cannot read the export: %s" % error, "import.unreadable_export")
            return exitcodes.INVALID
    else:
        engine = _engine(args)
        if engine is None:
            return exitcodes.USAGE
        try:
            imported = _dss_call(args, lambda: _live(engine, args, kinds))
        except LookupError as error:
            _error("import", str(error), "project.not_found")
            return exitcodes.INVALID
        if imported is None:
            return exitcodes.INVALID
    try:
        written = write(imported, args.out, split=True if args.split else None)
    except OSError as error:
        _error("import", "cannot write to %s: %s" % (args.out, error.strerror or error), "import.write")
        return exitcodes.INVALID
    _say(args, printable("\n".join(summary_lines(imported, written))))  # DSS names, shown inert
    adopted = None
    if args.adopt:
        adopted = _adopt(args, engine, imported)
        if adopted is None:
            return exitcodes.INVALID
    if args.json:
        print(printable_json(json.dumps(import_result(imported, written, adopted), indent=2, ensure_ascii=False)))
    return exitcodes.OK


def _adopt(args: argparse.Namespace, engine: Any, imported: Any) -> Optional[Dict[str, int]]:
    """Record the imported objects in the project's state ({adopted, serial}); None after saying why not."""
    from ..importer.adopt import adopt
    from ..state import LockHeld
    try:
        adopted = _dss_call(args, lambda: adopt(engine.client, imported))
    except LockHeld as error:
        _error("import", str(error), error.code)
        return None
    if adopted is not None:
        _say(args, "Adopted %d resource(s) into the state of %s (serial %d); DSS was not changed."
             % (adopted["adopted"], imported.project_key, adopted["serial"]))
    return adopted


def import_result(imported: Any, written: List[str], adopted: Optional[Dict[str, int]]) -> Dict[str, Any]:
    """``import --json``'s document: what was written, and what was left out and why (module docstring)."""
    return {"project_key": imported.project_key, "summary": imported.summary(), "files": list(written),
            "main_file": written[0] if written else None,
            "left_out": [{"kind": k, "name": n, "reason": r} for k, n, r in imported.left_out],
            "kept_in_dss_only": [{"kind": k, "name": n, "note": r} for k, n, r in imported.notes],
            "not_listed": dict(imported.unlisted),
            "adopted": None if adopted is None else {"resources": adopted["adopted"], "serial": adopted["serial"]}}


def _live(engine: Any, args: argparse.Namespace, kinds: Any) -> Any:
    from ..dss.failures import classified
    from ..importer import import_project
    with classified(engine.url):
        return import_project(engine.client, args.project_key, kinds, args.parallelism)


def add_import(subparsers: Any) -> None:
    parser = command_parser(
        subparsers, "import", "write the configuration of an existing DSS project (reads only)",
        "Read PROJECT_KEY (live, or a DSS export with --from-export) and write its configuration "
                    "to DIR: DIR/PROJECT_KEY.yaml, recipe code in DIR/recipes/, Python scenario code in "
                    "DIR/scenarios/. What the language cannot express is listed at the top of the YAML and "
                    "in the summary.")
    parser.add_argument("project_key", metavar="PROJECT_KEY", help="the DSS project key")
    parser.add_argument("--out", metavar="DIR", required=True, help="folder to write the files to")
    from ..importer.read import importable  # the registry's kinds: one added there is named here too
    parser.add_argument("--include", action="append", metavar="KINDS",
                        help="import only these kinds (comma-separated, repeatable): %s" % ", ".join(importable()))
    parser.add_argument("--split", action="store_true",
                        help="one file per kind, joined by include: (automatic above 300 objects)")
    parser.add_argument("--from-export", dest="from_export", metavar="PATH",
                        help="read a DSS project export (folder holding project_config/, or export zip) "
                             "instead of DSS")
    parser.add_argument("--adopt", action="store_true",
                        help="also record the imported objects in the project's state as managed (changes "
                             "nothing in DSS)")
    parser.add_argument("--json", action="store_true",
                        help="print one JSON document on stdout: {project_key, summary, files, main_file, "
                             "left_out: [{kind, name, reason}], kept_in_dss_only: [{kind, name, note}], "
                             "not_listed: {kind: why}, adopted: null|{resources, serial}}; the summary goes "
                             "to stderr")
    add_connection_options(parser)
    parser.set_defaults(handler=cmd_import)
