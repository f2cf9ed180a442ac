"""From a snapshot to a configuration that plans clean: convert, validate, compare, leave out.

Why a loop with the plan in it: the import's first guarantee is "import, then plan: no changes".
Rather than hope every inverse is exact, the converted configuration is validated and compared
with the very snapshot it came from, through the plan's own comparison (``plan.compare``), with
no request. An object that does not validate, or that would plan a change, is left out (with the
diagnostic or the differing paths as its reason) and named in the output, so the import never
fails and never drops anything silently. Objects recipes still name become ``external`` entries.
"""
import re
from typing import Any, Dict, List, Optional, Tuple

from ..config.diagnostics import ConfigError
from ..resources import registry
from ..resources.base import Context
from ..resources.inverse import LeftOut
from ..resources.project import import_project
from .read import FLOW_SECTIONS as SECTIONS
from .read import KINDS, importable, plural


def section_of_kind() -> Dict[str, str]:
    """kind -> its top-level section (``Kind.section``): every kind whose objects are a top-level
    section's, in plan order (asked of the registry each time, so a kind added to it is imported)."""
    return {k.kind: k.section[0] for k in registry.kinds() if len(k.section) == 1 and k.section[0] != "project"}


def kind_of_section() -> Dict[str, str]:
    """The top-level section -> its kind (``section_of_kind`` inverted)."""
    return {v: k for k, v in section_of_kind().items()}


_PATH = re.compile(r"^(\w+)\[(\d+)\]")
MAX_ROUNDS = 12


class Imported(object):
    """What an import produced: the validated ``config`` (code inline), what was left out and why
    (``left_out``: ``(kind, name, reason)``), ``notes`` on imported objects (settings kept in DSS
    only), the kinds not asked for, the inventory lists DSS refused, and the requests made."""

    def __init__(self, project_key: str) -> None:
        self.project_key = project_key
        self.config = None  # type: Any
        self.doc = {}  # type: Dict[str, Any]
        self.left_out = []  # type: List[Tuple[str, str, str]]
        self.notes = []  # type: List[Tuple[str, str, str]]
        self.not_included = []  # type: List[str]
        self.unlisted = {}  # type: Dict[str, str]
        self.requests = 0
        self.live = False

    def counts(self) -> Dict[str, int]:
        """Objects imported per kind (the project and its variables count as one each)."""
        out = {"project": 1}
        if (self.doc.get("project") or {}).get("variables"):
            out["variables"] = 1
        for section in SECTIONS + others() + ("external",):
            value = self.doc.get(section)
            if value:
                out[section] = len(value) if isinstance(value, list) else 1
        return out

    def summary(self) -> str:
        """``Imported KEY: project, variables, 2 datasets, 1 recipe (5 objects); 1 external; 0 left out.``"""
        counts = self.counts()
        parts = [k if v == 1 and k in ("project", "variables") else "%d %s" % (v, plural(_singular(k), v))
                 for k, v in counts.items() if k != "external"]
        if "project" in self.not_included:
            parts[0] = "project key"
        external = "; %d external object(s) declared" % counts["external"] if counts.get("external") else ""
        return "Imported %s: %s (%d objects)%s; %d left out." % (
            self.project_key, ", ".join(parts), sum(v for k, v in counts.items() if k != "external"), external,
            len(self.left_out))


def _singular(section: str) -> str:
    """``managed_folders`` -> ``managed folder``, ``libraries`` -> ``library``, ``exposed`` -> ``exposed
    object`` (a section named by an adjective): a section's objects named one at a time."""
    name = section.replace("_", " ")
    if name.endswith("ies"):
        return name[:-3] + "y"
    return name[:-1] if name.endswith("s") else name + " object"


def others() -> Tuple[str, ...]:
    """The top-level sections of the kinds that are not the flow's (``libraries``, ``exposed``): the
    document writes them after the flow's."""
    return tuple(section for section in section_of_kind().values() if section not in SECTIONS)


