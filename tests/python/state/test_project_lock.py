"""The project lock, through real dataikuapi clients (in threads) against the emulator."""
import json
import logging
import random
import socket
import threading
import time

import pytest

from emusupport import ADMIN_KEY, ANALYST_KEY
from dataiku_framework.dss.policy import RetryPolicy
from dataiku_framework.state import LockError, LockHeld, LockLost, ProjectLock, read_lock, unlock

PATH = "/dataiku-framework/lock.json"
LIB_WRITE = "POST /projects/{projectKey}/libraries/contents/{path*}"
SETTLE = 0.05
#: The contention test's settle delay: its margin over one request (a few ms here) keeps a thread
#: stalled between its read and its write (a loaded CI machine) out of the protocol's race window.
CONTENTION_SETTLE = 0.08
POLL = 0.02


@pytest.fixture
def shared(emulator, client, project):
    """P1 writable by the analyst too: two users who can both lock it."""
    perms = project.get_permissions()
    perms["permissions"].append({"group": "data_team", "readProjectContent": True, "writeProjectContent": True})
    project.set_permissions(perms)
    return emulator.client(ANALYST_KEY)


def _lock(client, **kwargs):
    kwargs.setdefault("settle", SETTLE)
    kwargs.setdefault("poll", POLL)
    return ProjectLock(client, "P1", **kwargs)


def _raw(project):
    return project.get_library().get_file(PATH).read()


def _writes(emulator):
    """(all write requests, library-file write requests) so far."""
    snap = emulator.stats.snapshot(with_log=False)
    return snap["writes"], snap["by_route"].get(LIB_WRITE, 0)


def test_acquire_writes_a_record_naming_the_holder_and_release_frees_it(emulator, client, project):
    lock = _lock(client, operation="rollback")
    record = lock.acquire()
    assert lock.held and record.id == lock.id
    doc = json.loads(_raw(project))
    assert doc["status"] == "held" and doc["id"] == lock.id
    assert (doc["user"], doc["host"], doc["operation"]) == ("admin", socket.gethostname(), "rollback")
    assert isinstance(doc["pid"], int) and doc["acquired_at"] < doc["expires_at"]
    assert ADMIN_KEY not in _raw(project)
    assert read_lock(client, "P1").id == lock.id
    assert lock.release() is True and not lock.held
    assert read_lock(client, "P1") is None
    doc = json.loads(_raw(project))
    assert doc["status"] == "released" and doc["previous"]["id"] == record.id and doc["forced"] is False
    assert lock.release() is False


def test_acquire_and_release_on_an_existing_lock_file_are_one_write_each(emulator, client, project):
    first = _lock(client)
    first.acquire()
    first.release()
    lock = _lock(client)
    writes, lib_writes = _writes(emulator)
    lock.acquire()
    assert _writes(emulator) == (writes + 1, lib_writes + 1)
    lock.release()
    assert _writes(emulator) == (writes + 2, lib_writes + 2)


def test_fail_fast_names_the_holder(client, shared, project):
    holder = _lock(client, operation="apply")
    holder.acquire()
    other = _lock(shared)
    started = time.monotonic()
    with pytest.raises(LockHeld) as e:
        other.acquire(timeout=0)
    assert time.monotonic() - started < 1
    message = str(e.value)
    assert "waiting" not in message
    record = read_lock(client, "P1")
    for part in ("P1", "admin", socket.gethostname(), "apply", record.acquired_at, holder.id):
        assert part in message
    assert e.value.holder.id == holder.id and not other.held
    assert read_lock(client, "P1").id == holder.id


def test_wait_with_timeout_gets_the_lock_after_release(client, shared):
    holder = _lock(client)
    holder.acquire()
    timer = threading.Timer(0.3, holder.release)
    timer.start()
    try:
        waiter = _lock(shared)
        started = time.monotonic()
        waiter.acquire(timeout=10)
        assert 0.25 < time.monotonic() - started < 5
        assert read_lock(client, "P1").user == "analyst"
    finally:
        timer.join()
    assert waiter.release()


