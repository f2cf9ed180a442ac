"""The one retry policy (dss/policy.py): what is transient, the backoff's bounds, the attempts."""
import random

import pytest
import requests

from dataiku_framework.dss.policy import (DEFAULT, RetryPolicy, TransientHTTPError, is_server_error,
                                          is_transient)
from dataiku_framework.plan.retry import with_retry


@pytest.mark.parametrize("error, status", [(requests.ConnectionError("reset"), None),
                                           (requests.Timeout("slow"), None),
                                           (requests.exceptions.ReadTimeout("slow"), None),
                                           (ConnectionResetError(), None), (TimeoutError(), None),
                                           (TransientHTTPError(503, "/x"), None),
                                           (Exception("HTTP error"), 502), (Exception("HTTP error"), 503),
                                           (Exception("HTTP error"), 504)])
def test_transient_errors(error, status):
    assert is_transient(error, status) and is_server_error(error, status)


@pytest.mark.parametrize("status", [None, 200, 400, 401, 403, 404, 409, 500])
def test_real_errors_are_not_transient(status):
    assert not is_transient(ValueError("bad"), status)
    assert is_server_error(ValueError("bad"), status) is (status == 500)  # retried for idempotent calls only


def test_backoff_stays_within_its_exponential_window_and_cap():
    policy = RetryPolicy(attempts=8, base=0.5, cap=3.0, rng=random.Random(7))
    for _ in range(50):
        delays = policy.delays()
        assert len(delays) == 7
        for i, delay in enumerate(delays):
            assert 0 <= delay <= min(3.0, 0.5 * 2 ** i)
    assert RetryPolicy(attempts=1).delays() == []
    assert (DEFAULT.attempts, DEFAULT.base, DEFAULT.cap) == (4, 0.2, 5.0)


def test_transient_failures_are_retried_up_to_the_attempts_with_the_injected_sleep():
    sleeps, calls = [], []
    policy = RetryPolicy(attempts=4, base=1.0, cap=10.0, sleep=sleeps.append, rng=random.Random(1))

    def flaky():
        calls.append(1)
        if len(calls) < 4:
            raise requests.ConnectionError("dropped")
        return "ok"
    assert policy.run(flaky) == "ok"
    assert len(calls) == 4 and len(sleeps) == 3
    assert all(0 <= s <= 2 ** i for i, s in enumerate(sleeps))
    calls[:] = []
    with pytest.raises(requests.ConnectionError):
        policy.run(lambda: calls.append(1) or (_ for _ in ()).throw(requests.ConnectionError("down")))
    assert len(calls) == 4


def test_a_real_error_is_raised_at_once():
    calls, sleeps = [], []
    policy = RetryPolicy(attempts=5, sleep=sleeps.append)
    with pytest.raises(KeyError):
        policy.run(lambda: calls.append(1) or {}["missing"])
    assert (len(calls), sleeps) == (1, [])
    status = [500]
    with pytest.raises(ValueError):
        policy.run(lambda: calls.append(1) or (_ for _ in ()).throw(ValueError("500")), status=lambda: status[0])
    assert len(calls) == 2


def test_with_attempts_and_pause():
    sleeps = []
    policy = RetryPolicy(attempts=3, sleep=sleeps.append, rng=random.Random(3))
    assert policy.with_attempts(1).delays() == [] and policy.with_attempts(6).attempts == 6
    for _ in range(20):
        waited = policy.pause(2.0)
        assert 1.0 <= waited <= 3.0
    assert policy.pause(2.0, limit=0.25) <= 0.25 and len(sleeps) == 21
    with pytest.raises(ValueError):
        RetryPolicy(attempts=0)


def test_plan_retry_is_the_same_policy():
    sleeps, calls = [], []

    def flaky():
        calls.append(1)
        if len(calls) == 1:
            raise TransientHTTPError(502, "/y")
        return 5
    assert with_retry(flaky, attempts=2, sleep=sleeps.append) == 5 and len(sleeps) == 1
