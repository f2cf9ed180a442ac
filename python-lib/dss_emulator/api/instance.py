"""Instance-level endpoints: auth, instance info, connections, users, groups, variables, futures."""
import copy

from .. import defaults, errors
from ..checks import check_types
from ..ids import random_id
from ..routing import route
from ..stamps import stamp_update

ADMIN = "instance_admin"


def _existing(mapping, name, label):
    """The entry called ``name``, or DSS's NotFoundException naming it."""
    entry = mapping.get(name)
    if entry is None:
        raise errors.not_found("%s %s does not exist" % (label, name))
    return entry


def _create_named(ctx, mapping, key_field, label, factory):
    """Create an instance-level object from a body naming it in ``key_field`` (users, groups, connections)."""
    body = ctx.json_object()
    name = body.get(key_field)
    if not isinstance(name, str) or not name:
        raise errors.bad_request("%s %s is required" % (label, key_field))
    if name in mapping:
        raise errors.already_exists("%s %s already exists" % (label, name))
    mapping[name] = factory(name, body)
    return {"msg": "Created %s %s" % (label.lower(), name)}


def _identity(ctx, user, with_secrets):
    out = {"authIdentifier": user["login"], "associatedDSSUser": user["login"],
           "displayName": user.get("displayName"), "groups": list(user.get("groups", [])),
           "userProfile": user.get("userProfile"), "email": user.get("email")}
    if with_secrets:
        # stored as {"name", "value", "secret"} (DSSUserSettings.add_secret); served as {"key", "value"}
        out["secrets"] = [{"key": s.get("key", s.get("name")), "value": s.get("value")}
                          for s in user.get("secrets", []) if isinstance(s, dict)]
    return out


@route("GET", "/auth/info", perm=None)
def auth_info(ctx):
    return _identity(ctx, ctx.user, ctx.qbool("withSecrets"))


#: The cookie naming a browser session (the emulator's name: DSS identifies its browser user by its
#: own session cookie, which ``get_auth_info_from_browser_headers`` forwards with the other headers).
SESSION_COOKIE = "dss-emulator-session"


def open_browser_session(instance, login):
    """TEST-ONLY set-up helper (DSS has no such call; a person logs in through DSS's login page):
    open a browser session for user ``login``; the cookie value naming it. Sessions live in memory."""
    import secrets
    with instance.lock:
        if login not in instance.users:
            raise ValueError("user %s does not exist" % login)
        token = secrets.token_urlsafe(24)
        _sessions(instance)[token] = login
    return token


def close_browser_session(instance, token):
    """TEST-ONLY: the browser logged out (its cookie no longer names anyone)."""
    with instance.lock:
        _sessions(instance).pop(token, None)


def _sessions(instance):
    if not hasattr(instance, "browser_sessions"):
        instance.browser_sessions = {}
    return instance.browser_sessions


def _session_user(instance, headers):
    """The user whose open session the headers' ``Cookie`` names (header names are case-insensitive)."""
    from http.cookies import CookieError, SimpleCookie
    for name, value in headers.items():
        if name.lower() != "cookie":
            continue
        try:
            cookie = SimpleCookie(value)
        except CookieError:
            return None
        morsel = cookie.get(SESSION_COOKIE)
        login = _sessions(instance).get(morsel.value) if morsel is not None else None
        return instance.users.get(login) if login else None
    return None


@route("POST", "/auth/info-from-browser-headers", perm=None, writes=False)
def auth_info_from_headers(ctx):
    """Webapp backends pass the browser's headers (``DSSClient.get_auth_info_from_browser_headers``:
    POST, body = the headers dict; dss-rest-api.md). The browser's user is named by a session cookie
    (``SESSION_COOKIE``), or by an API key found in the headers; else DSS's NotAuthenticated error."""
    from ..server import _api_key_from
    headers = {k: v for k, v in ctx.json_object().items() if isinstance(k, str) and isinstance(v, str)}
    key = _api_key_from(headers)
    user = ctx.instance.user_for_key(key) if key else None
    if user is None:
        user = _session_user(ctx.instance, headers)
    if user is None:
        raise errors.not_authenticated("No authenticated user in the given browser headers")
    return _identity(ctx, user, ctx.qbool("withSecrets"))


