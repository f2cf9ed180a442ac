"""One project per branch: ``dss-framework preview CONFIG`` (docs/how-to/git.md).

Why: a pull request is reviewed better when its configuration runs somewhere. A preview is the
configuration applied to a project of its own (``FrameworkConfig.with_project_key``), whose key is
derived from the git branch, so every push to the branch updates the same project and a merged or
deleted branch's project can be found and destroyed.

**The key rule** (``preview_key``): ``<CONFIGKEY>_PR_<BRANCH>``, upper-cased, every character other
than ``A-Z``, ``0-9`` and ``_`` replaced by ``_``. When that is longer than the key limit of the
configuration schema (``PROJECT_KEY_MAX_LENGTH``, 100), it is cut and ends with ``_`` and the first 8
hex digits of the SHA-1 of the branch name, so two long branches sharing a prefix get two keys. The
key depends on the configuration's key and the branch name only: stable across runs and machines.

**The branch** (``current_branch``): ``--branch``, else ``git rev-parse --abbrev-ref HEAD`` in the
configuration's folder, else (a detached checkout, as CI makes, or no repository) the CI variables
``GITHUB_HEAD_REF`` (a pull request on GitHub Actions), ``CI_COMMIT_REF_NAME`` (GitLab CI),
``GITHUB_REF_NAME``.

**The marks** (``preview_tags``): project tags, because DSS stores them with the project, lists them in
``list_projects`` (one request finds every preview; custom fields and variables need one request per
project) and shows them in its UI, and the emulator serves them the same way; the configuration
manages the tags, so the marks are added to its ``project.tags`` and every apply keeps them current:
``dss-framework:preview``, ``preview-of:<CONFIGKEY>``, ``preview-branch:<branch>`` and
``preview-commit:<12 hex digits>``.

**Pruning** (``existing_branches``): a branch exists when ``git ls-remote --heads origin`` lists it
(when the repository has a remote ``origin``); without ``origin``, when it is a local branch.
"""
import hashlib
import os
import re
import subprocess
from typing import Any, Dict, List, Mapping, Optional, Set

from .config.references import items, recipe_io
from .config.schema_check import PROJECT_KEY_MAX_LENGTH

PREVIEW_TAG = "dss-framework:preview"
OF_PREFIX = "preview-of:"
BRANCH_PREFIX = "preview-branch:"
COMMIT_PREFIX = "preview-commit:"
#: CI variables naming the branch when the checkout is detached, in the order they are read.
BRANCH_VARIABLES = ("GITHUB_HEAD_REF", "CI_COMMIT_REF_NAME", "GITHUB_REF_NAME")
COMMIT_VARIABLES = ("GITHUB_SHA", "CI_COMMIT_SHA")
#: the environment overlay a preview uses by default (when the configuration defines it)
PREVIEW_ENV = "preview"
HASH_LENGTH = 8


class PreviewError(Exception):
    """The branch cannot be found, or git cannot answer."""

    code = "preview.failed"  #: its ``errors.CATALOGUE`` code, shown in the error line and in --json


def preview_key(config_key: str, branch: str, limit: int = PROJECT_KEY_MAX_LENGTH) -> str:
    """The preview project's key for ``branch`` (see the module docstring): a valid DSS key."""
    if not branch:
        raise PreviewError("the branch name is empty")
    key = re.sub(r"[^A-Z0-9_]", "_", ("%s_PR_%s" % (config_key, branch)).upper())
    if len(key) <= limit:
        return key
    suffix = "_" + hashlib.sha1(branch.encode("utf-8")).hexdigest()[:HASH_LENGTH].upper()
    return key[:limit - len(suffix)] + suffix


