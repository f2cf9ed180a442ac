"""Instance- and project-level defaults DSS fills in by itself.

Shapes follow the real exports in ``shared/fixtures/dss-exports/*/project_config/params.json``.
Object-level defaults (datasets, recipes, scenarios, folders) live next to their handlers.
"""
import copy

from .checks import normalise_tags
from .stamps import stamp_new

ADMIN_GROUP = "administrators"
SECRET_PLACEHOLDER = "**********"
# The uploads location of a DSS design node: the connection every UploadedFiles dataset names in
# ``params.uploadConnection`` unless told otherwise (as in the real exports).
UPLOAD_CONNECTION = "Default (in DSS data dir.)"
FILESYSTEM_ROOTS = {"filesystem_managed": "/data/dss/managed_datasets",
                    "filesystem_folders": "/data/dss/managed_folders", UPLOAD_CONNECTION: "/data/dss/uploads"}
SECRET_KEYS = ("password", "secret", "token", "privatekey", "private_key", "accesskey", "secretkey",
               "clientsecret", "apikey", "api_key", "passphrase")

PROJECT_SETTINGS = {
    "flowAnchorSourcesAndSinks": True,
    "gitCommitMode": "AUTO",
    "disableAutomaticTriggers": False,
    "integrations": {"integrations": []},
    "flowBuildSettings": {"mergeSparkPipelines": False, "pruneBeforeSparkPipelines": True,
                          "mergeSqlPipelines": False, "pruneBeforeSqlPipelines": True},
    "limitsSettings": {"memSampleBytes": {"soft": -1, "hard": -1},
                       "shakerMemTableBytes": {"soft": -1, "hard": -1},
                       "attachmentBytes": {"soft": -1, "hard": -1}},
    "relocationSettings": {"sqlLikeRecipesInitializationMode": "RESOLVED_TABLE_REFERENCES"},
    "recipeEnginesPreferences": {"forbiddenEngines": [], "enginesPreferenceOrder": [],
                                 "forbiddenByRecipeType": {}, "preferenceByRecipeType": {}},
    "codeEnvs": {"python": {"useBuiltinEnv": True, "preventOverride": False},
                 "r": {"useBuiltinEnv": True, "preventOverride": False}},
    "container": {"containerMode": "NONE"},
    "k8sCluster": {"clusterMode": "INHERIT"},
    "cluster": {"clusterMode": "INHERIT"},
    "datasetsCreationSettings": {"useGlobal": True,
                                 "preferedStorageFormats": "CSV_ESCAPING_NOGZIP_FORHIVE,CSV_EXCEL_GZIP,PARQUET_HIVE",
                                 "virtualizable": False, "allowUploadsWithoutConnection": True},
}


def project_params(owner, name=None, description=None):
    """The ``params.json`` of a new project (what ``GET /projects/{k}/settings`` returns): settings,
    permissions and the project's metadata fields, as in the real exports (stamps added by the caller)."""
    params = {
        "dashboardAuthorizations": {"allAuthorized": False, "authorizations": []},
        "exposedObjects": {"objects": []},
        "projectType": "REGULAR",
        "owner": owner,
        "permissions": [],
        "additionalDashboardUsers": {"users": []},
        "tutorialProject": False,
        "settings": copy.deepcopy(PROJECT_SETTINGS),
        "projectStatus": "",
        "projectAppType": "REGULAR",
        "shortDesc": "",
        "tags": [],
        "customFields": {},
        "checklists": {"checklists": []},
    }
    if name is not None:
        params["name"] = name
    if description:
        params["description"] = description
    return params


def metadata(label="", description="", tags=None):
    """The metadata object shared by projects, datasets and recipes (``custom.kv`` form)."""
    return {"label": label, "description": description, "shortDesc": "", "tags": normalise_tags(tags),
            "checklists": {"checklists": []}, "custom": {"kv": {}}, "customFields": {}}


PERMISSION_FLAGS = ("admin", "readProjectContent", "writeProjectContent", "exportDatasetsData",
                    "readDashboards", "writeDashboards", "moderateDashboards", "runScenarios",
                    "manageDashboardAuthorizations", "manageExposedElements",
                    "manageAdditionalDashboardUsers", "executeApp", "shareToWorkspaces")


