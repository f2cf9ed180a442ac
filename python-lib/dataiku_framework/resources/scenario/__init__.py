"""Scenarios: active flag, triggers, steps (or script), tags, run-as, reporters.

DSS gives every trigger an id of its own. Triggers are matched by content first, then by
position, and the canonical live form keeps the matched trigger's ``id`` (so apply can send it
back): an unchanged trigger, even moved in the list, is never a change.
"""
from typing import Any, Dict, Iterable, List, Optional, Tuple

from ..base import ANY, Path, format_path
from ..kind import (ApplyContext, Kind, Writes, code_env_path, described_form, each_converted, known_by_listing,
                    merge_into)

from . import inverse
from .steps import ITEM_FIELDS, ITEM_KEYS, STEP_PARAMS, step_definition
from .triggers import TRIGGER_PARAMS, trigger_definition


def scenario_type(sc: Any) -> str:
    return "custom_python" if (sc.type == "custom_python" or sc.code) else "step_based"


def scenario_definition(sc: Any, project_key: str, folder_ids: Optional[Dict[str, str]] = None,
                        scenario_ids: Optional[Dict[str, str]] = None) -> Dict[str, Any]:
    """The parts of a DSS scenario definition the config sets (a key left unset is absent: DSS's or
    the create path's default). ``script`` is a Python scenario's code, which DSS keeps apart."""
    out = {"type": scenario_type(sc),
           "triggers": [t for t in (trigger_definition(tr) for tr in sc.triggers or []) if t]}  # type: Dict[str, Any]
    if sc.active is not None:
        out["active"] = sc.active is not False
    described_form(out, sc, short=False)
    if sc.run_as:
        out["runAsUser"] = sc.run_as
    if sc.reporters:
        out["reporters"] = list(sc.reporters)
    params = {}  # type: Dict[str, Any]
    if out["type"] == "step_based":
        params["steps"] = [step_definition(st, project_key, folder_ids, scenario_ids) for st in sc.steps or []]
    else:
        out["script"] = sc.code or ""
        if sc.code_env:
            params["envSelection"] = {"envMode": "EXPLICIT_ENV", "envName": sc.code_env}
    params.update(sc.params or {})
    out["params"] = params
    return out