def _git(directory: str, *args: str) -> Optional[str]:
    """git's stdout in ``directory``; None when git fails (not a repository, no remote...)."""
    try:
        done = subprocess.run(["git"] + list(args), cwd=directory, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              universal_newlines=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def current_branch(directory: str, environ: Optional[Mapping[str, str]] = None) -> str:
    """The branch of the checkout holding ``directory`` (then the CI variables); ``PreviewError`` when
    none names one."""
    environ = os.environ if environ is None else environ
    branch = _git(directory, "rev-parse", "--abbrev-ref", "HEAD")
    if branch and branch != "HEAD":
        return branch
    for name in BRANCH_VARIABLES:
        if environ.get(name):
            return environ[name]
    raise PreviewError("cannot tell the branch: %s is not on a git branch and none of %s is set; pass --branch"
                       % (directory, ", ".join(BRANCH_VARIABLES)))


def current_commit(directory: str, environ: Optional[Mapping[str, str]] = None) -> Optional[str]:
    """The commit checked out in ``directory`` (else the CI variables), or None."""
    environ = os.environ if environ is None else environ
    commit = _git(directory, "rev-parse", "HEAD")
    return commit or next((environ[n] for n in COMMIT_VARIABLES if environ.get(n)), None)


def preview_tags(config_key: str, branch: str, commit: Optional[str]) -> List[str]:
    """The tags that mark a project as the preview of ``config_key`` for ``branch`` at ``commit``."""
    tags = [PREVIEW_TAG, OF_PREFIX + config_key, BRANCH_PREFIX + branch]
    return tags + ([COMMIT_PREFIX + commit[:12]] if commit else [])


def preview_config(config: Any, branch: str, commit: Optional[str]) -> Any:
    """``config`` applied to its preview project for ``branch``, its tags marking it as such."""
    own = config.project.key
    copy = config.with_project_key(preview_key(own, branch))
    kept = [t for t in (copy.project.tags or []) if not _is_mark(t)]
    copy.project.tags = kept + preview_tags(own, branch, commit)
    return copy


def _is_mark(tag: str) -> bool:
    return tag == PREVIEW_TAG or tag.startswith((OF_PREFIX, BRANCH_PREFIX, COMMIT_PREFIX))


def list_previews(client: Any, config_key: Optional[str] = None) -> List[Dict[str, Any]]:
    """``{project_key, of, branch, commit}`` for every preview project (of ``config_key`` when given)."""
    found = []
    for project in client.list_projects():
        tags = project.get("tags") or []
        if PREVIEW_TAG not in tags:
            continue
        marks = {prefix: _tag_value(tags, prefix) for prefix in (OF_PREFIX, BRANCH_PREFIX, COMMIT_PREFIX)}
        if config_key is not None and marks[OF_PREFIX] != config_key:
            continue
        found.append({"project_key": project["projectKey"], "of": marks[OF_PREFIX],
                      "branch": marks[BRANCH_PREFIX], "commit": marks[COMMIT_PREFIX]})
    return sorted(found, key=lambda p: p["project_key"])


def _tag_value(tags: List[str], prefix: str) -> Optional[str]:
    return next((t[len(prefix):] for t in tags if t.startswith(prefix)), None)


def existing_branches(directory: str) -> Set[str]:
    """The branches of the repository holding ``directory``: the heads of its remote ``origin`` when it
    has one, else its local branches. ``PreviewError`` when git cannot tell."""
    if _git(directory, "remote", "get-url", "origin") is not None:
        listed = _git(directory, "ls-remote", "--heads", "origin")
        if listed is None:
            raise PreviewError("git ls-remote --heads origin failed in %s: cannot tell which branches exist"
                               % directory)
        return {line.split("\t", 1)[1][len("refs/heads/"):] for line in listed.splitlines() if "\t" in line}
    listed = _git(directory, "for-each-ref", "--format=%(refname:short)", "refs/heads")
    if listed is None:
        raise PreviewError("%s is not in a git repository: cannot tell which branches exist" % directory)
    return set(listed.splitlines())


def stale_previews(client: Any, config_key: str, directory: str) -> List[Dict[str, Any]]:
    """The previews of ``config_key`` whose branch no longer exists (``existing_branches``)."""
    branches = existing_branches(directory)
    return [p for p in list_previews(client, config_key) if p["branch"] not in branches]


def production_connections(config: Any, env: Optional[str]) -> List[str]:
    """Warnings for the recipe outputs (datasets, folders) that the overlay ``env`` leaves on the
    connection of the base configuration: a preview would write into production's tables there."""
    from .config.resolve import resolve_config
    base = _connections(resolve_config(config, env=None).to_dict())
    chosen = resolve_config(config, env=env).to_dict() if env else None
    preview = _connections(chosen) if chosen is not None else base
    warnings = []
    for recipe, output in _outputs(chosen if chosen is not None else config.to_dict()):
        connection = preview.get(output)
        if connection is not None and connection == base.get(output):
            warnings.append("%s, output of recipe '%s', keeps connection '%s' %s: the preview would write into "
                            "the data of that connection; remap it under environments.%s"
                            % (output, recipe, connection, "in environment '%s'" % env if env
                               else "(no environment overlay)", env or PREVIEW_ENV))
    return warnings


def _connections(doc: Dict[str, Any]) -> Dict[str, str]:
    """Object name -> connection, for the datasets and managed folders of a plain document."""
    return {obj.get("name"): obj["connection"] for section in ("datasets", "managed_folders")
            for _, obj in items(doc, section) if isinstance(obj.get("connection"), str)}


def _outputs(doc: Dict[str, Any]) -> List[Any]:
    return [(recipe.get("name"), ref) for _, recipe in items(doc, "recipes")
            for direction, ref, _, _ in recipe_io(recipe) if direction == "outputs"]
