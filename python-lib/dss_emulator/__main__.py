"""``python -m dss_emulator serve --port PORT [...]``: run a standalone emulator."""
import argparse
import os
import signal
import sys
import threading

from .defaults import DEFAULT_EDITION, EDITIONS
from .server import Emulator


def _pair(value, sep, what, required=False):
    left, found, right = value.partition(sep)
    if not left or (found and not right) or (required and not found):
        raise argparse.ArgumentTypeError("expected %s, got %r" % (what, value))
    return left, right


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="python -m dss_emulator", description="A DSS public-API emulator.")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="serve the DSS public API over HTTP")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=11200)
    serve.add_argument("--data-dir", help="keep state in this folder across restarts")
    serve.add_argument("--api-key", action="append", default=[], metavar="KEY[:LOGIN]",
                       help="accept this API key, acting as LOGIN (default admin); repeatable")
    serve.add_argument("--seed-export", action="append", default=[], metavar="PROJECTKEY=PATH",
                       help="load a DSS project export (folder with project_config/ or zip); repeatable")
    serve.add_argument("--connection", action="append", default=[], metavar="NAME:TYPE",
                       help="add a connection, e.g. snowflake_prod:Snowflake; repeatable")
    serve.add_argument("--latency-ms", type=int, default=0, help="added latency per request")
    serve.add_argument("--edition", default=DEFAULT_EDITION, choices=sorted(EDITIONS),
                       help="the DSS edition GET /admin/licensing/status reports (default %(default)s)")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        return _serve(args)
    except argparse.ArgumentTypeError as e:  # a malformed KEY:LOGIN / NAME:TYPE / KEY=PATH: one line
        sys.stderr.write("error: %s\n" % e)
        return 2


def _serve(args):
    keys = {}
    for spec in args.api_key:
        key, login = _pair(spec, ":", "KEY[:LOGIN]")
        keys[key] = login or "admin"
    connections = dict(_pair(c, ":", "NAME:TYPE") for c in args.connection)
    seeds = {}
    for spec in args.seed_export:
        key, path = _pair(spec, "=", "--seed-export PROJECTKEY=PATH", required=True)
        if not os.path.exists(path):
            sys.stderr.write("error: --seed-export %s: no such file or folder\n" % path)
            return 2
        seeds[key] = path
    if args.data_dir:
        os.makedirs(args.data_dir, exist_ok=True)
    try:
        emu = Emulator(data_dir=args.data_dir, api_keys=keys, connections=connections,
                       latency_ms=args.latency_ms, seed_exports=seeds, edition=args.edition)
    except Exception as e:  # a bad seed or data dir: one clear line, no traceback
        sys.stderr.write("error: %s\n" % e)
        return 2
    emu.start(args.host, args.port)
    print("DSS emulator listening on %s" % emu.url, flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *a: stop.set())
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    emu.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
