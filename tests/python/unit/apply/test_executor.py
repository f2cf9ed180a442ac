"""The apply scheduler: dependencies first, bounded parallelism, a failure stops only its dependents."""
import threading
import time

from dataiku_framework.apply.executor import Task, run_graph


def _recording(log, key, fail=False, delay=0.0):
    def run():
        time.sleep(delay)
        log.append(key)
        if fail:
            raise RuntimeError("%s broke" % key)
        return key
    return run


def test_dependencies_run_before_their_users_and_every_task_ends():
    log, done = [], []
    tasks = [Task("c", ["b"], _recording(log, "c")), Task("b", ["a"], _recording(log, "b")),
             Task("a", [], _recording(log, "a")), Task("x", ["outside"], _recording(log, "x"))]
    run_graph(tasks, 4, lambda t: done.append(t.key))
    assert log.index("a") < log.index("b") < log.index("c")
    assert sorted(done) == ["a", "b", "c", "x"] and all(t.status == "succeeded" for t in tasks)


def test_a_failure_skips_its_dependents_transitively_and_nothing_else():
    log = []
    tasks = [Task("a", [], _recording(log, "a", fail=True)), Task("b", ["a"], _recording(log, "b")),
             Task("c", ["b"], _recording(log, "c")), Task("d", [], _recording(log, "d", delay=0.05))]
    seen = {}
    run_graph(tasks, 2, lambda t: seen.setdefault(t.key, t.status))
    assert seen == {"a": "failed", "b": "skipped", "c": "skipped", "d": "succeeded"}
    assert "b" not in log and "c" not in log
    assert "depends on a, which failed" in str(tasks[1].error)
    assert str(tasks[0].error) == "a broke"


def test_work_in_flight_finishes_after_a_failure():
    log = []
    tasks = [Task("slow", [], _recording(log, "slow", delay=0.2)), Task("bad", [], _recording(log, "bad", fail=True))]
    run_graph(tasks, 2, lambda t: None)
    assert tasks[0].status == "succeeded" and "slow" in log


def test_parallelism_is_bounded():
    running, peak, lock = [0], [0], threading.Lock()

    def work():
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
        time.sleep(0.02)
        with lock:
            running[0] -= 1
    run_graph([Task(str(i), [], work) for i in range(12)], 3, lambda t: None)
    assert peak[0] == 3


def test_between_runs_only_while_work_remains():
    calls = []
    tasks = [Task("a", [], lambda: None), Task("b", ["a"], lambda: None)]
    run_graph(tasks, 2, lambda t: calls.append("done " + t.key), lambda: calls.append("between"))
    assert calls == ["done a", "between", "done b"]


def test_a_stop_starts_nothing_more_and_lets_the_tasks_in_flight_finish():
    """Once ``stop`` answers yes: the tasks in flight end with their own outcome, the others are
    skipped as not started, and ``between`` is not called again."""
    from dataiku_framework.apply.executor import NotStarted
    log, done, stop = [], [], threading.Event()
    gate = threading.Event()

    def slow():
        stop.set()  # the stop arrives while this task runs
        gate.wait(5)
        log.append("slow")
        return "slow"
    tasks = [Task("slow", [], slow)] + [Task("t%d" % i, [], _recording(log, "t%d" % i)) for i in range(6)]
    threading.Timer(0.3, gate.set).start()
    run_graph(tasks, 1, lambda t: done.append(t.key), lambda: done.append("between"), stop=stop.is_set)
    assert tasks[0].status == "succeeded" and log == ["slow"]
    assert all(t.status == "skipped" and isinstance(t.error, NotStarted) for t in tasks[1:])
    assert sorted(done) == sorted(t.key for t in tasks)  # every task reported once, no "between"


def test_a_task_still_running_after_the_grace_ends_as_of_unknown_outcome():
    """The wait for the tasks in flight is bounded: one still running is given up (failed, outcome
    unknown), and what it does afterwards does not change its reported outcome."""
    from dataiku_framework.apply.executor import OutcomeUnknown
    release, started, seen = threading.Event(), threading.Event(), []

    def stuck():
        started.set()
        release.wait(10)
        return "late"
    tasks = [Task("stuck", [], stuck)]
    run_graph(tasks, 2, lambda t: seen.append(t.status), stop=started.is_set, grace=0.2)
    release.set()
    time.sleep(0.1)
    assert seen == ["failed"] and tasks[0].status == "failed" and isinstance(tasks[0].error, OutcomeUnknown)
    assert "unknown" in str(tasks[0].error) and tasks[0].value is None
