"""Apply, roll back and unlock from inside DSS: the "Apply", "Rollback" and "Unlock" macros and the
"Apply project configuration" scenario step.

Why the rights are checked again here although ``runnable.json`` declares ``ADMIN``: DSS checks the
declaration on the project the macro is run from, while apply changes the project the configuration
names, which may be another one; and a scenario step declares no rights at all (it runs as the
scenario's run-as user). So before any write the caller's DSS login must be the owner of every
project concerned, or hold ``admin`` on it through a user or group entry of its permissions, or be a
DSS administrator. Only the client is used (``dataiku.api_client()``, the caller's own rights): DSS
refuses a project's permissions to whoever is not its admin, which is itself the answer.

The configuration is read from a managed folder exactly as the "Plan" macro reads it
(``plugin.plan.plan_from_folder``): the same parameters, the same reporting of an invalid or missing
file. The plan that is checked is the plan that is applied (``Engine.apply(plan)``).
"""
from typing import Any, Callable, Dict, List, Optional

from .faces import ComponentFailure, coded
from .plan import PlanReport, plan_params_from_config, planned_from_folder, store_report, store_requested
from .scope import NotProjectAdmin, acting_on, check_project_admin, on_instance, place, target_from_config  # noqa: F401

#: What the scenario step does after planning.
MODES = ("plan_only", "apply", "apply_if_no_drift")
#: When the scenario step fails (besides errors, which always fail it).
FAIL_ON = ("changes", "drift", "never")
#: The catalogue code of the step's failure for each ``fail_on`` that can fail it.
FAIL_ON_CODES = {"changes": "plugin.changes", "drift": "plugin.drift"}
#: The counts of a ``Result`` the step publishes as ``framework_<name>``.
RESULT_COUNTS = ("created", "updated", "replaced", "deleted", "failed", "skipped")
#: The macro's progress: percent of the resources done (``get_progress_target`` -> ``(100, "NONE")``).
PROGRESS_TARGET = (100, "NONE")


def _flag(value: Any, default: bool = False) -> bool:
    if value in (None, ""):
        return default
    if isinstance(value, str):
        return value.strip().lower() not in ("false", "0", "no", "off")
    return bool(value)


def _seconds(value: Any) -> float:
    try:
        return max(0.0, float(value)) if value not in (None, "") else 0.0
    except (TypeError, ValueError):
        return 0.0


class ParameterError(ValueError):
    """A component parameter holds a value that is not one of its choices."""

    code = "plugin.parameter"  #: its ``errors.CATALOGUE`` code, shown in the error line and in --json


def _choice(value: Any, choices: Any, default: str) -> str:
    value = (value or "").strip() if isinstance(value, str) else value
    if value in (None, ""):
        return default
    if value not in choices:
        raise ParameterError("unknown value %r: expected one of %s" % (value, ", ".join(choices)))
    return value


def apply_params_from_config(config: Optional[Dict[str, Any]]) -> Dict[str, Any]:
    """Keyword arguments for ``apply_from_folder`` from the Apply macro's parameters (DSS may leave them out)."""
    config = config or {}
    return dict(plan_params_from_config(config), allow_delete=_flag(config.get("allow_delete")),
                lock_timeout=_seconds(config.get("lock_timeout")))


def step_params_from_config(config: Optional[Dict[str, Any]]) -> Dict[str, Any]:
    """The Apply macro's parameters plus the step's ``mode`` (default apply) and ``fail_on`` (default never)."""
    config = config or {}
    return dict(apply_params_from_config(config), mode=_choice(config.get("mode"), MODES, "apply"),
                fail_on=_choice(config.get("fail_on"), FAIL_ON, "never"))


# -- progress --------------------------------------------------------------------------------------

def macro_progress(progress_callback: Optional[Callable[[int], Any]],
                   log: Optional[Callable[[str], Any]] = None) -> Callable[[int, int, str], None]:
    """``on_progress(done, total, message)`` for the engine, reported to DSS's macro progress callback
    as a percentage of ``PROGRESS_TARGET`` (and each message to ``log``, if given)."""
    def report(done: int, total: int, message: str) -> None:
        if progress_callback is not None:
            progress_callback(int(PROGRESS_TARGET[0] * done / total) if total else PROGRESS_TARGET[0])
        if log is not None:
            log("[%d/%d] %s" % (done, total, message))
    return report


# -- apply -----------------------------------------------------------------------------------------

