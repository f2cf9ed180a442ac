"""Instance- and project-level defaults DSS fills in by itself.

Shapes follow the real exports in ``shared/fixtures/dss-exports/*/project_config/params.json``.
Object-level defaults (datasets, recipes, scenarios, folders) live next to their handlers.
"""
import copy

from .stamps import stamp_new

ADMIN_GROUP = "administrators"
SECRET_PLACEHOLDER = "**********"
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


def project_params(owner):
    """The ``params.json`` of a new project (what ``GET /projects/{k}/settings`` returns)."""
    return {
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
    }


def metadata(label="", description="", tags=None):
    """The metadata object shared by projects, datasets and recipes (``custom.kv`` form)."""
    return {"label": label, "description": description, "shortDesc": "", "tags": sorted(tags or []),
            "checklists": {"checklists": []}, "custom": {"kv": {}}, "customFields": {}}


PERMISSION_FLAGS = ("admin", "readProjectContent", "writeProjectContent", "exportDatasetsData",
                    "readDashboards", "writeDashboards", "moderateDashboards", "runScenarios",
                    "manageDashboardAuthorizations", "manageExposedElements",
                    "manageAdditionalDashboardUsers", "executeApp", "shareToWorkspaces")


def permission_entry(entry):
    """Fill every flag DSS stores on a permission item (missing flags are false)."""
    out = {k: v for k, v in entry.items() if k in ("group", "user")}
    for flag in PERMISSION_FLAGS:
        out[flag] = bool(entry.get(flag, False))
    return out


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
    "Filesystem": lambda name: {"root": "/data/dss/managed_datasets" if name == "filesystem_managed"
                                else "/data/dss/managed_folders" if name == "filesystem_folders" else "/data/dss",
                                "namingRule": {}},
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
    """The connections every DSS design node has out of the box."""
    for name in ("filesystem_managed", "filesystem_folders", "filesystem_root"):
        instance.connections[name] = connection(name, "Filesystem")


def redact(obj):
    """Copy of a connection definition with every secret-looking value replaced by a placeholder."""
    if isinstance(obj, dict):
        return {k: (SECRET_PLACEHOLDER if _is_secret_key(k) and v not in (None, "") else redact(v))
                for k, v in obj.items()}
    if isinstance(obj, list):
        return [redact(v) for v in obj]
    return obj


def keep_secrets(new, old):
    """On save, a placeholder sent back means "unchanged": restore the stored secret."""
    if isinstance(new, dict) and isinstance(old, dict):
        for k, v in list(new.items()):
            if v == SECRET_PLACEHOLDER and k in old:
                new[k] = old[k]
            else:
                keep_secrets(v, old.get(k))
    return new


def _is_secret_key(key):
    k = key.lower().replace("-", "").replace("_", "")
    return any(s.replace("_", "") in k for s in SECRET_KEYS)
