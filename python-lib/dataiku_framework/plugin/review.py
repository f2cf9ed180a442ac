"""The plan-review webapp's backend, as plain functions (issue 15): no Flask here.

Why a core module: ``webapps/plan-review/backend.py`` only runs inside DSS (its ``app`` is DSS's), so
it stays a few lines that turn a Flask request into ``handle(...)`` and the ``(status, body)`` back
into a response; everything it does is here, over the same core as the CLI (``state.plans``, ``stored_plans``, the
``Engine``), and tested through Flask's test client against the emulator.

Who acts: the backend's own client (``dataiku.api_client()``, the webapp's run-as user) is used only
to name the browser's user (``get_auth_info_from_browser_headers``) and to act as that user
(``browser_user_client``). Every read and write goes through that user's client, so DSS checks the
browser user's rights, and the plan store and the apply history record that user. Reads need read
access to the project (checked on every request); mutations need project admin rights (checked on
every request, and by the core again) and a CSRF token (``csrf_token``: an HMAC of the user's login
under a secret of this backend process, sent in the ``X-CSRF-Token`` header, which a cross-site form
cannot set and a cross-site script cannot read).

Where plans come from: the webapp's parameters, which any project writer can edit, name the source;
"Plan now" and "Check drift now" read it only when a project admin confirmed exactly those parameters
("Confirm source", recorded in the plan store's settings with who and when: ``source_status``).
"""
import hashlib
import hmac
import json
import logging
import os
import re
import threading
from typing import Any, Callable, Dict, List, Optional, Tuple

from ..config.secrets import redact, redact_value
from ..state.dssfiles import LibraryDocument, format_time, utc_now

log = logging.getLogger(__name__)

Response = Tuple[int, Dict[str, Any]]
CSRF_HEADER = "X-CSRF-Token"
#: the library file (beside the plan store's) keeping the last drift check made from the webapp
DRIFT_FILE = "drift.json"
#: kinds drawn in the flow picture, as DSS draws its flow (scenarios at the end of what they build)
FLOW_KINDS = ("dataset", "managed_folder", "recipe", "scenario")
_SECRET = os.urandom(32)


class Refused(Exception):
    """A request the review backend refuses; ``status`` is the HTTP status, ``code`` its code in
    ``errors.CATALOGUE`` (``plugin.csrf``, ``project.not_admin``...), which the page shows and acts on,
    as the command line and the other faces show theirs (``plugin.faces``)."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code = status, code


# -- who asks ------------------------------------------------------------------------------------

class Caller(object):
    """The browser's user: ``login``, a ``client`` acting as that user, and the project reviewed."""

    def __init__(self, login: str, client: Any, project_key: str, headers: Dict[str, str]) -> None:
        self.login, self.client, self.project_key, self.headers = login, client, project_key, headers

    def engine(self) -> Any:
        """The browser user's ``Engine``, which plans and applies this project's configurations only."""
        from ..engine import Engine
        return _ThisProjectEngine(Engine(client=self.client), self.project_key)

    def store(self) -> Any:
        from ..state.plans import PlanStore
        return PlanStore(self.client, self.project_key)

    def is_admin(self) -> bool:
        from .scope import NotProjectAdmin, check_project_admin
        try:
            check_project_admin(self.client, self.project_key, "reviewing")
            return True
        except NotProjectAdmin:
            return False

    def require_admin(self, what: str) -> None:
        """``Refused`` (403) unless the browser's user administers the project: checked on each request."""
        from .scope import NotProjectAdmin, check_project_admin
        try:
            check_project_admin(self.client, self.project_key, what)
        except NotProjectAdmin as error:
            raise Refused(403, "project.not_admin", str(error))


