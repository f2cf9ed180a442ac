"""The objects this project exposes to other projects (top-level ``exposed:``), as DSS stores them in
the project settings (``exposedObjects.objects``), and the check that what this project reads from
another project is exposed to it.

Why a kind of its own: DSS keeps one list of ``{type, localName, quickSharingEnabled, rules:
[{targetProject, appearOnFlow}]}`` where a managed folder is named by its id and the order means
nothing; the configuration says ``{managed_folder: name, to: [PROJ_B]}``. The comparison form is
keyed by type and name (``dataset.sales.to.PROJ_B.appear_on_flow``), so plan paths are in the
configuration's terms and neither the object order nor the target order is a change.

Rules: read from the project settings the plan reads anyway (no request of its own); written
through ``ApplyContext.settings_update`` (one read-modify-write of the settings, under the lock the
project and code_envs kinds share); what DSS holds beside the managed keys (an object's or a rule's
other keys) is kept. Once ``exposed:`` is set the list is owned whole: an object or target DSS has and
the configuration does not is removed. Left out, DSS's list is not managed; the kind is never
deleted otherwise than by ``exposed: []``. Objects of types the configuration cannot name (DSS also
exposes, say, model evaluation stores) are never compared, written over or removed.
"""
from typing import Any, Dict, Iterable, Iterator, List, Optional, Set, Tuple

from ..config.diagnostics import ERROR, WARNING, Diagnostic, did_you_mean, format_path
from ..config.located import position_of
from ..config.references import items, recipe_io
from .base import ANY
from .kind import ApplyContext, Kind, SettingsSlot
from .tables import Bimap

NAME = "sharing"
#: the configuration's key for each DSS object type it can expose, in schema order
TYPES = Bimap((("dataset", "DATASET"), ("managed_folder", "MANAGED_FOLDER"), ("saved_model", "SAVED_MODEL")))
#: DSS's value of a rule's ``appearOnFlow`` and of ``quickSharingEnabled`` when it leaves them out
#: (and the schema's defaults: ``to: [KEY]`` is shown in KEY's flow)
APPEAR_ON_FLOW = True
QUICK_SHARING = False

Form = Dict[str, Dict[str, Dict[str, Any]]]  # type -> name -> {to: {KEY: {appear_on_flow}}, quick_sharing}


# -- the configuration side ------------------------------------------------------------------------------------

def entry_object(entry: Any) -> Optional[Tuple[str, str]]:
    """(config type, name) of one ``exposed`` entry (a mapping): the one type key it sets."""
    found = [(t, entry[t]) for t in TYPES.config_values() if isinstance(entry, dict) and entry.get(t) is not None]
    return found[0] if len(found) == 1 else None


def target_terms(target: Any) -> Tuple[str, bool]:
    """(project key, appear_on_flow) of one ``to`` item: a key, or ``{project, appear_on_flow}``."""
    if isinstance(target, dict):
        return target["project"], bool(target.get("appear_on_flow", APPEAR_ON_FLOW))
    return target, APPEAR_ON_FLOW


def target_item(key: str, appear: bool) -> Any:
    """The configuration's spelling of one target: the bare key when it is shown in the flow."""
    return key if appear == APPEAR_ON_FLOW else {"project": key, "appear_on_flow": appear}


def config_entries(exposed: Iterable[Any]) -> List[Dict[str, Any]]:
    """The configuration's entries as plain mappings (model records or mappings alike)."""
    return [e.to_dict() if hasattr(e, "to_dict") else dict(e) for e in exposed or []]


def form_of_entries(entries: Iterable[Dict[str, Any]]) -> Form:
    """The comparison form of configuration entries (every type present, so that an object only DSS
    has is a change)."""
    form = {t: {} for t in TYPES.config_values()}  # type: Form
    for entry in entries:
        found = entry_object(entry)
        if found is None:
            continue
        to = dict(target_terms(t) for t in entry.get("to") or [])
        form[found[0]][found[1]] = {"to": {k: {"appear_on_flow": v} for k, v in to.items()},
                                    "quick_sharing": bool(entry.get("quick_sharing", QUICK_SHARING))}
    return form


def entries_of_form(form: Form) -> List[Dict[str, Any]]:
    """A comparison form as the configuration writes it: by type then name, targets by key, defaults
    left out (the inverse the importer and the plan's views share)."""
    out = []
    for ctype in TYPES.config_values():
        for name, obj in sorted((form.get(ctype) or {}).items()):
            to = obj.get("to") or {}
            entry = {ctype: name, "to": [target_item(k, bool((to[k] or {}).get("appear_on_flow", APPEAR_ON_FLOW)))
                                         for k in sorted(to)]}  # type: Dict[str, Any]
            if obj.get("quick_sharing"):
                entry["quick_sharing"] = True
            out.append(entry)
    return out


