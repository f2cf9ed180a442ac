"""The project itself: name, description, tags, owner, settings and permissions.

Read from two calls (metadata, and settings which also holds owner and permissions). Permissions
are compared in the config's own terms, one entry per group or user with its level and extra
flags, so the order DSS lists them in and the flags it stores as false never show as changes.
"""
from typing import Any, Dict, List, Optional, Tuple

from . import registry
from .base import ANY, Path, drop_none, format_path
from .inverse import described, given, strip
from .kind import ApplyContext, Kind, Writes, merge_into
from .tables import Bimap

LEVEL_FLAGS = {"read": frozenset(["readProjectContent", "readDashboards"]),
               "write": frozenset(["readProjectContent", "readDashboards", "writeProjectContent", "runScenarios"]),
               "admin": frozenset(["readProjectContent", "readDashboards", "writeProjectContent", "runScenarios",
                                   "admin"])}


#: ``git_commit_mode`` in the config <-> ``settings.gitCommitMode`` in DSS
GIT_COMMIT_MODES = Bimap([("auto", "AUTO"), ("explicit", "EXPLICIT")])
#: permission flags the configuration can write as ``extra`` (an entry with another is left out of an import)
PERMISSION_EXTRAS = frozenset(
    ["readProjectContent", "writeProjectContent", "exportDatasetsData", "readDashboards", "writeDashboards",
     "moderateDashboards", "runScenarios", "manageDashboardAuthorizations", "manageExposedElements",
     "manageAdditionalDashboardUsers", "executeApp", "editPermissions", "publishToDataCollections",
     "shareToWorkspaces", "admin"])
#: the desired form's keys written through the metadata call -> their DSS metadata keys
METADATA_KEYS = {"name": "label", "description": "description", "shortDesc": "shortDesc", "tags": "tags"}

_CONTAINER_INHERIT = {"containerMode": "INHERIT"}
_ENV_INHERIT = {"mode": "INHERIT", "preventOverride": False}
_WEBAPP_INFRA = {"containerSelection": _CONTAINER_INHERIT, "overrideGlobalK8sExposition": False,
                 "exposition": {"type": "local_process", "params": {}}}
_SCALING = {"initialReplicas": 1, "hpa": False, "hpaTargetCPUPercent": 0, "hpaMinPods": 0, "hpaMaxPods": 0}
#: the project ``settings`` of a new project (DSS fills them in; an import leaves them out).
#: Ground truth: the real exports in ``shared/fixtures/dss-exports`` (DSS 8 to 13).
DSS_SETTINGS = {
    "flowAnchorSourcesAndSinks": True, "gitCommitMode": "AUTO", "disableAutomaticTriggers": False,
    "integrations": {"integrations": []},
    "flowBuildSettings": {"mergeSparkPipelines": False, "pruneBeforeSparkPipelines": True,
                          "mergeSqlPipelines": False, "pruneBeforeSqlPipelines": True},
    "limitsSettings": {"memSampleBytes": {"soft": -1, "hard": -1}, "shakerMemTableBytes": {"soft": -1, "hard": -1},
                       "attachmentBytes": {"soft": -1, "hard": -1}},
    "relocationSettings": {"sqlLikeRecipesInitializationMode": "RESOLVED_TABLE_REFERENCES"},
    "recipeEnginesPreferences": {"forbiddenEngines": [], "enginesPreferenceOrder": [], "forbiddenByRecipeType": {},
                                 "preferenceByRecipeType": {}},
    "codeEnvs": {"python": {"useBuiltinEnv": True, "preventOverride": False},
                 "r": {"useBuiltinEnv": True, "preventOverride": False}},
    "container": {"containerMode": "NONE"}, "k8sCluster": {"clusterMode": "INHERIT"},
    "cluster": {"clusterMode": "INHERIT"},
    "datasetsCreationSettings": {"useGlobal": True,
                                 "preferedStorageFormats": "CSV_ESCAPING_NOGZIP_FORHIVE,CSV_EXCEL_GZIP,PARQUET_HIVE",
                                 "virtualizable": False, "allowUploadsWithoutConnection": True},
}
#: the defaults of newer DSS versions (12, 13: the newest fixtures), accepted beside ``DSS_SETTINGS``
DSS_SETTINGS_VARIANTS = {
    "flowBuildSettings": [dict(DSS_SETTINGS["flowBuildSettings"], defaultRecipeHashPropagationBehavior="ENABLED")],
    "flowDisplaySettings": [{"zonesGraphRenderingAlgorithm": "DOT_OLDRANK", "zonesGraphConnectZones": True},
                            {"zonesGraphRenderingAlgorithm": "DOT_OLDRANK", "zonesGraphConnectZones": True,
                             "zonesGraphForJobs": True, "zonesManualPositioning": False}],
    "codeEnvs": [{"python": _ENV_INHERIT, "r": _ENV_INHERIT, "julia": _ENV_INHERIT}],
    "container": [_CONTAINER_INHERIT], "containerForVisualRecipesWorkloads": [_CONTAINER_INHERIT],
    "sharingRequestsEnabled": ["INHERIT"], "limitedVisibilityEnabled": ["INHERIT"],
    "accessRequestsEnabled": ["INHERIT"],
    "hiveEngineCreationSettings": [{"useGlobal": True, "executionEngine": "HIVECLI_LOCAL"}],
    "sparkEngineCreationSettings": [{"useGlobal": True, "executionEngine": "SPARK_SUBMIT",
                                     "useGlobalMetastore": False}],
    "impalaEngineCreationSettings": [{"useGlobal": True, "streamMode": True}],
    "wikiSettings": [{"promoted": False}],
    "virtualWebAppBackendSettings": [
        dict(_ENV_INHERIT, infra=dict(_WEBAPP_INFRA, scaling=_SCALING)),
        dict(_ENV_INHERIT, infra=dict(_WEBAPP_INFRA, deploymentModifier={"config": {}}, scaling=dict(
            _SCALING, progressDeadlineSeconds=600, hpaMetrics=[], hpaAnnotations=[])))],
}


