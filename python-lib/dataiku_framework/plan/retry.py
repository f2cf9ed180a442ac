"""Retrying transient failures with exponential backoff and jitter.

Why a helper of its own: a shared production DSS behind a proxy answers 502/503/504 or drops a
connection now and then; a plan (and later an apply) must not fail on one such blip, but must not
hammer a struggling server either, nor retry a real error (404, 403, a bad request).
"""
import random
import time
from typing import Any, Callable, Optional

TRANSIENT_STATUSES = frozenset([502, 503, 504])


class TransientHTTPError(Exception):
    """An HTTP answer worth retrying (502/503/504); ``status`` is the HTTP status."""

    def __init__(self, status: int, url: str) -> None:
        self.status = status
        super().__init__("DSS answered HTTP %d for %s" % (status, url))


def is_transient(error: BaseException) -> bool:
    """True for errors a retry may cure: 502/503/504 answers, resets, refused or timed-out connections."""
    if isinstance(error, TransientHTTPError):
        return True
    try:
        import requests
    except ImportError:  # pragma: no cover - requests comes with dataikuapi
        return isinstance(error, (ConnectionError, TimeoutError))
    return isinstance(error, (requests.ConnectionError, requests.Timeout, ConnectionError, TimeoutError))


def backoff_delays(attempts: int, base: float, cap: float, rng: Optional[random.Random] = None):
    """Delays before retries 1..attempts-1: full jitter over an exponentially growing window."""
    pick = (rng or random).uniform
    return [pick(0, min(cap, base * (2 ** i))) for i in range(max(0, attempts - 1))]


def with_retry(call: Callable[[], Any], attempts: int = 4, base: float = 0.2, cap: float = 5.0,
               transient: Callable[[BaseException], bool] = is_transient,
               sleep: Callable[[float], None] = time.sleep) -> Any:
    """``call()``, retried up to ``attempts`` times in all while it raises a transient error."""
    delays = backoff_delays(attempts, base, cap)
    for delay in delays:
        try:
            return call()
        except Exception as error:  # only transient errors are retried; others propagate at once
            if not transient(error):
                raise
        sleep(delay)
    return call()
