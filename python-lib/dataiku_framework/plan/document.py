"""The plan document (data first; the text, Markdown and HTML views render it) and its objects.

Why a versioned JSON document: CI pipelines, the review webapp and agents read plans without our
Python; ``format_version`` follows Terraform's rule (minor = additive, readers ignore unknown keys;
major = breaking, readers refuse it). Secrets never reach it: every before/after value goes
through ``redact_value``.
"""
import hashlib
import json
from functools import lru_cache
from typing import Any, Callable, Dict, Iterable, Iterator, List, Optional

from ..config import hooks
from ..config.secrets import SHORT_SECRET, is_secret_key, is_secret_pair, redact, redact_value

FORMAT_VERSION = "1.3"  # 1.1: drift, conflicts and origins filled from the state; deletes; not_deleted
#                        1.2: document_digest (written by to_json, checked on load; required to apply)
#                        1.3: kinds code_envs, git_library, sharing, project_folder (issue 17)
#: the key of the digest of the whole document (of every other key), written with the document
DIGEST_KEY = "document_digest"
ACTIONS = ("create", "update", "replace", "delete", "no-op")


class PlanFormatError(ValueError):
    """A plan document this version cannot read (unknown major format version, not a plan)."""

    code = "plan.format"  #: its ``errors.CATALOGUE`` code, shown in the error line and in --json


def digest(value: Any) -> str:
    """``sha256:<hex>`` of ``value``'s canonical JSON (sorted keys): the same data, the same digest.

    Why hashed piece by piece (``_canonical_pieces``): the live digest is taken over the whole project
    read (tens of MB at 5,000 objects); as one text plus its UTF-8 bytes it came on top of the data at
    the plan's peak. The pieces join into exactly the text ``json.dumps`` would write, so the value is
    the same."""
    hashed = hashlib.sha256()
    for piece in _canonical_pieces(value, _PIECE_DEPTH):
        hashed.update(piece.encode("utf-8"))
    return "sha256:" + hashed.hexdigest()


#: how deep ``digest`` splits containers: a snapshot's kinds, then each of their objects
_PIECE_DEPTH = 2


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)


def _canonical_pieces(value: Any, depth: int) -> Iterator[str]:
    """``_canonical(value)`` as consecutive pieces, containers split ``depth`` levels down. A dict
    with a key that is not a string is written whole (``json.dumps`` turns such keys into strings
    after sorting them: its own order is kept so)."""
    if depth > 0 and isinstance(value, dict) and value and all(isinstance(k, str) for k in value):
        for i, key in enumerate(sorted(value)):
            yield ("{" if i == 0 else ",") + _canonical(key) + ":"
            yield from _canonical_pieces(value[key], depth - 1)
        yield "}"
    elif depth > 0 and isinstance(value, (list, tuple)) and value:
        for i, item in enumerate(value):
            yield "[" if i == 0 else ","
            yield from _canonical_pieces(item, depth - 1)
        yield "]"
    else:
        yield _canonical(value)


def desired_digest(changes: List[Any]) -> str:
    """The configuration digest (``metadata.config_digest``): what the resolved configuration asks of
    DSS, by address, as the plan shows it (formatting, comments and unset keys of the YAML do not
    change it; deletes come from the state, not the file: left out).

    Why the redacted form and not a keyed digest: a saved plan is public enough (CI artifacts, review
    pages) that a digest of raw values would let a weak secret be guessed offline, by hashing
    candidates. A keyed digest needs a key that whoever plans and whoever applies share and nobody
    else has; this tool has none (API keys differ between the two, and a key stored in the plan
    protects nothing). The redacted form binds exactly what the plan shows and a reviewer approved;
    a secret value is not shown, so it is not bound either: it is resolved again at apply time."""
    forms = {}
    for c in changes:
        if c.action == "delete":
            continue
        secrets = set()  # type: set
        after = redacted(c.after, None, secrets)
        forms[c.address] = scrubbed(after, secrets) if secrets else after
    return digest(forms)


def view(name: str) -> Callable[..., str]:
    """The ``name`` view of plan documents (``fn(doc, **options) -> str``). Why a hook: the plan data
    must not import its views (issue 17, layering); ``render`` registers them in ``config.hooks``
    under ``plan view NAME`` and importing ``dataiku_framework`` imports ``render`` (its ``wiring``)."""
    return hooks.get("plan view %s" % name)


@lru_cache(maxsize=8192)
def _secret_key(key: Any) -> bool:
    return is_secret_key(key)


@lru_cache(maxsize=8192)
def _shown_key(key: str) -> str:
    return redact(key)


