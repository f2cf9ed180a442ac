"""``dss-framework plans ...`` (and ``plan --store``): the plans stored in a DSS project (``state.plans``).

Why a command group of its own: a stored plan is reviewed in steps, often by different people (one
plans, an admin approves, someone applies), so each step is one command naming the project and the
plan id. Everything is done by the core (``state.plans``, ``stored_plans``), which the plugin and the webapp call too;
this module only parses, prints and maps refusals to one error line and exit 1.
"""
import argparse
import json
from typing import Any, Callable

from .. import exitcodes
from ..config.printable import printable, printable_json
from .apply import (PROMPT, _apply_interruptible, _progress, _run_guarded, _say, _writer_options,
                    confirm, history_table)
from .plan import _dss_call, _engine, _error, add_connection_options, command_parser, use_color


def store_plan(args: argparse.Namespace, engine: Any, plan: Any) -> int:
    """``plan --store``: save ``plan`` in its project; print its id (on stderr with --json, whose
    stdout is the document alone); exit 1 after one error line when it cannot be stored."""
    from ..state.plans import PlanStore, PlanStoreError
    key = plan.doc["metadata"].get("project_key")
    try:
        saved = _dss_call(args, lambda: PlanStore(engine.client, key).save(plan))
    except PlanStoreError as error:
        _error(args.command, str(error), error.code)
        return exitcodes.INVALID
    if saved is None:
        return exitcodes.INVALID
    _say(args, "Stored plan: %s (project %s; review it with 'dss-framework plans show %s %s')"
         % (saved.id, key, key, saved.id))
    for note in saved.notes:
        _say(args, "Note: %s" % note)
    return exitcodes.OK


def _store_call(args: argparse.Namespace, call: Callable[[Any], Any]) -> Any:
    """``call(store)`` on the plan store of ``args.project_key``; or the exit code after one error line
    (missing credentials, the store's refusals, the applier's rights, DSS's refusals)."""
    from ..state.plans import PlanStore
    engine = _engine(args)
    if engine is None:
        return exitcodes.USAGE
    args.engine = engine
    return _refused_or(args, lambda: _run_guarded(args, lambda: call(PlanStore(engine.client, args.project_key))))


#: (heading, index entry -> cell) of ``plans list``
LIST_COLUMNS = (
    ("PLAN ID", lambda e: e.get("id")),
    ("STATUS", lambda e: e.get("status")),
    ("AUTHOR", lambda e: e.get("author")),
    ("CREATED (UTC)", lambda e: e.get("created_at")),
    ("CHANGES", lambda e: _summary_text(e.get("summary") or {})),
    ("APPLY ID", lambda e: e.get("apply_id")),
    ("SOURCE", lambda e: _source(e.get("source"))),
)


def _source(source: Any) -> str:
    from ..state.plans import describe_source
    return describe_source(source)


def _summary_text(summary: Any) -> str:
    """``2 create, 1 update`` (actions that are not zero), or ``no changes``."""
    names = ("create", "update", "replace", "delete")
    return ", ".join("%s %s" % (summary[n], n) for n in names if summary.get(n)) or "no changes"


def cmd_list(args: argparse.Namespace) -> int:
    entries = _store_call(args, lambda store: store.list(args.status))
    if isinstance(entries, int):
        return entries
    if args.json:
        print(printable_json(json.dumps(entries, indent=2, ensure_ascii=False)))
    elif not entries:
        print("No stored plan%s in project %s." % (" " + args.status if args.status else "", args.project_key))
    else:
        print(history_table(entries, LIST_COLUMNS))  # cells from the library: shown, never obeyed
    return exitcodes.OK


def _record_text(record: dict, plan: Any) -> str:
    """A stored plan for a person: who made it from where, its status changes, comments, then the plan."""
    from ..render.text import render_text
    from ..state.plans import describe_source
    lines = ["Stored plan %s of project %s: %s" % (record["id"], record.get("project_key"), record.get("status")),
             "  made by %s at %s from %s" % (record.get("author"), record.get("created_at"),
                                            describe_source(record.get("source"))),
             "  digest %s" % record.get("digest")]
    if record.get("apply_id"):
        lines.append("  apply id %s" % record["apply_id"])
    lines += ["  %s  %-9s by %s%s" % (e.get("at"), e.get("status"), e.get("user"),
                                      ": %s" % e["comment"] if e.get("comment") else "")
              for e in record.get("events") or []]
    lines += ["  comment by %s at %s: %s" % (c.get("user"), c.get("at"), c.get("text")) for c in
              record.get("comments") or [] if not any(e.get("comment") == c.get("text") and e.get("at") == c.get("at")
                                                      for e in record.get("events") or [])]
    return printable("\n".join(lines)) + "\n\n" + render_text(plan.doc, color=use_color())


def cmd_show(args: argparse.Namespace) -> int:
    found = _store_call(args, lambda store: (lambda record: (record, store.plan_of(record)))(store.get(args.plan_id)))
    if isinstance(found, int):
        return found
    record, plan = found
    if args.json:
        print(printable_json(json.dumps(record, indent=2, ensure_ascii=False)))
    else:
        print(_record_text(record, plan))
    return _check(args) if args.check else exitcodes.OK


