"""The plugin zip holds the plugin layout only, and its descriptors are what DSS expects."""
import json
import os
import re
import sys
import zipfile

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


def test_code_env_accepts_python_39_to_311():
    desc = _load("code-env/python/desc.json")
    assert {"PYTHON39", "PYTHON310", "PYTHON311"} <= set(desc["acceptedPythonInterpreters"])


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


def test_core_package_never_imports_dataiku():
    offenders = []
    for folder, _, files in os.walk(os.path.join(ROOT, "python-lib", "dataiku_framework")):
        for f in files:
            if f.endswith(".py"):
                with open(os.path.join(folder, f), encoding="utf-8") as fh:
                    text = fh.read()
                if re.search(r"^\s*(import dataiku\b|from dataiku\b)(?!api)", text, re.M):
                    offenders.append(f)
    assert offenders == []
