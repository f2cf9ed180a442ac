"""One apply: lock, re-plan under the lock (refusing a stale saved plan), checkpoint, run the
resources along the dependency graph, record the state as it goes, checkpoint, unlock.

Why in this order:

- Nothing is written when the plan has no changes: no lock, no state, no checkpoint (a scheduled
  apply of an unchanged configuration leaves no trace in DSS or in its git history).
- The plan is computed again once the lock is held: what was reviewed is applied only if DSS and
  the state still are as the plan saw them; otherwise ``StalePlanError`` lists what moved.
- The state is written by the scheduling thread after each batch of finished resources (while work
  remains) and once at the end with the history entry closed, so a crash loses at most the
  resources in flight, and a one-resource apply writes the state once.
- The project git history gets a tag before and after (``dataiku-framework-<apply id>-before`` /
  ``-after``), the points rollback returns to.
"""
import logging
import socket
import threading
from typing import Any, Callable, Dict, List, Optional

from ..dss.policy import DEFAULT as DEFAULT_POLICY
from ..plan.deletes import DELETE_ORDER, GONE
from ..plan.refresh import Reader, status_tracker
from ..resources import BY_KIND
from ..resources.writers import ApplyContext
from ..state import ProjectLock, StateStore, identity, new_apply_id
from . import resource as steps
from .checkpoint import TAG, checkpoint
from .executor import Task, run_graph
from .result import ResourceResult, Result


log = logging.getLogger(__name__)


class StalePlanError(ValueError):
    """A saved plan no longer matches DSS or the state; ``changed`` lists what moved since."""

    def __init__(self, project_key: str, changed: List[str]) -> None:
        self.changed = list(changed)
        super().__init__("the plan of project %s is stale, nothing was applied; what changed since it was made: %s. "
                         "Plan again, review, and apply the new plan" % (project_key, "; ".join(self.changed)))


class WriteCounter(object):
    """Counts the write requests (any method but GET/HEAD) sent through a client's session."""

    def __init__(self, session: Any) -> None:
        self._lock = threading.Lock()
        self.count = 0
        self._session = session
        session.hooks.setdefault("response", []).append(self._record)

    def _record(self, response: Any, *args: Any, **kwargs: Any) -> Any:
        if response.request.method not in ("GET", "HEAD"):
            with self._lock:
                self.count += 1
        return response

    def close(self) -> None:
        hooks = self._session.hooks.get("response", [])
        if self._record in hooks:
            hooks.remove(self._record)


def stale_differences(saved: Any, fresh: Any) -> List[str]:
    """What changed between a saved plan and the same plan made now, for the resources it touches."""
    out = []
    meta_s, meta_f = saved.doc["metadata"], fresh.doc["metadata"]
    if meta_s.get("config_digest") != meta_f.get("config_digest"):
        out.append("the configuration (its digest is %s, the plan's %s)"
                   % (str(meta_f.get("config_digest"))[:19], str(meta_s.get("config_digest"))[:19]))
    if meta_s.get("state_serial") != meta_f.get("state_serial"):
        out.append("the state (serial %s, the plan's %s)" % (meta_f.get("state_serial"), meta_s.get("state_serial")))
    fresh_by = {e["address"]: e for e in fresh.doc["resource_changes"]}
    for entry in saved.doc["resource_changes"]:
        if entry["action"] == "no-op":
            continue
        now = fresh_by.get(entry["address"])
        if now is None or now["action"] != entry["action"]:
            out.append("%s (now: %s)" % (entry["address"], now["action"] if now else "not planned"))
        elif now.get("before") != entry.get("before"):
            out.append("%s (changed in DSS since the plan)" % entry["address"])
    return out