def build(snap: Any, kinds: Tuple[str, ...] = KINDS) -> Imported:
    """The import of ``snap`` (see the module docstring)."""
    result = Imported(snap.project_key)
    result.requests = snap.requests
    result.live = bool(snap.extra.get("live"))
    result.not_included = [k for k in importable() if k not in kinds]
    project_left_out = []  # type: List[Tuple[str, str, str]]
    project = import_project(snap, project_left_out)
    if "variables" not in kinds:
        project.pop("variables", None)
    if "project" in kinds:
        result.left_out.extend(project_left_out)
    else:  # the key, and what a project that names nothing would still set
        project = {k: v for k, v in project.items() if k in ("key", "disable_automatic_triggers")}
    ictx = ImportContext(snap)
    _project_fields(snap, ictx, project, kinds, result.left_out)
    sections = convert_sections(snap, kinds, result.left_out, ictx)
    _loop(snap, project, sections, result)
    gone = _gone(result)
    sections_of = section_of_kind()
    result.notes = sorted(set(result.notes + [n for n in ictx.notes if (sections_of.get(n[0]), n[1]) not in gone]))
    _inventory(snap, result)
    result.left_out = sorted(set(result.left_out), key=lambda e: (e[0], e[1].lower(), e[2]))
    return result


def _project_fields(snap: Any, ictx: "ImportContext", project: Dict[str, Any], kinds: Tuple[str, ...],
                    left_out: List[Tuple[str, str, str]]) -> None:
    """Fields of ``project`` that a kind of their own owns (``code_envs``, ``folder``): the project
    settings such a kind claims leave the raw ``settings``, and its own inverse fills its field when
    that kind is asked (one owner per setting). What the inverse leaves out or cannot convert is named
    in ``left_out`` as ``_drop`` names a project field, never written, never fatal (as for a section)."""
    for kind in registry.kinds():
        if len(kind.section) != 2 or kind.section[0] != "project":
            continue
        if kind.claims_settings:
            settings = project.get("settings") or {}
            for key in kind.claims_settings:
                settings.pop(key, None)
            if not settings:
                project.pop("settings", None)
        if kind.section[1] not in project and kind.include_names[0] in kinds:
            try:
                pairs = list(kind.to_config(snap, ictx))
            except Exception as error:  # an unexpected shape: named, never fatal
                pairs = [(kind.section[1], error)]
            for _, value in pairs:
                if isinstance(value, Exception):
                    left_out.append(("project " + kind.section[1], snap.project_key, _reason(value)))
                else:
                    project[kind.section[1]] = value


def _gone(result: Imported) -> set:
    sections = section_of_kind()
    return {(sections.get(kind), name) for kind, name, _ in result.left_out}


class ImportContext(object):
    """What a kind's inverse (``Kind.to_config``) may ask of the import, beside the snapshot:
    ``zone_of(type, id)``, the zone an object is in when the import keeps that zone (kinds run in
    plan order, so zones are converted before the objects in them); ``notes``, where an inverse
    notes what it imports but cannot say (a recipe's partition dependencies); the ``folder_names``
    and ``scenario_names`` of the snapshot; ``imported``: the names each kind imported so far."""

    def __init__(self, snap: Any) -> None:
        self.plan = Context(snap.project_key, snap)
        self.folder_names = self.plan.folder_names
        self.scenario_names = self.plan.scenario_names
        self.notes = []  # type: List[Tuple[str, str, str]]
        self.imported = {}  # type: Dict[str, set]

    def zone_of(self, object_type: str, object_id: Any) -> Optional[str]:
        name = self.plan.zone(object_type, object_id)
        return name if name in self.imported.get("zone", ()) else None


def convert_sections(snap: Any, kinds: Tuple[str, ...], left_out: List[Tuple[str, str, str]],
                     ictx: Optional[ImportContext] = None) -> Dict[str, Any]:
    """Every top-level section of the kinds asked (``section_of_kind``, plan order), each from its
    kind's own inverse: the list of the documents it yields, or a singleton's one value. What a kind
    leaves out (``LeftOut``) or cannot convert (any other error, per object or for the whole kind)
    is named in ``left_out``, never fatal. A list section of a kind not asked is empty."""
    ictx = ictx or ImportContext(snap)
    out = {}  # type: Dict[str, Any]
    for name, section in section_of_kind().items():
        kind = registry.get(name)
        if not kind.singleton:
            out[section] = []
        if kind.include_names[0] not in kinds:
            continue
        try:
            pairs = list(kind.to_config(snap, ictx))
        except Exception as error:  # an unexpected shape: named, never fatal
            left_out.append((kind.kind, kind.kind, _reason(error)))
            continue
        docs = []
        for object_name, value in pairs:
            if isinstance(value, Exception):
                left_out.append((kind.kind, str(object_name), _reason(value)))
            else:
                docs.append(value)
        ictx.imported[kind.kind] = {_name(d) for d in docs if isinstance(d, dict)}
        out[section] = (docs[0] if docs else None) if kind.singleton else docs
    unread = snap.extra.get("unread") or {}
    for kind_name, name in sorted(unread):
        left_out.append((kind_name, name, "listed by DSS but could not be read (%s)" % unread[(kind_name, name)]))
    return out


