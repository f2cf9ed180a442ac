"""Reading what an import converts: a live project (through ``dataikuapi``) or a DSS export.

Both give a ``plan.refresh.Snapshot``, the structure the plan compares against, so that the
conversion is written once and the import is checked by the plan's own comparison.

Live: the plan's reads and request budget (``plan.refresh``'s ``Reader``, one pool, retries): the
list calls (metadata, settings, variables, datasets, folders, zones, recipes, scenarios), one read
per recipe and per scenario started as soon as their list arrives, plus the saved-model and
evaluation-store lists (recipes refer to them) and one list per kind the language cannot express
(dashboards, notebooks...), so that those are named in the output. Nothing else.
Saved models and evaluation stores are listed only when a recipe of the project can use them.

Export: a folder holding ``project_config/`` (or that folder itself), or an export zip (with it at
the root or under one top folder), shaped as DSS serves the same objects (the fields DSS adds on
read, the default zone, the project's label).
"""
import json
import os
import zipfile
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Dict, Iterable, List, Optional, Tuple

from ..plan.refresh import DEFAULT_PARALLELISM, READ_BY_REFRESH, Reader, Snapshot, detail_reads, details_of, exists, \
    list_calls, store_lists
from ..resources import registry

CONFIG_DIR = "project_config"
#: kinds the language cannot express, listed so that the output names them: (label, project method).
#: Four lists keep a live import within a plan's request budget; the kinds below them are not listed
#: live (an export lists every kind it holds), and the summary says so.
INVENTORY = (("dashboard", "list_dashboards"), ("jupyter notebook", "list_jupyter_notebooks"),
             ("analysis", "list_analyses"), ("webapp", "list_webapps"))
NOT_LISTED_LIVE = ("insights", "SQL notebooks", "wiki articles", "statistics worksheets", "knowledge banks",
                   "agents", "code studios", "project libraries")
#: recipe types whose inputs or outputs are saved models or evaluation stores (their lists are read
#: only when the project has such a recipe)
ML_RECIPE_TYPES = frozenset(["prediction_training", "clustering_training", "prediction_scoring",
                             "clustering_scoring", "evaluation", "standalone_evaluation"])
# export folders -> the inventory label of their objects (the rest are named by folder)
EXPORT_INVENTORY = {"dashboards": "dashboard", "insights": "insight", "ipython_notebooks": "jupyter notebook",
                    "sql_notebooks": "sql notebook", "analysis": "analysis", "web_apps": "webapp",
                    "wiki": "wiki article", "statistics": "statistics worksheet", "lib": "library file"}
# export entries the import reads (everything else is inventoried)
EXPORT_READ = frozenset(["params.json", "tags.json", "variables.json", "datasets", "recipes", "scenarios",
                         "managed_folders", "zones", "saved_models", "model_evaluation_stores",
                         "export-manifest.json"])
from ..resources.zone import EXPORT_DEFAULT_ZONE as DEFAULT_ZONE  # noqa: E402 (moved to the zone kind, issue 17)


def importable() -> Tuple[str, ...]:
    """Every kind an import can convert, by its canonical ``--include`` spelling (``Kind.include_names``),
    in plan order; ``--include`` picks among them."""
    return tuple(k.include_names[0] for k in registry.kinds() if k.include_names)


#: (kept for callers that import the name) every kind an import can convert
KINDS = importable()


def wanted(include: Optional[Iterable[str]]) -> Tuple[str, ...]:
    """The kinds to import (canonical spellings): all, or those ``--include`` names (any spelling a
    kind accepts: ``registry.by_include``; ValueError naming the known ones)."""
    every = importable()  # asked each time: a kind added to the registry is importable at once
    if not include:
        return every
    asked = {registry.by_include(name).include_names[0] for name in include}
    return tuple(k for k in every if k in asked)


def selected(kinds: Tuple[str, ...]) -> List[Any]:
    """The ``Kind`` objects of the canonical spellings ``kinds``."""
    return [registry.by_include(name) for name in kinds]


# -- live ---------------------------------------------------------------------------------------------------------

#: what the project's own reads give (it exists, its key, label and settings): always read
PROJECT_SLOTS = ("metadata", "settings", "variables")
#: the flow's sections, converted together (``assemble``: zones first, recipes' externals after)
FLOW_SECTIONS = ("zones", "managed_folders", "datasets", "recipes", "scenarios")
#: the lists converting any flow object needs (recipes name datasets and folders, objects their zone)
FLOW_SLOTS = ("datasets", "folders", "zones")


