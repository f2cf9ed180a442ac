"""Configurations and runners of the backend-neutral tests (importable as ``dss_configs``).

Why so plain a configuration: it must apply on any DSS, so it uses only what every instance has (the
managed filesystem connection, overridable with ``DSS_FRAMEWORK_TEST_CONNECTION``, and Python recipes).
"""
import os
import subprocess
import sys
from typing import Dict, List

LIB = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))),
                   "python-lib")
CONNECTION = os.environ.get("DSS_FRAMEWORK_TEST_CONNECTION") or "filesystem_managed"


def config_text(key: str, description: str = "raw rows", region: str = "eu") -> str:
    """A small project: variables, a managed folder, two managed datasets and a Python recipe."""
    return """version: "1.0"
project:
  key: %(key)s
  name: dss-framework test %(key)s
  description: throwaway project of the dss-framework test suite
  variables:
    standard: {region: %(region)s}
managed_folders:
  - {name: landing}
datasets:
  - {name: raw_rows, type: Filesystem, connection: %(conn)s, managed: true, format_type: csv, description: %(desc)s}
  - {name: clean_rows, type: Filesystem, connection: %(conn)s, managed: true, format_type: csv}
recipes:
  - name: clean_rows_py
    type: python
    inputs: [raw_rows]
    outputs: [clean_rows]
    code: |
      import dataiku
      df = dataiku.Dataset("raw_rows").get_dataframe()
      dataiku.Dataset("clean_rows").write_with_schema(df.dropna())
""" % {"key": key, "conn": CONNECTION, "desc": description, "region": region}


def write_config(folder, key: str, **fields: str) -> str:
    """``config_text(key, **fields)`` written to ``folder/project.yaml``; its path."""
    path = os.path.join(str(folder), "project.yaml")
    with open(path, "w", encoding="utf-8") as f:
        f.write(config_text(key, **fields))
    return path


def run_cli(env: Dict[str, str], *args: str) -> subprocess.CompletedProcess:
    """``dss-framework ARGS`` in a subprocess, this interpreter and this checkout's code."""
    env = dict(env, PYTHONPATH=os.pathsep.join(p for p in (LIB, env.get("PYTHONPATH")) if p))
    return subprocess.run([sys.executable, "-m", "dataiku_framework.cli"] + list(args), env=env,
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=600)


def actions(plan_doc: Dict) -> List[str]:
    """``action address`` of every change of a plan document (its no-ops left out), sorted."""
    return sorted("%s %s" % (c["action"], c["address"]) for c in plan_doc["resource_changes"]
                  if c["action"] != "no-op")
