"""Applying one resource: create, update, replace or delete it, then read it back and verify.

Why each step is shaped as it is:

- An update is a read-modify-write of the keys the plan found different (``changed_keys``), so one
  changed field is one write request, and what DSS holds beside it is kept.
- A creation sends the creation request once. When it fails in a way that leaves the outcome
  unknown (a dropped connection, a 5xx: the object may have been created before the answer was
  lost), the writer checks whether the object now exists before anything else (that read retried
  per ``dss.policy``): it is then completed (transient failure) or reported as created-but-failed
  (a permanent error). Only when DSS says it is absent is the creation sent again. When even the
  check cannot be read, the outcome is unknown: the resource is reported so (``ResourceError.unknown``)
  and left to the next apply, which reads DSS again; it is never created twice (scenarios and
  managed folders get their ids from DSS, so a second creation would be a duplicate).
- After writing, the object is read back and compared with the desired form by the kind's own
  comparison: a field DSS silently dropped or rewrote fails the resource, naming the field.
"""
from typing import Any, Dict, List, Optional, Set, Tuple

from ..plan.compare import split_ignored
from ..plan.document import redacted
from ..dss.policy import DEFAULT as DEFAULT_POLICY
from ..dss.policy import is_transient
from ..resources import registry


class ResourceError(Exception):
    """A resource could not be applied; ``exists`` says whether DSS now has the object (a creation
    that landed before failing), for the state."""

    def __init__(self, message: str, exists: Optional[bool] = None, holds_desired: bool = False,
                 unknown: bool = False) -> None:
        super().__init__(message)
        self.exists = exists
        self.holds_desired = holds_desired
        #: whether DSS has the object could not be read: the next apply finds out (never created twice)
        self.unknown = unknown


def changed_keys(handler: Any, desired: Dict[str, Any], live: Optional[Dict[str, Any]], ctx: Any, obj: Any
                 ) -> Tuple[Set[str], List[Tuple[Any, ...]]]:
    """(top-level keys of ``desired`` that differ from DSS, raw paths left alone by ignore_changes)."""
    if live is None:
        return set(desired), []
    canon = handler.canonical(handler.live_form(live, ctx, desired), desired)
    found = handler.differences(desired, canon)
    named = [{"path": handler.config_path(path, obj), "raw": path} for path, _, _ in found]
    kept, _ = split_ignored(named, obj)
    ignored = [d["raw"] for d in named if d not in kept]
    return {d["raw"][0] for d in kept}, ignored


def verify(handler: Any, writer: Any, ctx: Any, name: str, obj: Any, desired: Dict[str, Any],
           live: Optional[Dict[str, Any]] = None) -> None:
    """Read the object back (unless ``live`` is a read made since the last write: nothing was
    written after it, so a second read would only repeat it); any field that differs from
    ``desired`` (ignore_changes apart) fails."""
    if live is None:
        live = writer.fetch(ctx, name)
    if live is None:
        raise ResourceError("%s %s is not in DSS after it was written" % (handler.kind, name), exists=False)
    canon = handler.canonical(handler.live_form(live, ctx, desired), desired)
    diffs, _ = split_ignored(handler.diff(desired, canon, obj), obj)
    if diffs:
        shown = ["%s (sent %s, DSS reads back %s)" % (d["path"], _short(redacted(d["after"], _last(d["path"]))),
                                                      _short(redacted(d["before"], _last(d["path"]))))
                 for d in diffs[:5]]
        more = " and %d more" % (len(diffs) - 5) if len(diffs) > 5 else ""
        raise ResourceError("DSS did not keep %s%s" % ("; ".join(shown), more), exists=True)


def _with_live_values(handler: Any, desired: Dict[str, Any], live: Dict[str, Any], ctx: Any,
                      paths: List[Tuple[Any, ...]]) -> Dict[str, Any]:
    import copy
    canon = handler.canonical(handler.live_form(live, ctx, desired), desired)
    out = copy.deepcopy(desired)
    for path in paths:
        target, source = out, canon
        for part in path[:-1]:
            target, source = target[part], source[part]
        target[path[-1]] = source[path[-1]]
    return out


