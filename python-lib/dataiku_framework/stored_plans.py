"""Planning and applying around the plan store (issue 15): a plan made from a source and stored,
a stored plan checked again (stale or not), a stored plan applied exactly as stored, and the
browser's user of a webapp request.

Why apart from ``state.plans``: the store is a file layer (it reads and writes library files); these
steps plan (``Engine``), apply (``apply.run``), and re-read sources (``sources``, the plugin's folder
checkout), which a file layer must not import. Every face calls these: the CLI (``plans``), the
plugin (Plan macro, apply step) and the review webapp (``plugin.review``).
"""
import contextlib
import os
from typing import Any, Dict, Iterator, List, Optional

from .dss.rights import check_project_admin
from .engine import rekeyed_as_planned
from .state.plans import OPEN, PlanStore, PlanStoreError, source_of


# -- the browser's user (for a webapp backend) ---------------------------------------------------

def browser_user_client(client: Any, headers: Dict[str, str]) -> Any:
    """``(login, client)``: the DSS user of a browser request (its headers, as a webapp backend gets
    them: ``get_auth_info_from_browser_headers``) and a client acting as that user
    (``DSSUser.get_client_as``), so that DSS checks that user's rights and the apply history and the
    plan store record that user, never the identity the backend runs as. ``client`` (the backend's)
    must be a DSS administrator's to act as another user; DSS refuses it otherwise."""
    info = client.get_auth_info_from_browser_headers(dict(headers))
    login = info.get("authIdentifier")
    if not login:
        raise PlanStoreError("DSS named no user for this browser request: log in to DSS again")
    return login, client.get_user(login).get_client_as()


# -- apply a stored plan ---------------------------------------------------------------------------

@contextlib.contextmanager
def source_config(client: Any, project_key: str, record: Dict[str, Any]) -> Iterator[Any]:
    """The configuration a stored plan was made from, read again from its source: a file, a git
    source at its commit (credentials from the environment, ``sources.git``), or a managed folder
    (copied for the duration). ``ConfigError`` when it is no longer valid, ``PlanStoreError`` when
    the file is gone from its folder, the git and folder errors of ``sources`` otherwise."""
    from .config.api import load_config
    source = record.get("source") or {}
    env = source.get("environment")
    meta = (record.get("plan") or {}).get("metadata") or {}
    if source.get("type") == "folder":
        from .plugin.validate import checked_out
        where = source.get("project") or project_key
        with checked_out(client, where, source.get("folder"), source.get("path")) as (_, relative, root, problem):
            if problem is not None:
                raise PlanStoreError("stored plan %s: its configuration %s is gone from folder %s"
                                     % (record.get("id"), source.get("path"), source.get("folder")))
            yield rekeyed_as_planned(load_config(os.path.join(root, relative), env=env), meta)
        return
    if source.get("type") == "git":
        pinned = "git+%s@%s#%s" % (source.get("url"), source.get("commit") or source.get("ref"), source.get("path"))
        yield rekeyed_as_planned(load_config(pinned, env=env), meta)
        return
    yield rekeyed_as_planned(load_config(source.get("path"), env=env), meta)


def plan_and_store(engine: Any, project_key: str, source: Dict[str, Any],
                   comment: Optional[str] = None) -> Any:
    """Plan now from ``source`` (a file, ``{type: git, url, ref, path}`` or ``{type: folder, project,
    folder, path}``, each with an optional ``environment``) and store the plan in ``project_key``'s
    store (a configuration naming another project is refused by the store); ``(SaveOutcome, Plan)``.
    What a review page's "Plan now" calls; a git source is recorded at the commit it resolved to."""
    from .sources.git import record_commit
    with source_config(engine.client, project_key, {"source": source}) as config:
        named = source.get("path") if source.get("type") == "folder" else None
        plan = engine.plan(config, config_source=named)
    record_commit(plan.doc["metadata"])
    stored = source_of(plan.doc["metadata"]) if source.get("type") == "git" else source
    return PlanStore(engine.client, project_key).save(plan, source=stored, comment=comment), plan


def check_stored(engine: Any, project_key: str, plan_id: str, store: Optional[PlanStore] = None) -> List[str]:
    """Whether stored plan ``plan_id`` is still what applying it would do: plan again from its source
    (reads only) and compare (``apply.run.stale_differences``, as apply does). The differences, one
    line each (empty: fresh); an open plan that differs is marked ``stale`` with them. For a review
    page: run it after the page is shown (a full re-plan), and mark the plan when it returns."""
    from .apply.run import StalePlanError, stale_differences
    store = store or PlanStore(engine.client, project_key)
    record = store.get(plan_id)
    plan = store.plan_of(record)
    meta = plan.doc["metadata"]
    deletes = bool(meta.get("allow_delete")) or any(e["action"] == "delete" for e in plan.doc["resource_changes"])
    with source_config(engine.client, project_key, record) as config:
        fresh = engine.plan(config, targets=meta.get("targets") or None, allow_delete=deletes)
    moved = stale_differences(plan, fresh)
    if moved and record.get("status") in OPEN:
        store.mark_stale(plan_id, str(StalePlanError(project_key, moved)))
    return moved


def apply_stored(engine: Any, project_key: str, plan_id: str, store: Optional[PlanStore] = None,
                 **options: Any) -> Any:
    """Apply stored plan ``plan_id`` of ``project_key`` exactly as stored; the ``Result``.

    The approval is only a record: the acting user (the engine's client) must administer the project
    (``NotProjectAdmin`` otherwise), the plan's digest must match (``TamperedPlanError``), and
    ``Engine.apply(plan)`` compares it with a fresh plan: a stale plan raises ``StalePlanError``
    (naming what moved) and is marked ``stale``. The outcome is recorded (``applied``/``failed`` with
    the apply id), and the apply's history entry names the stored plan and its approver
    (``history_link``). Only an ``approved`` plan is applied."""
    from .apply.run import StalePlanError
    store = store or PlanStore(engine.client, project_key)
    record = store.get(plan_id)
    plan = store.plan_of(record)
    if record.get("status") != "approved":
        raise PlanStoreError("stored plan %s is %s: only an approved plan is applied (approve it first: "
                             "'dss-framework plans approve %s %s')" % (plan_id, record.get("status"), project_key,
                                                                      plan_id))
    applier = check_project_admin(engine.client, project_key, "applying stored plan %s" % plan_id)
    try:
        with source_config(engine.client, project_key, record) as config:
            result = engine.apply(plan, config=config, recorded={"stored_plan": history_link(record)}, **options)
    except StalePlanError as error:
        store.mark_stale(plan_id, str(error), user=applier)
        raise
    store.mark_applied(plan_id, result.apply_id, result.succeeded, user=applier)
    return result


def history_link(record: Dict[str, Any]) -> Dict[str, Any]:
    """What the apply's history entry in the state records of the stored plan it applies
    (``stored_plan``: {id, digest, approved_by, approved_at}), so ``history`` names the approver
    beside the applier. Part of the entry from its opening (``Engine.apply``'s ``recorded``): written
    with the apply's own state writes, under its lock, before its "after" checkpoint."""
    approvals = [e for e in record.get("events") or [] if e.get("status") == "approved"]
    return {"id": record.get("id"), "digest": record.get("digest"),
            "approved_by": approvals[-1].get("user") if approvals else None,
            "approved_at": approvals[-1].get("at") if approvals else None}