class Applier(object):
    """Applies one plan to one project (see the module docstring)."""

    def __init__(self, engine: Any, config: Any, saved: Any = None, targets: Optional[List[str]] = None,
                 allow_delete: bool = False, lock_timeout: float = 0.0,
                 on_progress: Optional[Callable[[int, int, str], None]] = None) -> None:
        self.engine = engine
        self.client = engine.client
        self.config = config
        self.saved = saved
        self.targets = targets
        self.allow_delete = allow_delete
        self.lock_timeout = lock_timeout
        self.on_progress = on_progress
        self.notes = []  # type: List[str]

    # -- planning --------------------------------------------------------------------------------
    def _plan(self, reuse: Any = None) -> Any:
        """The plan of the configuration; ``reuse``: the plan made before the lock was taken, whose
        unchanged recipes and scenarios need not be read again (``Engine._plan``)."""
        return self.engine._plan(self.config, targets=self.targets, allow_delete=self.allow_delete, reuse=reuse)

    def run(self) -> Result:
        first = self.saved if self.saved is not None else self._plan()
        key = first.doc["metadata"]["project_key"]
        if not first.has_changes:
            return Result(key, plan=first)
        counter = WriteCounter(self.client._session)
        try:
            return self._locked(first, key, counter)
        finally:
            counter.close()

    def _locked(self, first: Any, key: str, counter: WriteCounter) -> Result:
        created_project = self._create_project_first(first, key)
        lock = ProjectLock(self.client, key, operation="apply", timeout=self.lock_timeout)
        lock.acquire()
        try:
            result = self._under_lock(lock, key, created_project, first)
        except BaseException:
            problem = _release(lock)
            if problem:
                log.warning(problem)
            raise
        problem = _release(lock)
        if problem:
            result.notes.append(problem)
        result.writes = counter.count
        return result

    def _under_lock(self, lock: Any, key: str, created_project: bool, first: Any) -> Result:
        """Plan again now that the lock is held; refuse a stale saved plan; apply what is to change."""
        if lock.takeover_message():
            self.notes.append(lock.takeover_message())
        fresh = self._plan(reuse=first if self.saved is None else None)
        if self.saved is not None:
            moved = stale_differences(self.saved, fresh)
            if created_project:
                moved = [m for m in moved if not m.startswith("project ")]
            if moved:
                raise StalePlanError(key, moved)
            keep = {e["address"] for e in self.saved.doc["resource_changes"] if e["action"] != "no-op"}
        else:
            keep = {e["address"] for e in fresh.doc["resource_changes"] if e["action"] != "no-op"}
        if not keep and not created_project:
            # another apply did the work while this one waited for the lock: nothing to do, no
            # state, history entry or checkpoint (only the lock's own two writes were made)
            return Result(key, plan=fresh, notes=self.notes)
        return self._apply(fresh, key, keep, lock, created_project)

    def _create_project_first(self, plan: Any, key: str) -> bool:
        """A project missing from DSS is created before anything else: the lock and the state live in it.
        Creating a project that exists fails in DSS, so two concurrent first applies create it once."""
        entry = next((e for e in plan.doc["resource_changes"] if e["address"] == "project"), None)
        if entry is None or entry["action"] != "create":
            return False
        resolved = plan.context.resolved if plan.context is not None else self.config.resolved()
        owner = resolved.project.owner or (self.client.get_auth_info() or {}).get("authIdentifier")
        def create() -> None:
            self.client.create_project(key, resolved.project.name or key, owner,
                                       description=resolved.project.description)
        tracker = status_tracker(self.client._session)
        try:
            create()
        except Exception as error:  # landed with its answer lost, or created meanwhile by another apply
            transient = steps.transient(error, tracker.status)
            if key in (self.client.list_project_keys() or []):
                return True
            if not transient:
                raise
            create()  # it did not land: one more attempt
        return True

    # -- applying --------------------------------------------------------------------------------
    def _apply(self, plan: Any, key: str, keep: set, lock: Any, created_project: bool) -> Result:
        context = plan.context
        reader = Reader(self.client, self.engine.parallelism)
        ctx = ApplyContext(self.client, key, context.snapshot, context.connection_types, context.resolved,
                           call=reader.call)
        store = StateStore(self.client, key)
        state = store.read()
        me = identity(self.client)
        apply_id = new_apply_id()
        meta = plan.doc["metadata"]
        state.start_apply(me["user"], me.get("host") or socket.gethostname(), meta.get("config_digest"),
                          meta.get("config_source"), apply_id=apply_id)
        entry = state.history_entry(apply_id)
        entry["operation"] = "apply"
        entry["checkpoint_before"] = self._checkpoint(key, apply_id, "before")
        entries = [e for e in plan.doc["resource_changes"] if e["address"] in keep and e["action"] != "no-op"]
        objects = _objects(context.resolved, ctx)
        tasks = self._tasks(entries, objects, ctx, reader)
        results = {}  # type: Dict[str, ResourceResult]
        recorder = _Recorder(state, apply_id, objects)
        recorder.created_project = created_project
        done = [0]

        writer = StateWriter(store, state)

        def on_done(task: Task) -> None:
            e = task.entry
            operation = "create" if created_project and e["address"] == "project" else e["action"]
            results[e["address"]] = ResourceResult(e["address"], e["kind"], e["name"], operation, task.status,
                                                   _error_text(task.error), task.duration)
            with writer.lock:
                recorder.record(e, task)
            done[0] += 1
            if self.on_progress is not None:
                self.on_progress(done[0], len(tasks), "%s %s: %s" % (operation, e["address"], task.status))

        def between() -> None:
            """While work remains: the state written in the background (everything finished since the
            last write goes in the next one), the lock's lease extended when a third of it has gone."""
            if recorder.dirty:
                recorder.dirty = False
                writer.changed()
            if _lease_third_gone(lock):
                lock.refresh()

        try:
            run_graph(tasks, self.engine.parallelism, on_done, between)
        finally:
            writer.close()
        ordered = [results[t.entry["address"]] for t in tasks]
        outcome = Result(key, "apply", apply_id, ordered, plan=plan, notes=self.notes)
        if created_project and "project" not in results:  # created before the lock (which lives in it)
            outcome.results.insert(0, ResourceResult("project", "project", key, "create", "succeeded"))
        recorder.adopt_unchanged(plan.doc["resource_changes"], keep)
        for gone in plan.doc.get("not_deleted") or []:  # removed from the file and from DSS: forgotten
            if gone.get("reason") == GONE and state.remove_resource(gone["address"]) is not None:
                recorder.dirty = True
        # the "after" checkpoint is the commit that holds this final state: its tag is made next
        entry["checkpoint_after"] = TAG % (apply_id, "after")
        # what this apply deleted: no longer in the state, but managed by the tool (for the rollback plan)
        entry["deleted"] = [r.address for r in outcome.results if r.operation == "delete" and r.status == "succeeded"]
        state.end_apply(apply_id, _overall(outcome), outcome.counts)
        writer.write(attempts=4)
        self._checkpoint(key, apply_id, "after")
        return outcome

    def _tasks(self, entries: List[Dict[str, Any]], objects: Dict[str, Any], ctx: ApplyContext,
               reader: Reader) -> List[Task]:
        creating_project = any(e["address"] == "project" and e["action"] == "create" for e in entries)
        tasks = []
        deletes = [e for e in entries if e["action"] == "delete"]
        others = [e for e in entries if e["action"] != "delete"]
        for e in others:
            needs = list(e.get("depends_on") or [])
            if e["address"] != "project" and creating_project:
                needs.append("project")
            task = Task(e["address"], needs, _runner(e, objects.get(e["address"]), ctx, reader), e)
            tasks.append(task)
        before = [t.key for t in tasks]
        for kind in DELETE_ORDER:
            batch = [e for e in deletes if e["kind"] == kind]
            for e in batch:
                task = Task(e["address"], list(before), _runner(e, None, ctx, reader), e)
                tasks.append(task)
            before = before + [e["address"] for e in batch]
        return tasks

    def _checkpoint(self, key: str, apply_id: str, when: str) -> Optional[str]:
        """Commit pending changes (only when there are some) and tag HEAD; the commit id, None when the
        project's git cannot be used (noted in the result: rollback to this point is then impossible)."""
        try:
            return checkpoint(self.client.get_project(key).get_project_git(), "apply", apply_id, when)
        except Exception as error:  # noqa: BLE001 - a checkpoint is worth a note, not a failed apply
            self.notes.append("no git checkpoint %s apply %s (%s): rollback to this point is not possible"
                              % (when, apply_id, steps._message(error)))
            return None


