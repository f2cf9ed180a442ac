"""Who may administer a DSS project: the one rights check every face makes before it writes.

Why here, in the DSS-facing layer: the plugin components (``plugin.scope``), the plan store and the
review webapp all ask it, and the store must not import the plugin to do so. It reads through the
caller's own client: DSS shows a project's permissions to its administrators only, which is itself
the answer.
"""
from typing import Any, Callable, Dict, Optional

from ..config.online import try_unless_forbidden

__all__ = ["NotProjectAdmin", "check_project_admin", "is_dss_admin"]


class NotProjectAdmin(Exception):
    """The caller may not administer a project this component would change."""

    code = "project.not_admin"  #: its ``errors.CATALOGUE`` code, shown in the error line and in --json


def _caller(client: Any) -> Dict[str, Any]:
    info = client.get_auth_info() or {}
    return {"login": info.get("authIdentifier"), "groups": list(info.get("groups") or [])}


def _admin_entry(permissions: Dict[str, Any], caller: Dict[str, Any]) -> bool:
    """Owner, or an entry for the caller's login or one of its groups with ``admin``."""
    if permissions.get("owner") and permissions.get("owner") == caller["login"]:
        return True
    for entry in permissions.get("permissions") or []:
        if not isinstance(entry, dict) or not entry.get("admin"):
            continue
        if (entry.get("user") and entry.get("user") == caller["login"]) or entry.get("group") in caller["groups"]:
            return True
    return False


def is_dss_admin(client: Any, call: Optional[Callable[[Callable[[], Any]], Any]] = None) -> bool:
    """Whether ``client``'s key is a DSS administrator's: one administrator-only read (the connection
    list), refused to anyone else. The one test every step uses (the plan's project read, its
    connection check, apply's access check, the rights check); ``call``: how to send the read (a
    plan's ``Reader.call``, retried and counted), default directly."""
    read = client.list_connections if call is None else (lambda: call(client.list_connections))
    return try_unless_forbidden(read) is not None


def check_project_admin(client: Any, project_key: str, what: str = "apply") -> str:
    """The caller's login when it may administer ``project_key``; ``NotProjectAdmin`` naming the login
    and the project otherwise. Reads only (the caller's identity, the project's permissions, and
    whether the caller is a DSS administrator when the permissions alone do not say)."""
    caller = _caller(client)
    # DSS shows a project's permissions to its administrators only: a refusal is None here
    permissions = try_unless_forbidden(client.get_project(project_key).get_permissions)
    if (permissions is not None and _admin_entry(permissions, caller)) or is_dss_admin(client):
        return caller["login"]
    raise NotProjectAdmin("%s needs administrator rights on project %s: DSS user %s is not its owner, has no "
                          "admin permission on it (directly or through a group), and is not a DSS administrator"
                          % (what, project_key, caller["login"]))