@route("GET", "/instance-info", perm=None)
def instance_info(ctx):
    return {"nodeId": "dss-emulator", "nodeName": "DSS emulator", "nodeType": "DESIGN",
            "dssVersion": "15.2.0", "conf": {"type": "DESIGN"}}


# -- connections ------------------------------------------------------------------------------
def _connection(ctx, name):
    return _existing(ctx.instance.connections, name, "Connection")


@route("GET", "/admin/licensing/status", perm=ADMIN)
def licensing_status(ctx):
    """The license of the edition the emulator was started as (``Emulator(edition=...)``)."""
    return defaults.licensing_status(ctx.emulator.edition)


@route("GET", "/admin/connections", perm=ADMIN)
def list_connections(ctx):
    return {name: defaults.redact(c) for name, c in sorted(ctx.instance.connections.items())}


CONNECTION_FIELDS = {"type": str, "description": str, "params": dict, "usableBy": str, "allowedGroups": list,
                     "allowWrite": bool, "allowManagedDatasets": bool, "allowManagedFolders": bool,
                     "credentialsMode": str, "detailsReadability": dict, "indexingSettings": dict}


def _check_connection(body):
    """The fields every reader of a connection relies on (type, params, usability) have their types."""
    check_types(body, CONNECTION_FIELDS, "Connection field")
    if not all(isinstance(g, str) for g in body.get("allowedGroups") or []):
        raise errors.bad_request("Connection field 'allowedGroups' must be a list of group names")
    return body


@route("POST", "/admin/connections", perm=ADMIN)
def create_connection(ctx):
    def make(name, body):
        _check_connection(body)
        conn = defaults.connection(name, body.get("type") or "Filesystem", body.get("params") or {}, ctx.login)
        conn.update({k: body[k] for k in ("description", "usableBy", "allowedGroups") if body.get(k) is not None})
        return conn
    return _create_named(ctx, ctx.instance.connections, "name", "Connection", make)


@route("GET", "/admin/connections/{name}", perm=ADMIN)
def get_connection(ctx, name):
    return defaults.redact(_connection(ctx, name))


@route("PUT", "/admin/connections/{name}", perm=ADMIN)
def save_connection(ctx, name):
    """The body is merged onto the stored definition (fields left out stay); DSS keeps the name and
    the type; placeholders sent back for secrets keep the stored values."""
    old = _connection(ctx, name)
    body = _check_connection(ctx.json_object())
    new = copy.deepcopy(old)
    new.update(defaults.keep_secrets(copy.deepcopy(body), old))
    new["name"], new["type"] = name, old["type"]
    new["params"] = new.get("params") or {}
    ctx.instance.connections[name] = stamp_update(new, old, ctx.login)
    return {"msg": "Saved"}


@route("DELETE", "/admin/connections/{name}", perm=ADMIN)
def delete_connection(ctx, name):
    _connection(ctx, name)
    del ctx.instance.connections[name]
    return {"msg": "Deleted"}


def _usable(ctx, conn):
    return (ctx.is_admin or conn.get("usableBy", "ALL") == "ALL"
            or set(conn.get("allowedGroups", [])) & set(ctx.user.get("groups", [])))


@route("GET", "/connections/get-names", perm=None)
def connection_names(ctx):
    wanted = ctx.q("type")
    if wanted == "all":  # the client's documented "no filter" value
        wanted = None
    return sorted(n for n, c in ctx.instance.connections.items()
                  if _usable(ctx, c) and (not wanted or c["type"] == wanted))


@route("GET", "/connections/{name}/info", perm=None)
def connection_info(ctx, name):
    conn = _connection(ctx, name)
    if not _usable(ctx, conn):
        raise errors.forbidden("You may not use connection %s" % name)
    params = defaults.redact(conn.get("params", {}))
    return {"name": name, "type": conn["type"], "credentialsMode": conn.get("credentialsMode", "GLOBAL"),
            "params": params, "resolvedParams": copy.deepcopy(params), "usableBy": conn.get("usableBy"),
            "allowWrite": conn.get("allowWrite", True)}


@route("GET", "/connections/{name}/test", perm=None)
def connection_test(ctx, name):
    _connection(ctx, name)
    return {"connectionOK": True, "connectionErrorMsg": None}


# -- code envs ----------------------------------------------------------------------------------
@route("GET", "/admin/code-envs", perm=None)
def list_code_envs(ctx):
    return copy.deepcopy(getattr(ctx.instance, "code_envs", []))


