"""The plan store: plans saved in a DSS project, with their review record (issue 15).

Why the project library, beside the state (``dssfiles``): every face (CLI, macros, scenario steps, the
review webapp) sees the same plans; a library file does not show in the flow, is readable with read
rights on the project, and is versioned in project git. Files (``dataiku-framework/``):

    plans.json          the index: {format_version, settings, plans: [{id, status, author, created_at,
                        updated_at, digest, source, summary, apply_id}]}, oldest first; settings also
                        keep the review webapp's confirmed source ({source, by, at}: confirm_source)
    plan-<id>.json      one stored plan: {format_version, id, project_key, digest, plan (the plan
                        document, with its document_digest), source, author, created_at, status,
                        events: [{status, user, at, comment}], comments: [{user, at, text}], apply_id}

A stored plan is a plan document, which never holds a secret (``plan.document`` redacts every value);
the record around it is redacted again before it is written, comments included.

Retention (``limit``, default ``RETENTION``): after a save, the oldest plans whose review is over
(``applied``, ``failed``, ``stale``, ``discarded``) are deleted until at most ``limit`` remain. A
``pending`` or ``approved`` plan is never pruned: when they alone exceed the limit, ``save`` says so
(``SaveOutcome.notes``) and keeps them; discard some to make room.

**A stored approval is a record, not a permission.** Any project writer can write the library, so an
``approved`` status proves nothing by itself: ``apply_stored`` checks again the acting user's rights
(project admin), the stored plan's digest (a tampered plan is refused, naming it) and a fresh plan
(``Engine.apply(plan)``: a stale plan is refused, explaining what moved, and marked ``stale``).
``apply_stored`` and the other steps that plan or apply around the store (``plan_and_store``,
``check_stored``, ``source_config``) live above it, in ``dataiku_framework.stored_plans``: the store
is a file layer and imports neither apply nor the plugin.

Concurrency: DSS offers no compare-and-swap and the store takes no lock (the project lock is apply's,
and a review must not wait on an apply): two status changes of one plan at the same instant keep the
last one written, and two saves at the same instant may leave one plan out of the index (its file
stays in the library; plan again). The plan file is written before the index, so the index never
lists a plan whose file is missing.
"""
import logging
import os
import re
from typing import Any, Dict, List, Optional

from ..config.secrets import is_secret_key, redact, redact_value
from ..plan.document import DIGEST_KEY, Plan, PlanFormatError, load_saved
from .dssfiles import FOLDER, LibraryDocument, Listing, format_time, split_major, utc_now
from .store import new_apply_id

FORMAT_VERSION = 1
INDEX_NAME = "plans.json"
#: how many plans are kept by default (the oldest finished ones are pruned beyond it)
RETENTION = 50
STATUSES = ("pending", "approved", "applied", "failed", "stale", "discarded")
#: statuses whose review is still open: never pruned, the only ones that can be approved or applied
OPEN = ("pending", "approved")
#: project settings of the store (``settings``) and their defaults
SETTINGS = {"approver_must_differ": False}
#: the key, among the index's settings, of the source a project admin confirmed (``confirm_source``)
CONFIRMED_SOURCE = "confirmed_source"

log = logging.getLogger(__name__)


class PlanStoreError(Exception):
    """A stored plan cannot be used as asked (unknown id, wrong status, refused approval)."""

    code = "plans.refused"  #: its ``errors.CATALOGUE`` code, shown in the error line and in --json


class TamperedPlanError(PlanStoreError):
    """A stored plan whose content no longer matches its digest: refused, never applied."""

    code = "plans.tampered"  #: its ``errors.CATALOGUE`` code, shown in the error line and in --json


class SaveOutcome(object):
    """What ``save`` did: the new plan's ``id``, the ids ``pruned``, and ``notes`` for the caller to show."""

    def __init__(self, plan_id: str, pruned: List[str], notes: List[str]) -> None:
        self.id, self.pruned, self.notes = plan_id, pruned, notes


def plan_file(plan_id: str) -> str:
    return "plan-%s.json" % plan_id


