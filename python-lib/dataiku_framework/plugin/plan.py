"""Plan a configuration stored in a DSS managed folder (the "Plan" macro and the "Check drift" step).

Why here and not in the components: ``runnable.py``/``step.py`` only run inside DSS, so they stay
thin and everything they do is tested here against the emulator. The folder is read exactly as the
"Validate" components read it (``sources.folder`` + the same missing-file and folder-relative
reporting from ``plugin.validate``); an invalid configuration is reported, never planned.
"""

import contextlib
import html
import os
from typing import Any, Dict, Iterator, List, Optional

from ..config.api import load_config
from ..config.diagnostics import ConfigError, Diagnostic
from .faces import ComponentFailure, coded
from .scope import acting_on, check_configured_key, describe_field, on_instance, place
from .validate import DEFAULT_CONFIG_PATH, ValidationReport, _relativize, checked_out, source_params
from ..plan.refresh import DEFAULT_PARALLELISM
from ..sources.git import record_commit


def plan_params_from_config(config: Optional[Dict[str, Any]]) -> Dict[str, Any]:
    """Keyword arguments for ``plan_from_folder`` from the macro's or step's parameters (DSS may leave them out)."""
    config = config or {}
    parallelism = config.get("parallelism")
    try:
        parallelism = max(1, int(parallelism)) if parallelism not in (None, "") else DEFAULT_PARALLELISM
    except (TypeError, ValueError):
        parallelism = DEFAULT_PARALLELISM
    return dict(source_params(config), parallelism=parallelism)


def store_requested(config: Optional[Dict[str, Any]]) -> bool:
    """The "Store the plan" parameter of the Plan macro and the apply step (DSS may leave it out)."""
    value = (config or {}).get("store_plan")
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes", "on")
    return bool(value)


class PlanReport(object):
    """A plan of a folder's configuration, or (``plan`` None) the validation report that stopped it;
    ``project_key`` and ``dss_url``: the project acted on and the DSS instance, which every face
    names in its first line (``where``)."""

    def __init__(self, config_path: str, folder_name: str, plan: Any = None,
                 invalid: Optional[ValidationReport] = None, project_key: Optional[str] = None,
                 dss_url: str = "") -> None:
        self.config_path = config_path
        self.folder_name = folder_name
        self.plan = plan
        self.invalid = invalid
        self.project_key = project_key
        self.dss_url = dss_url
        self._differences = None  # type: Optional[List[str]]
        #: the id of the stored plan (``store_report``), None when it was not stored
        self.stored_id = None  # type: Optional[str]
        #: why the plan could not be stored, when storing it was asked and refused
        self.store_problem = None  # type: Optional[str]

    def where(self, capital: bool = False) -> str:
        """``project K on http://dss`` (``Project ...`` when ``capital``)."""
        return on_instance(self.project_key, self.dss_url, capital)

    @property
    def valid(self) -> bool:
        return self.invalid is None

    def counts(self) -> Dict[str, int]:
        """Changes per action (``create``, ``update``, ``replace``, ``delete``); zeros when invalid."""
        summary = self.plan.summary if self.plan is not None else {}
        return {action: int(summary.get(action) or 0) for action in ("create", "update", "replace", "delete")}

    def differences(self) -> List[str]:
        """One line per difference (built once: the step logs, counts and fails on the same list)."""
        if self._differences is None:
            from ..render.text import difference_lines
            self._differences = difference_lines(self.plan.doc) if self.plan is not None else []
        return self._differences

    def html(self) -> str:
        """The macro's result: the plan's HTML fragment, or the validation problems."""
        if self.plan is not None:
            from ..render.html import render_html
            stored = ('<p class="dkf-stored">Stored as plan %s: review it in the plan store</p>'
                      % html.escape(self.stored_id)) if self.stored_id else ""
            if self.store_problem:
                stored = '<p class="dkf-stored">Not stored: %s</p>' % html.escape(self.store_problem)
            return stored + render_html(self.plan.doc, fragment=True)
        assert self.invalid is not None
        return ('<div class="dkf-plan"><h1>%s</h1>'
                "<p>%s</p><pre>%s</pre></div>" % (html.escape(self.headline(self.invalid_title())),
                                                  html.escape(self.invalid.summary()),
                                                  html.escape(self.invalid.render())))

    def text(self) -> str:
        """For logs: the text plan, or every validation problem."""
        if self.plan is not None:
            from ..render.text import render_text
            return render_text(self.plan.doc)
        return "%s\n%s" % (self.invalid_title(), self.invalid.render())

    def failure_code(self) -> Optional[str]:
        """The catalogue code this report fails with (``config.invalid``), None when it does not."""
        return None if self.valid else "config.invalid"

    def headline(self, text: str) -> str:
        """``text`` as a face's first line: ``error[CODE]: text`` when the report fails (``faces.coded``)."""
        code = self.failure_code()
        return coded(code, text) if code else text

    def invalid_title(self) -> str:
        """The first line of what an invalid configuration gives, naming the project and the instance."""
        assert self.invalid is not None
        return "Configuration is invalid: nothing was planned (%s)" % self.where()

    def drift_failure(self) -> ComponentFailure:
        """What the "Check drift" step raises: ``drift_message`` with its code (``config.invalid`` or
        ``plugin.drift``)."""
        return ComponentFailure(self.failure_code() or "plugin.drift", self.drift_message())

    def drift_message(self, limit: int = 20) -> str:
        """Why the "Check drift" step fails: what differs (first ``limit`` lines), or the validation errors."""
        if self.invalid is not None:
            return "%s\n%s" % (self.invalid_title(), self.invalid.failure_message())
        lines = self.differences()
        head = ["%s differs from configuration '%s' in %s (%d difference(s)):"
                % (self.where(capital=True), self.config_path, place(self.folder_name), len(lines))]
        tail = ["... and %d more" % (len(lines) - limit)] if len(lines) > limit else []
        return "\n".join(head + ["  " + line for line in lines[:limit]] + tail)