def flow_asked(kinds: Tuple[str, ...]) -> bool:
    """Whether a kind of the flow's sections is among ``kinds`` (then the flow's lists are read)."""
    return any(k.section[0] in FLOW_SECTIONS for k in selected(kinds))


def _list_calls(client: Any, project: Any, kinds: Tuple[str, ...]) -> Dict[str, Callable[[], Any]]:
    """The list calls of a plan's refresh (``refresh.list_calls``) that the kinds asked declare
    (``Kind.list_calls``), the project's own, and the flow's lists when a flow section is asked; no
    auth: an import needs no login."""
    asked = selected(kinds)
    slots = set(PROJECT_SLOTS) | {slot for k in asked for slot in k.list_calls}
    if flow_asked(kinds):
        slots.update(FLOW_SLOTS)
    return {name: call for name, call in list_calls(client, project).items() if name in slots}


def read_live(client: Any, project_key: str, include: Optional[Iterable[str]] = None,
              parallelism: int = DEFAULT_PARALLELISM) -> Snapshot:
    """Read ``project_key`` for an import (see the module docstring for the requests made).

    Raises ``LookupError`` when the project does not exist (or this key may not see it)."""
    kinds = wanted(include)
    read_recipe, read_scenario = detail_reads()
    reader = Reader(client, parallelism)
    snap = Snapshot(project_key)
    project = client.get_project(project_key)
    calls = _list_calls(client, project, kinds)
    with ThreadPoolExecutor(max_workers=reader.parallelism) as pool:
        lists = {name: pool.submit(reader.call, call) for name, call in calls.items()}
        inventory = {label: pool.submit(_listed_or_error, reader, getattr(project, method))
                     for label, method in INVENTORY}
        details = {k.kind: pool.submit(reader.call, details_of, k, project, [k.kind], snap) for k in _detailed(kinds)}
        if not exists(reader, lists["metadata"], project_key):
            raise LookupError("project %s does not exist on DSS" % project_key)
        snap.exists = True
        reads = {k.kind: _read_each(pool, reader, k, project, snap, lists) for k in _per_object(kinds)
                 if _slot(k) in calls}
        recipe_reads, models = {}, {}
        if "recipes" in calls:
            listed_recipes = lists["recipes"].result() or []
            names = sorted(r["name"] for r in listed_recipes)
            recipe_reads = {n: pool.submit(reader.call, read_recipe, project, n) for n in names}
            if any(r.get("type") in ML_RECIPE_TYPES for r in listed_recipes):
                models = {"saved_models": pool.submit(reader.call, lambda: list(project.list_saved_models())),
                          "evaluation_stores": pool.submit(reader.call, lambda: [
                              {"id": _store_id(s)} for s in project.list_model_evaluation_stores()])}
        listed = {}  # type: Dict[str, Dict[str, Any]]
        scenario_reads = {}
        if "scenarios" in calls:
            listed = {s.get("name") or s["id"]: s for s in lists["scenarios"].result() or []}
            scenario_reads = {n: pool.submit(reader.call, read_scenario, project, listed[n]["id"])
                              for n in sorted(listed)}
        first = {name: (lists[name].result() if name in lists else None) for name in calls}
        first.update({name: None for name in ("datasets", "folders", "zones", "recipes", "auth") if name not in calls})
        store_lists(snap, first, listed)
        unread = {}  # type: Dict[Tuple[str, str], str]
        snap.recipes = _results(recipe_reads, "recipe", unread)
        snap.scenarios = _results(scenario_reads, "scenario", unread)
        listed_inventory = {label: f.result() for label, f in inventory.items()}
        snap.extra = {"inventory": listed_inventory, "live": True, "unread": unread}
        snap.extra.update({kind: future.result() for kind, future in details.items()})
        snap.extra.update({kind: _results(futures, kind, unread) for kind, futures in reads.items()})
        for attr, label in (("saved_models", "saved model"), ("evaluation_stores", "model evaluation store")):
            try:
                snap.extra[attr] = _ids(models[attr].result() if models else [])
            except Exception as error:  # named in the summary; recipes' roles still tell the kind
                snap.extra[attr] = {}
                listed_inventory[label] = _why(error)
    snap.requests = reader.count
    return snap


def _detailed(kinds: Tuple[str, ...]) -> List[Any]:
    """The kinds asked that are read per object, other than recipes and scenarios (read above, by
    the names their lists give): singletons such as ``project.folder``, read once, landing in
    ``snapshot.extra[kind]`` as a plan's refresh puts them (``plan.refresh.kind_details``)."""
    return [k for k in selected(kinds) if k.detailed and k.singleton and k.kind not in READ_BY_REFRESH]


