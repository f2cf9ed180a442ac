"""``dss-framework apply``, ``history``, ``rollback`` and ``unlock``: the commands that change DSS.

Why the plan is shown and then applied as shown: what the person approved must be exactly what
runs, so ``apply CONFIG`` plans once, prints that plan, asks, and hands that same ``Plan`` to
``Engine.apply``, which plans again under the lock and refuses it (``StalePlanError``) when the two
differ; the new plan is then shown and asked again. With ``--auto-approve`` nobody approved a
particular plan: the plan made under the lock is applied (``planned=``: the one shown is not made
twice). A saved plan (``plan --out``) is applied only as saved, checked against a fresh plan of its
configuration. Confirmation is asked on a terminal only; anywhere
else (CI, a pipe) the caller must say ``--auto-approve``, so a script never hangs on a prompt and
never applies by accident. Everything shared with ``plan`` (loading, credentials, DSS refusals) comes
from ``commands.plan``; connection failures are ``cli.main``'s (exit 3, 4).
"""

import argparse
import json
import sys
from typing import Any, Callable, List, Optional, TextIO

from .. import exitcodes
from ..config.printable import printable, printable_json
from ..errors import in_user_terms
from .plan import _common, _dss_call, _engine, _error, _planned, add_connection_options, command_parser, use_color

PROMPT = "Apply these changes? Only 'yes' is accepted: "
ROLLBACK_PROMPT = "Roll back these changes? Only 'yes' is accepted: "


