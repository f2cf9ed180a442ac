"""What an apply (or a rollback) did: one ``ResourceResult`` per resource, and the ``Result``.

Why a data object first: the CLI prints it, the macro renders it as HTML, the scenario step turns its
counts into variables, and CI reads ``to_dict()`` as JSON; each is a view of the same record.
"""
from typing import Any, Dict, List, Optional

from ..config.secrets import redact
from ..errors import in_user_terms

STATUSES = ("succeeded", "failed", "skipped")
#: operation -> the count it adds to when it succeeds
COUNTED = {"create": "created", "update": "updated", "replace": "replaced", "delete": "deleted"}
#: status -> the ``errors.CATALOGUE`` code ``--json`` gives a resource that did not succeed
CODES = {"failed": "apply.resource_failed", "skipped": "apply.resource_skipped"}


class ResourceResult(object):
    """One resource's outcome: ``operation`` (create/update/replace/delete), ``status``
    (succeeded/failed/skipped), the ``error`` (None when it succeeded) and ``duration`` in seconds."""

    __slots__ = ("address", "kind", "name", "operation", "status", "error", "duration")

    def __init__(self, address: str, kind: str, name: str, operation: str, status: str,
                 error: Optional[str] = None, duration: float = 0.0) -> None:
        if status not in STATUSES:
            raise ValueError("status must be one of %s, not %r" % (", ".join(STATUSES), status))
        self.address, self.kind, self.name = address, kind, name
        # DSS's error texts quote what they were sent (a connection name that is a JDBC URL with its password),
        # and start with DSS's Java class name, of no use to the reader (``errors.in_user_terms``)
        error = in_user_terms(redact(error)) if error else error
        self.operation, self.status, self.error, self.duration = operation, status, error, float(duration)

    def to_dict(self) -> Dict[str, Any]:
        return {"address": self.address, "kind": self.kind, "name": self.name, "operation": self.operation,
                "status": self.status, "error": self.error, "code": CODES.get(self.status),
                "duration": round(self.duration, 3)}

    def __repr__(self) -> str:
        return "ResourceResult(%s %s: %s)" % (self.operation, self.address, self.status)


class Result(object):
    """The outcome of one apply or rollback (``apply_id`` None when there was nothing to do)."""

    def __init__(self, project_key: str, operation: str = "apply", apply_id: Optional[str] = None,
                 results: Optional[List[ResourceResult]] = None, writes: int = 0, plan: Any = None,
                 notes: Optional[List[str]] = None) -> None:
        self.project_key = project_key
        self.operation = operation
        self.apply_id = apply_id
        self.results = list(results or [])
        self.writes = writes
        self.plan = plan
        #: Lines worth telling beside the per-resource results (a checkpoint that could not be made...).
        self.notes = [redact(note) for note in notes or []]
        #: Why the apply stopped before its end (interrupted by a signal, its lock lost), None otherwise:
        #: the resources it did not start are ``skipped``.
        self.stopped = None  # type: Optional[str]

    def note(self, text: str) -> None:
        """Add a note once the result exists (redacted like those given at creation)."""
        self.notes.append(redact(text))

    @property
    def succeeded(self) -> bool:
        return self.stopped is None and all(r.status == "succeeded" for r in self.results)

    @property
    def counts(self) -> Dict[str, int]:
        out = {name: 0 for name in ("created", "updated", "replaced", "deleted", "failed", "skipped")}
        for r in self.results:
            if r.status == "succeeded":
                out[COUNTED.get(r.operation, "updated")] += 1
            else:
                out[r.status] += 1
        return out

    def result(self, address: str) -> ResourceResult:
        for r in self.results:
            if r.address == address:
                return r
        raise KeyError("no resource %s in this result" % address)

    def summary(self) -> str:
        """One line: ``Apply complete: 1 created, 1 updated, 0 replaced, 0 deleted.`` (or failed...)."""
        c = self.counts
        verb = "Rollback" if self.operation == "rollback" else "Apply"
        if not self.results:
            return "%s complete: no changes." % verb
        text = "%d created, %d updated, %d replaced, %d deleted" % (c["created"], c["updated"], c["replaced"],
                                                                   c["deleted"])
        if self.succeeded:
            return "%s complete: %s." % (verb, text)
        if self.stopped is not None:
            return "%s stopped (%s): %s; %d failed, %d not run." % (verb, self.stopped, text, c["failed"], c["skipped"])
        return "%s failed: %s; %d failed, %d skipped." % (verb, text, c["failed"], c["skipped"])

    def to_dict(self) -> Dict[str, Any]:
        return {"apply_id": self.apply_id, "operation": self.operation, "project_key": self.project_key,
                "succeeded": self.succeeded, "counts": self.counts, "writes": self.writes,
                "resources": [r.to_dict() for r in self.results], "notes": list(self.notes),
                "stopped": self.stopped}

    def __repr__(self) -> str:
        return "Result(%s)" % self.summary()