# -- the DSS side -----------------------------------------------------------------------------------------------

def live_objects(settings: Any) -> List[Dict[str, Any]]:
    """``exposedObjects.objects`` of a project settings document (empty when absent)."""
    exposed = settings.get("exposedObjects") if isinstance(settings, dict) else None
    objects = exposed.get("objects") if isinstance(exposed, dict) else None
    return [o for o in objects if isinstance(o, dict)] if isinstance(objects, list) else []


def form_of_live(objects: Iterable[Dict[str, Any]], folder_names: Dict[str, str]) -> Form:
    """DSS's objects in the comparison form: a folder id read as its name; a type the configuration
    cannot name left out (never managed)."""
    form = {t: {} for t in TYPES.config_values()}  # type: Form
    for obj in objects:
        ctype = TYPES.to_config(obj.get("type"))
        if ctype is None:
            continue
        local = obj.get("localName")
        name = folder_names.get(local, local) if ctype == "managed_folder" else local
        rules = [r for r in obj.get("rules") or [] if isinstance(r, dict) and r.get("targetProject")]
        form[ctype][name] = {"to": {r["targetProject"]: {"appear_on_flow": bool(r.get("appearOnFlow", APPEAR_ON_FLOW))}
                                    for r in rules},
                             "quick_sharing": bool(obj.get("quickSharingEnabled", QUICK_SHARING))}
    return form


def dss_objects(form: Form, held: List[Dict[str, Any]], folder_ids: Dict[str, str]) -> List[Dict[str, Any]]:
    """The ``exposedObjects.objects`` list to write for ``form``, over what DSS holds: an object's and a
    rule's other keys stay; objects of types the configuration cannot name stay as they are."""
    by_key = {(o.get("type"), o.get("localName")): o for o in held}
    out = []
    for ctype in TYPES.config_values():
        for name, want in (form.get(ctype) or {}).items():
            local = _folder_id(name, folder_ids) if ctype == "managed_folder" else name
            obj = dict(by_key.get((TYPES.to_dss(ctype), local)) or {})
            rules = {r.get("targetProject"): r for r in obj.get("rules") or [] if isinstance(r, dict)}
            obj.update({"type": TYPES.to_dss(ctype), "localName": local, "quickSharingEnabled": want["quick_sharing"],
                        "rules": [dict(rules.get(key) or {}, targetProject=key, appearOnFlow=t["appear_on_flow"])
                                  for key, t in want["to"].items()]})
            out.append(obj)
    return out + [o for o in held if TYPES.to_config(o.get("type")) is None]


def _folder_id(name: str, folder_ids: Dict[str, str]) -> str:
    if name not in folder_ids:
        raise ValueError("exposed managed_folder %r does not exist in DSS: declare it under managed_folders "
                         "(or create it in DSS), or fix the name in exposed" % name)
    return folder_ids[name]


# -- offline check ----------------------------------------------------------------------------------------------

def own_key(doc: Any) -> Optional[str]:
    """The document's project key (None in a document too broken to say: checks run on those too)."""
    project = doc.get("project") if isinstance(doc, dict) else None
    key = project.get("key") if isinstance(project, dict) else None
    return key if isinstance(key, str) else None


def check_entries(ck: Any) -> None:
    """Each entry names exactly one object, once, and is not exposed to this project itself (the
    schema cannot say "one of three keys"; DSS would keep one entry per object)."""
    own = own_key(ck.doc)
    seen = {}  # type: Dict[Tuple[str, str], int]
    for index, entry in items(ck.doc, "exposed"):
        named = [t for t in TYPES.config_values() if entry.get(t) is not None]
        if len(named) != 1:
            ck.report(("exposed", index), "an exposed entry names %s of dataset, managed_folder, saved_model"
                      % ("none" if not named else "more than one"),
                      hint="give exactly one of them per entry", code="exposed.one_object")
        found = entry_object(entry)
        if found is None or not isinstance(found[1], str):
            continue  # not one object, or a name of the wrong type (the schema check reports it)
        if found in seen:
            ck.report(("exposed", index, found[0]), "%s %s is exposed twice (entries %d and %d)"
                      % (found[0], found[1], seen[found], index), hint="merge the two entries' to lists",
                      code="exposed.twice")
        seen.setdefault(found, index)
        check_targets(ck, index, found, entry.get("to"), own)


def check_targets(ck: Any, index: int, found: Tuple[str, str], targets: Any, own: Optional[str]) -> None:
    """Each target once (DSS keeps one rule per project), never the project itself."""
    seen = set()  # type: set
    for t_index, target in enumerate(targets if isinstance(targets, list) else []):
        key = target.get("project") if isinstance(target, dict) else target
        if not isinstance(key, str):
            continue  # the schema check reports it
        if own and key == own:
            ck.report(("exposed", index, "to", t_index), "%s %s is exposed to its own project %s"
                      % (found[0], found[1], own), hint="remove %s from to" % own, code="exposed.to_itself")
        elif key in seen:
            ck.report(("exposed", index, "to", t_index), "%s %s is exposed to %s twice" % (found[0], found[1], key),
                      hint="keep one target per project", code="exposed.target_twice")
        seen.add(key)


