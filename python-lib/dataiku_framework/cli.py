"""Command line: ``dss-framework <command> ...``.

Why argparse subcommands: ``validate`` ships now; ``plan``, ``apply`` and the
other commands are added by appending their registrar to ``COMMANDS`` without
touching the existing ones. Every command shares the exit codes of
``exitcodes`` (listed by ``dss-framework --help``); ``main`` maps the failures
every command can meet to them, so handlers only return their own outcome:

* bad arguments (argparse, or ``UsageError`` from a handler) -> ``USAGE`` (64),
* ``DSSConnectionError`` (DSS unreachable, key refused) -> its own ``exit_code``
  (3 or 4) with its message on stderr, the API key masked,
* a closed output pipe (``dss-framework validate --json | head``) -> quiet exit,
* Ctrl-C -> one line, exit 130 (an apply stops cleanly first: ``commands.interrupt``).
"""

import argparse
import os
import sys
from typing import Any, Callable, List, Optional, Sequence

from . import errors, exitcodes
from .config.diagnostics import ConfigError, has_errors, render_human, render_json
from .config.secrets import mask_secret
from .commands.plan import _error as report_error  # the one error line of every command
from .dss.failures import DSSConnectionError
from .sources.git import GitSourceError

#: Exit status after the reader of our output went away (128 + SIGPIPE, what a shell reports).
EXIT_BROKEN_PIPE = 141
#: Exit status after Ctrl-C (128 + SIGINT); an apply exits 143 after SIGTERM (``commands.interrupt``).
EXIT_INTERRUPTED = 130


class UsageError(Exception):
    """A handler's complaint about its arguments; ``main`` reports it like argparse does (exit 64).
    ``code``: its ``errors.CATALOGUE`` code (a missing credential is ``credentials.missing``)."""

    def __init__(self, message: str, code: str = "usage.arguments") -> None:
        super().__init__(message)
        self.code = code



class _Parser(argparse.ArgumentParser):
    """argparse exits with 2 on usage errors, which is ``CHANGES`` here: use ``exitcodes.USAGE``."""

    def error(self, message: str) -> None:  # type: ignore[override]
        """argparse's own line, with the code every command error carries (``errors.CATALOGUE``)."""
        self.print_usage(sys.stderr)
        self.exit(exitcodes.USAGE, "%s: error[usage.arguments]: %s\n" % (self.prog, message))


def exit_codes_text() -> str:
    """The exit-code table shown by ``--help`` (the CLI reference's "Exit codes" is generated from the same source)."""
    lines = ["exit codes (every command):"]
    for code in sorted(exitcodes.DESCRIPTIONS):
        lines.append("  %-3d %s" % (code, exitcodes.DESCRIPTIONS[code]))
    lines.append("  %-3d interrupted by Ctrl-C (SIGINT); 143 by SIGTERM: an apply stops scheduling, lets the requests "
                 "in flight finish, writes the state and releases the lock" % EXIT_INTERRUPTED)
    lines.append("  %-3d the reader of the output went away (e.g. '| head'); nothing more is printed"
                 % EXIT_BROKEN_PIPE)
    return "\n".join(lines)


def _online_client(args: argparse.Namespace) -> Any:
    """A ``dataikuapi.DSSClient`` from --host/--api-key or the environment (``dss.connect``), checked with one call.

    The check makes a wrong key or an unreachable host fail the command as such
    (``DSSConnectionError``), never as an invalid configuration."""
    from .dss.connect import MissingCredentials, connect  # lazily: offline validation must not need it
    from .dss.failures import check_connection
    try:
        connection = connect(args.host, args.api_key)
    except MissingCredentials as error:
        raise UsageError("--online: %s" % error, error.code)
    check_connection(connection.client, connection.url)
    return connection.client


def cmd_validate(args: argparse.Namespace) -> int:
    """Validate a configuration; print every diagnostic; exit 0 when valid, 1 otherwise."""
    from .config.api import validate_file
    from .commands.plan import local_config
    client = (lambda: _online_client(args)) if args.online else None
    loaded, diagnostics = validate_file(local_config(args), env=args.env, client=client, raise_connection_errors=True)
    diagnostics = diagnostics + _rekeyed_diagnostics(args, loaded, diagnostics)
    if args.checkout is not None:  # a git source: name its files by the source, not the checkout directory
        args.checkout.relabel(diagnostics)
    output = render_json(diagnostics) if args.json else render_human(diagnostics)
    print(output)
    return exitcodes.INVALID if has_errors(diagnostics) else exitcodes.OK


def _rekeyed_diagnostics(args: argparse.Namespace, loaded: Any, diagnostics: List[Any]) -> List[Any]:
    """With ``--project-key``: the diagnostics of the configuration applied to that project (a bad key
    is a usage error); none when the file itself has errors (they are reported already)."""
    from .config.api import config_from_document
    from .config.diagnostics import ConfigError
    if not args.project_key_override or has_errors(diagnostics) or loaded.doc is None:
        return []
    try:
        config = config_from_document(loaded.doc, loaded.root_dir, None)
    except ConfigError:
        return []
    try:
        rekeyed = config.with_project_key(args.project_key_override)
    except ValueError as error:
        raise UsageError("--project-key: %s" % error)
    return [d for d in rekeyed.validate(args.env) if d not in diagnostics]


