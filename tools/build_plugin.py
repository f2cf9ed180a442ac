"""Build ``dist/dss-plugin-<id>-<version>.zip`` with the plugin layout only.

The zip holds what DSS installs: plugin.json, the core package, macros, steps, webapps, code env
and resources. Tests, the DSS emulator, virtualenvs and caches never ship.

Only files git tracks are packed (as Dataiku's own plugin Makefiles do with `git archive`):
walking the folders once shipped a scratch file and an editor's `.idea/` folder. Tracked files
are taken as they are in the working tree, so a change can be tried in DSS before it is
committed; a new file ships once it is `git add`-ed.
"""
import json
import os
import subprocess
import sys
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHIPPED = ["plugin.json", "python-lib/dataiku_framework", "python-runnables", "python-steps", "webapps",
           "code-env", "resource"]
SKIPPED_PARTS = {"__pycache__", ".pytest_cache", ".hypothesis"}


class BuildError(Exception):
    """The zip cannot be built; the message says why and what to do."""


def tracked_files(root):
    """Paths under ``root`` (relative to it, '/'-separated) that git tracks within SHIPPED."""
    try:
        done = subprocess.run(["git", "ls-files", "-z", "--cached", "--"] + SHIPPED, cwd=root,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    except OSError as e:
        raise BuildError("cannot run git (%s): the plugin zip is built from the files git tracks; "
                         "install git" % e.strerror)
    if done.returncode != 0:
        raise BuildError("%s is not a git work tree (%s): the plugin zip is built from the files git tracks; "
                         "build from a clone of the repository"
                         % (root, done.stderr.decode("utf-8", "replace").strip()))
    return [p for p in done.stdout.decode("utf-8").split("\0") if p]


def _shipped(rel, root):
    """Whether a tracked path belongs in the zip (still present, not a cache or compiled file)."""
    parts = rel.split("/")
    return (not SKIPPED_PARTS.intersection(parts) and not rel.endswith((".pyc", ".pyo"))
            and os.path.isfile(os.path.join(root, rel)))


def plugin_files(root=ROOT):
    """Relative paths of every file that belongs in the plugin zip, sorted."""
    return sorted(rel for rel in tracked_files(root) if _shipped(rel, root))


def build(root=ROOT, dist=None):
    with open(os.path.join(root, "plugin.json"), encoding="utf-8") as f:
        meta = json.load(f)
    files = plugin_files(root)
    dist = dist or os.path.join(root, "dist")
    os.makedirs(dist, exist_ok=True)
    target = os.path.join(dist, "dss-plugin-%s-%s.zip" % (meta["id"], meta["version"]))
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as z:
        for rel in files:
            z.write(os.path.join(root, rel), rel)
    return target


def main(argv, root=ROOT):
    """`make plugin`: build into argv[0] (default dist/); a BuildError is one line, not a traceback."""
    try:
        path = build(root, dist=argv[0] if argv else None)
    except BuildError as e:
        print("build_plugin: error: %s" % e, file=sys.stderr)
        return 1
    print("built %s" % os.path.relpath(path, os.getcwd()))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
