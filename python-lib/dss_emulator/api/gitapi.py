"""Project git endpoints (``/projects/{k}/git/...``): status, commit, log, diff, revert, tags, remotes,
and the references to external git libraries (``lib-git-refs``).

Git library references are kept where DSS keeps them, in the library's ``external-libraries.json``
(``gitReferences``, ``pythonPath``, ``rsrcPath``, ``importLibrariesFromProjects``), so they are
versioned in project git with the rest of the library. Nothing is cloned: adding a reference
creates its (empty) target folder; reset and push are accepted and do nothing. Repository
credentials sent with a reference are never stored.

Reverts restore configuration only, as DSS does: folder contents, job logs and scenario runs stay.
Every route that changes the history (commit, revert, reset, tags, remotes) is a write route, so it
is persisted and subject to fault injection; those routes touch no object, so the server's
auto-commit is a no-op and the explicit commit they make is the only one.
"""
import difflib
import json

from .. import errors
from ..gitops import explicit_commit, pending_changes
from ..routing import route
from .libraries import _add_dirs, _clean, remove_tree
from .projects import project_of

BASE = "/projects/{projectKey}/git/"


def _git(ctx, key):
    return project_of(ctx, key).git


@route("GET", BASE + "status", perm="read")
def status(ctx, projectKey):
    p = project_of(ctx, projectKey)
    changes = pending_changes(p)
    head = p.git.head_files
    added = sorted(x for x, t in changes.items() if t is not None and x not in head)
    modified = sorted(x for x, t in changes.items() if t is not None and x in head)
    removed = sorted(x for x, t in changes.items() if t is None)
    return {"currentBranch": p.git.branch, "remotes": [dict(r) for r in p.git.remotes.values()],
            "trackingCount": {}, "clean": not changes, "hasUncommittedChanges": bool(changes),
            "added": added, "changed": modified, "removed": removed, "missing": [], "modified": modified,
            "conflicting": [], "untracked": [], "untrackedFolders": []}


@route("POST", BASE + "actions/commit", perm="write")
def commit(ctx, projectKey):
    p = project_of(ctx, projectKey)
    message = ctx.json_object().get("message")
    if not isinstance(message, str) or not message.strip():
        raise errors.bad_request("A commit message is required")
    cid = explicit_commit(p, ctx.login, message.strip())
    return {"commitId": cid, "committed": cid is not None}


@route("GET", BASE + "actions/log", perm="read")
def log(ctx, projectKey):
    git = _git(ctx, projectKey)
    path = ctx.q("path")
    count = ctx.qint("count", 1000)
    start = len(git.commits) - 1
    if ctx.q("startCommit"):
        start = git.index_of(ctx.q("startCommit"))
        if start is None:
            raise errors.not_found("Commit %s does not exist" % ctx.q("startCommit"))
    entries = []
    i = start
    while i >= 0 and len(entries) < count:
        c = git.commits[i]
        if not path or any(x.startswith(path.lstrip("/")) for x in c["changes"]):
            entries.append(git.log_entry(c))
        i -= 1
    out = {"entries": entries}
    if i >= 0:
        out["nextCommit"] = git.commits[i]["id"]
    return out


def _resolve(git, ref, default):
    if not ref:
        return default
    i = git.index_of(ref)
    if i is None:
        raise errors.not_found("Revision %s does not exist" % ref)
    return i