class ApplyReport(PlanReport):
    """A folder's plan, and what applying it did (``result`` None when nothing was applied: the
    configuration is invalid, there were no changes, the mode only plans, or drift held it back)."""

    def __init__(self, planned: PlanReport, result: Any = None, held_back: Optional[str] = None) -> None:
        PlanReport.__init__(self, planned.config_path, planned.folder_name, plan=planned.plan,
                            invalid=planned.invalid, project_key=planned.project_key, dss_url=planned.dss_url)
        self.result = result
        #: Why a plan with changes was not applied (the step's mode), None otherwise.
        self.held_back = held_back

    @property
    def drift_count(self) -> int:
        """Fields changed in DSS outside the configuration, and conflicts (changed on both sides)."""
        doc = self.plan.doc if self.plan is not None else {}
        return len(doc.get("drift") or []) + len(doc.get("conflicts") or [])

    @property
    def has_changes(self) -> bool:
        return self.plan is not None and self.plan.has_changes

    @property
    def succeeded(self) -> bool:
        """Valid, and every resource applied succeeded (True when nothing needed applying)."""
        return self.valid and (self.result is None or self.result.succeeded)

    def failure_code(self) -> Optional[str]:
        """``config.invalid``, ``plugin.apply_failed`` when a resource failed, else None."""
        failed = self.result is not None and not self.result.succeeded
        return PlanReport.failure_code(self) or ("plugin.apply_failed" if failed else None)

    def title(self) -> str:
        """The outcome, then which project on which instance: the first line of the macro's result."""
        return "%s (%s)" % (self._outcome(), self.where())

    def _outcome(self) -> str:
        if not self.valid:
            return "Configuration is invalid: nothing was applied"
        if self.result is not None:
            return self.result.summary()
        if not self.has_changes:
            return "No changes: DSS matches the configuration, nothing was applied"
        return "Nothing was applied: %s" % (self.held_back or "planned only")

    def html(self) -> str:
        """The macro's result: the outcome, per-resource rows, and the plan below it."""
        from ..render.result import render_result_html
        if self.plan is None:
            return PlanReport.html(self)
        return render_result_html(self.headline(self.title()), failed=not self.succeeded,
                                  result=self.result.to_dict() if self.result is not None else None,
                                  plan_doc=self.plan.doc, plan_label="The plan that was applied" if self.result
                                  is not None else "Plan", plan_open=self.result is None)

    def outcome(self) -> str:
        """For the step log, after the plan: the resources that did not succeed, notes, the title."""
        lines = []  # type: List[str]
        if self.result is not None:
            lines += ["%s %s: %s%s" % (r.operation, r.address, r.status, ": %s" % r.error if r.error else "")
                      for r in self.result.results if r.status != "succeeded"]
            lines += list(self.result.notes)
        return "\n".join(lines + [self.title()])

    def failure_message(self, limit: int = 20) -> str:
        """Why the failed apply fails the step: the summary and the failed or skipped resources."""
        failed = [r for r in self.result.results if r.status != "succeeded"]
        lines = ["%s (%s, apply id %s)" % (self.result.summary(), self.where(), self.result.apply_id)]
        lines += ["  %s %s: %s%s" % (r.operation, r.address, r.status, ": %s" % r.error if r.error else "")
                  for r in failed[:limit]]
        if len(failed) > limit:
            lines.append("  ... and %d more" % (len(failed) - limit))
        return "\n".join(lines)


