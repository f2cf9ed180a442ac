"""The plugin zip holds the plugin layout only, built from what git tracks, and its descriptors are
what DSS expects; the pinned dev dependencies install on every Python the plugin accepts; the Python
3.9 check (`make check-py39`) is quiet on clean code and fails on a violation."""
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import zipfile

import pytest
from packaging.markers import default_environment
from packaging.requirements import Requirement

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
sys.path.insert(0, os.path.join(ROOT, "tools"))

import build_plugin  # noqa: E402


def _load(rel):
    with open(os.path.join(ROOT, rel), encoding="utf-8") as f:
        return json.load(f)


def test_plugin_json_identity():
    meta = _load("plugin.json")
    assert meta["id"] == "dataiku-framework"
    assert meta["meta"]["label"] == "Dataiku Framework — Projects as Code"
    assert re.match(r"^\d+\.\d+\.\d+$", meta["version"])


def test_code_env_accepts_python_39_to_312():
    desc = _load("code-env/python/desc.json")
    assert {"PYTHON39", "PYTHON310", "PYTHON311", "PYTHON312"} <= set(desc["acceptedPythonInterpreters"])


SUPPORTED_PYTHONS = ["3.9", "3.10", "3.11", "3.12", "3.13"]


def _requirements(rel):
    with open(os.path.join(ROOT, rel), encoding="utf-8") as f:
        lines = [line.split("#", 1)[0].strip() for line in f]
    return [Requirement(line) for line in lines if line]


def _pins_for(python_version):
    """Package name -> pinned version that requirements-dev.txt selects on that Python."""
    env = dict(default_environment(), python_version=python_version, python_full_version=python_version + ".0")
    pins = {}
    for req in _requirements("requirements-dev.txt"):
        if req.marker is None or req.marker.evaluate(env):
            assert req.name.lower() not in pins, "%s pinned twice for Python %s" % (req.name, python_version)
            (spec,) = req.specifier
            pins[req.name.lower()] = spec.version
    return pins


#: installed on Python 3.11 and later only (requirements-dev.txt): on 3.9, a fresh venv's resolver
#: backtracked for many minutes over them; the site is built by the main suite, not the 3.9 run
DOCS_TOOLS = {"mkdocs", "mkdocs-material"}


@pytest.mark.parametrize("python_version", SUPPORTED_PYTHONS)
def test_dev_pins_select_one_version_of_every_package_on_each_python(python_version):
    """`make test PYTHON=python3.X` installs the same packages on every supported Python.

    A package left without a pin for one Python (a marker gap) would install its newest release there,
    and the suite would run against code nobody pinned.
    """
    names = {req.name.lower() for req in _requirements("requirements-dev.txt")}
    if tuple(int(p) for p in python_version.split(".")) < (3, 11):  # the docs tools: 3.11 and later only
        names -= DOCS_TOOLS
    assert set(_pins_for(python_version)) == names


@pytest.mark.parametrize("python_version", SUPPORTED_PYTHONS)
def test_code_env_and_package_ranges_admit_the_tested_pins(python_version):
    """What the plugin's code env and `pip install dataiku-framework` may install includes what was tested."""
    pins = _pins_for(python_version)
    ranges = _requirements("code-env/python/spec/requirements.txt") + [Requirement(d) for d in _pyproject_dependencies()]
    outside = ["%s%s (pinned %s)" % (r.name, r.specifier, pins[r.name.lower()])
               for r in ranges if not r.specifier.contains(pins[r.name.lower()])]
    assert outside == []


def _pyproject_dependencies():
    """The `dependencies` list of pyproject.toml (read by hand: tomllib is 3.11+)."""
    with open(os.path.join(ROOT, "pyproject.toml"), encoding="utf-8") as f:
        block = re.search(r"^dependencies = \[(.*?)^\]", f.read(), re.M | re.S).group(1)
    return re.findall(r'^\s*"([^"]+)"', block, re.M)


def test_zip_has_plugin_layout_only(tmp_path):
    path = build_plugin.build(dist=str(tmp_path))
    meta = _load("plugin.json")
    assert os.path.basename(path) == "dss-plugin-dataiku-framework-%s.zip" % meta["version"]
    with zipfile.ZipFile(path) as z:
        names = z.namelist()
    assert "plugin.json" in names
    assert "python-lib/dataiku_framework/__init__.py" in names
    assert "code-env/python/desc.json" in names
    forbidden = [n for n in names if n.startswith(("tests/", "python-lib/dss_emulator", ".venv", "bench/", "tools/"))
                 or "__pycache__" in n or n.endswith(".pyc")]
    assert forbidden == []


