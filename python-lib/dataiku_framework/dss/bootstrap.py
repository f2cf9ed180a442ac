"""Create a configured project's objects on DSS, through ``dataikuapi`` only.

This is the *create* half of the resource handlers that plan/apply will use: it turns a resolved
configuration into DSS objects in dependency order (project, folders, datasets, recipes in flow
order, scenarios). It refuses to touch an existing project: updating one safely is the planner's
job (a plan you review first), not a side effect of a bootstrap.
"""
from typing import Any, Callable, Dict, List

from ..config.graph import topological_recipes
from . import translate, visual
from .translate import DEFAULT_ZONE


class BootstrapError(Exception):
    """A configured object could not be created; the message names it."""


def create_project(client, config, log=print):
    # type: (Any, Any, Callable[[str], None]) -> Dict[str, Any]
    """Create ``config``'s project and every object in it; return {kind: [names or ids]}.

    ``config`` must be resolved (``FrameworkConfig.resolved(connection_types=...)``)."""
    pc = config.project
    _check_resolved(config)
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
    folder_ids = dict(zip([mf.name for mf in config.managed_folders], created["managed_folders"]))
    by_name = {rc.name: rc for rc in config.recipes}
    for name in topological_recipes(config.to_dict()):
        rc = by_name[name]
        _recipe(project, rc, folder_ids)
        created["recipes"].append(rc.name)
        log("created recipe %s (%s)" % (rc.name, translate.recipe_type(rc)))
    # scenarios in two passes: a run_scenario step may name a scenario defined after it
    scenario_ids = {sc.name: project.create_scenario(sc.name, translate.scenario_type(sc)).id
                    for sc in config.scenarios}
    for sc in config.scenarios:
        _scenario(project.get_scenario(scenario_ids[sc.name]), sc, pc.key, folder_ids, scenario_ids)
        created["scenarios"].append(scenario_ids[sc.name])
        log("created scenario %s" % sc.name)
    _zones(project, config, folder_ids, log)
    return created


def _check_resolved(config):
    unresolved = [ds.name for ds in config.datasets if ds.type == "SQL"]
    if unresolved:
        raise BootstrapError("dataset(s) %s still have the generic type SQL: resolve the configuration with the "
                             "DSS connection types first (FrameworkConfig.resolved(connection_types=...))"
                             % ", ".join(unresolved))


def _zones(project, config, folder_ids, log):
    """Create the configured flow zones and move each object that names one into it."""
    if not config.zones:
        return
    flow = project.get_flow()
    zones = {}
    for zc in config.zones:
        zones[zc.name] = flow.create_zone(zc.name, color=zc.color or "#2ab1ac")
        log("created flow zone %s" % zc.name)
    handles = [(ds.zone, project.get_dataset(ds.name)) for ds in config.datasets]
    handles += [(mf.zone, project.get_managed_folder(folder_ids[mf.name])) for mf in config.managed_folders]
    handles += [(rc.zone, project.get_recipe(rc.name)) for rc in config.recipes]
    for zone_name, handle in handles:
        if zone_name and zone_name != DEFAULT_ZONE:  # new objects start in the default zone
            zones[zone_name].add_item(handle)


def _project_settings(project, pc):
    metadata = project.get_metadata()
    metadata["tags"] = sorted(pc.tags or [])
    metadata["shortDesc"] = pc.short_desc or ""
    metadata["description"] = pc.description or ""
    project.set_metadata(metadata)
    if pc.variables:
        project.set_variables({"standard": dict(pc.variables.get("standard") or {}),
                               "local": dict(pc.variables.get("local") or {})})
    if pc.permissions:
        perms = project.get_permissions()
        perms["permissions"] = [translate.permission_entry(p) for p in pc.permissions]
        project.set_permissions(perms)
    settings = project.get_settings()
    settings.settings.setdefault("settings", {}).update(translate.project_settings(pc))
    settings.save()


def _folder(project, mf):
    params = translate.folder_params(mf)
    folder = project.create_managed_folder(mf.name, folder_type=mf.type, connection_name=params["connection"])
    settings = folder.get_settings()
    raw = settings.get_raw()
    raw["params"].update(params)
    raw["tags"] = sorted(mf.tags or [])
    raw["description"] = mf.description or ""
    settings.save()
    return folder.id


