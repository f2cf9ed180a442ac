"""The state and lock files are read with the retry policy: one transient failure of a read (a
dropped connection, a 503 from a proxy) does not fail the command, or the apply, that reads them."""
import pytest

from dataiku_framework.state import ProjectLock, StateStore, read_lock

READ_FAULTS = [{"drop_nth_read": 1}, {"fail_nth_read": 1, "fail_status": 503},
               {"fail_nth_read": 2, "fail_status": 502}, {"drop_nth_read": 2}]


@pytest.fixture
def written(client, project):
    """P1 with a state and a released lock record, both in the library."""
    store = StateStore(client, "P1")
    state = store.read()
    state.record_resource("dataset.RAW", "dataset", "RAW", {"type": "Filesystem"}, "A1")
    store.write(state)
    lock = ProjectLock(client, "P1", settle=0.0)
    lock.acquire()
    lock.release()
    return store


@pytest.mark.parametrize("fault", READ_FAULTS)
def test_state_read_survives_a_transient_read_fault(emulator, client, written, fault):
    emulator.faults.configure(dict(fault, path_contains="/libraries"))
    state = StateStore(client, "P1").read()
    hit = [e for e in emulator.stats.snapshot()["log"] if e.get("fault")]
    emulator.faults.clear()
    assert hit and not hit[0]["write"]  # the fault did hit a read
    assert "dataset.RAW" in state.resources


@pytest.mark.parametrize("fault", READ_FAULTS)
def test_lock_read_and_acquire_survive_a_transient_read_fault(emulator, client, written, fault):
    emulator.faults.configure(dict(fault, path_contains="/libraries"))
    assert read_lock(client, "P1") is None
    emulator.faults.configure(dict(fault, path_contains="/libraries"))
    lock = ProjectLock(client, "P1", settle=0.0)
    lock.acquire(timeout=0)
    emulator.faults.configure(dict(fault, path_contains="/libraries"))
    assert lock.verify().id == lock.id
    emulator.faults.configure(dict(fault, path_contains="/libraries"))
    assert lock.release() is True
    emulator.faults.clear()
    assert read_lock(client, "P1") is None


def test_a_read_that_keeps_failing_still_fails(emulator, client, written):
    """Retries are bounded: a DSS that keeps failing is reported, not waited on for ever."""
    emulator.faults.configure({"fail_nth_read": 1, "fail_count": 50, "fail_status": 503,
                               "path_contains": "/libraries"})
    with pytest.raises(Exception):
        StateStore(client, "P1").read()
    failed = [e for e in emulator.stats.snapshot()["log"] if e.get("fault")]
    emulator.faults.clear()
    assert len(failed) == 4  # the policy's attempts, no more


@pytest.mark.parametrize("fault", [{"fail_nth_write": 1, "fail_status": 503}, {"drop_nth_write": 1},
                                   {"fail_nth_read": 1, "fail_status": 502}])
def test_a_lock_refresh_survives_a_transient_fault(emulator, client, written, fault):
    """refresh() (read the token, write the new lease) is tried again as a whole per the policy."""
    lock = ProjectLock(client, "P1", settle=0.0)
    lock.acquire(timeout=0)
    before = lock.record.expires_at
    emulator.faults.configure(dict(fault, path_contains="lock.json"))
    record = lock.refresh()
    hit = [e for e in emulator.stats.snapshot()["log"] if e.get("fault")]
    emulator.faults.clear()
    assert hit and lock.held and record.expires_at >= before
    assert read_lock(client, "P1").id == lock.id and lock.release()
