"""Fault injection and request accounting, for tests and benchmarks.

Everything here is reachable both as Python calls (in-process emulator) and through the control
API under ``/__emulator__/`` (standalone emulator), so an outside benchmark can drive it too.
"""
import threading
import time


class Faults:
    """Injected faults. Counters count from the moment the faults were set.

    ``fail_phase`` places the fail and drop faults: "before" the handler (nothing is applied) or
    "after" it (the write is applied, committed and persisted; the answer it had, success or not,
    is replaced by the injected one).

    Reads can be faulted too (``fail_nth_read``, ``drop_nth_read``, counted apart from the writes):
    a proxy or a restarting DSS node fails a GET as readily as a POST, with a 5xx or a connection
    closed without an answer (``reference/dss-rest-api.md``, "Success vs failure" and "Errors": a
    failure is DSS's JSON error body with a status >= 400, the same for a GET as for a POST). ``fail_count``
    applies to whichever of the nth write or nth read fails. ``outage_reads``: after an injected
    write fault, that many of the next reads counted fail the same way (a node down for a moment:
    the write's answer is lost, then the reads that would check it fail too)."""

    FIELDS = ("latency_ms", "fail_nth_write", "fail_status", "fail_count", "drop_nth_request",
              "drop_nth_write", "path_contains", "fail_phase", "fail_nth_read", "drop_nth_read",
              "outage_reads")
    PHASES = ("before", "after")

    def __init__(self, latency_ms=0):
        self.lock = threading.Lock()
        self.base_latency_ms = latency_ms
        self.clear()

    def clear(self):
        with self.lock:
            self.latency_ms = self.base_latency_ms
            self.fail_nth_write = None      # 1-based index of the write that fails
            self.fail_status = 500
            self.fail_count = 1             # how many consecutive writes fail from the nth on
            self.drop_nth_request = None    # close the connection without an answer
            self.drop_nth_write = None
            self.fail_nth_read = None       # 1-based index of the read (GET) that fails
            self.drop_nth_read = None       # the read whose connection is closed without an answer
            self.outage_reads = 0           # reads failing after an injected write fault, the same way
            self._outage = (None, 0)        # (action, reads left) of the outage in progress
            self.path_contains = None       # only count requests whose path contains this
            self.fail_phase = "before"      # "after": the write is applied, then its answer is lost
            self.seen_requests = 0
            self.seen_writes = 0
            self.seen_reads = 0

    def configure(self, spec):
        """Set faults from a dict (the body of ``POST /__emulator__/faults``); unknown keys are errors."""
        unknown = sorted(set(spec) - set(self.FIELDS))
        if unknown:
            raise ValueError("unknown fault setting(s): %s (known: %s)" % (", ".join(unknown), ", ".join(self.FIELDS)))
        for k, v in spec.items():   # validate everything first: a bad spec changes nothing
            if k == "path_contains":
                if v is not None and not isinstance(v, str):
                    raise ValueError("path_contains must be a string or null")
            elif k == "fail_phase":
                if v is not None and v not in self.PHASES:
                    raise ValueError("fail_phase must be \"before\" (the default: the write is not applied) or "
                                     "\"after\" (the write is applied and committed, then the answer is lost)")
            elif v is not None and (isinstance(v, bool) or not isinstance(v, (int, float)) or v < 0):
                raise ValueError("%s must be a non-negative number or null" % k)
        if spec.get("fail_status", 500) not in (500, 502, 503, 504):
            raise ValueError("fail_status must be one of 500, 502, 503, 504")
        self.clear()
        with self.lock:
            for k, v in spec.items():
                setattr(self, k, v)
            if self.latency_ms is None:
                self.latency_ms = 0
            if self.fail_count is None:
                self.fail_count = 1
            if self.fail_phase is None:
                self.fail_phase = "before"

    def describe(self):
        with self.lock:
            return {k: getattr(self, k) for k in self.FIELDS}

    def latency(self):
        """Seconds to wait before answering (slept outside the instance lock)."""
        with self.lock:
            return self.latency_ms / 1000.0

    def decide(self, path, is_write):
        """Count one request and return (action, phase): action is None, "fail" or "drop".

        The server calls this while holding the instance lock, so the n-th counted write is the
        n-th write the server applies: with parallel clients the same write fails every run."""
        with self.lock:
            if self.path_contains and self.path_contains not in path:
                return None, self.fail_phase
            self.seen_requests += 1
            if is_write:
                self.seen_writes += 1
            else:
                self.seen_reads += 1
            action = None
            if self.drop_nth_request and self.seen_requests == self.drop_nth_request:
                action = "drop"
            elif is_write and self.drop_nth_write and self.seen_writes == self.drop_nth_write:
                action = "drop"
            elif (is_write and self.fail_nth_write
                  and self.fail_nth_write <= self.seen_writes < self.fail_nth_write + self.fail_count):
                action = "fail"
            elif not is_write and self.drop_nth_read and self.seen_reads == self.drop_nth_read:
                action = "drop"
            elif (not is_write and self.fail_nth_read
                  and self.fail_nth_read <= self.seen_reads < self.fail_nth_read + self.fail_count):
                action = "fail"
            elif not is_write and self._outage[1] > 0:
                action = self._outage[0]
                self._outage = (action, self._outage[1] - 1)
            if is_write and action is not None and self.outage_reads:
                self._outage = (action, int(self.outage_reads))
            return action, self.fail_phase


class Stats:
    """Request log and counters: totals, reads vs writes, per route template."""

    def __init__(self, keep=2000):
        self.lock = threading.Lock()
        self.keep = keep
        self.reset()

    def reset(self):
        with self.lock:
            self.requests = 0
            self.reads = 0
            self.writes = 0
            self.errors = 0
            self.by_route = {}
            self.log = []
            self.started = time.time()

    def record(self, method, path, route, is_write, status, duration, fault=None):
        """Count one answered request; ``fault`` names an injected fault ("fail" or "drop")."""
        key = "%s %s" % (method, route or path)
        with self.lock:
            self.requests += 1
            if is_write:
                self.writes += 1
            else:
                self.reads += 1
            if status >= 400:
                self.errors += 1
            self.by_route[key] = self.by_route.get(key, 0) + 1
            entry = {"seq": self.requests, "method": method, "path": path, "route": route,
                     "write": is_write, "status": status, "ms": round(duration * 1000, 3)}
            if fault:
                entry["fault"] = fault
            self.log.append(entry)
            if len(self.log) > self.keep:
                del self.log[: len(self.log) - self.keep]

    def snapshot(self, with_log=True):
        with self.lock:
            out = {"requests": self.requests, "reads": self.reads, "writes": self.writes,
                   "errors": self.errors, "by_route": dict(self.by_route)}
            if with_log:
                out["log"] = list(self.log)
            return out