def _check(args: argparse.Namespace) -> int:
    """``show --check``: plan again from the plan's source; exit 0 when it is fresh, 2 when it is
    stale (marked so, if it was pending or approved), saying what moved."""
    from ..stored_plans import check_stored
    moved = _store_call(args, lambda store: check_stored(args.engine, args.project_key, args.plan_id, store=store))
    if isinstance(moved, int):
        return moved
    if not moved:
        _say(args, "Fresh: a plan made now from the same source is this plan.")
        return exitcodes.OK
    _say(args, printable("Stale: what moved since the plan was made:\n" + "\n".join("  " + m for m in moved)))
    return exitcodes.CHANGES


def cmd_approve(args: argparse.Namespace) -> int:
    record = _store_call(args, lambda store: store.approve(args.plan_id, comment=args.comment))
    if isinstance(record, int):
        return record
    print(printable("Approved stored plan %s of project %s (by %s). Apply it with 'dss-framework plans apply %s %s'."
                    % (record["id"], args.project_key, record["events"][-1]["user"], args.project_key, record["id"])))
    return exitcodes.OK


def cmd_discard(args: argparse.Namespace) -> int:
    record = _store_call(args, lambda store: store.discard(args.plan_id, comment=args.comment))
    if isinstance(record, int):
        return record
    print(printable("Discarded stored plan %s of project %s." % (record["id"], args.project_key)))
    return exitcodes.OK


def cmd_apply(args: argparse.Namespace) -> int:
    """Show the stored plan, confirm, apply it as stored (``stored_plans.apply_stored``: rights, digest
    and a fresh plan checked again; the outcome recorded on the stored plan)."""
    from ..render.text import render_text
    from ..stored_plans import apply_stored
    found = _store_call(args, lambda store: store.plan_of(store.get(args.plan_id)))
    if isinstance(found, int):
        return found
    _say(args, render_text(found.doc, color=use_color()))
    refused = confirm(args, PROMPT)
    if refused is not None:
        return refused
    return _apply_interruptible(args, lambda cancel: _refused_or(args, lambda: apply_stored(
        args.engine, args.project_key, args.plan_id, lock_timeout=args.lock_timeout, on_progress=_progress(args),
        checkpoint=not args.no_checkpoint, cancel=cancel)))


def _refused_or(args: argparse.Namespace, call: Callable[[], Any]) -> Any:
    """``call()``, or exit 1 after one error line for the store's refusals and the applier's rights."""
    from ..plugin.scope import NotProjectAdmin
    from ..state.plans import PlanStoreError
    try:
        return call()
    except (PlanStoreError, NotProjectAdmin) as error:
        _error(args.command, str(error), error.code)
        return exitcodes.INVALID


def cmd_settings(args: argparse.Namespace) -> int:
    """Print the plan store's settings; with an option, set it first (project admins only)."""
    if args.approver_must_differ is None:
        settings = _store_call(args, lambda store: store.settings())
    else:
        value = args.approver_must_differ == "yes"
        settings = _store_call(args, lambda store: store.set_setting("approver_must_differ", value))
    if isinstance(settings, int):
        return settings
    for name in sorted(settings):
        print("%s: %s" % (name, json.dumps(settings[name])))
    return exitcodes.OK


def add_plans(subparsers: Any) -> None:
    parser = command_parser(
        subparsers, "plans", "review the plans stored in a project (list, show, approve, discard, apply)",
        "Plans saved with 'plan --store' (or by the Plan macro, the apply step, the webapp) in the "
                    "project's library. An approval is a record, not a permission: 'plans apply' checks the "
                    "applier's rights, the plan's digest and a fresh plan again.")
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True

    def action(name: str, help_text: str, handler: Callable[[argparse.Namespace], int], with_id: bool = True) -> Any:
        sub = command_parser(actions, name, help_text, help_text)
        sub.add_argument("project_key", metavar="PROJECT_KEY")
        if with_id:
            sub.add_argument("plan_id", metavar="PLAN_ID")
        add_connection_options(sub, parallelism=False)
        sub.set_defaults(handler=handler, json=False)
        return sub
    listed = action("list", "list the stored plans, newest first", cmd_list, with_id=False)
    listed.add_argument("--status", choices=("pending", "approved", "applied", "failed", "stale", "discarded"))
    listed.add_argument("--json", action="store_true", help="print the index entries as JSON")
    shown = action("show", "show a stored plan, its status changes and comments", cmd_show)
    shown.add_argument("--json", action="store_true", help="print the stored record (with its plan document) as JSON")
    shown.add_argument("--check", action="store_true",
                       help="also plan again from the plan's source: exit 2 (and mark the plan stale) when it moved")
    approve = action("approve", "record an approval (project admins only)", cmd_approve)
    approve.add_argument("--comment", help="kept with the plan")
    discard = action("discard", "discard a pending or approved plan (project admins only)", cmd_discard)
    discard.add_argument("--comment", help="kept with the plan")
    settings = action("settings", "show (or, project admins only, set) the plan store's settings", cmd_settings,
                      with_id=False)
    settings.add_argument("--approver-must-differ", dest="approver_must_differ", choices=("yes", "no"),
                          help="yes: a plan's author cannot approve it")
    applied = action("apply", "apply an approved stored plan exactly as stored", cmd_apply)
    _writer_options(applied, "apply")
    applied.add_argument("--json", action="store_true",
                         help="print the result as JSON on stdout (the plan, prompt and progress go to stderr)")
    applied.add_argument("--no-checkpoint", dest="no_checkpoint", action="store_true",
                         help="make no git checkpoint before and after the apply (it then cannot be rolled back)")
