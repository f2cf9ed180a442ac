"""Ctrl-C and SIGTERM during a command that writes to DSS (apply).

Why not Python's default (``KeyboardInterrupt`` wherever the main thread is): raised in the middle of
an apply it skips the state write, leaves the history entry open and prints a traceback. Instead the
first signal sets a ``threading.Event`` that the apply polls between batches (``Engine.apply(cancel=)``):
it stops scheduling, lets the requests in flight finish, writes the state, closes the history entry
as ``interrupted`` and releases the lock. A second signal means "now": ``KeyboardInterrupt`` is
raised (the lock is still released on the way out). Either way the command prints one line and exits
128 + the signal number (130 for SIGINT, 143 for SIGTERM), as shells do.
"""
import signal
import threading
from typing import Any, Dict, Iterator, Optional
from contextlib import contextmanager

#: The signals handled, and their names for the message.
SIGNALS = {signal.SIGINT: "SIGINT", signal.SIGTERM: "SIGTERM"}


class Interruption(object):
    """What was received: ``event`` is set at the first signal; ``signum`` is that signal."""

    def __init__(self) -> None:
        self.event = threading.Event()
        self.signum = None  # type: Optional[int]

    def _handle(self, signum: int, frame: Any) -> None:
        if self.event.is_set():
            raise KeyboardInterrupt()
        self.signum = signum
        self.event.set()

    @property
    def name(self) -> str:
        return SIGNALS.get(self.signum or signal.SIGINT, "SIGINT")

    @property
    def exit_code(self) -> int:
        return 128 + int(self.signum or signal.SIGINT)


@contextmanager
def interruptible() -> Iterator[Interruption]:
    """Install the handlers of ``SIGNALS`` for the block (main thread only: elsewhere Python cannot
    install them, and the event simply never fires); the previous ones are put back after."""
    caught = Interruption()
    previous = {}  # type: Dict[int, Any]
    if threading.current_thread() is threading.main_thread():
        for signum in SIGNALS:
            previous[signum] = signal.signal(signum, caught._handle)
    try:
        yield caught
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
