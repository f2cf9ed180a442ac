"""The apply state of a project, kept in DSS: library file ``dataiku-framework/state.json``.

Why in DSS, in the project library: the CLI, macros, scenario steps and the webapp all see the same
state; a library file does not clutter the flow, is readable with read rights and writable with
write rights on the project, and DSS commits library edits to project git, so every state write is
versioned with the project.

The document (JSON object)::

    format_version  1 (the major version; additive changes keep it, and fields this code does not
                    know are kept when it rewrites the document)
    lineage         a UUID, set by the first write and never changed
    serial          +1 on every write
    resources       {address: {kind, name, canonical, created_by_tool, prevent_destroy,
                               applied_at, apply_id}}
                    ``canonical``: the canonical form last applied (the plan's ``after``)
    history         [{apply_id, user, host, started_at, ended_at, config_digest, config_source,
                      result, counts}], oldest first, the last ``HISTORY_LIMIT`` applies;
                    ``result`` is succeeded | failed | partial once ended, interrupted (stopped
                    by a signal, or its lock lost), null while running; ``counts`` are kept
                    current while it runs; ``lock_id``: the lock it held. An entry left null by
                    a process that died (SIGKILL) is *abandoned* once its lock is gone or expired:
                    ``history_view`` shows it so (reads only), and the next apply or ``unlock``
                    closes it so in the state (``close_abandoned``)

It never holds secret values: the whole document goes through ``config.secrets.redact_value``
(values under credential-named keys, and credential-looking strings anywhere) before it is written.
A redacted value reads back as ``<redacted...>``: whoever compares ``canonical`` with DSS must treat
it as unknown, not as a difference.

Atomicity: a write is one request carrying the whole file (``DSSLibraryFile.write``); DSS stores the
body it received as the new content, and an interrupted request never reaches it as a complete body,
so a torn (half-written) state cannot happen server-side. A crash loses at most what was not written
yet. A write whose answer is lost (connection dropped, 5xx from a proxy) is checked with one read:
when DSS holds exactly the document sent, the write succeeded; otherwise its error is raised and
DSS holds the previous state, so the same write can be retried. An unreadable file is never
overwritten: reading and writing both refuse it.

Concurrency: DSS offers no compare-and-swap. ``write`` re-reads the serial and refuses a stale write
(the state moved since it was read), which catches a state read long before (a saved plan, a second
tool run); two writers racing between that check and their write are excluded by the project lock
(``state.lock``), which every writer must hold.
"""
import copy
import json
import logging
import uuid
from typing import Any, Dict, List, Optional, Tuple

from ..config.secrets import redact_value
from .dssfiles import LibraryDocument, dumps, format_time, split_major, utc_now

FORMAT_VERSION = 1
FILE_NAME = "state.json"
HISTORY_LIMIT = 100

log = logging.getLogger(__name__)
RESULTS = ("succeeded", "failed", "partial", "interrupted", "abandoned")


class StateError(Exception):
    """The state cannot be used as asked."""

    code = "state.error"  #: its ``errors.CATALOGUE`` code, shown in the error line and in --json


class StateFormatError(StateError):
    """The state in DSS is unreadable by this version: newer major format, not JSON, wrong shape."""

    code = "state.format"  #: its ``errors.CATALOGUE`` code, shown in the error line and in --json


class StaleStateError(StateError):
    """The state in DSS moved since it was read (its serial or lineage is not the expected one)."""

    code = "state.stale"  #: its ``errors.CATALOGUE`` code, shown in the error line and in --json

    def __init__(self, project_key: str, expected_serial: int, actual_serial: int, message: str) -> None:
        self.project_key = project_key
        self.expected_serial = expected_serial
        self.actual_serial = actual_serial
        super().__init__(message)


def new_apply_id(now: Any = None) -> str:
    """A unique, sortable id usable as a git tag: ``20261201T143205Z-1a2b3c4d``."""
    moment = now or utc_now()
    return moment.strftime("%Y%m%dT%H%M%SZ") + "-" + uuid.uuid4().hex[:8]


def _json_copy(value: Any, what: str) -> Any:
    try:
        return json.loads(json.dumps(value))
    except (TypeError, ValueError) as exc:
        raise TypeError("%s is not JSON data: %s" % (what, exc))


