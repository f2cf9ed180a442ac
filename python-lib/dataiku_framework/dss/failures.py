"""Failures of the connection to DSS, told apart from failures of the configuration.

Why: a wrong key or an unreachable host is not a bad config, and CI must be able to tell them
apart (see ``exitcodes``). Every command that talks to DSS calls ``check_connection`` first, or
converts what the client raised with ``classify``. Messages never contain the API key.
"""
from typing import Any, Optional, Tuple

from .. import exitcodes
from ..config.secrets import public_url


class DSSConnectionError(Exception):
    """DSS could not be used at all; ``exit_code`` is the process exit code to use."""

    code = "dss.refused"  #: its ``errors.CATALOGUE`` code, shown in the error line and in --json

    exit_code = exitcodes.INVALID

    def __init__(self, url: str, reason: str) -> None:
        self.url = url
        self.reason = reason
        super().__init__(self.describe())

    def describe(self) -> str:
        return "DSS at %s failed: %s" % (self.url, self.reason)


class DSSUnreachable(DSSConnectionError):
    """No DSS answered at the URL (name resolution, refused connection, TLS, timeout)."""

    code = "dss.unreachable"  #: its ``errors.CATALOGUE`` code, shown in the error line and in --json

    exit_code = exitcodes.UNREACHABLE

    def describe(self) -> str:
        return "cannot reach DSS at %s: %s" % (self.url, self.reason)


class DSSAuthRefused(DSSConnectionError):
    """DSS answered but refused the API key."""

    code = "dss.key_refused"  #: its ``errors.CATALOGUE`` code, shown in the error line and in --json

    exit_code = exitcodes.AUTH_REFUSED

    def describe(self) -> str:
        return "DSS at %s refused the API key: %s" % (self.url, self.reason)


#: DSS ``errorType`` names (last dotted part) meaning "this API key is not accepted".
_AUTH_ERROR_TYPES = ("NotAuthenticatedException", "InvalidAPIKeyException", "ExpiredAPIKeyException")
#: Phrases DSS uses for a key it does not accept (checked when the errorType is absent).
_AUTH_PHRASES = ("unknown api key", "invalid api key", "api key expired", "not authenticated")
#: What the low-level connection error says -> a reason a person can act on.
_NETWORK_REASONS = (("Connection refused", "connection refused"),
                    ("Failed to resolve", "host name not found"),
                    ("Name or service not known", "host name not found"),
                    ("timed out", "timed out"),
                    ("Connection reset", "connection reset"),
                    ("Remote end closed connection", "connection closed without an answer"))
NOT_DSS = "no DSS API at this URL"


def _display_url(url: str) -> str:
    """``url`` without user:password (a URL with credentials must not end up in a message)."""
    return public_url(url or "")


def _network_reason(exc: BaseException) -> str:
    text = str(exc)
    for needle, reason in _NETWORK_REASONS:
        if needle in text:
            return reason
    return type(exc).__name__


def _http_status_and_body(exc: BaseException) -> Tuple[Optional[int], str]:
    """Status and body text of a ``requests.HTTPError``; ``(None, str(exc))`` for anything else.

    ``dataikuapi`` raises ``DataikuException("<errorType>: <detailedMessage>")`` without the status,
    so for it only the text is known (``Unknown error: <html>...`` when the answer was not JSON)."""
    response = getattr(exc, "response", None)
    status = getattr(response, "status_code", None)
    if isinstance(status, int):
        return status, getattr(response, "text", "") or ""
    return None, str(exc)


def _is_auth_refusal(text: str) -> bool:
    lowered = text.lower()
    return any(name in text for name in _AUTH_ERROR_TYPES) or any(p in lowered for p in _AUTH_PHRASES)


def _looks_like_html(text: str) -> bool:
    head = text.split(":", 1)[-1].lstrip().lower() if text.startswith("Unknown error:") else text.lstrip().lower()
    return head.startswith(("<!doctype", "<html", "<head", "<body", "<?xml"))


def classify(exc: BaseException, url: str) -> Optional[DSSConnectionError]:
    """The connection failure ``exc`` stands for, or None when it is an ordinary API error.

    Why: a command must stop with "cannot reach DSS" (exit 3) or "DSS refused the API key" (exit 4)
    rather than report a network or key problem as a configuration problem. Network errors, TLS
    errors, timeouts and malformed URLs mean unreachable; HTTP 401, or 403 with DSS's
    not-authenticated error type, mean the key was refused; an answer that is not the DSS API
    (an HTML page, a 404 on the API root, a body that is not JSON) means there is no DSS there.
    """
    import requests  # lazily: offline commands never need it
    display = _display_url(url)
    if isinstance(exc, DSSConnectionError):
        return exc
    if isinstance(exc, requests.exceptions.SSLError):
        return DSSUnreachable(display, "TLS/SSL error (certificate or protocol)")
    if isinstance(exc, (requests.exceptions.InvalidURL, requests.exceptions.MissingSchema,
                        requests.exceptions.InvalidSchema)):
        return DSSUnreachable(display, "not a valid URL (expected http(s)://host:port)")
    if isinstance(exc, (requests.exceptions.ConnectionError, requests.exceptions.Timeout)):
        return DSSUnreachable(display, _network_reason(exc))
    status, text = _http_status_and_body(exc)
    if status == 401 or (status in (None, 403) and _is_auth_refusal(text)):
        return DSSAuthRefused(display, "unknown, expired or disabled API key")
    if status == 404 or _looks_like_html(text) or isinstance(exc, ValueError) and "JSON" in type(exc).__name__ + text:
        return DSSUnreachable(display, NOT_DSS)
    return None


def _is_not_found(exc: BaseException) -> bool:
    """Whether DSS answered "not found" (``dataikuapi`` gives only the text: its errorType names it)."""
    text = str(exc)
    return any(name in text for name in ("NotFoundException", "UnknownObjectException"))


def check_connection(client: Any, url: str) -> None:
    """One cheap authenticated call (``get_auth_info``); raises the classified failure, if any.

    Why before any other call: a command then fails once, with the right message and exit code,
    instead of turning every later call's failure into a misleading report."""
    try:
        info = client.get_auth_info()
    except Exception as error:  # dataikuapi raises DataikuException or requests' errors
        failure = classify(error, url)
        if failure is None and _is_not_found(error):
            failure = DSSUnreachable(_display_url(url), NOT_DSS)  # every DSS serves auth/info
        if failure is None:
            raise
        raise failure from None
    if not isinstance(info, dict):
        raise DSSUnreachable(_display_url(url), NOT_DSS)


class classified(object):
    """Turns network and authentication failures met while reading into the classified errors
    (``with classified(url): ...``); any other exception passes through unchanged."""

    def __init__(self, url: str) -> None:
        self.url = url

    def __enter__(self) -> "classified":
        return self

    def __exit__(self, kind: Any, error: Any, tb: Any) -> bool:
        if error is None:
            return False
        failure = classify(error, self.url)
        if failure is not None and failure is not error:
            raise failure from None
        return False
