"""Failures of the connection to DSS, told apart from failures of the configuration.

Why: a wrong key or an unreachable host is not a bad config, and CI must be able to tell them
apart (see ``exitcodes``). Every command that talks to DSS calls ``check_connection`` first, or
converts what the client raised with ``classify``. Messages never contain the API key.
"""
from typing import Any, Optional

from .. import exitcodes


class DSSConnectionError(Exception):
    """DSS could not be used at all; ``exit_code`` is the process exit code to use."""

    exit_code = exitcodes.INVALID

    def __init__(self, url: str, reason: str) -> None:
        self.url = url
        self.reason = reason
        super().__init__(self.describe())

    def describe(self) -> str:
        return "DSS at %s failed: %s" % (self.url, self.reason)


class DSSUnreachable(DSSConnectionError):
    """No DSS answered at the URL (name resolution, refused connection, TLS, timeout)."""

    exit_code = exitcodes.UNREACHABLE

    def describe(self) -> str:
        return "cannot reach DSS at %s: %s" % (self.url, self.reason)


class DSSAuthRefused(DSSConnectionError):
    """DSS answered but refused the API key."""

    exit_code = exitcodes.AUTH_REFUSED

    def describe(self) -> str:
        return "DSS at %s refused the API key: %s" % (self.url, self.reason)
