"""One apply: lock, re-plan under the lock (refusing a stale saved plan), checkpoint, run the
resources along the dependency graph, record the state as it goes, checkpoint, unlock.

Why in this order:

- Nothing is written when the plan has no changes: no lock, no state, no checkpoint (a scheduled
  apply of an unchanged configuration leaves no trace in DSS or in its git history).
- The plan is computed again once the lock is held: what was reviewed is applied only if DSS and
  the state still are as the plan saw them; otherwise ``StalePlanError`` lists what moved.
- The state is written in the background while work remains, at most once a second (``StateWriter``),
  and once at the end with the history entry closed, so a crash loses at most the resources in
  flight and those finished in the last second (the next apply adopts them), and a one-resource
  apply writes the state once.
- The project git history gets a tag before and after (``dataiku-framework-<apply id>-before`` /
  ``-after``), the points rollback returns to. Rollback depends on the "before" one, so when it
  cannot be made the apply stops there (``CheckpointError``), unless checkpoints were turned off.
- A cancellation event (``cancel``: Ctrl-C, SIGTERM) stops the scheduling: the resources in flight
  finish (within a bound), the state is written with the history entry closed ``interrupted``, and
  the lock is released.
- A lock whose refresh fails between batches is checked: still ours, the apply goes on (and the
  refresh is tried again); taken over, the scheduling stops and the state is NOT written (it is the
  new holder's): what was done goes to a local recovery file (``recovery``) that the next apply
  merges.
"""
import logging
import socket
import threading
import time
from typing import Any, Callable, Dict, List, Optional

from ..config.secrets import RedactingFilter
from ..dss.policy import DEFAULT as DEFAULT_POLICY
from ..dss.rights import is_dss_admin
# SHOWN_DIFFERENCES and differences_text stay importable from here, their first home
from ..plan.compare_plans import SHOWN_DIFFERENCES, differences_text, entry_differences, normal_metadata  # noqa: F401
from ..plan.deletes import DELETE_ORDER, GONE
from ..plan.document import check_appliable
from ..plan.refresh import Reader, status_tracker
from ..resources import BY_KIND, registry
from ..resources.kind import ApplyContext
from ..resources.project import create_project, grants_write
from ..state import LockLost, ProjectLock, StateStore, identity, new_apply_id
from . import recovery
from . import resource as steps
from .checkpoint import TAG, checkpoint
from .executor import NotStarted, OutcomeUnknown, Task, run_graph
from .result import COUNTED, ResourceResult, Result


log = logging.getLogger(__name__)
log.addFilter(RedactingFilter())  # DSS error texts quote what they were sent


def made_with_project(entry: Dict[str, Any]) -> bool:
    """Whether ``entry`` is the project or one of its parts (variables, code envs, folder: the kinds
    whose section is in ``project``). When this apply created the project, those came into being
    with it: the plan under the lock, made once the project exists, calls them updates, but they are
    reported and recorded as the creations the reviewed plan showed."""
    try:
        return tuple(registry.get(entry["kind"]).section[:1]) == ("project",)
    except KeyError:
        return False


class StalePlanError(ValueError):
    """A saved (or shown) plan no longer matches what applying its configuration would do now;
    ``changed`` lists every difference (the message shows the first ``SHOWN_DIFFERENCES`` and counts
    the rest), ``fresh`` is the plan made now when there is one (the CLI shows it and asks again)."""

    code = "plan.stale"  #: its ``errors.CATALOGUE`` code, shown in the error line and in --json

    def __init__(self, project_key: str, changed: List[str], fresh: Any = None) -> None:
        self.changed = list(changed)
        self.fresh = fresh
        super().__init__("the plan of project %s is stale, nothing was applied; what changed since it was made: %s. "
                         "Plan again, review, and apply the new plan" % (project_key, differences_text(changed)))


class AccessLossError(ValueError):
    """Applying would take away the applier's own write access to the project, where its state and
    lock live: refused before anything is written."""

    code = "apply.access_loss"  #: its ``errors.CATALOGUE`` code, shown in the error line and in --json


class CheckpointError(RuntimeError):
    """The "before" checkpoint of an apply could not be made: nothing was applied (rollback needs it)."""

    code = "checkpoint.failed"  #: its ``errors.CATALOGUE`` code, shown in the error line and in --json


