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