# -- forward: config -> DSS ------------------------------------------------------------------------------------

def project_settings(pc: Any) -> Dict[str, Any]:
    """The project's ``settings`` block the config sets (git commit mode, automatic triggers, raw
    settings); the keys another kind claims (``registry.claimed_settings``) are that kind's."""
    settings = {}  # type: Dict[str, Any]
    if pc.git_commit_mode:
        settings["gitCommitMode"] = GIT_COMMIT_MODES.to_dss(pc.git_commit_mode)
    if pc.disable_automatic_triggers is not None:
        settings["disableAutomaticTriggers"] = bool(pc.disable_automatic_triggers)
    settings.update(pc.settings or {})
    return _unclaimed(settings)


def _unclaimed(settings: Dict[str, Any]) -> Dict[str, Any]:
    """``settings`` without the keys another kind owns (code_envs: ``codeEnvs``), both directions."""
    claimed = registry.claimed_settings()
    return {k: v for k, v in settings.items() if k not in claimed}


def permission_entry(p: Any) -> Dict[str, Any]:
    """A DSS permission item from ``{group|user, level}`` (read < write < admin)."""
    level = p.level or "read"
    entry = {"readProjectContent": True, "readDashboards": True}  # type: Dict[str, Any]
    if level in ("write", "admin"):
        entry.update({"writeProjectContent": True, "runScenarios": True})
    if level == "admin":
        entry["admin"] = True
    for flag in p.extra or []:
        entry[flag] = True
    if p.group:
        entry["group"] = p.group
    if p.user:
        entry["user"] = p.user
    return entry


def grants_write(permissions: Any, login: Optional[str], groups: set) -> bool:
    """Whether configured ``permissions`` give ``login`` (or one of ``groups``) write access, read in
    the DSS form the kind writes (``permission_entry``): apply refuses a configuration that would lock
    its applier out of the project holding its state and lock."""
    for p in permissions or []:
        entry = permission_entry(p)
        if not (entry.get("writeProjectContent") or entry.get("admin")):
            continue
        if (p.user and p.user == login) or (p.group and p.group in groups):
            return True
    return False


def create_project(client: Any, key: str, project: Any) -> None:
    """The one project-creation request (apply creates a missing project before taking its lock, which
    lives in the project; the kind creates it when planned): owner defaults to the applier."""
    owner = project.owner or (client.get_auth_info() or {}).get("authIdentifier")
    client.create_project(key, project.name or key, owner, description=project.description)


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