class ApplyInterrupted(RuntimeError):
    """The apply was cancelled before it changed anything."""

    code = "apply.interrupted"  #: its ``errors.CATALOGUE`` code, shown in the error line and in --json


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


#: the metadata a fresh plan of the same configuration must repeat, with what each one names
METADATA_FIELDS = (("project_key", "the project"), ("dss_url", "the DSS instance"),
                   ("config_digest", "the configuration"))


def stale_differences(saved: Any, fresh: Any, created: bool = False) -> List[str]:
    """Every difference, field by field, between a saved (or shown) plan and the plan of the same
    configuration made now: the project key, the DSS instance, the configuration digest, the state
    it was made against, and every entry (added, removed, or one of ``ENTRY_FIELDS`` differing).

    ``created``: the project was created by this apply since ``saved`` was made (when it did not
    exist). What that creation set (DSS's defaults on a new project: variables, settings, owner,
    permissions...) is not a change made since the plan: for the entries ``saved`` planned to
    create, only what the configuration asks (``after``) must still match; their ``before`` and
    action are what the creation produced."""
    out = []
    meta_s, meta_f = saved.doc.get("metadata") or {}, fresh.doc["metadata"]
    for field, what in METADATA_FIELDS:
        if normal_metadata(field, meta_s.get(field)) != normal_metadata(field, meta_f.get(field)):
            out.append("%s (metadata.%s: the plan's %s, now %s)" % (what, field, _short(meta_s.get(field)),
                                                                   _short(meta_f.get(field))))
    if (meta_s.get("state_serial"), meta_s.get("state_lineage")) != (meta_f.get("state_serial"),
                                                                      meta_f.get("state_lineage")):
        out.append("the state (serial %s, the plan's %s)" % (meta_f.get("state_serial"), meta_s.get("state_serial")))
    return out + entry_differences(saved.doc.get("resource_changes"), fresh.doc["resource_changes"], created)


def _short(value: Any) -> str:
    text = str(value)
    return text[:19] if text.startswith("sha256:") else text


def check_instance(plan: Any, url: str) -> None:
    """Refuse a plan made on another DSS instance than the one ``url`` names (``StalePlanError``)."""
    made_on = (plan.doc.get("metadata") or {}).get("dss_url")
    if made_on and url and normal_metadata("dss_url", made_on) != normal_metadata("dss_url", url):
        raise StalePlanError((plan.doc.get("metadata") or {}).get("project_key"),
                             ["the DSS instance (metadata.dss_url: the plan was made on %s, this apply is "
                              "connected to %s)" % (made_on, url)])