class _ThisProjectEngine(object):
    """An ``Engine`` whose ``plan``, ``drift`` and ``apply`` refuse a configuration naming another
    project than the webapp's (``Refused`` 403, ``project``), before any request about it.

    Why on the engine: every action reads a configuration that project writers can edit (the confirmed
    folder's files, a stored plan's source) and then plans it: checked where it is planned, a
    configuration is read once, and no action ("Plan now", "Check drift now", "Check", "Approve and
    apply") can plan another project and record what it read in this one."""

    def __init__(self, engine: Any, project_key: str) -> None:
        self._engine, self._project_key = engine, project_key

    def __getattr__(self, name: str) -> Any:
        return getattr(self._engine, name)

    def _check(self, config: Any) -> None:
        named = config.resolved().project.key  # an environment overlay may change it
        if named != self._project_key:
            raise Refused(403, "plugin.foreign_project",
                          "the configuration read from this webapp's source names project %s (project.key), but this "
                          "webapp reviews project %s only: refused, nothing was done. Set project.key to %s, or review "
                          "it in the webapp of project %s" % (named, self._project_key, self._project_key, named))

    def plan(self, config: Any, *args: Any, **kwargs: Any) -> Any:
        self._check(config)
        return self._engine.plan(config, *args, **kwargs)

    def drift(self, config: Any, *args: Any, **kwargs: Any) -> Any:
        self._check(config)
        return self._engine.drift(config, *args, **kwargs)

    def apply(self, config_or_plan: Any, *args: Any, **kwargs: Any) -> Any:
        from ..plan.document import Plan
        for config in (kwargs.get("config"), None if isinstance(config_or_plan, Plan) else config_or_plan):
            if config is not None:
                self._check(config)
        return self._engine.apply(config_or_plan, *args, **kwargs)


def identify(backend_client: Any, headers: Dict[str, str], project_key: str) -> Caller:
    """The browser user of a request, who must be able to read ``project_key`` (DSS is asked as that
    user: a project they may not read is refused, 403)."""
    from ..state.plans import PlanStoreError
    from ..stored_plans import browser_user_client
    try:
        login, client = browser_user_client(backend_client, headers)
    except PlanStoreError as error:
        raise Refused(401, "plugin.login", str(error))
    except Exception as error:  # noqa: BLE001 - DSS refused the session: the browser must log in again
        raise Refused(401, "plugin.login", "DSS did not recognise this browser's session (%s): log in to DSS again"
                      % _dss_reason(error))
    try:
        client.get_project(project_key).get_summary()
    except Exception as error:  # noqa: BLE001 - DSS answers alike for a missing and a forbidden project
        raise Refused(403, "plugin.not_reader", "DSS user %s may not read project %s (%s)" % (login, project_key,
                                                                                   _dss_reason(error)))
    return Caller(login, client, project_key, headers)


def csrf_token(login: str) -> str:
    """The token a mutating request of ``login`` must carry (valid for this backend process)."""
    return hmac.new(_SECRET, ("csrf:" + login).encode("utf-8"), hashlib.sha256).hexdigest()


def check_csrf(caller: Caller) -> None:
    """``Refused`` (403, ``csrf``) unless the request carries the caller's token in ``X-CSRF-Token``."""
    sent = _header(caller.headers, CSRF_HEADER) or ""
    if not hmac.compare_digest(sent.encode("utf-8"), csrf_token(caller.login).encode("utf-8")):
        raise Refused(403, "plugin.csrf", "this request has no valid %s header (cross-site request refused): reload "
                                   "the page and try again" % CSRF_HEADER)


def _header(headers: Dict[str, str], name: str) -> Optional[str]:
    for key, value in headers.items():
        if key.lower() == name.lower():
            return value
    return None


# -- the source of "Plan now" (webapp parameters, confirmed by a project admin) ------------------