def test_wait_times_out_naming_the_holder(client, shared):
    holder = _lock(client)
    holder.acquire()
    started = time.monotonic()
    with pytest.raises(LockHeld, match="after waiting") as e:
        _lock(shared).acquire(timeout=0.3)
    assert 0.3 <= time.monotonic() - started < 3
    assert e.value.holder.user == "admin"


def test_stale_lock_is_taken_over_saying_whose_it_was(client, shared, project, caplog):
    old = _lock(client, lease=1.0, operation="apply")  # not expired at the next line, even on a loaded machine
    held = old.acquire()
    with pytest.raises(LockHeld):
        _lock(shared).acquire(timeout=0)
    while not held.expired():
        time.sleep(0.05)
    new = _lock(shared, operation="rollback")
    with caplog.at_level(logging.WARNING, logger="dataiku_framework.state.lock"):
        new.acquire(timeout=0)
    assert new.replaced.id == old.id and new.replaced.user == "admin"
    assert old.id in new.takeover_message() and "admin" in new.takeover_message()
    assert any(old.id in r.getMessage() and "stale" in r.getMessage() for r in caplog.records)
    doc = json.loads(_raw(project))
    assert doc["id"] == new.id and doc["replaced"]["id"] == old.id and doc["replaced"]["user"] == "admin"
    # the old holder can neither refresh nor release the lock it lost
    with pytest.raises(LockLost, match=new.id):
        old.refresh()
    assert old.release() is False
    assert read_lock(client, "P1").id == new.id


def test_refresh_extends_the_lease(client, shared):
    lock = _lock(client, lease=2.0)  # margins of about a second either side: a loaded machine keeps them
    first = lock.acquire()
    time.sleep(1.0)
    refreshed = lock.refresh()
    assert refreshed.expires_at > first.expires_at and refreshed.acquired_at == first.acquired_at
    while not first.expired():              # past the first lease...
        time.sleep(0.05)
    assert not refreshed.expired()          # ...within the refreshed one
    with pytest.raises(LockHeld):
        _lock(shared).acquire(timeout=0)
    assert lock.verify().id == lock.id


def test_expired_lease_is_not_refreshed(client, project):
    lock = _lock(client, lease=0.1)
    lock.acquire()
    time.sleep(0.15)
    with pytest.raises(LockLost, match="expired"):
        lock.refresh()
    assert not lock.held


def test_unlock_by_id(client, shared, project):
    holder = _lock(client)
    holder.acquire()
    with pytest.raises(LockError) as e:
        unlock(shared, "P1", "0123456789abcdef")
    assert holder.id in str(e.value) and "admin" in str(e.value) and "nothing was released" in str(e.value)
    assert read_lock(client, "P1").id == holder.id
    released = unlock(shared, "P1", holder.id)
    assert released.id == holder.id and read_lock(client, "P1") is None
    doc = json.loads(_raw(project))
    assert doc["forced"] is True and doc["released_by"] == "analyst" and doc["previous"]["id"] == holder.id
    with pytest.raises(LockError, match="not locked"):
        unlock(shared, "P1", holder.id)
    with pytest.raises(LockLost):
        holder.verify()


def test_release_never_removes_someone_elses_lock(client, shared):
    holder = _lock(client)
    holder.acquire()
    stranger = _lock(shared)
    assert stranger.release() is False                  # never acquired
    assert read_lock(client, "P1").id == holder.id
    unlock(client, "P1", holder.id)
    taker = _lock(shared)
    taker.acquire()
    assert holder.release() is False                    # force-released, and now someone else's
    assert read_lock(client, "P1").id == taker.id
    assert taker.release() is True


def test_context_manager_and_double_acquire(client, project):
    with _lock(client) as lock:
        assert read_lock(client, "P1").id == lock.id
        with pytest.raises(LockError, match="already held"):
            lock.acquire()
    assert read_lock(client, "P1") is None


@pytest.mark.parametrize("doc", [{"format_version": 2, "status": "held", "id": "x"},
                                 {"format_version": 1, "status": "weird"}, "{oops"])
