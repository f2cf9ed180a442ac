"""``dss-framework preview`` (one project per branch) and ``dss-framework destroy`` (delete a project).

Why here and not in ``commands.apply``: both only arrange what the core does (``preview``,
``apply.destroy``); they reuse apply's confirmation, progress and interruption handling as they are,
so a preview is applied exactly as ``apply`` would apply it and destroy asks the way apply asks.
"""
import argparse
import os
import re
import sys
from typing import Any, Optional

from .. import exitcodes
from ..config.printable import printable
from .apply import (_apply_config, _apply_interruptible, _human, _run_guarded, _say, _writer_options,
                    confirm)
from .plan import _dss_call, _engine, _error, add_connection_options, command_parser as _parser, load_or_report, \
    local_config, use_color

DESTROY_PROMPT = "Destroy this project and its data? Only 'yes' is accepted: "
PRUNE_PROMPT = "Destroy these preview projects and their data? Only 'yes' is accepted: "
_KEY = re.compile(r"[A-Z][A-Z0-9_]*\Z")


# -- destroy -----------------------------------------------------------------------------------------

def _destroy_one(args: argparse.Namespace, engine: Any, key: str, config: Any = None, ask: bool = True) -> int:
    """Show what deleting ``key`` removes, confirm (unless ``ask`` is False: already confirmed), destroy."""
    from ..apply.destroy import DestroyRefused
    try:
        plan = _run_guarded(args, lambda: engine.destroy_plan(key, config))
    except DestroyRefused as error:
        _error(args.command, str(error), error.code)
        return exitcodes.INVALID
    if isinstance(plan, int):
        return plan
    _say(args, printable("\n".join(plan.lines())))
    refused = confirm(args, DESTROY_PROMPT) if ask else None
    if refused is not None:
        return refused
    try:
        done = _run_guarded(args, lambda: engine.destroy(key, history_out=args.history_out, config=config,
                                                          lock_timeout=args.lock_timeout))
    except DestroyRefused as error:
        _error(args.command, str(error), error.code)
        return exitcodes.INVALID
    if isinstance(done, int):
        return done
    _say(args, printable("Wrote the state and history of %s to %s" % (key, done["history_file"])))
    _say(args, "Destroyed project %s." % key)
    return exitcodes.OK


def _key_and_config(args: argparse.Namespace) -> Any:
    """(key, config or None) of destroy's argument: a project key unless it names a file or a git source."""
    from ..engine import _project_key
    from ..sources.git import is_git_source
    if _KEY.match(args.target_name) and not os.path.exists(args.target_name) and not is_git_source(args.target_name):
        return args.target_name, None
    args.config = args.target_name
    config = load_or_report(local_config(args), args.env, args.checkout)
    return (None, None) if config is None else (_project_key(config), config)


def cmd_destroy(args: argparse.Namespace) -> int:
    """Delete a project the tool created (see ``apply.destroy``), after showing what goes and asking."""
    key, config = _key_and_config(args)
    if key is None:
        return exitcodes.INVALID
    engine = _engine(args)
    if engine is None:
        return exitcodes.USAGE
    return _destroy_one(args, engine, key, config)


def add_destroy(subparsers: Any) -> None:
    parser = _parser(subparsers, "destroy", "delete a whole project the tool created, data included",
                     "Delete the project of CONFIG (or PROJECT_KEY), with its datasets' data and folders' files. "
                     "Only a project the apply state says this tool created, and without prevent_destroy on "
                     "project.lifecycle; its state and history are written to --history-out first.")
    parser.add_argument("target_name", metavar="CONFIG|PROJECT_KEY",
                        help="a configuration file (its project.key, after --env) or a project key")
    parser.add_argument("--env", metavar="NAME", help="with CONFIG: apply the environment overlay NAME first")
    _destroy_options(parser)
    parser.set_defaults(handler=cmd_destroy)


def _destroy_options(parser: argparse.ArgumentParser) -> None:
    _writer_options(parser, "destroy")
    parser.add_argument("--history-out", dest="history_out", metavar="FILE",
                        help="where to write the project's state and history before deleting it "
                             "(default: <PROJECT_KEY>-history.json in the current folder)")
    add_connection_options(parser)


# -- preview -----------------------------------------------------------------------------------------

def _branch(args: argparse.Namespace, config: Any) -> Optional[str]:
    from ..preview import PreviewError, current_branch
    if args.branch:
        return args.branch
    try:
        return current_branch(config.root_dir)
    except PreviewError as error:
        _error("preview", str(error), error.code)
        return None