def configured_source(webapp_config: Optional[Dict[str, Any]], project_key: str) -> Optional[Dict[str, Any]]:
    """Where "Plan now" reads the configuration, from the webapp's parameters: a managed folder of
    this project, or a git repository (url, ref), with the file's path and an environment; None when
    none is set."""
    config = webapp_config or {}
    path = (config.get("config_path") or "").strip() or "project.yaml"
    env = (config.get("environment") or "").strip() or None
    if str(config.get("source") or "folder").strip().lower() == "git":
        url = (config.get("git_url") or "").strip()
        if not url:
            return None
        return {"type": "git", "url": url, "ref": (config.get("git_ref") or "").strip() or None, "path": path,
                "environment": env}
    folder = (config.get("folder") or "").strip() if isinstance(config.get("folder"), str) else None
    if not folder:
        return None
    return {"type": "folder", "project": project_key, "folder": folder, "path": path.lstrip("/"),
            "environment": env}


#: what the page says when the webapp's parameters name another source than the one an admin confirmed
SOURCE_CHANGED = "source changed by the webapp settings: a project admin must confirm it"
#: ... and when no project admin confirmed any source yet
SOURCE_UNCONFIRMED = "source set by the webapp settings, never confirmed: a project admin must confirm it"


def source_status(caller: Caller, webapp_config: Optional[Dict[str, Any]]) -> Dict[str, Any]:
    """The webapp's source (``params``: its exact parameters, ``text``) beside the one a project admin
    confirmed (``confirmed``: ``{source, text, by, at}``); ``problem`` says why "Plan now" is refused
    (None when the two are the same source).

    Why: any project writer can edit the webapp's parameters, but where plans come from is the
    project admins' choice; a parameter that differs from their confirmed record waits for an admin."""
    from ..state.plans import describe_source
    source = configured_source(webapp_config, caller.project_key)
    record = caller.store().confirmed_source()
    confirmed = dict(record, text=describe_source(record["source"])) if record else None
    problem = None
    if source is not None and (record is None or record["source"] != source):
        problem = SOURCE_CHANGED if record is not None else SOURCE_UNCONFIRMED
    return {"params": source, "text": describe_source(source) if source else None, "confirmed": confirmed,
            "problem": problem}


def confirmed_source(caller: Caller, webapp_config: Optional[Dict[str, Any]]) -> Dict[str, Any]:
    """The webapp's source when a project admin confirmed exactly it; ``Refused`` (409, ``source``) otherwise."""
    status = source_status(caller, webapp_config)
    if status["params"] is None:
        raise Refused(409, "plugin.review_source", "no configuration source is set: a project admin sets the webapp's "
                                     "'Configuration folder' (or git URL) and 'Configuration file' in its settings")
    if status["problem"]:
        was = status["confirmed"]
        confirmed = "; confirmed: %s by %s at %s" % (was["text"], was["by"], was["at"]) if was else ""
        raise Refused(409, "plugin.review_source",
                      "%s (the settings name %s%s)" % (status["problem"], status["text"], confirmed))
    return status["params"]


def confirm_source(caller: Caller, webapp_config: Optional[Dict[str, Any]], body: Dict[str, Any]) -> Dict[str, Any]:
    """Record the webapp's source as confirmed (project admins), bound to the parameters the page
    showed (``body.source``): settings changed since are refused, to be read again first."""
    caller.require_admin("confirming where plans come from")
    source = configured_source(webapp_config, caller.project_key)
    if source is None:
        raise Refused(409, "plugin.review_source",
                      "no configuration source is set in the webapp's settings: nothing to confirm")
    if body.get("source") != source:
        raise Refused(409, "plugin.review_source", "the webapp's settings are not the source this page showed: "
                                                   "reload the page, check the source and confirm it again")
    caller.store().confirm_source(source)
    return source_status(caller, webapp_config)


# -- views ---------------------------------------------------------------------------------------

def session(caller: Caller, webapp_config: Optional[Dict[str, Any]]) -> Dict[str, Any]:
    """What the page needs first: who is looking, whether they may act, the CSRF token, the source."""
    status = source_status(caller, webapp_config)
    return {"user": caller.login, "project_key": caller.project_key, "admin": caller.is_admin(),
            "csrf": csrf_token(caller.login), "settings": caller.store().settings(),
            "source": status["text"], "source_status": status}