class ScenarioResource(Writes, Kind):
    # -- declarations (issue 17: the registry derives the rest from these)
    section = ("scenarios",)
    include_names = ("scenarios", "scenario")
    list_calls = {"scenarios": lambda client, project: [dict(s) for s in project.list_scenarios()]}
    detailed = True
    listed_unmanaged = True
    delete_order = 10
    git_paths = (("scenarios", True),)
    kind = "scenario"
    definition = "Scenario"
    # the days of a weekly trigger are a set (DSS keeps the UI's order, the config the author's)
    set_paths = (("tags",), ("triggers", ANY, "params", "daysOfWeek"))
    atomic_paths = (("params", "steps", ANY, "runConditionStatuses"), ("triggers", ANY, "params", "daysOfWeek"))
    live_defaults = {("description",): "", ("tags",): []}
    # what DSS keeps in a trigger or a step beside the keys the config sets (its id, UI settings)
    carried = {("triggers",): "name", ("params", "steps"): "name"}
    path_map = (
        (("triggers", ANY, "delay"), ("triggers", "$0", "check_every")),
        (("triggers", ANY, "graceDelaySettings"), ("triggers", "$0", "grace_delay")),
        # the config's one number stands for the whole of DSS's grace settings
        (("triggers", ANY, "graceDelaySettings", ANY), ("triggers", "$0", "grace_delay")),
        (("params", "steps"), ("steps",)),
        (("params", "steps", ANY, "runConditionType"), ("steps", "$0", "run_condition")),
        (("params", "steps", ANY, "runConditionStatuses"), ("steps", "$0", "run_condition")),
        (("params", "steps", ANY, "maxRetriesOnFail"), ("steps", "$0", "max_retries")),
        (("script",), ("code",)),
        (("runAsUser",), ("run_as",)),
    )

    def configured(self, config: Any) -> List[Tuple[str, Any]]:
        return [(sc.name, sc) for sc in config.scenarios]

    def desired(self, sc: Any, ctx: Any) -> Dict[str, Any]:
        """The definition the create path writes; folders and scenarios named, not by id."""
        return scenario_definition(sc, ctx.project_key, {name: name for name in ctx.folder_configs})

    def depends_on(self, sc: Any, ctx: Any) -> List[str]:
        """What its steps build or check, what its triggers watch (datasets, folders), and the
        scenarios of this project it runs."""
        deps = []
        for step in sc.steps or []:
            target = _runs(step)
            if target and sc.name not in _run_closure(target, ctx.config):
                deps.append("scenario.%s" % target)  # its DSS id is known once it exists (no loop back)
            for item in step.items or []:
                ref = item if isinstance(item, str) else item.get("ref")
                deps.append(ctx.item_address(ref))
        for tr in sc.triggers or []:
            if tr.type == "dataset":
                for name in tr.dataset if isinstance(tr.dataset, list) else [tr.dataset]:
                    deps.append("dataset.%s" % name)
        return deps

    def listed(self, snap: Any, live: Optional[Dict[str, Any]] = None) -> List[str]:
        """Every scenario DSS lists, not only those read in detail (the configured ones)."""
        return list(snap.scenario_ids)

    def read(self, snapshot: Any) -> Dict[str, Dict[str, Any]]:
        return snapshot.scenarios

    def live_form(self, live: Dict[str, Any], ctx: Any, desired: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
        """Folder ids in build items and scenario ids in run_scenario steps named again."""
        out = dict(live)
        steps = (live.get("params") or {}).get("steps")
        if isinstance(steps, list):
            out["params"] = dict(live["params"], steps=[_named_step(s, ctx) for s in steps])
        return out

    def canonical(self, live: Dict[str, Any], desired: Dict[str, Any]) -> Dict[str, Any]:
        """Triggers aligned with the desired ones before the generic projection; ids kept."""
        triggers = live.get("triggers") or []
        wanted = desired.get("triggers") or []
        aligned = self._align(triggers, wanted)
        out = self._project(dict(live, triggers=aligned), desired, ())
        for projected, original in zip(out.get("triggers") or [], aligned):
            if isinstance(projected, dict) and isinstance(original, dict) and original.get("id") is not None:
                projected["id"] = original["id"]
        return out

    def _align(self, live: List[Any], wanted: List[Any]) -> List[Any]:
        """Live triggers reordered to face the desired ones: equal content first, then by position."""
        free = list(range(len(live)))
        chosen = [None] * len(wanted)  # type: List[Optional[int]]
        for i, want in enumerate(wanted):
            for j in free:
                if not self._diff_trigger(want, live[j], i):
                    chosen[i] = j
                    free.remove(j)
                    break
        for i in range(len(wanted)):
            if chosen[i] is None and free:
                chosen[i] = free.pop(0)
        return [live[j] for j in chosen if j is not None] + [live[j] for j in free]

    def _diff_trigger(self, want: Any, have: Any, index: int) -> bool:
        found = []  # type: List[Any]
        path = ("triggers", index)
        self._walk(want, self._project(have, want, path), path, found)
        return bool(found)

    def config_form(self, form: Dict[str, Any], name: str, obj: Any = None) -> Optional[Dict[str, Any]]:
        """Through the importer's inverse (steps and triggers as the configuration writes them)."""
        return inverse.scenario(dict(form, name=name), _own_project(form, obj), {}, {})

    # -- inverse (import)
    def to_config(self, snap: Any, ictx: Any) -> Iterable[Tuple[str, Any]]:
        """(name, document or ``LeftOut``) per scenario read: folders and scenarios of this project
        named, not by id."""
        folder_names, scenario_names = snap.folder_names(), snap.scenario_names()
        return each_converted(self.read(snap), lambda name, live: inverse.scenario(
            live, snap.project_key, folder_names, scenario_names))

    def config_path(self, path: Path, obj: Any) -> str:
        if len(path) >= 4 and path[0] == "triggers" and path[2] == "params":
            trigger = _at(getattr(obj, "triggers", None), path[1])
            own = getattr(trigger, "params", None) or {}
            key = path[3]
            field = TRIGGER_PARAMS.to_config(key)
            if key not in own and field is not None:
                if field == "starting_from" and getattr(trigger, "starting_from", None) is None \
                        and getattr(trigger, "frequency", None) == "monthly":
                    field = "day_of_month"  # the translation writes the day of the month as a start date
                rest = tuple(path[4:])
                if field == "dataset":  # watches[j].itemId: the j-th dataset named (or the only one)
                    rest = rest[:1] if isinstance(getattr(trigger, "dataset", None), list) else ()
                return format_path(("triggers", path[1], field) + rest)
            return format_path(("triggers", path[1], "params") + tuple(path[3:]))
        if len(path) >= 5 and path[:2] == ("params", "steps") and path[3] == "params":
            step = _at(getattr(obj, "steps", None), path[2])
            own = getattr(step, "params", None) or {}
            key = path[4]
            if key not in own and key in STEP_PARAMS:
                return format_path(("steps", path[2], STEP_PARAMS[key]) + _item_path(step, key, tuple(path[5:])))
            return format_path(("steps", path[2], "params") + tuple(path[4:]))
        return code_env_path(path, obj) or Kind.config_path(self, path, obj)

    def detail(self, project: Any, name: str, snap: Any) -> Dict[str, Any]:
        """One scenario's full read (triggers, steps, a Python scenario's code): by its DSS id, which
        the snapshot's listing gives for the name (a name the listing lacks is taken as the id)."""
        return scenario_by_id(project, (getattr(snap, "scenario_ids", None) or {}).get(name, name))

    # -- write (apply): a scenario is filed by id in DSS, named by the config
    def handle(self, ctx: ApplyContext, name: str) -> Any:
        return ctx.project.get_scenario(ctx.scenario_ids[name])

    def fetch(self, ctx: ApplyContext, name: str, keep: bool = False) -> Optional[Dict[str, Any]]:
        """The live definition in the snapshot's shape (a Python scenario's code as ``script``)."""
        if not known_by_listing(ctx, "scenario_ids", name, ctx.project.list_scenarios):
            return None
        settings = self.settings(ctx, name, keep)
        return None if settings is None else live_definition(settings)

    def create(self, ctx: ApplyContext, name: str, obj: Any, desired: Dict[str, Any]) -> None:
        """The creation carries the definition (DSS takes it whole, dss-rest-api.md: create_scenario
        with ``definition``), so no settings write follows it; a Python scenario's script, which DSS
        keeps apart, is the one thing the write after it still sends."""
        definition = scenario_definition(obj, ctx.project_key, ctx.folder_ids, ctx.scenario_ids)
        definition.pop("script", None)
        scenario = ctx.project.create_scenario(name, desired["type"], definition=definition)
        ctx.learn("scenario_ids", name, scenario.id)

    def to_dss(self, ctx: ApplyContext, obj: Any, desired: Dict[str, Any], key: str) -> Any:
        """The definition with DSS ids (folders, scenarios of this project) where the desired form names them."""
        return scenario_definition(obj, ctx.project_key, ctx.folder_ids, ctx.scenario_ids)[key]

    def save(self, ctx: ApplyContext, name: str, obj: Any, desired: Dict[str, Any], keys: List[str]) -> int:
        """Read the settings, set ``keys`` (the code of a Python scenario apart), save them: one write."""
        settings = self.settings(ctx, name)
        data = settings.get_raw()
        for key in keys:
            if key == "script":
                settings.code = desired["script"]
            else:
                data[key] = merge_into(data.get(key), self.to_dss(ctx, obj, desired, key))
        ctx.call(settings.save)
        return 1


def scenario_by_id(project: Any, scenario_id: str) -> Dict[str, Any]:
    """A scenario's full read by its DSS id (one GET), in the snapshot's shape: what refresh and import
    read when the listing gave the id before the snapshot holds it."""
    return live_definition(project.get_scenario(scenario_id).get_settings())


def live_definition(settings: Any) -> Dict[str, Any]:
    """A scenario's definition in the snapshot's shape: DSS keeps a Python scenario's code apart, the
    snapshot holds it as ``script`` (what ``scenario_definition`` writes)."""
    data = settings.get_raw()
    return dict(data, script=settings.code) if data.get("type") == "custom_python" else data


def _runs(step: Any) -> Optional[str]:
    """The scenario of this project a run_scenario step runs (by name), or None."""
    name = getattr(step, "scenario", None)
    return name if step.type == "run_scenario" and isinstance(name, str) and "." not in name else None


def _run_closure(name: str, config: Any) -> set:
    """``name`` and every scenario it runs, directly or through others (of this project)."""
    by_name = {sc.name: sc for sc in (getattr(config, "scenarios", None) or [])}
    seen, todo = set(), [name]
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        todo.extend(t for t in (_runs(st) for st in (getattr(by_name.get(current), "steps", None) or [])) if t)
    return seen


def _own_project(form: Dict[str, Any], obj: Any) -> str:
    """The key of the scenario's own project, as its steps show it (the form carries no other): the
    ``projectKey`` of a build item (the translation writes this project's) or of a step the config
    writes as running a scenario of this project (a bare name); never the key of another project a
    step runs, which would name that project's scenario bare and this one's prefixed. "" for none."""
    steps = (form.get("params") or {}).get("steps") or []
    configured = getattr(obj, "steps", None)
    keys = []  # type: List[Any]
    for index, st in enumerate(steps):
        params = (st.get("params") or {}) if isinstance(st, dict) else {}
        keys += [b.get("projectKey") for field in ITEM_FIELDS.dss_values()
                 for b in params.get(field) or [] if isinstance(b, dict)]
        mine = _at(configured, index)
        if mine is not None and _runs(mine):
            keys.append(params.get("projectKey"))
    return next((k for k in keys if isinstance(k, str) and k), "")


def _item_path(step: Any, key: str, rest: Path) -> Path:
    """``builds[i].itemId`` -> ``items[i]`` (a bare name) or ``items[i].ref``; other step params as they are."""
    if key not in ITEM_FIELDS.dss_values() or len(rest) < 2 or rest[1] not in ITEM_KEYS:
        return rest
    item = _at(getattr(step, "items", None), rest[0])
    if rest[1] == "itemId" and not isinstance(item, dict):
        return rest[:1] + rest[2:]
    return (rest[0], ITEM_KEYS[rest[1]]) + rest[2:]


def _at(items: Any, index: Any) -> Any:
    return items[index] if isinstance(items, list) and isinstance(index, int) and index < len(items) else None


def _named_step(step: Any, ctx: Any) -> Any:
    if not isinstance(step, dict) or not isinstance(step.get("params"), dict):
        return step
    params = dict(step["params"])
    for field in ITEM_FIELDS.dss_values():
        if isinstance(params.get(field), list):
            params[field] = [dict(b, itemId=ctx.folder_names[b["itemId"]])
                             if isinstance(b, dict) and b.get("type") == "MANAGED_FOLDER"
                             and b.get("itemId") in ctx.folder_names else b for b in params[field]]
    if step.get("type") == "run_scenario" and params.get("projectKey") == ctx.project_key:
        params["scenarioId"] = ctx.scenario_names.get(params.get("scenarioId"), params.get("scenarioId"))
    return dict(step, params=params)
