"""Jobs: ``POST /projects/{k}/jobs/`` builds flow objects; jobs complete synchronously.

What a build does, as DSS plans it:

* NON_RECURSIVE_FORCED_BUILD runs the recipe that produces each output; the RECURSIVE_* types
  also run, upstream first, every recipe producing that recipe's inputs (the emulator has no
  data, so nothing is ever "up to date": RECURSIVE_BUILD and RECURSIVE_MISSING_ONLY_BUILD run the
  same chain as RECURSIVE_FORCED_BUILD).
* An output no recipe produces (a source dataset, an uploaded folder) is not an error: DSS starts
  the job, finds nothing to do and ends it DONE with no activity.
* An output that does not exist is refused when the job is posted (404, like an unknown object).
* A recipe whose input or output ref points at nothing (a deleted dataset, a missing foreign
  dataset) cannot run: its activity FAILS, later activities are not run and the job ends FAILED.

No code runs: an activity "succeeds" by checking its inputs and outputs. Each job keeps a text log.
Every recipe that ran records a build of its output datasets (``lastBuild`` of ``dataset.get_info()``,
successful or not); their rows do not change (the emulator has no data to compute them from).
"""
import copy

from .. import errors
from ..ids import timestamp_id
from ..routing import route
from ..server import Text
from ..shapes_flow import exists as ref_exists
from ..shapes_flow import producers, recipe_defs, recipe_refs
from ..shapes_jobs import (ID_FORMAT, JOB_TYPES, OUTPUT_TYPES, RECURSIVE_TYPES, activity, job_def, list_item,
                           log_line, status)
from ..stamps import now_ms
from .datasets import record_build
from .projects import project_of

TYPE_LABELS = {"DATASET": "Dataset", "MANAGED_FOLDER": "Managed folder", "SAVED_MODEL": "Saved model",
               "STREAMING_ENDPOINT": "Streaming endpoint", "KNOWLEDGE_BANK": "Knowledge bank",
               "MODEL_EVALUATION_STORE": "Model evaluation store", "RETRIEVABLE_KNOWLEDGE": "Knowledge bank"}


# -- validation ---------------------------------------------------------------------------------
def normalise_outputs(instance, project, outputs):
    """Validate the ``outputs`` of a job definition; ``type: null`` means DATASET (as in DSS) and
    ``projectKey: null`` the job's project. Unknown objects raise a 404 before the job starts."""
    if not isinstance(outputs, list) or not outputs:
        raise errors.bad_request("A job needs a non-empty 'outputs' list")
    out = []
    for i, o in enumerate(outputs):
        if not isinstance(o, dict) or not isinstance(o.get("id"), str) or not o["id"]:
            raise errors.bad_request("outputs[%d] must be an object with an 'id'" % i)
        otype = o.get("type") or "DATASET"
        if otype not in OUTPUT_TYPES:
            raise errors.bad_request("outputs[%d]: unknown output type %r" % (i, otype))
        key = o.get("projectKey") or project.key
        target = instance.projects.get(key)
        coll = {"DATASET": "datasets", "MANAGED_FOLDER": "folders", "SAVED_MODEL": "saved_models",
                "MODEL_EVALUATION_STORE": "evaluation_stores"}.get(otype)
        if target is None or coll is None or o["id"] not in getattr(target, coll):
            raise errors.not_found("%s %s.%s does not exist" % (TYPE_LABELS[otype], key, o["id"]))
        item = dict(o, type=otype, projectKey=key)
        item.setdefault("partition", None)
        out.append(item)
    return out


# -- planning and running -----------------------------------------------------------------------
def plan(project, outputs, job_type):
    """Recipes to run, upstream first (see the module docstring)."""
    made_by = producers(project)
    recursive = job_type in RECURSIVE_TYPES
    order, seen = [], set()

    def visit(recipe_name):
        if recipe_name in seen:
            return
        seen.add(recipe_name)
        if recursive:
            for _, ref in recipe_refs(recipe_defs(project)[recipe_name], "inputs"):
                if ref in made_by:
                    visit(made_by[ref])
        order.append(recipe_name)

    for o in outputs:
        if o["projectKey"] == project.key and o["id"] in made_by:
            visit(made_by[o["id"]])
    return order


def run_recipe(instance, project, recipe_name):
    """Check what a recipe needs; returns an error message, or None when it can run."""
    rdef = recipe_defs(project)[recipe_name]
    for side, label in (("inputs", "Input"), ("outputs", "Output")):
        for _, ref in recipe_refs(rdef, side):
            if not ref_exists(project, instance, ref):
                return "%s %s of recipe %s does not exist" % (label, ref, recipe_name)
    return None


