"""Rollback: return a project's configuration to what it was before an apply, by DSS git revert.

Why a git revert (to the apply's "before" checkpoint) rather than re-applying the configuration of
the apply before it:

- it is exact: DSS restores every object file as it was (fields the configuration never set, UI
  settings, objects the apply deleted), where re-applying an older configuration only restores what
  that configuration sets (its keys, under the tool's partial semantics);
- it is one DSS operation (``revertToRevision``), so it cannot stop half-way through a hundred writes;
- it needs no copy of each applied configuration in the project (the state would grow by a whole
  configuration per apply).

Its cost, shown in the rollback plan before anything happens: the revert covers every object file
changed since the checkpoint, including changes made in DSS outside the tool; each is listed, those
the tool does not manage flagged. Data is never restored or dropped: datasets and folders keep their
current contents (a dataset the apply created is removed from the flow, its files stay).

The state and the lock are files of the same project, so the revert brings back their older text:
the rollback keeps the lock's record and the state's full history (the rollback is appended), and
only the per-resource records come back to what they were before the apply. The tool's other records
in that folder (stored plans and their review record, the last drift check) are written back as they
were just before the revert: a rollback does not make an applied plan "approved" again. The restored lock text
is the undone apply's record (often expired) or a released one, so another acquirer may take the
lock right after the revert: the rollback takes it back only when the record it finds is older than
its own (``ProjectLock.reclaim``), and otherwise stops, leaving it to the new holder. A failed
release of the lock never replaces the rollback's own error (it is logged, or noted in the result).
"""
import html
import json
import logging
from typing import Any, Dict, List, Optional

from ..config.printable import printable
from ..dss.policy import DEFAULT as DEFAULT_POLICY
from ..resources import registry
from ..state import ProjectLock, StateStore, identity, new_apply_id
from ..state.dssfiles import FOLDER, records, restore_records
from ..state.lock import FILE_NAME as LOCK_FILE
from ..state.store import FILE_NAME as STATE_FILE
from .checkpoint import TAG, checkpoint, head
from .result import ResourceResult, Result

log = logging.getLogger(__name__)

FRAMEWORK_FILES = "lib/%s/" % FOLDER
NOT_RESTORED = ("Data is not restored: datasets and managed folders keep their current contents; only the "
                "project's configuration goes back.")


class RollbackError(Exception):
    """The rollback cannot be made (no such apply, no checkpoint, DSS refused the revert)."""

    code = "rollback.refused"  #: its ``errors.CATALOGUE`` code, shown in the error line and in --json


def _target(history: List[Dict[str, Any]], to: Optional[str], project_key: str) -> Dict[str, Any]:
    applies = [h for h in history if h.get("operation", "apply") == "apply"]
    if not applies:
        raise RollbackError("project %s has no apply in its history: nothing to roll back" % project_key)
    if to is None:
        return applies[-1]
    for entry in applies:
        if entry.get("apply_id") == to:
            return entry
    raise RollbackError("no apply %s in the history of project %s (dss-framework history %s lists them)"
                        % (to, project_key, project_key))


#: git folders of DSS objects that are no kind of this tool: shown in a rollback plan, never managed
OTHER_FOLDERS = {"lib": "library", "saved_models": "saved_model", "model_evaluation_stores": "model_evaluation_store"}


def _address(path: str, text: Optional[str], names: Optional[Dict[str, str]] = None) -> Optional[str]:
    """The resource address a DSS git path belongs to; None for the tool's own files."""
    if path.startswith(FRAMEWORK_FILES):
        return None
    table = registry.git_table()  # where each kind's objects live in the project git (``Kind.git_paths``)
    if "/" not in path and path in table:
        return table[path][0]  # a file of a singleton kind (params.json: the project)
    folder, _, rest = path.partition("/")
    stem = rest.rsplit(".", 1)[0] if rest else path
    kind, by_id = table.get(folder) or (OTHER_FOLDERS.get(folder, folder or "file"), False)
    if by_id and stem in (names or {}):
        stem = names[stem]
    elif by_id and text:
        try:
            stem = json.loads(text).get("name") or stem  # DSS files these by id; the config names them
        except (ValueError, AttributeError):
            pass
    return "%s.%s" % (kind, rest if kind == "library" else stem)


