"""Rollback and its lock (issue 14, section 8): a failed release never replaces the rollback's own
error, and no second holder can keep the lock the revert made look free, through Engine against the
emulator (its git revert restores the lock file's older text, as DSS's does)."""
import logging

import pytest
from dataikuapi.dss.project import DSSProjectGit

from dataiku_framework.config import FrameworkConfig
from dataiku_framework.engine import Engine
from dataiku_framework.state import LockLost, ProjectLock, read_lock
from dataiku_framework.state import lock as lock_module

KEY = "RB_LOCK"
CONFIG = 'version: "1.0"\nproject: {key: RB_LOCK, name: Rollback lock, description: %s}\n'


@pytest.fixture
def engine(client):
    """KEY applied twice (the emulator's git keeps each apply's checkpoints), ready to roll back."""
    if KEY in client.list_project_keys():
        client.get_project(KEY).delete()
    engine = Engine(client=client)
    assert engine.apply(FrameworkConfig.from_yaml(CONFIG % "one")).succeeded
    assert engine.apply(FrameworkConfig.from_yaml(CONFIG % "two")).succeeded
    return engine


def _rollback_raises(engine, error_type):
    """Roll back, expecting ``error_type`` (the lock's warnings are expected: not shown)."""
    logging.disable(logging.WARNING)
    try:
        with pytest.raises(error_type) as error:
            engine.rollback(KEY)
    finally:
        logging.disable(logging.NOTSET)
    return error.value


def _during_revert(monkeypatch, action):
    """Run ``action()`` right after DSS reverted (a timing hook on the real call)."""
    real = DSSProjectGit.revert_to_revision

    def revert(self, revision):
        answer = real(self, revision)
        action()
        return answer
    monkeypatch.setattr(DSSProjectGit, "revert_to_revision", revert)


def test_a_failed_release_never_replaces_the_rollbacks_own_error(emu, engine, monkeypatch):
    class Refused(Exception):
        pass

    def fail():
        # every later read and write of the lock fails (the release too, however often it is tried)
        emu.faults.configure({"fail_nth_write": 1, "fail_nth_read": 1, "fail_count": 1000, "path_contains": "lock.json"})
        raise Refused("the revert failed")
    _during_revert(monkeypatch, fail)
    _rollback_raises(engine, Refused)
    emu.faults.clear()


def test_no_second_holder_while_the_revert_restores_an_old_lock_file(emu, engine, monkeypatch):
    """Another acquirer takes the lock the revert made look free (the undone apply's record, expired,
    or a released one): the rollback must leave it to them, not write its own record over theirs."""
    other = ProjectLock(engine.client, KEY, operation="apply", settle=0.05)

    def take():
        assert other.acquire(timeout=0)
    # the record the revert restores is the undone apply's: let its lease end, so it is stale
    monkeypatch.setattr(lock_module.LockRecord, "expired", lambda self, now=None: True)
    _during_revert(monkeypatch, take)
    _rollback_raises(engine, LockLost)
    monkeypatch.undo()
    assert other.held and read_lock(engine.client, KEY).id == other.id
    assert other.verify().id == other.id
    assert other.release()


def test_the_rollback_verifies_its_lock_before_the_revert(emu, engine, monkeypatch):
    """The protocol's remaining race (state/lock.py): another acquirer overwrote the record just
    after the rollback took it. verify() before the revert stops the rollback before it changes
    anything, and the other holder keeps the lock."""
    from dataiku_framework.apply import rollback as rollback_module
    from dataiku_framework.state.dssfiles import LibraryDocument
    real = rollback_module.checkpoint

    def checkpoint(git, operation, apply_id, when):
        out = real(git, operation, apply_id, when)
        if when == "before":  # the other acquirer's write lands now, over the rollback's record
            document = LibraryDocument(engine.client, KEY, "lock.json")
            doc = document.read_document()
            document.write_document(dict(doc, id="another-holder", operation="apply"))
        return out
    monkeypatch.setattr(rollback_module, "checkpoint", checkpoint)
    reverted = []
    _during_revert(monkeypatch, lambda: reverted.append(1))
    _rollback_raises(engine, LockLost)
    assert reverted == []  # nothing was reverted
    assert read_lock(engine.client, KEY).id == "another-holder"  # and the other holder keeps the lock


@pytest.mark.parametrize("fault", [{"fail_nth_write": 1, "fail_status": 503}, {"drop_nth_write": 1}])
def test_the_rollbacks_state_write_is_retried_per_the_policy(emu, engine, monkeypatch, fault):
    """The state write after the revert meets a transient failure: retried (one policy), the rollback
    succeeds and is recorded."""
    _during_revert(monkeypatch, lambda: emu.faults.configure(dict(fault, path_contains="state.json")))
    result = engine.rollback(KEY)
    hit = [e for e in emu.stats.snapshot()["log"] if e.get("fault")]
    emu.faults.clear()
    assert result.succeeded and hit and "state.json" in hit[0]["path"]
    assert engine.history(KEY)[0]["operation"] == "rollback"
