"""Job shapes: the definition DSS stores for a job and the status ``GET /jobs/{id}/`` serves."""
import copy
import time

JOB_TYPES = ("RECURSIVE_BUILD", "NON_RECURSIVE_FORCED_BUILD", "RECURSIVE_FORCED_BUILD",
             "RECURSIVE_MISSING_ONLY_BUILD")
RECURSIVE_TYPES = ("RECURSIVE_BUILD", "RECURSIVE_FORCED_BUILD", "RECURSIVE_MISSING_ONLY_BUILD")
OUTPUT_TYPES = ("DATASET", "MANAGED_FOLDER", "SAVED_MODEL", "STREAMING_ENDPOINT", "KNOWLEDGE_BANK",
                "MODEL_EVALUATION_STORE", "RETRIEVABLE_KNOWLEDGE")
ID_FORMAT = "%Y-%m-%dT%H-%M-%S.%f"


def job_def(definition, job_id, project_key, outputs, login, triggered_from, now):
    """The stored job definition: what the client sent, normalised (output types and project keys
    resolved), plus the fields DSS adds (``id``, ``initiator``, ``triggeredFrom``...)."""
    out = copy.deepcopy(definition)
    out.update({"id": job_id, "projectKey": project_key, "outputs": outputs,
                "type": definition.get("type") or "NON_RECURSIVE_FORCED_BUILD",
                "refreshHiveMetastore": bool(definition.get("refreshHiveMetastore", False)),
                "autoUpdateSchemaBeforeEachRecipeRun": bool(definition.get("autoUpdateSchemaBeforeEachRecipeRun",
                                                                           False)),
                "initiator": login, "triggeredFrom": triggered_from, "initiationTimestamp": now,
                "name": "Build %s" % ", ".join(o["id"] for o in outputs)})
    return out


def activity(recipe_name, project_key, outputs, state, start, end, error=None):
    out = {"activityId": "compute_%s_NP" % recipe_name, "recipeName": recipe_name, "projectKey": project_key,
           "recipeType": None, "state": state, "startTime": start, "endTime": end,
           "targets": [{"objectId": o, "partition": "NP"} for o in outputs]}
    if error:
        out["firstFailure"] = {"message": error, "clazz": "com.dataiku.dip.exceptions.DKUException"}
    return out


def status(jdef, state, activities, start, end, error=None):
    """``GET /projects/{k}/jobs/{id}/`` (the client reads ``baseStatus.state``)."""
    counts = {"done": 0, "failed": 0, "aborted": 0, "running": 0, "notStarted": 0, "warning": 0}
    for a in activities:
        counts["failed" if a["state"] == "FAILED" else "done"] += 1
    counts["total"] = len(activities)
    base = {"def": jdef, "state": state, "jobInitTime": start, "jobStartTime": start, "jobEndTime": end,
            "activities": {a["activityId"]: a for a in activities}}
    if error:
        base["firstFailure"] = {"message": error}
    return {"baseStatus": base, "globalState": counts, "projectKey": jdef["projectKey"], "jobId": jdef["id"],
            "state": state, "stableState": True, "startTime": start, "endTime": end,
            "initiator": jdef.get("initiator")}


def list_item(job):
    """An item of ``GET /jobs/`` (15.2's DSSJobListItem reads projectKey, jobId, start/endTime)."""
    base = job["baseStatus"]
    return {"projectKey": job["projectKey"], "jobId": job["jobId"], "def": copy.deepcopy(base["def"]),
            "state": base["state"], "stableState": True, "startTime": job["startTime"], "endTime": job["endTime"],
            "initiator": job.get("initiator"), "warningsCount": 0}


def log_line(ms, level, message):
    stamp = time.strftime("%Y/%m/%d-%H:%M:%S", time.localtime(ms / 1000.0))
    return "[%s.%03d] [%s] [dku.job] - %s" % (stamp, ms % 1000, level, message)