def _add_validate(subparsers: Any) -> None:
    from .commands.plan import add_connection_options, add_project_key_option, command_parser
    parser = command_parser(subparsers, "validate", "check a configuration file offline (or --online against DSS)",
                            "Validate CONFIG and report every problem with its location.")
    parser.add_argument("config", metavar="CONFIG", nargs="+", help="YAML or JSON configuration file, or "
                        "git+URL@REF#PATH (docs/how-to/git.md); several, or a directory: one section "
                        "per file (docs/how-to/large-projects.md)")
    parser.add_argument("--json", action="store_true", help="output in the shape of 'terraform validate -json'; a "
                        "diagnostic with a certain fix carries it as text edits under 'fix' (config/fixes.py)")
    add_project_key_option(parser)
    parser.add_argument("--env", metavar="NAME", help="apply the environment overlay NAME before validating")
    parser.add_argument("--online", action="store_true",
                        help="also check that connections, code envs and users exist in DSS")
    add_connection_options(parser, parallelism=False, purpose="--online")
    from .commands.multi import cmd_validate_many, dispatch
    parser.set_defaults(handler=dispatch(cmd_validate, cmd_validate_many))


#: Subcommand registrars; plan/apply add theirs here.
from .commands import REGISTRARS as _REGISTRARS  # noqa: E402  (plan, drift: dataiku_framework/commands/)
COMMANDS = [_add_validate] + _REGISTRARS  # type: List[Callable[[Any], None]]
from .commands.preview import add_destroy, add_preview  # noqa: E402  (one project per branch, destroy)
COMMANDS += [add_preview, add_destroy]
from .commands.plans import add_plans  # noqa: E402  (stored plans: issue 15)
COMMANDS += [add_plans]
from .commands.init import add_init  # noqa: E402  (templates and init: issue 18)
COMMANDS += [add_init]
from .commands.agent import add_reference, add_schema  # noqa: E402  (for AI agents: issue 18)
COMMANDS += [add_schema, add_reference]


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="dss-framework", description="Dataiku DSS projects as code.", epilog=exit_codes_text(),
                     formatter_class=argparse.RawDescriptionHelpFormatter)
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for register in COMMANDS:
        register(subparsers)
    return parser


def _masked(text: str, args: argparse.Namespace) -> str:
    """``text`` without any API key this process may have been given (argument, environment, or
    ``~/.dataiku/config.json``)."""
    for key in (getattr(args, "api_key", None), os.environ.get("DKU_API_KEY"), os.environ.get("DSS_API_KEY"),
                _file_key()):
        text = mask_secret(text, key)
    return text


def _file_key() -> Optional[str]:
    """The API key of ``~/.dataiku/config.json``'s default instance, if it has one (None when unreadable)."""
    from .dss.connect import MissingCredentials, config_file_path, read_config_file
    try:
        instance = read_config_file(config_file_path(os.environ))
    except (MissingCredentials, OSError, ValueError):
        return None
    return instance.get("api_key") if instance else None


def _quiet_broken_pipe() -> int:
    """The reader closed our stdout: point it at /dev/null so the interpreter's final flush stays silent."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # stdout without a file descriptor (tests): nothing to flush later
        pass
    return EXIT_BROKEN_PIPE


def _run(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    """Run the chosen handler, mapping the failures every command shares to their exit codes."""
    try:
        code = args.handler(args)
        sys.stdout.flush()  # inside the try: a closed pipe is reported here, not at interpreter exit
        return code
    except UsageError as error:
        parser.print_usage(sys.stderr)
        report_error(args.command, _masked(str(error), args), error.code)
        return exitcodes.USAGE
    except DSSConnectionError as error:
        report_error(args.command, _masked(str(error), args), error.code)
        return error.exit_code
    except GitSourceError as error:  # a git+ CONFIG: unknown host (3), credentials refused (4), no ref/file (1)
        report_error(args.command, _masked(str(error), args), error.code)
        return error.exit_code
    except ConfigError as error:  # the configuration against the instance (plan/connections.py): located, no traceback
        sys.stderr.write(render_human(error.diagnostics) + "\n")
        return exitcodes.INVALID


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Entry point of ``dss-framework``; returns the process exit status (see ``exitcodes``)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        if not getattr(args, "handler", None):
            parser.print_usage(sys.stderr)
            return exitcodes.USAGE
        return _run(parser, args)
    except SystemExit as exit:  # argparse: --help (0) or a usage error (64)
        return exitcodes.OK if exit.code is None else exit.code if isinstance(exit.code, int) else exitcodes.USAGE
    except BrokenPipeError:
        return _quiet_broken_pipe()
    except KeyboardInterrupt:  # Ctrl-C outside an apply's own handling (commands.interrupt): no traceback
        sys.stderr.write("dss-framework: %s\n" % errors.coded("usage.interrupted", "interrupted"))
        return EXIT_INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