def cmd_preview(args: argparse.Namespace) -> int:
    """Apply CONFIG to its branch's preview project; or list, destroy or prune previews."""
    from ..preview import PREVIEW_ENV
    args.config = args.config_file
    path = local_config(args)
    config = load_or_report(path, None, args.checkout)
    if config is not None and args.env is None and PREVIEW_ENV in (config.environments or {}):
        args.env = PREVIEW_ENV  # the overlay giving a preview its own connections (docs/how-to/git.md)
    if config is not None and args.env is not None:
        config = load_or_report(path, args.env, args.checkout)
    if config is None:
        return exitcodes.INVALID
    engine = _engine(args)
    if engine is None:
        return exitcodes.USAGE
    if args.list:
        return _list(args, engine, config)
    if args.prune:
        return _prune(args, engine, config)
    branch = _branch(args, config)
    if branch is None:
        return exitcodes.USAGE
    from ..preview import preview_key
    if args.destroy:
        return _destroy_one(args, engine, preview_key(config.project.key, branch), None)
    return _create_or_update(args, engine, config, branch)


def _create_or_update(args: argparse.Namespace, engine: Any, config: Any, branch: str) -> int:
    """Plan and apply the preview configuration (apply's flow: shown, confirmed, applied as shown)."""
    from ..preview import current_commit, preview_config, production_connections
    from ..render.text import render_text
    for warning in production_connections(config, args.env):
        sys.stderr.write(printable("dss-framework preview: warning: %s\n" % warning))
    commit = args.commit or current_commit(config.root_dir)
    preview = preview_config(config, branch, commit)
    _say(args, "Preview of branch %s: project %s" % (printable(branch), preview.project.key))
    plan = _dss_call(args, lambda: engine.plan(preview, config_source=args.config_source))
    if plan is None:
        return exitcodes.INVALID
    _say(args, render_text(plan.doc, color=use_color(_human(args))))
    if not plan.has_changes:
        return exitcodes.OK
    refused = confirm(args, "Apply these changes to the preview? Only 'yes' is accepted: ")
    if refused is not None:
        return refused
    args.target, args.allow_delete, args.no_checkpoint = None, False, False
    return _apply_interruptible(args, lambda cancel: _apply_config(args, engine, preview, plan, cancel))


def _list(args: argparse.Namespace, engine: Any, config: Any) -> int:
    from ..preview import list_previews
    found = _dss_call(args, lambda: list_previews(engine.client, config.project.key))
    if found is None:
        return exitcodes.INVALID
    if not found:
        print("No preview of %s." % config.project.key)
    for p in found:
        print(printable("%s\tbranch %s\tcommit %s" % (p["project_key"], p["branch"], p["commit"] or "-")))
    return exitcodes.OK


def _prune(args: argparse.Namespace, engine: Any, config: Any) -> int:
    """Destroy the previews of this configuration whose branch no longer exists (asked once for all)."""
    from ..preview import PreviewError, stale_previews
    if args.history_out:
        _error("preview", "--history-out names one file, and --prune may destroy several previews: each one's "
                          "history is written to <PREVIEW_KEY>-history.json in the current folder",
               "usage.options")
        return exitcodes.USAGE
    try:
        stale = _dss_call(args, lambda: stale_previews(engine.client, config.project.key, config.root_dir))
    except PreviewError as error:
        _error("preview", str(error), error.code)
        return exitcodes.INVALID
    if stale is None:
        return exitcodes.INVALID
    if not stale:
        _say(args, "No preview of %s has a deleted branch." % config.project.key)
        return exitcodes.OK
    for p in stale:
        _say(args, printable("%s (branch %s no longer exists)" % (p["project_key"], p["branch"])))
    refused = confirm(args, PRUNE_PROMPT)
    if refused is not None:
        return refused
    codes = [_destroy_one(args, engine, p["project_key"], None, ask=False) for p in stale]
    return max(codes)


def add_preview(subparsers: Any) -> None:
    parser = _parser(subparsers, "preview", "apply a configuration to its git branch's own preview project",
                     "Apply CONFIG to the preview project of the current git branch (key <KEY>_PR_<BRANCH>, "
                     "docs/how-to/git.md), creating it; or list, destroy or prune previews.")
    parser.add_argument("config_file", metavar="CONFIG", help="YAML or JSON configuration file, or git+URL@REF#PATH")
    parser.add_argument("--env", metavar="NAME", help="environment overlay giving the preview's connections "
                                                     "(default: 'preview' when the configuration defines it)")
    parser.add_argument("--branch", metavar="BRANCH", help="the branch (default: the checkout's, then "
                                                           "$GITHUB_HEAD_REF, $CI_COMMIT_REF_NAME)")
    parser.add_argument("--commit", metavar="SHA", help="the commit recorded on the preview (default: the checkout's)")
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--list", action="store_true", help="list the previews of CONFIG's project")
    group.add_argument("--destroy", action="store_true", help="destroy the preview of the branch")
    group.add_argument("--prune", action="store_true", help="destroy the previews whose branch no longer exists")
    _destroy_options(parser)
    parser.add_argument("--json", action="store_true", help=argparse.SUPPRESS)
    parser.set_defaults(handler=cmd_preview)


__all__ = ["add_destroy", "add_preview"]