class RollbackPlan(object):
    """What a rollback to before apply ``apply_id`` changes, by resource (data first; text/HTML views)."""

    def __init__(self, project_key: str, target: Dict[str, Any], head: Optional[str],
                 changes: List[Dict[str, Any]]) -> None:
        self.project_key = project_key
        self.apply_id = target.get("apply_id")
        self.checkpoint = target.get("checkpoint_before")
        self.head = head
        self.changes = changes

    @property
    def has_changes(self) -> bool:
        return bool(self.changes)

    def to_dict(self) -> Dict[str, Any]:
        return {"project_key": self.project_key, "apply_id": self.apply_id, "checkpoint": self.checkpoint,
                "head": self.head, "changes": self.changes, "data_restored": False, "note": NOT_RESTORED}

    def to_text(self) -> str:
        lines = ["dss-framework rollback of project %s to before apply %s (git %s)"
                 % (self.project_key, self.apply_id, (self.checkpoint or "?")[:12]), ""]
        symbols = {"create": "+", "update": "~", "delete": "-"}
        for change in self.changes:
            flag = "" if change["managed"] else "  (not managed by dataiku-framework: reverted too)"
            lines.append("  %s %s  (%s)%s" % (symbols[change["action"]], change["address"], change["action"], flag))
            for f in change["files"]:
                lines.append("      %s %s" % (f["change"], f["path"]))
        if not self.changes:
            lines.append("  Nothing to roll back: the configuration already is as it was before apply %s."
                         % self.apply_id)
        lines += ["", NOT_RESTORED,
                  "Rollback: %d to restore, %d to remove, %d to recreate." % (
                      sum(c["action"] == "update" for c in self.changes),
                      sum(c["action"] == "delete" for c in self.changes),
                      sum(c["action"] == "create" for c in self.changes))]
        return "\n".join(lines)

    def to_html(self) -> str:
        rows = "".join("<tr><td>%s</td><td><code>%s</code></td><td>%s</td><td>%s</td></tr>" % (
            _html(c["action"]), _html(c["address"]), "yes" if c["managed"] else "no (reverted too)",
            "<br>".join(_html("%s %s" % (f["change"], f["path"])) for f in c["files"])) for c in self.changes)
        return ("<div class=\"dss-framework-rollback\"><h4>Rollback of %s to before apply %s</h4>"
                "<table><tr><th>action</th><th>resource</th><th>managed</th><th>files</th></tr>%s</table>"
                "<p><strong>%s</strong></p></div>" % (_html(self.project_key), _html(str(self.apply_id)),
                                                      rows, _html(NOT_RESTORED)))


def _html(text: str) -> str:
    """Escaped for HTML, control characters shown (addresses and paths come from DSS's git)."""
    return html.escape(printable(text))


def rollback_plan(client: Any, project_key: str, to: Optional[str] = None) -> RollbackPlan:
    """The plan of a rollback to before apply ``to`` (default: the last apply): reads only."""
    state = StateStore(client, project_key).read()
    target = _target(state.history, to, project_key)
    if not target.get("checkpoint_before"):
        raise RollbackError("apply %s of project %s has no git checkpoint (the project's git could not be used "
                            "then): it cannot be rolled back" % (target.get("apply_id"), project_key))
    project = client.get_project(project_key)
    git = project.get_project_git()
    now = head(git)
    diff = git.diff(commit_from=target["checkpoint_before"], commit_to=now) or {}
    managed = set(state.resources)
    for entry in state.history[state.history.index(target):]:
        managed.update(entry.get("deleted") or [])  # what the tool deleted since (the rest is in the state)
    return RollbackPlan(project_key, target, now, _changes(diff.get("entries") or [], managed, _names(project)))


def _names(project: Any) -> Dict[str, str]:
    """Object id -> name for the kinds DSS files by id (scenarios, managed folders, zones): 3 reads."""
    out = {s.get("id"): s.get("name") for s in project.list_scenarios() or []}
    out.update({f.get("id"): f.get("name") for f in project.list_managed_folders() or []})
    out.update({z.id: z.name for z in project.get_flow().list_zones() or []})
    return out


def _changes(entries: List[Dict[str, Any]], managed: Any, names: Dict[str, str]) -> List[Dict[str, Any]]:
    """Resource changes a revert makes: the diff runs checkpoint -> HEAD, the revert the other way."""
    by_address = {}  # type: Dict[str, Dict[str, Any]]
    revert = {"ADD": "delete", "DELETE": "create", "MODIFY": "update"}
    for e in entries:
        address = _address(e.get("path", ""), _side(e), names)
        if address is None:
            continue
        change = by_address.setdefault(address, {"address": address, "action": revert.get(e.get("changeType"),
                                                                                           "update"),
                                                 "managed": address in managed, "files": []})
        if revert.get(e.get("changeType")) != change["action"]:
            change["action"] = "update"
        change["files"].append({"path": e.get("path"), "change": e.get("changeType"), "diff": e.get("diff", "")})
    return [by_address[a] for a in sorted(by_address)]