def plan_list(caller: Caller, status: Optional[str]) -> Dict[str, Any]:
    from ..state.plans import describe_source
    entries = caller.store().list(status or None)
    for entry in entries:
        entry["source_text"] = describe_source(entry.get("source"))
    return {"plans": entries}


def plan_detail(caller: Caller, plan_id: str) -> Dict[str, Any]:
    """A stored plan: its record (status changes, comments), the plan document (already redacted),
    counts, the changed entries (unchanged ones only counted), its sections and its flow graph."""
    from ..state.plans import describe_source
    store = caller.store()
    record = store.get(plan_id)
    doc = store.plan_of(record).doc
    changes = doc.get("resource_changes") or []
    changed = [e for e in changes if e.get("action") != "no-op"]
    meta = {k: v for k, v in record.items() if k != "plan"}
    meta["source_text"] = describe_source(record.get("source"))
    return {"record": meta, "metadata": doc.get("metadata") or {}, "summary": doc.get("summary") or {},
            "entries": changed, "unchanged": len(changes) - len(changed),
            "sections": {name: doc.get(name) or [] for name in ("drift", "conflicts", "not_deleted", "unmanaged")},
            "graph": flow_graph(changes)}


def flow_graph(changes: List[Dict[str, Any]]) -> Dict[str, Any]:
    """The flow as nodes (datasets, folders, recipes, scenarios: address, kind, name, action) and edges
    (input -> recipe -> output; built object -> scenario), from the plan's entries: a recipe's inputs
    and outputs are the refs of its DSS settings (``after``, else ``before``) matched to entries."""
    nodes = [{"id": e["address"], "kind": e.get("kind"), "name": e.get("name"), "action": e.get("action")}
             for e in changes if e.get("kind") in FLOW_KINDS]
    ids = set(n["id"] for n in nodes)
    by_ref = {}  # type: Dict[str, str]
    for e in changes:
        if e.get("kind") in ("dataset", "managed_folder"):
            by_ref.setdefault(str(e.get("name")), e["address"])
            raw = e.get("after") or e.get("before") or {}
            if isinstance(raw, dict) and raw.get("id"):
                by_ref.setdefault(str(raw["id"]), e["address"])
    edges = []  # type: List[List[str]]
    for e in changes:
        if e.get("address") not in ids or e.get("kind") in ("dataset", "managed_folder"):
            continue
        edges.extend(_edges_of(e, by_ref, ids))
    return {"nodes": nodes, "edges": edges}


def _edges_of(entry: Dict[str, Any], by_ref: Dict[str, str], ids: Any) -> List[List[str]]:
    address = entry["address"]
    deps = [d for d in entry.get("depends_on") or [] if d in ids]
    if entry.get("kind") != "recipe":
        return [[d, address] for d in deps]
    raw = entry.get("after") or entry.get("before") or {}
    outputs = set(by_ref[r] for r in _refs(raw.get("outputs") if isinstance(raw, dict) else None) if r in by_ref)
    inputs = set(by_ref[r] for r in _refs(raw.get("inputs") if isinstance(raw, dict) else None) if r in by_ref)
    inputs |= set(d for d in deps if d not in outputs)
    return [[i, address] for i in sorted(inputs - outputs)] + [[address, o] for o in sorted(outputs)]


def _refs(roles: Any) -> List[str]:
    """The ``ref`` of every item of a recipe's ``inputs``/``outputs`` (``{role: {items: [...]}}`` or
    ``{role: [...]}``) in this project: a ref ``PROJECT.name`` names another project's object, which
    is no node of this plan (and not this project's namesake)."""
    found = []  # type: List[str]
    for role in (roles or {}).values() if isinstance(roles, dict) else []:
        items = role.get("items") if isinstance(role, dict) else role
        for item in items or []:
            ref = item.get("ref") if isinstance(item, dict) else None
            if isinstance(ref, str) and "." not in ref:
                found.append(ref)
    return found


# -- actions -------------------------------------------------------------------------------------