# -- online check: what this project reads from others is exposed to it -----------------------------------------

#: ``external`` kinds that a project reads through exposure
READ_KINDS = ("dataset", "managed_folder", "saved_model")


def foreign_reads(doc: Any) -> Iterator[Tuple[str, str, Optional[str], Tuple[Any, ...]]]:
    """(other project, name, config type or None when the reference does not say, path) of every
    ``OTHER.name`` object the configuration reads: recipe inputs and ``external`` entries."""
    own = own_key(doc)
    kinds = {}  # type: Dict[str, str]
    for index, ext in items(doc, "external"):
        name, kind = ext.get("name"), ext.get("kind")
        if isinstance(name, str) and "." in name and kind in READ_KINDS:
            kinds[name] = kind
            yield name.split(".", 1)[0], name.split(".", 1)[1], kind, ("external", index, "name")
    for r_index, recipe in items(doc, "recipes"):
        for direction, ref, _, index in recipe_io(recipe):
            if direction == "inputs" and "." in ref and ref.split(".", 1)[0] != own:
                yield ref.split(".", 1)[0], ref.split(".", 1)[1], kinds.get(ref), ("recipes", r_index, "inputs", index)


def exposed_to(objects: List[Dict[str, Any]], key: str) -> Set[Tuple[str, str]]:
    """(DSS type, localName) of each object exposed to project ``key``: a rule names it, or quick
    sharing is on (it lets any project with access use it)."""
    return {(o.get("type"), o.get("localName")) for o in objects
            if o.get("quickSharingEnabled") or any(isinstance(r, dict) and r.get("targetProject") == key
                                                   for r in o.get("rules") or [])}


def check_exposure(doc: Any, client: Any) -> List[Diagnostic]:
    """An ERROR for each ``OTHER.name`` read that OTHER does not expose to this project, naming the
    object and field and how to fix it; a WARNING, once per project, when this key may not read
    OTHER's settings (or OTHER does not exist: DSS refuses both alike)."""
    own = own_key(doc)
    reads = [r for r in foreign_reads(doc) if r[0] != own]
    out = []  # type: List[Diagnostic]
    shared = {}  # type: Dict[str, Any]
    for other, name, ctype, path in reads:
        if other not in shared:
            shared[other] = _exposed_by(client, other, own)
            if shared[other] is None:
                out.append(_unreadable(doc, other, path))
        if shared[other] is not None and not _is_exposed(shared[other], name, ctype):
            out.append(_not_exposed(doc, other, name, ctype, path, own, shared[other]))
    return out


def _exposed_by(client: Any, other: str, own: str) -> Optional[Dict[str, Any]]:
    """What ``other`` exposes to ``own``: ``{"objects": {(type, localName)}, "folders": {name:
    id}}`` (folders: read only when ``other`` exposes one, so a folder named by name is found);
    None when DSS refuses to read ``other``'s settings."""
    from ..config.online import try_unless_forbidden
    project = client.get_project(other)
    settings = try_unless_forbidden(lambda: project.get_settings().get_raw())
    if settings is None:
        return None
    objects = exposed_to(live_objects(settings), own)
    folders = {}  # type: Dict[str, str]
    if any(t == "MANAGED_FOLDER" for t, _ in objects):
        listed = try_unless_forbidden(project.list_managed_folders) or []
        folders = {f.get("name"): f.get("id") for f in listed if isinstance(f, dict)}
    return {"objects": objects, "folders": folders}


def _is_exposed(shared: Dict[str, Any], name: str, ctype: Optional[str]) -> bool:
    """Whether ``name`` (a dataset or saved model's, a folder's name or id) is among the exposed."""
    types = [TYPES.to_dss(ctype)] if ctype else TYPES.dss_values()
    for dss_type in types:
        local = shared["folders"].get(name, name) if dss_type == "MANAGED_FOLDER" else name
        if (dss_type, local) in shared["objects"] or (dss_type, name) in shared["objects"]:
            return True
    return False


