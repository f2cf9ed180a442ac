"""Calls a plan, apply or import tool makes beyond the object CRUD: macro listing, metrics, code
env creation (git branches are served with the other git routes, in ``gitapi``). Each is served
cheaply, as stored state or an empty answer in DSS's shape; what they would compute in DSS
(metrics, macros) is never computed here.
"""
from .. import errors
from ..routing import route
from .datasets import dataset_of
from .folders import folder_of
from .projects import project_of

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
    dataset_of(project_of(ctx, projectKey), datasetName)  # a DSS 404 when it does not exist
    return _no_metrics()


@route("GET", "/projects/{projectKey}/managedfolders/{folderId}/metrics/last", perm="read")
def folder_last_metrics(ctx, projectKey, folderId):
    folder_of(ctx, projectKey, folderId)  # a DSS 404 when it does not exist
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