def plan_now(caller: Caller, webapp_config: Optional[Dict[str, Any]], body: Dict[str, Any]) -> Dict[str, Any]:
    """Plan from the configured source and store the plan (project admins); its id and detail."""
    from ..stored_plans import plan_and_store
    caller.require_admin("planning from the webapp")
    source = confirmed_source(caller, webapp_config)
    saved, _ = plan_and_store(caller.engine(), caller.project_key, source, comment=_comment(body))
    detail = plan_detail(caller, saved.id)
    detail["notes"] = list(saved.notes)
    return detail


def check_staleness(caller: Caller, plan_id: str) -> Dict[str, Any]:
    """Plan again from the stored plan's source (a full re-plan: the page asks after it is shown);
    an open plan that differs is marked stale, when the browser's user may write the library."""
    from ..stored_plans import check_stored
    moved = check_stored(caller.engine(), caller.project_key, plan_id, store=_MarkingStore(caller))
    return {"stale": bool(moved), "moved": moved, "status": caller.store().get(plan_id).get("status")}


def check_source(caller: Caller, record: Dict[str, Any]) -> None:
    """``Refused`` (409, ``source``) unless this backend may read the stored plan's source again: a
    managed folder (read through the browser user's client, so with their rights), or the git
    repository the project admins confirmed for this webapp.

    Why: a stored plan's ``source`` lies outside its digest, in the library any project writer can
    edit. Without this, a writer's rewritten source would make the backend read a path of its own
    host (a ``file`` source), or hand the git credentials of its environment to any repository."""
    from ..state.plans import describe_source
    source = record.get("source") if isinstance(record.get("source"), dict) else {}
    if source.get("type") == "folder":
        return
    confirmed = (caller.store().confirmed_source() or {}).get("source") or {}
    if source.get("type") == "git" and confirmed.get("type") == "git" and source.get("url") == confirmed.get("url"):
        return
    raise Refused(409, "plugin.review_source",
                  "stored plan %s was made from %s, which this webapp does not read (it reads a managed folder, or the "
                  "git repository a project admin confirmed): check and apply it with 'dss-framework plans' where it "
                  "was made" % (record.get("id"), redact(describe_source(source))))


class _GuardedStore(object):
    """The browser user's store, whose ``get`` refuses a record whose source this backend may not
    read (``check_source``): the core's check and apply read the source of the record they get."""

    def __init__(self, caller: Caller) -> None:
        self._caller, self._store = caller, caller.store()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    def get(self, plan_id: str) -> Dict[str, Any]:
        record = self._store.get(plan_id)
        check_source(self._caller, record)
        return record


class _MarkingStore(_GuardedStore):
    """The guarded store, whose marking a plan stale may fail (a reader cannot write the library):
    the check's answer is still given, the plan is then marked by the next admin's check."""

    def mark_stale(self, plan_id: str, why: str, user: Optional[str] = None) -> Any:
        try:
            return self._store.mark_stale(plan_id, why, user)
        except Exception as error:  # noqa: BLE001 - the check's answer stands without the mark
            log.info("stored plan %s is stale but could not be marked (%s)", plan_id, error.__class__.__name__)
            return None


class Job(object):
    """An apply running in a thread of the backend, so that the page shows its progress (``jobs/ID``)
    and then its answer; only the browser user who started it may read it."""

    def __init__(self, login: str) -> None:
        from ..state.store import new_apply_id
        self.id, self.login = new_apply_id(), login
        self.progress = {"done": 0, "total": 0, "message": "starting"}  # type: Dict[str, Any]
        self.answer = None  # type: Optional[Response]

    def report(self, done: int, total: int, text: str) -> None:
        self.progress = {"done": done, "total": total, "message": redact(str(text))}

    def view(self) -> Dict[str, Any]:
        answer = self.answer
        return {"job": self.id, "done": answer is not None, "progress": self.progress,
                "status": answer[0] if answer else None, "answer": answer[1] if answer else None}


