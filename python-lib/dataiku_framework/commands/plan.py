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
from typing import Any, Optional, Tuple

from .. import exitcodes
from ..plan.refresh import DEFAULT_PARALLELISM
from ..config.diagnostics import ConfigError, render_human
from ..errors import code_of


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError("expected a whole number of at least 1, got %r" % text)
    return value


def _error(command: str, message: str, code: str) -> None:
    """The one form of every command's error line (``cli.main`` uses it too, for usage and connection
    failures): ``dss-framework COMMAND: error[CODE]: MESSAGE``, as argparse words its own, with the
    stable ``code`` of ``errors.CATALOGUE`` that scripts and agents match on (the troubleshooting page
    lists each one's cause and fix). Secrets are redacted and control characters shown escaped:
    messages quote names from DSS and the state; Java class names DSS puts in its answers are dropped
    (``errors.in_user_terms``)."""
    from ..config.printable import printable
    from ..errors import coded
    sys.stderr.write("dss-framework %s: %s\n" % (command, printable(coded(code, message))))


def load_or_report(path: str, env: Optional[str], checkout: Any = None) -> Any:
    """The validated ``FrameworkConfig`` of ``path``, or None after printing every diagnostic to stderr
    (files of a git ``checkout`` named by their source, not by the temporary directory)."""
    from ..config.api import load_config
    try:
        return load_config(path, env=env, source_name=checkout.pinned if checkout is not None else None)
    except ConfigError as error:
        diagnostics = checkout.relabel(error.diagnostics) if checkout is not None else error.diagnostics
        sys.stderr.write(render_human(diagnostics) + "\n")
        return None


def local_config(args: argparse.Namespace) -> str:
    """The local file of ``args.config``. A git source (``git+URL@REF#PATH``) is checked out for the
    rest of the process (applying reads its code files again), with the credentials of the
    environment (``sources.git.credentials_from_env``); ``args.config_source`` becomes what plans and
    the state record: the source pinned to its commit. Git failures (``GitSourceError``) propagate:
    ``cli.main`` gives them their exit codes."""
    from ..sources.git import checkout_for_process, credentials_from_env, is_git_source
    args.checkout = None
    args.config_source = args.config
    if not is_git_source(args.config):
        return args.config
    args.checkout = checkout_for_process(args.config, credentials_from_env())
    args.config_source = args.checkout.pinned
    return args.checkout.config_file


def _engine(args: argparse.Namespace, check: bool = True) -> Any:
    """An ``Engine`` on the resolved credentials, or None after saying which ones are missing.

    ``check``: make one call first (``check_connection``), so that an unreachable DSS, a refused key
    or a URL that is not the DSS API fails every command alike (exit 3 or 4) instead of as its first
    read's refusal; ``_prepare`` passes False, ``Engine.plan`` checks first itself. The client is
    kept on ``args`` for ``_dss_call``, which asks it whether a refused project exists."""
    from ..dss.connect import MissingCredentials, connect
    from ..dss.failures import check_connection
    from ..engine import Engine
    try:
        connection = connect(args.host, args.api_key)
    except MissingCredentials as error:
        _error(args.command, str(error), code_of(error, "credentials.missing"))
        return None
    if check:
        check_connection(connection.client, connection.url)
    args.dss_client = connection.client
    return Engine(client=connection.client, parallelism=args.parallelism)


def _prepare(args: argparse.Namespace) -> Any:
    """(config, engine), or the exit code after reporting why not: the configuration first (an
    invalid one never needs DSS), then the credentials."""
    loaded = load_or_report(local_config(args), args.env, args.checkout)
    if loaded is None:
        return exitcodes.INVALID
    config = with_project_key(args, loaded)
    if config is None:  # --project-key is no project key: a usage error, as validate's
        return exitcodes.USAGE
    engine = _engine(args, check=False)
    if engine is None:
        return exitcodes.USAGE
    return config, engine


