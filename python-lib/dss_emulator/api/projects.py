"""Project endpoints: list/create/delete, summary, metadata, settings, permissions, variables, tags."""
import copy
import re

from .. import defaults, errors
from ..checks import check_types, normalise_tags
from ..routing import route
from ..stamps import stamp_new, stamp_update
from ..state import Project

PROJECT_KEY_RE = re.compile(r"^[A-Za-z0-9_]+$")


def project_of(ctx, key):
    """The project of a request (permission already checked by the server)."""
    project = ctx.project or ctx.instance.projects.get(key)
    if project is None:
        raise errors.project_unreadable(key)
    return project


def exposed_to(ctx, project, object_type):
    """(other project, localName) of each object of ``object_type`` (``DATASET``, ``SAVED_MODEL``) that
    another project exposes to ``project``: a rule of its ``exposedObjects`` names it. What DSS's
    ``foreign=True`` listings add (dss-rest-api.md: ``list_datasets``, ``list_saved_models``)."""
    out = []
    others = [ctx.instance.projects[k] for k in sorted(ctx.instance.projects) if k != project.key]
    for other in others:
        for obj in (other.params.get("exposedObjects") or {}).get("objects") or []:
            if obj.get("type") == object_type and any(r.get("targetProject") == project.key
                                                      for r in obj.get("rules") or []):
                out.append((other, obj.get("localName")))
    return out


@route("GET", "/projects", perm=None)
def list_projects(ctx):
    out = []
    for key in sorted(ctx.instance.projects):
        p = ctx.instance.projects[key]
        if "read" in p.permission_levels(ctx.user, ctx.is_admin):
            item = p.summary()
            if ctx.qbool("includeLocation"):
                item["projectLocation"] = {"folderId": "ROOT"}
            out.append(item)
    return out


def _check_new_key(ctx, key, what="project key"):
    """A valid key no project uses yet (DSS compares keys case-insensitively)."""
    if not isinstance(key, str) or not PROJECT_KEY_RE.match(key):
        raise errors.bad_request("Invalid %s %r: use only letters, digits and underscores" % (what, key))
    if key.upper() in {k.upper() for k in ctx.instance.projects}:
        raise errors.already_exists("Project %s already exists" % key)
    return key


@route("POST", "/projects", perm=None, git="Created project {projectKey}")
def create_project(ctx):
    """``projectFolderId`` (query) must name an existing project folder; without it, ROOT."""
    body = ctx.json_object()
    key = _check_new_key(ctx, body.get("projectKey"))
    name = body.get("name")
    if not isinstance(name, str) or not name.strip():
        raise errors.bad_request("Project name is required")
    if body.get("description") is not None and not isinstance(body["description"], str):
        raise errors.bad_request("'description' must be a string")
    if body.get("settings") is not None and not isinstance(body["settings"], dict):
        raise errors.bad_request("'settings' must be an object")
    owner = _owner(ctx, body.get("owner") or ctx.login)
    folder = _project_folder(ctx, ctx.q("projectFolderId"))
    project = Project(key, name, owner, body.get("description"))
    project.params["permissions"] = _permission_entries(ctx, body.get("permissions") or [])
    project.params["tags"] = normalise_tags(body.get("tags"))
    project.params["settings"].update(body.get("settings") or {})
    ctx.instance.projects[key] = project
    folder["projectKeys"].append(key)
    ctx.project = project
    ctx.git_message = "Created project %s" % key
    ctx.touch("project")
    return {"projectKey": key}


def _project_folder(ctx, folder_id):
    """The project folder a new project goes into (ROOT when none is named); DSS refuses unknown ones."""
    if folder_id is not None and not isinstance(folder_id, str):
        raise errors.bad_request("A project folder id must be a string")
    folder = ctx.instance.project_folders.get(folder_id or "ROOT")
    if folder is None:
        raise errors.not_found("Project folder %s does not exist" % folder_id)
    return folder


@route("GET", "/projects/{projectKey}", perm="read")
def get_project(ctx, projectKey):
    return project_of(ctx, projectKey).summary()


