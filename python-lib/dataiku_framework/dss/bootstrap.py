"""Create a configured project's objects on DSS, through ``dataikuapi`` only.

This is the *create* half of the resource handlers that plan/apply will use: it turns a resolved
configuration into DSS objects in dependency order (project, folders, datasets, recipes in flow
order, scenarios). It refuses to touch an existing project: updating one safely is the planner's
job (a plan you review first), not a side effect of a bootstrap.
"""
from typing import Any, Callable, Dict, List

from . import translate


class BootstrapError(Exception):
    """A configured object could not be created; the message names it."""


def create_project(client, config, log=print):
    # type: (Any, Any, Callable[[str], None]) -> Dict[str, Any]
    """Create ``config``'s project and every object in it; return {kind: [names or ids]}.

    ``config`` must be resolved (``FrameworkConfig.resolved(connection_types=...)``)."""
    pc = config.project
    if pc.key in client.list_project_keys():
        raise BootstrapError("project %s already exists on DSS; bootstrap only creates new projects" % pc.key)
    owner = pc.owner or client.get_auth_info()["authIdentifier"]
    client.create_project(pc.key, pc.name or pc.key, owner, description=pc.description)
    project = client.get_project(pc.key)
    _project_settings(project, pc)
    log("created project %s" % pc.key)
    created = {"managed_folders": [], "datasets": [], "recipes": [], "scenarios": []}  # type: Dict[str, List[str]]
    for mf in config.managed_folders:
        created["managed_folders"].append(_folder(project, mf))
        log("created managed folder %s" % mf.name)
    for ds in config.datasets:
        _dataset(project, ds, pc.key)
        created["datasets"].append(ds.name)
        log("created dataset %s (%s)" % (ds.name, ds.type))
    for rc in _flow_order(config.recipes):
        _recipe(project, rc)
        created["recipes"].append(rc.name)
        log("created recipe %s (%s)" % (rc.name, translate.recipe_type(rc)))
    folder_names = {mf.name for mf in config.managed_folders}
    for sc in config.scenarios:
        created["scenarios"].append(_scenario(project, sc, pc.key, folder_names))
        log("created scenario %s" % sc.name)
    return created


def _project_settings(project, pc):
    metadata = project.get_metadata()
    metadata["tags"] = sorted(pc.tags or [])
    metadata["shortDesc"] = pc.short_desc or ""
    metadata["description"] = pc.description or ""
    project.set_metadata(metadata)
    if pc.variables is not None:
        project.set_variables({"standard": dict(pc.variables.standard or {}),
                               "local": dict(pc.variables.local or {})})
    if pc.permissions:
        perms = project.get_permissions()
        perms["permissions"] = [translate.permission_entry(p) for p in pc.permissions]
        project.set_permissions(perms)
    settings = project.get_settings()
    inner = settings.settings.setdefault("settings", {})
    if pc.git_commit_mode:
        inner["gitCommitMode"] = pc.git_commit_mode.upper()
    if pc.disable_automatic_triggers is not None:
        inner["disableAutomaticTriggers"] = bool(pc.disable_automatic_triggers)
    inner.update(pc.settings or {})
    settings.save()


def _folder(project, mf):
    folder = project.create_managed_folder(mf.name, folder_type=mf.type,
                                           connection_name=mf.connection or "filesystem_folders")
    settings = folder.get_settings()
    raw = settings.get_raw()
    if mf.path:
        raw["params"]["path"] = mf.path
    raw["params"].update(mf.params or {})
    raw["tags"] = sorted(mf.tags or [])
    raw["description"] = mf.description or ""
    settings.save()
    return folder.id


def _dataset(project, ds, project_key):
    wanted = translate.dataset_definition(ds, project_key)
    if ds.managed and ds.type in translate.FS_TYPES:
        builder = project.new_managed_dataset(ds.name)
        builder.with_store_into(ds.connection or "filesystem_managed",
                                format_option_id=translate.FORMAT_OPTIONS.get(ds.format_type or "csv"))
        builder.create()
    else:
        project.create_dataset(ds.name, ds.type, params=wanted["params"], formatType=wanted.get("formatType"),
                               formatParams=wanted.get("formatParams") or {})
    settings = project.get_dataset(ds.name).get_settings()
    raw = settings.get_raw()
    for key in ("params", "tags", "description", "shortDesc", "partitioning", "schema"):
        if key == "params":
            raw["params"].update(wanted["params"])
        elif key in wanted:
            raw[key] = wanted[key]
    if "formatType" in wanted:
        raw["formatType"] = wanted["formatType"]
        raw.setdefault("formatParams", {}).update(wanted["formatParams"])
    settings.save()


def _flow_order(recipes):
    """Recipes so that a recipe comes after the producers of its inputs (config order otherwise)."""
    producers = {}
    for rc in recipes:
        for role in translate.recipe_io(rc)["outputs"].values():
            for name in role:
                producers[name] = rc.name
    by_name = {rc.name: rc for rc in recipes}
    done, order = set(), []

    def visit(rc, stack):
        if rc.name in done or rc.name in stack:
            return
        stack.add(rc.name)
        for role in translate.recipe_io(rc)["inputs"].values():
            for name in role:
                if producers.get(name) in by_name:
                    visit(by_name[producers[name]], stack)
        done.add(rc.name)
        order.append(rc)

    for rc in recipes:
        visit(rc, set())
    return order


def _recipe(project, rc):
    rtype = translate.recipe_type(rc)
    io = translate.recipe_io(rc)
    creator = project.new_recipe(rtype, rc.name)
    for role, names in io["inputs"].items():
        for name in names:
            creator.with_input(name, role=role)
    for role, names in io["outputs"].items():
        for name in names:
            creator.with_output(name, role=role)
    if rc.type in translate.CODE_TYPES:
        creator.with_script(translate.recipe_payload(rc))
    recipe = creator.create()
    settings = recipe.get_settings()
    raw = settings.get_recipe_raw_definition()
    raw["tags"] = sorted(rc.tags or [])
    raw["description"] = rc.description or ""
    raw.setdefault("params", {}).update(rc.params or {})
    if rc.code_env:
        raw["params"]["envSelection"] = {"envMode": "EXPLICIT_ENV", "envName": rc.code_env}
    payload = translate.recipe_payload(rc)
    if rc.type not in translate.CODE_TYPES and payload is not None:
        if isinstance(payload, str):
            settings.set_payload(payload)
        else:
            settings.set_json_payload(payload)
    settings.save()


def _scenario(project, sc, project_key, folder_names):
    stype = translate.scenario_type(sc)
    scenario = project.create_scenario(sc.name, stype)
    settings = scenario.get_settings()
    data = settings.data
    data["active"] = sc.active is not False
    data["triggers"] = [t for t in (translate.trigger_definition(tr) for tr in sc.triggers or []) if t]
    data["tags"] = sorted(sc.tags or [])
    data["description"] = sc.description or ""
    if sc.run_as:
        data["runAsUser"] = sc.run_as
    if sc.reporters:
        data["reporters"] = list(sc.reporters)

    def kind_of(name):
        return "MANAGED_FOLDER" if name in folder_names else "DATASET"
    if stype == "step_based":
        data.setdefault("params", {})["steps"] = [translate.step_definition(st, project_key, kind_of)
                                                  for st in sc.steps or []]
    else:
        settings.code = sc.code or ""
    data.setdefault("params", {}).update(sc.params or {})
    settings.save()
    return scenario.id