def redacted(value: Any, key: Any = None, found: Optional[set] = None) -> Any:
    """``redact_value(value, key)``, with the per-key checks cached: a plan of a thousand objects
    repeats the same few hundred keys tens of thousands of times. The value of a secret-named pair
    (``{name: token, value: ...}``) is hidden too; ``found`` collects the strings hidden by key,
    so that the same secret can be hidden wherever else it shows (``scrubbed``)."""
    if isinstance(value, dict):
        pair = "value" in value and (_pair_is_secret(value) or _secret_key(key))  # secrets: [{name, value}]
        return {(_shown_key(k) if isinstance(k, str) else k): redacted(v, "password" if pair and k == "value" else k,
                                                                      found)
                for k, v in value.items()}
    if isinstance(value, list):
        return [redacted(v, key, found) for v in value]
    if value is not None and isinstance(key, (str, int, type(None))) and _secret_key(key):
        if found is not None and isinstance(value, str) and value:
            found.add(value)
        return "<redacted>"
    return redact_value(value) if isinstance(value, str) else value


def _pair_is_secret(value: Dict[str, Any]) -> bool:
    return is_secret_pair(value)


def secret_values(value: Any, key: Any = None, out: Optional[set] = None) -> set:
    """Every string held under a secret-named key or as the value of a secret-named pair in
    ``value``: a plan hides them wherever they appear (a change's path ends in ``value``)."""
    out = set() if out is None else out
    redacted(value, key, out)
    return out


def scrubbed(value: Any, secrets: set) -> Any:
    """``value`` with every string holding one of ``secrets`` replaced by ``<redacted>``."""
    if not secrets:
        return value
    if isinstance(value, dict):
        return {k: scrubbed(v, secrets) for k, v in value.items()}
    if isinstance(value, list):
        return [scrubbed(v, secrets) for v in value]
    if isinstance(value, str) and any(s == value or (len(s) >= SHORT_SECRET and s in value) for s in secrets):
        return "<redacted>"  # a short secret ("1") only where it is the whole value: not inside every text
    return value


def _last_key(path: str) -> str:
    return path.rsplit(".", 1)[-1].split("[", 1)[0]


def build_document(changes: List[Any], unmanaged: List[Dict[str, str]], groups: List[List[str]],
                   metadata: Dict[str, Any], not_deleted: Optional[List[Dict[str, str]]] = None) -> Dict[str, Any]:
    """The plan document for compared ``changes`` (``compare.Change`` objects)."""
    rank = {address: i for i, group in enumerate(groups) for address in group}
    # the project first (everything lives in it), then by execution group and address
    ordered = sorted(changes, key=lambda c: (c.address != "project", rank.get(c.address, len(groups)), c.address))
    summary = dict.fromkeys(ACTIONS, 0)
    entries = []
    drift, conflicts = [], []  # type: List[Dict[str, Any]], List[Dict[str, Any]]
    for c in ordered:
        summary[c.action] += 1
        secrets = set()  # type: set  # what redaction hid by key: hidden wherever else it shows too
        before, after = redacted(c.before, None, secrets), redacted(c.after, None, secrets)
        fields = [{"path": d["path"], "before": redacted(d["before"], _last_key(d["path"]), secrets),
                   "after": redacted(d["after"], _last_key(d["path"]), secrets), "origin": d.get("origin", "config")}
                  for d in c.changes]
        found_drift = [_difference(d, secrets) for d in getattr(c, "drift", None) or []]
        found_conflicts = [_difference(d, secrets) for d in getattr(c, "conflicts", None) or []]
        if secrets:  # rare: only then a second pass
            before, after = scrubbed(before, secrets), scrubbed(after, secrets)
            fields = [dict(f, before=scrubbed(f["before"], secrets), after=scrubbed(f["after"], secrets))
                      for f in fields]
            found_drift, found_conflicts = scrubbed(found_drift, secrets), scrubbed(found_conflicts, secrets)
        entry = {"address": c.address, "kind": c.kind, "name": c.name, "action": c.action, "reason": c.reason,
                 "changes": fields, "before": before, "after": after, "depends_on": list(c.depends_on)}
        if getattr(c, "protected", False):
            entry["prevent_destroy"] = True
        if c.action == "delete":
            entry["drop_data"] = bool(getattr(c, "drop_data", False))
        entries.append(entry)
        drift += found_drift
        conflicts += found_conflicts
    return {"format_version": FORMAT_VERSION, "metadata": metadata, "resource_changes": entries,
            "drift": drift, "conflicts": conflicts, "unmanaged": list(unmanaged),
            "not_deleted": [dict(n) for n in not_deleted or []],
            "execution_groups": [list(g) for g in groups], "summary": summary}