_JOBS = {}  # type: Dict[str, Job]
_JOBS_LOCK = threading.Lock()
#: finished jobs kept for their pages to read (the oldest are forgotten first)
JOBS_KEPT = 20


def start_job(login: str, work: Callable[[Job], Dict[str, Any]]) -> Job:
    """Run ``work(job)`` in a daemon thread; its answer (or refusal, as ``handle`` gives them) is kept."""
    job = Job(login)

    def run() -> None:
        try:
            job.answer = (200, work(job))
        except Exception as error:  # noqa: BLE001 - every failure is one line for the page
            job.answer = _refusal(error)
    with _JOBS_LOCK:
        _JOBS[job.id] = job
        for old in [j for j in _JOBS.values() if j.answer is not None][:-JOBS_KEPT]:
            del _JOBS[old.id]
    threading.Thread(target=run, name="review-apply-%s" % job.id, daemon=True).start()
    return job


def job_status(caller: Caller, job_id: str) -> Dict[str, Any]:
    job = _JOBS.get(job_id)
    if job is None or job.login != caller.login:
        raise Refused(404, "plugin.request",
                      "no apply %s of DSS user %s is running or kept here" % (job_id, caller.login))
    return job.view()


def approve_and_apply(caller: Caller, plan_id: str, body: Dict[str, Any]) -> Dict[str, Any]:
    """Approve (when pending) and start applying one stored plan, bound to the digest the page showed:
    a plan whose digest is not ``body.digest`` is refused at once. The apply runs as a ``Job`` (the
    page follows ``jobs/ID``); the core checks rights, digest and a fresh plan again
    (``apply_stored``): a stale plan is refused saying what moved, a held lock naming its holder."""
    caller.require_admin("approving and applying stored plan %s" % plan_id)
    store = _GuardedStore(caller)
    record = store.get(plan_id)
    if not body.get("digest") or body.get("digest") != record.get("digest"):
        raise Refused(409, "plugin.review_digest",
                      "stored plan %s is not the plan this page showed (its digest is %s, the page approved %s): "
                      "reload it and review again" % (plan_id, record.get("digest"), redact(str(body.get("digest")))))
    if record.get("status") == "pending":
        record = store.approve(plan_id, comment=_comment(body))
    job = start_job(caller.login, lambda job: _apply(caller, plan_id, job))
    return dict(job.view(), record=_meta(record))


def _apply(caller: Caller, plan_id: str, job: Job) -> Dict[str, Any]:
    from ..stored_plans import apply_stored
    store = _GuardedStore(caller)
    result = apply_stored(caller.engine(), caller.project_key, plan_id, store=store, lock_timeout=0.0,
                          on_progress=job.report)
    return {"result": result.to_dict(), "summary": result.summary(), "record": _meta(store.get(plan_id))}


def discard(caller: Caller, plan_id: str, body: Dict[str, Any]) -> Dict[str, Any]:
    caller.require_admin("discarding stored plan %s" % plan_id)
    return {"record": _meta(caller.store().discard(plan_id, comment=_comment(body)))}


def history(caller: Caller) -> Dict[str, Any]:
    return {"history": caller.engine().history(caller.project_key)}


def rollback_preview(caller: Caller, apply_id: Optional[str]) -> Dict[str, Any]:
    """What rolling back apply ``apply_id`` (default: the last) would change; reads only."""
    preview = caller.engine().rollback_plan(caller.project_key, apply_id or None)
    return {"preview": preview.to_dict(), "text": preview.to_text()}


def rollback(caller: Caller, body: Dict[str, Any]) -> Dict[str, Any]:
    """Roll back the apply the preview showed (``body.apply_id``; project admins)."""
    caller.require_admin("rolling back an apply")
    apply_id = body.get("apply_id")
    if not isinstance(apply_id, str) or not apply_id:
        raise Refused(400, "plugin.request", "name the apply to roll back (apply_id), as its preview showed it")
    result = caller.engine().rollback(caller.project_key, apply_id, lock_timeout=0.0)
    return {"result": result.to_dict(), "summary": result.summary()}


