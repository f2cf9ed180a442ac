"""Saved models and model evaluation stores: their definitions, as configuration.

They are flow objects recipes read and write (a training recipe outputs a saved model, an
evaluation recipe a model evaluation store). The emulator keeps their definitions as a real
export stores them (``saved_models/<id>.json``, ``model_evaluation_stores/<id>.json``) plus the
``id`` and ``projectKey`` DSS adds when serving them (see :data:`..seed.ADDED_ON_READ`), and
versions them in project git. Model versions,
evaluations, metrics and training are not emulated: no model is ever trained.
"""
import copy

from .. import errors
from ..checks import require_fields
from ..routing import route
from ..stamps import stamp_update
from .projects import exposed_to, project_of

SAVED_MODELS = "/projects/{projectKey}/savedmodels"
STORES = "/projects/{projectKey}/evaluationstores"
# What DSS 14+ lists an evaluation store as when its definition predates flavors: a tabular one
# (the client builds a DSSModelEvaluationStore for TABULAR items only).
DEFAULT_FLAVOR = "TABULAR"


def _served(project, obj, oid):
    out = copy.deepcopy(obj)
    out["id"], out["projectKey"] = oid, project.key
    return out


def _one(project, coll, oid, label):
    obj = coll.get(oid)
    if obj is None:
        raise errors.not_found("%s %s.%s does not exist" % (label, project.key, oid))
    return obj


def _save(ctx, project, coll, oid, label, kind):
    """A PUT replaces the definition (keys left out are gone); ids and stamps are the server's."""
    old = _one(project, coll, oid, label)
    body = copy.deepcopy(ctx.json_object())
    require_fields(body, ("name",), "%s %s.%s" % (label, project.key, oid))
    body["id"], body["projectKey"] = oid, project.key
    coll[oid] = stamp_update(body, old, ctx.login)
    ctx.touch(kind, oid)
    return {"msg": "Saved %s %s" % (label.lower(), oid)}


@route("GET", SAVED_MODELS, perm="read")
def list_saved_models(ctx, projectKey):
    """``foreign=True`` adds the models other projects expose to this one, as they serve them."""
    p = project_of(ctx, projectKey)
    own = [_served(p, p.saved_models[sid], sid) for sid in sorted(p.saved_models)]
    if not ctx.qbool("foreign"):
        return own
    return own + [_served(other, other.saved_models[sid], sid) for other, sid in exposed_to(ctx, p, "SAVED_MODEL")
                  if sid in other.saved_models]


@route("GET", SAVED_MODELS + "/{smId}", perm="read")
def get_saved_model(ctx, projectKey, smId):
    p = project_of(ctx, projectKey)
    return _served(p, _one(p, p.saved_models, smId, "Saved model"), smId)


@route("PUT", SAVED_MODELS + "/{smId}", perm="write", git="Saved saved model {smId}")
def save_saved_model(ctx, projectKey, smId):
    p = project_of(ctx, projectKey)
    return _save(ctx, p, p.saved_models, smId, "Saved model", "saved_model")


@route("GET", STORES, perm="read")
def list_evaluation_stores(ctx, projectKey):
    """List items carry ``mesFlavor`` (the client picks the handle class on it); ``flavor`` filters."""
    p = project_of(ctx, projectKey)
    wanted = ctx.q("flavor")
    out = []
    for mid in sorted(p.evaluation_stores):
        item = _served(p, p.evaluation_stores[mid], mid)
        item.setdefault("mesFlavor", DEFAULT_FLAVOR)
        if wanted in (None, "", item["mesFlavor"]):
            out.append(item)
    return out


@route("GET", STORES + "/{mesId}", perm="read")
def get_evaluation_store(ctx, projectKey, mesId):
    p = project_of(ctx, projectKey)
    return _served(p, _one(p, p.evaluation_stores, mesId, "Model evaluation store"), mesId)


@route("PUT", STORES + "/{mesId}", perm="write", git="Saved model evaluation store {mesId}")
def save_evaluation_store(ctx, projectKey, mesId):
    p = project_of(ctx, projectKey)
    return _save(ctx, p, p.evaluation_stores, mesId, "Model evaluation store", "evaluation_store")
