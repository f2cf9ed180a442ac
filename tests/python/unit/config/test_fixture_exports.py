"""Every DSS export of the fixtures (the repository's, and the shared extras when present) can be described in this format (validated, not just parsed)."""

import glob
import json
import os

import pytest

from dataiku_framework.config import FrameworkConfig
from emusupport import export_dirs

EXPORTS = [os.path.join(folder, "project_config") for folder in export_dirs()]
_SKIP = ("versionTag", "creationTag", "metrics", "metricsChecks", "checklists", "customMeta", "customFields")


def _read(path):
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def describe(folder):
    """A configuration document for one export: raw DSS keys go through params/payload."""
    datasets, recipes, known = [], [], set()
    for path in sorted(glob.glob(os.path.join(folder, "datasets", "*.json"))):
        raw = _read(path)
        name = os.path.basename(path)[:-5]
        known.add(name)
        params = dict(raw.get("params", {}))
        entry = {"name": name, "type": raw["type"], "managed": raw.get("managed", False),
                 "format_type": raw.get("formatType"), "format_params": raw.get("formatParams", {}),
                 "schema": raw.get("schema", {}).get("columns", []), "tags": raw.get("tags", []), "params": params}
        datasets.append({k: v for k, v in entry.items() if v not in (None, [], {})})
    externals = set()
    for path in sorted(glob.glob(os.path.join(folder, "recipes", "*.json"))):
        raw = _read(path)
        io = {}
        for direction in ("inputs", "outputs"):
            io[direction] = [{"ref": item["ref"], "role": role} for role, block in raw.get(direction, {}).items()
                             for item in block.get("items", [])]
            externals.update(e["ref"] for e in io[direction] if e["ref"] not in known)
        payloads = [p for p in glob.glob(path[:-5] + ".*") if not p.endswith(".json")]
        recipe = {"name": os.path.basename(path)[:-5], "type": raw["type"], **io,
                  "params": {k: v for k, v in raw.get("params", {}).items()}}
        if raw["type"] in ("python", "r", "sql_query", "shell", "pyspark"):
            recipe["code"] = "# code payloads are not part of the fixtures\n"
        elif payloads:
            recipe["payload"] = _read(payloads[0])
        recipes.append(recipe)
    params = _read(os.path.join(folder, "params.json"))
    return {"version": "1.0",
            "project": {"key": "IMPORTED", "owner": params.get("owner"),
                        "git_commit_mode": params.get("settings", {}).get("gitCommitMode", "AUTO").lower()},
            "datasets": datasets, "recipes": recipes,
            "external": [{"name": e, "kind": "saved_model"} for e in sorted(externals)]}


@pytest.mark.parametrize("folder", EXPORTS, ids=lambda p: os.path.basename(os.path.dirname(p)))
def test_export_is_describable(folder):
    config = FrameworkConfig.from_dict(describe(folder))
    assert [d for d in config.validate() if d.is_error] == []
    assert FrameworkConfig.from_yaml(config.to_yaml()) == config