class StateWriter(object):
    """Writes the state from a background thread while resources run, so the scheduler never waits
    for it: whatever finished since the last write goes in the next one. ``lock`` guards the state
    between the scheduler (recording) and the writer (serialising); the request itself is sent
    outside it. A failed background write is logged and left to the next one; ``write`` (the final
    write, with retries) reports."""

    def __init__(self, store: StateStore, state: Any) -> None:
        self.store = store
        self.state = state
        self.lock = threading.Lock()
        self._wake = threading.Event()
        self._stopping = False
        self._thread = threading.Thread(target=self._loop, name="dataiku-framework-state", daemon=True)
        self._thread.start()

    def changed(self) -> None:
        self._wake.set()

    def _loop(self) -> None:
        while True:
            self._wake.wait()
            if self._stopping:
                return
            self._wake.clear()
            try:
                self._once()
            except Exception as error:  # noqa: BLE001 - the final write tries again, and reports
                log.warning("project %s: the state could not be written after a resource (%s); retried later",
                            self.store.project_key, steps._message(error))

    def _once(self) -> None:
        with self.lock:
            doc, text = self.store.prepare(self.state)
        self.store.send(self.state, doc, text)

    def close(self) -> None:
        """Stop the background thread once its write in progress (if any) is done."""
        self._stopping = True
        self._wake.set()
        self._thread.join()

    def write(self, attempts: int = 1) -> None:
        """Write now, tried ``attempts`` times in all on a transient failure or a 500 (``dss.policy``;
        rewriting the whole file is idempotent): a retry after a lost answer is checked first (see
        ``StateStore.send``). Any other error (a state DSS holds in a newer format, a refusal) is not
        retried."""
        DEFAULT_POLICY.with_attempts(attempts).call_dss(self.store.client, self._once, idempotent=True)


