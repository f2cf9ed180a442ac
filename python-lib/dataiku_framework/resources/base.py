"""The resource handler interface, and the one comparison every kind shares.

Why one generic comparison: false differences come from a handful of DSS habits (defaults filled
in, stamps, reordered sets, CRLF in code, UI-only ``$`` keys), the same for every kind. Each
handler only says *what* it manages (its desired form, built from the shared translation) and how
to name paths in the config's terms; projection and diffing are written once, here, linear in the
size of the desired form.

Semantics (dss-provisioner's "partial" default): the live form keeps only the keys the desired form
has. A key the config leaves unset is absent from the desired form, so whatever DSS fills in there
is not a change. Paths listed in ``exact_paths`` are dicts the config owns whole (keys only in DSS
are changes too), ``set_paths`` are lists compared without order and ``atomic_paths`` are reported
as one change (a recipe's inputs, say) rather than element by element.
"""
import json
import re
from typing import Any, Dict, List, Optional, Sequence, Tuple

from ..dss.translate import DEFAULT_ZONE

Path = Tuple[Any, ...]
ANY = "*"          # a path pattern element matching any list index or dict key
MISSING = None     # what a key absent from DSS compares as (unless the kind gives a default)


def normalise_text(value: Any) -> Any:
    """Line endings normalised, so code saved on Windows or by the DSS editor is not a change."""
    if isinstance(value, str) and "\r" in value:
        return value.replace("\r\n", "\n").replace("\r", "\n")
    return value


def matches(pattern: Sequence[Any], path: Path) -> bool:
    return len(pattern) == len(path) and all(p == ANY or p == q for p, q in zip(pattern, path))


