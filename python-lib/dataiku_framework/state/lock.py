"""The project lock: one apply or rollback per project at a time, across the CLI, macros, scenario
steps and the webapp.

The lock record is kept in DSS, in the project library (``dataiku-framework/lock.json``, beside the
state), so every client of the project sees it. A held record names its holder::

    {"format_version": 1, "status": "held", "id": <unique token>, "user": <DSS login>, "host", "pid",
     "operation": "apply" | "rollback" | ..., "acquired_at", "expires_at", ["replaced": <stale record>]}

Releasing rewrites the file as ``{"status": "released", "released_at", "released_by", "forced",
"previous": <the record>}`` rather than deleting it, so the next acquire is one write request. The
record holds the DSS login of the key, never the key.

Protocol. DSS offers no compare-and-swap, so acquiring is:

1. read the record; if it is held by someone else and not expired, the lock is busy;
2. otherwise (absent, released, or stale: past its ``expires_at``) write our own record with a fresh
   unique token;
3. wait the settle delay (``settle``, default 0.5 s);
4. read the record back: our token still there means we hold the lock; another token means another
   acquirer wrote after us and won; we back off and wait (or fail at once, ``timeout=0``).

Of concurrent acquirers whose writes land within one settle delay, the last writer wins and all the
others see its token on read-back.

The window that remains: acquirer B reads the lock as free *before* A's write lands, and B's own
write lands *after* A's read-back. A has then seen its token and holds the lock, B overwrites it,
sees its own token and holds it too. That needs B's read-to-write gap (normally one request, a few
milliseconds) to exceed the settle delay: a process stalled (GC, swapping, a suspended VM) or a
request held up in the network for longer than the settle delay between its read and its write. A
longer settle delay narrows it; nothing short of a compare-and-swap in DSS closes it. ``verify()``
(a read) checks that our token is still there, so the overwritten holder notices at its next check
(``LockLost``) instead of carrying on. Where it is called: a rollback verifies before its git
revert (the one step that cannot be undone by the next apply) and after taking the lock back
(``reclaim``); an apply checks at every ``refresh()`` between batches (a refresh reads the token
first, ``_check_mine``), so an overwritten apply stops at its next refresh.

A lease bounds a holder that died: a record past its ``expires_at`` (default 15 minutes after the last
``acquire``/``refresh``) is stale; the next acquirer takes it over, logs whose lock it replaced and
keeps it in its own record (``replaced``). A long operation calls ``refresh()`` well within the lease;
a holder whose lease ran out does not refresh (it raises ``LockLost``), since someone may have taken
over. Expiry compares ``expires_at`` (written from the holder's clock) with the reader's clock:
leases must be much longer than the clock skew between machines.

``release()`` removes only its own lock (token checked); a transport error while releasing propagates
and leaves the lock held (``release()`` may be called again). An acquire that fails after its write
was sent (the write may have landed with its answer lost) releases its own token if it finds it, so
no record that nobody owns blocks the project for a whole lease. ``unlock(client, project_key, lock_id)``
force-releases the lock with that id, for a holder that is gone, and refuses any other id, naming
the current holder.
"""
import logging
import random
import time
import uuid
from datetime import timedelta
from typing import Any, Callable, Dict, Optional

from ..config.printable import printable
from ..config.secrets import RedactingFilter
from ..dss.policy import RetryPolicy, is_transient, status_tracker
from .dssfiles import LibraryDocument, format_time, identity, parse_time, split_major, utc_now

FORMAT_VERSION = 1
FILE_NAME = "lock.json"
DEFAULT_LEASE = 15 * 60.0
DEFAULT_SETTLE = 0.5
DEFAULT_POLL = 2.0
#: Attempts in a row that may find the lock free yet lose it before giving up (timeout permitting).
_FREE_RETRIES = 5
#: The fields of a held record that name the holder.
HOLDER_FIELDS = ("id", "user", "host", "pid", "operation", "acquired_at", "expires_at")

log = logging.getLogger(__name__)
log.addFilter(RedactingFilter())  # DSS error texts quote what they were sent


