"""The Python facade: ``Engine(host, api_key).plan(config) -> Plan``.

Why a facade: the CLI, the plugin's macro and scenario step, and users' own scripts all plan the
same way (check the connection, resolve the config against the instance's connection types, read
the live project once, compare, build the document); each calls this instead of wiring the steps.
"""
import datetime
from typing import Any, Dict, Iterable, Iterator, List, Optional, Sequence

from .config.secrets import public_url
from .dss.failures import classified
from .plan.connections import check_instance_references
from .plan.document import Plan, PlanContext, build_document, desired_digest, digest
from .plan.refresh import DEFAULT_PARALLELISM, carry_over, kind_details, read_named, refresh, unchanged_details


class Engine(object):
    """Plans and applies configurations against one DSS instance; reads a project's apply history, rolls
    it back, and releases its lock.

    ``Engine(host, api_key)``, ``Engine(host=..., api_key=...)`` or ``Engine(client=<DSSClient>)``;
    with neither, the credentials come from the environment (``DKU_DSS_URL``/``DKU_API_KEY``,
    ``DSS_HOST``/``DSS_API_KEY``) or ``~/.dataiku/config.json``. Every request has a timeout
    (``dss.connect``): a client given as ``client=`` gets the default one (``DEFAULT_TIMEOUT``) unless
    it was made by ``dss.connect.connect`` with its own."""

    def __init__(self, host: Optional[str] = None, api_key: Optional[str] = None, *, client: Any = None,
                 parallelism: int = DEFAULT_PARALLELISM, no_check_certificate: bool = False) -> None:
        if parallelism < 1:
            raise ValueError("parallelism must be at least 1 (got %r)" % (parallelism,))
        self.parallelism = int(parallelism)
        if client is None:
            client = _client(host, api_key, no_check_certificate)
        # a caller's client too gets the default timeout (unless ours set one), and asks auth/info once
        from .dss.connect import remember_auth, with_timeout
        self.client = remember_auth(with_timeout(client, keep=True))
        self.url = public_url(getattr(client, "host", host) or "")  # recorded in plans: never the password

    def plan(self, config: Any, *, targets: Optional[Sequence[str]] = None, config_source: Optional[str] = None,
             allow_delete: bool = False, reuse: Any = None) -> Plan:
        """What applying ``config`` (a ``FrameworkConfig``) would change on DSS, as a ``Plan``.

        With the project's apply state, changed fields are told apart (the configuration's changes,
        drift made in DSS, conflicts) and resources the state knows that ``config`` no longer names
        are deleted when ``allow_delete`` (or the file's ``settings.prune``) allows it, else listed
        in ``not_deleted``.

        ``reuse`` is for apply's own use: an earlier plan of the same config made by this process,
        whose unchanged recipes and scenarios are not read again (see ``plan.refresh.carry_over``);
        apply plans again once it holds the lock, and this keeps that second plan to the lists. When
        the state moved in between (another apply ran), everything is read again."""
        from .config.online import connection_types
        from .dss.failures import check_connection
        from .plan.compare import compare
        check_connection(self.client, self.url)
        key = _project_key(config)
        if getattr(reuse, "context", None) is None:
            reuse = None  # a plan read back from a file: nothing to carry over
        unchanged = unchanged_details(reuse)
        absent = _absent_recipes(reuse)  # not read again: listed now after all, everything is read (below)
        with classified(self.url):
            # the connection types (to resolve ``type: SQL``) and the state are read in the same pool as the project
            snapshot = refresh(self.client, key, parallelism=self.parallelism,
                               recipes={rc.name for rc in config.recipes} - unchanged["recipe"] - absent,
                               scenarios={sc.name for sc in config.scenarios} - unchanged["scenario"],
                               extra={"types": lambda: connection_types(self.client, _wanted_connections(config)),
                                      "state": lambda: _read_state(self.client, key),
                                      **kind_details(self.client, key, config)})
            state = _state_of(snapshot)
            read_named(self.client, snapshot, state, config)  # a kind the state knows and the config dropped
        if reuse is not None:
            meta = reuse.doc["metadata"]
            if (state.serial, state.lineage) != (meta.get("state_serial"), meta.get("state_lineage")) or \
                    absent & set(snapshot.recipe_names):
                # rare (an apply ran while this one waited for the lock, or a recipe missing then was made since):
                # one full plan, lists read again
                return self.plan(config, targets=targets, config_source=config_source, allow_delete=allow_delete)
            carry_over(snapshot, reuse.context.snapshot, unchanged)
        types = snapshot.extra["types"]
        resolved = config.resolved(connection_types=types)
        deleting = bool(allow_delete) or _prunes(resolved)
        changes, unmanaged, groups, not_deleted = compare(resolved, snapshot, types, state=state,
                                                          allow_delete=deleting)
        config_digest = desired_digest(changes)
        if targets:
            changes = _targeted(changes, targets)
            kept = {c.address for c in changes}
            groups = [g for g in ([a for a in group if a in kept] for group in groups) if g]
        metadata = self._metadata(config, resolved.project.key, snapshot, config_digest, targets, config_source)
        metadata.update({"state_serial": state.serial, "state_lineage": state.lineage, "allow_delete": deleting})
        metadata.update(check_instance_references(self.client, resolved, changes, types))  # before any write
        if getattr(config, "rekeyed_from", None):  # --project-key: a saved plan is applied to the same project
            metadata["config_project_key"] = config.rekeyed_from
        plan = Plan(build_document(changes, unmanaged, groups, metadata, not_deleted))
        plan.context = PlanContext(config, resolved, snapshot, types, state)  # what apply needs, never serialised
        return plan

    def _metadata(self, config: Any, project_key: str, snapshot: Any, config_digest: str,
                  targets: Optional[Sequence[str]], config_source: Optional[str]) -> Dict[str, Any]:
        """The document's ``metadata``: who planned what, where, when, from which config and live state."""
        return {
            "tool_version": _version(), "dss_url": self.url, "project_key": project_key,
            "config_digest": config_digest, "live_digest": digest(snapshot.raw()),
            "created_at": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "created_by": snapshot.auth.get("authIdentifier"),
            "config_source": config_source if config_source is not None else getattr(config, "source_file", None),
            "environment": getattr(config, "env", None), "targets": list(targets or [])}

    def drift(self, config: Any) -> Plan:
        """How DSS moved away from what was applied: the plan of ``config``, whose ``doc["drift"]``
        (and ``doc["conflicts"]``) list the fields changed in DSS since the last apply (``Plan.has_drift``;
        ``render.text.difference_lines`` lists them). Without an apply state nothing tells a changed file
        from a changed DSS, so every difference counts as drift."""
        return self.plan(config)

    def plan_many(self, configs: Sequence[Any], *, sources: Optional[Sequence[Optional[str]]] = None,
                  allow_delete: bool = False) -> List[Any]:
        """Plan several projects at once within this engine's ``parallelism`` (see ``projects``):
        one ``projects.ProjectOutcome`` per configuration, in order (its ``plan``, or the ``error``
        and ``exit_code`` that stopped it). Two configurations of one project key, or references
        in a cycle, raise ``projects.ProjectSetError`` before any request."""
        from .projects import plan_all
        return plan_all(self, configs, sources, allow_delete)

    def apply_many(self, configs: Sequence[Any], planned: Sequence[Any], **options: Any) -> List[Any]:
        """Apply the ``planned`` plans (``plan_many``'s) of ``configs``, one project at a time, the
        projects whose objects others read first; no project's lock is held while another is
        awaited. Options: see ``projects.apply_all``. One ``ProjectOutcome`` per configuration."""
        from .projects import apply_all
        return apply_all(self, configs, planned, **options)


    # -- apply, history, rollback, lock ------------------------------------------------------------
    def apply(self, config_or_plan: Any, *, config: Any = None, targets: Optional[Sequence[str]] = None,
              allow_delete: bool = False, lock_timeout: float = 0.0, on_progress: Any = None,
              planned: Optional[Plan] = None, checkpoint: bool = True, cancel: Any = None,
              recorded: Optional[Dict[str, Any]] = None) -> Any:
        """Apply a configuration (planned, then planned again under the lock and applied) or a saved
        ``Plan`` (applied only as saved: refused with ``StalePlanError``, naming what differs, when a
        fresh plan of its configuration differs in its project, instance, configuration digest or any
        entry); a ``Result``.

        ``planned``: with a configuration, the plan of it this process just made (and showed): it is
        not made again before the lock. Nothing is written when there is nothing to change.
        ``lock_timeout``: seconds to wait for another apply of the project to end (0: fail at once
        with ``LockHeld``, naming the holder); after a wait the plan is made again.
        ``checkpoint``: False makes no git checkpoint (the apply cannot be rolled back); with it, an
        apply whose "before" checkpoint fails stops (``CheckpointError``). ``cancel``: a
        ``threading.Event`` whose setting stops the apply (``Result.stopped``, see ``apply.run``).
        ``recorded``: fields added to the apply's history entry in the state (``stored_plans``: the
        stored plan applied), written with it."""
        from .apply.run import Applier
        saved = config_or_plan if isinstance(config_or_plan, Plan) else None
        if saved is None:
            config = config_or_plan
        elif config is None:
            config = saved.context.config if saved.context is not None else _saved_config(saved)
        if saved is not None:
            targets = saved.doc["metadata"].get("targets") or None
            allow_delete = allow_delete or any(e["action"] == "delete" for e in saved.doc["resource_changes"])
            planned = None
        applier = Applier(self, config, saved, list(targets or []) or None, allow_delete, lock_timeout, on_progress,
                          planned=planned)
        applier.checkpoints, applier.cancel, applier.recorded = checkpoint, cancel, dict(recorded or {})
        with classified(self.url):
            return applier.run()

    def rollback_plan(self, project_key: str, to: Optional[str] = None) -> Any:
        """What ``rollback(project_key, to)`` would change (reads only): a ``RollbackPlan``."""
        from .apply.rollback import rollback_plan
        with classified(self.url):
            return rollback_plan(self.client, project_key, to)

    def rollback(self, project_key: str, to: Optional[str] = None, *, lock_timeout: float = 0.0,
                 on_progress: Any = None) -> Any:
        """Restore the project's configuration to what it was before apply ``to`` (default: the last
        apply), by DSS git revert to that apply's checkpoint; a ``Result``. Data is not restored."""
        from .apply.rollback import rollback
        with classified(self.url):
            return rollback(self.client, project_key, to, lock_timeout=lock_timeout, on_progress=on_progress)

    def history(self, project_key: str) -> List[Dict[str, Any]]:
        """The applies recorded in the project's state, newest first; one whose process died (still
        open, its lock gone or expired) shows as ``abandoned``, with what the state records of it."""
        from .state.store import history_of
        with classified(self.url):
            return history_of(self.client, project_key)

    def unlock(self, project_key: str, lock_id: str) -> Any:
        """Release the project's lock ``lock_id`` (for a holder that is gone); the released record."""
        from .state import unlock
        from .state.store import settle_abandoned
        with classified(self.url):
            released = unlock(self.client, project_key, lock_id)
            settle_abandoned(self.client, project_key)
            return released

    def lock_status(self, project_key: str) -> Any:
        """The project's lock record (held or released), None when it never had one."""
        from .state import read_lock
        with classified(self.url):
            return read_lock(self.client, project_key)

    def apply_reviewed(self, config: Any, reviewed: Any, *, reviewed_name: Optional[str] = None,
                       **options: Any) -> Any:
        """Apply ``config`` only when its plan made now does what the ``reviewed`` plan (a ``Plan``
        or a plan document, e.g. a pull request's ``plan --out``) did; a ``Result``. Else
        ``NotReviewedError`` lists what differs (``plan.compare_plans.compare_plans``: resource
        changes, instance, project; not the commit, file, time or digests), and nothing is written.

        Why not ``apply(reviewed)``: the merged commit is not the reviewed one, so the saved plan is
        stale by its metadata however equal its changes. The plan made now is then applied as shown
        (re-checked under the lock). ``options``: ``apply``'s (``allow_delete``, ``lock_timeout``...)."""
        from .plan.compare_plans import NotReviewedError, compare_plans
        fresh = options.pop("planned", None)
        if fresh is None:  # ``planned``: the plan of ``config`` this process just made (and showed)
            fresh = self.plan(config, targets=options.pop("targets", None),
                              allow_delete=options.get("allow_delete", False))
        options.pop("targets", None)
        changed = compare_plans(reviewed, fresh)
        if changed:
            raise NotReviewedError(fresh.doc["metadata"].get("project_key"), changed, fresh, reviewed_name)
        if not fresh.has_changes:
            from .apply.result import Result
            return Result(fresh.doc["metadata"].get("project_key"), plan=fresh)
        return self.apply(fresh, config=config, **options)


    # -- destroy and previews (apply.destroy, preview) ---------------------------------------------
    def destroy_plan(self, project_key: str, config: Any = None) -> Any:
        """What ``destroy(project_key)`` would delete, data included (reads only): a ``DestroyPlan``;
        ``DestroyRefused`` when destroy would refuse (see ``apply.destroy``)."""
        from .apply.destroy import destroy_plan
        with classified(self.url):
            return destroy_plan(self.client, project_key, config)

    def destroy(self, project_key: str, *, history_out: Optional[str] = None, config: Any = None,
                lock_timeout: float = 0.0) -> Dict[str, Any]:
        """Delete the whole project ``project_key``, data included: the one path that deletes a project.

        Only a project whose state says the tool created it, without ``prevent_destroy`` (in the state,
        or in ``config``'s ``project.lifecycle``); else ``DestroyRefused``. Its state and history go
        with it, so they are first written to ``history_out`` (default ``<KEY>-history.json``). Runs
        under the project lock (``LockHeld`` names the holder). Returns ``{project_key, history_file,
        deleted}``."""
        from .apply.destroy import destroy
        with classified(self.url):
            return destroy(self.client, project_key, history_out, config, lock_timeout)

    def preview(self, config: Any, branch: str, commit: Optional[str] = None, *, lock_timeout: float = 0.0,
                on_progress: Any = None) -> Any:
        """Apply ``config`` to the preview project of ``branch`` (key ``preview.preview_key``), creating
        it, and tag it as that branch's preview at ``commit``; a ``Result``. Load ``config`` with the
        environment giving the preview its own connections (``env="preview"``):
        ``preview.production_connections`` lists the outputs it would leave on production's."""
        from .preview import preview_config
        return self.apply(preview_config(config, branch, commit), lock_timeout=lock_timeout, on_progress=on_progress)

    def previews(self, config_key: Optional[str] = None) -> List[Dict[str, Any]]:
        """The preview projects on the instance (of the configuration whose key is ``config_key`` when
        given): ``{project_key, of, branch, commit}`` each (``preview.list_previews``)."""
        from .preview import list_previews
        with classified(self.url):
            return list_previews(self.client, config_key)