class State(object):
    """A project's state as read from DSS (``serial`` is the serial it was read at).

    Changes are made in memory (``record_resource``, ``remove_resource``, ``start_apply``,
    ``end_apply``) and saved with ``StateStore.write``.
    """

    def __init__(self, lineage: Optional[str] = None, serial: int = 0, resources: Optional[Dict[str, Any]] = None,
                 history: Optional[List[Dict[str, Any]]] = None, extra: Optional[Dict[str, Any]] = None) -> None:
        self.lineage = lineage
        self.serial = serial
        self.resources = resources if resources is not None else {}  # type: Dict[str, Dict[str, Any]]
        self.history = history if history is not None else []  # type: List[Dict[str, Any]]
        #: Top-level fields written by a newer minor version, kept as they are.
        self.extra = extra if extra is not None else {}  # type: Dict[str, Any]
        #: Entries already redacted (recorded through ``record_resource``, or read back from DSS where
        #: they were written redacted): ``to_document`` redacts only the others, so writing the state
        #: after each resource costs the size of what changed, not of the whole state.
        self._redacted = set()  # type: set
        #: the library file (``LibraryDocument``) this state was read from, never serialised: the
        #: holder of the lock writes it through that one (``StateStore.send``), no second listing
        self.document = None  # type: Any

    # -- document ------------------------------------------------------------------------------
    @classmethod
    def from_document(cls, doc: Any, project_key: str = "?") -> "State":
        """The state of ``doc``; ``StateFormatError`` for a newer major format or a wrong shape."""
        try:
            split_major(doc, "state", project_key, FORMAT_VERSION)
        except ValueError as exc:
            raise StateFormatError(str(exc))
        lineage = doc.get("lineage")
        serial = doc.get("serial")
        resources = doc.get("resources", {})
        history = doc.get("history", [])
        problems = []
        if lineage is not None and not isinstance(lineage, str):
            problems.append("lineage is not a string")
        if isinstance(serial, bool) or not isinstance(serial, int) or serial < 0:
            problems.append("serial is not a non-negative integer")
        if not isinstance(resources, dict) or not all(isinstance(r, dict) for r in resources.values()):
            problems.append("resources is not an object of objects")
        if not isinstance(history, list) or not all(isinstance(h, dict) for h in history):
            problems.append("history is not a list of objects")
        if problems:
            raise StateFormatError("the state of project %s is not a dataiku-framework state: %s"
                                   % (project_key, "; ".join(problems)))
        extra = {k: v for k, v in doc.items()
                 if k not in ("format_version", "lineage", "serial", "resources", "history")}
        state = cls(lineage, serial, copy.deepcopy(resources), copy.deepcopy(history), copy.deepcopy(extra))
        return state

    def to_document(self) -> Dict[str, Any]:
        """The document to write (redacted: no secret value can reach DSS). Entries recorded through
        ``record_resource`` were redacted then and are shared, not copied; the rest is redacted here."""
        for address in [a for a in self.resources if a not in self._redacted]:
            self.resources[address] = redact_value(self.resources[address])
            self._redacted.add(address)
        doc = redact_value(dict(self.extra, history=self.history))
        doc.update({"format_version": FORMAT_VERSION, "lineage": self.lineage, "serial": self.serial,
                    "resources": dict(self.resources)})
        return doc

    @property
    def exists(self) -> bool:
        """False for the empty state of a project that has none in DSS yet."""
        return self.serial > 0

    # -- resources -----------------------------------------------------------------------------
    def resource(self, address: str) -> Optional[Dict[str, Any]]:
        return self.resources.get(address)

    def record_resource(self, address: str, kind: str, name: str, canonical: Any, apply_id: str,
                        created_by_tool: Optional[bool] = None, prevent_destroy: bool = False,
                        applied_at: Optional[str] = None) -> Dict[str, Any]:
        """Record that ``address`` was applied as ``canonical`` by apply ``apply_id``.

        ``created_by_tool``: True when this apply created the resource; None keeps what the state
        says (False for a resource new to the state). Fields of a newer minor version are kept."""
        if not isinstance(address, str) or not address:
            raise ValueError("a resource address must be a non-empty string")
        entry = self.resources.get(address)
        if entry is None:
            entry = {"created_by_tool": False}
        entry = dict(entry)
        if created_by_tool is not None:
            entry["created_by_tool"] = bool(created_by_tool)
        entry.update({"kind": kind, "name": name, "canonical": _json_copy(canonical, "canonical form of %s" % address),
                      "prevent_destroy": bool(prevent_destroy), "apply_id": apply_id,
                      "applied_at": applied_at or format_time(utc_now())})
        self.resources[address] = entry = redact_value(entry)
        self._redacted.add(address)
        return entry

    def set_flag(self, address: str, field: str, value: Any) -> None:
        """Set one plain field of a recorded entry (``drop_data_on_destroy``...): kept redacted."""
        self.resources[address] = dict(self.resources[address], **{field: redact_value(value, field)})

    def remove_resource(self, address: str) -> Optional[Dict[str, Any]]:
        """Forget ``address`` (deleted from DSS, or no longer managed); its record, None when absent."""
        self._redacted.discard(address)
        return self.resources.pop(address, None)

    # -- history -------------------------------------------------------------------------------
    def start_apply(self, user: str, host: str, config_digest: Optional[str], config_source: Optional[str],
                    apply_id: Optional[str] = None, started_at: Optional[str] = None) -> str:
        """Open a history entry (result null until ``end_apply``); its apply id. Keeps the last
        ``HISTORY_LIMIT`` entries."""
        apply_id = apply_id or new_apply_id()
        if self.history_entry(apply_id) is not None:
            raise ValueError("apply %s is already in the history" % apply_id)
        self.history.append({"apply_id": apply_id, "user": user, "host": host,
                             "started_at": started_at or format_time(utc_now()), "ended_at": None,
                             "config_digest": config_digest, "config_source": config_source,
                             "result": None, "counts": {}})
        del self.history[:-HISTORY_LIMIT]
        return apply_id

    def end_apply(self, apply_id: str, result: str, counts: Optional[Dict[str, int]] = None,
                  ended_at: Optional[str] = None) -> Dict[str, Any]:
        """Close the history entry of ``apply_id`` with ``result`` (succeeded, failed or partial)."""
        if result not in RESULTS:
            raise ValueError("result must be one of %s, not %r" % (", ".join(RESULTS), result))
        counts = dict(counts or {})
        for key, value in counts.items():
            if not isinstance(key, str) or isinstance(value, bool) or not isinstance(value, int):
                raise ValueError("counts must map names to integers (%r: %r)" % (key, value))
        entry = self.history_entry(apply_id)
        if entry is None:
            raise ValueError("apply %s is not in the history" % apply_id)
        if entry.get("result") is not None:
            raise ValueError("apply %s already ended (%s)" % (apply_id, entry["result"]))
        entry.update({"result": result, "counts": counts, "ended_at": ended_at or format_time(utc_now())})
        return entry

    def abandoned(self, lock: Any, skip: Optional[str] = None) -> List[Dict[str, Any]]:
        """The entries still open (result null) whose process is gone: ``lock`` (the project's lock
        record, None when free) is free, expired, or another than the one the entry held. ``skip``:
        the apply id of the caller's own entry."""
        def gone(entry: Dict[str, Any]) -> bool:
            if lock is None or lock.expired():
                return True
            return bool(entry.get("lock_id")) and entry.get("lock_id") != lock.id
        return [e for e in self.history if e.get("result") is None and e.get("apply_id") != skip and gone(e)]

    def abandoned_outcome(self, entry: Dict[str, Any]) -> Dict[str, int]:
        """What the state records of an abandoned entry's apply: its running counts, else how many
        resources carry its apply id."""
        counts = entry.get("counts")
        if isinstance(counts, dict) and any(counts.values()):
            return dict(counts)
        apply_id = entry.get("apply_id")
        return {"recorded": sum(1 for r in self.resources.values() if r.get("apply_id") == apply_id)}

    def close_abandoned(self, lock: Any, skip: Optional[str] = None) -> List[str]:
        """Close the abandoned entries (see ``abandoned``) as ``abandoned`` with their outcome; their ids."""
        closed = []
        for entry in self.abandoned(lock, skip):
            self.end_apply(entry["apply_id"], "abandoned", self.abandoned_outcome(entry))
            closed.append(entry["apply_id"])
        return closed

    def history_view(self, lock: Any) -> List[Dict[str, Any]]:
        """The history, newest first, an abandoned entry shown ``abandoned`` with its outcome (copies:
        worked out when reading, nothing is written)."""
        gone = {id(e) for e in self.abandoned(lock)}
        view = []
        for entry in reversed(self.history):
            if id(entry) in gone:
                entry = dict(entry, result="abandoned", counts=self.abandoned_outcome(entry))
            view.append(entry)
        return view

    def history_entry(self, apply_id: str) -> Optional[Dict[str, Any]]:
        for entry in reversed(self.history):
            if entry.get("apply_id") == apply_id:
                return entry
        return None

    def __repr__(self) -> str:
        return "State(lineage=%s, serial=%d, %d resources, %d applies)" % (
            self.lineage, self.serial, len(self.resources), len(self.history))