def with_project_key(args: argparse.Namespace, config: Any) -> Any:
    """``config`` applied to the project of ``--project-key`` when given (``FrameworkConfig.with_project_key``);
    None after saying why a key cannot be used (or when ``config`` is None already)."""
    key = getattr(args, "project_key_override", None)
    if config is None or not key:
        return config
    try:
        return config.with_project_key(key)
    except ValueError as error:
        _error(args.command, "--project-key: %s" % error, "usage.arguments")
        return None


def add_project_key_option(parser: argparse.ArgumentParser) -> None:
    """``--project-key KEY``: plan, drift, apply and validate a configuration for another project."""
    parser.add_argument("--project-key", dest="project_key_override", metavar="KEY",
                        help="use project KEY instead of the configuration's project.key; references to the "
                             "configuration's own key follow (docs/how-to/environments.md)")


def _dss_call(args: argparse.Namespace, call: Any) -> Any:
    """``call()``, or None after printing what DSS answered when it refused a request (no traceback).

    Connection failures are not caught (``cli.main`` gives them their exit codes); what is left is an
    ordinary API error, e.g. a project the key may not read.
    """
    from dataikuapi.utils import DataikuException
    from ..resources.kind import AmbiguousName
    try:
        return call()
    except DataikuException as error:
        _error(args.command, *_refusal(args, error))
        return None
    except AmbiguousName as error:  # DSS has two objects of a name the configuration uses: none is picked
        _error(args.command, str(error), AmbiguousName.code)
        return None


def _refusal(args: argparse.Namespace, error: Exception) -> Tuple[str, str]:
    """What to say of DSS's refusal ``error``, and its code: that the project does not exist when it
    does not (DSS answers the same for a missing and a forbidden project; ``plan.refresh.exists`` tells
    them apart for an administrator's key, as ``import`` does), else DSS's own words (without its Java
    class: ``dss.forbidden`` says that the key lacks a right, with what to do)."""
    from ..errors import dss_refusal_code
    from concurrent.futures import Future
    from ..plan.refresh import Reader, exists
    key, client = getattr(args, "project_key", None), getattr(args, "dss_client", None)
    if key and client is not None and "UnauthorizedException" in str(error):
        refused = Future()  # type: Future
        refused.set_exception(error)
        try:
            if not exists(Reader(client, 1), refused, key):
                return "project %s does not exist on DSS" % key, "project.not_found"
        except Exception:  # exists (or may not be told from hidden): DSS's words below
            pass
    code = dss_refusal_code(error)
    if code == "dss.forbidden":
        return ("DSS refused a request, this API key may not make it: %s (use the key of a user with "
                "administrator rights on the project)" % error), code
    return "DSS refused a request: %s" % error, code


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
        plan = _dss_call(args, lambda: engine.plan(config, targets=args.target or None,
                                                   config_source=args.config_source, allow_delete=args.allow_delete))
    except ValueError as error:
        if not args.target:
            raise
        _error(args.command, str(error), "plan.unknown_target")  # an address that is not in the configuration
        return exitcodes.INVALID
    if plan is not None:
        from ..sources.git import record_commit
        record_commit(plan.doc["metadata"])  # a git source: its commit, for CI (the pinned source names it too)
    return exitcodes.INVALID if plan is None else (config, engine, plan)


def cmd_plan(args: argparse.Namespace) -> int:
    """Print the plan (text, or the JSON document with --json); --out also saves the document."""
    planned = _planned(args)
    if isinstance(planned, int):
        return planned
    plan = planned[2]
    for path, text in ((args.out, plan.to_json), (getattr(args, "markdown", None), plan.to_markdown)):
        problem = path and _write_out(path, text())
        if problem:
            _error("plan", problem, "plan.write")
            return exitcodes.INVALID
    from ..render.text import render_text
    print(plan.to_json() if args.json else render_text(plan.doc, color=use_color()))
    if getattr(args, "store", False):
        from .plans import store_plan
        stored = store_plan(args, planned[1], plan)
        if stored != exitcodes.OK:
            return stored
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
    from ..render.text import difference_lines, render_drift
    differences = difference_lines(plan.doc)
    print(plan.to_json() if args.json else render_drift(plan.doc, color=use_color()))
    return exitcodes.CHANGES if differences else exitcodes.OK