# -- users and groups --------------------------------------------------------------------------
def _user(ctx, login):
    return _existing(ctx.instance.users, login, "User")


def _public_user(u):
    return {k: u.get(k) for k in ("login", "displayName", "email", "groups", "userProfile", "sourceType", "enabled")}


@route("GET", "/admin/users", perm=ADMIN)
def list_users(ctx):
    """Stored secrets and credentials are never served in clear (see :func:`defaults.redact_user`)."""
    return [defaults.redact_user(u) for _, u in sorted(ctx.instance.users.items())]


@route("POST", "/admin/users", perm=ADMIN)
def create_user(ctx):
    def make(login, body):
        groups = body.get("groups") or []
        if not isinstance(groups, list):
            raise errors.bad_request("User groups must be a list")
        return defaults.user(login, body.get("displayName") or login, groups, body.get("userProfile") or "DESIGNER",
                             body.get("email"))
    return _create_named(ctx, ctx.instance.users, "login", "User", make)


@route("GET", "/admin/users/{login}", perm=ADMIN)
def get_user(ctx, login):
    return defaults.redact_user(_user(ctx, login))


USER_FIELDS = {"displayName": str, "email": str, "userProfile": str, "enabled": bool, "groups": list,
               "secrets": list, "credentials": dict, "userProperties": dict, "adminProperties": dict,
               "preferences": dict}


@route("PUT", "/admin/users/{login}", perm=ADMIN)
def save_user(ctx, login):
    """A full save; placeholders sent back for secrets keep the stored values (a get-then-save
    round trip changes nothing). The password is write-only and not kept."""
    old = _user(ctx, login)
    body = ctx.json_object()
    check_types(body, USER_FIELDS, "User field")
    if not all(isinstance(g, str) for g in body.get("groups") or []):
        raise errors.bad_request("User groups must be a list of group names")
    body["login"] = login
    body.pop("password", None)
    ctx.instance.users[login] = defaults.keep_secrets(body, old)
    return {"msg": "Saved"}


@route("DELETE", "/admin/users/{login}", perm=ADMIN)
def delete_user(ctx, login):
    _user(ctx, login)
    if login == ctx.login and not ctx.qbool("allowSelfDeletion"):
        raise errors.bad_request("You cannot delete yourself")
    del ctx.instance.users[login]
    for key in [k for k, v in ctx.instance.api_keys.items() if v == login]:
        del ctx.instance.api_keys[key]
    return {"msg": "Deleted"}


@route("GET", "/users", perm=None)
def list_users_info(ctx):
    return [_public_user(u) for _, u in sorted(ctx.instance.users.items())]


@route("GET", "/users/{login}", perm=None)
def user_info(ctx, login):
    return _public_user(_user(ctx, login))


@route("GET", "/groups", perm=None)
def list_groups_info(ctx):
    return [{"name": n, "description": g.get("description", "")} for n, g in sorted(ctx.instance.groups.items())]


def _group(ctx, name):
    return _existing(ctx.instance.groups, name, "Group")


@route("GET", "/admin/groups", perm=ADMIN)
def list_groups(ctx):
    return [copy.deepcopy(g) for _, g in sorted(ctx.instance.groups.items())]


@route("POST", "/admin/groups", perm=ADMIN)
def create_group(ctx):
    return _create_named(ctx, ctx.instance.groups, "name", "Group",
                         lambda name, body: defaults.group(name, body.get("description") or ""))


@route("GET", "/admin/groups/{name}", perm=ADMIN)
def get_group(ctx, name):
    return copy.deepcopy(_group(ctx, name))


@route("PUT", "/admin/groups/{name}", perm=ADMIN)
def save_group(ctx, name):
    _group(ctx, name)
    body = ctx.json_object()
    body["name"] = name
    ctx.instance.groups[name] = body
    return {"msg": "Saved"}


@route("DELETE", "/admin/groups/{name}", perm=ADMIN)
def delete_group(ctx, name):
    _group(ctx, name)
    del ctx.instance.groups[name]
    return {"msg": "Deleted"}


@route("GET", "/current-user", perm=None)
def current_user(ctx):
    """Your own settings, with stored secret values hidden as for admins' user listings."""
    return defaults.redact_user(ctx.user)