def permission_entry(entry):
    """A permission item as DSS stores it: every key the client sent (flags unknown here too, such
    as ``editPermissions``), plus the usual flags it left out, as false."""
    out = copy.deepcopy(entry)
    for flag in PERMISSION_FLAGS:
        out.setdefault(flag, False)
    return out


# Editions the emulator can pose as (``Emulator(edition=...)``, ``serve --edition``): licenseKind,
# community flag, user-profile caps. Shape of ``GET /admin/licensing/status`` as tools read it
# (``base.licenseContent.{licenseKind,properties}``, ``base.expiresOn`` in ms, ``base.expired``,
# ``communityEdition``); the exact set of other keys a real DSS adds is not known.
EDITIONS = {
    "enterprise": {"licenseKind": "ENTERPRISE", "community": False, "limits": {"DESIGNER": -1, "READER": -1}},
    "free": {"licenseKind": "FREE", "community": True, "limits": {"DESIGNER": 3, "READER": 0}},
    "trial": {"licenseKind": "TRIAL", "community": False, "limits": {"DESIGNER": 5, "READER": 5}},
}
DEFAULT_EDITION = "enterprise"
LICENSE_EXPIRES_ON = 4102444800000   # 2100-01-01T00:00:00Z: the emulator's license never expires


def check_edition(edition):
    """The edition name, or a ValueError naming the known ones (a bad ``--edition``)."""
    if edition not in EDITIONS:
        raise ValueError("unknown edition %r: use one of %s" % (edition, ", ".join(sorted(EDITIONS))))
    return edition


def licensing_status(edition):
    """``GET /admin/licensing/status`` for an emulator started as ``edition``."""
    spec = EDITIONS[check_edition(edition)]
    properties = {"users.profiles.%s.max" % p: str(n) for p, n in spec["limits"].items()}
    return {
        "base": {
            "licenseContent": {"licenseKind": spec["licenseKind"], "instanceId": "dss-emulator",
                               "licensee": {"company": "DSS emulator", "email": "admin@example.com"},
                               "expiresOn": LICENSE_EXPIRES_ON, "properties": properties},
            "valid": True, "expired": False, "expiresOn": LICENSE_EXPIRES_ON,
            "profileLimits": {p: {"profile": p, "licensed": {"profile": p, "licensedLimit": n}}
                              for p, n in spec["limits"].items()},
        },
        "communityEdition": spec["community"],
        "edition": edition,
    }


def root_project_folder():
    return {"ROOT": {"id": "ROOT", "name": None, "parentId": None, "childrenIds": [], "projectKeys": []}}


def user(login, display, groups, profile="DESIGNER", email=None):
    return {"login": login, "displayName": display, "email": email or "%s@example.com" % login,
            "groups": list(groups), "userProfile": profile, "sourceType": "LOCAL", "enabled": True,
            "secrets": [], "credentials": {}, "userProperties": {}, "adminProperties": {},
            "preferences": {}, "creationDate": 0}


def group(name, description="", admin=False):
    return {"name": name, "description": description, "sourceType": "LOCAL", "admin": admin,
            "mayCreateProjects": True, "mayWriteUnsafeCode": admin, "mayWriteSafeCode": True,
            "mayCreateCodeEnvs": admin, "mayManageCodeEnvs": admin, "mayCreateClusters": admin,
            "mayDevelopPlugins": admin, "mayCreatePublishedAPIServices": admin,
            "mayCreatePublishedProjects": admin, "mayWriteInRootProjectFolder": True,
            "ldapGroupNames": [], "ssoGroupNames": []}


def install_builtin_security(instance):
    """An administrator and an ordinary data-team user, as a fresh DSS has admin plus users."""
    instance.groups[ADMIN_GROUP] = group(ADMIN_GROUP, "DSS administrators", admin=True)
    instance.groups["data_team"] = group("data_team", "Data team")
    instance.groups["readers"] = group("readers", "Read-only users")
    instance.users["admin"] = user("admin", "Administrator", [ADMIN_GROUP])
    instance.users["analyst"] = user("analyst", "Analyst", ["data_team"])
    instance.users["reader"] = user("reader", "Reader", ["readers"], profile="READER")


CONNECTION_PARAMS_BY_TYPE = {
    "Filesystem": lambda name: {"root": FILESYSTEM_ROOTS.get(name, "/data/dss"), "namingRule": {}},
    "PostgreSQL": lambda name: {"host": "localhost", "port": 5432, "db": name, "user": "dss",
                                "password": "", "namingRule": {}},
    "Snowflake": lambda name: {"host": "example.snowflakecomputing.com", "db": "ANALYTICS",
                               "warehouse": "COMPUTE_WH", "user": "dss", "password": "", "namingRule": {}},
}