def _common(parser: argparse.ArgumentParser, metavar: str = "CONFIG",
            what: str = "YAML or JSON configuration file") -> None:
    parser.add_argument("config", metavar=metavar, nargs="+", help=what + "; or git+URL@REF#PATH (see "
                        "docs/how-to/git.md). Several, or a directory: one section per project "
                        "(docs/how-to/large-projects.md)")
    parser.add_argument("--env", metavar="NAME", help="apply the environment overlay NAME first")
    add_project_key_option(parser)
    add_connection_options(parser)


def add_connection_options(parser: argparse.ArgumentParser, parallelism: bool = True, purpose: str = "") -> None:
    """``--host`` and ``--api-key`` (``purpose``: what they are for, when the command can do without
    DSS), and ``--parallelism`` unless the command reads too little to need it: every command that
    talks to DSS has them, worded alike."""
    if parallelism:
        parser.add_argument("--parallelism", type=_positive, default=DEFAULT_PARALLELISM, metavar="N",
                            help="concurrent read requests to DSS (default 8)")
    else:
        parser.set_defaults(parallelism=DEFAULT_PARALLELISM)
    purpose = " for " + purpose if purpose else ""
    parser.add_argument("--host", help="DSS URL%s (default: $DKU_DSS_URL, $DSS_HOST, then ~/.dataiku/config.json)"
                        % purpose)
    parser.add_argument("--api-key", dest="api_key",
                        help="DSS API key%s (default: $DKU_API_KEY, $DSS_API_KEY, then ~/.dataiku/config.json); "
                             "prefer the variables: arguments show in process listings" % purpose)


def command_parser(subparsers: Any, name: str, help_text: str, description: str) -> argparse.ArgumentParser:
    """The parser of subcommand ``name``: its ``--help`` ends with the exit codes every command shares."""
    return subparsers.add_parser(name, help=help_text, description=description, epilog=_epilog(),
                                 formatter_class=argparse.RawDescriptionHelpFormatter)


def _epilog() -> str:
    from ..cli import exit_codes_text  # lazily: cli imports this module's registrars
    return exit_codes_text()


def add_plan(subparsers: Any) -> None:
    parser = command_parser(subparsers, "plan", "show what apply would change in DSS (reads only)",
                            "Compare CONFIG with the project in DSS and show every create, update and replace.")
    _common(parser)
    parser.add_argument("--out", metavar="FILE", help="also write the plan document (JSON) to FILE")
    parser.add_argument("--markdown", metavar="FILE",
                        help="also write the plan as Markdown (a pull-request comment, a CI job summary) to FILE")
    parser.add_argument("--json", action="store_true", help="print the plan document (JSON) instead of text")
    parser.add_argument("--target", action="append", metavar="ADDRESS",
                        help="plan only this resource (e.g. dataset.RAW, recipe.clean) and what it needs; repeatable")
    parser.add_argument("--detailed-exitcode", dest="detailed_exitcode", action="store_true",
                        help="exit 0 when there are no changes, 2 when there are, 1 on error")
    parser.add_argument("--store", action="store_true",
                        help="also store the plan in the project, for review (prints its id; see 'plans')")
    parser.add_argument("--allow-delete", dest="allow_delete", action="store_true",
                        help="plan the deletion of resources the apply state manages that CONFIG no longer names "
                             "(as settings.prune does; prevent_destroy still protects them)")
    from .multi import cmd_plan_many, dispatch
    parser.set_defaults(handler=dispatch(cmd_plan, cmd_plan_many))


def add_drift(subparsers: Any) -> None:
    parser = command_parser(subparsers, "drift", "check that DSS still matches the configuration (exit 2 when it "
                            "does not)", "Exit 0 when the project in DSS matches CONFIG, 2 when it does not (listing "
                            "what differs).")
    _common(parser)
    parser.add_argument("--json", action="store_true", help="print the comparison as a plan document (JSON)")
    from .multi import cmd_drift_many, dispatch
    parser.set_defaults(handler=dispatch(cmd_drift, cmd_drift_many))
