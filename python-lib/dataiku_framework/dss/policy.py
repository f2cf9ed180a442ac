"""The one retry policy of every DSS call: what is worth another attempt, how long to wait, how often.

Why one module: a shared production DSS behind a proxy answers 502/503/504 or drops a connection now
and then. Reads of the plan, the apply's writes and existence checks, the state and lock files, the
lock's release and its poll while waiting all meet the same blips; each used to decide on its own
(seven copies, some without any retry). Here is the single answer:

- transient: a reset, refused or timed-out connection, or an HTTP 502/503/504 answer (a proxy, a
  restarting node). A 4xx is a real refusal: never retried. A 500 is DSS's own error (an exception in
  DSS), usually the same on another attempt, so it is retried only for an idempotent call whose
  repeat can do no harm (``idempotent=True``: a whole-file rewrite of the state, the lock's token-
  checked release), where giving up costs more (a state not recorded, a project locked);
- backoff: full jitter over an exponentially growing window (``base * 2**i``, capped at ``cap``), so
  clients hitting a struggling server spread out instead of hammering it in step;
- attempts: 4 in all by default (three retries, about 1.4 s of waiting on average, 10 s at worst).

Callers whose operation is not idempotent (a creation) never retry it blindly: they check what
landed (``apply.resource``) and use this policy for the check itself. ``dataikuapi`` raises one
exception type for every HTTP error, without the status: callers pass the status seen by a response
hook (``status_tracker``) as ``status``, or use ``RetryPolicy.call_dss``.
"""
import random
import threading
import time
from typing import Any, Callable, List, Optional

TRANSIENT_STATUSES = frozenset([502, 503, 504])


class TransientHTTPError(Exception):
    """An HTTP answer worth retrying (502/503/504); ``status`` is the HTTP status."""

    def __init__(self, status: int, url: str) -> None:
        self.status = status
        super().__init__("DSS answered HTTP %d for %s" % (status, url))


def is_server_error(error: BaseException, status: Optional[int] = None) -> bool:
    """``is_transient``, or an HTTP 500: worth another attempt for an idempotent call only."""
    return status == 500 or is_transient(error, status)


def is_transient(error: BaseException, status: Optional[int] = None) -> bool:
    """True for errors a retry may cure: 502/503/504 answers (``status``: the HTTP status of the
    failed request when the error does not carry it), resets, refused or timed-out connections."""
    if isinstance(error, TransientHTTPError) or status in TRANSIENT_STATUSES:
        return True
    try:
        import requests
    except ImportError:  # pragma: no cover - requests comes with dataikuapi
        return isinstance(error, (ConnectionError, TimeoutError))
    return isinstance(error, (requests.ConnectionError, requests.Timeout, ConnectionError, TimeoutError))


class RetryPolicy(object):
    """``attempts`` in all, waits drawn by full jitter below ``min(cap, base * 2**i)`` seconds.

    ``sleep`` and ``rng`` are injectable so tests check the bounds without waiting."""

    def __init__(self, attempts: int = 4, base: float = 0.2, cap: float = 5.0,
                 sleep: Callable[[float], None] = time.sleep, rng: Optional[random.Random] = None) -> None:
        if attempts < 1 or base < 0 or cap < 0:
            raise ValueError("attempts must be at least 1, base and cap non-negative")
        self.attempts = int(attempts)
        self.base = float(base)
        self.cap = float(cap)
        self.sleep = sleep
        self.rng = rng

    def with_attempts(self, attempts: int) -> "RetryPolicy":
        """The same policy with another number of attempts (1: no retry)."""
        return RetryPolicy(attempts, self.base, self.cap, self.sleep, self.rng)

    def delays(self) -> List[float]:
        """The waits before retries 1..attempts-1."""
        pick = (self.rng or random).uniform
        return [pick(0, min(self.cap, self.base * (2 ** i))) for i in range(self.attempts - 1)]

    def run(self, call: Callable[[], Any], transient: Optional[Callable[[BaseException], bool]] = None,
            status: Optional[Callable[[], Optional[int]]] = None) -> Any:
        """``call()``, tried up to ``attempts`` times while it raises a transient error; any other
        error, and the last transient one, propagate. ``transient`` replaces the classification;
        ``status`` gives the HTTP status of the last failed request (see the module docstring)."""
        def retryable(error: BaseException) -> bool:
            if transient is not None:
                return transient(error)
            return is_transient(error, status() if status is not None else None)
        for delay in self.delays():
            try:
                return call()
            except Exception as error:  # only transient errors are retried; others propagate at once
                if not retryable(error):
                    raise
            self.sleep(delay)
        return call()

    def call_dss(self, client: Any, call: Callable[[], Any], idempotent: bool = False) -> Any:
        """``call()`` (a ``dataikuapi`` call on ``client``) under this policy, classified with the HTTP
        status of its failed request (this thread's first 5xx since the attempt began, else its last
        answer);
        ``idempotent``: an HTTP 500 is retried too (see the module docstring)."""
        tracker = status_tracker(client._session)
        classify = is_server_error if idempotent else is_transient

        def once() -> Any:
            if not tracker.depth:  # a call within a call (a lost answer's check) keeps the outer's failure
                tracker.reset()
            tracker.depth += 1
            try:
                return call()
            finally:
                tracker.depth -= 1
        # the status of the request that failed: a call may read after it (a lost answer's check)
        return self.run(once, transient=lambda error: classify(error, tracker.failed or tracker.status))

    def pause(self, mean: float, limit: Optional[float] = None) -> float:
        """Wait about ``mean`` seconds (randomised +-50%, so waiters spread out), at most ``limit``:
        the poll of a busy lock. The time waited."""
        wait = mean * (self.rng or random).uniform(0.5, 1.5)
        if limit is not None:
            wait = max(0.0, min(limit, wait))
        self.sleep(wait)
        return wait


class _Tracker(threading.local):
    """Per thread: the status of the last HTTP answer, and how many requests went out."""

    def __init__(self) -> None:
        self.status = None  # type: Optional[int]
        #: the first 5xx answered since ``reset`` (a failed write, before the reads checking it)
        self.failed = None  # type: Optional[int]
        self.sent = 0
        self.depth = 0  # call_dss calls in progress on this thread

    def reset(self) -> None:
        self.status = self.failed = None

    def take_count(self) -> int:
        sent, self.sent = self.sent, 0
        return sent


def status_tracker(session: Any) -> _Tracker:
    """The session's tracker, installed once as a response hook (hooks are per session): the
    status ``dataikuapi``'s errors do not carry, for ``is_transient``."""
    tracker = getattr(session, "_dataiku_framework_tracker", None)
    if tracker is None:
        tracker = _Tracker()

        def record(response: Any, *args: Any, **kwargs: Any) -> Any:
            tracker.status = response.status_code
            if tracker.failed is None and response.status_code >= 500:
                tracker.failed = response.status_code
            tracker.sent += 1
            return response
        session.hooks.setdefault("response", []).append(record)
        session._dataiku_framework_tracker = tracker
    return tracker


#: The policy every DSS call uses unless a caller (a test) injects another.
DEFAULT = RetryPolicy()