def new_dataset(project: Any, ds: Any, wanted: Dict[str, Any]) -> None:
    """The creation request of a dataset (managed: DSS's managed-dataset builder; else ``create_dataset``)."""
    if ds.managed:
        builder = project.new_managed_dataset(ds.name)
        fmt = translate.FORMAT_OPTIONS.get(ds.format_type or "csv") if ds.type in translate.FS_TYPES else None
        builder.with_store_into(ds.connection or "filesystem_managed", format_option_id=fmt)
        builder.create()
    else:
        project.create_dataset(ds.name, ds.type, params=wanted["params"], formatType=wanted.get("formatType"),
                               formatParams=wanted.get("formatParams") or {})


def _dataset(project, ds, project_key):
    wanted = translate.dataset_definition(ds, project_key)
    new_dataset(project, ds, wanted)
    settings = project.get_dataset(ds.name).get_settings()
    raw = settings.get_raw()
    raw["params"].update(wanted["params"])
    raw.update({key: wanted[key] for key in ("tags", "description", "shortDesc", "partitioning", "schema")
                if key in wanted})
    if "formatType" in wanted:
        raw["formatType"] = wanted["formatType"]
        raw.setdefault("formatParams", {}).update(wanted["formatParams"])
    settings.save()


VIRTUAL_INPUT_TYPES = frozenset(["join", "fuzzyjoin", "geojoin", "vstack", "generate_features"])


def role_blocks(io: Dict[str, Any], direction: str) -> Dict[str, Any]:
    """Recipe inputs or outputs as DSS holds them: ``{role: {items: [...]}}`` (outputs not appending
    unless the config says so)."""
    if direction == "outputs":
        return {role: {"items": [dict({"appendMode": False}, **item) for item in items]}
                for role, items in io["outputs"].items()}
    return {role: {"items": items} for role, items in io["inputs"].items()}


def new_recipe(project: Any, rc: Any, folder_ids: Dict[str, str]) -> Any:
    """Create through ``project.create_recipe`` with the body DSS's own creators send.

    One generic path instead of the client's per-type creator classes: their signatures differ
    (roles, scripts) and some types have none, while the request body shape is uniform."""
    rtype = translate.recipe_type(rc)
    io = translate.recipe_io(rc, folder_ids)
    proto = {"type": rtype, "name": rc.name, "inputs": role_blocks(io, "inputs"),
             "outputs": role_blocks(io, "outputs")}
    creation = {}  # type: dict
    if rc.type in translate.CODE_TYPES:
        creation["script"] = translate.recipe_payload(rc)
    if rtype in VIRTUAL_INPUT_TYPES:
        creation["virtualInputs"] = [item["ref"] for items in io["inputs"].values() for item in items]
        proto["inputs"] = {}
    return project.create_recipe(proto, creation)


def _recipe(project, rc, folder_ids):
    recipe = new_recipe(project, rc, folder_ids)
    settings = recipe.get_settings()
    raw = settings.get_recipe_raw_definition()
    raw["tags"] = sorted(rc.tags or [])
    raw["description"] = rc.description or ""
    raw["shortDesc"] = rc.short_desc or ""
    raw["params"] = visual.merged(raw.get("params") or {}, translate.recipe_params(rc))
    if rc.type not in translate.CODE_TYPES:
        _apply_payload(settings, rc)
    settings.save()


def _apply_payload(settings: Any, rc: Any) -> None:
    payload = translate.recipe_payload(rc)
    if payload is not None:
        write_payload(settings, rc, payload)


def write_payload(settings: Any, rc: Any, payload: Any) -> None:
    """Code replaces the script; a raw ``payload`` replaces what DSS holds (readable keys on top of
    it); readable keys alone are merged over the payload DSS holds, so its structural defaults stay."""
    if isinstance(payload, str):
        settings.set_payload(payload)
    elif rc.payload is not None:
        settings.set_json_payload(payload)
    else:
        settings.set_json_payload(visual.merged(_held_payload(settings), payload))


def _held_payload(settings: Any) -> Dict[str, Any]:
    """The payload DSS holds, as a mapping ({} if it is empty or not JSON)."""
    try:
        held = settings.get_json_payload()
    except ValueError:
        return {}
    return held if isinstance(held, dict) else {}


def _scenario(scenario, sc, project_key, folder_ids, scenario_ids):
    settings = scenario.get_settings()
    wanted = translate.scenario_definition(sc, project_key, folder_ids, scenario_ids)
    wanted.pop("type")
    script, params = wanted.pop("script", None), wanted.pop("params")
    data = settings.data
    data.update({"active": True, "tags": [], "description": ""})  # what an unset key means on creation
    data.update(wanted)
    data.setdefault("params", {}).update(params)
    if script is not None:
        settings.code = script
    settings.save()