class LockError(Exception):
    """The lock cannot be used as asked (unreadable record, wrong id, not held...)."""

    code = "lock.error"  #: its ``errors.CATALOGUE`` code, shown in the error line and in --json


class LockHeld(LockError):
    """Someone else holds the lock; ``holder`` is their record."""

    code = "lock.held"  #: its ``errors.CATALOGUE`` code, shown in the error line and in --json

    def __init__(self, project_key: str, holder: "LockRecord", waited: float = 0.0) -> None:
        self.project_key = project_key
        self.holder = holder
        self.waited = waited
        after = " after waiting %.1f s" % waited if waited > 0 else ""
        super().__init__("project %s is locked%s: %s. Wait for it to end; if that process is gone, the lock "
                         "expires at %s, or release it with unlock %s"
                         % (project_key, after, holder.describe(), holder.expires_at, holder.id))


class LockLost(LockError):
    """The lock this process held is no longer its own (expired, taken over, or force-released)."""

    code = "lock.lost"  #: its ``errors.CATALOGUE`` code, shown in the error line and in --json


class LockRecord(object):
    """A held lock as read from DSS."""

    def __init__(self, doc: Dict[str, Any]) -> None:
        self.doc = doc
        self.id = str(doc.get("id"))
        self.user = doc.get("user")
        self.host = doc.get("host")
        self.pid = doc.get("pid")
        self.operation = doc.get("operation")
        self.acquired_at = doc.get("acquired_at")
        self.expires_at = doc.get("expires_at")
        replaced = doc.get("replaced")
        self.replaced = LockRecord(replaced) if isinstance(replaced, dict) else None

    def expired(self, now: Any = None) -> bool:
        """True past ``expires_at`` (an unreadable ``expires_at`` counts as expired: no lease, no claim)."""
        expires = parse_time(self.expires_at)
        return expires is None or (now or utc_now()) >= expires

    def describe(self) -> str:
        """Who holds the lock, for messages: lock.json is any project writer's to edit, so shown, never obeyed."""
        return printable("held by %s on host %s (pid %s) for %s since %s, lock id %s"
                         % (self.user, self.host, self.pid, self.operation, self.acquired_at, self.id), one_line=True)

    def holder(self) -> Dict[str, Any]:
        return {k: self.doc.get(k) for k in HOLDER_FIELDS}

    def __repr__(self) -> str:
        return "LockRecord(%s)" % self.describe()


def _record_of(doc: Any, project_key: str) -> Optional[LockRecord]:
    """The held record in ``doc``, None when the lock is free (no file, empty, released)."""
    if doc is None:
        return None
    try:
        split_major(doc, "lock record", project_key, FORMAT_VERSION)
    except ValueError as exc:
        raise LockError("%s; the lock is left as it is" % exc)
    status = doc.get("status")
    if status == "released":
        return None
    if status != "held" or not isinstance(doc.get("id"), str):
        raise LockError("the lock record of project %s is not readable (status %r); check that no apply is "
                        "running, then fix or remove library file %s/%s"
                        % (project_key, status, "dataiku-framework", FILE_NAME))
    return LockRecord(doc)


def _read(client: Any, project_key: str, document: Optional[LibraryDocument] = None) -> Any:
    """(the lock file's document, its record). ``document``: the one this process last read or wrote
    the file through (a holder's checks and release), read straight without listing the library."""
    document = document or LibraryDocument(client, project_key, FILE_NAME)
    try:
        doc = document.read_document()
    except ValueError as exc:
        raise LockError("%s; check that no apply is running, then fix or remove it" % exc)
    return document, _record_of(doc, project_key)


def read_lock(client: Any, project_key: str) -> Optional[LockRecord]:
    """The record of the lock on ``project_key`` (stale ones included: see ``expired()``), None when free."""
    return _read(client, project_key)[1]


def _released(record: Optional[LockRecord], user: str, forced: bool) -> Dict[str, Any]:
    return {"format_version": FORMAT_VERSION, "status": "released", "released_at": format_time(utc_now()),
            "released_by": user, "forced": forced, "previous": record.holder() if record else None}