def _not_exposed(doc: Any, other: str, name: str, ctype: Optional[str], path: Tuple[Any, ...], own: str,
                 shared: Dict[str, Any]) -> Diagnostic:
    what = ctype.replace("_", " ") if ctype else "object"
    ids = {v: k for k, v in shared["folders"].items()}
    offered = sorted(ids.get(local, local) for _, local in shared["objects"])
    hint = "expose it in %s (exposed: [{%s: %s, to: [%s]}] in %s's configuration, or DSS's Exposed objects), " \
           "or fix the name" % (other, ctype or "dataset", name, own, other)
    near = did_you_mean(name, offered)
    return Diagnostic(ERROR, "%s %s.%s is not exposed to project %s: %s does not share it with this project"
                      % (what, other, name, own, other), path=format_path(path),
                      hint=hint + ("; " + near if near else ""), position=position_of(doc, path),
                      code="exposed.not_exposed")


def _unreadable(doc: Any, other: str, path: Tuple[Any, ...]) -> Diagnostic:
    return Diagnostic(WARNING, "objects read from project %s not checked: this API key cannot read %s's settings "
                      "(it lacks rights on %s, or %s does not exist)" % (other, other, other, other),
                      path=format_path(path), position=position_of(doc, path), code="exposed.unchecked",
                      hint="use a key with administrator rights on %s to check that it exposes them" % other)


# -- the kind ---------------------------------------------------------------------------------------------------

class SharingKind(SettingsSlot, Kind):
    # -- declarations (issue 17: the registry derives the rest from these)
    kind = NAME
    definition = "Exposed"
    section = ("exposed",)
    include_names = ("exposed", "sharing")
    #: ``exposedObjects`` is a top-level key of the project settings, not one of ``settings.settings``
    #: (which ``claims_settings`` names): the project kind never reads or writes it
    claims_settings = ()
    #: owned whole: an object or a target only DSS has is a change; neither order is
    exact_paths = tuple((t,) for t in TYPES.config_values()) + ((ANY, ANY, "to"),)
    checks = (check_entries,)
    online_checks = (check_exposure,)

    # -- config
    def configured(self, config: Any) -> List[Tuple[str, Any]]:
        """Managed once the configuration sets ``exposed`` (``[]`` included: it exposes nothing)."""
        exposed = getattr(config, "exposed", None)
        return [] if exposed is None else [(NAME, exposed)]

    def desired(self, exposed: Any, ctx: Any) -> Form:
        return form_of_entries(config_entries(exposed))

    def created_fields(self, exposed: Any) -> List[Dict[str, Any]]:
        form = form_of_entries(config_entries(exposed))
        return [{"path": "%s.%s" % (next(iter(entry)), entry[next(iter(entry))]), "before": None,
                 "after": {k: v for k, v in entry.items() if k not in TYPES.config_values()}}
                for entry in entries_of_form(form)]

    def depends_on(self, exposed: Any, ctx: Any) -> List[str]:
        """The project, and the objects it exposes (a folder must exist to have an id)."""
        found = [entry_object(e) for e in config_entries(exposed)]
        return ["project"] + ["%s.%s" % f for f in found if f is not None and f[0] != "saved_model"]

    # -- read
    def listed(self, snap: Any, live: Optional[Dict[str, Any]] = None) -> List[str]:
        return []

    def live_form(self, live: Dict[str, Any], ctx: Any, desired: Optional[Dict[str, Any]] = None) -> Form:
        return form_of_live(live_objects(live), getattr(ctx, "folder_names", None) or {})

    def config_form(self, form: Dict[str, Any], name: str, obj: Any = None) -> Optional[Dict[str, Any]]:
        """``{"exposed": [...]}``: the section as the configuration writes it."""
        return {"exposed": entries_of_form(form)}

    # -- inverse (import)
    def to_config(self, snap: Any, ictx: Any) -> Iterable[Tuple[str, Any]]:
        """``("sharing", [entries])`` when DSS exposes an object the configuration can name; nothing
        for a project that exposes nothing (so a plain project imports without ``exposed``)."""
        live = self.read(snap).get(NAME)
        names = getattr(ictx, "folder_names", None) or snap.folder_names()
        entries = entries_of_form(form_of_live(live_objects(live), names))
        return [(NAME, entries)] if entries else []

    # -- write (apply)
    def create(self, ctx: ApplyContext, name: str, obj: Any, desired: Dict[str, Any]) -> None:
        """The list comes with the project: creating it is writing it."""

    def write(self, ctx: ApplyContext, name: str, obj: Any, desired: Form, keys: Iterable[str]) -> int:
        """The whole list in one read-modify-write of the project settings."""
        def change(raw: Dict[str, Any]) -> None:
            exposed = raw.get("exposedObjects") if isinstance(raw.get("exposedObjects"), dict) else {}
            raw["exposedObjects"] = dict(exposed, objects=dss_objects(desired, live_objects(raw), ctx.folder_ids))
        return ctx.settings_update(change)

    def delete(self, ctx: ApplyContext, name: str, drop_data: bool) -> None:
        raise ValueError("the exposed objects are not deleted; exposed: [] exposes nothing, and removing exposed "
                         "stops managing them (DSS keeps its list)")