def source_of(metadata: Dict[str, Any]) -> Dict[str, Any]:
    """Where a plan's configuration came from, from its ``metadata``: ``{type: git, url, commit, path}``
    for a pinned git source, else ``{type: file, path}`` (callers reading a managed folder pass
    ``{type: folder, folder, path}`` themselves)."""
    from ..sources.git import is_git_source, parse_source
    source = metadata.get("config_source")
    if is_git_source(source):
        parsed = parse_source(source)
        return {"type": "git", "url": parsed.url, "commit": metadata.get("config_commit") or parsed.ref,
                "path": parsed.path, "environment": metadata.get("environment")}
    path = os.path.abspath(source) if isinstance(source, str) and source else source
    return {"type": "file", "path": path, "environment": metadata.get("environment")}


def describe_source(source: Any) -> str:
    """One line naming a stored source: ``folder F: path``, ``git URL@COMMIT#path``, or the file."""
    if not isinstance(source, dict):
        return "?"
    if source.get("type") == "folder":
        text = "folder %s: %s" % (source.get("folder"), source.get("path"))
    elif source.get("type") == "git":
        text = "git %s@%s#%s" % (source.get("url"), (source.get("commit") or "")[:12], source.get("path"))
    else:
        text = str(source.get("path"))
    return text + (" (env %s)" % source["environment"] if source.get("environment") else "")