class StateStore(object):
    """Read and write the state of ``project_key`` through the ``dataikuapi`` ``client``.

    ``read()`` costs two read requests; ``write()`` two reads (the serial check) and one write
    request (three writes, once per project, when the file does not exist yet: folder, empty file,
    content).
    """

    def __init__(self, client: Any, project_key: str) -> None:
        self.client = client
        self.project_key = project_key
        self.path = LibraryDocument(client, project_key, FILE_NAME).path
        self._document = None  # type: Any  # the file as last read or written (its handle, for ``send``)

    def _load(self) -> Any:
        document = LibraryDocument(self.client, self.project_key, FILE_NAME)
        self._document = document
        try:
            doc = document.read_document()
        except ValueError as exc:
            raise StateFormatError("%s; it is left as it is: repair it from the project's git history" % exc)
        state = State() if doc is None else State.from_document(doc, self.project_key)
        state.document = document
        return document, state

    def read(self) -> State:
        """The state in DSS; an empty ``State`` (serial 0, no lineage) when the project has none."""
        return self._load()[1]

    def write(self, state: State, expected_serial: Optional[int] = None, at_least: int = 0) -> State:
        """Write ``state`` if DSS still holds serial ``expected_serial`` (default ``state.serial``)
        and the same lineage; the state as written (serial + 1, lineage set). ``state`` is not
        changed. ``StaleStateError`` when the state moved, ``StateFormatError`` when DSS holds a state
        this version cannot read (never overwritten). ``at_least``: the new serial is above it too
        (after a git revert brought back an older state, serials keep increasing)."""
        expected = state.serial if expected_serial is None else expected_serial
        document, current = self._load()
        if current.serial != expected:
            raise StaleStateError(
                self.project_key, expected, current.serial,
                "the state of project %s moved since it was read: it is at serial %d, this change was made "
                "from serial %d (someone else wrote it meanwhile); read it again and redo the change"
                % (self.project_key, current.serial, expected))
        if current.lineage is not None and state.lineage is not None and current.lineage != state.lineage:
            raise StaleStateError(
                self.project_key, expected, current.serial,
                "the state of project %s has lineage %s, this change was made from lineage %s (the state was "
                "replaced meanwhile); read it again" % (self.project_key, current.lineage, state.lineage))
        new = State(state.lineage or current.lineage or str(uuid.uuid4()), max(current.serial, at_least) + 1,
                    copy.deepcopy(state.resources), copy.deepcopy(state.history), copy.deepcopy(state.extra))
        doc = new.to_document()
        try:
            document.write_document(doc)
        except Exception:
            # The write may have landed with its answer lost (a dropped connection, a proxy's 5xx):
            # when DSS now holds exactly this document, it is written; otherwise the error stands
            # and DSS still holds the previous state, so the same write can be retried.
            if not self._holds(doc):
                raise
        return State.from_document(doc, self.project_key)

    def prepare(self, state: State) -> Tuple[Dict[str, Any], str]:
        """For a writer holding the project lock, with ``state`` read or written by this store last:
        the next document (serial + 1, lineage set) and its text, without re-reading DSS. Cheap (no
        copies of entries already redacted); call it while nothing changes ``state``, then ``send``."""
        doc = state.to_document()
        doc["serial"] = state.serial + 1
        doc["lineage"] = state.lineage or str(uuid.uuid4())
        return doc, dumps(doc)

    def send(self, state: State, doc: Dict[str, Any], text: str) -> None:
        """Write a prepared document (one write request; a lost answer checked with one read, as
        ``write`` does); ``state``'s serial and lineage follow. No serial check: the caller holds the
        project lock, which every writer of the state must hold."""
        document = self._document or state.document or LibraryDocument(self.client, self.project_key, FILE_NAME)
        try:
            document.write_text(text)
        except Exception:
            if not self._holds(doc):
                raise
        self._document = document
        state.serial, state.lineage = doc["serial"], doc["lineage"]

    def _holds(self, doc: Dict[str, Any]) -> bool:
        try:
            return LibraryDocument(self.client, self.project_key, FILE_NAME).read_document() == doc
        except Exception:  # noqa: BLE001 - cannot tell: the write's own error is the one to report
            return False


def history_of(client: Any, project_key: str) -> List[Dict[str, Any]]:
    """The history of ``project_key``'s state, newest first, abandoned entries shown so (``history_view``;
    reads only). An unreadable lock record tells nothing: open entries then stay shown as running."""
    from .lock import LockError, read_lock
    state = StateStore(client, project_key).read()
    if not any(e.get("result") is None for e in state.history):
        return list(reversed(state.history))
    try:
        lock = read_lock(client, project_key)
    except LockError:
        return list(reversed(state.history))
    return state.history_view(lock)


def settle_abandoned(client: Any, project_key: str) -> List[str]:
    """After ``unlock``: close the entries of applies that died as ``abandoned`` in the state (one
    write, only when there are some); their ids. A failure is logged: the lock is released anyway,
    and the next apply closes them."""
    from .lock import read_lock
    store = StateStore(client, project_key)
    try:
        state = store.read()
        closed = state.close_abandoned(read_lock(client, project_key))
        if closed:
            store.write(state)
        return closed
    except Exception as error:  # noqa: BLE001 - the unlock itself succeeded
        log.warning("project %s: the history entries of applies that died could not be closed (%s); the next "
                    "apply closes them", project_key, error.__class__.__name__)
        return []