def _per_object(kinds: Tuple[str, ...]) -> List[Any]:
    """The kinds asked that are read once per object their list gives (``Kind.detailed``, not a
    singleton), other than recipes and scenarios (read above, as a plan's refresh reads them)."""
    return [k for k in selected(kinds) if k.detailed and not k.singleton and k.kind not in READ_BY_REFRESH]


def _slot(kind: Any) -> str:
    """The list slot that names a per-object kind's objects (its one ``list_calls`` slot)."""
    return next(iter(kind.list_calls), "")


def _read_each(pool: Any, reader: Reader, kind: Any, project: Any, snap: Snapshot,
               lists: Dict[str, Any]) -> Dict[str, Any]:
    """{name: future of ``kind.detail``}, one read per object the kind's list gives, started as soon
    as that list arrives (the list stored first, ``Kind.store``, where the kind finds it); the
    results land in ``snapshot.extra[kind]``, as a plan's refresh puts a detailed kind's."""
    listing = lists[_slot(kind)].result() or []
    kind.store(snap, {_slot(kind): listing})
    names = sorted({o.get("name") or o.get("id") for o in listing if isinstance(o, dict)})
    return {name: pool.submit(reader.call, kind.detail, project, name, snap) for name in names}


def _results(reads: Dict[str, Any], kind: str, unread: Dict[Tuple[str, str], str]) -> Dict[str, Any]:
    """The per-object reads that answered; a failed one (after retries) is noted in ``unread``, not
    raised: one object DSS cannot serve does not stop the import (it is listed as left out)."""
    out = {}
    for name, future in reads.items():
        try:
            found = future.result()
        except Exception as error:  # DataikuException and friends
            unread[(kind, name)] = _why(error)
            continue
        if found is not None:
            out[name] = found
        else:
            unread[(kind, name)] = "it disappeared while the project was read"
    return out


#: The longest reason a summary line gives (DSS's messages can run to pages).
REASON_CHARS = 200


def _why(error: BaseException) -> str:
    """The first line of an error, for a left-out reason or the summary, shortened at a word; without
    DSS's Java class name (``errors.in_user_terms``): the reader wants DSS's words."""
    from ..errors import in_user_terms
    text = in_user_terms(str(error))
    return shorten(text.splitlines()[0], REASON_CHARS) if text.strip() else type(error).__name__


def shorten(text: str, limit: int) -> str:
    """``text``, or its words that fit in ``limit`` characters followed by ``...``: never a cut word."""
    if len(text) <= limit:
        return text
    cut = text[:limit - 3]
    space = cut.rfind(" ")
    return (cut[:space] if space > 0 else cut).rstrip(" ,;:") + "..."


#: Labels whose plural is not the label plus "s" (the rest: ``dataset`` -> ``datasets``).
_PLURALS = {"analysis": "analyses", "project variables": "project variables",
            "project permissions": "project permissions"}
_VOWELS = frozenset("aeiou")


def plural(label: str, count: int = 2) -> str:
    """``label`` as a count of ``count`` reads it: ``1 recipe``, ``2 recipes``, ``analyses``."""
    if count == 1:
        return label
    if label in _PLURALS:
        return _PLURALS[label]
    if label.endswith("y") and label[-2:-1] not in _VOWELS:
        return label[:-1] + "ies"  # library -> libraries
    return label if label.endswith("s") else label + "s"


def _store_id(store: Any) -> str:
    """An evaluation store handle's id (the attribute's name differs between its two classes)."""
    for attr in ("mes_id", "evaluation_store_id", "id"):
        if isinstance(getattr(store, attr, None), str):
            return getattr(store, attr)
    return str(store)


def _listed_or_error(reader: Reader, call: Callable[[], Any]) -> Any:
    """Names of the objects a list call returns, or the error text when DSS would not list them
    (an older DSS, a missing right, the emulator): the import goes on and says so."""
    try:
        items = reader.call(call) or []
    except Exception as error:  # DataikuException and friends: reported, never fatal
        return _why(error)
    return sorted(_label(item) for item in items)


def _label(item: Any) -> str:
    if isinstance(item, dict):
        raw = item
    else:
        raw = getattr(item, "_data", None) or getattr(item, "data", None) or {}
        if not isinstance(raw, dict):
            raw = {}
    for key in ("name", "label", "id", "notebook", "analysisId"):
        if isinstance(raw.get(key), str):
            return raw[key]
    return str(getattr(item, "id", None) or getattr(item, "name", None) or item)