class ProjectResource(Writes, Kind):
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
    raw_holder = "settings"  # ``settings: {gitCommitMode: ...}`` is named as written, not ``git_commit_mode``

    def address(self, name: str) -> str:
        return "project"

    def configured(self, config: Any) -> List[Tuple[str, Any]]:
        return [(config.project.key, config.project)]

    def desired(self, pc: Any, ctx: Any) -> Dict[str, Any]:
        settings = project_settings(pc)
        out = drop_none({"name": pc.name, "description": pc.description, "shortDesc": pc.short_desc,
                         "owner": pc.owner, "tags": sorted(pc.tags) if pc.tags is not None else None})
        if settings:
            out["settings"] = settings
        if pc.permissions:
            out["permissions"] = {principal(e): permission_terms(e)
                                  for e in (permission_entry(p) for p in pc.permissions)}
        return out

    def read(self, snapshot: Any) -> Dict[str, Dict[str, Any]]:
        if not snapshot.exists:
            return {}
        return {snapshot.project_key: {"metadata": snapshot.metadata or {}, "settings": snapshot.settings or {}}}

    def live_form(self, live: Dict[str, Any], ctx: Any, desired: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
        md, params = live["metadata"], live["settings"]
        out = {"name": md.get("label"), "description": md.get("description", ""),
               "shortDesc": md.get("shortDesc", ""), "tags": list(md.get("tags") or []),
               "owner": params.get("owner"), "settings": _unclaimed(params.get("settings") or {})}
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
               "git_commit_mode": GIT_COMMIT_MODES.to_config(mode, mode.lower() if isinstance(mode, str) else mode),
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

    # -- write (apply)
    def fetch(self, ctx: ApplyContext, name: str, keep: bool = False) -> Optional[Dict[str, Any]]:
        metadata = ctx.call(ctx.project.get_metadata)
        if metadata is None:
            return None
        return {"metadata": metadata, "settings": ctx.call(lambda: ctx.project.get_settings().get_raw()) or {}}

    def create(self, ctx: ApplyContext, name: str, obj: Any, desired: Dict[str, Any]) -> None:
        create_project(ctx.client, name, obj)

    def save(self, ctx: ApplyContext, name: str, obj: Any, desired: Dict[str, Any], keys: List[str]) -> int:
        """Metadata keys through the metadata call, the rest through the settings: one write each."""
        sent = 0
        meta = [k for k in keys if k in METADATA_KEYS]
        if meta:
            metadata = ctx.call(ctx.project.get_metadata)
            for key in meta:
                metadata[METADATA_KEYS[key]] = desired[key]
            ctx.call(lambda: ctx.project.set_metadata(metadata))
            sent += 1
        rest = [k for k in keys if k not in METADATA_KEYS]

        def change(raw: Dict[str, Any]) -> None:
            if "owner" in rest:
                raw["owner"] = desired["owner"]
            if "permissions" in rest:
                raw["permissions"] = [permission_entry(p) for p in obj.permissions or []]
            if "settings" in rest:
                raw["settings"] = merge_into(raw.get("settings") or {}, desired["settings"])
        # the settings document code_envs and sharing write too: through the one locked read-modify-write
        return sent + (ctx.settings_update(change) if rest else 0)

    def delete(self, ctx: ApplyContext, name: str, drop_data: bool) -> None:
        raise ValueError("dataiku-framework never deletes a project")

    # -- inverse (import)
    def to_config(self, snap: Any, ictx: Any) -> List[Tuple[str, Any]]:
        """The project document; entries that cannot be written go to ``ictx.left_out`` when it has one."""
        return [(snap.project_key, import_project(snap, getattr(ictx, "left_out", [])))]


# -- inverse: DSS -> config --------------------------------------------------------------------------------------

def import_project(snap: Any, left_out: List[Tuple[str, str, str]]) -> Dict[str, Any]:
    """The ``project`` document of a refreshed snapshot, without what DSS fills in by itself
    (``DSS_SETTINGS``); its variables too (``project.variables``)."""
    md, params = snap.metadata or {}, snap.settings or {}
    out = {"key": snap.project_key}  # type: Dict[str, Any]
    if md.get("label") != snap.project_key:  # a project created without a name is named by its key
        given(out, "name", md.get("label"))
    described(out, md)
    given(out, "owner", params.get("owner"))
    perms = import_permissions(params.get("permissions") or [])
    if perms is None:
        left_out.append(("project permissions", snap.project_key, "an entry has no level the language can write "
                                                                  "(read, write, admin) or a flag it does not know"))
    else:
        given(out, "permissions", perms)
    settings = _unclaimed(params.get("settings") or {})
    mode = settings.get("gitCommitMode")
    if isinstance(mode, str) and mode != DSS_SETTINGS["gitCommitMode"] and GIT_COMMIT_MODES.to_config(mode.upper()):
        out["git_commit_mode"] = GIT_COMMIT_MODES.to_config(mode.upper())
    if settings.get("disableAutomaticTriggers") is True:
        out["disable_automatic_triggers"] = True
    raw = strip(settings, DSS_SETTINGS, DSS_SETTINGS_VARIANTS)
    for key, field in (("gitCommitMode", "git_commit_mode"),
                       ("disableAutomaticTriggers", "disable_automatic_triggers")):
        if field in out:
            raw.pop(key, None)
    given(out, "settings", raw)
    variables = {scope: dict(values) for scope, values in (snap.variables or {}).items()
                 if scope in ("standard", "local") and isinstance(values, dict) and values}
    given(out, "variables", variables)
    return out


def import_permissions(entries: List[Any]) -> Optional[List[Dict[str, Any]]]:
    """Permission entries as ``{group|user, level, extra}``; None when one cannot be written."""
    out = []
    for entry in entries:
        if not isinstance(entry, dict) or not (entry.get("group") or entry.get("user")):
            return None
        terms = permission_terms(entry)
        if terms["level"] == "none" or not set(terms["extra"]) <= PERMISSION_EXTRAS:
            return None
        item = {"group": entry["group"]} if entry.get("group") else {"user": entry["user"]}
        item["level"] = terms["level"]
        given(item, "extra", terms["extra"])
        out.append(item)
    return sorted(out, key=lambda p: (p.get("group") is None, p.get("group") or p.get("user")))


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