def drift_status(caller: Caller) -> Dict[str, Any]:
    """The last drift check recorded in the project library (None when there was none)."""
    return {"last": LibraryDocument(caller.client, caller.project_key, DRIFT_FILE).read_document()}


def check_drift(caller: Caller, webapp_config: Optional[Dict[str, Any]]) -> Dict[str, Any]:
    """Check drift now from the configured source (project admins: it records the check)."""
    from ..render.text import difference_lines
    from ..stored_plans import source_config
    caller.require_admin("checking drift from the webapp")
    source = confirmed_source(caller, webapp_config)
    with source_config(caller.client, caller.project_key, {"source": source}) as config:
        plan = caller.engine().drift(config)
    return {"last": record_drift(caller.client, caller.project_key, difference_lines(plan.doc), caller.login, source)}


def record_drift(client: Any, project_key: str, lines: List[str], user: str, source: Dict[str, Any]) -> Dict[str, Any]:
    """Record a drift check (what differs, one line each; who; the configuration's source) in the
    project library, where the review page's "Drift" view reads the last one; the record."""
    record = {"at": format_time(utc_now()), "by": user, "count": len(lines), "differences": lines[:200],
              "source": source}
    record = redact_value(record)
    LibraryDocument(client, project_key, DRIFT_FILE).write_document(record)
    return record


def record_drift_report(client: Any, report: Any) -> None:
    """For the "Check drift" step: record its check (``plugin.plan.PlanReport``) in the project it
    checked, so the review page shows it. An invalid configuration is no check; a failed write
    (a run-as user without write rights) is logged: the step's outcome does not depend on it."""
    if report.plan is None:
        return
    from ..state.dssfiles import identity
    source = {"type": "folder", "folder": report.folder_name, "path": report.config_path}
    try:
        record_drift(client, report.project_key, report.differences(), identity(client)["user"], source)
    except Exception as error:  # noqa: BLE001 - the step reports drift by its outcome, not by this record
        log.warning("the drift check of project %s could not be recorded for the review page (%s)",
                    report.project_key, _dss_reason(error))


def _meta(record: Dict[str, Any]) -> Dict[str, Any]:
    return {k: v for k, v in record.items() if k != "plan"}


def _comment(body: Dict[str, Any]) -> Optional[str]:
    text = body.get("comment")
    return text.strip() or None if isinstance(text, str) else None


# -- dispatch ------------------------------------------------------------------------------------

_ID = r"(?P<plan_id>[^/]+)"
#: (method, path pattern, needs a CSRF token, handler(caller, match, query, body, webapp_config))
ROUTES = [
    ("GET", r"session", False, lambda c, m, q, b, w: session(c, w)),
    ("GET", r"plans", False, lambda c, m, q, b, w: plan_list(c, q.get("status"))),
    ("GET", r"plans/" + _ID, False, lambda c, m, q, b, w: plan_detail(c, m.group("plan_id"))),
    ("POST", r"plans/" + _ID + r"/check", True, lambda c, m, q, b, w: check_staleness(c, m.group("plan_id"))),
    ("POST", r"plans/" + _ID + r"/apply", True, lambda c, m, q, b, w: approve_and_apply(c, m.group("plan_id"), b)),
    ("POST", r"plans/" + _ID + r"/discard", True, lambda c, m, q, b, w: discard(c, m.group("plan_id"), b)),
    ("GET", r"jobs/(?P<job>[^/]+)", False, lambda c, m, q, b, w: job_status(c, m.group("job"))),
    ("POST", r"plan-now", True, lambda c, m, q, b, w: plan_now(c, w, b)),
    ("POST", r"source/confirm", True, lambda c, m, q, b, w: confirm_source(c, w, b)),
    ("GET", r"history", False, lambda c, m, q, b, w: history(c)),
    ("GET", r"rollback-preview", False, lambda c, m, q, b, w: rollback_preview(c, q.get("apply_id"))),
    ("POST", r"rollback", True, lambda c, m, q, b, w: rollback(c, b)),
    ("GET", r"drift", False, lambda c, m, q, b, w: drift_status(c)),
    ("POST", r"drift", True, lambda c, m, q, b, w: check_drift(c, w)),
]  # type: List[Tuple[str, str, bool, Callable[..., Dict[str, Any]]]]