class Applier(object):
    """Applies one plan to one project (see the module docstring).

    ``saved``: a plan to apply only as it is (a saved file, or the plan a person approved): refused
    with ``StalePlanError`` when a fresh plan of its configuration differs (``stale_differences``).
    ``planned``: without ``saved``, the plan of ``config`` this process just made (and showed): used
    instead of planning again before the lock; the plan made under the lock is the one applied."""

    def __init__(self, engine: Any, config: Any, saved: Any = None, targets: Optional[List[str]] = None,
                 allow_delete: bool = False, lock_timeout: float = 0.0,
                 on_progress: Optional[Callable[[int, int, str], None]] = None, planned: Any = None) -> None:
        self.engine = engine
        self.client = engine.client
        self.config = config
        self.saved = saved
        self.planned = planned
        self.targets = targets
        self.allow_delete = allow_delete
        self.lock_timeout = lock_timeout
        self.on_progress = on_progress
        self.notes = []  # type: List[str]
        #: Whether to make the git checkpoints (rollback needs them); off: the apply cannot be rolled back.
        self.checkpoints = True
        #: Set (by a signal handler, another thread) to stop the apply: see the module docstring.
        self.cancel = None  # type: Optional[threading.Event]
        #: Fields added to this apply's history entry when it opens (``stored_plan``: the stored plan
        #: applied), so they are in every state write of the apply, under its one lock.
        self.recorded = {}  # type: Dict[str, Any]

    # -- planning --------------------------------------------------------------------------------
    def _plan(self, reuse: Any = None) -> Any:
        """The plan of the configuration; ``reuse``: the plan made before the lock was taken, whose
        unchanged recipes and scenarios need not be read again (``Engine.plan``'s ``reuse``)."""
        return self.engine.plan(self.config, targets=self.targets, allow_delete=self.allow_delete, reuse=reuse)

    def _first_plan(self) -> Any:
        """The plan made before anything is written. A saved plan read from a file is checked against
        a fresh plan of its configuration first, so that nothing (not even the project, or the lock)
        is written for a plan edited to name another project, or made on another instance."""
        if self.saved is None:
            return self.planned if self.planned is not None else self._plan()
        check_instance(self.saved, self.engine.url)
        if self.saved.context is None:
            check_appliable(self.saved.doc)
        else:
            named, planned = self.saved.doc["metadata"].get("project_key"), self.saved.context.resolved.project.key
            if named != planned:
                raise StalePlanError(named, ["the project (metadata.project_key: the plan's %s, its configuration's %s)"
                                             % (named, planned)])
            if self.config is self.saved.context.config:
                return self.saved  # made by this process from this configuration: checked again under the lock
            # given with another configuration (``config=``): compared with its plan before any write, as a file
        fresh = self._plan()
        moved = stale_differences(self.saved, fresh)
        if moved:
            raise StalePlanError(self.saved.doc["metadata"].get("project_key"), moved, fresh)
        return fresh

    def run(self) -> Result:
        first = self._first_plan()
        key = first.doc["metadata"]["project_key"]
        if not first.has_changes:
            return Result(key, plan=first)
        self._check_access(first, key)
        counter = WriteCounter(self.client._session)
        try:
            return self._locked(first, key, counter)
        finally:
            counter.close()

    def _locked(self, first: Any, key: str, counter: WriteCounter) -> Result:
        created_project = self._create_project_first(first, key)
        if created_project and self.saved is not None:
            first = self._after_creation(first, key)
        lock = ProjectLock(self.client, key, operation="apply", timeout=self.lock_timeout)
        # the plan under the lock is made during the lock's settle delay (it only reads): see ProjectLock.acquire
        lock.acquire(while_settling=_caught(lambda: self._plan(reuse=first)))
        try:
            result = self._under_lock(lock, key, created_project, first)
        except BaseException:
            problem = _release(lock)
            if problem:
                log.warning(problem)
            raise
        problem = _release(lock)
        if problem:
            result.note(problem)
        result.writes = counter.count
        return result

    def _after_creation(self, first: Any, key: str) -> Any:
        """The plan again, right after this apply created the project: what the creation produced
        (DSS's defaults on a new project) is the ``before`` of every entry ``first`` planned to create.
        Those entries must still ask the same (``after``); every other difference is staleness. The
        new plan is what the one under the lock is then compared with, strictly."""
        made = self._plan(reuse=first)
        moved = stale_differences(first, made, created=True)
        if moved:
            raise StalePlanError(key, moved, made)
        return made

    def _under_lock(self, lock: Any, key: str, created_project: bool, first: Any) -> Result:
        """Plan again now that the lock is held; refuse a stale saved plan; apply what is to change."""
        if lock.takeover_message():
            self.notes.append(lock.takeover_message())
        fresh = _uncaught(lock.settled) if lock.settled is not None else self._plan(reuse=first)
        moved = stale_differences(first, fresh, created=created_project and self.saved is None)
        if self.saved is not None and moved:
            raise StalePlanError(key, moved, fresh)
        if moved:
            self.notes.append("the plan changed while this apply waited for the lock (%s): the new plan was applied"
                              % differences_text(moved))
        keep = {e["address"] for e in fresh.doc["resource_changes"] if e["action"] != "no-op"}
        if not keep and not created_project:
            # another apply did the work while this one waited for the lock: nothing to do, no
            # state, history entry or checkpoint (only the lock's own two writes were made)
            return Result(key, plan=fresh, notes=self.notes)
        self._report_creation(fresh, keep, created_project)
        return self._apply(fresh, key, keep, lock, created_project)

    def _report_creation(self, plan: Any, keep: set, created_project: bool) -> None:
        """The project created before the lock counts in the progress, first, when its entry has
        nothing left to write (else its own task reports it as created)."""
        if not created_project or self.on_progress is None or "project" in keep:
            return
        report = self.on_progress
        total = 1 + sum(1 for e in plan.doc["resource_changes"] if e["address"] in keep)
        report(1, total, "create project: succeeded")
        self.on_progress = lambda done, _total, message: report(done + 1, total, message)

    def _check_access(self, plan: Any, key: str) -> None:
        """Refuse, before any write, a configuration whose owner and permissions would leave the
        applier without write access to the project: its state and lock live in the project's
        library, and the apply writes them until its end (and the next apply needs them too). A DSS
        administrator keeps access whatever the project's permissions."""
        project = plan.context.resolved.project if plan.context is not None else self.config.resolved().project
        if not project.owner and not project.permissions:
            return
        info = self.client.get_auth_info() or {}
        me, groups = info.get("authIdentifier"), set(info.get("groups") or [])
        entry = next((e for e in plan.doc["resource_changes"] if e["address"] == "project"), None)
        current = ((entry or {}).get("before") or {}).get("owner")
        owner = project.owner or current or (me if entry is not None and entry["action"] == "create" else None)
        if owner == me or grants_write(project.permissions, me, groups) or is_dss_admin(self.client):
            return
        raise AccessLossError(
            "project %s: applying project.owner (%s) and project.permissions would leave DSS user %s without "
            "write access to the project, where the apply keeps its state and lock; nothing was applied. Add "
            "{user: %s, level: write} (or one of its groups) to project.permissions, or apply with an "
            "administrator's key" % (key, owner or "unchanged", me, me))

    def _create_project_first(self, plan: Any, key: str) -> bool:
        """A project missing from DSS is created before anything else: the lock and the state live in it.
        True when this apply created it. Creating a project that exists fails in DSS, so of concurrent
        first applies one creates it; the others wait for its lock to show (``_await_creator``), so
        that the one that created the project is the one that takes the lock and applies."""
        entry = next((e for e in plan.doc["resource_changes"] if e["address"] == "project"), None)
        if entry is None or entry["action"] != "create":
            return False
        resolved = plan.context.resolved if plan.context is not None else self.config.resolved()
        def create() -> None:
            create_project(self.client, key, resolved.project)
        tracker = status_tracker(self.client._session)
        try:
            create()
        except Exception as error:  # landed with its answer lost, or created meanwhile by another apply
            transient = steps.transient(error, tracker.status)
            if key in (self.client.list_project_keys() or []):
                if transient:
                    return True  # ours landed, its answer lost
                self._await_creator(key)
                return False
            if not transient:
                raise
            create()  # it did not land: one more attempt
        return True

    def _await_creator(self, key: str, bound: float = 10.0) -> None:
        """Another apply created the project a moment ago and is about to take its lock: wait (at most
        ``bound`` seconds) for its lock record to show, so that this apply then meets that lock
        (``LockHeld`` naming it, or a wait with ``lock_timeout``) instead of taking the lock first."""
        from ..state import read_lock
        deadline = time.monotonic() + bound
        while time.monotonic() < deadline:
            try:
                if read_lock(self.client, key) is not None:
                    return
            except Exception:  # noqa: BLE001 - the library may not be readable yet: look again
                pass
            time.sleep(0.05)

    # -- applying --------------------------------------------------------------------------------
    def _apply(self, plan: Any, key: str, keep: set, lock: Any, created_project: bool) -> Result:
        if self._cancelled():
            raise ApplyInterrupted("apply of project %s interrupted before it changed anything" % key)
        context = plan.context
        reader = Reader(self.client, self.engine.parallelism)
        ctx = ApplyContext(self.client, key, context.snapshot, context.connection_types, context.resolved,
                           call=reader.call)
        store = StateStore(self.client, key)
        # the state the plan made under the lock read (its serial is the plan's): not read again
        state = context.state if context.state is not None else store.read()
        recovered = self._recover(state, key)
        apply_id = new_apply_id()
        entry = self._open_entry(state, plan, apply_id, lock)
        entry["checkpoint_before"] = self._checkpoint(key, apply_id, "before")
        entries = [e for e in plan.doc["resource_changes"] if e["address"] in keep and e["action"] != "no-op"]
        objects = _objects(context.resolved, ctx)
        tasks = self._tasks(entries, objects, ctx, reader)
        recorder = _Recorder(state, apply_id, objects, entry)
        recorder.created_project = created_project
        keeper = _LockKeeper(lock)
        writer = StateWriter(store, state)
        results = self._run(tasks, recorder, writer, keeper, created_project)
        done = [t.entry for t in tasks if t.status == "succeeded"]
        for kind in registry.kinds():  # once per apply, after the graph (git_library: refresh on apply)
            kind.after_apply(ctx, done)
        ordered = [results[t.entry["address"]] for t in tasks]
        outcome = Result(key, "apply", apply_id, ordered, plan=plan, notes=self.notes)
        if created_project and "project" not in results:  # created before the lock (which lives in it)
            outcome.results.insert(0, ResourceResult("project", "project", key, "create", "succeeded"))
        # what this apply deleted: no longer in the state, but managed by the tool (for the rollback plan)
        entry["deleted"] = [r.address for r in outcome.results if r.operation == "delete" and r.status == "succeeded"]
        keeper.confirm()
        if keeper.lost is not None:
            return self._lock_lost(outcome, state, entry, keeper.lost)
        if self._cancelled() and any(isinstance(t.error, (NotStarted, OutcomeUnknown)) for t in tasks):
            outcome.stopped = "interrupted"  # (a signal after the last resource ended interrupts nothing)
        recorder.adopt_unchanged(plan.doc["resource_changes"], keep)
        for gone in plan.doc.get("not_deleted") or []:  # removed from the file and from DSS: forgotten
            if gone.get("reason") == GONE and state.remove_resource(gone["address"]) is not None:
                recorder.dirty = True
        # the "after" checkpoint is the commit that holds this final state: its tag is made next
        if self.checkpoints:
            entry["checkpoint_after"] = TAG % (apply_id, "after")
        state.end_apply(apply_id, _overall(outcome), outcome.counts)
        writer.write(attempts=4)
        recovery.discard(recovered)
        known = len(self.notes)
        self._checkpoint(key, apply_id, "after")
        for note in self.notes[known:]:  # (the result holds a copy of the notes made before)
            outcome.note(note)
        return outcome

    def _cancelled(self) -> bool:
        return self.cancel is not None and self.cancel.is_set()

    def _recover(self, state: Any, key: str) -> List[str]:
        """Under the lock: merge the recovery files of applies that lost their lock, then close the
        entries of applies that died (every open entry is, since this apply holds the lock); the
        merged files' paths (removed once the state is written)."""
        paths = []
        for path, doc in recovery.pending(key, self.engine.url):
            recovery.merge(state, doc)
            paths.append(path)
            self.notes.append(recovery.note(path, str(doc.get("apply_id")), len(doc.get("resources") or {})))
        closed = state.close_abandoned(None)
        if closed:
            self.notes.append("closed the history entries of applies that ended without closing them (their process "
                              "died): %s, now 'abandoned' with what the state records of them" % ", ".join(closed))
        return paths

    def _open_entry(self, state: Any, plan: Any, apply_id: str, lock: Any) -> Dict[str, Any]:
        me = identity(self.client)
        meta = plan.doc["metadata"]
        state.start_apply(me["user"], me.get("host") or socket.gethostname(), meta.get("config_digest"),
                          meta.get("config_source"), apply_id=apply_id)
        entry = state.history_entry(apply_id)
        entry["operation"] = "apply"
        entry["lock_id"] = lock.id  # so that history can tell, once this lock is gone, that the apply died
        entry.update(self.recorded)
        return entry

    def _run(self, tasks: List[Task], recorder: "_Recorder", writer: "StateWriter", keeper: "_LockKeeper",
             created_project: bool) -> Dict[str, ResourceResult]:
        """Run the tasks, recording each as it ends; results by address."""
        results = {}  # type: Dict[str, ResourceResult]
        done = [0]

        def on_done(task: Task) -> None:
            e = task.entry
            operation = "create" if created_project and made_with_project(e) else e["action"]
            results[e["address"]] = ResourceResult(e["address"], e["kind"], e["name"], operation, task.status,
                                                   _error_text(task.error), task.duration)
            with writer.lock:
                recorder.record(e, task, operation)
            if isinstance(task.error, NotStarted):
                return  # not shown one by one: the summary counts them
            done[0] += 1
            if self.on_progress is not None:
                self.on_progress(done[0], len(tasks), "%s %s: %s" % (operation, e["address"], task.status))

        def between() -> None:
            """While work remains: the lock's lease extended when a third of it has gone (a lost lock
            stops everything, the state included), then the state written in the background
            (everything finished since the last write goes in the next one)."""
            keeper.keep()
            if keeper.lost is None and recorder.dirty:
                recorder.dirty = False
                writer.changed()

        try:
            run_graph(tasks, self.engine.parallelism, on_done, between,
                      stop=lambda: keeper.lost is not None or self._cancelled())
        finally:
            writer.close()
        return results

    def _lock_lost(self, outcome: Result, state: Any, entry: Dict[str, Any], why: str) -> Result:
        """The lock was taken over: the state is the new holder's, so what this apply did goes to a
        recovery file instead (see ``recovery``)."""
        outcome.stopped = "lock lost"
        state.end_apply(entry["apply_id"], "interrupted", outcome.counts)
        entry["reason"] = "lock lost"
        try:
            path = recovery.write(outcome.project_key, self.engine.url, state, entry, entry["deleted"], why)
            kept = "it is in %s, which the next apply of the project run from this directory merges into the " \
                   "state" % path
        except OSError as error:
            kept = "it could not be written to a recovery file either (%s): the next apply finds the resources " \
                   "in DSS, and adopts them" % error
        outcome.note("%s. The state was not written, so as not to overwrite the new holder's; what this "
                     "apply did: %s; %s" % (why, outcome.summary(), kept))
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
        """Commit pending changes (only when there are some) and tag HEAD; the commit id. Without the
        "before" one the apply stops (``CheckpointError``: rollback returns there); without the "after"
        one (the changes are made) it is noted. None when checkpoints are off."""
        if not self.checkpoints:
            if when == "before":
                self.notes.append("checkpoints are off: apply %s cannot be rolled back" % apply_id)
            return None
        try:
            return checkpoint(self.client.get_project(key).get_project_git(), "apply", apply_id, when)
        except Exception as error:  # noqa: BLE001 - any failure: no checkpoint
            if when == "before":
                raise CheckpointError(
                    "no git checkpoint could be made before apply %s of project %s (%s): nothing was applied, since "
                    "rollback returns to that checkpoint. Repair the project's git, or apply without checkpoints "
                    "(--no-checkpoint; Engine.apply(checkpoint=False)) and give up rollback"
                    % (apply_id, key, steps._message(error)))
            self.notes.append("no git checkpoint %s apply %s (%s): rollback to this point is not possible"
                              % (when, apply_id, steps._message(error)))
            return None


