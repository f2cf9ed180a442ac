"""The project itself: name, description, tags, owner, settings and permissions.

Read from two calls (metadata, and settings which also holds owner and permissions). Permissions
are compared in the config's own terms, one entry per group or user with its level and extra
flags, so the order DSS lists them in and the flags it stores as false never show as changes.
"""
from typing import Any, Dict, List, Optional, Tuple

from ..dss import translate
from .base import ANY, Path, drop_none, format_path
from .kind import Kind

LEVEL_FLAGS = {"read": frozenset(["readProjectContent", "readDashboards"]),
               "write": frozenset(["readProjectContent", "readDashboards", "writeProjectContent", "runScenarios"]),
               "admin": frozenset(["readProjectContent", "readDashboards", "writeProjectContent", "runScenarios",
                                   "admin"])}


def principal(entry: Dict[str, Any]) -> str:
    return "group:%s" % entry["group"] if entry.get("group") else "user:%s" % entry.get("user")


def permission_terms(entry: Dict[str, Any]) -> Dict[str, Any]:
    """A DSS permission item as {level, extra}: the highest level whose flags are all set, and the rest."""
    flags = {k for k, v in entry.items() if v is True}
    level = "none"
    for name in ("admin", "write", "read"):
        if LEVEL_FLAGS[name] <= flags:
            level = name
            break
    return {"level": level, "extra": sorted(flags - LEVEL_FLAGS.get(level, frozenset()))}


class ProjectResource(Kind):
    # -- declarations (issue 17: the registry derives the rest from these)
    section = ("project",)
    singleton = True
    include_names = ("project",)
    list_calls = {"metadata": lambda client, project: project.get_metadata(),
                  "settings": lambda client, project: project.get_settings().get_raw()}
    git_paths = (("params.json", False), ("tags.json", False))
    kind = "project"
    definition = "Project"
    set_paths = (("tags",), ("permissions", ANY, "extra"))
    exact_paths = (("permissions",),)
    live_defaults = {("description",): "", ("shortDesc",): "", ("tags",): []}
    path_map = ((("shortDesc",), ("short_desc",)),
                (("settings", "gitCommitMode"), ("git_commit_mode",)),
                (("settings", "disableAutomaticTriggers"), ("disable_automatic_triggers",)))

    identity_keys = ("key", "lifecycle", "variables", "code_envs", "folder")  # resources of their own

    def address(self, name: str) -> str:
        return "project"

    def configured(self, config: Any) -> List[Tuple[str, Any]]:
        return [(config.project.key, config.project)]

    def desired(self, pc: Any, ctx: Any) -> Dict[str, Any]:
        settings = translate.project_settings(pc)
        out = drop_none({"name": pc.name, "description": pc.description, "shortDesc": pc.short_desc,
                         "owner": pc.owner, "tags": sorted(pc.tags) if pc.tags is not None else None})
        if settings:
            out["settings"] = settings
        if pc.permissions:
            out["permissions"] = {principal(e): permission_terms(e)
                                  for e in (translate.permission_entry(p) for p in pc.permissions)}
        return out

    def read(self, snapshot: Any) -> Dict[str, Dict[str, Any]]:
        if not snapshot.exists:
            return {}
        return {snapshot.project_key: {"metadata": snapshot.metadata or {}, "settings": snapshot.settings or {}}}

    def live_form(self, live: Dict[str, Any], ctx: Any, desired: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
        md, params = live["metadata"], live["settings"]
        out = {"name": md.get("label"), "description": md.get("description", ""),
               "shortDesc": md.get("shortDesc", ""), "tags": list(md.get("tags") or []),
               "owner": params.get("owner"), "settings": params.get("settings") or {}}
        out["permissions"] = {principal(e): permission_terms(e) for e in params.get("permissions") or []
                              if isinstance(e, dict)}
        return out

    def diff(self, desired: Dict[str, Any], live: Dict[str, Any], obj: Any = None) -> List[Dict[str, Any]]:
        """As the shared diff; entries only DSS has make one change of the whole list, both sides as
        the config writes them (``[{group: x, level: read}, ...]``): the config has no index for them."""
        out, whole = [], False
        for change in Kind.diff(self, desired, live, obj):
            if change["path"] != "permissions":
                out.append(change)
            elif not whole:
                whole = True
                out.append({"path": "permissions", "before": _entries(live.get("permissions"), obj),
                            "after": _entries(desired.get("permissions"), obj)})
        return out

    def config_form(self, form: Dict[str, Any], name: str, obj: Any = None) -> Optional[Dict[str, Any]]:
        """The project form as the configuration writes it (``git_commit_mode: auto``, permissions as a list)."""
        settings = dict(form.get("settings") or {})
        mode = settings.pop("gitCommitMode", None)
        out = {"name": form.get("name"), "description": form.get("description"), "short_desc": form.get("shortDesc"),
               "tags": form.get("tags"), "owner": form.get("owner"),
               "git_commit_mode": mode.lower() if isinstance(mode, str) else mode,
               "disable_automatic_triggers": settings.pop("disableAutomaticTriggers", None), "settings": settings,
               "permissions": _entries(form.get("permissions"), obj, aligned=True)}
        return drop_none(out)

    def config_path(self, path: Path, obj: Any) -> str:
        """``permissions.group:x.level`` -> ``permissions[i].level`` (i: that entry in the config)."""
        if len(path) >= 2 and path[0] == "permissions":
            for i, p in enumerate(getattr(obj, "permissions", None) or []):
                if principal({"group": p.group, "user": p.user}) == path[1]:
                    return format_path(("permissions", i) + tuple(path[2:]))
            return format_path(("permissions",))
        return Kind.config_path(self, path, obj)


def _entries(permissions: Any, obj: Any, aligned: bool = False) -> List[Any]:
    """``{principal: {level, extra}}`` as the config's list: the config's order, then the others by
    name; ``aligned``: the i-th item is the config's i-th entry's principal (None when DSS lacks it),
    so that ``permissions[i]`` reads the same principal on both sides."""
    if not isinstance(permissions, dict):
        return []
    permissions = {w: terms for w, terms in permissions.items() if terms is not None}  # None: DSS lacks it
    order = [principal({"group": p.group, "user": p.user}) for p in getattr(obj, "permissions", None) or []]
    if aligned:
        return [_entry(w, permissions[w]) if w in permissions else None for w in order] + \
            [_entry(w, permissions[w]) for w in sorted(permissions) if w not in order]
    return [_entry(w, permissions[w]) for w in sorted(permissions, key=lambda w: (
        order.index(w) if w in order else len(order), w))]


def _entry(who: str, terms: Any) -> Dict[str, Any]:
    kind, _, name = who.partition(":")
    terms = terms or {}
    entry = {kind: name, "level": terms.get("level")}
    if terms.get("extra"):
        entry["extra"] = list(terms["extra"])
    return entry
