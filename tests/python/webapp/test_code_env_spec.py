"""The plugin's code env (``code-env/python/spec/requirements.txt``) is where the review webapp's
backend runs (``webapp.json`` does not ask for a contextual code env: dss-plugin-anatomy.md §4.2), so
its spec must name Flask, with a range whose Jinja2 agrees with the spec's own Jinja2 pin (the HTML
view needs Jinja2 3; Flask 1.x needs Jinja2 < 3)."""
import json
import os
import subprocess
import sys

import pytest

from webapp_support import ROOT, WEBAPP

requirements = pytest.importorskip("packaging.requirements")
version = pytest.importorskip("packaging.version")

SPEC = os.path.join(ROOT, "code-env", "python", "spec", "requirements.txt")
DESC = os.path.join(ROOT, "code-env", "python", "desc.json")


def _spec():
    """The spec's requirements by lower-cased name."""
    with open(SPEC) as handle:
        lines = [line.split("#")[0].strip() for line in handle]
    parsed = [requirements.Requirement(line) for line in lines if line]
    return {r.name.lower(): r for r in parsed}


def _flask11_set():
    """The Flask 1.1 set the Makefile tests the backend under (``FLASK11 := flask==... jinja2==...``)."""
    with open(os.path.join(ROOT, "Makefile")) as handle:
        line = [l for l in handle if l.startswith("FLASK11 :=")][0]
    return dict(pin.split("==") for pin in line.split(":=")[1].split())


def test_the_backend_s_env_names_flask_with_a_jinja2_it_accepts():
    """Flask is listed; a Flask 1.x (the Makefile's Flask 1.1 set), which needs a Jinja2 the spec
    forbids, is excluded by the spec's Flask range."""
    spec = _spec()
    assert "flask" in spec, "the review webapp's backend imports flask: list it in %s" % SPEC
    old = _flask11_set()
    if not spec["jinja2"].specifier.contains(old["jinja2"]):
        assert not spec["flask"].specifier.contains(old["flask"]), \
            "the spec allows Flask %s, which needs Jinja2 < 3, but forbids Jinja2 %s" % (old["flask"], old["jinja2"])


def test_the_tested_flask_and_jinja2_are_within_the_spec():
    """The Flask the suite runs satisfies the spec, and its own Jinja2 requirement meets the spec's
    Jinja2 range there."""
    from importlib import metadata
    pytest.importorskip("flask")
    spec = _spec()
    installed = {name: metadata.version(name) for name in ("flask", "jinja2")}
    for name, found in installed.items():
        assert spec[name].specifier.contains(found), (name, found, str(spec[name].specifier))
    wanted = [requirements.Requirement(r) for r in metadata.requires("flask") or []]
    [flask_jinja] = [r for r in wanted if r.name.lower() == "jinja2"]
    assert flask_jinja.specifier.contains(installed["jinja2"])


def _interpreters():
    """The lowest and highest Python the code env accepts (``PYTHON39`` -> ``3.9``)."""
    with open(DESC) as handle:
        accepted = json.load(handle)["acceptedPythonInterpreters"]
    found = sorted(accepted, key=lambda name: int(name[7:]))
    return sorted(set(["%s.%s" % (n[6], n[7:]) for n in (found[0], found[-1])]))


@pytest.mark.parametrize("python", _interpreters())
def test_pip_resolves_the_spec(python, tmp_path):
    """pip resolves the spec (a dry run, wheels only, for the lowest and highest accepted Python),
    choosing a Flask and a Jinja2 within it; skipped when no package index answers."""
    report = tmp_path / "report.json"
    command = [sys.executable, "-m", "pip", "install", "--dry-run", "--ignore-installed", "--quiet",
               "--disable-pip-version-check", "--only-binary=:all:", "--python-version", python,
               "--target", str(tmp_path / "target"), "--report", str(report), "-r", SPEC]
    done = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True,
                          timeout=300)
    if done.returncode != 0 and "ResolutionImpossible" not in done.stdout and "conflict" not in done.stdout:
        pytest.skip("no package index answered pip: %s" % done.stdout.strip().splitlines()[-1:])
    assert done.returncode == 0, done.stdout
    chosen = {i["metadata"]["name"].lower(): i["metadata"]["version"] for i in json.loads(report.read_text())["install"]}
    spec = _spec()
    for name in ("flask", "jinja2"):
        assert name in chosen and spec[name].specifier.contains(chosen[name]), (name, chosen)