def apply_from_folder(client: Any, project_key: str, folder_ref: str, config_path: str = "project.yaml",
                      env: Optional[str] = None, parallelism: int = 8, allow_delete: bool = False,
                      lock_timeout: float = 0.0, mode: str = "apply", target: Optional[str] = None,
                      on_progress: Optional[Callable[[int, int, str], None]] = None,
                      on_planned: Optional[Callable[[ApplyReport], None]] = None) -> ApplyReport:
    """Plan the configuration in managed folder ``folder_ref`` of ``project_key``, check the caller's
    rights, and apply that plan (``mode``: ``apply``; ``apply_if_no_drift`` holds back when DSS was
    changed outside the configuration, and records that drift check where the review page reads the
    last one, as the "Check drift" step does: a failed record is only logged; ``plan_only`` never writes).

    The configuration must name ``project_key`` (the project the component runs in), or ``target``
    (the "Target project" parameter): else ``scope.ForeignProject`` naming both keys, before any
    request about the project it names. Rights are checked before planning on ``project_key``
    (where the folder is) and on ``target``, and again after planning on ``target`` unless the plan
    creates it (DSS itself then decides whether the caller may create projects).
    ``on_planned(report)`` is called once planned, before any write (the step logs the plan then);
    ``on_progress`` as resources finish. Raises ``NotProjectAdmin``, ``scope.ForeignProject``; the
    engine's ``LockHeld`` (naming the holder), ``StalePlanError``; ``sources.FolderError``;
    connection failures.
    """
    from ..engine import Engine  # lazily, as plugin.plan does
    if mode not in MODES:
        raise ParameterError("unknown mode %r: expected one of %s" % (mode, ", ".join(MODES)))
    if mode != "plan_only":
        check_project_admin(client, project_key)
    with planned_from_folder(client, project_key, folder_ref, config_path=config_path, env=env,
                             parallelism=parallelism, allow_delete=allow_delete, target=target,
                             what="apply") as planned:
        report = ApplyReport(planned)
        if on_planned is not None:
            on_planned(report)
        if mode == "apply_if_no_drift":
            from .review import record_drift_report  # the review page's "Drift" view shows this check too
            record_drift_report(client, report)
        if not report.valid or not report.has_changes or mode == "plan_only":
            return report
        if mode == "apply_if_no_drift" and report.drift_count:
            report.held_back = ("DSS was changed outside the configuration (%d drifted or conflicting field(s)); "
                                "mode apply_if_no_drift applies only when there is none" % report.drift_count)
            return report
        named = report.project_key
        if named and named != project_key and _project_action(report.plan) != "create":
            check_project_admin(client, named)  # it may have been created since acting_on looked
        # inside the folder's copy: apply resolves the configuration again (code files included)
        report.result = Engine(client=client, parallelism=parallelism).apply(
            report.plan, allow_delete=allow_delete, lock_timeout=lock_timeout, on_progress=on_progress)
        return report


def _project_action(plan: Any) -> Optional[str]:
    for entry in plan.doc.get("resource_changes") or []:
        if entry.get("address") == "project":
            return entry.get("action")
    return None


def step_variables(report: ApplyReport) -> Dict[str, Any]:
    """The scenario variables the "Apply project configuration" step sets (as "Check drift" does for drift)."""
    variables = {"framework_config_valid": report.valid, "framework_drift_count": report.drift_count,
                 "framework_drift_detected": bool(report.drift_count), "framework_has_changes": report.has_changes,
                 "framework_applied": report.result is not None,
                 "framework_apply_id": report.result.apply_id if report.result is not None else None,
                 "framework_apply_succeeded": report.succeeded}  # type: Dict[str, Any]
    for action, count in report.counts().items():
        variables["framework_plan_%s" % action] = count
    counts = report.result.counts if report.result is not None else {}
    for name in RESULT_COUNTS:
        variables["framework_%s" % name] = int(counts.get(name) or 0)
    return variables


def store_step_plan(client: Any, report: ApplyReport, project_key: str, config: Optional[Dict[str, Any]],
                    log: Callable[[str], Any]) -> Dict[str, Any]:
    """In mode ``plan_only`` with "Store the plan": store the step's plan (``plan.store_report``), log
    its id or why it was not stored (kept on ``report.store_problem``, which fails the step:
    ``step_failure``); the scenario variable to set, ``framework_stored_plan_id`` (none otherwise)."""
    params = step_params_from_config(config)
    if params["mode"] != "plan_only" or not store_requested(config):
        return {}
    stored = store_report(client, report, project_key, params["folder_ref"], params["config_path"], params["env"])
    log("Stored plan: %s" % stored if stored else
        "Plan not stored: %s" % (report.store_problem or "there is no plan (see above)"))
    return {"framework_stored_plan_id": stored}


def step_failure(report: ApplyReport, fail_on: str) -> Optional[ComponentFailure]:
    """What the step raises (its message ``error[CODE]: why``), or None: an invalid configuration or a
    failed apply always; otherwise as ``fail_on`` says (``changes``: the plan had changes, applied or
    not; ``drift``: DSS was changed outside the configuration; ``never``); last, a plan that was to be
    stored and could not be (``plans.refused``)."""
    code = report.failure_code()
    if code is not None:
        return ComponentFailure(code, _failure_text(report))
    why = _fail_on_text(report, fail_on)
    if why is not None:
        return ComponentFailure(FAIL_ON_CODES[fail_on], why)
    return ComponentFailure("plans.refused", report.store_problem) if report.store_problem else None


def _failure_text(report: ApplyReport) -> str:
    """Why an invalid configuration or a failed apply fails the step."""
    if not report.valid:
        return "%s\n%s" % (report.invalid_title(), report.invalid.failure_message())
    return report.failure_message()


