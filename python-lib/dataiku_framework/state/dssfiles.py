"""JSON documents kept in a DSS project's library, and who is talking to DSS.

Why the project library: a library file does not clutter the flow, is readable with read rights and
writable with write rights on the project, and DSS commits every library edit to the project's git
history, so the state and lock files are versioned with the project they describe.

Only public ``dataikuapi`` calls are used (``project.get_library()``, ``DSSLibraryFolder.add_file``,
``DSSLibraryFile.read``/``write``). Request counts, which the callers rely on:

- reading a document: two reads (the library tree, then the file);
- rewriting an existing document: one write request carrying the whole text;
- creating it (once per project): the folder (one write, when it is missing), then the file with its
  text (one write, ``Listing.new_file``), from the listing of the read that found it absent (a
  document written unread lists the library once first). No name probe and no empty file first:
  that cost two more requests per file, and a reader between them saw an empty file.
- through a ``Listing`` (one operation on several files, the plan store's): one listing for all of
  them, one read per file, one write per file written, a new file's included (created with its text).

Reads are retried on transient failures (``dss.policy``): a read changes nothing, so another
attempt is always safe. Writes are not retried here: whether a second write is safe depends on
what the file is (a lock's write must not land after another acquirer's), so the callers retry
whole operations (``ProjectLock``, ``StateStore``'s lost-answer check, ``apply.run``).

Transport and permission errors of the client (``DataikuException``, ``requests`` errors) are not
wrapped, so callers can classify them (``dss.failures``).
"""
import json
import os
import socket
from datetime import datetime, timezone
from typing import Any, Dict, Optional, Tuple

from ..config.secrets import mask_secret, redact
from ..dss.policy import DEFAULT as DEFAULT_POLICY

#: The library folder holding the framework's files (at the library root, beside ``python``/``R``).
FOLDER = "dataiku-framework"


class LibraryDocument(object):
    """One JSON document at ``FOLDER/<name>`` in the library of project ``project_key``."""

    def __init__(self, client: Any, project_key: str, name: str, policy: Any = None,
                 listing: Optional["Listing"] = None) -> None:
        self.client = client
        self.policy = policy or DEFAULT_POLICY
        self.project_key = project_key
        self.name = name
        self.path = "%s/%s" % (FOLDER, name)
        self._handle = None  # type: Any
        #: the operation's one listing of the library (``Listing``), when it shares one
        self.listing = listing

    def read_text(self) -> Optional[str]:
        """The file's text, or None when it does not exist (two read requests, each retried on a
        transient failure; one when the document shares a ``Listing`` already read, or when this
        document read or wrote the file before: see ``_read_known``)."""
        if self._handle is not None:
            known = self._read_known()
            if known is not None:
                return known
        if self.listing is None:  # this document's own listing, kept for its creation (``write_text``)
            self.listing = Listing(self.client, self.project_key, self.policy)
        handle = self.listing.handle(self.name)
        self._handle = handle
        if handle is None:
            return None
        return self.policy.call_dss(self.client, handle.read)

    def _read_known(self) -> Optional[str]:
        """The text read straight from the file this document last read or wrote (one request, no
        listing: a holder checking its lock reads the file it wrote). None when that read fails
        (the file was removed meanwhile, or any other refusal): the caller then lists the library
        afresh, which tells a removed file (None) from an error (raised), as a first read does."""
        handle, self._handle, self.listing = self._handle, None, None
        try:
            text = self.policy.call_dss(self.client, handle.read)
        except Exception:  # noqa: BLE001 - told apart by the fresh listing that follows
            return None
        self._handle = handle
        return text

    def read_document(self) -> Optional[Any]:
        """The parsed document, None when the file is absent or empty; ``ValueError`` when the
        text is not JSON (the message names the project and the path, never the content)."""
        text = self.read_text()
        if text is None or not text.strip():
            return None
        try:
            return json.loads(text)
        except ValueError as exc:
            raise ValueError("library file %s of project %s is not valid JSON (%s at line %d)"
                             % (self.path, self.project_key, exc.__class__.__name__, getattr(exc, "lineno", 0)))

    def write_text(self, text: str) -> None:
        """Replace the whole file with ``text``: one write request when the file was seen by the
        last ``read_text`` (see the module docstring for the creation case)."""
        if self._handle is None:
            if self.listing is None:  # written unread: the listing that tells whether it exists
                self.listing = Listing(self.client, self.project_key, self.policy)
            self._handle = self.listing.new_file(self.name)
        self._handle.write(text)

    def write_document(self, doc: Any) -> str:
        """Write ``doc`` as indented JSON with sorted keys (readable diffs in project git); the text."""
        text = dumps(doc)
        self.write_text(text)
        return text


