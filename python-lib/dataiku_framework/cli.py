"""Command line: ``dss-framework <command> ...``.

Why argparse subcommands: ``validate`` ships now; ``plan`` and ``apply`` are
added by registering more subparsers in ``COMMANDS`` without touching the
existing ones. Exit codes follow the usual convention: 0 success, 1 invalid
configuration (or failed command), 2 usage error.
"""

import argparse
import sys
from typing import Any, Callable, List, Optional, Sequence

from .config.diagnostics import has_errors, render_human, render_json

EXIT_OK, EXIT_INVALID, EXIT_USAGE = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    """argparse exits with 2 on usage errors already; keep its message on stderr."""


def _online_client(args):
    # type: (argparse.Namespace) -> Any
    """A ``dataikuapi.DSSClient`` from --host/--api-key or DSS_HOST/DSS_API_KEY (the key is never printed)."""
    from .dss.connect import MissingCredentials, client_from  # lazily: offline validation must not need it
    try:
        return client_from(args.host, args.api_key)
    except MissingCredentials:
        raise _UsageError("--online needs --host and --api-key (or DSS_HOST and DSS_API_KEY)")


class _UsageError(Exception):
    pass


def cmd_validate(args):
    # type: (argparse.Namespace) -> int
    """Validate a configuration; print every diagnostic; exit 0 when valid, 1 otherwise."""
    from .config.api import validate_file
    client = (lambda: _online_client(args)) if args.online else None
    diagnostics = validate_file(args.config, env=args.env, client=client)[1]
    output = render_json(diagnostics) if args.json else render_human(diagnostics)
    print(output)
    return EXIT_INVALID if has_errors(diagnostics) else EXIT_OK


def _add_validate(subparsers):
    # type: (Any) -> None
    parser = subparsers.add_parser("validate", help="check a configuration file offline (or --online against DSS)",
                                   description="Validate CONFIG and report every problem with its location.")
    parser.add_argument("config", metavar="CONFIG", help="YAML or JSON configuration file")
    parser.add_argument("--json", action="store_true", help="output in the shape of 'terraform validate -json'")
    parser.add_argument("--env", metavar="NAME", help="apply the environment overlay NAME before validating")
    parser.add_argument("--online", action="store_true",
                        help="also check that connections, code envs and users exist in DSS")
    parser.add_argument("--host", help="DSS URL for --online (default: $DSS_HOST)")
    parser.add_argument("--api-key", dest="api_key", help="DSS API key for --online (default: $DSS_API_KEY)")
    parser.set_defaults(handler=cmd_validate)


#: Subcommand registrars; plan/apply add theirs here.
COMMANDS = [_add_validate]  # type: List[Callable[[Any], None]]


def build_parser():
    # type: () -> argparse.ArgumentParser
    parser = _Parser(prog="dss-framework", description="Dataiku DSS projects as code.")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for register in COMMANDS:
        register(subparsers)
    return parser


def main(argv=None):
    # type: (Optional[Sequence[str]]) -> int
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_usage(sys.stderr)
        return EXIT_USAGE
    try:
        return args.handler(args)
    except _UsageError as error:
        parser.error(str(error))  # exits with status 2
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