def plan_from_folder(client: Any, project_key: str, folder_ref: str, config_path: str = DEFAULT_CONFIG_PATH,
                     env: Optional[str] = None, parallelism: int = DEFAULT_PARALLELISM,
                     drift: bool = False, allow_delete: bool = False, target: Optional[str] = None) -> PlanReport:
    """Copy managed folder ``folder_ref`` of ``project_key`` locally and plan ``config_path`` in it.

    ``client`` is a ``dataikuapi.DSSClient`` (``dataiku.api_client()`` in DSS: the user's rights).
    The configuration must name ``project_key``, or ``target`` (the "Target project" parameter,
    which the caller must administer): else ``scope.ForeignProject``, before any request about
    the project it names. ``drift`` uses ``Engine.drift`` (the "Check drift" step). An unknown
    folder raises ``sources.FolderError``; connection failures raise ``DSSConnectionError``. The
    temporary copy is always deleted.
    """
    with planned_from_folder(client, project_key, folder_ref, config_path, env, parallelism, drift,
                             allow_delete, target, "plan") as report:
        return report


@contextlib.contextmanager
def planned_from_folder(client: Any, project_key: str, folder_ref: str, config_path: str = DEFAULT_CONFIG_PATH,
                        env: Optional[str] = None, parallelism: int = DEFAULT_PARALLELISM, drift: bool = False,
                        allow_delete: bool = False, target: Optional[str] = None,
                        what: str = "plan") -> Iterator[PlanReport]:
    """``plan_from_folder``'s report while the folder's copy still exists (deleted on exit): applying
    the plan resolves the configuration again, reading its code files. ``what`` names the
    operation in a refusal of ``target``."""
    from ..engine import Engine  # lazily: validation-only users never need the engine
    acting = acting_on(client, project_key, target, what)
    with checked_out(client, project_key, folder_ref, config_path) as (folder, relative, root, problem):
        diagnostics = [problem] if problem is not None else []  # type: List[Diagnostic]
        if not diagnostics:
            try:
                config = load_config(os.path.join(root, relative), env=env, source_name=_pinned(folder))
                configured = config.resolved().project.key  # an environment overlay may change it
            except ConfigError as error:
                diagnostics = list(error.diagnostics)
        if diagnostics:
            _relativize(diagnostics, root, folder.name)
            invalid = ValidationReport(project_key, folder, relative, diagnostics, online=False)
            yield PlanReport(relative, folder.name, invalid=invalid, project_key=acting, dss_url=_url(client))
            return
        check_configured_key(configured, acting, project_key, describe_field(relative, folder.name, env))
        engine = Engine(client=client, parallelism=parallelism)
        source = _pinned(folder) or relative
        plan = engine.drift(config) if drift else engine.plan(config, config_source=source, allow_delete=allow_delete)
        record_commit(plan.doc["metadata"])
        yield PlanReport(relative, folder.name, plan=plan, project_key=acting,
                         dss_url=plan.doc.get("metadata", {}).get("dss_url") or _url(client))


def source_record(project_key: str, folder_ref: Any, config_path: str, env: Optional[str], plan: Any) -> Dict[str, Any]:
    """Where a component read the configuration, as the plan store records it: the managed folder
    of ``project_key`` and the path in it, or the git source pinned to its commit."""
    from ..sources.git import is_git_source
    from ..state.plans import source_of
    meta = plan.doc.get("metadata") or {}
    if is_git_source(meta.get("config_source")):
        return source_of(meta)
    return {"type": "folder", "project": project_key, "folder": str(folder_ref),
            "path": (config_path or DEFAULT_CONFIG_PATH).lstrip("/"), "environment": env}


def store_report(client: Any, report: PlanReport, project_key: str, folder_ref: Any, config_path: str,
                 env: Optional[str] = None) -> Optional[str]:
    """Store ``report``'s plan (if it has one) in the plan store of the project it plans, recording
    the component's source; its id (kept on ``report.stored_id``). The caller's client writes it. The
    store's refusal (a plan creating its project) is kept on ``report.store_problem``: the plan is
    still shown."""
    if report.plan is None:
        return None
    from ..state.plans import PlanStore, PlanStoreError
    source = source_record(project_key, folder_ref, config_path, env, report.plan)
    try:
        saved = PlanStore(client, report.plan.doc["metadata"]["project_key"]).save(report.plan, source=source)
    except PlanStoreError as error:
        report.store_problem = str(error)
        return None
    report.stored_id = saved.id
    return saved.id


def _pinned(folder: Any) -> Optional[str]:
    """For a git source, what plans and the state history record: the source pinned to its commit."""
    return folder.folder_id if folder.folder_id.startswith("git+") else None


def _url(client: Any) -> str:
    """The DSS instance ``client`` talks to, as the engine names it in a plan's ``metadata.dss_url``."""
    return str(getattr(client, "host", "") or "")


def drift_variables(report: PlanReport) -> Dict[str, Any]:
    """The scenario variables the "Check drift" step sets, so later steps and reporters can branch on them."""
    variables = {"framework_config_valid": report.valid, "framework_drift_count": len(report.differences())}
    variables["framework_drift_detected"] = bool(variables["framework_drift_count"])
    for action, count in report.counts().items():
        variables["framework_drift_%s" % action] = count
    return variables