class PlanStore(object):
    """The plans stored in project ``project_key``, through the ``dataikuapi`` ``client``, whose DSS
    login is the user every change records (a webapp acts through a client of the browser's user:
    ``browser_user_client``). ``limit``: the retention limit."""

    def __init__(self, client: Any, project_key: str, limit: int = RETENTION) -> None:
        if limit < 1:
            raise ValueError("the retention limit must be at least 1 (got %r)" % (limit,))
        self.client = client
        self.project_key = project_key
        self.limit = int(limit)

    # -- files -------------------------------------------------------------------------------------
    def _open(self) -> "_Files":
        """The files of one operation: one library listing, the index read at most once."""
        return _Files(Listing(self.client, self.project_key))

    def _index(self, files: "_Files") -> Dict[str, Any]:
        if files.index is None:
            files.index = self._read_index(files.listing.document(INDEX_NAME))
        return files.index

    def _read_index(self, document: LibraryDocument) -> Dict[str, Any]:
        try:
            doc = document.read_document()
        except ValueError as error:
            raise PlanStoreError("%s; repair it from the project's git history" % error)
        if doc is None:
            return {"format_version": FORMAT_VERSION, "settings": {}, "plans": []}
        try:
            split_major(doc, "plan index", self.project_key, FORMAT_VERSION)
        except ValueError as error:
            raise PlanStoreError(str(error))
        if not isinstance(doc.get("plans"), list):
            raise PlanStoreError("the plan index %s/%s of project %s has no list of plans"
                                 % (FOLDER, INDEX_NAME, self.project_key))
        doc.setdefault("settings", {})
        return doc

    def _write_index(self, files: "_Files", index: Dict[str, Any]) -> None:
        files.listing.document(INDEX_NAME).write_document(redact_value(index))
        files.index = index

    def _read(self, files: "_Files", plan_id: str) -> Dict[str, Any]:
        _check_id(plan_id)
        try:
            record = files.listing.document(plan_file(plan_id)).read_document()
        except ValueError as error:
            raise TamperedPlanError("stored plan %s: %s" % (plan_id, error))
        if record is None:
            raise PlanStoreError("project %s has no stored plan %s (list them with 'dss-framework plans list')"
                                 % (self.project_key, plan_id))
        try:
            split_major(record, "stored plan %s" % plan_id, self.project_key, FORMAT_VERSION)
        except ValueError as error:
            raise PlanStoreError(str(error))
        return record

    def _write(self, files: "_Files", record: Dict[str, Any]) -> None:
        """Write a record, redacted around its plan (a plan document is redacted when it is built, and
        its digest binds it as built)."""
        doc = redact_value({k: v for k, v in record.items() if k != "plan"})
        doc["plan"] = record["plan"]
        files.listing.document(plan_file(record["id"])).write_document(doc)

    def _user(self, user: Optional[str]) -> str:
        if user:
            return redact_value(str(user))
        from .dssfiles import identity
        return identity(self.client)["user"]

    # -- operations --------------------------------------------------------------------------------
    def save(self, plan: Plan, source: Optional[Dict[str, Any]] = None, comment: Optional[str] = None) -> SaveOutcome:
        """Store ``plan`` (status ``pending``) with its document, digest, source (default: from its
        metadata, ``source_of``), author (the client's DSS user) and time; prune past the retention
        limit. A plan of another project than this store's is refused."""
        doc = _document_of(plan)
        key = (doc.get("metadata") or {}).get("project_key")
        if key != self.project_key:
            raise PlanStoreError("this plan is of project %s, not %s: store it in its own project" % (key, self.project_key))
        if any(e.get("address") == "project" and e.get("action") == "create" for e in doc["resource_changes"]):
            raise PlanStoreError("this plan creates project %s, whose library (where plans are stored) does not exist "
                                 "yet: apply the project first (or plan without storing)" % key)
        author, now, comment = self._user(None), format_time(utc_now()), free_text(comment)
        record = {"format_version": FORMAT_VERSION, "id": new_apply_id(), "project_key": self.project_key,
                  "digest": doc[DIGEST_KEY], "plan": doc, "source": source or source_of(doc.get("metadata") or {}),
                  "author": author, "created_at": now, "status": "pending",
                  "events": [{"status": "pending", "user": author, "at": now, "comment": comment}],
                  "comments": [{"user": author, "at": now, "text": comment}] if comment else [], "apply_id": None}
        files = self._open()
        index = self._index(files)
        self._write(files, record)
        index["plans"].append(_entry(record))
        pruned, notes = self._prune(index)
        self._write_index(files, index)
        self._delete_files(files, pruned)
        return SaveOutcome(record["id"], pruned, notes)

    def list(self, status: Optional[str] = None) -> List[Dict[str, Any]]:
        """The index entries, newest first (only those of ``status`` when given)."""
        if status is not None and status not in STATUSES:
            raise PlanStoreError("unknown status %r: one of %s" % (status, ", ".join(STATUSES)))
        entries = list(reversed(self._index(self._open())["plans"]))
        return [e for e in entries if status is None or e.get("status") == status]

    def get(self, plan_id: str) -> Dict[str, Any]:
        """The stored record of ``plan_id``, its plan checked: ``TamperedPlanError`` naming it when the
        plan's content, its digest and the index's copy of the digest do not all agree."""
        return self._get(self._open(), plan_id)

    def _get(self, files: "_Files", plan_id: str) -> Dict[str, Any]:
        record = self._read(files, plan_id)
        self.plan_of(record)
        listed = [e for e in self._index(files)["plans"] if e.get("id") == plan_id]
        if listed and listed[0].get("digest") != record.get("digest"):
            raise TamperedPlanError("stored plan %s of project %s was changed after it was stored: its digest is not "
                                    "the one the index recorded. It is refused; plan again" % (plan_id, self.project_key))
        return record

    def plan_of(self, record: Dict[str, Any]) -> Plan:
        """The ``Plan`` of a stored record, checked (its own ``document_digest``, and the record's)."""
        doc = record.get("plan")
        name = record.get("id")
        try:
            plan = load_saved(doc)
        except PlanFormatError as error:
            raise TamperedPlanError("stored plan %s of project %s is refused: %s" % (name, self.project_key, error))
        if not isinstance(doc, dict) or record.get("digest") != doc.get(DIGEST_KEY):
            raise TamperedPlanError("stored plan %s of project %s was changed after it was stored: its digest does not "
                                    "match. It is refused; plan again" % (name, self.project_key))
        key = (plan.doc.get("metadata") or {}).get("project_key")
        if key != self.project_key or record.get("project_key") != self.project_key:
            raise TamperedPlanError("stored plan %s is a plan of project %s, found in project %s: refused"
                                    % (name, key, self.project_key))
        return plan

    def approve(self, plan_id: str, comment: Optional[str] = None) -> Dict[str, Any]:
        """Record an approval of a ``pending`` plan by a project admin: the client's own DSS user, whose
        rights are checked (no other name can be given: the one recorded is the one checked). With the
        setting ``approver_must_differ``, the plan's author cannot approve it."""
        approver = self._admin("approving stored plan %s" % plan_id)
        files = self._open()
        record = self._get(files, plan_id)
        if self._settings(files).get("approver_must_differ") and approver == record.get("author"):
            raise PlanStoreError("stored plan %s was made by %s, who may not approve it: project %s requires another "
                                 "approver (setting approver_must_differ)" % (plan_id, approver, self.project_key))
        return self._change(files, record, "approved", approver, comment, OPEN[:1])

    def discard(self, plan_id: str, comment: Optional[str] = None) -> Dict[str, Any]:
        """Discard a pending or approved plan (project admins only): it can no longer be approved or applied."""
        user = self._admin("discarding stored plan %s" % plan_id)
        files = self._open()
        return self._change(files, self._read(files, plan_id), "discarded", user, comment, OPEN)

    def _admin(self, what: str) -> str:
        """The client's DSS login when it administers the project; ``PlanStoreError`` saying why not."""
        from ..dss.rights import NotProjectAdmin, check_project_admin
        try:
            return redact_value(check_project_admin(self.client, self.project_key, what))
        except NotProjectAdmin as error:
            raise PlanStoreError(str(error))

    def mark_stale(self, plan_id: str, why: str, user: Optional[str] = None) -> Dict[str, Any]:
        """Record that a fresh plan of the same source differs (``why``: what moved)."""
        files = self._open()
        return self._change(files, self._read(files, plan_id), "stale", self._user(user), why, OPEN)

    def mark_applied(self, plan_id: str, apply_id: Optional[str], succeeded: bool, user: Optional[str] = None,
                     comment: Optional[str] = None) -> Dict[str, Any]:
        """Record the apply a plan led to: ``applied`` or ``failed``, with its apply id."""
        files = self._open()
        record = self._read(files, plan_id)
        record["apply_id"] = apply_id
        return self._change(files, record, "applied" if succeeded else "failed", self._user(user), comment, OPEN)

    def comment(self, plan_id: str, text: str) -> Dict[str, Any]:
        """Add a comment to a stored plan (any status), in the client's DSS user's name."""
        files = self._open()
        record = self._read(files, plan_id)
        record.setdefault("comments", []).append({"user": self._user(None), "at": format_time(utc_now()),
                                                  "text": free_text(text)})
        self._write(files, record)
        return record

    def settings(self) -> Dict[str, Any]:
        """The store's project settings (``SETTINGS`` and their defaults). Kept in the index, which any
        project writer can edit, like every library file: a setting guards against a mistake (an author
        approving their own plan), not against a writer bent on it; apply's checks do not rely on it."""
        return self._settings(self._open())

    def _settings(self, files: "_Files") -> Dict[str, Any]:
        return dict(SETTINGS, **{k: v for k, v in self._index(files).get("settings", {}).items() if k in SETTINGS})

    def set_setting(self, name: str, value: Any) -> Dict[str, Any]:
        """Set one setting (project admins only, checked with the client's rights); the settings."""
        if name not in SETTINGS:
            raise PlanStoreError("unknown plan store setting %r: one of %s" % (name, ", ".join(SETTINGS)))
        self._admin("changing the plan store's settings")
        files = self._open()
        index = self._index(files)
        index["settings"][name] = type(SETTINGS[name])(value)
        self._write_index(files, index)
        return self._settings(files)

    def confirmed_source(self) -> Optional[Dict[str, Any]]:
        """The source a project admin confirmed for the review webapp's "Plan now" (``confirm_source``):
        ``{source, by, at}``, or None when none was. A record in the library, like the settings: it
        tells a changed webapp parameter from the one an admin chose, not a permission."""
        record = self._index(self._open()).get("settings", {}).get(CONFIRMED_SOURCE)
        return record if isinstance(record, dict) and isinstance(record.get("source"), dict) else None

    def confirm_source(self, source: Dict[str, Any]) -> Dict[str, Any]:
        """Record ``source`` (its exact parameters) as the one "Plan now" may read, with who and when
        (project admins only, checked with the client's rights); the record."""
        user = self._admin("confirming where plans come from")
        files = self._open()
        index = self._index(files)
        index["settings"][CONFIRMED_SOURCE] = {"source": dict(source), "by": user, "at": format_time(utc_now())}
        self._write_index(files, index)
        return index["settings"][CONFIRMED_SOURCE]

    # -- internals ---------------------------------------------------------------------------------
    def _change(self, files: "_Files", record: Dict[str, Any], status: str, user: str, comment: Optional[str],
                allowed: Any) -> Dict[str, Any]:
        if record.get("status") not in allowed:
            raise PlanStoreError("stored plan %s is %s: it cannot become %s (only a plan that is %s can)"
                                 % (record.get("id"), record.get("status"), status, " or ".join(allowed)))
        now, comment = format_time(utc_now()), free_text(comment)
        record["status"] = status
        record.setdefault("events", []).append({"status": status, "user": user, "at": now, "comment": comment})
        if comment:
            record.setdefault("comments", []).append({"user": user, "at": now, "text": comment})
        self._write(files, record)
        index = self._index(files)
        index["plans"] = [_entry(record) if e.get("id") == record["id"] else e for e in index["plans"]]
        self._write_index(files, index)
        return record

    def _prune(self, index: Dict[str, Any]) -> Any:
        """Drop from ``index`` the oldest finished plans beyond the limit; (their ids, notes)."""
        plans = index["plans"]
        excess = len(plans) - self.limit
        pruned = []  # type: List[str]
        for entry in list(plans):
            if excess <= 0:
                break
            if entry.get("status") not in OPEN:
                plans.remove(entry)
                pruned.append(entry["id"])
                excess -= 1
        notes = []
        if excess > 0:
            notes.append("project %s keeps %d stored plans, above the retention limit of %d: pending and approved "
                         "plans are never pruned; discard the ones nobody will apply"
                         % (self.project_key, len(plans), self.limit))
        return pruned, notes

    def _delete_files(self, files: "_Files", plan_ids: List[str]) -> None:
        """Delete pruned plans' files (after the index no longer lists them); a failure is logged: the
        file is then only an orphan, which the next prune does not see."""
        for plan_id in plan_ids:
            handle = files.listing.handle(plan_file(plan_id))
            try:
                if handle is not None:
                    handle.delete()
            except Exception as error:  # noqa: BLE001 - the index is written: the plan is gone from the store
                log.warning("project %s: the file of pruned plan %s could not be deleted (%s)", self.project_key,
                            plan_id, error.__class__.__name__)