def connection(name, ctype, params=None, login="admin"):
    base = CONNECTION_PARAMS_BY_TYPE.get(ctype, lambda n: {"namingRule": {}})(name)
    base.update(params or {})
    return stamp_new({
        "name": name, "type": ctype, "description": "", "params": base,
        "usableBy": "ALL", "allowedGroups": [], "allowWrite": True, "allowManagedDatasets": True,
        "allowManagedFolders": ctype in ("Filesystem", "S3", "GCS", "Azure", "HDFS"),
        "allowKnowledgeBanks": False, "allowMirror": True, "maxActivities": 0, "useGlobalProxy": False,
        "credentialsMode": "GLOBAL", "indexingSettings": {"indexForeign": False},
        "detailsReadability": {"readableBy": "NONE", "allowedGroups": []},
    }, login)


def install_builtin_connections(instance):
    """The connections every DSS design node has out of the box, including the uploads one (it
    only holds uploaded files: no managed datasets or folders go there)."""
    for name in ("filesystem_managed", "filesystem_folders", "filesystem_root"):
        instance.connections[name] = connection(name, "Filesystem")
    uploads = connection(UPLOAD_CONNECTION, "Filesystem")
    uploads.update({"allowManagedDatasets": False, "allowManagedFolders": False})
    instance.connections[UPLOAD_CONNECTION] = uploads


def redact(obj):
    """Copy of a definition with every secret value replaced by a placeholder, as DSS serves it.

    A value is secret when its key looks secret (``password``, ``accessKey``...), or, in the
    list-shaped properties DSS uses (``[{"name", "value", "secret"}]``), when it is the ``value``
    of an item flagged ``secret`` or whose ``name``/``key`` looks secret. Containers are walked,
    never replaced; booleans (``"secret": true``) are flags, never secrets."""
    if isinstance(obj, list):
        return [redact(v) for v in obj]
    if not isinstance(obj, dict):
        return obj
    value_is_secret = _item_is_secret(obj)
    return {k: SECRET_PLACEHOLDER if _hides(k, v, value_is_secret) else redact(v) for k, v in obj.items()}


def _hides(key, value, value_is_secret):
    if value in (None, "") or isinstance(value, (bool, dict, list)):
        return False
    return _is_secret_key(key) or (key == "value" and value_is_secret)


def _item_is_secret(item):
    """A ``{"name"|"key": ..., "value": ..., "secret": bool}`` item whose ``value`` is secret."""
    if item.get("secret") is True:
        return True
    label = item.get("name", item.get("key"))
    return isinstance(label, str) and _is_secret_key(label)


def redact_user(user):
    """A user as the admin API serves it: stored secrets and connection credentials hidden."""
    out = redact(user)
    out["secrets"] = [dict(s, value=SECRET_PLACEHOLDER) if isinstance(s, dict) and s.get("value") not in (None, "")
                      else s for s in out.get("secrets") or []]
    credentials = out.get("credentials")
    if isinstance(credentials, dict):
        out["credentials"] = {k: v if isinstance(v, dict) or v in (None, "") else SECRET_PLACEHOLDER
                              for k, v in credentials.items()}
    return out


def keep_secrets(new, old):
    """On save, a placeholder sent back means "unchanged": restore the stored secret. List items
    (properties, user secrets) are matched with the stored ones by ``name`` (or ``key``)."""
    if isinstance(new, dict) and isinstance(old, dict):
        for k, v in list(new.items()):
            if v == SECRET_PLACEHOLDER and k in old:
                new[k] = old[k]
            else:
                keep_secrets(v, old.get(k))
    elif isinstance(new, list) and isinstance(old, list):
        stored = {_item_id(o): o for o in old if _item_id(o) is not None}
        for item in new:
            keep_secrets(item, stored.get(_item_id(item)))
    return new


def _item_id(item):
    if isinstance(item, dict):
        for field in ("name", "key"):
            if isinstance(item.get(field), str):
                return field, item[field]
    return None


def _is_secret_key(key):
    k = key.lower().replace("-", "").replace("_", "")
    return any(s.replace("_", "") in k for s in SECRET_KEYS)
