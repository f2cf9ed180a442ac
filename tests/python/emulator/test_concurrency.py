"""Parallel clients: 8 threads of the real client reading and writing one project.

A parallel plan or apply will be built on this: no object may be lost or torn, the request
counters must be exact, and the n-th-write fault must hit the same write every run.
"""
import threading

import pytest
from dataikuapi.utils import DataikuException

from emusupport import ADMIN_KEY, fs_dataset

THREADS = 8
PER_THREAD = 4


class Traffic:
    """Counts what the clients really sent, from the answers their sessions received."""

    def __init__(self):
        self.lock = threading.Lock()
        self.reads = 0
        self.writes = 0

    def client(self, emulator):
        client = emulator.client(ADMIN_KEY)
        client._session.hooks["response"].append(self._count)
        return client

    def _count(self, response, *args, **kwargs):
        with self.lock:
            if response.request.method == "GET":
                self.reads += 1
            else:
                self.writes += 1


def _run_threads(target):
    """Run ``target(i)`` in 8 threads released together; re-raise the first error of any thread."""
    barrier = threading.Barrier(THREADS)
    failures = []

    def body(i):
        try:
            barrier.wait(10)
            target(i)
        except Exception as e:  # collected and re-raised below, in the test's thread
            failures.append(e)
    threads = [threading.Thread(target=body, args=(i,)) for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not any(t.is_alive() for t in threads), "a client thread hung"
    return failures


def _stamp(settings, writer, round_):
    """One full, self-consistent body: every field names the same writer and round."""
    raw = settings.get_raw()
    raw["description"] = "w%d-r%d" % (writer, round_)
    raw["customFields"] = {"writer": writer, "round": round_}
    raw["tags"] = ["w%d" % writer, "r%d" % round_]
    return settings


def _is_consistent(raw):
    fields = raw.get("customFields") or {}
    if not fields:
        return raw.get("description", "") == "" and not raw.get("tags")
    return (raw["description"] == "w%d-r%d" % (fields["writer"], fields["round"])
            and sorted(raw["tags"]) == sorted(["w%d" % fields["writer"], "r%d" % fields["round"]]))


def test_parallel_readers_and_writers_lose_and_tear_nothing(emulator, project):
    fs_dataset(project, "shared")
    emulator.stats.reset()
    traffic = Traffic()
    torn = []

    def work(i):
        p = traffic.client(emulator).get_project("P1")
        for j in range(PER_THREAD):
            fs_dataset(p, "t%d_%d" % (i, j))
            _stamp(p.get_dataset("shared").get_settings(), i, j).save()
            seen = p.get_dataset("shared").get_settings().get_raw()
            if not _is_consistent(seen):
                torn.append(seen)
            own = p.get_dataset("t%d_%d" % (i, j)).get_settings()
            _stamp(own, i, j).save()

    assert _run_threads(work) == []
    stats = emulator.stats.snapshot()       # before the checks below add their own reads
    assert torn == []
    names = sorted(d["name"] for d in project.list_datasets())
    assert names == sorted(["shared"] + ["t%d_%d" % (i, j) for i in range(THREADS) for j in range(PER_THREAD)])
    for i in range(THREADS):
        for j in range(PER_THREAD):
            raw = project.get_dataset("t%d_%d" % (i, j)).get_settings().get_raw()
            assert raw["customFields"] == {"writer": i, "round": j} and _is_consistent(raw)
    shared = project.get_dataset("shared").get_settings().get_raw()
    assert _is_consistent(shared) and shared["customFields"]["round"] == PER_THREAD - 1

    assert (stats["reads"], stats["writes"]) == (traffic.reads, traffic.writes)
    assert stats["requests"] == traffic.reads + traffic.writes and stats["errors"] == 0
    assert stats["writes"] == THREADS * PER_THREAD * 3
    assert [e["seq"] for e in stats["log"]] == list(range(1, stats["requests"] + 1))


@pytest.mark.parametrize("phase", ["before", "after"])
@pytest.mark.parametrize("nth", [1, 13, THREADS * PER_THREAD])
def test_nth_write_fault_is_deterministic_under_parallel_clients(emulator, project, phase, nth):
    emulator.stats.reset()
    emulator.faults.configure({"fail_nth_write": nth, "fail_phase": phase})
    traffic = Traffic()
    failed = []

    def work(i):
        p = traffic.client(emulator).get_project("P1")
        for j in range(PER_THREAD):
            name = "t%d_%d" % (i, j)
            try:
                fs_dataset(p, name)
            except DataikuException as e:
                failed.append((name, str(e)))

    assert _run_threads(work) == []
    assert len(failed) == 1 and "Injected fault" in failed[0][1]
    writes = [e for e in emulator.stats.snapshot()["log"] if e["write"]]
    assert len(writes) == THREADS * PER_THREAD == traffic.writes
    assert [k for k, e in enumerate(writes, 1) if e.get("fault")] == [nth]
    assert [e["status"] for e in writes].count(500) == 1 and writes[nth - 1]["status"] == 500
    names = {d["name"] for d in project.list_datasets()}
    assert (failed[0][0] in names) == (phase == "after")
    assert len(names) == THREADS * PER_THREAD - (0 if phase == "after" else 1)