def _difference(item: Dict[str, Any], secrets: set) -> Dict[str, Any]:
    """A drift or conflict entry with its values redacted (``secrets`` collects what was hidden)."""
    key = _last_key(item["path"]) if item["path"] else None
    out = dict(item, before=redacted(item["before"], key, secrets), after=redacted(item["after"], key, secrets))
    if "config" in item:
        out["config"] = redacted(item["config"], key, secrets)
    return out


class ResourceChange(object):
    """One entry of ``resource_changes`` as an object (attributes mirror the JSON keys)."""

    def __init__(self, entry: Dict[str, Any]) -> None:
        self.address = entry["address"]
        self.kind = entry["kind"]
        self.name = entry["name"]
        self.action = entry["action"]
        self.reason = entry.get("reason", "")
        self.changes = list(entry.get("changes") or [])
        self.before = entry.get("before")
        self.after = entry.get("after")
        self.depends_on = list(entry.get("depends_on") or [])

    def __repr__(self) -> str:
        return "ResourceChange(%s: %s)" % (self.address, self.action)


class PlanContext(object):
    """What a plan was computed from, kept on a ``Plan`` made in this process (never serialised):
    the configuration, its resolution, the live snapshot, the connection types and the apply state
    read with them (None: not read). Apply uses it to write what the plan shows without reading DSS
    again: the plan made under the lock read the state apply then records into."""

    __slots__ = ("config", "resolved", "snapshot", "connection_types", "state")

    def __init__(self, config: Any, resolved: Any, snapshot: Any, connection_types: Any, state: Any = None) -> None:
        self.config, self.resolved, self.snapshot, self.connection_types = config, resolved, snapshot, connection_types
        self.state = state


class Plan(object):
    """A plan document with convenient accessors and its three views."""

    def __init__(self, doc: Dict[str, Any]) -> None:
        check_version(doc)
        self.doc = doc
        self.context = None  # type: Optional[PlanContext]

    @classmethod
    def from_json(cls, text: str) -> "Plan":
        """Read a saved plan; refuses a document of an unknown major format version, or one whose
        ``document_digest`` does not match its content (edited after it was written). A document
        without a digest (format 1.1 and before) is read, to be viewed; ``load_saved`` (apply) refuses it."""
        try:
            doc = json.loads(text)
        except ValueError as error:
            raise PlanFormatError("not a plan document: invalid JSON (%s)" % error)
        check_version(doc)
        if DIGEST_KEY in doc:
            check_digest(doc)
            doc = {k: v for k, v in doc.items() if k != DIGEST_KEY}
        return cls(doc)

    def to_json(self, indent: Optional[int] = 2) -> str:
        """The document as JSON, with its ``document_digest`` (over the document as JSON reads it back).

        Why written once, streamed: the document read back from a first text, then written with an
        indent (whose encoder lists every piece before joining them), took several times the text at
        once on top of the plan (5,000 objects: 7 MB of text, 70 MB more at the peak). The document
        reads back as itself unless a key is not a string (JSON writes it as one): only then is it
        read back first, so that the digest is the one a reader computes."""
        body = {k: v for k, v in self.doc.items() if k != DIGEST_KEY}
        if not _string_keys(body):
            body = json.loads(json.dumps(body, default=str))
        body[DIGEST_KEY] = document_digest(body)
        if indent is None:  # the C encoder writes one text; with an indent only the Python one runs
            return json.dumps(body, ensure_ascii=False, default=str)
        return _joined(json.JSONEncoder(indent=indent, ensure_ascii=False, default=str).iterencode(body))

    @property
    def has_changes(self) -> bool:
        """True when any resource's action is not no-op."""
        return any(e["action"] != "no-op" for e in self.doc["resource_changes"])

    @property
    def summary(self) -> Dict[str, int]:
        """The number of resources per action (``create``, ``update``, ``replace``, ``delete``, ``no-op``)."""
        return self.doc["summary"]

    @property
    def has_state(self) -> bool:
        """True when the plan was made against an apply state (drift can be told from config changes)."""
        return bool(self.doc.get("metadata", {}).get("state_serial"))

    @property
    def has_drift(self) -> bool:
        """True when DSS moved away from what was applied (drift or conflicts); without a state,
        when anything differs (nothing tells a changed file from a changed DSS)."""
        if not self.has_state:
            return self.has_changes
        return bool(self.doc.get("drift") or self.doc.get("conflicts"))

    @property
    def not_deleted(self) -> List[Dict[str, Any]]:
        """Resources removed from the configuration that the plan does not delete, with the reason."""
        return list(self.doc.get("not_deleted") or [])

    @property
    def resource_changes(self) -> List[ResourceChange]:
        """One entry per resource, in the document's order (the project first, then by execution group)."""
        return [ResourceChange(e) for e in self.doc["resource_changes"]]

    def change(self, address: str) -> ResourceChange:
        """The entry for ``address`` (KeyError naming the addresses when absent)."""
        for e in self.doc["resource_changes"]:
            if e["address"] == address:
                return ResourceChange(e)
        raise KeyError("no resource %s in this plan (it has: %s)"
                       % (address, ", ".join(e["address"] for e in self.doc["resource_changes"])))

    def to_text(self, color: bool = False) -> str:
        """The plan as ``dss-framework plan`` prints it (``color``: with terminal colours)."""
        return view("text")(self.doc, color=color)

    def to_markdown(self) -> str:
        """The plan as Markdown, for a pull-request comment."""
        return view("markdown")(self.doc)

    def to_html(self) -> str:
        """The plan as one standalone HTML page (no external assets), to save or attach."""
        return view("html")(self.doc)

    def __repr__(self) -> str:
        s = self.summary
        return "Plan(%s: %d to create, %d to update, %d to replace, %d to delete, %d unchanged)" % (
            self.doc["metadata"].get("project_key"), s["create"], s["update"], s["replace"], s.get("delete", 0),
            s["no-op"])


