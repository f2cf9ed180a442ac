"""Git checkpoints of a project: the points before and after each apply (and rollback) that rollback
returns to.

Why one module: an apply and a rollback checkpoint the same way (commit what is pending, only when
something is, then tag HEAD ``dataiku-framework-<id>-<when>``), and rollback reads HEAD the same way
to diff against a checkpoint.
"""
from typing import Any, Optional

TAG = "dataiku-framework-%s-%s"


def head(git: Any) -> Optional[str]:
    """The commit id of the project's git HEAD (one read), None for an empty history."""
    entries = (git.log(count=1) or {}).get("entries") or []
    if not entries:
        return None
    return entries[0].get("commit") or entries[0].get("id") or entries[0].get("commitId")


def checkpoint(git: Any, operation: str, operation_id: str, when: str) -> Optional[str]:
    """Commit pending changes (in git's explicit-commit mode; DSS's automatic mode has none) and tag
    HEAD ``dataiku-framework-<id>-<when>``; the commit id. Errors are the caller's to report."""
    message = "dataiku-framework: %s %s %s" % (when, operation, operation_id)
    status = git.get_status() or {}
    if status.get("hasUncommittedChanges") or status.get("clean") is False:
        git.commit(message)
    commit = head(git)
    git.create_tag(TAG % (operation_id, when), reference=commit or "HEAD", message=message)
    return commit
