"""Running tasks along a dependency graph: bounded parallelism, failures stop only their dependents.

Why a scheduler of its own rather than the plan's execution groups run one after the other: a group
waits for its slowest member, and a failure in one group would stop every later one. Here a task
starts as soon as its own dependencies succeeded; when one fails, the tasks that depend on it
(directly or not) are skipped, work already in flight finishes, and unrelated work goes on.

The scheduling loop runs in the caller's thread; ``on_done`` is called there, one finished task at a
time, so whatever it records (the state) needs no lock of its own. ``between`` is called after each
batch of finished tasks while work remains (the state write), once new work has been started so the
pool does not wait for it.
"""
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


def _timed(task: Task) -> Task:
    started = time.monotonic()
    try:
        task.value = task.run()
        task.status = "succeeded"
    except Exception as error:  # noqa: BLE001 - every failure is the task's result, reported per resource
        task.status = "failed"
        task.error = error
    task.duration = time.monotonic() - started
    return task


def run_graph(tasks: List[Task], parallelism: int, on_done: Callable[[Task], None],
              between: Optional[Callable[[], None]] = None) -> List[Task]:
    """Run ``tasks`` (dependencies on keys outside ``tasks`` are ignored); every task ends
    succeeded, failed or skipped. The tasks, in their given order."""
    by_key = {t.key: t for t in tasks}
    needs = {t.key: [n for n in dict.fromkeys(t.needs) if n in by_key and n != t.key] for t in tasks}
    users = {}  # type: Dict[str, List[str]]
    for key, deps in needs.items():
        for dep in deps:
            users.setdefault(dep, []).append(key)
    waiting = {key: len(deps) for key, deps in needs.items()}
    ready = [t.key for t in tasks if waiting[t.key] == 0]
    running = {}  # type: Dict[Any, Task]
    with ThreadPoolExecutor(max_workers=max(1, parallelism)) as pool:
        while ready or running:
            while ready and len(running) < max(1, parallelism):
                task = by_key[ready.pop(0)]
                running[pool.submit(_timed, task)] = task
            done, _ = wait(list(running), return_when=FIRST_COMPLETED)
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
            while ready and len(running) < max(1, parallelism):
                task = by_key[ready.pop(0)]
                running[pool.submit(_timed, task)] = task
            if between is not None and (ready or running):
                between()
    return tasks


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
