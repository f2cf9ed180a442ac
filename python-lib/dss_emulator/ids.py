"""Identifiers DSS generates for objects (folder ids, zone ids, trigger ids, run ids...)."""
import random
import re
import string
import time

_ALPHABET = string.ascii_letters + string.digits
_RANDOM = random.SystemRandom()


def random_id(length, taken=()):
    """A random alphanumeric id like DSS's (folders: 8 chars, zones: 7), not in ``taken``."""
    while True:
        oid = "".join(_RANDOM.choice(_ALPHABET) for _ in range(length))
        if oid not in taken:
            return oid


def slug_id(name, taken=(), fallback="ID"):
    """DSS's id-from-name rule: upper-cased, every non-alphanumeric replaced by ``_``, then
    made unique by a numeric suffix (``DAILY``, ``DAILY_1``, ``DAILY_2``...)."""
    base = re.sub(r"[^A-Z0-9]", "_", (name or "").upper()) or fallback
    oid, n = base, 0
    while oid in taken:
        n += 1
        oid = "%s_%d" % (base, n)
    return oid


def timestamp_id(ms, fmt, taken=()):
    """A time-based id (``fmt`` gets the local time; ``%f`` is replaced by milliseconds), made
    unique by moving to the next millisecond, as two runs cannot start in the same one."""
    while True:
        oid = time.strftime(fmt.replace("%f", "%03d" % (ms % 1000)), time.localtime(ms / 1000.0))
        if oid not in taken:
            return oid, ms
        ms += 1