def _reason(error: Exception) -> str:
    """Why an object was left out: a ``LeftOut``'s own words, else the unexpected error named."""
    if isinstance(error, LeftOut):
        return str(error)
    return "could not be converted (%s: %s)" % (type(error).__name__, error)


def _flow_order(doc: Dict[str, Any]) -> List[Dict[str, Any]]:
    """Recipes in flow order (producers first; ties by name), as a person reads a flow."""
    from ..config.graph import topological_recipes
    by_name = {rc["name"]: rc for rc in doc["recipes"]}
    order = [n for n in topological_recipes(doc) if n in by_name]
    return [by_name[n] for n in order] + [rc for rc in doc["recipes"] if rc["name"] not in set(order)]


def _document(project: Dict[str, Any], sections: Dict[str, List[Dict[str, Any]]], snap: Any,
              left_out: List[Tuple[str, str, str]]) -> Dict[str, Any]:
    doc = {"version": "1.0", "project": project}  # type: Dict[str, Any]
    for section in sorted(SECTIONS):  # the flow's, by name, then the others' in plan order
        if sections[section]:
            doc[section] = sections[section]
    for section in others():
        if sections.get(section):
            doc[section] = sections[section]
    if doc.get("recipes"):
        doc["recipes"] = _flow_order(doc)
    external = _externals(sections, snap, left_out)
    if external:
        doc["external"] = external
    return doc


EXTERNAL_KINDS = (("saved_models", "saved_model"), ("evaluation_stores", "model_evaluation_store"))


def _externals(sections: Dict[str, List[Dict[str, Any]]], snap: Any,
               left_out: List[Tuple[str, str, str]]) -> List[Dict[str, Any]]:
    """What recipes (and scenario steps, triggers) name and the configuration does not declare."""
    declared = {o["name"] for s in ("datasets", "managed_folders") for o in sections[s]}
    gone = {(kind, name) for kind, name, _ in left_out}
    scenarios = {o["name"] for o in sections["scenarios"]}
    kinds = {}  # type: Dict[str, str]
    for rc in sections["recipes"]:
        for side in ("inputs", "outputs"):
            for ref in rc.get(side, []):
                name = ref if isinstance(ref, str) else ref["ref"]
                kinds[name] = kinds.get(name) or _kind_by_role(rc["type"], side, ref)
    for sc in sections["scenarios"]:
        for st in sc.get("steps") or []:
            for item in st.get("items") or []:
                kinds.setdefault(item if isinstance(item, str) else item["ref"], "")
            target = st.get("scenario")
            if isinstance(target, str) and "." not in target and target not in scenarios:
                kinds[target] = "scenario"
        for tr in sc.get("triggers") or []:
            if tr.get("type") == "dataset":
                for name in tr["dataset"] if isinstance(tr.get("dataset"), list) else [tr.get("dataset")]:
                    kinds.setdefault(name, "")
    out = []
    for name in sorted(n for n in kinds if isinstance(n, str) and n not in declared):
        kind = kinds[name] or _external_kind(name, snap, gone)
        out.append({"name": name, "kind": kind})
    return out


#: recipe roles (and ML recipe outputs) that hold a model object, whatever DSS lists
MODEL_ROLES = {"model": "saved_model", "evaluationStore": "model_evaluation_store"}
TRAINING_TYPES = frozenset(["prediction_training", "clustering_training"])


def _kind_by_role(rtype: str, side: str, ref: Any) -> str:
    """The kind of object a recipe role holds when the role tells (else "": look it up)."""
    role = "main" if isinstance(ref, str) else ref.get("role") or "main"
    if role in MODEL_ROLES:
        return MODEL_ROLES[role]
    return "saved_model" if side == "outputs" and rtype in TRAINING_TYPES and role == "main" else ""


def _external_kind(name: str, snap: Any, gone: set) -> str:
    for attr, kind in EXTERNAL_KINDS:
        if name in (snap.extra.get(attr) or {}):
            return kind
    if ("managed_folder", name) in gone or name in snap.folders:
        return "managed_folder"
    return "dataset"


