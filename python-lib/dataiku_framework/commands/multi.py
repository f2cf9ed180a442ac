"""``plan``, ``drift``, ``apply`` and ``validate`` given several configurations or a directory.

Why a module of its own: one CONFIG keeps its command's output exactly; ``dispatch`` sends a set
(several arguments, or a directory: see ``projects`` for which files count) here. Every file is
loaded first, and the set is checked (two files naming one project key, references in a cycle:
exit 64) before any request to DSS. Then one section per project (a heading naming its key and
file), a total line, and one exit code (``projects.aggregate``). With ``--json``, stdout holds one
JSON object: ``{"projects": [{"project_key", "file", "exit_code", "error", <"plan" | "result" |
"diagnostics">}, ...], "exit_code": N}``.

An apply plans every project, shows every plan, asks once (or ``--auto-approve``), then applies the
projects one at a time, the ones whose objects others read first (``Engine.apply_many``): no lock is
held while another is awaited. A project whose lock is held fails alone; the others go on.
"""

import argparse
import json
import os
from typing import Any, Callable, List, Optional

from .. import exitcodes
from ..config.printable import printable, printable_json
from ..projects import ProjectOutcome, ProjectSetError, aggregate, declared_key, expand, project_key
from .apply import _human, _say
from .plan import _engine, _error, local_config, use_color