def _client(host: Optional[str], api_key: Optional[str], no_check_certificate: bool) -> Any:
    from .dss.connect import connect  # arguments first, then the environment and ~/.dataiku/config.json
    client = connect(host, api_key).client
    if no_check_certificate:
        client._session.verify = False
    return client


def _read_state(client: Any, project_key: str) -> Any:
    """The apply state of ``project_key`` (run in the refresh pool); for a project DSS refuses to
    show (missing, or not readable), the refusal itself, which ``_state_of`` raises only once the
    refresh knows the project exists. Transient failures are raised, so the pool retries them."""
    from dataikuapi.utils import DataikuException
    from .state import StateStore
    try:
        return StateStore(client, project_key).read()
    except DataikuException as error:
        if "UnauthorizedException" in str(error) or "NotFoundException" in str(error):
            return error
        raise


def _state_of(snapshot: Any) -> Any:
    """The state the refresh read: empty for a project that does not exist yet."""
    from .state import State
    found = snapshot.extra.get("state")
    if not snapshot.exists or found is None:
        return State()
    if isinstance(found, Exception):
        raise found
    return found


def _prunes(config: Any) -> bool:
    """``settings.prune`` of the configuration: deletion allowed without ``--allow-delete``."""
    return bool(getattr(getattr(config, "settings", None), "prune", False))


