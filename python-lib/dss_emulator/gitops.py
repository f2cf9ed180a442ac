"""Commit-mode logic on top of :mod:`gitlog`: what a save does to a project's git history."""


def commit_mode(project):
    return (project.params.get("settings") or {}).get("gitCommitMode", "AUTO")


def pending_changes(project, ctx=None):
    """Changes between HEAD and the live configuration.

    When the request said which objects it touched (and nothing is pending from an explicit-mode
    period), only those objects are re-serialised, so a save costs O(object), not O(project)."""
    git = project.git
    if ctx is None or not ctx.touched or git.pending:
        return git.changes_from(project.config_files())
    changes = {}
    for kind, oid in ctx.touched:
        files = project.object_files(kind, oid)
        prefixes = project.object_prefixes(kind, oid)
        for path in [p for p in git.head_files if any(p.startswith(x) for x in prefixes)]:
            if path not in files:
                changes[path] = None
        for path, text in files.items():
            if git.head_files.get(path) != text:
                changes[path] = text
    return changes


def auto_commit(project, ctx, message):
    """In AUTO mode every save is a commit; otherwise the change waits for an explicit commit.

    A write that touched no configuration object (file uploads, job and scenario runs) changed
    data only: nothing to commit, and no need to re-read the project's configuration."""
    if not ctx.touched:
        return None
    if commit_mode(project) != "AUTO":
        project.git.pending = True
        return None
    changes = pending_changes(project, ctx)
    project.git.pending = False
    return project.git.commit(None, ctx.login, message, changes=changes)


def explicit_commit(project, login, message):
    changes = pending_changes(project)
    project.git.pending = False
    return project.git.commit(None, login, message, changes=changes)