def _ids(items: Any) -> Dict[str, str]:
    """id -> name of saved models / evaluation stores."""
    out = {}
    for item in items or []:
        raw = item if isinstance(item, dict) else {}
        if raw.get("id"):
            out[raw["id"]] = raw.get("name") or raw["id"]
    return out


# -- export -------------------------------------------------------------------------------------------------------

def export_files(path: str) -> Dict[str, bytes]:
    """The files of an export as ``{path relative to project_config: bytes}`` (folder or zip)."""
    if os.path.isdir(path):
        root = path if os.path.basename(os.path.normpath(path)) == CONFIG_DIR else os.path.join(path, CONFIG_DIR)
        if not os.path.isfile(os.path.join(root, "params.json")):
            raise ValueError("%s holds no %s/params.json (expected a DSS project export)" % (path, CONFIG_DIR))
        files = {}
        for folder, _, names in os.walk(root):
            for name in names:
                full = os.path.join(folder, name)
                with open(full, "rb") as handle:
                    files[os.path.relpath(full, root).replace(os.sep, "/")] = handle.read()
        manifest = os.path.join(os.path.dirname(os.path.normpath(root)), "export-manifest.json")
        if os.path.isfile(manifest):
            with open(manifest, "rb") as handle:
                files["export-manifest.json"] = handle.read()
        return files
    if not os.path.isfile(path) or not zipfile.is_zipfile(path):
        raise ValueError("%s is neither a DSS export folder nor a zip file" % path)
    with zipfile.ZipFile(path) as archive:
        names = [n for n in archive.namelist() if not n.endswith("/")]
        prefix = _config_prefix(names)
        if prefix is None:
            raise ValueError("%s: no %s/params.json at the root or under one top folder" % (path, CONFIG_DIR))
        files = {n[len(prefix):]: archive.read(n) for n in names if n.startswith(prefix) and len(n) > len(prefix)}
        top = prefix[:-len(CONFIG_DIR) - 1] if prefix.endswith(CONFIG_DIR + "/") else None
        if top is not None and top + "export-manifest.json" in names:
            files["export-manifest.json"] = archive.read(top + "export-manifest.json")
        return files


def _config_prefix(names: List[str]) -> Optional[str]:
    for name in names:
        parts = name.split("/")
        if parts[-1] == "params.json" and parts[-2:-1] == [CONFIG_DIR] and len(parts) <= 3:
            return "/".join(parts[:-1]) + "/"
    return "" if "params.json" in names else None