def _joined(pieces: Iterable[str], batch: int = 4096) -> str:
    """``"".join(pieces)`` that never lists every piece: joined ``batch`` at a time, then the batches
    (a few times the text at most, rather than a string object per piece)."""
    texts, pending = [], []  # type: List[str], List[str]
    for piece in pieces:
        pending.append(piece)
        if len(pending) >= batch:
            texts.append("".join(pending))
            pending = []
    texts.append("".join(pending))
    return "".join(texts)


def _string_keys(value: Any) -> bool:
    """Whether every key of every dict in ``value`` is a string (so its JSON reads back as itself)."""
    if isinstance(value, dict):
        return all(isinstance(k, str) and _string_keys(v) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return all(_string_keys(v) for v in value)
    return True


def document_digest(doc: Dict[str, Any]) -> str:
    """The digest of a whole plan document: of every key but ``document_digest`` itself."""
    return digest({k: v for k, v in doc.items() if k != DIGEST_KEY})


def check_digest(doc: Dict[str, Any]) -> None:
    """Refuse a document whose ``document_digest`` does not match its content.

    Why: an accidental edit of a saved plan (a hand-tuned value, a merge gone wrong) is caught with
    a clear message. It does not stop a deliberate edit (the digest can be computed again): the guard
    against that is apply's comparison with a fresh plan of the configuration."""
    if doc.get(DIGEST_KEY) != document_digest(doc):
        raise PlanFormatError("the plan document was changed after it was written: its document_digest does "
                              "not match its content. Nothing was applied; plan again (dss-framework plan --out "
                              "FILE) rather than edit a saved plan")


def load_saved(doc: Any) -> "Plan":
    """A saved plan document (parsed JSON) to apply: a known format, with a document digest that
    matches. A plan of an older format (without the digest) is refused: plan again."""
    check_version(doc)
    if DIGEST_KEY not in doc:
        raise _without_digest(doc)
    check_digest(doc)
    return Plan({k: v for k, v in doc.items() if k != DIGEST_KEY})


def check_appliable(doc: Dict[str, Any]) -> None:
    """Refuse to apply a plan read from a file of a format older than 1.2: it was written without a
    document digest, so nothing checked it when it was read."""
    minor = str(doc.get("format_version") or "").partition(".")[2]
    if not minor.isdigit() or int(minor) < 2:
        raise _without_digest(doc)


def _without_digest(doc: Dict[str, Any]) -> "PlanFormatError":
    return PlanFormatError("this plan (format_version %s) has no document_digest: it was written by an older "
                           "dataiku-framework, or edited, and is not applied. Plan again with this version "
                           "(dss-framework plan --out FILE)" % doc.get("format_version"))


def check_version(doc: Any) -> None:
    """Refuse what is not a plan, or a plan of a major format version this code does not know."""
    if not isinstance(doc, dict) or "format_version" not in doc or "resource_changes" not in doc:
        raise PlanFormatError("not a plan document: expected a JSON object with format_version and "
                              "resource_changes (write one with `dss-framework plan --json`)")
    version = str(doc["format_version"])
    if version.split(".", 1)[0] != FORMAT_VERSION.split(".", 1)[0]:
        raise PlanFormatError("plan format_version %s is not supported by this version of dataiku-framework "
                              "(it reads %s.x); use the dataiku-framework version that wrote the plan, or "
                              "plan again" % (version, FORMAT_VERSION.split(".", 1)[0]))