class _Files(object):
    """What one store operation shares: its library ``listing`` and the ``index`` once read (or
    written). Why per operation, not per store: a store object may live across operations (a
    webapp's), and each operation must see the files as they are when it starts."""

    def __init__(self, listing: Listing) -> None:
        self.listing = listing
        self.index = None  # type: Optional[Dict[str, Any]]


def _document_of(plan: Any) -> Dict[str, Any]:
    """The plan document with its ``document_digest`` (as ``Plan.to_json`` writes it, read back)."""
    import json
    plan = plan if isinstance(plan, Plan) else load_saved(plan)
    return json.loads(plan.to_json(indent=None))


def _entry(record: Dict[str, Any]) -> Dict[str, Any]:
    """The index entry of a stored record."""
    doc = record.get("plan") or {}
    events = record.get("events") or [{}]
    return {"id": record["id"], "status": record.get("status"), "author": record.get("author"),
            "created_at": record.get("created_at"), "updated_at": events[-1].get("at"),
            "digest": record.get("digest"), "source": record.get("source"),
            "summary": dict(doc.get("summary") or {}), "apply_id": record.get("apply_id")}


_ASSIGNED = re.compile(r"(?P<key>[A-Za-z][A-Za-z0-9_.-]*)(?P<sep>\s*[:=]\s*)(?P<value>[^\s,;]+)")


def free_text(text: Any) -> Optional[str]:
    """A comment as stored: credential-looking parts redacted (``redact``), and so is the value of
    ``password=...`` / ``token: ...`` written in it, a secret-named key's value as in a document."""
    if text is None:
        return None
    def hide(match: Any) -> str:
        if is_secret_key(match.group("key")):
            return match.group("key") + match.group("sep") + "<redacted>"
        return match.group(0)
    return _ASSIGNED.sub(hide, redact(str(text)))


def _check_id(plan_id: Any) -> None:
    """A plan id is ``new_apply_id``'s shape: nothing that could name another library path."""
    if not isinstance(plan_id, str) or not re.match(r"^[0-9]{8}T[0-9]{6}Z-[0-9a-f]{8}$", plan_id):
        raise PlanStoreError("%r is not a stored plan id (ids look like 20261204T211500Z-1a2b3c4d)" % (plan_id,))