@route("GET", BASE + "actions/diff", perm="read")
def diff(ctx, projectKey):
    """DSS's three forms: no commit = working copy vs HEAD; ``commitFrom`` alone = the changes made
    in that commit; both = between the two commits."""
    p = project_of(ctx, projectKey)
    git = p.git
    ref_from, ref_to = ctx.q("commitFrom"), ctx.q("commitTo")
    if not ref_from and not ref_to:
        before, after = dict(git.head_files), p.config_files()
        c_from, c_to = (git.commits[-1] if git.commits else None), None
    else:
        i_to = _resolve(git, ref_to or ref_from, len(git.commits) - 1)
        i_from = _resolve(git, ref_from, 0) if ref_from and ref_to else i_to - 1
        before = git.files_at(i_from) if i_from >= 0 else {}
        after = git.files_at(i_to)
        c_from, c_to = (git.commits[i_from] if i_from >= 0 else None), git.commits[i_to]
    entries, added, removed = [], 0, 0
    for path in sorted(set(before) | set(after)):
        a, b = before.get(path), after.get(path)
        if a == b:
            continue
        lines = list(difflib.unified_diff((a or "").splitlines(), (b or "").splitlines(), "a/" + path,
                                          "b/" + path, lineterm=""))
        plus = sum(1 for x in lines if x.startswith("+") and not x.startswith("+++"))
        minus = sum(1 for x in lines if x.startswith("-") and not x.startswith("---"))
        added, removed = added + plus, removed + minus
        entries.append({"path": path, "changeType": "ADD" if a is None else "DELETE" if b is None else "MODIFY",
                        "addedLines": plus, "removedLines": minus, "diff": "\n".join(lines)})
    return {"commitFrom": git.log_entry(c_from) if c_from else None,
            "commitTo": git.log_entry(c_to) if c_to else None,
            "addedLines": added, "removedLines": removed, "changedFiles": len(entries), "entries": entries}


def _restore(ctx, p, files, message):
    p.apply_files(files)
    cid = explicit_commit(p, ctx.login, message)
    return {"success": True, "commitId": cid, "logs": []}


@route("POST", BASE + "actions/revertToRevision", perm="write")
def revert_to_revision(ctx, projectKey):
    p = project_of(ctx, projectKey)
    ref = ctx.q("commit")
    i = p.git.index_of(ref)
    if i is None:
        raise errors.not_found("Revision %s does not exist" % ref)
    return _restore(ctx, p, p.git.files_at(i), "Reverted project to revision %s" % p.git.commits[i]["id"][:7])


@route("POST", BASE + "actions/revertCommit", perm="write")
def revert_commit(ctx, projectKey):
    p = project_of(ctx, projectKey)
    ref = ctx.q("commit")
    i = p.git.index_of(ref)
    if i is None:
        raise errors.not_found("Commit %s does not exist" % ref)
    target = p.git.commits[i]
    before = p.git.files_at(i - 1) if i > 0 else {}
    current = p.config_files()
    conflicts = [path for path, text in target["changes"].items() if current.get(path) != text]
    if conflicts:
        return {"success": False, "logs": [{"type": "ERROR", "message": "Conflict on %s" % x} for x in conflicts]}
    for path in target["changes"]:
        if before.get(path) is None:
            current.pop(path, None)
        else:
            current[path] = before[path]
    return _restore(ctx, p, current, 'Revert "%s"' % target["message"])


@route("POST", BASE + "actions/resetToLocalHeadState", perm="write")
def reset_to_head(ctx, projectKey):
    p = project_of(ctx, projectKey)
    p.apply_files(dict(p.git.head_files))
    p.git.pending = False
    return {"success": True}


@route("GET", BASE + "current-branch", perm="read")
def current_branch(ctx, projectKey):
    return {"name": _git(ctx, projectKey).branch}


@route("GET", BASE + "branches", perm="read")
def branches(ctx, projectKey):
    return _git(ctx, projectKey).branch_names()


# Branches are names over the project's one linear history: creating one from HEAD and switching are
# served; from an older commit, or as a duplicated project, the emulator's 501 (errors.not_supported).
def _name(value, what):
    if not isinstance(value, str) or not value.strip():
        raise errors.bad_request("%s: a non-empty string is required, got %r" % (what, value))
    return value.strip()


def _branch_result(output):
    """The body DSS answers git branch actions with (the client returns it as is)."""
    return {"success": True, "messages": [], "output": output}


@route("POST", BASE + "branches", perm="write")
def create_branch(ctx, projectKey):
    """Create a local branch at HEAD and switch to it, as ``git checkout -b`` would."""
    git = _git(ctx, projectKey)
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
    git.switch_to(name, create=True)
    return _branch_result("Switched to a new branch '%s'" % name)


