"""Calls a plan, apply or import tool makes beyond the object CRUD: git branches, macro listing,
metrics, code env creation. Each is served cheaply, as stored state or an empty answer in DSS's
shape; what they would compute in DSS (metrics, macros) is never computed here.

Branches are names over the project's one linear history: creating a branch from HEAD and
switching between branches are served; creating one from an older commit, or as a duplicated
project, answers the emulator's 501 (see :func:`dss_emulator.errors.not_supported`).
"""
from .. import errors
from ..routing import route
from .projects import project_of

GIT = "/projects/{projectKey}/git/"


def _name(value, what):
    if not isinstance(value, str) or not value.strip():
        raise errors.bad_request("%s: a non-empty string is required, got %r" % (what, value))
    return value.strip()


def _branch_result(output):
    """The body DSS answers git branch actions with (the client returns it as is)."""
    return {"success": True, "messages": [], "output": output}


@route("POST", GIT + "branches", perm="write")
def create_branch(ctx, projectKey):
    """Create a local branch at HEAD and switch to it, as ``git checkout -b`` would."""
    git = project_of(ctx, projectKey).git
    body = ctx.json_object()
    name = _name(body.get("name"), "branch name ('name')")
    if body.get("duplicateProject"):
        raise errors.not_supported(ctx.method, ctx.path, "creating a branch as a duplicated project")
    commit = body.get("commit")
    if commit not in (None, "", "HEAD") and git.index_of(commit) != len(git.commits) - 1:
        raise errors.not_supported(ctx.method, ctx.path, "branching from a commit other than HEAD "
                                   "(the emulator keeps one linear history per project)")
    if name in git.branch_names():
        raise errors.already_exists("A branch named '%s' already exists" % name)
    git.branches.setdefault(git.branch, git.head)
    git.branches[name] = git.head
    git.branch = name
    return _branch_result("Switched to a new branch '%s'" % name)


@route("POST", GIT + "actions/switchBranch", perm="write")
def switch_branch(ctx, projectKey):
    git = project_of(ctx, projectKey).git
    name = _name(ctx.q("branchName"), "query parameter 'branchName'")
    if name not in git.branch_names():
        raise errors.not_found("Branch %s does not exist (branches: %s)" % (name, ", ".join(git.branch_names())))
    git.branches.setdefault(git.branch, git.head)
    git.branch = name
    return _branch_result("Switched to branch '%s'" % name)


@route("POST", GIT + "actions/deleteBranch", perm="write")
def delete_branch(ctx, projectKey):
    git = project_of(ctx, projectKey).git
    body = ctx.json_object()
    name = _name(body.get("name"), "branch name ('name')")
    if body.get("remote"):
        raise errors.not_supported(ctx.method, ctx.path, "remote branches (the emulator never fetches)")
    if name == git.branch:
        raise errors.bad_request("Cannot delete branch '%s': it is the current branch; switch first" % name)
    if name not in git.branches:
        raise errors.not_found("Branch %s does not exist" % name)
    del git.branches[name]
    return _branch_result("Deleted branch %s" % name)


@route("GET", "/projects/{projectKey}/runnables", perm="read")
def list_macros(ctx, projectKey):
    """No plugin is installed in the emulator, so no macro is runnable in any project."""
    project_of(ctx, projectKey)
    return []


def _no_metrics():
    """DSS's answer for an object whose metrics were never computed: no metric, no value."""
    return {"metrics": []}


@route("GET", "/projects/{projectKey}/datasets/{datasetName}/metrics/last/{partition}", perm="read")
def dataset_last_metrics(ctx, projectKey, datasetName, partition):
    if datasetName not in project_of(ctx, projectKey).datasets:
        raise errors.not_found("Dataset %s.%s does not exist" % (projectKey, datasetName))
    return _no_metrics()


@route("GET", "/projects/{projectKey}/managedfolders/{folderId}/metrics/last", perm="read")
def folder_last_metrics(ctx, projectKey, folderId):
    if folderId not in project_of(ctx, projectKey).folders:
        raise errors.not_found("Managed folder %s.%s does not exist" % (projectKey, folderId))
    return _no_metrics()


@route("POST", "/admin/code-envs/{envLang}/{envName}", perm="instance_admin")
def create_code_env(ctx, envLang, envName):
    """Register a code env by name (nothing is installed): enough for configurations that name it."""
    if (envLang, envName) == ("internal-env", "create"):     # another client call on the same path shape
        raise errors.not_supported(ctx.method, ctx.path, "internal code envs")
    lang = envLang.upper()
    if lang not in ("PYTHON", "R"):
        raise errors.bad_request("Code env language must be PYTHON or R, got %r" % envLang)
    envs = ctx.instance.code_envs
    if any(e.get("envName") == envName and e.get("envLang") == lang for e in envs):
        raise errors.already_exists("Code env %s already exists" % envName)
    body = ctx.json_object()
    envs.append({"envName": envName, "envLang": lang, "deploymentMode": body.get("deploymentMode", "DESIGN_MANAGED")})
    result = {"envName": envName, "messages": {"error": False, "warning": False, "messages": []}}
    if not ctx.qbool("wait", True):
        return ctx.instance.add_future(result, ctx.login)
    return result


@route("DELETE", "/admin/code-envs/{envLang}/{envName}", perm="instance_admin")
def delete_code_env(ctx, envLang, envName):
    envs = ctx.instance.code_envs
    kept = [e for e in envs if not (e.get("envName") == envName and e.get("envLang") == envLang.upper())]
    if len(kept) == len(envs):
        raise errors.not_found("Code env %s does not exist" % envName)
    envs[:] = kept
    return {}
