"""Running tasks along a dependency graph: bounded parallelism, failures stop only their dependents.

Why a scheduler of its own rather than the plan's execution groups run one after the other: a group
waits for its slowest member, and a failure in one group would stop every later one. Here a task
starts as soon as its own dependencies succeeded; when one fails, the tasks that depend on it
(directly or not) are skipped, work already in flight finishes, and unrelated work goes on.

The scheduling loop runs in the caller's thread; ``on_done`` is called there, one finished task at a
time, so whatever it records (the state) needs no lock of its own. ``between`` is called after each
batch of finished tasks while work remains (the state write), once new work has been started so the
pool does not wait for it.

``stop`` (a function, asked between batches) stops the scheduling: an interrupted apply (Ctrl-C,
SIGTERM) or one that lost its lock. No new task starts; the tasks not started end ``skipped``; the
tasks in flight get ``grace`` seconds to finish (their requests are not cut mid-way, so what DSS did
is known and recorded); a task still running after that ends ``failed`` as of unknown outcome
(the next apply reconciles it) and its thread is left to end on its own.
"""
import threading
import time
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from typing import Any, Callable, Dict, List, Optional, Sequence


class Task(object):
    """One unit of work: ``run()`` returns normally on success and raises on failure."""

    __slots__ = ("key", "needs", "run", "status", "error", "duration", "value", "entry")

    def __init__(self, key: str, needs: Sequence[str], run: Callable[[], Any], entry: Any = None) -> None:
        self.key = key
        self.entry = entry  # what the caller attaches (the plan entry)
        self.needs = list(needs)
        self.run = run
        self.status = "pending"  # -> succeeded | failed | skipped
        self.error = None  # type: Optional[BaseException]
        self.duration = 0.0
        self.value = None  # type: Any


#: Guards a task's outcome between its thread and a scheduler that gave up waiting for it.
_OUTCOME = threading.Lock()
#: Seconds the tasks in flight get to finish once the scheduling is stopped.
DEFAULT_GRACE = 30.0
#: Seconds between two looks at ``stop`` while tasks are in flight.
_POLL = 0.2


def _timed(task: Task) -> Task:
    started = time.monotonic()
    error = None  # type: Optional[BaseException]
    value = None  # type: Any
    try:
        value = task.run()
    except Exception as failure:  # noqa: BLE001 - every failure is the task's result, reported per resource
        error = failure
    with _OUTCOME:
        if task.status == "running":  # not given up by a stopped scheduler meanwhile
            task.value, task.error = value, error
            task.status = "succeeded" if error is None else "failed"
            task.duration = time.monotonic() - started
    return task


def run_graph(tasks: List[Task], parallelism: int, on_done: Callable[[Task], None],
              between: Optional[Callable[[], None]] = None, stop: Optional[Callable[[], bool]] = None,
              grace: float = DEFAULT_GRACE) -> List[Task]:
    """Run ``tasks`` (dependencies on keys outside ``tasks`` are ignored); every task ends
    succeeded, failed or skipped. The tasks, in their given order. ``stop``: see the module docstring."""
    by_key = {t.key: t for t in tasks}
    needs = {t.key: [n for n in dict.fromkeys(t.needs) if n in by_key and n != t.key] for t in tasks}
    users = {}  # type: Dict[str, List[str]]
    for key, deps in needs.items():
        for dep in deps:
            users.setdefault(dep, []).append(key)
    waiting = {key: len(deps) for key, deps in needs.items()}
    ready = [t.key for t in tasks if waiting[t.key] == 0]
    running = {}  # type: Dict[Any, Task]
    stopped = stop if stop is not None else (lambda: False)
    pool = ThreadPoolExecutor(max_workers=max(1, parallelism))
    given_up = False
    try:
        while (ready or running) and not stopped():
            _start(pool, ready, running, by_key, parallelism)
            done, _ = wait(list(running), timeout=_POLL if stop is not None else None, return_when=FIRST_COMPLETED)
            for future in done:
                task = running.pop(future)
                if task.status == "succeeded":
                    for user in users.get(task.key, ()):
                        waiting[user] -= 1
                        if waiting[user] == 0 and by_key[user].status == "pending":
                            ready.append(user)
                else:
                    _skip_dependents(task, users, by_key, on_done)
                on_done(task)
            if stopped():
                break
            _start(pool, ready, running, by_key, parallelism)
            if between is not None and (ready or running):
                between()
        if stopped():
            given_up = _wind_down(tasks, running, on_done, grace)
    finally:
        # threads still running after the grace are not waited for (they end on their own)
        pool.shutdown(wait=not given_up)
    return tasks


def _start(pool: ThreadPoolExecutor, ready: List[str], running: Dict[Any, Task], by_key: Dict[str, Task],
           parallelism: int) -> None:
    while ready and len(running) < max(1, parallelism):
        task = by_key[ready.pop(0)]
        task.status = "running"
        running[pool.submit(_timed, task)] = task


def _wind_down(tasks: List[Task], running: Dict[Any, Task], on_done: Callable[[Task], None], grace: float) -> bool:
    """The scheduling was stopped: the tasks not started are skipped, those in flight get ``grace``
    seconds to finish; any still running then is given up (``failed``, outcome unknown). Whether
    some was."""
    for task in tasks:
        if task.status == "pending":
            task.status = "skipped"
            task.error = NotStarted("not run: the apply was stopped before it started")
            on_done(task)
    done, late = wait(list(running), timeout=grace)
    for future in list(running):
        task = running.pop(future)
        if future not in done:
            with _OUTCOME:
                if task.status == "running":
                    task.status = "failed"
                    task.error = OutcomeUnknown("still running %.0f s after the apply was stopped: what it did is "
                                              "unknown; the next apply reconciles it" % grace)
        on_done(task)
    return bool(late)


def _skip_dependents(failed: Task, users: Dict[str, List[str]], by_key: Dict[str, Task],
                     on_done: Callable[[Task], None]) -> None:
    todo = list(users.get(failed.key, ()))
    while todo:
        key = todo.pop()
        task = by_key[key]
        if task.status != "pending":
            continue
        task.status = "skipped"
        task.error = SkippedError("not run: it depends on %s, which %s" % (
            failed.key, "failed" if failed.status == "failed" else "was skipped"))
        on_done(task)
        todo.extend(users.get(key, ()))


class SkippedError(Exception):
    """Why a task did not run (a dependency failed)."""


class NotStarted(SkippedError):
    """The task did not run: the scheduling was stopped first."""


class OutcomeUnknown(Exception):
    """The task was still running when the scheduler stopped waiting for it (see ``run_graph``)."""