class _LockKeeper(object):
    """Keeps the apply's lock while resources run: refreshes its lease when a third of it has gone,
    and tells (``lost``, the reason) when it is no longer ours. A refresh that fails otherwise (a
    transport error) is followed by one read: the lock still ours, the apply goes on and the refresh
    is tried at the next batch; ``confirm`` checks again before the final state write."""

    def __init__(self, lock: Any) -> None:
        self.lock = lock
        self.lost = None  # type: Optional[str]
        self.doubt = None  # type: Optional[str]

    def keep(self) -> None:
        if self.lost is not None or not _lease_third_gone(self.lock):
            return
        try:
            self.lock.refresh()
            self.doubt = None
        except LockLost as error:
            self.lost = str(error)
        except Exception as error:  # noqa: BLE001 - whether the lock is still ours is checked next
            log.warning("project %s: the lock's lease could not be extended (%s); checking it is still ours",
                        self.lock.project_key, steps._message(error))
            self.doubt = steps._message(error)
            self._check()

    def _check(self) -> bool:
        try:
            self.lock.verify()
            return True
        except LockLost as error:
            self.lost = str(error)
        except Exception as error:  # noqa: BLE001 - cannot tell yet
            self.doubt = steps._message(error)
        return False

    def confirm(self, attempts: int = 3) -> None:
        """Before the final state write, after a failed refresh: make sure the lock is still ours;
        when that cannot be told, it counts as lost (the state may be someone else's now)."""
        from time import sleep  # (local: this module's own imports are being reworked elsewhere)
        if self.lost is not None or self.doubt is None:
            return
        for attempt in range(attempts):
            if self._check() or self.lost is not None:
                return
            sleep(0.2 * (2 ** attempt))
        self.lost = ("the lock %s of project %s could not be checked after its refresh failed (%s)"
                     % (self.lock.id, self.lock.project_key, self.doubt))