def _last(path: str) -> str:
    return path.rsplit(".", 1)[-1]


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def converge(handler: Any, ctx: Any, name: str, obj: Any, desired: Dict[str, Any],
             live: Optional[Dict[str, Any]]) -> int:
    """Write what differs between ``desired`` and ``live`` (read again when None), then verify.
    The number of write requests sent."""
    writer = registry.get(handler.kind)
    fresh = live is None
    if fresh:  # a creation: read once, and the settings read are the ones modified
        live = writer.fetch(ctx, name, keep=True)
        if live is None:
            raise ResourceError("%s %s is not in DSS" % (handler.kind, name), exists=False)
    desired = handler.with_unmanaged(desired, handler.live_form(live, ctx, desired))  # written whole: kept, checked
    keys, ignored = changed_keys(handler, desired, live, ctx, obj)
    if ignored:  # what ignore_changes leaves alone is written back as DSS holds it
        desired = _with_live_values(handler, desired, live, ctx, ignored)
    sent = writer.write(ctx, name, obj, desired, keys) if keys else 0
    with ctx.lock:
        ctx.kept.pop((handler.kind, name), None)  # nothing to write: the settings kept are not needed
    # nothing written after a read made here: that read is the read-back (one request, not two)
    verify(handler, writer, ctx, name, obj, desired, live if fresh and not sent else None)
    return sent


def create(handler: Any, ctx: Any, name: str, obj: Any, desired: Dict[str, Any], status_of: Any) -> int:
    """Create the object (once), then write its settings and verify; write requests sent."""
    _send_creation(handler, registry.get(handler.kind), ctx, name, obj, desired, status_of)
    try:
        return 1 + converge(handler, ctx, name, obj, desired, None)
    except ResourceError:
        raise
    except Exception as error:
        raise ResourceError("%s (%s %s was created; its settings were not all written: the next apply completes "
                            "them)" % (_message(error), handler.kind, name), exists=True)


def _send_creation(handler: Any, writer: Any, ctx: Any, name: str, obj: Any, desired: Dict[str, Any],
                   status_of: Any) -> None:
    """Send the creation request; after a failure, look for the object before anything else. Sent
    again (per ``dss.policy``: transient failures, its attempts and waits) only while DSS says the
    object is absent; never when that cannot be read (``ResourceError.unknown``)."""
    delays = DEFAULT_POLICY.delays()
    while True:
        try:
            writer.create(ctx, name, obj, desired)
            return
        except Exception as error:  # the creation may have landed before the answer was lost
            retryable = transient(error, status_of())
            found = _exists(writer, ctx, name)
            if found is None:
                raise ResourceError("%s; whether DSS created %s %s could not be read either: its outcome is unknown, "
                                    "the next apply reads DSS again and completes it (it is not sent twice)"
                                    % (_message(error), handler.kind, name), exists=None, unknown=True)
            if found and retryable:
                return  # it landed, its answer was lost: the settings complete it
            if found:
                raise ResourceError("%s (DSS created %s %s before failing: the next apply completes it)"
                                    % (_message(error), handler.kind, name), exists=True)
            if not retryable or not delays:
                raise ResourceError(_message(error), exists=False)
        DEFAULT_POLICY.sleep(delays.pop(0))  # DSS says it did not land: another attempt


def update(handler: Any, ctx: Any, name: str, obj: Any, desired: Dict[str, Any], live: Dict[str, Any]) -> int:
    try:
        return converge(handler, ctx, name, obj, desired, live)
    except ResourceError:
        raise
    except Exception as error:
        raise ResourceError(_message(error), exists=True, holds_desired=_holds(handler, ctx, name, obj, desired))


def delete(handler: Any, ctx: Any, name: str, drop_data: bool) -> int:
    """Delete (idempotently: an object already gone counts as deleted); write requests sent."""
    writer = registry.get(handler.kind)
    try:
        writer.delete(ctx, name, drop_data)
    except Exception as error:
        if _exists(writer, ctx, name) is False:
            return 1  # it is gone: the delete landed, its answer was lost
        raise ResourceError(_message(error), exists=True)
    return 1


def _exists(writer: Any, ctx: Any, name: str) -> Optional[bool]:
    """Whether DSS has the object (None when even that cannot be read). ``fetch`` reads through
    ``ctx.call``, retried per ``dss.policy``; two objects of the name (``AmbiguousName``) propagate:
    that is no unknown, it is a conflict to report."""
    from ..resources.kind import AmbiguousName
    try:
        return writer.fetch(ctx, name) is not None
    except AmbiguousName:
        raise
    except Exception:  # noqa: BLE001 - unknown: the caller reports the original failure
        return None


def _holds(handler: Any, ctx: Any, name: str, obj: Any, desired: Dict[str, Any]) -> bool:
    """After a failed write: does DSS hold the desired form anyway (the write landed)?"""
    try:
        verify(handler, registry.get(handler.kind), ctx, name, obj, desired)
        return True
    except Exception:  # noqa: BLE001
        return False


def transient(error: BaseException, status: Optional[int]) -> bool:
    """Worth one more attempt (``dss.policy``): a reset or timed-out connection, or a 502/503/504."""
    return is_transient(error, status)


def _message(error: BaseException) -> str:
    """The client's error text on one line (DSS's message, without the Java stack)."""
    text = str(error).strip() or error.__class__.__name__
    first = text.splitlines()[0]
    return first if len(first) <= 500 else first[:497] + "..."
