"""Build ``dist/dss-plugin-<id>-<version>.zip`` with the plugin layout only.

The zip holds what DSS installs: plugin.json, the core package, macros, steps, webapps, code env
and resources. Tests, the DSS emulator, virtualenvs and caches never ship.
"""
import json
import os
import sys
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHIPPED = ["plugin.json", "python-lib/dataiku_framework", "python-runnables", "python-steps", "webapps",
           "code-env", "resource"]
SKIPPED_PARTS = {"__pycache__", ".pytest_cache", ".hypothesis"}


def plugin_files(root=ROOT):
    """Relative paths of every file that belongs in the plugin zip, sorted."""
    out = []
    for entry in SHIPPED:
        path = os.path.join(root, entry)
        if os.path.isfile(path):
            out.append(entry)
            continue
        for folder, dirs, files in os.walk(path):
            dirs[:] = sorted(d for d in dirs if d not in SKIPPED_PARTS)
            for f in sorted(files):
                if f.endswith((".pyc", ".pyo")):
                    continue
                out.append(os.path.relpath(os.path.join(folder, f), root).replace(os.sep, "/"))
    return sorted(out)


def build(root=ROOT, dist=None):
    with open(os.path.join(root, "plugin.json"), encoding="utf-8") as f:
        meta = json.load(f)
    dist = dist or os.path.join(root, "dist")
    os.makedirs(dist, exist_ok=True)
    target = os.path.join(dist, "dss-plugin-%s-%s.zip" % (meta["id"], meta["version"]))
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as z:
        for rel in plugin_files(root):
            z.write(os.path.join(root, rel), rel)
    return target


if __name__ == "__main__":
    path = build(dist=sys.argv[1] if len(sys.argv) > 1 else None)
    print("built %s" % os.path.relpath(path, os.getcwd()))