@route("DELETE", "/projects/{projectKey}", perm="admin")
def delete_project(ctx, projectKey):
    project_of(ctx, projectKey)
    del ctx.instance.projects[projectKey]
    for f in ctx.instance.project_folders.values():
        if projectKey in f.get("projectKeys", []):
            f["projectKeys"].remove(projectKey)
    ctx.project = None
    return ctx.instance.add_future({"projectKey": projectKey, "deleted": True}, ctx.login)


@route("GET", "/projects/{projectKey}/metadata", perm="read")
def get_metadata(ctx, projectKey):
    return project_of(ctx, projectKey).metadata_view()


@route("PUT", "/projects/{projectKey}/metadata", perm="write", git="Updated project metadata")
def set_metadata(ctx, projectKey):
    """The metadata fields of the one project record (params.json); its versionTag moves."""
    p = project_of(ctx, projectKey)
    body = ctx.json_object()
    body["tags"] = normalise_tags(body.get("tags"))
    check_types(body, {"label": str, "description": str, "shortDesc": str, "checklists": dict, "custom": dict,
                       "customFields": dict}, "metadata field")
    p.apply_metadata(body)
    p.params = stamp_update(p.params, p.params, ctx.login)  # the stamps are read before they are replaced
    ctx.touch("project")
    return {"msg": "Saved"}


@route("GET", "/projects/{projectKey}/settings", perm="read")
def get_settings(ctx, projectKey):
    return copy.deepcopy(project_of(ctx, projectKey).params)


@route("PUT", "/projects/{projectKey}/settings", perm="admin", git="Updated project settings")
def set_settings(ctx, projectKey):
    """The body replaces params.json as sent (unknown keys kept); the server owns the stamps."""
    p = project_of(ctx, projectKey)
    body = copy.deepcopy(ctx.json_object())
    check_types(body, {"settings": dict, "permissions": list, "name": str, "shortDesc": str, "checklists": dict,
                       "customFields": dict, "exposedObjects": dict, "dashboardAuthorizations": dict},
                "project settings field")
    body["owner"] = _owner(ctx, body.get("owner") or p.params.get("owner"))   # a project always has one
    if "permissions" in body:
        body["permissions"] = _permission_entries(ctx, body["permissions"])
    if "tags" in body:
        body["tags"] = normalise_tags(body["tags"])
    p.params = stamp_update(body, p.params, ctx.login)
    ctx.touch("project")
    return {"msg": "Saved"}


@route("GET", "/projects/{projectKey}/permissions", perm="admin")
def get_permissions(ctx, projectKey):
    p = project_of(ctx, projectKey)
    return {"owner": p.params.get("owner"), "permissions": copy.deepcopy(p.params.get("permissions", [])),
            "additionalDashboardUsers": copy.deepcopy(p.params.get("additionalDashboardUsers", {"users": []})),
            "dashboardAuthorizations": copy.deepcopy(p.params.get("dashboardAuthorizations", {}))}


@route("PUT", "/projects/{projectKey}/permissions", perm="admin", git="Updated project permissions")
def set_permissions(ctx, projectKey):
    p = project_of(ctx, projectKey)
    body = ctx.json_object()
    entries = _permission_entries(ctx, body.get("permissions", []))
    p.params["owner"] = _owner(ctx, body.get("owner") or p.params.get("owner"))
    p.params["permissions"] = entries
    for k in ("additionalDashboardUsers", "dashboardAuthorizations"):
        if k in body:
            p.params[k] = copy.deepcopy(body[k])
    p.params = stamp_update(p.params, p.params, ctx.login)  # the stamps are read before they are replaced
    ctx.touch("project")
    return {"msg": "Saved"}


def _permission_entries(ctx, entries):
    """Checked permission items, kept as sent (DSS refuses unknown groups and users)."""
    if not isinstance(entries, list):
        raise errors.bad_request("'permissions' must be a list")
    for i, e in enumerate(entries):
        if not isinstance(e, dict) or not (e.get("group") or e.get("user")):
            raise errors.bad_request("permissions[%d] must name a group or a user" % i)
        for field, known in (("group", ctx.instance.groups), ("user", ctx.instance.users)):
            if e.get(field) is not None and (not isinstance(e[field], str) or e[field] not in known):
                raise errors.bad_request("%s %s does not exist" % (field.capitalize(), e[field]))
        check_types(e, dict.fromkeys(defaults.PERMISSION_FLAGS, bool), "permissions[%d] field" % i)
    return [defaults.permission_entry(e) for e in entries]