def _fail_on_text(report: ApplyReport, fail_on: str) -> Optional[str]:
    """Why ``fail_on`` (``drift``, ``changes``) fails the step, None when it does not."""
    where = "%s (configuration '%s' in %s)" % (report.where(capital=True), report.config_path,
                                               place(report.folder_name))
    if fail_on == "drift" and report.drift_count:
        return "%s: DSS was changed outside the configuration in %d field(s)%s:\n%s" % (
            where, report.drift_count, "; nothing was applied" if report.result is None else "",
            "\n".join("  " + line for line in report.differences()))
    if fail_on == "changes" and report.has_changes:
        done = report.result.summary() if report.result is not None else "not applied (%s)" % (
            report.held_back or "plan only")
        changes = ["  %s: %s%s" % (c.address, c.action, " (%s)" % c.reason if c.reason else "")
                   for c in report.plan.resource_changes if c.action != "no-op"]
        return "%s had %d change(s) to make: %s\n%s" % (where, len(changes), done, "\n".join(changes))
    return None


# -- rollback and unlock ---------------------------------------------------------------------------

def rollback_params_from_config(config: Optional[Dict[str, Any]]) -> Dict[str, Any]:
    """Keyword arguments for ``rollback_project`` from the Rollback macro's parameters."""
    config = config or {}
    return {"to": (config.get("apply_id") or "").strip() or None,
            "preview": _flag(config.get("preview"), default=True), "lock_timeout": _seconds(config.get("lock_timeout")),
            "target": target_from_config(config)}


def unlock_params_from_config(config: Optional[Dict[str, Any]]) -> Dict[str, Any]:
    """Keyword arguments for ``unlock_project`` from the Unlock macro's parameters."""
    config = config or {}
    return {"lock_id": config.get("lock_id"), "target": target_from_config(config)}


def rollback_project(client: Any, project_key: str, to: Optional[str] = None, preview: bool = True,
                     lock_timeout: float = 0.0, on_progress: Optional[Callable[[int, int, str], None]] = None,
                     target: Optional[str] = None) -> str:
    """The Rollback macro: the rollback plan of ``project_key`` (or of ``target``, the "Target
    project" parameter, which the caller must administer) to before apply ``to`` (default the last),
    and unless ``preview`` the rollback itself; as HTML. Checks admin rights first."""
    from ..engine import Engine
    from ..render.result import render_result_html
    project_key = acting_on(client, project_key, target, "rollback")
    check_project_admin(client, project_key, "rollback")
    engine = Engine(client=client)
    where = on_instance(project_key, engine.url)
    plan = engine.rollback_plan(project_key, to=to)
    # the plan's text says that data is not restored; so do the result's notes
    if not plan.has_changes:
        return render_result_html("Nothing to roll back in %s" % where, details=plan.to_text())
    if preview:
        return render_result_html("Rollback plan for %s" % where, details=plan.to_text(),
                                  notices=["Preview only: nothing was changed. Run again with 'Preview only' "
                                           "unticked to roll back."])
    result = engine.rollback(project_key, to=to, lock_timeout=lock_timeout, on_progress=on_progress)
    title = "%s (%s)" % (result.summary(), where)
    return render_result_html(title if result.succeeded else coded("plugin.apply_failed", title),
                              failed=not result.succeeded, result=result.to_dict(), details=plan.to_text())


def unlock_project(client: Any, project_key: str, lock_id: Optional[str], target: Optional[str] = None) -> str:
    """The Unlock macro: release lock ``lock_id`` of ``project_key`` (or of ``target``, the "Target
    project" parameter, which the caller must administer; its holder is gone), or, with no id, show
    who holds the lock (nothing released); as HTML. Checks admin rights first."""
    from ..engine import Engine
    from ..render.result import render_result_html
    project_key = acting_on(client, project_key, target, "unlock")
    check_project_admin(client, project_key, "unlock")
    engine = Engine(client=client)
    where = on_instance(project_key, engine.url, capital=True)
    lock_id = (lock_id or "").strip()
    if not lock_id:
        current = engine.lock_status(project_key)
        if current is None:
            return render_result_html("%s is not locked" % where)
        return render_result_html("%s is locked: nothing was released" % where,
                                  notices=["To release it, make sure its holder is no longer running, then run "
                                           "Unlock again with lock id %s." % current.id]
                                  + (["This lock has expired: the next apply takes it over."]
                                     if current.expired() else []),
                                  facts=_lock_facts(current))
    released = engine.unlock(project_key, lock_id)
    return render_result_html("Released lock %s of %s" % (released.id, where[0].lower() + where[1:]),
                              facts=_lock_facts(released))


def _lock_facts(record: Any) -> List[Any]:
    return [("lock id", record.id), ("user", record.user), ("host", record.host), ("pid", record.pid),
            ("operation", record.operation), ("acquired at", record.acquired_at), ("expires at", record.expires_at)]
