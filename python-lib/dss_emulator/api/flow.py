"""The flow graph and flow zones.

The graph is derived from datasets, folders and recipes (see :mod:`..shapes_flow`). Zones hold
``items`` (objects that live in the zone) and ``shared`` (objects shown in it from elsewhere).
An object lives in one zone only: adding it to a zone removes it from the others. The default
zone (id ``default``) is implicit: it holds every object no other zone holds, so its ``items``
are computed when served (the stored ``zones/default.json`` of a DSS export lists none).
Zone items of deleted objects are not served.
"""
import copy

from .. import errors
from ..checks import normalise_tags
from ..ids import random_id
from ..routing import route
from ..shapes_flow import (DEFAULT_ZONE, OBJECT_TYPES, ZONE_ID_LENGTH, default_zone, flow_objects, graph, new_zone,
                           node_key, object_exists, smart_ref, subgraph)
from .projects import project_of

ZONES = "/projects/{projectKey}/flow/zones"
ZONE = ZONES + "/{zoneId}"


@route("GET", "/projects/{projectKey}/flow/graph", perm="read")
def get_graph(ctx, projectKey):
    return graph(project_of(ctx, projectKey))


# -- zones ----------------------------------------------------------------------------------------
def _stored(project, zid):
    """The stored zone (the default zone is created on first need)."""
    if zid == DEFAULT_ZONE and DEFAULT_ZONE not in project.zones:
        return default_zone()
    zone = project.zones.get(zid)
    if zone is None:
        raise errors.not_found("Flow zone %s does not exist in project %s" % (zid, project.key))
    return zone


def _served(project, zid):
    """A zone as served: items of deleted objects dropped, the default zone's items computed."""
    zone = copy.deepcopy(_stored(project, zid))
    zone["id"] = zid
    zone["items"] = [_ref(i) for i in zone.get("items", []) if _valid_item(project, i)]
    zone["shared"] = [_ref(i) for i in zone.get("shared", []) if isinstance(i, dict)]
    if zid == DEFAULT_ZONE:
        elsewhere = {_key(i) for z, other in project.zones.items() if z != DEFAULT_ZONE
                     for i in other.get("items", []) if isinstance(i, dict)}
        mine = {_key(i) for i in zone["items"]}
        zone["items"] += [r for r in flow_objects(project) if _key(r) not in elsewhere and _key(r) not in mine]
    return zone


def _valid_item(project, item):
    return isinstance(item, dict) and (item.get("objectType") not in ("DATASET", "MANAGED_FOLDER", "RECIPE")
                                       or object_exists(project, item))


def _ref(item):
    """Re-serialise a smart ref in the exact key order the client compares with ``json.dumps``."""
    return smart_ref(item.get("objectId"), item.get("objectType"), item.get("projectKey"))


def _key(item):
    return item.get("projectKey"), item.get("objectType"), item.get("objectId")


def _zone_ids(project):
    return [DEFAULT_ZONE] + sorted(z for z in project.zones if z != DEFAULT_ZONE)


@route("GET", ZONES, perm="read")
def list_zones(ctx, projectKey):
    p = project_of(ctx, projectKey)
    return [_served(p, zid) for zid in _zone_ids(p)]


@route("POST", ZONES, perm="write", git="Created flow zone")
def create_zone(ctx, projectKey):
    p = project_of(ctx, projectKey)
    body = ctx.json_object()
    name = body.get("name")
    if not isinstance(name, str) or not name.strip():
        raise errors.bad_request("A flow zone name is required")
    if body.get("color") is not None and not isinstance(body["color"], str):
        raise errors.bad_request("'color' must be a string like #2ab1ac")
    zid = random_id(ZONE_ID_LENGTH, set(p.zones) | {DEFAULT_ZONE})
    p.zones[zid] = new_zone(zid, name, body.get("color"))
    ctx.touch("zone", zid)
    ctx.git_message = "Created flow zone %s" % name
    return _served(p, zid)


@route("GET", ZONE, perm="read")
def get_zone(ctx, projectKey, zoneId):
    return _served(project_of(ctx, projectKey), zoneId)


@route("PUT", ZONE, perm="write", git="Saved flow zone {zoneId}")
def save_zone(ctx, projectKey, zoneId):
    """The body replaces the zone (keys left out are gone, unknown keys kept), except ``items`` and
    ``shared``: they change only through their own endpoints (and the default zone's are computed)."""
    p = project_of(ctx, projectKey)
    stored = _stored(p, zoneId)
    body = ctx.json_object()
    if not isinstance(body.get("name"), str) or not body["name"].strip():
        raise errors.bad_request("A flow zone name cannot be empty")
    zone = {k: copy.deepcopy(v) for k, v in body.items() if k not in ("items", "shared")}
    zone["items"] = copy.deepcopy(stored.get("items", []))
    zone["shared"] = copy.deepcopy(stored.get("shared", []))
    if "tags" in zone:
        zone["tags"] = normalise_tags(zone.get("tags"))
    zone["id"] = zoneId
    p.zones[zoneId] = zone
    ctx.touch("zone", zoneId)
    return {"msg": "Saved"}


@route("DELETE", ZONE, perm="write", git="Deleted flow zone {zoneId}")
def delete_zone(ctx, projectKey, zoneId):
    """Its items go back to the default zone, which cannot be deleted."""
    p = project_of(ctx, projectKey)
    if zoneId == DEFAULT_ZONE:
        raise errors.bad_request("The default flow zone cannot be deleted")
    _stored(p, zoneId)
    del p.zones[zoneId]
    ctx.touch("zone", zoneId)
    return {"msg": "Deleted"}