def _owner(ctx, owner):
    if not isinstance(owner, str) or owner not in ctx.instance.users:
        raise errors.bad_request("Owner %s does not exist" % (owner,))
    return owner


@route("GET", "/projects/{projectKey}/variables", perm="read")
def get_variables(ctx, projectKey):
    return copy.deepcopy(project_of(ctx, projectKey).variables)


@route("PUT", "/projects/{projectKey}/variables", perm="write", git="Updated project variables")
def set_variables(ctx, projectKey):
    p = project_of(ctx, projectKey)
    body = ctx.json_object()
    for part in ("standard", "local"):
        if not isinstance(body.get(part, {}), dict):
            raise errors.bad_request("'%s' variables must be an object" % part)
    p.variables = {"standard": body.get("standard", {}), "local": body.get("local", {})}
    ctx.touch("project")
    return {"msg": "Saved"}


@route("GET", "/projects/{projectKey}/variables-resolved", perm="read")
def resolved_variables(ctx, projectKey):
    p = project_of(ctx, projectKey)
    out = dict(ctx.instance.global_variables)
    out.update(p.variables.get("standard", {}))
    out.update(p.variables.get("local", {}))
    return out


@route("GET", "/projects/{projectKey}/tags", perm="read")
def get_tags(ctx, projectKey):
    return copy.deepcopy(project_of(ctx, projectKey).tags)


@route("PUT", "/projects/{projectKey}/tags", perm="write", git="Updated project tags")
def set_tags(ctx, projectKey):
    p = project_of(ctx, projectKey)
    body = ctx.json_object()
    if not isinstance(body.get("tags", {}), dict):
        raise errors.bad_request("'tags' must be an object keyed by tag name")
    p.tags = {"tags": body.get("tags", {})}
    ctx.touch("project")
    return {"msg": "Saved"}


def _connection_remapping(remapping):
    """``{"connections": {old: new}}`` (or the bare ``{old: new}``) as a dict of strings, or a 400."""
    remap = remapping or {}
    if not isinstance(remap, dict):
        raise errors.bad_request("'remapping' must be an object")
    remap = remap.get("connections", remap) or {}
    if not isinstance(remap, dict) or not all(isinstance(v, str) for v in remap.values()):
        raise errors.bad_request("'remapping.connections' must be an object mapping connection names to names")
    return remap


@route("POST", "/projects/{projectKey}/duplicate", perm="admin", writes=True)
def duplicate_project(ctx, projectKey):
    """Copy the configuration into a new project; FULL also copies folder contents (data).

    Connection ``remapping`` ({"connections": {old: new}} or {old: new}) rewrites dataset and
    folder ``params.connection`` as DSS does on duplication."""
    source = project_of(ctx, projectKey)
    body = ctx.json_object()
    key, name = body.get("targetProjectKey"), body.get("targetProjectName")
    _check_new_key(ctx, key, "target project key")
    if not isinstance(name, str) or not name:
        raise errors.bad_request("targetProjectName is required")
    remap = _connection_remapping(body.get("remapping"))
    folder = _project_folder(ctx, body.get("targetProjectFolderId"))
    target = Project(key, name, ctx.login)
    target.apply_files(source.config_files())
    target.params["owner"] = ctx.login
    target.params["name"] = name
    stamp_new(target.params, ctx.login)
    target.variables["local"] = copy.deepcopy(source.variables.get("local", {}))
    for obj in list(target.datasets.values()) + list(target.folders.values()):
        obj["projectKey"] = key
        conn = (obj.get("params") or {}).get("connection")
        if isinstance(conn, str) and conn in remap:
            obj["params"]["connection"] = remap[conn]
    for entry in target.recipes.values():
        entry["recipe"]["projectKey"] = key
    for obj in target.scenarios.values():
        obj["projectKey"] = key
    if body.get("duplicationMode") == "FULL":
        target.folder_files = copy.deepcopy(source.folder_files)
    target.git.commit(target.config_files(), ctx.login, "Duplicated from project %s" % projectKey)
    ctx.instance.projects[key] = target
    folder["projectKeys"].append(key)
    ctx.other_projects.add(key)
    return {"sourceProjectKey": projectKey, "targetProjectKey": key, "targetProjectName": name}