def test_unreadable_or_newer_lock_is_not_taken_over(client, project, doc):
    library = project.get_library()
    library.add_file("dataiku-framework/lock.json").write(doc if isinstance(doc, str) else json.dumps(doc))
    with pytest.raises(LockError) as e:
        _lock(client).acquire(timeout=0)
    assert "P1" in str(e.value)
    assert not isinstance(e.value, LockHeld)
    if isinstance(doc, dict) and doc["format_version"] == 2:
        assert "format version 2" in str(e.value) and "format version 1" in str(e.value)
    assert _raw(project) == (doc if isinstance(doc, str) else json.dumps(doc))


def _contend(emulator, rng, timeout):
    """Two acquirers (admin and analyst, each with its own client) start at once with random jitter.
    What each did, and the most holders seen at once. In fail-fast trials a holder keeps the lock
    until the other's attempt is over, so "the other fails" does not depend on thread timing."""
    clients = [emulator.client(ADMIN_KEY), emulator.client(ANALYST_KEY)]
    jitter = [rng.uniform(0, 0.03) for _ in clients]
    barrier = threading.Barrier(2)
    attempted = [threading.Event(), threading.Event()]
    guard = threading.Lock()
    state = {"holding": 0, "max": 0}
    outcomes = [None, None]

    def run(i):
        try:
            attempt(i)
        except Exception as exc:                 # noqa: BLE001 - reported by the test, not lost in a thread
            outcomes[i] = ("error", repr(exc))

    def attempt(i):
        lock = _lock(clients[i], settle=CONTENTION_SETTLE, poll=POLL, rng=random.Random(rng.random()))
        barrier.wait()
        time.sleep(jitter[i])
        try:
            lock.acquire(timeout=timeout)
        except LockHeld as exc:
            outcomes[i] = ("held", exc)
            return
        finally:
            attempted[i].set()
        token = lock.id
        with guard:
            state["holding"] += 1
            state["max"] = max(state["max"], state["holding"])
        try:
            if timeout == 0:
                attempted[1 - i].wait(10)
            time.sleep(0.01)                     # the work done under the lock
            lock.verify()
        finally:
            with guard:
                state["holding"] -= 1
            released = lock.release()
        outcomes[i] = ("ran", token, released)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return outcomes, state["max"]


def test_two_acquirers_at_once_fifty_times(emulator, client, shared):
    rng = random.Random(20261201)
    users = ("admin", "analyst")
    winners = set()
    for trial in range(50):
        fail_fast = trial % 2 == 0
        outcomes, most = _contend(emulator, rng, 0 if fail_fast else 10)
        assert None not in outcomes and all(o[0] != "error" for o in outcomes), "trial %d: %r" % (trial, outcomes)
        assert most == 1, "trial %d: two holders at once" % trial
        ran = [i for i, o in enumerate(outcomes) if o[0] == "ran"]
        assert all(outcomes[i][2] is True for i in ran), "trial %d: a release found someone else's lock" % trial
        if fail_fast:
            assert len(ran) == 1, "trial %d: %r" % (trial, outcomes)
            winner = ran[0]
            error = outcomes[1 - winner][1]
            assert error.holder.user == users[winner] and error.holder.id == outcomes[winner][1]
            assert users[winner] in str(error) and outcomes[winner][1] in str(error)
            winners.add(winner)
        else:
            assert ran == [0, 1], "trial %d: the waiter did not get the lock: %r" % (trial, outcomes)
        assert read_lock(client, "P1") is None
    assert winners == {0, 1}


def test_a_key_named_by_dss_as_the_identity_never_reaches_the_record(client, project, monkeypatch):
    """Should DSS name the key itself as the identity (a global key without a user), the record still
    does not carry it: the login is masked with the client's key and redacted."""
    real = client.get_auth_info

    def naming_the_key(*args, **kwargs):
        info = real(*args, **kwargs)
        info["authIdentifier"] = "apikey:" + client.api_key
        return info

    monkeypatch.setattr(client, "get_auth_info", naming_the_key)
    lock = _lock(client)
    lock.acquire()
    text = _raw(project)
    assert client.api_key not in text and "apikey:***" in text
    lock.release()
    assert client.api_key not in _raw(project)