def _json(files: Dict[str, bytes], rel: str) -> Any:
    try:
        return json.loads(files[rel].decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as error:
        raise ValueError("%s/%s: invalid JSON (%s)" % (CONFIG_DIR, rel, error))


def _objects(files: Dict[str, bytes], folder: str) -> Dict[str, Dict[str, Any]]:
    """``{file stem: object}`` of ``folder/*.json``."""
    out = {}
    for rel in sorted(files):
        top, _, name = rel.partition("/")
        if top == folder and "/" not in name and name.endswith(".json"):
            value = _json(files, rel)
            if isinstance(value, dict):
                out[name[:-5]] = value
    return out


def export_key(files: Dict[str, bytes]) -> Optional[str]:
    """The project key an export names (its manifest), if any."""
    if "export-manifest.json" in files:
        manifest = _json(files, "export-manifest.json")
        if isinstance(manifest, dict) and isinstance(manifest.get("projectKey"), str):
            return manifest["projectKey"]
    return None


def read_export(path: str, project_key: Optional[str] = None, include: Optional[Iterable[str]] = None) -> Snapshot:
    """A snapshot of the export at ``path``, shaped as DSS serves the same project once imported
    as ``project_key`` (default: the key the export's manifest names, else its folder's name)."""
    kinds = wanted(include)
    files = export_files(path)
    key = project_key or export_key(files) or _key_of_path(path)
    params = _json(files, "params.json")
    params = params if isinstance(params, dict) else {}
    snap = Snapshot(key)
    snap.exists = True
    snap.metadata = {"label": params.get("name") or key, "description": params.get("description", ""),
                     "shortDesc": params.get("shortDesc", ""), "tags": list(params.get("tags") or [])}
    snap.settings = dict(params, owner=params.get("owner") or "admin")
    standard = _json(files, "variables.json") if "variables.json" in files else {}
    snap.variables = {"standard": standard if isinstance(standard, dict) else {}, "local": {}}
    snap.datasets = {n: dict(d, name=n, projectKey=key) for n, d in _objects(files, "datasets").items()}
    folders = {fid: dict(f, id=fid, projectKey=key) for fid, f in _objects(files, "managed_folders").items()}
    snap.folders = {f.get("name") or fid: f for fid, f in folders.items()}
    zones = {zid: dict(z, id=zid) for zid, z in _objects(files, "zones").items()}
    zones.setdefault("default", dict(DEFAULT_ZONE))
    held = {(i.get("objectType"), i.get("objectId")) for zid, z in zones.items() if zid != "default"
            for i in z.get("items") or []}
    zones["default"] = dict(zones["default"], items=_default_items(snap, held))
    snap.zones = [zones[z] for z in sorted(zones)] if flow_asked(kinds) else []
    recipes = _objects(files, "recipes") if "recipes" in kinds else {}
    snap.recipe_names = sorted(recipes)
    snap.recipes = {n: {"recipe": dict(r, name=n, projectKey=key), "payload": _payload(files, n, r)}
                    for n, r in recipes.items()}
    scenarios = _objects(files, "scenarios") if "scenarios" in kinds else {}
    for sid, sc in scenarios.items():
        data = dict(sc, id=sid, projectKey=key)
        if data.get("type") == "custom_python":
            data["script"] = files.get("scenarios/%s.py" % sid, b"").decode("utf-8", errors="replace")
        name = data.get("name") or sid
        snap.scenario_ids[name] = sid
        snap.scenarios[name] = data
    snap.extra = {"saved_models": {i: m.get("name") or i for i, m in _objects(files, "saved_models").items()},
                  "evaluation_stores": {i: m.get("name") or i
                                        for i, m in _objects(files, "model_evaluation_stores").items()},
                  "inventory": _export_inventory(files)}
    return snap


def _key_of_path(path: str) -> str:
    base = os.path.basename(os.path.normpath(path))
    if base == CONFIG_DIR:
        base = os.path.basename(os.path.dirname(os.path.normpath(path)))
    base = os.path.splitext(base)[0]
    key = "".join(c if c.isalnum() else "_" for c in base).upper().strip("_") or "IMPORTED"
    return key if key[0].isalpha() else "P_" + key


def _default_items(snap: Snapshot, held: set) -> List[Dict[str, str]]:
    """What the implicit default zone holds: every flow object no other zone holds."""
    objects = [("DATASET", n) for n in snap.datasets] + [("MANAGED_FOLDER", f.get("id")) for f in snap.folders.values()]
    return [{"objectType": t, "objectId": i} for t, i in objects if (t, i) not in held]


CODE_EXTENSIONS = {"python": "py", "pyspark": "py", "r": "R", "sparkr": "R", "sql_query": "sql", "sql_script": "sql",
                   "spark_sql_query": "sql", "hive": "hql", "impala": "sql", "shell": "sh", "spark_scala": "scala"}


def _payload(files: Dict[str, bytes], name: str, recipe: Dict[str, Any]) -> Optional[str]:
    """recipes/NAME.<ext>: the recipe's payload (code, or the visual payload's JSON)."""
    rtype = recipe.get("type", "")
    prefix = "recipes/%s." % name
    wanted_rel = prefix + CODE_EXTENSIONS.get(rtype, rtype)
    others = sorted(r for r in files if r.startswith(prefix) and r != prefix + "json"
                    and not set(r[len(prefix):]) & {".", "/"})
    rel = wanted_rel if wanted_rel in files else (others[0] if others else None)
    if rel is not None:
        return files[rel].decode("utf-8", errors="replace")
    return "" if rtype in CODE_EXTENSIONS else None


def _is_framework_file(top: str, rest: str) -> bool:
    """Whether an export entry is this tool's own state or lock (the project library's ``dataiku-framework/``
    folder): the tool's bookkeeping, not an object of the project the user left out."""
    from ..state.dssfiles import FOLDER
    return top == "lib" and rest.split("/")[0] == FOLDER


def _export_inventory(files: Dict[str, bytes]) -> Dict[str, Any]:
    """Objects of the export the import does not read, by kind: one per file under a folder."""
    out = {}  # type: Dict[str, List[str]]
    for rel in sorted(files):
        top, _, rest = rel.partition("/")
        if top in EXPORT_READ or _is_framework_file(top, rest):
            continue
        label = EXPORT_INVENTORY.get(top, top if rest else "file")
        # one object per entry of the folder (a file, or a sub-folder such as an analysis's)
        out.setdefault(label, []).append(os.path.splitext(rest.split("/")[0])[0] if rest else top)
    return {label: sorted(set(names)) for label, names in out.items()}