def start_job(instance, project, definition, login, triggered_from="API"):
    """Create, run and store a job; returns its status. Shared by ``POST /jobs/`` and scenarios."""
    if not isinstance(definition, dict):
        raise errors.bad_request("The job definition must be a JSON object")
    job_type = definition.get("type") or "NON_RECURSIVE_FORCED_BUILD"
    if job_type not in JOB_TYPES:
        raise errors.bad_request("Unknown job type %r (expected one of %s)" % (job_type, ", ".join(JOB_TYPES)))
    outputs = normalise_outputs(instance, project, definition.get("outputs"))
    start = now_ms()
    job_id, start = timestamp_id(start, "Build_%s_%s" % (_safe(outputs[0]["id"]), ID_FORMAT), project.jobs)
    jdef = job_def(dict(definition, type=job_type), job_id, project.key, outputs, login, triggered_from, start)
    log = [log_line(start, "INFO", "Job %s started by %s (%s)" % (job_id, login, job_type))]
    activities, error = [], None
    recipes = plan(project, outputs, job_type)
    if not recipes:
        log.append(log_line(start, "INFO", "Nothing to do: no recipe produces %s"
                            % ", ".join(o["id"] for o in outputs)))
    for name in recipes:
        error = run_recipe(instance, project, name)
        refs = [ref for _, ref in recipe_refs(recipe_defs(project)[name], "outputs")]
        act = activity(name, project.key, refs, "FAILED" if error else "DONE", start, now_ms(), error)
        act["recipeType"] = recipe_defs(project)[name].get("type")
        activities.append(act)
        for ref in refs:
            if ref in project.datasets:
                record_build(project, ref, act["startTime"], act["endTime"], not error)
        log.append(log_line(now_ms(), "ERROR" if error else "INFO", "[%s] %s" % (
            act["activityId"], error or "Recipe %s done (not executed by the emulator)" % name)))
        if error:
            break
    state = "FAILED" if error else "DONE"
    end = now_ms()
    log.append(log_line(end, "INFO", "Job %s %s" % (job_id, state)))
    project.jobs[job_id] = status(jdef, state, activities, start, end, error)
    project.job_logs[job_id] = "\n".join(log) + "\n"
    return project.jobs[job_id]


def _safe(name):
    return "".join(c if c.isalnum() or c in "_-" else "_" for c in name)


def _job(ctx, project_key, job_id):
    job = project_of(ctx, project_key).jobs.get(job_id)
    if job is None:
        raise errors.not_found("Job %s does not exist in project %s" % (job_id, project_key))
    return job


# -- routes (literal paths before the {jobId} ones) ---------------------------------------------
@route("GET", "/jobs/running", perm=None)
def list_all_running(ctx):
    """Jobs finish before their POST answers, so nothing is ever running."""
    return []


@route("GET", "/projects/{projectKey}/jobs/running", perm="read")
def list_project_running(ctx, projectKey):
    project_of(ctx, projectKey)
    return []


@route("GET", "/projects/{projectKey}/jobs", perm="read")
def list_jobs(ctx, projectKey):
    """Newest first, as DSS lists them."""
    jobs = project_of(ctx, projectKey).jobs.values()
    return [list_item(j) for j in sorted(jobs, key=lambda j: (j["startTime"], j["jobId"]), reverse=True)]


@route("POST", "/projects/{projectKey}/jobs", perm="write")
def post_job(ctx, projectKey):
    job = start_job(ctx.instance, project_of(ctx, projectKey), ctx.json_object(), ctx.login)
    return {"id": job["jobId"], "projectKey": projectKey}


@route("GET", "/projects/{projectKey}/jobs/{jobId}", perm="read")
def get_job(ctx, projectKey, jobId):
    return copy.deepcopy(_job(ctx, projectKey, jobId))


@route("POST", "/projects/{projectKey}/jobs/{jobId}/abort", perm="write", writes=False)
def abort_job(ctx, projectKey, jobId):
    """Aborting a finished job changes nothing (DSS ignores it too)."""
    _job(ctx, projectKey, jobId)
    return {}


@route("GET", "/projects/{projectKey}/jobs/{jobId}/log", perm="read")
def job_log(ctx, projectKey, jobId):
    _job(ctx, projectKey, jobId)
    text = project_of(ctx, projectKey).job_logs.get(jobId, "")
    act = ctx.q("activity")
    if act:
        text = "".join(line + "\n" for line in text.splitlines() if "[%s]" % act in line)
    return Text(text)