@pytest.mark.parametrize("fault", [{"drop_nth_write": 1, "fail_phase": "after"},
                                   {"fail_nth_write": 1, "fail_status": 503, "fail_phase": "after"},
                                   {"fail_nth_write": 1, "fail_phase": "before"}])
def test_a_failed_acquire_leaves_no_orphan_lock(emulator, client, project, fault):
    """The write of an acquire may land with its answer lost: the record nobody owns is released
    at once, not left to block the project for a whole lease. A transient failure (a dropped
    connection, a 503) is then tried again from the read, per the retry policy, and the lock is
    taken under a new token; a 500 (DSS's own error) is not retried: the caller gets it."""
    seed = _lock(client)
    seed.acquire()
    seed.release()
    emulator.faults.configure(dict(fault, path_contains="lock.json"))
    emulator.stats.reset()
    lock = _lock(client)
    if "drop_nth_write" in fault or fault.get("fail_status") == 503:
        lock.acquire(timeout=0)
        emulator.faults.clear()
        assert lock.held and read_lock(client, "P1").id == lock.id
        released = [e for e in emulator.stats.snapshot()["log"] if e["write"] and "lock.json" in e["path"]]
        assert len(released) == 3  # the faulted write, the release of its orphan token, the winning write
        assert lock.release()
    else:
        with pytest.raises(Exception) as e:
            lock.acquire(timeout=0)
        assert not isinstance(e.value, LockError)       # the transport error itself, for the caller to classify
        emulator.faults.clear()
    assert not lock.held
    assert read_lock(client, "P1") is None
    other = _lock(client)
    other.acquire(timeout=0)
    assert other.release()


def test_a_failed_release_keeps_the_lock_and_can_be_retried(emulator, client, project):
    lock = _lock(client)
    lock.acquire()
    emulator.faults.configure({"fail_nth_write": 1, "path_contains": "lock.json"})
    with pytest.raises(Exception):
        lock.release()
    emulator.faults.clear()
    assert lock.held and read_lock(client, "P1").id == lock.id
    assert lock.release() is True and read_lock(client, "P1") is None


def test_with_block_error_is_not_replaced_by_a_failed_release(emulator, client, project):
    """The release is tried again per the retry policy (one failed write is absorbed); when every
    attempt fails, the block's own error is the one raised and the lock stays held."""
    lock = _lock(client, policy=RetryPolicy(sleep=lambda s: None))
    with pytest.raises(ZeroDivisionError):
        with lock:
            emulator.faults.configure({"fail_nth_write": 1, "path_contains": "lock.json"})
            1 / 0
    emulator.faults.clear()
    assert not lock.held and read_lock(client, "P1") is None
    lock = _lock(client, policy=RetryPolicy(sleep=lambda s: None))
    with pytest.raises(ZeroDivisionError):
        with lock:
            emulator.faults.configure({"fail_nth_write": 1, "fail_count": 99, "path_contains": "lock.json"})
            1 / 0
    emulator.faults.clear()
    assert lock.held and read_lock(client, "P1").id == lock.id
    assert lock.release() is True


def test_a_holder_reads_its_lock_file_straight_and_still_sees_it_removed(emulator, client, project):
    """The holder's checks and release read the file it wrote without listing the library (one read
    each); a file removed meanwhile is still seen as a lost lock (the failed read is followed by a
    listing, which shows it absent), never as ours."""
    lock = _lock(client)
    lock.acquire()
    emulator.stats.reset()
    lock.verify()
    routes = emulator.stats.snapshot(with_log=False)["by_route"]
    assert routes == {"GET /projects/{projectKey}/libraries/contents/{path*}": 1}, routes
    project.get_library().get_file(PATH).delete()
    with pytest.raises(LockLost, match="the lock is now free"):
        lock.verify()
    assert lock.release() is False