def _non_negative(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if value < 0 or value != value:
        raise argparse.ArgumentTypeError("expected a number of seconds (0 or more), got %r" % text)
    return value


def _human(args: argparse.Namespace) -> TextIO:
    """Where text for a person goes: stdout, except with --json, whose stdout is the JSON alone."""
    return sys.stderr if getattr(args, "json", False) else sys.stdout


def _say(args: argparse.Namespace, text: str) -> None:
    stream = _human(args)
    stream.write(text + "\n")
    stream.flush()


def confirm(args: argparse.Namespace, prompt: str) -> Optional[int]:
    """None when the caller may go on (--auto-approve, or 'yes' typed on a terminal); else the exit
    code after saying why not. Without a terminal nothing is read: --auto-approve is required."""
    if args.auto_approve:
        return None
    if not getattr(sys.stdin, "isatty", lambda: False)():
        _error(args.command, "standard input is not a terminal, so nobody can confirm: pass --auto-approve to "
                             "%s without confirmation" % args.command, "usage.no_terminal")
        return exitcodes.USAGE
    stream = _human(args)
    stream.write("\n" + prompt)
    stream.flush()
    try:
        answer = sys.stdin.readline()
    except KeyboardInterrupt:  # Ctrl-C at the question: a "no"
        answer = ""
    if answer.strip() != "yes":
        if not answer:  # end of input or Ctrl-C: the terminal is still on the prompt's line
            stream.write("\n")
        _say(args, "%s cancelled." % args.command.capitalize())
        return exitcodes.INVALID
    return None


def _progress(args: argparse.Namespace) -> Callable[[int, int, str], None]:
    """``on_progress`` for the engine: one line per resource as it finishes."""
    def report(done: int, total: int, message: str) -> None:
        _say(args, "  [%*d/%d] %s" % (len(str(total)), done, total, printable(message)))
    return report


def _report(args: argparse.Namespace, result: Any, shown: str = "") -> int:
    """Print the outcome (JSON with --json); exit 0 when every resource succeeded, 1 otherwise.
    ``shown``: text already printed (a rollback's plan): a note it holds is not printed again, said
    once (the JSON keeps every note)."""
    failed = [r for r in result.results if r.status != "succeeded"]
    if args.json:
        print(printable_json(json.dumps(result.to_dict(), indent=2, ensure_ascii=False)))
    else:
        for r in failed:
            print(printable("  %s %s: %s%s" % (r.operation, r.address, r.status,
                                                ": %s" % in_user_terms(r.error) if r.error else "")))
        for note in (n for n in result.notes if n not in shown):
            print(printable("Note: %s" % note))
        print(result.summary())
        if result.apply_id:
            print("%s id: %s" % ("Rollback" if result.operation == "rollback" else "Apply", result.apply_id))
    return exitcodes.OK if result.succeeded else exitcodes.INVALID


def _run_guarded(args: argparse.Namespace, call: Callable[[], Any]) -> Any:
    """``call()``; or, after printing its message, the exit code of an expected refusal: the lock
    held by someone else (naming the holder), a stale saved plan, an unreadable state or lock, a
    rollback that cannot be made (unknown apply id, nothing applied). DSS refusals are ``_dss_call``'s; connection failures propagate."""
    from ..apply import StalePlanError
    from ..apply.rollback import RollbackError
    from ..apply.run import AccessLossError, CheckpointError
    from ..plan.compare_plans import NotReviewedError
    from ..state import LockError, StateError
    try:
        outcome = _dss_call(args, call)
    except (AccessLossError, CheckpointError, LockError, NotReviewedError, RollbackError, StalePlanError,
            StateError) as error:
        _error(args.command, str(error), error.code)
        return exitcodes.INVALID
    return exitcodes.INVALID if outcome is None else outcome


# -- apply ------------------------------------------------------------------------------------------

def _saved_plan(path: str) -> Any:
    """The ``Plan`` saved in ``path`` (a ``.json`` file shaped as a plan document), else None (a
    configuration). A plan document this version cannot read raises ``PlanFormatError``."""
    from ..sources.git import is_git_source
    if is_git_source(path) or not path.lower().endswith(".json"):
        return None  # a git+ argument is always a source, whatever its file's name
    try:
        with open(path, encoding="utf-8") as handle:
            doc = json.load(handle)
    except (OSError, ValueError):
        return None  # not readable as JSON: the configuration loader reports it with its position
    if not (isinstance(doc, dict) and "format_version" in doc and "resource_changes" in doc):
        return None
    from ..plan.document import load_saved
    return load_saved(doc)


def cmd_apply(args: argparse.Namespace) -> int:
    """Plan (or read the saved plan), show it, confirm, apply it; exit 0 when every resource succeeded."""
    from ..plan.document import PlanFormatError
    try:
        plan = _saved_plan(args.config)
    except PlanFormatError as error:
        _error("apply", "%s: %s" % (args.config, error), error.code)
        return exitcodes.INVALID
    config = None
    if args.expect_plan:
        return _apply_reviewed(args, plan)
    if plan is not None:
        given = [flag for flag, value in (("--env", args.env), ("--target", args.target),
                                          ("--allow-delete", args.allow_delete),
                                          ("--project-key", args.project_key_override)) if value]
        if given:
            _error("apply", "%s is a saved plan, applied exactly as saved: %s cannot change it (plan again with "
                            "them instead)" % (args.config, ", ".join(given)), "usage.options")
            return exitcodes.USAGE
        engine = _engine(args)
        if engine is None:
            return exitcodes.USAGE
        planned_on = plan.doc["metadata"].get("dss_url")
        if planned_on and engine.url and planned_on.rstrip("/") != engine.url.rstrip("/"):
            _error("apply", "%s was planned against %s, but the credentials point to %s: nothing was applied "
                            "(plan again against this DSS)" % (args.config, planned_on, engine.url), "plan.other_dss")
            return exitcodes.INVALID
    else:
        planned = _planned(args)
        if isinstance(planned, int):
            return planned
        config, engine, plan = planned
    from ..render.text import render_text
    _say(args, render_text(plan.doc, color=use_color(_human(args))))
    if not plan.has_changes:
        return _nothing_to_apply(args, plan)
    refused = confirm(args, PROMPT)
    if refused is not None:
        return refused
    if config is None:
        return _apply_interruptible(args, lambda cancel: engine.apply(
            plan, lock_timeout=args.lock_timeout, on_progress=_progress(args),
            checkpoint=not args.no_checkpoint, cancel=cancel))
    return _apply_interruptible(args, lambda cancel: _apply_config(args, engine, config, plan, cancel))


def _nothing_to_apply(args: argparse.Namespace, plan: Any) -> int:
    """Exit 0 for a plan without changes (its text already says so); with --json, the empty result."""
    if args.json:
        _print_empty_result(plan.doc["metadata"].get("project_key"), "apply", plan)
    return exitcodes.OK


def _print_empty_result(project_key: str, operation: str, plan: Any = None) -> None:
    """--json's result of an apply or rollback with nothing to do: the same shape, no resources."""
    from ..apply.result import Result
    print(json.dumps(Result(project_key, operation=operation, plan=plan).to_dict(), indent=2))


def _reviewed_plan(args: argparse.Namespace) -> Any:
    """The plan document of ``--expect-plan`` (checked: format, digest), else the exit code after saying why."""
    from ..plan.document import PlanFormatError, load_saved
    try:
        with open(args.expect_plan, encoding="utf-8") as handle:
            return load_saved(json.load(handle)).doc
    except OSError as error:
        _error("apply", "--expect-plan %s: cannot read it (%s): give the plan saved by 'plan --out' when the "
                        "change was reviewed" % (args.expect_plan, error.strerror or error), "plan.format")
    except ValueError as error:  # PlanFormatError, or not JSON
        what = error if isinstance(error, PlanFormatError) else "not JSON (%s)" % error
        _error("apply", "--expect-plan %s: %s" % (args.expect_plan, what), "plan.format")
    return exitcodes.INVALID


def _apply_reviewed(args: argparse.Namespace, saved: Any) -> int:
    """``apply CONFIG --expect-plan REVIEWED``: plan CONFIG now and apply that plan only when its
    changes are the reviewed plan's (``Engine.apply_reviewed``); else exit 1 naming what differs,
    with nothing written. For the merge job of a pipeline: the merged commit is not the reviewed one."""
    from ..plan.compare_plans import NotReviewedError, compare_plans
    if saved is not None:
        _error("apply", "%s is a saved plan: --expect-plan compares a configuration's new plan with it; give the "
                        "configuration instead" % args.config, "usage.options")
        return exitcodes.USAGE
    reviewed = _reviewed_plan(args)
    if isinstance(reviewed, int):
        return reviewed
    planned = _planned(args)
    if isinstance(planned, int):
        return planned
    config, engine, plan = planned
    from ..render.text import render_text
    _say(args, render_text(plan.doc, color=use_color(_human(args))))
    changed = compare_plans(reviewed, plan)
    if changed:
        _error("apply", str(NotReviewedError(plan.doc["metadata"].get("project_key"), changed,
                                             reviewed=args.expect_plan)), NotReviewedError.code)
        return exitcodes.INVALID
    if not plan.has_changes:
        return _nothing_to_apply(args, plan)
    refused = confirm(args, PROMPT)
    if refused is not None:
        return refused
    return _apply_interruptible(args, lambda cancel: engine.apply_reviewed(
        config, reviewed, reviewed_name=args.expect_plan, planned=plan, allow_delete=args.allow_delete,
        lock_timeout=args.lock_timeout, on_progress=_progress(args), checkpoint=not args.no_checkpoint,
        cancel=cancel))


def _apply_interruptible(args: argparse.Namespace, call: Callable[[Any], Any]) -> int:
    """``call(cancel)`` with Ctrl-C and SIGTERM turned into ``cancel`` (see ``commands.interrupt``);
    once interrupted, one line on stderr and exit 130 (SIGINT) or 143 (SIGTERM)."""
    from ..apply.run import ApplyInterrupted
    from .interrupt import interruptible
    with interruptible() as caught:
        try:
            outcome = _run_guarded(args, lambda: call(caught.event))
        except ApplyInterrupted as error:
            _error("apply", "%s (%s); the lock was released" % (error, caught.name), error.code)
            return caught.exit_code
        except KeyboardInterrupt:
            _error("apply", "apply stopped at once by a second %s: the lock was released, but the resources in flight "
                            "may be missing from the state and its history entry stays open (shown 'abandoned'); "
                            "apply again to converge" % caught.name, "apply.stopped_at_once")
            return caught.exit_code
    if isinstance(outcome, int):
        return outcome
    if outcome.stopped == "interrupted":
        if args.json:
            print(json.dumps(outcome.to_dict(), indent=2, ensure_ascii=False))
        _error("apply", "%s Apply %s was interrupted by %s: the state is written, its history entry closed "
                        "'interrupted', the lock released%s; apply again to go on"
                        % (outcome.summary(), outcome.apply_id, caught.name,
                           "".join(" (note: %s)" % n for n in outcome.notes if "lock" in n)), "apply.interrupted")
        return caught.exit_code
    return _report(args, outcome)


#: how many times a changed plan is shown and asked again before giving up
ASK_AGAIN = 5


def _apply_config(args: argparse.Namespace, engine: Any, config: Any, shown: Any, cancel: Any = None) -> Any:
    """Apply a configuration whose plan ``shown`` was shown (the ``Result``, or an exit code).

    With --auto-approve nobody approved a particular plan: the plan made under the lock is applied
    (after waiting for the lock, it is planned again). On a terminal, what a person approved is
    applied only as shown; when the plan made under the lock differs (DSS was edited meanwhile,
    another apply ran while this one waited), nothing is applied: the new plan is shown and asked again."""
    from ..apply import StalePlanError
    from ..apply.run import differences_text
    from ..render.text import render_text
    if args.auto_approve:
        return _run_guarded(args, lambda: engine.apply(config, targets=args.target, allow_delete=args.allow_delete,
                                                       lock_timeout=args.lock_timeout, on_progress=_progress(args),
                                                       planned=shown, checkpoint=not args.no_checkpoint,
                                                       cancel=cancel))
    for _ in range(ASK_AGAIN):
        def attempt(approved: Any = shown) -> Any:
            try:
                return engine.apply(approved, config=config, lock_timeout=args.lock_timeout,
                                    on_progress=_progress(args), checkpoint=not args.no_checkpoint, cancel=cancel)
            except StalePlanError as error:
                if error.fresh is None:
                    raise
                return error
        outcome = _run_guarded(args, attempt)
        if not isinstance(outcome, StalePlanError):
            return outcome
        _say(args, "\nThe plan changed since it was shown, nothing was applied: %s. The new plan:\n"
             % differences_text(outcome.changed))
        shown = outcome.fresh
        _say(args, render_text(shown.doc, color=use_color(_human(args))))
        if not shown.has_changes:
            return exitcodes.OK
        refused = confirm(args, PROMPT)
        if refused is not None:
            return refused
    _error("apply", "the plan kept changing while it was being approved: nothing was applied; try again",
           "plan.keeps_changing")
    return exitcodes.INVALID


# -- history, rollback, unlock ---------------------------------------------------------------------

#: (heading, history entry -> cell) of the ``history`` table.
HISTORY_COLUMNS = (
    ("APPLY ID", lambda e: e.get("apply_id")),
    ("OPERATION", lambda e: e.get("operation")),
    ("RESULT", lambda e: e.get("result") or "running"),
    ("STARTED (UTC)", lambda e: e.get("started_at")),
    ("USER", lambda e: e.get("user")),
    ("CHANGES", lambda e: _counts_text(e.get("counts") or {})),
    ("CONFIG", lambda e: e.get("config_source")),
)


def _counts_text(counts: Any) -> str:
    """``4 created, 1 updated`` (the counts that are not zero, in ``Result.counts`` order), or ``none``."""
    if not isinstance(counts, dict):
        return ""
    names = ("created", "updated", "replaced", "deleted", "failed", "skipped", "recorded")
    return ", ".join("%s %s" % (counts[n], n) for n in names if counts.get(n)) or "none"


def history_table(entries: List[dict], columns: Any = HISTORY_COLUMNS) -> str:
    """The history as an aligned text table, newest first (as ``Engine.history`` gives it); other
    ``columns`` (heading, entry -> cell) for other records (``plans list``)."""
    rows = [[heading for heading, _ in columns]]
    # user, host, config come from state.json, which any project writer can edit: shown, never obeyed
    rows += [["" if cell(e) is None else printable(str(cell(e)), one_line=True) for _, cell in columns]
             for e in entries]
    widths = [max(len(row[i]) for row in rows) for i in range(len(columns))]
    return "\n".join("  ".join(value.ljust(w) for value, w in zip(row, widths)).rstrip() for row in rows)


def cmd_history(args: argparse.Namespace) -> int:
    engine = _engine(args)
    if engine is None:
        return exitcodes.USAGE
    entries = _run_guarded(args, lambda: engine.history(args.project_key))
    if isinstance(entries, int):
        return entries
    if args.json:
        print(printable_json(json.dumps(entries, indent=2, ensure_ascii=False)))
    elif not entries:
        print("No apply recorded for project %s." % args.project_key)
    else:
        print(history_table(entries))
    return exitcodes.OK


def cmd_rollback(args: argparse.Namespace) -> int:
    """Show what rollback changes and that data is not restored, confirm, roll back."""
    engine = _engine(args)
    if engine is None:
        return exitcodes.USAGE
    plan = _run_guarded(args, lambda: engine.rollback_plan(args.project_key, to=args.to))
    if isinstance(plan, int):
        return plan
    _say(args, printable(plan.to_text()))  # ends with the line saying that data is not restored
    if not plan.has_changes:
        _say(args, "Nothing to roll back.")
        if args.json:
            _print_empty_result(args.project_key, "rollback")
        return exitcodes.OK
    refused = confirm(args, ROLLBACK_PROMPT)
    if refused is not None:
        return refused
    outcome = _run_guarded(args, lambda: engine.rollback(args.project_key, to=args.to, lock_timeout=args.lock_timeout,
                                                         on_progress=_progress(args)))
    return outcome if isinstance(outcome, int) else _report(args, outcome, shown=plan.to_text())


def cmd_unlock(args: argparse.Namespace) -> int:
    engine = _engine(args)
    if engine is None:
        return exitcodes.USAGE
    released = _run_guarded(args, lambda: engine.unlock(args.project_key, args.lock_id))
    if isinstance(released, int):
        return released
    if args.json:  # the holder's fields come from lock.json, any project writer's to edit: made inert
        print(printable_json(json.dumps({"project_key": args.project_key, "released": released.holder()},
                                        indent=2, ensure_ascii=False)))
        return exitcodes.OK
    print(printable("Released lock %s of project %s (it was %s)." % (released.id, args.project_key,
                                                                    released.describe())))
    return exitcodes.OK


# -- parsers ---------------------------------------------------------------------------------------

def _writer_options(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument("--auto-approve", dest="auto_approve", action="store_true",
                        help="%s without asking (required when standard input is not a terminal)" % what)
    parser.add_argument("--lock-timeout", dest="lock_timeout", type=_non_negative, default=0.0, metavar="SECONDS",
                        help="wait up to SECONDS for another apply or rollback of the project to end (default 0: "
                             "fail at once, naming the lock's holder)")


def add_apply(subparsers: Any) -> None:
    parser = command_parser(subparsers, "apply", "change DSS to match the configuration (or apply a saved plan)",
                     "Plan CONFIG against DSS, show the plan, ask for confirmation, then apply exactly that plan. "
                     "CONFIG may instead be a .json plan written by 'plan --out': it is applied as saved "
                     "(refused if what it touches changed since).")
    _common(parser, "CONFIG|PLAN_FILE", "YAML or JSON configuration, or a plan saved by 'plan --out' (.json)")
    from .multi import cmd_apply_many, dispatch
    parser.set_defaults(handler=dispatch(cmd_apply, cmd_apply_many))
    _writer_options(parser, "apply")
    parser.add_argument("--target", action="append", metavar="ADDRESS",
                        help="apply only this resource (e.g. dataset.RAW) and what it needs; repeatable")
    parser.add_argument("--allow-delete", dest="allow_delete", action="store_true",
                        help="delete the resources removed from the configuration that the state says this tool "
                             "manages (never without it, unless the configuration sets prune)")
    parser.add_argument("--json", action="store_true",
                        help="print the result as JSON on stdout (the plan, prompt and progress go to stderr)")
    parser.add_argument("--expect-plan", dest="expect_plan", metavar="REVIEWED_PLAN",
                        help="apply only if CONFIG's plan made now has the same resource changes as REVIEWED_PLAN "
                             "(a 'plan --out' file, e.g. a pull request's); else exit 1 listing what differs. "
                             "For a merge pipeline: see docs/how-to/ci.md")
    parser.add_argument("--no-checkpoint", dest="no_checkpoint", action="store_true",
                        help="make no git checkpoint before and after the apply: it then cannot be rolled back. "
                             "Without it, an apply whose 'before' checkpoint cannot be made stops before any change")


def add_history(subparsers: Any) -> None:
    parser = command_parser(subparsers, "history", "list the applies and rollbacks of a project",
                     "List the applies and rollbacks recorded in the project's state, newest first.")
    parser.add_argument("project_key", metavar="PROJECT_KEY")
    parser.add_argument("--json", action="store_true", help="print the history entries as JSON")
    add_connection_options(parser, parallelism=False)
    parser.set_defaults(handler=cmd_history)


def add_rollback(subparsers: Any) -> None:
    parser = command_parser(subparsers, "rollback", "restore a project's configuration to before an apply",
                     "Show what rollback will change, then restore the project's configuration to its state "
                     "before apply APPLY_ID (default: the last apply) by DSS git revert. Data is not restored.")
    parser.add_argument("project_key", metavar="PROJECT_KEY")
    parser.add_argument("--to", metavar="APPLY_ID", help="the apply to undo, with every later one (default: the last)")
    _writer_options(parser, "roll back")
    parser.add_argument("--json", action="store_true",
                        help="print the result as JSON on stdout, in apply --json's shape with operation "
                             "'rollback' (the plan, prompt and progress go to stderr)")
    add_connection_options(parser, parallelism=False)
    parser.set_defaults(handler=cmd_rollback)


def add_unlock(subparsers: Any) -> None:
    parser = command_parser(subparsers, "unlock", "release a project's lock left by an apply that is gone",
                     "Release the lock LOCK_ID of PROJECT_KEY (the id the 'is locked' message names). Only that "
                     "lock is released; make sure its holder is no longer running.")
    parser.add_argument("project_key", metavar="PROJECT_KEY")
    parser.add_argument("lock_id", metavar="LOCK_ID")
    parser.add_argument("--json", action="store_true",
                        help="print {project_key, released: {id, user, host, pid, operation, acquired_at, "
                             "expires_at}} (the lock released, as its holder wrote it) on stdout")
    add_connection_options(parser, parallelism=False)
    parser.set_defaults(handler=cmd_unlock)