def _side(entry: Dict[str, Any]) -> Optional[str]:
    """The JSON text a diff entry shows (its added, else removed lines): enough to read a ``name``."""
    lines = (entry.get("diff") or "").splitlines()
    plus = [x[1:] for x in lines if x.startswith("+") and not x.startswith("+++")]
    minus = [x[1:] for x in lines if x.startswith("-") and not x.startswith("---")]
    for side in (plus, minus):
        text = "\n".join(side)
        if '"name"' in text:
            try:
                return json.dumps({"name": json.loads(text).get("name")})
            except ValueError:
                for line in side:
                    if line.strip().startswith('"name"'):
                        return json.dumps({"name": line.split(":", 1)[1].strip().strip(",").strip('"')})
    return None


def rollback(client: Any, project_key: str, to: Optional[str] = None, lock_timeout: float = 0.0,
             on_progress: Any = None) -> Result:
    """Revert the project's configuration to before apply ``to``; a ``Result`` (operation rollback)."""
    first = rollback_plan(client, project_key, to)
    if not first.has_changes:  # nothing to do: no lock, no write (the plan is made again under the lock)
        return Result(project_key, "rollback", None, [], plan=first, notes=[NOT_RESTORED])

    def work() -> Result:
        lock = ProjectLock(client, project_key, operation="rollback", timeout=lock_timeout)
        lock.acquire()
        try:
            result = _locked(client, project_key, to, lock, on_progress)
        except BaseException:
            problem = lock.release_or_explain()  # never raises: the rollback's own error is the one reported
            if problem:
                log.warning(problem)
            raise
        problem = lock.release_or_explain()
        if problem:
            result.notes.append(problem)
        return result
    return _counted(client, work)


def _locked(client: Any, project_key: str, to: Optional[str], lock: Any, on_progress: Any) -> Result:
    store = StateStore(client, project_key)
    before = store.read()
    plan = rollback_plan(client, project_key, to)
    rollback_id = new_apply_id()
    me = identity(client)
    if not plan.has_changes:
        return Result(project_key, "rollback", None, [], plan=plan, notes=[NOT_RESTORED])
    git = client.get_project(project_key).get_project_git()
    before_commit = checkpoint(git, "rollback", rollback_id, "before")
    kept = records(client, project_key, leave=(STATE_FILE, LOCK_FILE))  # stored plans, drift: not reverted
    lock.verify()  # the revert cannot be taken back: still ours (see state.lock, the remaining race)
    answer = git.revert_to_revision(plan.checkpoint) or {}
    lock.reclaim()  # the revert brought back the lock file's older text: ours again, unless taken meanwhile
    restore_records(client, project_key, kept)
    if answer.get("success") is False:
        raise RollbackError("DSS refused to revert project %s to %s: %s" % (
            project_key, plan.checkpoint, "; ".join(str(x.get("message")) for x in answer.get("logs") or [])))
    reverted = store.read()
    state = reverted
    state.lineage = before.lineage or reverted.lineage
    state.history = list(before.history)
    state.start_apply(me["user"], me["host"], None, "rollback to before %s" % plan.apply_id, apply_id=rollback_id)
    entry = state.history_entry(rollback_id)
    entry.update({"operation": "rollback", "rolled_back": plan.apply_id, "checkpoint_before": before_commit,
                  "checkpoint_after": TAG % (rollback_id, "after")})
    left = _left_over(git, plan)
    results = [ResourceResult(c["address"], c["address"].split(".", 1)[0], c["address"].partition(".")[2] or
                              project_key, c["action"], "failed" if c["address"] in left else "succeeded",
                              "DSS did not restore it (still differs from the checkpoint)" if c["address"] in left
                              else None) for c in plan.changes]
    outcome = Result(project_key, "rollback", rollback_id, results, plan=plan, notes=[NOT_RESTORED])
    state.end_apply(rollback_id, "succeeded" if outcome.succeeded else "partial", outcome.counts)
    # retried per the policy: a write whose answer was lost is checked first (StateStore.write), and
    # the serial check refuses a retry over another writer's state
    DEFAULT_POLICY.call_dss(client, lambda: store.write(state, expected_serial=reverted.serial, at_least=before.serial),
                            idempotent=True)
    checkpoint(git, "rollback", rollback_id, "after")
    if on_progress is not None:
        for done, r in enumerate(results, 1):
            on_progress(done, len(results), "%s %s: %s" % (r.operation, r.address, r.status))
    return outcome


def _left_over(git: Any, plan: RollbackPlan) -> List[str]:
    """Addresses whose files still differ from the checkpoint after the revert (the read-back check)."""
    diff = git.diff(commit_from=plan.checkpoint, commit_to=head(git)) or {}
    return sorted({a for a in (_address(e.get("path", ""), _side(e)) for e in diff.get("entries") or []) if a})


def _counted(client: Any, work: Any) -> Result:
    from .run import WriteCounter
    counter = WriteCounter(client._session)
    try:
        result = work()
    finally:
        counter.close()
    result.writes = counter.count
    return result


__all__ = ["NOT_RESTORED", "RollbackError", "RollbackPlan", "rollback", "rollback_plan"]
