"""Editing one field of a configured object directly in DSS, through the client (as a UI user would).

``leaf_paths`` lists the scalar leaves of a desired form the tests may edit; ``edit`` writes one of
them in DSS with the client's own settings objects (never through our code)."""
from dataiku_framework.resources import Context, handler

SKIP_TOP = {"type", "zone", "owner", "permissions", "inputs", "outputs"}
SKIP_LEAF = {"connection", "type", "envMode", "projectKey", "itemId", "scenarioId", "monthlyRunOn", "frequency",
             "timezone", "jobType", "runConditionType"}


def leaf_paths(value, path=()):
    """Scalar leaves of a desired form, in its key order (the ones an edit may target)."""
    if isinstance(value, dict):
        for key, sub in value.items():
            if (not path and key in SKIP_TOP) or key.startswith("$"):
                continue
            for found in leaf_paths(sub, path + (key,)):
                yield found
    elif isinstance(value, list):
        for i, sub in enumerate(value):
            if isinstance(sub, (dict, list)):
                for found in leaf_paths(sub, path + (i,)):
                    yield found
    elif isinstance(value, (str, int, bool)) and path and path[-1] not in SKIP_LEAF:
        yield path


def edited(value):
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1
    return value + "_edited"


def get_in(doc, path):
    for key in path:
        doc = doc[key]
    return doc


def set_in(doc, path, value):
    for key in path[:-1]:
        doc = doc[key]
    doc[path[-1]] = value


def desired_of(config, client, kind, name):
    from dataiku_framework.config.online import connection_types
    resolved = config.resolved(connection_types=connection_types(client))
    h = handler(kind)
    obj = dict(h.configured(resolved))[name]
    return h.desired(obj, Context(resolved.project.key, None, None, resolved)), obj


def edit(client, project_key, kind, name, path, value):
    """Write ``value`` at DSS path ``path`` of the object in DSS."""
    project = client.get_project(project_key)
    if kind == "dataset":
        settings = project.get_dataset(name).get_settings()
        set_in(settings.get_raw(), path, value)
        settings.save()
    elif kind == "managed_folder":
        [fid] = [f["id"] for f in project.list_managed_folders() if f["name"] == name]
        settings = project.get_managed_folder(fid).get_settings()
        set_in(settings.get_raw(), path, value)
        settings.save()
    elif kind == "recipe":
        settings = project.get_recipe(name).get_settings()
        if path[0] == "payload":
            if len(path) == 1:
                settings.set_payload(value)
            else:
                payload = settings.get_json_payload()
                set_in(payload, path[1:], value)
                settings.set_json_payload(payload)
        else:
            set_in(settings.get_recipe_raw_definition(), path, value)
        settings.save()
    elif kind == "scenario":
        [sid] = [s.id for s in project.list_scenarios(as_type="objects") if s.get_settings().data["name"] == name]
        settings = project.get_scenario(sid).get_settings()
        if path == ("script",):
            settings.code = value
        else:
            set_in(settings.data, path, value)
        settings.save()
    elif kind == "project":
        if path[0] == "settings":
            settings = project.get_settings()
            set_in(settings.settings, path, value)
            settings.save()
        else:
            metadata = project.get_metadata()
            set_in(metadata, ("label",) + path[1:] if path[0] == "name" else path, value)
            project.set_metadata(metadata)
    elif kind == "zone":
        [zone] = [z for z in project.get_flow().list_zones() if z.name == name]
        settings = zone.get_settings()
        set_in(settings.get_raw(), path, value)
        settings.save()
    elif kind == "variables":
        variables = project.get_variables()
        set_in(variables, path, value)
        project.set_variables(variables)
    else:
        raise ValueError("no DSS edit for kind %s" % kind)