def dispatch(single: Callable[[argparse.Namespace], int],
             several: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """The handler of a command whose CONFIG may be repeated: one file (or git source) runs ``single``
    with ``args.config`` a string, as before; several arguments, or a directory, run ``several``."""
    def handler(args: argparse.Namespace) -> int:
        given = args.config if isinstance(args.config, list) else [args.config]
        if len(given) == 1 and not os.path.isdir(given[0]):
            args.config = given[0]
            return single(args)
        args.configs = given
        return several(args)
    handler.__doc__ = single.__doc__
    return handler


def _usage(args: argparse.Namespace, message: str, code: str = "usage.options") -> int:
    _error(args.command, message, code)
    return exitcodes.USAGE


def _refuse_options(args: argparse.Namespace, *names: str) -> Optional[int]:
    """64 when an option that only makes sense for one project is given with several."""
    given = ["--" + n.replace("_", "-") for n in names if getattr(args, n, None)]
    if given:
        return _usage(args, "%s cannot be used with several configurations (each project needs its own): run "
                            "the command once per CONFIG" % ", ".join(given))
    return None


def error_text(outcome: ProjectOutcome) -> str:
    """A failed project's line in a set's text output: ``Error[CODE]: MESSAGE``, the code as in --json."""
    return printable("Error[%s]: %s" % (outcome.code, outcome.error))


def heading(outcome: ProjectOutcome) -> str:
    return printable("== Project %s (%s) ==" % (outcome.key or "?", outcome.file), one_line=True)


# -- loading ----------------------------------------------------------------------------------------

class Loaded(object):
    """One argument's file: its configuration (None when it did not load) and its outcome so far."""

    def __init__(self, argument: str) -> None:
        self.argument = argument
        self.config = None  # type: Any
        self.source = argument  # what plans record: a git source pinned to its commit
        self.outcome = ProjectOutcome(None, argument)
        self.path = None  # type: Optional[str]  # the local file (a git source's, in its checkout)
        self.checkout = None  # type: Any


def _load_all(args: argparse.Namespace) -> Any:
    """Every file of ``args.configs`` loaded (``Loaded``), or 64 after naming a path that is not there."""
    try:
        files = expand(args.configs)
    except ProjectSetError as error:
        return _usage(args, str(error), error.code)
    return [_load(args, name) for name in files]


def _load(args: argparse.Namespace, name: str) -> Loaded:
    """Load ``name`` as the one-config commands do (``local_config``: git sources checked out)."""
    from ..config.api import load_config
    from ..config.diagnostics import ConfigError, render_human
    from ..sources.git import GitSourceError
    loaded = Loaded(name)
    one = argparse.Namespace(**vars(args))
    one.config = name
    try:
        loaded.path = local_config(one)
        loaded.source, loaded.checkout = one.config_source, one.checkout
        loaded.config = load_config(loaded.path, env=args.env,
                                    source_name=one.checkout.pinned if one.checkout else None)
    except ConfigError as error:
        diagnostics = one.checkout.relabel(error.diagnostics) if one.checkout is not None else error.diagnostics
        loaded.outcome.error = "invalid configuration:\n" + render_human(diagnostics)
        loaded.outcome.exit_code, loaded.outcome.code = exitcodes.INVALID, "config.invalid"
    except GitSourceError as error:
        loaded.outcome.error, loaded.outcome.exit_code, loaded.outcome.code = str(error), error.exit_code, error.code
    if loaded.config is not None:
        loaded.outcome.key = project_key(loaded.config)
    elif loaded.path is not None:
        loaded.outcome.key = declared_key(loaded.path)
    return loaded


def _planned(args: argparse.Namespace, allow_delete: bool = False) -> Any:
    """(engine, [Loaded]) with every valid file planned (``Engine.plan_many``), or an exit code (64:
    the set cannot be run, or no credentials; nothing was sent to DSS)."""
    loaded = _load_all(args)
    if isinstance(loaded, int):
        return loaded
    valid = [item for item in loaded if item.config is not None]
    engine = _engine(args, check=False)
    if engine is None:
        return exitcodes.USAGE
    try:
        outcomes = engine.plan_many([item.config for item in valid], sources=[item.source for item in valid],
                                    allow_delete=allow_delete) if valid else []
    except ProjectSetError as error:
        return _usage(args, str(error), error.code)
    for item, outcome in zip(valid, outcomes):
        item.outcome = outcome
    _mask_errors(args, [item.outcome for item in loaded])
    return engine, loaded


def _mask_errors(args: argparse.Namespace, outcomes: List[ProjectOutcome]) -> None:
    """No API key in what a project's error says (``cli`` masks the one error of a single project alike),
    nor DSS's Java class names (``errors.in_user_terms``, as ``_error`` drops them from an error line)."""
    from ..cli import _masked
    from ..errors import in_user_terms
    for outcome in outcomes:
        if outcome.error:
            outcome.error = in_user_terms(_masked(outcome.error, args))


def _total(outcomes: List[ProjectOutcome], changed: Callable[[ProjectOutcome], bool], what: str) -> str:
    failed = sum(1 for o in outcomes if o.error)
    with_changes = sum(1 for o in outcomes if not o.error and changed(o))
    return "Total: %d project%s, %d %s, %d without, %d failed." % (
        len(outcomes), "" if len(outcomes) == 1 else "s", with_changes, what,
        len(outcomes) - failed - with_changes, failed)


def _entry(outcome: ProjectOutcome, **extra: Any) -> dict:
    entry = {"project_key": outcome.key, "file": outcome.file, "exit_code": outcome.exit_code, "error": outcome.error,
             "code": outcome.code if outcome.error else None}
    entry.update(extra)
    return entry


def _print_json(entries: List[dict], code: int) -> None:
    print(printable_json(json.dumps({"projects": entries, "exit_code": code}, indent=2, ensure_ascii=False)))


# -- plan, drift -------------------------------------------------------------------------------------

def cmd_plan_many(args: argparse.Namespace) -> int:
    """``plan`` of several projects: a section each and a total; exit codes aggregated."""
    refused = _refuse_options(args, "out", "target", "store")
    if refused is not None:
        return refused
    return _compare_many(args, lambda o: o.plan.has_changes, args.detailed_exitcode, "with changes", "plan",
                         allow_delete=args.allow_delete)


def cmd_drift_many(args: argparse.Namespace) -> int:
    """``drift`` of several projects: exit 2 when any has drift."""
    from ..render.text import difference_lines
    return _compare_many(args, lambda o: bool(difference_lines(o.plan.doc)), True, "drifted", "drift")


def _compare_many(args: argparse.Namespace, changed: Callable[[ProjectOutcome], bool], detailed: bool,
                  what: str, kind: str, allow_delete: bool = False) -> int:
    from ..render.text import render_drift, render_text
    planned = _planned(args, allow_delete)
    if isinstance(planned, int):
        return planned
    outcomes = [item.outcome for item in planned[1]]
    for outcome in outcomes:
        if not outcome.error and detailed and changed(outcome):
            outcome.exit_code = exitcodes.CHANGES
    code = aggregate([o.exit_code for o in outcomes])
    if args.json:
        _print_json([_entry(o, plan=o.plan.doc if o.plan is not None else None) for o in outcomes], code)
        return code
    render = render_drift if kind == "drift" else render_text
    for outcome in outcomes:
        print(heading(outcome))
        print(render(outcome.plan.doc, color=use_color()) if outcome.plan is not None
              else error_text(outcome))
        print("")
    print(_total(outcomes, changed, what))
    return code


# -- validate ---------------------------------------------------------------------------------------

def cmd_validate_many(args: argparse.Namespace) -> int:
    """``validate`` of several files: each file's diagnostics in its section; 1 when one is invalid."""
    from ..config.api import validate_file
    from ..config.diagnostics import has_errors, render_human
    loaded = _load_all(args)  # loads each file once more than validate_file, for the keys (duplicates)
    if isinstance(loaded, int):
        return loaded
    duplicate = _duplicate(args, [item for item in loaded if item.config is not None])
    if duplicate is not None:
        return duplicate
    client = None
    if args.online:
        from ..cli import _online_client
        client = lambda: _online_client(args)  # noqa: E731  (made once the first file needs it)
    entries = []
    for item in loaded:
        diagnostics = []  # type: List[Any]
        if item.path is not None:  # else a git source that could not be checked out: its error stays
            diagnostics = validate_file(item.path, env=args.env, client=client, raise_connection_errors=True)[1]
            if item.checkout is not None:
                item.checkout.relabel(diagnostics)
            item.outcome.exit_code = exitcodes.INVALID if has_errors(diagnostics) else exitcodes.OK
            item.outcome.error = None
        entries.append((item.outcome, diagnostics))
    code = aggregate([o.exit_code for o, _ in entries])
    if args.json:
        _print_json([_entry(o, diagnostics=json.loads(_json_diagnostics(d))) for o, d in entries], code)
        return code
    for outcome, diagnostics in entries:
        print(heading(outcome))
        print(render_human(diagnostics) if outcome.error is None else error_text(outcome))
        print("")
    invalid = sum(1 for o, _ in entries if o.exit_code)
    print("Total: %d file%s, %d valid, %d invalid." % (len(entries), "" if len(entries) == 1 else "s",
                                                      len(entries) - invalid, invalid))
    return code


def _json_diagnostics(diagnostics: List[Any]) -> str:
    from ..config.diagnostics import render_json
    return render_json(diagnostics)


def _duplicate(args: argparse.Namespace, valid: List[Loaded]) -> Optional[int]:
    from ..projects import check_unique, ordered_levels
    try:
        check_unique([(item.argument, item.config) for item in valid])
        ordered_levels([item.config for item in valid])
    except ProjectSetError as error:
        return _usage(args, str(error), error.code)
    return None


# -- apply ------------------------------------------------------------------------------------------

def cmd_apply_many(args: argparse.Namespace) -> int:
    """``apply`` of several projects: plan all, show all, ask once, apply one project at a time."""
    from .apply import PROMPT, _saved_plan, confirm
    from ..plan.document import PlanFormatError
    refused = _refuse_options(args, "target")
    if refused is not None:
        return refused
    for argument in args.configs:
        try:
            saved = os.path.isfile(argument) and _saved_plan(argument) is not None
        except PlanFormatError:
            saved = True
        if saved:
            return _usage(args, "%s is a saved plan: a saved plan is applied alone ('apply PLAN_FILE')" % argument)
    planned = _planned(args, args.allow_delete)
    if isinstance(planned, int):
        return planned
    engine, loaded = planned
    outcomes = [item.outcome for item in loaded]
    _show_plans(args, outcomes)
    if any(o.error for o in outcomes):
        _error("apply", "nothing was applied: %s could not be planned"
               % ", ".join(o.key or o.file or "?" for o in outcomes if o.error), "apply.not_planned")
        return _finish(args, outcomes)
    if not any(o.has_changes for o in outcomes):
        return _finish(args, outcomes)
    refused = confirm(args, PROMPT)
    if refused is not None:
        return refused
    return _apply(args, engine, [item.config for item in loaded], outcomes)


def _show_plans(args: argparse.Namespace, outcomes: List[ProjectOutcome]) -> None:
    from ..render.text import render_text
    for outcome in outcomes:
        _say(args, heading(outcome))
        _say(args, render_text(outcome.plan.doc, color=use_color(_human(args))) if outcome.plan is not None
             else error_text(outcome))
        _say(args, "")
    _say(args, _total(outcomes, lambda o: o.has_changes, "with changes"))


def _apply(args: argparse.Namespace, engine: Any, configs: List[Any], outcomes: List[ProjectOutcome]) -> int:
    """Apply the shown plans (``Engine.apply_many``), Ctrl-C and SIGTERM stopping the one in flight."""
    from ..apply.run import ApplyInterrupted
    from .apply import _progress
    from .interrupt import interruptible
    with interruptible() as caught:
        try:
            done = engine.apply_many(configs, [o.plan for o in outcomes], exact=not args.auto_approve,
                                     lock_timeout=args.lock_timeout, checkpoint=not args.no_checkpoint,
                                     cancel=caught.event, on_progress=lambda key: _progress(args),
                                     on_project=lambda o: _say(args, "\n" + heading(o).replace("Project", "Applying")))
        except ApplyInterrupted as error:
            _error("apply", "%s (%s); the lock was released" % (error, caught.name), error.code)
            return caught.exit_code
    _mask_errors(args, done)
    code = _finish(args, done)
    if caught.signum is not None:
        _error("apply", "interrupted by %s: the projects after the one in flight were not applied" % caught.name,
               "apply.interrupted")
        return caught.exit_code
    return code


def _finish(args: argparse.Namespace, outcomes: List[ProjectOutcome]) -> int:
    """The outcome of each project (its result's summary, or why it was not applied) and the exit code."""
    code = aggregate([o.exit_code for o in outcomes])
    if args.json:
        _print_json([_entry(o, plan=o.plan.doc if o.plan is not None else None,
                            result=o.result.to_dict() if o.result is not None else None) for o in outcomes], code)
        return code
    print("")
    for outcome in outcomes:
        if outcome.error:
            line = "not applied: %s" % outcome.error if not outcome.error.startswith("not applied") else outcome.error
        elif outcome.result is not None:
            line = outcome.result.summary() + (" (apply id %s)" % outcome.result.apply_id
                                               if outcome.result.apply_id else "")
        else:
            line = "no changes"
        print(printable("%s (%s): %s" % (outcome.key or "?", outcome.file, line), one_line=True))
    applied = sum(1 for o in outcomes if o.result is not None and not o.error and o.exit_code == exitcodes.OK)
    print("Total: %d project%s, %d applied, %d failed." % (len(outcomes), "" if len(outcomes) == 1 else "s",
                                                          applied, sum(1 for o in outcomes if o.exit_code)))
    return code