class StateWriter(object):
    """Writes the state from a background thread while resources run, so the scheduler never waits
    for it: whatever finished since the last write goes in the next one. ``lock`` guards the state
    between the scheduler (recording) and the writer (serialising); the request itself is sent
    outside it. A failed background write is logged and left to the next one; ``write`` (the final
    write, with retries) reports.

    Throttled in time: at most one background write per ``interval`` seconds of ``clock``
    (Terraform's trade: a crash loses at most the last second of records, and the next apply adopts
    those objects as it finds them in DSS). A change made within the interval is written as soon as
    it ends, not at the next change; ``write`` (the end, and every way out of the apply) is never
    throttled."""

    #: seconds between two background writes
    interval = 1.0
    #: the clock the interval is measured on (a test can stop it)
    clock = staticmethod(time.monotonic)

    def __init__(self, store: StateStore, state: Any) -> None:
        self.store = store
        self.state = state
        self.lock = threading.Lock()
        self._wake = threading.Event()
        self._halt = threading.Event()
        self._last = None  # type: Optional[float]
        self._thread = threading.Thread(target=self._loop, name="dataiku-framework-state", daemon=True)
        self._thread.start()

    def changed(self) -> None:
        self._wake.set()

    def _wait_left(self) -> float:
        """Seconds before the next background write is allowed (0: now)."""
        if self._last is None:
            return 0.0
        return max(0.0, self._last + self.interval - self.clock())

    def _loop(self) -> None:
        while True:
            self._wake.wait()
            if self._halt.is_set():
                return
            left = self._wait_left()
            if left > 0:
                self._halt.wait(min(left, self.interval))
                continue
            self._wake.clear()
            self._last = self.clock()
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
        self._halt.set()
        self._wake.set()
        self._thread.join()

    def write(self, attempts: int = 1) -> None:
        """Write now, tried ``attempts`` times in all on a transient failure or a 500 (``dss.policy``;
        rewriting the whole file is idempotent): a retry after a lost answer is checked first (see
        ``StateStore.send``). Any other error (a state DSS holds in a newer format, a refusal) is not
        retried."""
        DEFAULT_POLICY.with_attempts(attempts).call_dss(self.store.client, self._once, idempotent=True)