@route("PUT", "/current-user", perm=None)
def save_current_user(ctx):
    """Users may change their display name, email, preferences, properties and secrets; placeholders
    sent back for secrets keep the stored values."""
    body = ctx.json_object()
    types = {"displayName": str, "email": str, "preferences": dict, "secrets": list, "userProperties": dict}
    for k, kind in types.items():
        if k in body and not isinstance(body[k], kind):
            raise errors.bad_request("'%s' must be a %s" % (k, "string" if kind is str else kind.__name__))
    updated = defaults.keep_secrets({k: copy.deepcopy(body[k]) for k in types if k in body}, ctx.user)
    ctx.user.update(updated)
    return {"msg": "Saved"}


# -- global variables ------------------------------------------------------------------------
@route("GET", "/admin/variables", perm=None)
def get_global_variables(ctx):
    return copy.deepcopy(ctx.instance.global_variables)


@route("PUT", "/admin/variables", perm=ADMIN)
def set_global_variables(ctx):
    ctx.instance.global_variables = ctx.json_object()
    return {"msg": "Saved"}


# -- futures ------------------------------------------------------------------------------------
@route("GET", "/futures", perm=None)
def list_futures(ctx):
    all_users = ctx.qbool("allUsers") and ctx.is_admin
    return [copy.deepcopy(f) for f in ctx.instance.futures.values()
            if (all_users or f.get("owner") == ctx.login) and f.get("alive")]


def _future(ctx, job_id):
    return _existing(ctx.instance.futures, job_id, "Future")


@route("GET", "/futures/{jobId}", perm=None)
def get_future(ctx, jobId):
    return copy.deepcopy(_future(ctx, jobId))


@route("DELETE", "/futures/{jobId}", perm=None)
def abort_future(ctx, jobId):
    _future(ctx, jobId)["aborted"] = True
    return {"msg": "Aborted"}


# -- project folders ------------------------------------------------------------------------------
def _folder(ctx, fid):
    return copy.deepcopy(_existing(ctx.instance.project_folders, fid, "Project folder"))


@route("GET", "/project-folders", perm=None)
def root_folder(ctx):
    return _folder(ctx, "ROOT")


@route("GET", "/project-folders/{folderId}", perm=None)
def get_folder(ctx, folderId):
    return _folder(ctx, folderId)


@route("GET", "/project-folders/locate-project/{projectKey}", perm="read")
def locate_project(ctx, projectKey):
    for f in ctx.instance.project_folders.values():
        if projectKey in f.get("projectKeys", []):
            return copy.deepcopy(f)
    return _folder(ctx, "ROOT")


#: DSS's project folder ids are random alphanumerics (the root's is ``ROOT``)
PROJECT_FOLDER_ID_LENGTH = 7


@route("POST", "/project-folders/{folderId}/children", perm=None)
def create_sub_folder(ctx, folderId):
    """``DSSProjectFolder.create_sub_folder(name)``: a new child of ``folderId`` named by the ``name``
    query parameter; answers the new folder (reference ``dss-rest-api.md``, project folders)."""
    folders = ctx.instance.project_folders
    parent = _existing(folders, folderId, "Project folder")
    name = ctx.q("name")
    if not isinstance(name, str) or not name.strip():
        raise errors.bad_request("A project folder name is required")
    fid = random_id(PROJECT_FOLDER_ID_LENGTH, set(folders))
    folders[fid] = {"id": fid, "name": name, "parentId": folderId, "childrenIds": [], "projectKeys": []}
    parent["childrenIds"].append(fid)
    return copy.deepcopy(folders[fid])


@route("POST", "/project-folders/{folderId}/projects/{projectKey}/move", perm="admin")
def move_project(ctx, folderId, projectKey):
    """``DSSProjectFolder.move_project_to(key, destination)``: the project leaves ``folderId`` for the
    folder the ``destination`` query parameter names; empty answer (reference ``dss-rest-api.md``,
    project folders). The source must hold the project, the destination must exist."""
    folders = ctx.instance.project_folders
    source = _existing(folders, folderId, "Project folder")
    target = _existing(folders, ctx.q("destination") or "", "Project folder")
    if projectKey not in source.get("projectKeys", []):
        raise errors.bad_request("Project %s is not in project folder %s" % (projectKey, folderId))
    source["projectKeys"].remove(projectKey)
    if projectKey not in target["projectKeys"]:
        target["projectKeys"].append(projectKey)
    return None