def _project_key(config: Any) -> str:
    """The key the plan is for: an environment overlay may change it (``environments.prod.project.key``).

    Read from the overlay alone, before the full resolution (which needs the connection types)."""
    env = getattr(config, "env", None)
    overlay = (getattr(config, "environments", None) or {}).get(env) if env else None
    project = overlay.get("project") if isinstance(overlay, dict) else None
    key = project.get("key") if isinstance(project, dict) else None
    return key if isinstance(key, str) and key else config.project.key


def _wanted_connections(config: Any) -> Iterator[str]:
    """The connection names the config uses once its environment overlay and ``${env:...}`` values
    are applied. A generator: ``connection_types`` only iterates it when the key cannot list every
    connection (an ordinary user's), so an administrator's plan never pays for the extra resolution."""
    for name in _connection_names(config.resolved()):
        yield name


def _connection_names(config: Any) -> List[str]:
    names = [ds.connection for ds in config.datasets] + [mf.connection for mf in config.managed_folders]
    return sorted({n for n in names if isinstance(n, str) and "${" not in n})


def _targeted(changes: List[Any], targets: Iterable[str]) -> List[Any]:
    """The targeted resources and everything they depend on (as ``terraform plan -target``)."""
    by_address = {c.address: c for c in changes}
    unknown = [t for t in targets if t not in by_address]
    if unknown:
        from .resources import registry
        raise ValueError("--target %s: no such resource in the configuration (addresses look like %s)"
                         % (", ".join(unknown), ", ".join(k.address("NAME") for k in registry.kinds())))
    keep = set()  # type: set
    todo = list(targets)
    project = by_address.get("project")
    if project is not None and project.action == "create":
        todo.append("project")  # everything lives in the project: a missing one comes with any target
    while todo:
        address = todo.pop()
        if address in keep or address not in by_address:
            continue
        keep.add(address)
        todo.extend(by_address[address].depends_on)
    return [c for c in changes if c.address in keep]