class _Failed(object):
    """An exception held as a value (``_caught``), raised again by ``_uncaught``."""

    def __init__(self, error: Exception) -> None:
        self.error = error


def _caught(fn: Callable[[], Any]) -> Callable[[], Any]:
    """``fn`` returning its exception as a ``_Failed`` value instead of raising it: work done inside
    the lock protocol (``ProjectLock.acquire``'s ``while_settling``) must not stop it half-way."""
    def run() -> Any:
        try:
            return fn()
        except Exception as error:  # noqa: BLE001 - raised again by _uncaught, once the lock is held
            return _Failed(error)
    return run


def _uncaught(value: Any) -> Any:
    """The value ``_caught`` kept, its exception raised."""
    if isinstance(value, _Failed):
        raise value.error
    return value


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

    def __init__(self, state: Any, apply_id: str, objects: Dict[str, Any],
                 history_entry: Optional[Dict[str, Any]] = None) -> None:
        self.state = state
        self.apply_id = apply_id
        self.objects = objects
        self.dirty = False
        self.created_project = False
        #: The apply's open history entry, whose counts are kept current: what a process killed
        #: mid-way had done is then in the state it last wrote.
        self.history_entry = history_entry

    def record(self, entry: Dict[str, Any], task: Task, operation: Optional[str] = None) -> None:
        address, action = entry["address"], entry["action"]
        error = task.error
        self._count(operation or action, task)
        if task.status == "skipped":
            return
        if action == "delete":
            if task.status == "succeeded":
                self.state.remove_resource(address)
                self.dirty = True
            return
        created = action in ("create", "replace") or (self.created_project and made_with_project(entry))
        if task.status == "succeeded" or getattr(error, "holds_desired", False):
            self._put(entry, entry.get("after"), created if created else None)
        elif created and (getattr(error, "exists", None) or getattr(error, "unknown", False)):
            # created, not complete (or perhaps created: unknown): the next apply reads DSS and completes it
            self._put(entry, None, True)
        elif created and getattr(error, "exists", None) is False and action == "replace":
            self.state.remove_resource(address)
            self.dirty = True

    def _count(self, operation: str, task: Task) -> None:
        if self.history_entry is None:
            return
        counts = self.history_entry.setdefault("counts", {})
        name = COUNTED.get(operation, "updated") if task.status == "succeeded" else task.status
        counts[name] = counts.get(name, 0) + 1
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
    if outcome.stopped is not None:
        return "interrupted"
    if outcome.succeeded:
        return "succeeded"
    return "partial" if any(r.status == "succeeded" for r in outcome.results) else "failed"


def _error_text(error: Optional[BaseException]) -> Optional[str]:
    return None if error is None else steps._message(error)