def _git(repo, *args):
    subprocess.run(["git", "-c", "user.name=test", "-c", "user.email=test@example.invalid", "-C", str(repo)] + list(args),
                   check=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _write(path, text="x = 1\n"):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


@pytest.fixture
def plugin_repo(tmp_path, monkeypatch):
    """A small git repository in the plugin layout: committed files, a staged new one, and untracked
    litter of the kind a working copy collects (scratch files, an IDE's .idea/, an ignored log)."""
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    repo = tmp_path / "repo"
    shutil.copytree(os.path.join(ROOT, "code-env"), str(repo / "code-env"))
    shutil.copy(os.path.join(ROOT, "plugin.json"), str(repo / "plugin.json"))
    _write(repo / "python-lib" / "dataiku_framework" / "__init__.py")
    _write(repo / "python-runnables" / "validate-config" / "runnable.py")
    _write(repo / ".gitignore", "*.log\n")
    _git(repo, "init", "-q")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "plugin")
    _write(repo / "python-steps" / "validate-config" / "step.py")  # new, staged: tracked
    _git(repo, "add", "python-steps")
    _write(repo / "python-lib" / "dataiku_framework" / "__init__.py", "x = 2\n")  # tracked, modified
    _write(repo / "python-lib" / "dataiku_framework" / "scratch_notes.py")
    _write(repo / "python-runnables" / ".idea" / "workspace.xml", "<project/>")
    _write(repo / ".idea" / "misc.xml", "<project/>")
    _write(repo / "python-steps" / "validate-config" / "debug.log", "trace")
    return repo


def test_zip_packs_only_what_git_tracks(plugin_repo, tmp_path):
    path = build_plugin.build(root=str(plugin_repo), dist=str(tmp_path / "dist"))
    with zipfile.ZipFile(path) as z:
        names = sorted(z.namelist())
        init = z.read("python-lib/dataiku_framework/__init__.py").decode("utf-8")
    assert names == ["code-env/python/desc.json", "code-env/python/spec/requirements.txt", "plugin.json",
                     "python-lib/dataiku_framework/__init__.py", "python-runnables/validate-config/runnable.py",
                     "python-steps/validate-config/step.py"]
    assert init == "x = 2\n"  # the working-tree content of a tracked file


def test_zip_outside_a_git_work_tree_is_a_clear_error(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    shutil.copy(os.path.join(ROOT, "plugin.json"), str(tmp_path / "plugin.json"))
    with pytest.raises(build_plugin.BuildError, match="not a git work tree.*build from a clone"):
        build_plugin.build(root=str(tmp_path), dist=str(tmp_path / "dist"))
    assert build_plugin.main([str(tmp_path / "dist")], root=str(tmp_path)) == 1
    err = capsys.readouterr().err
    assert err.startswith("build_plugin: error: ") and "Traceback" not in err


def test_core_package_never_imports_dataiku():
    offenders = []
    core = os.path.join(ROOT, "python-lib", "dataiku_framework")
    templates = os.path.join(core, "templates")  # recipe code of the starter projects: it runs in DSS
    for folder, _, files in os.walk(core):
        if folder == templates or folder.startswith(templates + os.sep):
            continue
        for f in files:
            if f.endswith(".py"):
                with open(os.path.join(folder, f), encoding="utf-8") as fh:
                    text = fh.read()
                if re.search(r"^\s*(import dataiku\b|from dataiku\b)(?!api)", text, re.M):
                    offenders.append(f)
    assert offenders == []


def _vermin(*paths):
    """Run vermin with the Makefile's VERMIN_FLAGS (what `make check-py39` runs) on ``paths``."""
    with open(os.path.join(ROOT, "Makefile"), encoding="utf-8") as f:
        flags = re.search(r"^VERMIN_FLAGS := ((?:.*\\\n)*.*)$", f.read(), re.M).group(1).replace("\\\n", " ")
    exe = os.path.join(os.path.dirname(sys.executable), "vermin")
    done = subprocess.run([exe] + shlex.split(flags) + [str(p) for p in paths], stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, universal_newlines=True)
    return done.returncode, done.stdout


def test_python39_check_is_quiet_on_clean_code_and_fails_on_violations(tmp_path):
    clean = tmp_path / "clean.py"
    # bytes.decode(errors=...) once made vermin print "Incompatible versions: 2.x" noise
    _write(clean, "from typing import Optional\n\n\ndef text(data: bytes, n: Optional[int] = None) -> str:\n"
                  "    return data.decode('utf-8', errors='replace')\n")
    assert _vermin(clean) == (0, "")
    bad = tmp_path / "bad.py"
    # a 3.10 union that the 3.9 grammar parses (3.10 syntax such as `match` is the real 3.9 parse's job:
    # vermin reads files with the running interpreter's parser, so under 3.9 it cannot see it)
    _write(bad, "from typing import List\n\n\ndef f(x: int | None) -> List[int]:\n    return [x or 0]\n")
    code, out = _vermin(clean, bad)
    assert code == 1
    assert "bad.py" in out and "union types" in out and "clean.py" not in out