@route("POST", BASE + "actions/switchBranch", perm="write")
def switch_branch(ctx, projectKey):
    git = _git(ctx, projectKey)
    name = _name(ctx.q("branchName"), "query parameter 'branchName'")
    if name not in git.branch_names():
        raise errors.not_found("Branch %s does not exist (branches: %s)" % (name, ", ".join(git.branch_names())))
    git.switch_to(name)
    return _branch_result("Switched to branch '%s'" % name)


@route("POST", BASE + "actions/deleteBranch", perm="write")
def delete_branch(ctx, projectKey):
    git = _git(ctx, projectKey)
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


@route("GET", BASE + "tags", perm="read")
def list_tags(ctx, projectKey):
    return [dict(t) for _, t in sorted(_git(ctx, projectKey).tags.items())]


@route("POST", BASE + "tags", perm="write")
def create_tag(ctx, projectKey):
    git = _git(ctx, projectKey)
    body = ctx.json_object()
    name = body.get("name")
    if not isinstance(name, str) or not name.strip():
        raise errors.bad_request("A tag name (a non-empty string) is required")
    if name in git.tags:
        raise errors.already_exists("Tag %s already exists" % name)
    for key in ("reference", "message"):
        if body.get(key) is not None and not isinstance(body[key], str):
            raise errors.bad_request("'%s' must be a string" % key)
    i = git.index_of(body.get("reference") or "HEAD")
    if i is None or i < 0:
        raise errors.not_found("Reference %s does not exist" % body.get("reference"))
    git.tags[name] = {"name": name, "commit": git.commits[i]["id"], "message": body.get("message") or ""}
    return dict(git.tags[name])


@route("POST", BASE + "actions/deleteTag", perm="write")
def delete_tag(ctx, projectKey):
    git = _git(ctx, projectKey)
    name = ctx.json_object().get("name")
    if not isinstance(name, str) or name not in git.tags:
        raise errors.not_found("Tag %s does not exist" % name)
    del git.tags[name]
    return {"success": True}


@route("GET", BASE + "remotes/{name}", perm="read")
def get_remote(ctx, projectKey, name):
    remote = _git(ctx, projectKey).remotes.get(name)
    if remote is None:
        raise errors.not_found("Remote %s is not defined" % name)
    return dict(remote)


@route("POST", BASE + "remotes/{name}", perm="admin")
def set_remote(ctx, projectKey, name):
    git = _git(ctx, projectKey)
    url = ctx.json_object().get("url")
    if not isinstance(url, str) or not url:
        raise errors.bad_request("A remote URL is required")
    git.remotes[name] = {"name": name, "url": url}
    return {"success": True}


@route("DELETE", BASE + "remotes/{name}", perm="admin")
def remove_remote(ctx, projectKey, name):
    _git(ctx, projectKey).remotes.pop(name, None)
    return {"success": True}


# -- external git libraries ------------------------------------------------------------------------
EXTERNAL_LIBRARIES = "/external-libraries.json"
GIT_REFS = BASE + "lib-git-refs"


def external_libraries(project):
    """The project's ``external-libraries.json`` (DSS's content for a project that has none)."""
    out = {"gitReferences": {}, "pythonPath": ["python"], "rsrcPath": ["R"], "importLibrariesFromProjects": []}
    text = project.library.get(EXTERNAL_LIBRARIES)
    if text is not None:
        try:
            stored = json.loads(text)
        except ValueError as e:
            raise errors.bad_request("Library file %s of project %s is not valid JSON (%s): fix it in the "
                                     "library editor" % (EXTERNAL_LIBRARIES, project.key, e))
        if not isinstance(stored, dict) or not isinstance(stored.get("gitReferences", {}), dict):
            raise errors.bad_request("Library file %s of project %s must be an object with a 'gitReferences' "
                                     "object" % (EXTERNAL_LIBRARIES, project.key))
        out.update(stored)
    return out


def _store_external(ctx, project, data):
    project.library[EXTERNAL_LIBRARIES] = json.dumps(data, indent=2)
    ctx.touch("library", EXTERNAL_LIBRARIES)


