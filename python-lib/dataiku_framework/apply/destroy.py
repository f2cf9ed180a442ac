"""Deleting a whole project: ``Engine.destroy_plan`` / ``Engine.destroy`` (CLI ``dss-framework destroy``).

Why one path, apart from the writers: the writers change resources inside a project and never delete
the project itself; deleting it loses its data, its state and the history of every apply, so it is
allowed only here, and only when

* the project's state says the tool created it (``created_by_tool: true`` on its ``project``
  record): a project that existed before the tool (adopted, imported, made by hand) is never deleted;
* nothing protects it: ``prevent_destroy`` on the ``project`` record of the state, or
  ``project.lifecycle.prevent_destroy`` in the configuration given (the file may be newer than the
  state).

The state and history live inside the project (its library), so they go with it: ``destroy`` writes
them to a file first (``history_out``) and deletes nothing when that file cannot be written. It holds
the project lock while it works, so no apply runs meanwhile (the lock goes with the project).
"""
import datetime
import json
import os
from typing import Any, Dict, List, Optional

from ..state import ProjectLock, StateStore


#: What DSS deletes of a folder with its project (``clear_output_managed_folders``: folders recipes write).
FOLDER_DATA = "its files, when recipes write into it"


class DestroyRefused(Exception):
    """The project may not be deleted (not created by the tool, protected, or missing)."""

    code = "destroy.refused"  #: its ``errors.CATALOGUE`` code, shown in the error line and in --json


class DestroyPlan(object):
    """What deleting ``project_key`` removes: ``items`` are ``(kind, name, data)`` where ``data`` says
    what stored data goes with it (managed dataset data, a folder's files), or None."""

    def __init__(self, project_key: str, items: List[Any], state: Any) -> None:
        self.project_key = project_key
        self.items = items
        self.state = state

    def lines(self) -> List[str]:
        """The plan for a person, one line per object, data first named."""
        out = ["Project %s will be deleted, with everything in it:" % self.project_key]
        for kind, name, data in self.items:
            out.append("  - %s %s%s" % (kind, name, " (%s is deleted)" % data if data else ""))
        applies = len(self.state.history)
        out.append("Its apply state and history (%d entr%s) go with it; they are written to a file first."
                   % (applies, "y" if applies == 1 else "ies"))
        return out

    def to_dict(self) -> Dict[str, Any]:
        return {"project_key": self.project_key,
                "items": [{"kind": k, "name": n, "data": d} for k, n, d in self.items]}


def destroy_plan(client: Any, project_key: str, config: Any = None) -> DestroyPlan:
    """What ``destroy`` would delete (reads only); ``DestroyRefused`` when it would refuse."""
    if project_key not in {p["projectKey"] for p in client.list_projects()}:
        raise DestroyRefused("project %s does not exist on DSS: nothing to destroy" % project_key)
    state = StateStore(client, project_key).read()
    _check_allowed(project_key, state, config)
    return DestroyPlan(project_key, _contents(client.get_project(project_key)), state)


def _check_allowed(project_key: str, state: Any, config: Any) -> None:
    record = state.resource("project") or {}
    if record.get("created_by_tool") is not True:
        raise DestroyRefused("project %s was not created by dss-framework (its state does not record "
                             "created_by_tool for it): destroy deletes only the projects it created; delete this "
                             "one in DSS if you mean it" % project_key)
    lifecycle = getattr(getattr(config, "project", None), "lifecycle", None) if config is not None else None
    if record.get("prevent_destroy") or getattr(lifecycle, "prevent_destroy", False):
        raise DestroyRefused("project %s has lifecycle.prevent_destroy: it is never destroyed; remove "
                             "prevent_destroy from project.lifecycle and apply first" % project_key)


def _contents(project: Any) -> List[Any]:
    """``(kind, name, data)`` for the objects of ``project``: datasets (managed ones hold data), folders,
    recipes, scenarios."""
    items = []  # type: List[Any]
    for ds in project.list_datasets():
        items.append(("dataset", ds["name"], "its managed data" if ds.get("managed") else None))
    for folder in project.list_managed_folders():
        items.append(("managed_folder", folder.get("name") or folder["id"], FOLDER_DATA))
    items += [("recipe", r["name"], None) for r in project.list_recipes()]
    items += [("scenario", s.get("name") or s["id"], None) for s in project.list_scenarios()]
    return items


def default_history_file(project_key: str) -> str:
    """Where the state and history of a destroyed project are written when no file is named."""
    return "%s-history.json" % project_key


def destroy(client: Any, project_key: str, history_out: Optional[str] = None, config: Any = None,
            lock_timeout: float = 0.0) -> Dict[str, Any]:
    """Delete ``project_key`` (data included) under its lock, after writing its state and history to
    ``history_out``; ``{"project_key", "history_file", "deleted"}``. ``DestroyRefused`` as
    ``destroy_plan``; ``LockHeld`` (naming the holder) when another process holds the lock."""
    lock = ProjectLock(client, project_key, operation="destroy", timeout=lock_timeout)
    lock.acquire()
    try:
        plan = destroy_plan(client, project_key, config)  # again under the lock: the state may have moved
        path = _write_history(project_key, plan.state, history_out or default_history_file(project_key))
        client.get_project(project_key).delete(clear_managed_datasets=True, clear_output_managed_folders=True)
    except BaseException:
        lock.release()
        raise
    return {"project_key": project_key, "history_file": path, "deleted": [list(i) for i in plan.items]}


def _write_history(project_key: str, state: Any, path: str) -> str:
    """Write the state document (resources and history, redacted as stored) to ``path``; its absolute path."""
    doc = {"project_key": project_key,
           "destroyed_at": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
           "state": state.to_document(), "history": list(reversed(state.history))}
    path = os.path.abspath(path)
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as handle:
            json.dump(doc, handle, indent=2, ensure_ascii=False)
            handle.write("\n")
    except OSError as error:
        raise DestroyRefused("cannot write the history of project %s to %s (%s): nothing was deleted; name "
                             "another file with --history-out" % (project_key, path, error.strerror or error))
    return path
