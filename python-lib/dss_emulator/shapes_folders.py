"""Managed-folder definitions as DSS stores them (``managed_folders/<id>.json``) and serves them."""
import copy

from .checks import normalise_tags

FOLDER_ID_LENGTH = 8
DEFAULT_PATH = "${projectKey}/${odbId}"   # kept unexpanded, as DSS stores it


def new_folder(body, project_key, fid, folder_type):
    """A folder created from ``{name, projectKey, type, params}``, with DSS's defaults."""
    params = copy.deepcopy(body.get("params") or {})
    params.setdefault("path", DEFAULT_PATH)
    out = {
        "projectKey": project_key, "id": fid, "name": body["name"], "type": folder_type,
        "params": params, "tags": [], "description": "", "shortDesc": "", "customFields": {},
        "checklists": {"checklists": []},
    }
    for key, value in body.items():
        if key not in ("projectKey", "id", "name", "type", "params", "creationTag", "versionTag"):
            out[key] = copy.deepcopy(value)
    return fill(out)


def fill(folder):
    """Defaults DSS keeps on every folder (also on save)."""
    params = folder.setdefault("params", {})
    params.setdefault("notReadyIfEmpty", False)
    params.setdefault("filesSelectionRules", {"mode": "ALL", "excludeRules": [], "includeRules": [],
                                              "explicitFiles": []})
    part = folder.setdefault("partitioning", {})
    part.setdefault("ignoreNonMatchingFile", False)
    part.setdefault("considerMissingRequestedPartitionsAsEmpty", False)
    part.setdefault("dimensions", [])
    folder.setdefault("flowOptions", {"virtualizable": False, "rebuildBehavior": "NORMAL",
                                      "crossProjectBuildBehavior": "DEFAULT"})
    folder.setdefault("metrics", {
        "probes": [{"type": "basic", "enabled": True, "computeOnBuildMode": "PARTITION",
                    "meta": {"name": "Basic data", "level": 0}, "configuration": {}}],
        "engineConfig": {"padRunsWithMetrics": False, "hive": {"active": True, "extraConf": []},
                         "basic": {}, "dss": {"active": True, "selection": {"useMemTable": False,
                                                                            "filter": {"distinct": False,
                                                                                       "enabled": False},
                                                                            "partitionSelectionMethod": "ALL",
                                                                            "latestPartitionsN": 1,
                                                                            "ordering": {"enabled": False,
                                                                                         "rules": []},
                                                                            "samplingMethod": "FULL",
                                                                            "maxRecords": -1,
                                                                            "targetRatio": 0.02,
                                                                            "withinFirstN": -1,
                                                                            "maxReadUncompressedBytes": -1}},
                         "sql": {"enabled": False}, "impala": {"enabled": False}, "spark": {"enabled": False,
                                                                                             "extraConf": []},
                         "python": {}},
        "displayedState": {"columns": [], "metrics": ["basic:SIZE", "basic:COUNT_FILES"]}})
    folder.setdefault("metricsChecks", {"runOnBuild": False, "checks": [], "displayedState": {"checks": []}})
    folder["tags"] = normalise_tags(folder.get("tags"))
    return folder


def file_item(path, entry):
    """An item of ``GET .../contents`` and the answer of an upload."""
    return {"path": path, "size": len(entry["data"]), "lastModified": entry["lastModified"]}
