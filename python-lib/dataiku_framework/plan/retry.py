"""Retrying transient failures: the plan's name for the one policy of ``dss.policy``.

Kept so existing imports work; the rules (what is transient, backoff, attempts) live in
``dss.policy`` alone, and every caller (plan reads, apply writes, state and lock files) uses them.
"""
import time
from typing import Any, Callable

from ..dss.policy import TRANSIENT_STATUSES, RetryPolicy, TransientHTTPError, is_transient

__all__ = ["TRANSIENT_STATUSES", "TransientHTTPError", "is_transient", "with_retry"]


def with_retry(call: Callable[[], Any], attempts: int = 4, base: float = 0.2, cap: float = 5.0,
               transient: Callable[[BaseException], bool] = is_transient,
               sleep: Callable[[float], None] = time.sleep) -> Any:
    """``call()``, retried up to ``attempts`` times in all while it raises a transient error."""
    return RetryPolicy(attempts, base, cap, sleep).run(call, transient=transient)