class Listing(object):
    """One listing of project ``project_key``'s library, shared by the documents one operation reads
    and writes (``document``): the plan store's operations touch the index and a plan file, and a
    listing per file read or write tripled their reads. A file this listing does not show is created
    by its first write, in that one request carrying the whole text (``new_file``)."""

    def __init__(self, client: Any, project_key: str, policy: Any = None) -> None:
        self.client = client
        self.project_key = project_key
        self.policy = policy or DEFAULT_POLICY
        self._library = None  # type: Any
        self._created = {}  # type: Dict[str, Any]

    def document(self, name: str) -> LibraryDocument:
        return LibraryDocument(self.client, self.project_key, name, self.policy, listing=self)

    def library(self) -> Any:
        """The ``DSSLibrary`` (one read request, retried on a transient failure, on first use)."""
        if self._library is None:
            self._library = self.policy.call_dss(
                self.client, lambda: self.client.get_project(self.project_key).get_library())
        return self._library

    def handle(self, name: str) -> Any:
        """The ``DSSLibraryFile`` of ``FOLDER/name``: listed, or created by this listing; else None."""
        return self._created.get(name) or self.library().get_file("/%s/%s" % (FOLDER, name))

    def new_file(self, name: str) -> Any:
        """A handle whose first ``write`` creates ``FOLDER/name`` with its text. Why not ``add_file``:
        it probes the name (a read) and creates the file empty (a write) before the text's write, and a
        reader between the two sees an empty file. DSS's library write (``POST contents/{path}``, the
        request ``add_file`` creates with and ``write`` writes with) stores the text at that path
        whether or not a file is there (``dss-rest-api.md``, project libraries)."""
        from dataikuapi.dss.projectlibrary import DSSLibraryFile
        existing = self.handle(name)
        if existing is not None:
            return existing
        folder = framework_folder(self.client, self.project_key, self.library())
        self._created[name] = DSSLibraryFile(self.client, self.project_key, name, folder)
        return self._created[name]


def framework_folder(client: Any, project_key: str, library: Any) -> Any:
    """The ``FOLDER`` library folder, created when ``library`` does not show it (one write)."""
    folder = library.get_folder("/" + FOLDER)
    if folder is None:
        try:
            folder = library.add_folder(FOLDER)
        except Exception:
            # Created meanwhile by another process: use it, or let the real error surface.
            folder = client.get_project(project_key).get_library().get_folder("/" + FOLDER)
            if folder is None:
                raise
    return folder


def records(client: Any, project_key: str, leave: Tuple[str, ...]) -> Dict[str, str]:
    """The text of every file of ``FOLDER`` but those named in ``leave``: the tool's own records
    (stored plans, their index, the last drift check), which a git revert of the project must not
    take back (``rollback`` writes them again after it). One listing plus one read per file."""
    library = client.get_project(project_key).get_library()
    folder = library.get_folder("/" + FOLDER)
    if folder is None:
        return {}
    return {item.name: item.read() for item in folder.list()
            if item.name not in leave and hasattr(item, "read")}


def restore_records(client: Any, project_key: str, kept: Dict[str, str]) -> None:
    """Write back the ``records`` a revert changed (re-created where it removed them): a file the
    revert left as it was costs no write."""
    for name, text in sorted(kept.items()):
        document = LibraryDocument(client, project_key, name)
        if document.read_text() != text:
            document.write_text(text)


def dumps(doc: Any) -> str:
    return json.dumps(doc, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def format_time(moment: datetime) -> str:
    """``2026-12-01T14:32:05.123Z`` (UTC, milliseconds)."""
    moment = moment.astimezone(timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (moment.microsecond // 1000)


def parse_time(text: Any) -> Optional[datetime]:
    """The UTC moment written by ``format_time`` (with or without the fraction), None otherwise."""
    if not isinstance(text, str):
        return None
    for pattern in ("%Y-%m-%dT%H:%M:%S.%fZ", "%Y-%m-%dT%H:%M:%SZ"):
        try:
            return datetime.strptime(text, pattern).replace(tzinfo=timezone.utc)
        except ValueError:
            continue
    return None


def identity(client: Any) -> Dict[str, Any]:
    """``{"user", "host", "pid"}`` of this process talking to DSS through ``client``.

    ``user`` is the DSS login of the API key (``get_auth_info()["authIdentifier"]``, one read
    request). It is masked against the client's own key and redacted, so no record built from it can
    carry a credential even if DSS names a key rather than a user."""
    info = client.get_auth_info() or {}
    user = info.get("authIdentifier") or info.get("associatedDSSUser") or "unknown"
    user = redact(mask_secret(str(user), getattr(client, "api_key", None)))
    return {"user": user, "host": socket.gethostname(), "pid": os.getpid()}


def format_major(value: Any) -> Optional[int]:
    """The major version of a ``format_version`` (``1``, ``"1"``, ``"1.2"``), None when unreadable."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        head = value.split(".", 1)[0]
        if head.isdigit() and all(part.isdigit() for part in value.split(".")):
            return int(head)
    return None


def split_major(doc: Any, what: str, project_key: str, supported: int) -> Tuple[int, Dict[str, Any]]:
    """Check ``doc`` is a JSON object whose ``format_version`` this code reads; ``(major, doc)``.

    Raises ``ValueError`` naming both versions for a newer major format."""
    if not isinstance(doc, dict):
        raise ValueError("the %s of project %s is not a JSON object" % (what, project_key))
    major = format_major(doc.get("format_version"))
    if major is None:
        raise ValueError("the %s of project %s has no readable format_version (found %r)"
                         % (what, project_key, doc.get("format_version")))
    if major > supported:
        raise ValueError("the %s of project %s was written in format version %s, newer than format version %d "
                         "that this dataiku-framework reads: upgrade dataiku-framework to use it"
                         % (what, project_key, doc.get("format_version"), supported))
    if major < 1:
        raise ValueError("the %s of project %s has an unknown format_version %r"
                         % (what, project_key, doc.get("format_version")))
    return major, doc
