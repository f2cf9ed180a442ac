"""Recovery files: what an apply did after it lost its project lock, kept on the local disk.

Why a local file: an apply whose lock was taken over (its lease ran out, or ``unlock`` released it)
must never write the state again, since the new holder owns it now; yet the resources it applied
meanwhile are real, and their records (``created_by_tool`` above all) would be lost. So they go to
``recovery-<project key>-<apply id>.json`` in the directory ``$DSS_FRAMEWORK_RECOVERY_DIR`` (default:
``.dataiku-framework`` under the working directory). The next apply of the project run from there
merges it into the state under its own lock, then removes it; meanwhile anyone can read it.

The document: ``{"format_version": 1, "project_key", "dss_url", "apply_id", "written_at",
"reason", "history_entry", "resources": {address: state record}, "deleted": [addresses]}``; the
records are the state's own (already redacted), and the whole document is redacted again.
"""
import glob
import json
import logging
import os
from typing import Any, Dict, List, Optional, Tuple

from ..config.secrets import redact_value
from ..state.dssfiles import format_time, utc_now

ENV = "DSS_FRAMEWORK_RECOVERY_DIR"
DIRECTORY = ".dataiku-framework"
FORMAT_VERSION = 1

log = logging.getLogger(__name__)


def directory() -> str:
    """Where recovery files are written and looked for."""
    return os.environ.get(ENV) or os.path.join(os.getcwd(), DIRECTORY)


def file_name(project_key: str, apply_id: str) -> str:
    return os.path.join(directory(), "recovery-%s-%s.json" % (project_key, apply_id))


def write(project_key: str, dss_url: str, state: Any, entry: Dict[str, Any], deleted: List[str],
          reason: str) -> str:
    """Write what apply ``entry["apply_id"]`` recorded in (the in-memory) ``state``; the file's path."""
    apply_id = entry["apply_id"]
    doc = {"format_version": FORMAT_VERSION, "project_key": project_key, "dss_url": dss_url,
           "apply_id": apply_id, "written_at": format_time(utc_now()), "reason": reason,
           "history_entry": dict(entry),
           "resources": {a: r for a, r in state.resources.items() if r.get("apply_id") == apply_id},
           "deleted": list(deleted)}
    path = file_name(project_key, apply_id)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(redact_value(doc), handle, indent=2, sort_keys=True)
    return path


def pending(project_key: str, dss_url: str) -> List[Tuple[str, Dict[str, Any]]]:
    """The recovery files of ``project_key`` on ``dss_url`` (oldest apply first), as (path, document);
    an unreadable one is left alone (logged)."""
    out = []
    for path in sorted(glob.glob(os.path.join(glob.escape(directory()), "recovery-%s-*.json"
                                              % glob.escape(project_key)))):
        try:
            with open(path, encoding="utf-8") as handle:
                doc = json.load(handle)
        except (OSError, ValueError) as error:
            log.warning("recovery file %s is not readable (%s): left as it is", path, error)
            continue
        if not isinstance(doc, dict) or doc.get("project_key") != project_key:
            continue
        if doc.get("dss_url") and dss_url and doc["dss_url"].rstrip("/") != dss_url.rstrip("/"):
            continue  # the same project key on another instance
        out.append((path, doc))
    return out


def merge(state: Any, doc: Dict[str, Any]) -> None:
    """Put what a recovery document records into ``state``, where the state holds nothing newer."""
    written = doc.get("written_at") or ""
    for address, record in (doc.get("resources") or {}).items():
        if not isinstance(record, dict):
            continue
        held = state.resource(address)
        if held is None or (held.get("applied_at") or "") <= (record.get("applied_at") or ""):
            state.resources[address] = record
    for address in doc.get("deleted") or []:
        held = state.resource(address)
        if held is not None and (held.get("applied_at") or "") <= written:
            state.remove_resource(address)
    entry = doc.get("history_entry")
    if isinstance(entry, dict) and entry.get("apply_id"):
        _merge_entry(state, entry)


def _merge_entry(state: Any, entry: Dict[str, Any]) -> None:
    held = state.history_entry(entry["apply_id"])
    if held is not None:
        held.update(entry)  # an entry written while it ran, closed since as abandoned: the real outcome
        return
    state.history.append(dict(entry))
    state.history.sort(key=lambda e: e.get("started_at") or "")


def discard(paths: List[str]) -> None:
    """Remove merged recovery files (the state now holds what they said)."""
    for path in paths:
        try:
            os.remove(path)
        except OSError as error:
            log.warning("recovery file %s could not be removed (%s); it was merged into the state", path, error)


def note(path: Optional[str], apply_id: str, count: int) -> str:
    return ("what apply %s did after it lost the lock (%d resources recorded) was merged into the state from %s"
            % (apply_id, count, path))