def unlock(client: Any, project_key: str, lock_id: str) -> LockRecord:
    """Force-release the lock ``lock_id`` of ``project_key`` (its holder is gone); the released record.

    Refuses (``LockError``) when the project is not locked, or locked under another id (naming its
    holder): only the lock one means to release is ever removed."""
    document, current = _read(client, project_key)
    if current is None:
        raise LockError("project %s is not locked (lock id %s is not held)" % (project_key, lock_id))
    if current.id != lock_id:
        raise LockError("lock id %s is not the lock of project %s, which is %s; nothing was released"
                        % (lock_id, project_key, current.describe()))
    me = identity(client)
    document.write_document(_released(current, me["user"], True))
    log.warning("lock %s of project %s (%s) force-released by %s", lock_id, project_key, current.describe(),
                me["user"])
    return current


class ProjectLock(object):
    """The lock of ``project_key`` for ``operation``, acquired through the ``dataikuapi`` ``client``.

    ``lease``: seconds a held lock stays valid without ``refresh()``; ``settle``: the settle delay of
    the protocol; ``poll``: mean seconds between attempts while waiting (randomised +-50%).
    Usable as a context manager (``with ProjectLock(c, "P1", timeout=30):`` acquires, then releases).
    """

    def __init__(self, client: Any, project_key: str, operation: str = "apply", lease: float = DEFAULT_LEASE,
                 settle: float = DEFAULT_SETTLE, poll: float = DEFAULT_POLL, timeout: float = 0.0,
                 rng: Optional[random.Random] = None, policy: Optional[RetryPolicy] = None) -> None:
        if lease <= 0 or settle < 0 or poll <= 0 or timeout < 0:
            raise ValueError("lease and poll must be positive, settle and timeout non-negative")
        self.client = client
        self.project_key = project_key
        self.operation = operation
        self.lease = float(lease)
        self.settle = float(settle)
        self.poll = float(poll)
        self.timeout = float(timeout)
        self.rng = rng or random.Random()
        #: retries and the poll's jitter (``dss.policy``; its rng is this lock's)
        self.policy = policy or RetryPolicy(rng=self.rng)
        self._tracker = status_tracker(client._session)
        self.id = None  # type: Optional[str]
        self.record = None  # type: Optional[LockRecord]
        #: The stale lock this one took over, if any.
        self.replaced = None  # type: Optional[LockRecord]
        #: what ``acquire``'s ``while_settling`` returned in the winning attempt
        self.settled = None  # type: Any
        self._me = None  # type: Optional[Dict[str, Any]]
        #: the lock file as this holder wrote it: its checks and release read it straight (no listing)
        self._document = None  # type: Optional[LibraryDocument]

    @property
    def held(self) -> bool:
        return self.id is not None

    def _identity(self) -> Dict[str, Any]:
        if self._me is None:
            self._me = identity(self.client)
        return self._me

    def _held_doc(self, token: str, acquired_at: str, replaced: Optional[LockRecord]) -> Dict[str, Any]:
        me = self._identity()
        doc = {"format_version": FORMAT_VERSION, "status": "held", "id": token, "user": me["user"],
               "host": me["host"], "pid": me["pid"], "operation": self.operation, "acquired_at": acquired_at,
               "expires_at": format_time(utc_now() + timedelta(seconds=self.lease))}
        if replaced is not None:
            doc["replaced"] = replaced.holder()
        return doc

    def acquire(self, timeout: Optional[float] = None,
                while_settling: Optional[Callable[[], Any]] = None) -> LockRecord:
        """Take the lock, waiting up to ``timeout`` seconds (default: the constructor's; 0 = fail at
        once); our record. ``LockHeld`` names the holder when it stays busy. A transient failure of
        an attempt (``dss.policy``) abandons that attempt's token and starts again from the read,
        never re-sending the write alone: a write sent late is the protocol's race window.

        ``while_settling``: read-only work done during the settle delay instead of sleeping (the
        read-back waits for it, so the delay is never shorter). It starts once the attempt's record
        is written: when the attempt wins, nobody else held the lock from that moment on, so what it
        read is as good as a read made once the lock is held. The winning attempt's value is
        ``settled`` (a losing attempt's is dropped; it must not raise: the protocol would stop)."""
        if self.held:
            raise LockError("this lock on project %s is already held (lock id %s)" % (self.project_key, self.id))
        timeout = self.timeout if timeout is None else float(timeout)
        self._identity()
        started = time.monotonic()
        free_losses = 0
        delays = self.policy.delays()
        while True:
            try:
                won, holder = self._attempt(while_settling)
            except Exception as error:  # noqa: BLE001 - transient ones are tried again, per the policy
                if not delays or not is_transient(error, self._tracker.status):
                    raise
                self.policy.sleep(delays.pop(0))
                continue
            if won is not None:
                return won
            waited = time.monotonic() - started
            if holder is None:
                # Free again on read-back (the winner already released, or an unlock): try again.
                free_losses += 1
                if free_losses <= _FREE_RETRIES or waited < timeout:
                    continue
                raise LockError("the lock of project %s kept changing hands; try again" % self.project_key)
            remaining = timeout - waited
            if remaining <= 0:
                raise LockHeld(self.project_key, holder, waited if timeout > 0 else 0.0)
            self.policy.pause(self.poll, remaining)

    def _attempt(self, while_settling: Optional[Callable[[], Any]] = None) -> Any:
        """One read, write, settle, read-back: (our record, None) when won, else (None, the holder)."""
        self._tracker.status = None
        self.settled = None
        document, current = _read(self.client, self.project_key)
        if current is not None and not current.expired():
            return None, current
        token = uuid.uuid4().hex
        try:
            document.write_document(self._held_doc(token, format_time(utc_now()), current))
            self._document = document
            written = time.monotonic()
            value = while_settling() if while_settling is not None else None
            left = self.settle - (time.monotonic() - written)
            if left > 0:
                time.sleep(left)
            back = _read(self.client, self.project_key, document)[1]
        except BaseException:
            failed = self._tracker.status  # the failed request's status, before _abandon's requests
            self._abandon(token)
            self._tracker.status = failed
            raise
        if back is not None and back.id == token:
            self.settled = value
            return self._won(back, current), None
        return None, back

    def _abandon(self, token: str) -> None:
        """After a failed attempt (its write may have landed with the answer lost), release the lock
        if it holds ``token``, so no record nobody owns blocks the project for a whole lease. Best
        effort: the original error is what the caller sees."""
        try:
            document, current = _read(self.client, self.project_key)
            if current is not None and current.id == token:
                document.write_document(_released(current, self._identity()["user"], False))
        except Exception as exc:  # noqa: BLE001 - the failure being raised matters more
            log.warning("project %s: could not check or release lock %s after a failed acquire (%s); if it is "
                        "held, it expires at the end of its lease or can be released with unlock %s",
                        self.project_key, token, exc.__class__.__name__, token)

    def _won(self, record: LockRecord, replaced: Optional[LockRecord]) -> LockRecord:
        self.id = record.id
        self.record = record
        self.replaced = replaced
        if replaced is not None:
            log.warning("project %s: took over a stale lock (expired at %s), %s", self.project_key,
                        replaced.expires_at, replaced.describe())
        return record

    def takeover_message(self) -> Optional[str]:
        """What the takeover replaced, for the user; None when the lock was free."""
        if self.replaced is None:
            return None
        return ("took over the stale lock of project %s (expired at %s), %s"
                % (self.project_key, self.replaced.expires_at, self.replaced.describe()))

    def _check_mine(self) -> Any:
        if not self.held:
            raise LockError("the lock of project %s is not held by this process" % self.project_key)
        document, current = _read(self.client, self.project_key, self._document)
        if current is None or current.id != self.id:
            lost_id = self.id
            self.id = None
            now = "free" if current is None else current.describe()
            raise LockLost("the lock %s of project %s is no longer held by this process (released by unlock, taken "
                           "over after it expired, or overwritten by a concurrent acquirer); the lock is now %s"
                           % (lost_id, self.project_key, now))
        return document, current

    def verify(self) -> LockRecord:
        """Check (one read) that our token is still the lock's; ``LockLost`` otherwise."""
        return self._check_mine()[1]

    def refresh(self) -> LockRecord:
        """Extend the lease to ``lease`` seconds from now (one read, one write; the pair tried again
        on a transient failure); ``LockLost`` when the lock is no longer ours or its lease already
        ran out (someone may be taking it over)."""
        return self.policy.call_dss(self.client, self._refresh_once)

    def _refresh_once(self) -> LockRecord:
        document, current = self._check_mine()
        if current.expired():
            self.id = None
            raise LockLost("the lock %s of project %s expired at %s before it was refreshed; it is given up"
                           % (current.id, self.project_key, current.expires_at))
        doc = self._held_doc(current.id, current.acquired_at, current.replaced)
        document.write_document(doc)
        self.record = LockRecord(doc)
        return self.record

    def reassert(self) -> LockRecord:
        """Write our held record again, whatever the file now says (one write). For the holder
        after an operation that rewrote the project's files under it, when nobody else can have
        acted in between; ``reclaim`` when someone may have (a git revert): never to take a lock
        someone else holds."""
        if not self.held or self.record is None:
            raise LockError("the lock of project %s is not held by this process" % self.project_key)
        doc = self._held_doc(self.id, self.record.acquired_at, self.replaced)
        LibraryDocument(self.client, self.project_key, FILE_NAME).write_document(doc)
        self.record = LockRecord(doc)
        return self.record

    def reclaim(self) -> LockRecord:
        """Take the lock back after an operation that brought back an older text of the lock file
        under us (a git revert restores the record of the apply being undone, often expired, or a
        released one): between the revert and this call another acquirer may have taken it. The
        file is read: a record acquired after ours can only be a new holder's (``LockLost``, it is
        left alone); an older one is the restored text. Ours is then written, and checked after the
        settle delay as ``acquire`` does, so of the two the last writer holds it and the other knows."""
        if not self.held or self.record is None:
            raise LockError("the lock of project %s is not held by this process" % self.project_key)
        ours = parse_time(self.record.acquired_at)
        _, current = _read(self.client, self.project_key)
        if current is not None and current.id != self.id:
            theirs = parse_time(current.acquired_at)
            if theirs is None or ours is None or theirs > ours:
                return self._lost(current)
        record = self.reassert()
        if self.settle:
            time.sleep(self.settle)
        self.verify()
        return record

    def _lost(self, current: LockRecord) -> LockRecord:
        lost_id, self.id = self.id, None
        raise LockLost("the lock %s of project %s was taken by another holder while its file was rewritten (%s); it "
                       "is left to them" % (lost_id, self.project_key, current.describe()))

    def release(self) -> bool:
        """Release the lock if it is still ours (token checked); True when released. A lock that is no
        longer ours (expired and taken over, force-released) is left alone: False, never an error, so
        a ``finally`` can always call it."""
        if not self.held:
            return False
        token = self.id
        document, current = _read(self.client, self.project_key, self._document)
        if current is None or current.id != token:
            self.id = None
            log.warning("project %s: lock %s was no longer ours at release (the lock is %s); left alone",
                        self.project_key, token, "free" if current is None else current.describe())
            return False
        document.write_document(_released(current, self._identity()["user"], False))
        self.id = None
        return True

    def __enter__(self) -> "ProjectLock":
        self.acquire()
        return self

    def release_or_explain(self) -> Optional[str]:
        """Release, a failed release tried again per the policy (``release`` checks the token first,
        so a retry after a release that landed with its answer lost finds the lock free and stops).
        None once released (or no longer ours); else what to tell the user: the lock stays held
        until its lease ends, or ``unlock``. Never raises, so an error on its way out stays the one
        reported."""
        token = self.id
        try:
            self.policy.call_dss(self.client, self.release, idempotent=True)
            return None
        except Exception as error:  # noqa: BLE001
            text = (str(error).strip().splitlines() or [error.__class__.__name__])[0][:300]
            return ("the lock %s of project %s could not be released (%s): it expires at the end of its lease, or "
                    "release it now with: dss-framework unlock %s %s"
                    % (token, self.project_key, text, self.project_key, token))

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if exc_type is None:
            self.release()
            return
        # An error is already on its way out: a failed release must not replace it.
        problem = self.release_or_explain()
        if problem:
            log.warning("project %s: %s", self.project_key, problem)