def _ref_fields(body, required):
    """``{remote, remotePath, checkout}`` of a reference from the client's body (credentials dropped)."""
    out = {}
    for key, field in (("repository", "remote"), ("pathInGitRepository", "remotePath"), ("checkout", "checkout")):
        value = body.get(key)
        if value is None and key == "pathInGitRepository":
            value = ""
        if not isinstance(value, str) or (key != "pathInGitRepository" and required and not value.strip()):
            raise errors.bad_request("Git library reference: '%s' must be a non-empty string" % key)
        out[field] = value
    return out


def _existing_ref(data, path, project_key):
    if path not in data["gitReferences"]:
        raise errors.not_found("Git library reference %s does not exist in project %s" % (path, project_key))
    return data["gitReferences"][path]


@route("GET", GIT_REFS, perm="read")
def list_git_libraries(ctx, projectKey):
    return external_libraries(project_of(ctx, projectKey))


@route("POST", GIT_REFS, perm="write", git="Added git library reference")
def add_git_library(ctx, projectKey):
    """Record the reference and its target folder; answer a finished future (no clone happens)."""
    p = project_of(ctx, projectKey)
    body = ctx.json_object()
    ref = _ref_fields(body, required=True)
    path = _clean(body.get("localTargetPath")).lstrip("/")
    data = external_libraries(p)
    if path in data["gitReferences"] or ("/" + path) in p.library:
        raise errors.already_exists("Library path %s already exists in project %s" % (path, projectKey))
    ref["isDirty"] = False
    data["gitReferences"][path] = ref
    if body.get("addToPythonPath", True) and path not in data["pythonPath"]:
        data["pythonPath"].append(path)
    _store_external(ctx, p, data)
    _add_dirs(p, "/" + path)
    ctx.git_message = "Added git library reference %s" % path
    return ctx.instance.add_future({"gitReference": path, "success": True}, ctx.login)


@route("PUT", GIT_REFS + "/{path*}", perm="write", git="Edited git library reference")
def set_git_library(ctx, projectKey, path):
    p = project_of(ctx, projectKey)
    path = _clean(path).lstrip("/")
    data = external_libraries(p)
    ref = _existing_ref(data, path, projectKey)
    ref.update(_ref_fields(ctx.json_object(), required=True))
    _store_external(ctx, p, data)
    ctx.git_message = "Edited git library reference %s" % path
    return path


@route("DELETE", GIT_REFS + "/{path*}", perm="write", git="Removed git library reference")
def remove_git_library(ctx, projectKey, path):
    """``deleteDirectory=true`` also deletes the reference's folder from the library."""
    p = project_of(ctx, projectKey)
    path = _clean(path).lstrip("/")
    data = external_libraries(p)
    _existing_ref(data, path, projectKey)
    del data["gitReferences"][path]
    for key in ("pythonPath", "rsrcPath"):
        data[key] = [x for x in data.get(key) or [] if x != path]
    _store_external(ctx, p, data)
    if ctx.qbool("deleteDirectory"):
        remove_tree(ctx, p, "/" + path)
    ctx.git_message = "Removed git library reference %s" % path
    return {}


@route("POST", GIT_REFS + "/action/reset", perm="write", writes=False)
@route("POST", GIT_REFS + "/action/push", perm="write", writes=False)
def git_library_action(ctx, projectKey):
    """Reset (pull) and push of one reference: nothing to fetch or send, a finished future."""
    p = project_of(ctx, projectKey)
    ref = ctx.json_object().get("gitRef")
    _existing_ref(external_libraries(p), _clean(ref).lstrip("/"), projectKey)
    return ctx.instance.add_future({"gitReference": ref, "success": True}, ctx.login)


@route("POST", BASE + "actions/git-refs/push-all", perm="write", writes=False)
@route("POST", BASE + "actions/git-refs/reset-all", perm="write", writes=False)
def git_libraries_all(ctx, projectKey):
    project_of(ctx, projectKey)
    return ctx.instance.add_future({"success": True}, ctx.login)
