"""``dss-framework plan`` and ``dss-framework drift``: compare a configuration with DSS, change nothing.

Why the configuration is loaded and validated before any connection: an invalid file is the
author's problem, reported with file:line:col and exit 1, and must not need (nor hit) DSS.
Connection failures (``DSSConnectionError``: unreachable, key refused) are not caught here:
``cli.main`` reports them with their own exit codes (3, 4), the same way for every command.
Missing credentials are a usage error (64), like ``validate --online``.
"""

import argparse
import os
import sys
from typing import Any, Optional

from .. import exitcodes
from ..plan.refresh import DEFAULT_PARALLELISM
from ..config.diagnostics import ConfigError, render_human


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError("expected a whole number of at least 1, got %r" % text)
    return value


def _error(command: str, message: str) -> None:
    sys.stderr.write("dss-framework %s: error: %s\n" % (command, message))


def load_or_report(path: str, env: Optional[str]) -> Any:
    """The validated ``FrameworkConfig`` of ``path``, or None after printing every diagnostic to stderr."""
    from ..config.api import load_config
    try:
        return load_config(path, env=env)
    except ConfigError as error:
        sys.stderr.write(render_human(error.diagnostics) + "\n")
        return None


def _engine(args: argparse.Namespace) -> Any:
    """An ``Engine`` on the resolved credentials, or None after saying which ones are missing."""
    from ..dss.connect import MissingCredentials, connect
    from ..engine import Engine
    try:
        connection = connect(args.host, args.api_key)
    except MissingCredentials as error:
        _error(args.command, str(error))
        return None
    return Engine(client=connection.client, parallelism=args.parallelism)


def _prepare(args: argparse.Namespace) -> Any:
    """(config, engine), or the exit code after reporting why not: the configuration first (an
    invalid one never needs DSS), then the credentials."""
    config = load_or_report(args.config, args.env)
    if config is None:
        return exitcodes.INVALID
    engine = _engine(args)
    if engine is None:
        return exitcodes.USAGE
    return config, engine


def _dss_call(args: argparse.Namespace, call: Any) -> Any:
    """``call()``, or None after printing what DSS answered when it refused a request (no traceback).

    Connection failures are not caught (``cli.main`` gives them their exit codes); what is left is an
    ordinary API error, e.g. a project the key may not read.
    """
    from dataikuapi.utils import DataikuException
    from ..resources.writers import AmbiguousName
    try:
        return call()
    except DataikuException as error:
        _error(args.command, "DSS refused a request: %s" % error)
        return None
    except AmbiguousName as error:  # DSS has two objects of a name the configuration uses: none is picked
        _error(args.command, str(error))
        return None


def use_color(stream: Any = None) -> bool:
    """Colour only for a person: stdout is a terminal and ``NO_COLOR`` (no-color.org) is not set."""
    stream = sys.stdout if stream is None else stream
    return bool(getattr(stream, "isatty", lambda: False)()) and not os.environ.get("NO_COLOR")


def _write_out(path: str, text: str) -> Optional[str]:
    """Write the plan document to ``path``; an error message (not a traceback) when it cannot."""
    try:
        directory = os.path.dirname(os.path.abspath(path))
        os.makedirs(directory, exist_ok=True)
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(text + "\n")
    except OSError as error:
        return "cannot write the plan to %s: %s" % (path, error.strerror or error)
    return None


def _planned(args: argparse.Namespace) -> Any:
    """(config, engine, plan) of ``args.config`` (with --target and --allow-delete), or the exit code
    after reporting why not: the configuration, the credentials, DSS's refusal, an unknown target."""
    prepared = _prepare(args)
    if isinstance(prepared, int):
        return prepared
    config, engine = prepared
    try:
        plan = _dss_call(args, lambda: engine.plan(config, targets=args.target or None, config_source=args.config,
                                                   allow_delete=args.allow_delete))
    except ValueError as error:
        if not args.target:
            raise
        _error(args.command, str(error))  # an address that is not in the configuration
        return exitcodes.INVALID
    return exitcodes.INVALID if plan is None else (config, engine, plan)


