"""How every face of the plugin (macros, scenario steps, the review webapp) shows a failure: with the
catalogue code of ``errors.CATALOGUE``, as ``error[CODE]: message``, the form the command line prints
(``dss-framework CMD: error[CODE]: message``).

Why one module: a code is what a user (or an agent) looks up on the troubleshooting page and what a
script matches on; a macro that fails with DSS's bare words, or a step whose failure differs in form
from the CLI's, would leave them guessing. The failures themselves already carry their codes (the
exceptions' ``code``); this module only finds a code for any failure (``failure_code``) and writes it
in front of the message.
"""
import contextlib
from typing import Iterator

from ..errors import coded

#: The code of a failure none of the known ones (a bug, an unforeseen answer of DSS).
UNEXPECTED = "plugin.failed"


def failure_code(error: BaseException) -> str:
    """The catalogue code of ``error``: its own (``code``); for DSS's refusal, ``dss.forbidden`` or
    ``dss.refused``; for a configuration refused by DSS's instance, ``config.invalid``; else
    ``UNEXPECTED``."""
    from dataikuapi.utils import DataikuException

    from ..config.diagnostics import ConfigError
    from ..errors import code_of, dss_refusal_code
    if isinstance(error, DataikuException):
        return dss_refusal_code(error)
    return code_of(error, "config.invalid" if isinstance(error, ConfigError) else UNEXPECTED)


class ComponentFailure(Exception):
    """A failure a component raises on purpose (a scenario step that fails on drift, an invalid
    configuration...): its message is already ``error[CODE]: message``."""

    def __init__(self, code: str, message: str) -> None:
        Exception.__init__(self, coded(code, message))
        self.code = code


@contextlib.contextmanager
def coded_errors() -> Iterator[None]:
    """Around a component's work: any failure leaves it with ``error[CODE]: `` in front of its message
    (DSS shows the message of what a macro or a step raises). The exception itself is re-raised, its
    class and traceback kept for DSS's log; only its message gains the code. A class that words its
    own message (``KeyError`` quotes it) is raised as a ``ComponentFailure`` naming it instead."""
    try:
        yield
    except ComponentFailure:
        raise
    except Exception as error:  # noqa: BLE001 - every failure gets its code, then goes on to DSS
        message, code = str(error), failure_code(error)
        if message.startswith("error["):
            raise
        if type(error).__str__ is not BaseException.__str__:
            raise ComponentFailure(code, "%s: %s" % (type(error).__name__, message)) from error
        error.args = (coded(code, message),)
        raise