def handle(backend_client: Any, project_key: str, method: str, path: str, headers: Dict[str, str],
           query: Optional[Dict[str, str]] = None, body: Any = None,
           webapp_config: Optional[Dict[str, Any]] = None) -> Response:
    """One request of the review page: ``(HTTP status, JSON body)``. ``project_key`` is the webapp's
    own project (``dataiku.default_project_key()``): a request naming another (``project`` in the
    query or the body) is refused. Every refusal is ``{"error": one line, "code": its catalogue code}``."""
    query = dict(query or {})
    try:
        body = parse_body(body) if isinstance(body, (bytes, str)) else body
        body = body if isinstance(body, dict) else {}
        route, match = _route(method, path.strip("/"))
        named = query.get("project") or body.get("project")
        if named and named != project_key:
            raise Refused(403, "plugin.foreign_project", "this webapp reviews project %s only; %s is another project: "
                                                         "open the webapp of that project" % (project_key, named))
        caller = identify(backend_client, headers, project_key)
        if route[2]:
            check_csrf(caller)
        return 200, route[3](caller, match, query, body, webapp_config)
    except Exception as error:  # noqa: BLE001 - every failure is one line for the page, never a traceback
        return _refusal(error)


def _route(method: str, path: str) -> Tuple[Any, Any]:
    allowed = False
    for route in ROUTES:
        match = re.match("^%s$" % route[1], path)
        if match:
            allowed = True
            if route[0] == method.upper():
                return route, match
    raise Refused(405 if allowed else 404, "plugin.request", "no %s %s in the review backend" % (method, path))


def _refusal(error: Exception) -> Response:
    """The HTTP status and one-line body of a failure, ``{"error": ..., "code": ...}`` with the failure's
    catalogue code (``faces.failure_code``), the status by its class (never a traceback)."""
    from ..apply.rollback import RollbackError
    from ..apply.run import StalePlanError
    from ..config.diagnostics import ConfigError
    from ..state.lock import LockHeld
    from ..state.plans import PlanStoreError, TamperedPlanError
    from .faces import failure_code
    from .scope import ForeignProject, NotProjectAdmin
    if isinstance(error, Refused):
        return error.status, {"error": redact(str(error)), "code": error.code}
    table = [(TamperedPlanError, 409), (StalePlanError, 409), (LockHeld, 409), (NotProjectAdmin, 403),
             (ForeignProject, 403), (PlanStoreError, 409), (RollbackError, 409), (ConfigError, 422)]
    for cls, status in table:
        if isinstance(error, cls):
            body = {"error": redact(str(error)), "code": failure_code(error)}
            if isinstance(error, StalePlanError):
                body["moved"] = [redact(m) for m in error.changed]
            return status, body
    log.warning("review backend: %s", redact("%s: %s" % (error.__class__.__name__, error)))
    return 502, {"error": "DSS refused or failed: %s" % _dss_reason(error), "code": failure_code(error)}


def _dss_reason(error: Exception) -> str:
    """One line of a DSS failure, redacted."""
    text = str(error).strip().splitlines()[0] if str(error).strip() else error.__class__.__name__
    return redact(text)[:300]


def parse_body(raw: Any) -> Any:
    """A request's JSON body (``{}`` when empty); ``Refused`` (400) when it is not JSON."""
    if not raw:
        return {}
    try:
        return json.loads(raw.decode("utf-8") if isinstance(raw, bytes) else raw)
    except (ValueError, UnicodeDecodeError):
        raise Refused(400, "plugin.request", "the request body is not JSON")