def _release(lock: Any) -> Optional[str]:
    """Release the lock, retried per the policy (``ProjectLock.release_or_explain``); None once
    released, else what to tell (the lock stays held until its lease ends, or ``unlock``)."""
    return lock.release_or_explain()


def _lease_third_gone(lock: Any) -> bool:
    """Whether a third of the lock's lease has passed since it was last written (time to refresh)."""
    from ..state.dssfiles import parse_time, utc_now
    record = lock.record
    expires = parse_time(getattr(record, "expires_at", None)) if record is not None else None
    return expires is not None and (expires - utc_now()).total_seconds() < lock.lease * 2 / 3


def _objects(resolved: Any, ctx: ApplyContext) -> Dict[str, Any]:
    """address -> (handler, name, config object) for every configured resource."""
    out = {}
    for handler in BY_KIND.values():
        for name, obj in handler.configured(resolved):
            out[handler.address(name)] = (handler, name, obj)
    return out


def _runner(entry: Dict[str, Any], found: Any, ctx: ApplyContext, reader: Reader) -> Callable[[], int]:
    """The function applying one plan entry (returns the write requests it sent)."""
    action, kind, name = entry["action"], entry["kind"], entry["name"]
    handler = BY_KIND[kind]

    def status() -> Optional[int]:
        return reader.last.status

    def run() -> int:
        if action == "delete":
            return steps.delete(handler, ctx, name, bool(entry.get("drop_data")))
        _, _, obj = found
        desired = handler.desired(obj, ctx)
        if action == "create":
            return steps.create(handler, ctx, name, obj, desired, status)
        if action == "replace":
            if _lifecycle(obj, "prevent_destroy"):
                raise steps.ResourceError("%s has lifecycle.prevent_destroy: it cannot be replaced (%s); remove "
                                          "prevent_destroy to allow it" % (entry["address"], entry.get("reason")),
                                          exists=True)
            sent = steps.delete(handler, ctx, name, bool(_lifecycle(obj, "drop_data_on_destroy")))
            return sent + steps.create(handler, ctx, name, obj, desired, status)
        live = handler.read(ctx.snapshot).get(name)
        return steps.update(handler, ctx, name, obj, desired, live)
    return run


def _lifecycle(obj: Any, field: str) -> bool:
    return bool(getattr(getattr(obj, "lifecycle", None), field, False))


class _Recorder(object):
    """Keeps the state in step with what each finished resource did to DSS."""

    def __init__(self, state: Any, apply_id: str, objects: Dict[str, Any]) -> None:
        self.state = state
        self.apply_id = apply_id
        self.objects = objects
        self.dirty = False
        self.created_project = False

    def record(self, entry: Dict[str, Any], task: Task) -> None:
        address, action = entry["address"], entry["action"]
        error = task.error
        if task.status == "skipped":
            return
        if action == "delete":
            if task.status == "succeeded":
                self.state.remove_resource(address)
                self.dirty = True
            return
        created = action in ("create", "replace") or (address == "project" and self.created_project)
        if task.status == "succeeded" or getattr(error, "holds_desired", False):
            self._put(entry, entry.get("after"), created if created else None)
        elif created and (getattr(error, "exists", None) or getattr(error, "unknown", False)):
            # created, not complete (or perhaps created: unknown): the next apply reads DSS and completes it
            self._put(entry, None, True)
        elif created and getattr(error, "exists", None) is False and action == "replace":
            self.state.remove_resource(address)
            self.dirty = True

    def adopt_unchanged(self, entries: List[Dict[str, Any]], keep: set) -> None:
        """Resources this apply left unchanged, with no (or an outdated) record: recorded as they are
        now applied, so the next plan can tell drift from a configuration change for them too."""
        for entry in entries:
            if entry["action"] != "no-op":
                continue
            held = self.state.resource(entry["address"])
            if held is None or held.get("canonical") != entry.get("after"):
                created = True if entry["address"] == "project" and self.created_project else None
                self._put(entry, entry.get("after"), created)

    def _put(self, entry: Dict[str, Any], canonical: Any, created: Optional[bool]) -> None:
        found = self.objects.get(entry["address"])
        obj = found[2] if found else None
        record = self.state.record_resource(entry["address"], entry["kind"], entry["name"], canonical, self.apply_id,
                                            created_by_tool=created,
                                            prevent_destroy=_lifecycle(obj, "prevent_destroy"))
        record["drop_data_on_destroy"] = _lifecycle(obj, "drop_data_on_destroy")
        self.dirty = True


def _overall(outcome: Result) -> str:
    if outcome.succeeded:
        return "succeeded"
    return "partial" if any(r.status == "succeeded" for r in outcome.results) else "failed"


def _error_text(error: Optional[BaseException]) -> Optional[str]:
    return None if error is None else steps._message(error)