def _loop(snap: Any, project: Dict[str, Any], sections: Dict[str, List[Dict[str, Any]]], result: Imported) -> None:
    """Validate and compare until the configuration is valid and plans no change (bounded)."""
    from ..config.schema import FrameworkConfig
    from ..plan.compare import compare
    for _ in range(MAX_ROUNDS):
        doc = _document(project, sections, snap, result.left_out)
        try:
            config = FrameworkConfig.from_dict(doc)
        except ConfigError as error:
            if not _drop_invalid(error.diagnostics, project, sections, result):
                raise
            continue
        changes = compare(config.resolved(connection_types={}), snap, {})[0]
        differing = [c for c in changes if c.action != "no-op"]
        if not differing:
            result.config, result.doc = config, doc
            return
        for change in differing:
            paths = ", ".join(sorted({c["path"] for c in change.changes})) or change.reason
            _drop(change.kind, change.name, "it would not plan clean (%s: %s)" % (change.action, paths),
                  [c["path"] for c in change.changes], project, sections, result)
    raise RuntimeError("import of %s did not converge" % snap.project_key)  # pragma: no cover - a bug if reached


def _drop_invalid(diagnostics: List[Any], project: Dict[str, Any], sections: Dict[str, List[Dict[str, Any]]],
                  result: Imported) -> bool:
    """Leave out the objects the diagnostics point at; False when none could be found."""
    dropped = False
    of_section = kind_of_section()
    for d in diagnostics:
        if not d.is_error:
            continue
        match = _PATH.match(d.path or "")
        top = (d.path or "").split(".")[0].split("[")[0]
        reason = "not valid in the configuration language: %s" % d.summary
        if top in of_section and registry.get(of_section[top]).singleton:
            dropped |= _drop(of_section[top], of_section[top], reason, [], project, sections, result)
        elif match and match.group(1) in of_section:
            items = sections.get(match.group(1)) or []
            index = int(match.group(2))
            if index < len(items):
                dropped |= _drop(of_section[match.group(1)], _name(items[index]), reason, [], project, sections,
                                 result)
        elif (d.path or "").startswith("project."):
            field = d.path.split(".")[1].split("[")[0]
            if field in project and field != "key":
                project.pop(field)
                result.left_out.append(("project " + field, project["key"], "not valid in the configuration "
                                        "language: %s" % d.summary))
                dropped = True
    return dropped


def _drop(kind: str, name: str, reason: str, paths: List[str], project: Dict[str, Any],
          sections: Dict[str, List[Dict[str, Any]]], result: Imported) -> bool:
    where = registry.get(kind).section
    if where[0] == "project":  # the project, or a field of it (variables, code_envs, folder)
        fields = list(where[1:]) or sorted({p.split(".")[0].split("[")[0] for p in paths})
        fields = [f for f in fields if f in project and f != "key"]
        for field in fields:
            project.pop(field, None)
            result.left_out.append(("project " + field, project["key"], reason))
        return bool(fields)
    section = section_of_kind()[kind]
    if registry.get(kind).singleton:  # a singleton section (``exposed``, whose value is a list): dropped whole
        result.left_out.append((kind, name, reason))
        return sections.pop(section, None) is not None
    before = len(sections[section])
    sections[section][:] = [o for o in sections[section] if _name(o) != name]
    key = registry.get(kind).referred_by
    if key:  # the objects that name it stay, without it (a zone's)
        for docs in sections.values():
            for o in docs if isinstance(docs, list) else []:
                if isinstance(o, dict) and o.get(key) == name:
                    o.pop(key)
    result.left_out.append((kind, name, reason))
    return len(sections[section]) < before


def _name(doc: Dict[str, Any]) -> str:
    """The name a section's document goes by (``name``; a library its ``path``), as the plan names it."""
    return doc.get("name") or doc.get("path")


def _inventory(snap: Any, result: Imported) -> None:
    """Saved models and evaluation stores no recipe names, and the kinds the language cannot express."""
    named = {e["name"] for e in result.doc.get("external") or []}
    for attr, kind in EXTERNAL_KINDS:
        for oid, name in sorted((snap.extra.get(attr) or {}).items()):
            if oid not in named:
                label = oid if name == oid else "%s (%s)" % (oid, name)
                result.left_out.append((kind.replace("_", " "), label, "no imported recipe reads or writes it; "
                                        "the language does not describe %s" % plural(kind.replace("_", " "))))
    for label, found in sorted((snap.extra.get("inventory") or {}).items()):
        if isinstance(found, str):
            result.unlisted[label] = found
            continue
        for name in found:
            result.left_out.append((label, name, "the configuration language does not describe %s" % plural(label)))