def _version() -> str:
    from . import __version__
    return __version__


def _saved_config(plan: Plan) -> Any:
    """The configuration a plan read from JSON was made from (its ``config_source``, with its environment)."""
    from .config.api import load_config
    meta = plan.doc["metadata"]
    source = meta.get("config_source")
    if not source:
        raise ValueError("this plan does not name the configuration it was made from (metadata.config_source); "
                         "pass config= to apply it")
    return rekeyed_as_planned(load_config(source, env=meta.get("environment")), meta)


def rekeyed_as_planned(config: Any, metadata: Dict[str, Any]) -> Any:
    """``config`` for the project a plan of it (its ``metadata``) was made for: a plan made with
    ``--project-key`` records the configuration's own key (``config_project_key``), and its
    configuration, read again from its source, is applied to the plan's project, not its own."""
    if metadata.get("config_project_key") and metadata["config_project_key"] == config.project.key:
        return config.with_project_key(metadata["project_key"])
    return config


def _absent_recipes(plan: Any) -> set:
    """Recipes ``plan`` (apply's first plan; None: none) found missing from DSS: apply's plan under
    the lock does not read them one by one (an apply from empty would read every recipe just to be
    told it is absent); one of them listed after all means it was created in between, and that plan
    then reads everything again."""
    if plan is None:
        return set()
    return {e["name"] for e in plan.doc["resource_changes"] if e["kind"] == "recipe" and e["action"] == "create"}