def _check_ref(project, item, foreign_ok):
    if not isinstance(item, dict) or not isinstance(item.get("objectId"), str) \
            or item.get("objectType") not in OBJECT_TYPES:
        raise errors.bad_request("A zone item must be {\"objectId\": ..., \"objectType\": one of %s}"
                                 % ", ".join(OBJECT_TYPES))
    foreign = item.get("projectKey") not in (None, project.key)
    if foreign and not foreign_ok:
        raise errors.bad_request("Objects of project %s cannot be moved into a zone of project %s; share them"
                                 % (item["projectKey"], project.key))
    ref = smart_ref(item["objectId"], item["objectType"], item["projectKey"] if foreign else None)
    if not foreign and not object_exists(project, ref):
        raise errors.not_found("%s %s does not exist in project %s"
                               % (item["objectType"], item["objectId"], project.key))
    return ref


def _move_into(ctx, project, zone_id, refs):
    """Add local objects to a zone, removing them from every other zone."""
    _stored(project, zone_id)
    keys = {_key(r) for r in refs}
    for zid, zone in project.zones.items():
        kept = [i for i in zone.get("items", []) if not (isinstance(i, dict) and _key(_ref(i)) in keys)]
        if len(kept) != len(zone.get("items", [])):
            zone["items"] = kept
            ctx.touch("zone", zid)
    if zone_id == DEFAULT_ZONE and DEFAULT_ZONE not in project.zones:
        return       # the implicit default zone holds whatever no other zone holds
    zone = project.zones[zone_id]
    zone.setdefault("items", []).extend(refs)
    ctx.touch("zone", zone_id)


@route("POST", ZONE + "/items", perm="write", git="Moved an object to flow zone {zoneId}")
def add_item(ctx, projectKey, zoneId):
    p = project_of(ctx, projectKey)
    _move_into(ctx, p, zoneId, [_check_ref(p, ctx.json_object(), False)])
    return _served(p, zoneId)


@route("POST", ZONE + "/add-items", perm="write", git="Moved objects to flow zone {zoneId}")
def add_items(ctx, projectKey, zoneId):
    p = project_of(ctx, projectKey)
    body = ctx.json(default=[])
    if not isinstance(body, list):
        raise errors.bad_request("The body must be a list of smart refs")
    refs = [_check_ref(p, item, False) for item in body]
    _move_into(ctx, p, zoneId, refs)
    return _served(p, zoneId)


@route("POST", ZONE + "/shared", perm="write", git="Shared an object to flow zone {zoneId}")
def add_shared(ctx, projectKey, zoneId):
    p = project_of(ctx, projectKey)
    ref = _check_ref(p, ctx.json_object(), True)
    zone = _stored(p, zoneId)
    if all(_key(_ref(i)) != _key(ref) for i in zone.get("shared", [])):
        zone.setdefault("shared", []).append(ref)
        _store_changed(ctx, p, zoneId, zone)
    return _served(p, zoneId)


@route("DELETE", ZONE + "/shared/{objectType}/{objectId}", perm="write", git="Unshared an object from zone {zoneId}")
def remove_shared(ctx, projectKey, zoneId, objectType, objectId):
    p = project_of(ctx, projectKey)
    zone = _stored(p, zoneId)
    kept = [i for i in zone.get("shared", []) if not (isinstance(i, dict) and i.get("objectType") == objectType
                                                       and i.get("objectId") == objectId)]
    if len(kept) != len(zone.get("shared", [])):
        zone["shared"] = kept
        _store_changed(ctx, p, zoneId, zone)
    return _served(p, zoneId)


def _store_changed(ctx, project, zid, zone):
    """Keep a changed zone: the implicit default zone is stored the first time it really changes
    (never by a request that changes nothing, which would dirty the project's git)."""
    project.zones.setdefault(zid, zone)
    ctx.touch("zone", zid)


# -- zone entries of deleted / renamed objects (shared by datasets, recipes and folders) ---------
def _is_local_ref(project, item, object_type, oid):
    return (isinstance(item, dict) and item.get("objectType") == object_type and item.get("objectId") == oid
            and item.get("projectKey") in (None, "", project.key))


def drop_from_zones(ctx, project, object_type, oid):
    """A deleted object leaves every zone, both where it lives (``items``) and where it is shown
    (``shared``); only the zones that change are touched."""
    for zid, zone in project.zones.items():
        changed = False
        for key in ("items", "shared"):
            entries = zone.get(key) or []
            kept = [i for i in entries if not _is_local_ref(project, i, object_type, oid)]
            if len(kept) != len(entries):
                zone[key], changed = kept, True
        if changed:
            ctx.touch("zone", zid)


def rename_in_zones(ctx, project, object_type, old, new):
    """Flow-zone items are smart refs: a rename rewrites them."""
    for zid, zone in project.zones.items():
        for key in ("items", "shared"):
            for item in zone.get(key) or []:
                if _is_local_ref(project, item, object_type, old):
                    item["objectId"] = new
                    ctx.touch("zone", zid)


@route("GET", ZONE + "/graph", perm="read")
def get_zone_graph(ctx, projectKey, zoneId):
    p = project_of(ctx, projectKey)
    zone = _served(p, zoneId)
    keep = {node_key(i) for i in zone["items"] + zone["shared"]}
    return subgraph(graph(p), keep)