def _sort_key(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def format_path(path: Sequence[Any]) -> str:
    """``("triggers", 0, "hour")`` -> ``triggers[0].hour`` (the config's own notation)."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += "[%d]" % part
        else:
            out += ("." if out else "") + str(part)
    return out


class Resource(object):
    """One kind of DSS object; subclasses fill in the kind-specific parts."""

    kind = ""
    definition = None  # type: Optional[str]  # its ``$defs`` entry in the configuration schema
    exact_paths = ()  # type: Sequence[Sequence[Any]]
    set_paths = ()  # type: Sequence[Sequence[Any]]
    atomic_paths = ()  # type: Sequence[Sequence[Any]]
    live_defaults = {}  # type: Dict[Tuple[Any, ...], Any]  # DSS default of a key DSS may omit
    #: (DSS path pattern, config path pattern): "$0".. in the config pattern take the n-th ``*``
    path_map = ()  # type: Sequence[Tuple[Sequence[Any], Sequence[Any]]]
    #: lists of mappings that a write sends whole (DSS path pattern -> the key naming an element, a
    #: recipe input by its ``ref``): what DSS holds in an element beside the keys the config manages
    #: (an input's partition ``deps``) is carried into the form written, and so checked on read-back
    carried = {}  # type: Dict[Tuple[Any, ...], str]

    # -- what the config holds
    def address(self, name: str) -> str:
        return "%s.%s" % (self.kind, name)

    def configured(self, config: Any) -> List[Tuple[str, Any]]:
        """(name, config object) pairs of this kind in ``config``."""
        raise NotImplementedError

    def desired(self, obj: Any, ctx: Any) -> Dict[str, Any]:
        """The DSS JSON the config sets for ``obj`` (only keys the config manages)."""
        raise NotImplementedError

    #: config keys that name the object rather than set it (left out of a create's changes)
    identity_keys = ("name", "lifecycle")

    def created_fields(self, obj: Any) -> List[Dict[str, Any]]:
        """What a create sets, in the config's own terms: each top-level key the object sets (its
        defaults left out), as ``{path, before: None, after}``, in schema order, spelled as the file
        writes them (``as_written``: ``params.schema`` given raw, ``type: SQL`` before resolution)."""
        data = obj.as_written() if hasattr(obj, "as_written") else obj.to_dict() if hasattr(obj, "to_dict") \
            else dict(obj or {})
        return [{"path": key, "before": None, "after": value} for key, value in data.items()
                if key not in self.identity_keys and value not in (None, [], {})]

    def depends_on(self, obj: Any, ctx: Any) -> List[str]:
        """Addresses that must exist before ``obj`` (for the execution groups)."""
        return []

    def produces(self, obj: Any, ctx: Any) -> List[str]:
        """Addresses this resource writes (a recipe's outputs): whoever reads them depends on it."""
        return []

    # -- what DSS holds

    def read(self, snapshot: Any) -> Dict[str, Dict[str, Any]]:
        """This kind's live objects in the refreshed snapshot, by name (in DSS's JSON)."""
        raise NotImplementedError

    def live_form(self, live: Dict[str, Any], ctx: Any, desired: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
        """DSS's JSON reshaped like the desired form (ids -> names, zone looked up...)."""
        return live

    def canonical(self, live: Dict[str, Any], desired: Dict[str, Any]) -> Dict[str, Any]:
        """``live`` kept to the keys ``desired`` manages, sets sorted, text normalised."""
        return self._project(live, desired, ())

    def with_unmanaged(self, desired: Dict[str, Any], live: Optional[Dict[str, Any]]) -> Dict[str, Any]:
        """``desired`` with, in each list ``carried`` names, every key the matching element of ``live``
        (the live form) holds and ``desired`` leaves unset: the form to write and to read back.

        Why: a block written whole replaces what DSS held, so a key the config does not manage
        survives only when it is written back; and a key written is a key the read-back verifies."""
        if not self.carried or not isinstance(live, dict):
            return desired
        out = dict(desired)
        for pattern, key in self.carried.items():
            _carry(out, live, tuple(pattern), key)
        return out

    def replace_reason(self, desired: Dict[str, Any], live: Dict[str, Any]) -> Optional[str]:
        """Why DSS cannot apply the difference in place (then the action is replace), or None."""
        return None

    def diff(self, desired: Dict[str, Any], live: Dict[str, Any], obj: Any = None) -> List[Dict[str, Any]]:
        """[{path, before, after}] in config terms, between the desired and the canonical live form.

        Paths go through ``config_path``; values are read at that path in the configuration forms
        of both sides (``config_form``: ``{main: [{ref, deps}]}`` is shown as ``[a, b]``, a step's
        two run-condition keys as one ``run_condition``), once per path; DSS's own values stay
        only where the configuration form has no such path (a raw ``params`` key)."""
        found = []  # type: List[Tuple[Path, Any, Any]]
        self._walk(desired, live, (), found)
        forms = {}  # type: Dict[str, Any]  # the two configuration forms, made once, if a change needs them
        out, whole = [], set()  # type: List[Dict[str, Any]], set
        for path, before, after in found:
            where = self.config_path(path, obj)
            if where in whole:
                continue  # one configuration key set by several DSS keys: shown once, whole
            terms = self._terms(where, before, after, desired, live, obj, forms)
            if terms is not None:
                whole.add(where)
                before, after = terms
            out.append({"path": where, "before": before, "after": after})
        return out

    def config_form(self, form: Dict[str, Any], name: str, obj: Any = None) -> Optional[Dict[str, Any]]:
        """A desired or canonical form in the configuration's terms (the object as a config file
        would write it, defaults left out), or None when the kind has no such inverse."""
        return None

    def _terms(self, where: str, before: Any, after: Any, desired: Dict[str, Any], live: Dict[str, Any], obj: Any,
               forms: Dict[str, Any]) -> Optional[Tuple[Any, Any]]:
        """(before, after) read at ``where`` in both configuration forms, or None to keep DSS's values
        (no form, no such path on either side, or the forms cannot tell the two apart). A side whose
        form leaves the key out (a default the inverse drops) reads the schema's default, else
        DSS's value when it is a plain value."""
        if not forms:
            forms["after"], forms["before"] = self._form(desired, obj), self._form(live, obj)
        if forms["after"] is None or forms["before"] is None:
            return None
        parts = parse_path(where)
        found = at_path(forms["before"], parts), at_path(forms["after"], parts)
        if found == (ABSENT, ABSENT):
            return None
        terms = (self._or_default(parts, found[0], before, found[1]), self._or_default(parts, found[1], after, found[0]))
        return None if terms[0] == terms[1] else terms

    def _or_default(self, parts: List[Any], value: Any, raw: Any, other: Any) -> Any:
        """A side the configuration form leaves out (a default the inverse drops): the schema's
        default, else DSS's own value when it is a plain value of the other side's type (``minute:
        0``; not a flag standing for a number), else None."""
        if value is not ABSENT:
            return value
        default = self._default(parts)
        if default is not None:
            return default
        plain = raw is None or isinstance(raw, (str, int, float, bool))
        return raw if plain and (other is ABSENT or other is None or type(other) is type(raw)) else None

    def _form(self, form: Dict[str, Any], obj: Any) -> Optional[Dict[str, Any]]:
        return self.config_terms(form, getattr(obj, "name", None) or "object", obj)

    def config_terms(self, form: Any, name: str, obj: Any = None) -> Optional[Dict[str, Any]]:
        """``config_form``, without its name; None when there is none (the importer leaves it out:
        DSS's values then stay as they are)."""
        if not isinstance(form, dict):
            return None
        try:
            out = self.config_form(form, name, obj)
        except Exception:  # noqa: BLE001 - a form the inverse does not cover
            return None
        return None if out is None else {k: v for k, v in out.items() if k != "name"}

    def _default(self, parts: List[Any]) -> Any:
        """The schema's default at a configuration path (a step's ``run_condition``), else None."""
        from ..config.schema_check import load_schema
        node = load_schema()["$defs"].get(self.definition or "")
        for part in parts:
            node = _schema_child(node, part)
            if node is None:
                return None
        return node.get("default") if isinstance(node, dict) else None

    def config_path(self, path: Path, obj: Any) -> str:
        """A DSS JSON path in the config's terms, through ``path_map`` (longest pattern first)."""
        for pattern, target in self._sorted_map():
            n = len(pattern)
            if matches(pattern, path[:n]):
                wild = [q for p, q in zip(pattern, path) if p == ANY]
                mapped = [wild[int(t[1:])] if isinstance(t, str) and t.startswith("$") else t for t in target]
                return format_path(mapped + list(path[n:]))
        return format_path(path)

    def _sorted_map(self):
        cached = self.__dict__.get("_map_cache")
        if cached is None:
            cached = sorted(self.path_map, key=lambda pt: -len(pt[0]))
            self.__dict__["_map_cache"] = cached
        return cached

    # -- the shared comparison
    def _is(self, patterns: Sequence[Sequence[Any]], path: Path) -> bool:
        if not patterns:
            return False
        n = len(path)
        return any(len(p) == n and matches(p, path) for p in patterns)

    def _absent(self, path: Path) -> Any:
        if len(path) == 1:  # the usual case: a top-level key DSS omits
            return self.live_defaults.get(path, MISSING)
        for pattern, value in self.live_defaults.items():
            if matches(pattern, path):
                return value
        return MISSING

    def _project(self, live: Any, desired: Any, path: Path) -> Any:
        if isinstance(desired, dict) and isinstance(live, dict):
            out = {}
            for key, want in desired.items():
                if isinstance(key, str) and key.startswith("$"):
                    continue
                sub = path + (key,)
                out[key] = self._project(live[key], want, sub) if key in live else self._absent(sub)
            if self._is(self.exact_paths, path):
                for key, value in live.items():
                    if key not in desired and not (isinstance(key, str) and key.startswith("$")):
                        out[key] = value
            return out
        if isinstance(desired, list) and isinstance(live, list):
            if self._is(self.set_paths, path):
                return sorted(live, key=_sort_key)
            return [self._project(lv, dv, path + (i,)) for i, (lv, dv) in enumerate(zip(live, desired))] \
                + live[len(desired):]
        return normalise_text(live)

    def _walk(self, want: Any, have: Any, path: Path, found: List[Tuple[Path, Any, Any]]) -> None:
        if self._is(self.atomic_paths, path):
            if not self._same(want, have, path):
                found.append((path, have, want))
            return
        if isinstance(want, dict) and isinstance(have, dict):
            for key in want:
                if isinstance(key, str) and key.startswith("$"):
                    continue  # UI metadata of visual payloads: never a change
                self._walk(want[key], have.get(key, self._absent(path + (key,))), path + (key,), found)
            if self._is(self.exact_paths, path):
                for key in have:
                    if key not in want and not (isinstance(key, str) and key.startswith("$")):
                        found.append((path + (key,), have[key], None))
            return
        if isinstance(want, list) and isinstance(have, list) and not self._is(self.set_paths, path):
            for i in range(max(len(want), len(have))):
                self._walk(want[i] if i < len(want) else None, have[i] if i < len(have) else None,
                           path + (i,), found)
            return
        if not self._same(want, have, path):
            found.append((path, have, want))

    def _same(self, want: Any, have: Any, path: Path) -> bool:
        if self._is(self.set_paths, path) and isinstance(want, list) and isinstance(have, list):
            return sorted(want, key=_sort_key) == sorted(have, key=_sort_key)
        if isinstance(want, dict) and isinstance(have, dict):
            found = []  # type: List[Tuple[Path, Any, Any]]
            self._walk_plain(want, have, found)
            return not found
        if isinstance(want, bool) or isinstance(have, bool):
            return want is have or (want == have and type(want) is type(have))
        return normalise_text(want) == normalise_text(have)

    def _walk_plain(self, want: Any, have: Any, found: List[Any]) -> None:
        if isinstance(want, dict) and isinstance(have, dict):
            keys = {k for k in want if not (isinstance(k, str) and k.startswith("$"))}
            if keys != {k for k in have if not (isinstance(k, str) and k.startswith("$"))}:
                found.append(True)
                return
            for key in keys:
                self._walk_plain(want[key], have[key], found)
        elif normalise_text(want) != normalise_text(have) or isinstance(want, bool) != isinstance(have, bool):
            found.append(True)


ABSENT = object()  # no value at a configuration path
_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def parse_path(path: str) -> List[Any]:
    """``triggers[0].hour`` -> ``["triggers", 0, "hour"]`` (the inverse of ``format_path``)."""
    return [int(index) if index else name for name, index in _PART.findall(path)]


def at_path(doc: Any, parts: Sequence[Any]) -> Any:
    """The value at ``parts`` in ``doc``, or ``ABSENT``."""
    for part in parts:
        if isinstance(doc, dict) and part in doc:
            doc = doc[part]
        elif isinstance(doc, list) and isinstance(part, int) and part < len(doc):
            doc = doc[part]
        else:
            return ABSENT
    return doc


def _schema_child(node: Any, part: Any) -> Any:
    from ..config.schema_check import load_schema
    while isinstance(node, dict) and "$ref" in node:
        node = load_schema()["$defs"][node["$ref"].rsplit("/", 1)[-1]]
    if not isinstance(node, dict):
        return None
    if isinstance(part, int):
        return node.get("items")
    return (node.get("properties") or {}).get(part)


def _carry(want: Dict[str, Any], have: Any, pattern: Path, key: str) -> None:
    """In ``want`` (copied along ``pattern``, never changed in place), each element of the list at
    ``pattern`` completed with the keys it lacks from the element of ``have``'s list with the same
    ``key`` (taken in order: two inputs of one dataset pair up one to one)."""
    head, rest = pattern[0], pattern[1:]
    keys = [k for k in want if k in have] if head == ANY else [head] if head in want and head in have else []
    for k in keys:
        sub, live = want[k], have[k]
        if rest and isinstance(sub, dict) and isinstance(live, dict):
            want[k] = dict(sub)
            _carry(want[k], live, rest, key)
        elif not rest and isinstance(sub, list) and isinstance(live, list):
            want[k] = _completed(sub, live, key)


def _completed(want: List[Any], have: List[Any], key: str) -> List[Any]:
    return [dict(h, **w) if isinstance(h, dict) and isinstance(w, dict) else w
            for w, h in zip(want, paired(want, have, (key,)))]


#: keys that name a list element (a column, a partition dimension, a named trigger or step, a recipe item)
IDENTITY_KEYS = ("name", "ref")


def paired(want: List[Any], have: List[Any], keys: Sequence[str] = IDENTITY_KEYS) -> List[Any]:
    """For each element of ``want``, the element of ``have`` it stands for, or None: the one with
    the same name (the first of ``keys`` it has); an unnamed one, the one at its position when of
    the same ``type`` and named by no element of ``want`` (a trigger keeps its DSS id, a step its UI
    settings). Each element of ``have`` stands for one element at most."""
    claimed = {_identity(w, keys) for w in want} - {None}
    free = set(range(len(have)))
    out = []
    for i, element in enumerate(want):
        own = _identity(element, keys)
        if own is not None:
            j = next((k for k in sorted(free) if _identity(have[k], keys) == own), None)
        elif i in free and isinstance(element, dict) and isinstance(have[i], dict) and \
                have[i].get("type") == element.get("type") and _identity(have[i], keys) not in claimed:
            j = i
        else:
            j = None
        if j is not None:
            free.discard(j)
        out.append(None if j is None else have[j])
    return out


def _identity(element: Any, keys: Sequence[str]) -> Any:
    if isinstance(element, dict):
        for key in keys:
            value = element.get(key)
            if value is not None:
                return key, value if isinstance(value, (str, int, float, bool)) else repr(value)
    return None


DEFAULT_ZONE_ID = DEFAULT_ZONE


def drop_none(d: Dict[str, Any]) -> Dict[str, Any]:
    """``d`` without keys whose value is None (keys the config leaves unset)."""
    return {k: v for k, v in d.items() if v is not None}


class Context(object):
    """What handlers need besides one object: the project key, connection types, the snapshot.

    Built once per plan; the id <-> name tables are computed once here, not per object."""

    def __init__(self, project_key: str, snapshot: Any = None, connection_types: Optional[Dict[str, Any]] = None,
                 config: Any = None) -> None:
        self.project_key = project_key
        self.snapshot = snapshot
        self.connection_types = dict(connection_types or {})
        self.config = config
        self.folder_names = snapshot.folder_names() if snapshot is not None else {}
        self.scenario_names = snapshot.scenario_names() if snapshot is not None else {}
        self.zone_of = snapshot.zone_of() if snapshot is not None else {}
        self.folder_configs = {mf.name for mf in (config.managed_folders if config is not None else [])}
        # the default zone: the config calls it ``default`` (its id); DSS lists it as "Default", or not at all
        self.default_zone_names = {z.get("name") for z in (getattr(snapshot, "zones", None) or [])
                                   if z.get("id") == DEFAULT_ZONE_ID}

    def item_address(self, name: str) -> str:
        """The address of a flow item the config names: a managed folder's, else a dataset's."""
        return "%s.%s" % ("managed_folder" if name in self.folder_configs else "dataset", name)

    def zone(self, object_type: str, object_id: Any) -> str:
        """The name of the zone an object is in; ``default`` for the default zone."""
        name = self.zone_of.get((object_type, object_id))
        return DEFAULT_ZONE_ID if name is None or name in self.default_zone_names else name