def cmd_plan(args: argparse.Namespace) -> int:
    """Print the plan (text, or the JSON document with --json); --out also saves the document."""
    planned = _planned(args)
    if isinstance(planned, int):
        return planned
    plan = planned[2]
    if args.out:
        problem = _write_out(args.out, plan.to_json())
        if problem:
            _error("plan", problem)
            return exitcodes.INVALID
    from ..render.text import render_text
    print(plan.to_json() if args.json else render_text(plan.doc, color=use_color()))
    if args.detailed_exitcode:
        return exitcodes.CHANGES if plan.has_changes else exitcodes.OK
    return exitcodes.OK


def cmd_drift(args: argparse.Namespace) -> int:
    """Exit 0 when DSS has no drift, 2 (listing it) when it has.

    With an apply state, drift is what changed in DSS since the last apply (fields listed in the
    plan's ``drift`` and ``conflicts``); changes the configuration asks are not drift. Without a
    state nothing tells them apart: every difference between DSS and the configuration counts."""
    prepared = _prepare(args)
    if isinstance(prepared, int):
        return prepared
    config, engine = prepared
    plan = _dss_call(args, lambda: engine.drift(config))
    if plan is None:
        return exitcodes.INVALID
    from ..render.text import difference_lines, render_text
    differences = difference_lines(plan.doc)
    if args.json:
        print(plan.to_json())
    else:
        print(render_text(plan.doc, color=use_color()))
        if differences:
            where = "DSS changed since the last apply" if plan.has_state else "DSS differs from the configuration"
            print("\n%s in %d place(s):" % (where, len(differences)))
            print("\n".join("  " + line for line in differences))
        elif plan.has_state and plan.has_changes:
            print("\nNo drift: DSS holds what was last applied (the configuration has changes to apply).")
        else:
            print("\nDSS matches the configuration.")
    return exitcodes.CHANGES if differences else exitcodes.OK


def _common(parser: argparse.ArgumentParser, metavar: str = "CONFIG",
            what: str = "YAML or JSON configuration file") -> None:
    parser.add_argument("config", metavar=metavar, help=what)
    parser.add_argument("--env", metavar="NAME", help="apply the environment overlay NAME first")
    add_connection_options(parser)


def add_connection_options(parser: argparse.ArgumentParser) -> None:
    """``--parallelism``, ``--host`` and ``--api-key``: every command that talks to DSS has them."""
    parser.add_argument("--parallelism", type=_positive, default=DEFAULT_PARALLELISM, metavar="N",
                        help="concurrent read requests to DSS (default 8)")
    parser.add_argument("--host", help="DSS URL (default: $DKU_DSS_URL, $DSS_HOST, then ~/.dataiku/config.json)")
    parser.add_argument("--api-key", dest="api_key",
                        help="DSS API key (default: $DKU_API_KEY, $DSS_API_KEY, then ~/.dataiku/config.json); "
                             "prefer the variables: arguments show in process listings")


def _epilog() -> str:
    from ..cli import exit_codes_text  # lazily: cli imports this module's registrars
    return exit_codes_text()


def add_plan(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "plan", help="show what apply would change in DSS (reads only)", epilog=_epilog(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Compare CONFIG with the project in DSS and show every create, update and replace.")
    _common(parser)
    parser.add_argument("--out", metavar="FILE", help="also write the plan document (JSON) to FILE")
    parser.add_argument("--json", action="store_true", help="print the plan document (JSON) instead of text")
    parser.add_argument("--target", action="append", metavar="ADDRESS",
                        help="plan only this resource (e.g. dataset.RAW, recipe.clean) and what it needs; repeatable")
    parser.add_argument("--detailed-exitcode", dest="detailed_exitcode", action="store_true",
                        help="exit 0 when there are no changes, 2 when there are, 1 on error")
    parser.add_argument("--allow-delete", dest="allow_delete", action="store_true",
                        help="plan the deletion of resources the apply state manages that CONFIG no longer names "
                             "(as settings.prune does; prevent_destroy still protects them)")
    parser.set_defaults(handler=cmd_plan)


def add_drift(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "drift", help="check that DSS still matches the configuration (exit 2 when it does not)", epilog=_epilog(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Exit 0 when the project in DSS matches CONFIG, 2 when it does not (listing what differs).")
    _common(parser)
    parser.add_argument("--json", action="store_true", help="print the comparison as a plan document (JSON)")
    parser.set_defaults(handler=cmd_drift)
