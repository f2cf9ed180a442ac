"""Validation of a configuration document: schema, then meaning.

Why two layers: the compiled JSON Schema check catches shape errors (unknown
keys, wrong types, bad enums); the semantic checks catch what a schema cannot
say (references that do not resolve, two recipes writing one dataset, cycles,
keys that do not apply to the chosen type, credentials). Both run on the same
located document and all their findings are returned together. Checks are
written defensively (they skip values of the wrong type) so they also run on
documents the schema check rejected.
"""

import os
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple

from . import hooks
from .annotations import facts
from .diagnostics import ERROR, WARNING, Diagnostic, did_you_mean, format_path
from .environments import apply_environment, check_overlay_targets, check_overlay_values
from .graph import find_cycles, flow_graph
from .loader import resolve_inside
from .located import position_of
from .references import NAMED_SECTIONS, flow_objects, items, name_of, recipe_io, scenario_parts, step_items
from .schema_check import check_document
from .secrets import find_secrets
from .variables import (DSS_BUILTIN_VARIABLES, declared_variables, is_code_path, iter_references, parse_reference,
                        unset_env, unset_env_diagnostic)

Path = Tuple[Any, ...]

SQL_TYPES = facts("Dataset").applies_to["table"]
_CONNECTIONLESS_TYPES = frozenset(["UploadedFiles", "Inline", "FilesInFolder"])


class Checker(object):
    """Collects diagnostics for one document; ``report`` turns a path into a position."""

    def __init__(self, doc, root_dir, environ=None):
        # type: (Any, Optional[str], Optional[Mapping[str, str]]) -> None
        self.doc = doc
        self.root_dir = root_dir or os.getcwd()
        self.environ = os.environ if environ is None else environ
        self.diagnostics = []  # type: List[Diagnostic]

    def report(self, path, summary, hint=None, severity=ERROR, at_key=False, code="", detail=""):
        # type: (Sequence[Any], str, Optional[str], str, bool, str, str) -> None
        self.diagnostics.append(Diagnostic(severity, summary, detail=detail, path=format_path(path), hint=hint,
                                           position=position_of(self.doc, path, key=at_key), code=code))

    def warn(self, path, summary, hint=None, at_key=False, code=""):
        # type: (Sequence[Any], str, Optional[str], bool, str) -> None
        self.report(path, summary, hint, WARNING, at_key, code)

    def where(self, path, seen_from):
        # type: (Sequence[Any], Sequence[Any]) -> str
        """``line N`` of ``path``'s position, naming its file when it differs from ``seen_from``'s."""
        there, here = position_of(self.doc, path), position_of(self.doc, seen_from)
        if not there or not there[1]:
            return format_path(path)
        if there[0] and (not here or here[0] != there[0]):
            name = there[0]
            if os.path.isabs(name):
                relative = os.path.relpath(name, self.root_dir)
                name = relative if not relative.startswith("..") else name
            return "%s line %d" % (name, there[1])
        return "line %d" % there[1]


# --------------------------------------------------------------------------- generic checks


def sets_sql_source(dataset: Dict[str, Any], key: str) -> bool:
    """Whether a dataset document gives ``key`` (``table`` or ``query``), first-class or in ``params``."""
    params = dataset.get("params") if isinstance(dataset.get("params"), dict) else {}
    return key in dataset or key in params

def check_schema(ck):
    # type: (Checker) -> None
    from .fixes import propose_fix
    for path, code, message, hint, at_key in check_document(ck.doc):
        ck.report(path, message, hint, at_key=at_key, code=code)
        propose_fix(ck.doc, path, code, ck.diagnostics[-1])


def check_unique_names(ck):
    # type: (Checker) -> None
    """Names are unique per section; datasets, folders and externals share one namespace (recipes name them)."""
    flow_seen = {}  # type: Dict[str, Path]
    for section in NAMED_SECTIONS:
        seen = {}  # type: Dict[str, Path]
        for index, obj in items(ck.doc, section):
            name = name_of(obj)
            if name is None:
                continue
            path = (section, index, "name")
            first = seen.get(name) or (flow_seen.get(name) if section in ("datasets", "managed_folders", "external") else None)
            if first is not None:
                ck.report(path, "duplicate name '%s' (already used by %s at %s)" % (
                    name, format_path(first[:2]), ck.where(first, path)), code="names.duplicate",
                    hint="give each object its own name")
                continue
            seen[name] = path
            if section in ("datasets", "managed_folders", "external"):
                flow_seen[name] = path


def check_applicability(ck, section_paths, kind):
    # type: (Checker, List[Tuple[Path, Dict[str, Any]]], str) -> None
    """Keys annotated ``x-applies-to`` may only be used with those discriminator values; unknown values warn."""
    info = facts(kind)
    for path, obj in section_paths:
        value = obj.get(info.discriminator or "type", info.defaults.get(info.discriminator or ""))
        if not isinstance(value, str):
            continue
        if value in info.aliases:
            ck.warn(path + (info.discriminator,), "'%s' is a deprecated spelling" % value,
                    hint="write '%s'" % info.aliases[value], code="type.alias")
        elif info.known_values and value not in info.known_values:
            if not info.closed:  # a closed list (schema enum) is already an error of the schema check
                ck.warn(path + (info.discriminator,), "unknown %s type '%s' (accepted, passed to DSS as-is)" % (
                    kind.lower(), value), hint=did_you_mean(value, info.known_values), code="type.unknown")
            continue
        for key, allowed in info.applies_to.items():
            if key in obj and value not in allowed and info.canonical(value) not in allowed:
                ck.report(path + (key,), "key '%s' does not apply to %s type '%s'" % (key, kind.lower(), value),
                          hint="it applies to: %s" % ", ".join(sorted(allowed)), at_key=True, code="key.not_applicable")


def _all_kinds(doc):
    # type: (Any) -> List[Tuple[str, List[Tuple[Path, Dict[str, Any]]]]]
    def section(name):
        # type: (str) -> List[Tuple[Path, Dict[str, Any]]]
        return [((name, i), obj) for i, obj in items(doc, name)]
    return [("Dataset", section("datasets")), ("ManagedFolder", section("managed_folders")),
            ("Recipe", section("recipes")), ("Scenario", section("scenarios")),
            ("Trigger", list(scenario_parts(doc, "triggers"))), ("Step", list(scenario_parts(doc, "steps")))]


def check_types(ck):
    # type: (Checker) -> None
    for kind, objects in _all_kinds(ck.doc):
        if facts(kind).discriminator:
            check_applicability(ck, objects, kind)


def check_lifecycle(ck):
    # type: (Checker) -> None
    """``ignore_changes`` entries must start with a field of the resource they belong to."""
    for kind, objects in _all_kinds(ck.doc) + [("Project", [(("project",), ck.doc.get("project"))])]:
        fields = facts(kind).fields
        for path, obj in objects:
            lifecycle = obj.get("lifecycle") if isinstance(obj, dict) else None
            ignored = lifecycle.get("ignore_changes") if isinstance(lifecycle, dict) else None
            for index, entry in enumerate(ignored if isinstance(ignored, list) else []):
                if isinstance(entry, str):
                    head = entry.split(".")[0].split("[")[0]
                    if head not in fields or head in ("name", "lifecycle"):
                        ck.report(path + ("lifecycle", "ignore_changes", index),
                                  "'%s' is not a field of %s that can be ignored" % (entry, kind.lower()),
                                  hint=did_you_mean(head, [f for f in fields if f not in ("name", "lifecycle")]),
                                  code="lifecycle.field")


def check_secrets(ck):
    # type: (Checker) -> None
    for path, message in find_secrets(ck.doc):
        ck.report(path, message, code="secret",
                  hint="store credentials in a DSS connection or user secret and reference it by name")


def check_variable_references(ck):
    # type: (Checker) -> None
    """``${...}`` syntax, undeclared project variables (warning) and unset ``${env:NAME}`` without default.

    Unset variables are only errors where they would be substituted: not in
    code, ``metadata`` or environments that are not applied.
    """
    declared = set(declared_variables(ck.doc)) | DSS_BUILTIN_VARIABLES
    for path, body in iter_references(ck.doc):
        if path and path[0] in ("metadata",):
            continue
        kind, name, _ = parse_reference(body)
        if kind == "env":
            if path[0] != "environments" and not is_code_path(path) and unset_env(body, ck.environ):
                ck.diagnostics.append(unset_env_diagnostic(ck.doc, path, name))
        elif kind == "invalid":
            ck.report(path, "invalid reference '${%s}'" % body, code="var.syntax",
                      hint="use ${variable_name} or ${env:ENV_VAR}")
        elif kind == "var" and name not in declared and not (path and path[0] == "environments"):
            ck.warn(path, "reference to undeclared variable '%s'" % name, code="var.unknown",
                    hint=did_you_mean(name, declared) or "declare it under project.variables.standard")


def check_zones(ck):
    # type: (Checker) -> None
    zones = set(n for n in (name_of(z) for _, z in items(ck.doc, "zones")) if n)
    for section in ("datasets", "managed_folders", "recipes"):
        for index, obj in items(ck.doc, section):
            zone = obj.get("zone")
            if isinstance(zone, str) and zone not in zones and zone != "default":
                ck.report((section, index, "zone"), "unknown zone '%s'" % zone, code="ref.zone",
                          hint=did_you_mean(zone, zones) or "declare it under 'zones'")


def check_permissions(ck):
    # type: (Checker) -> None
    project = ck.doc.get("project")
    permissions = project.get("permissions") if isinstance(project, dict) else None
    for index, perm in enumerate(permissions if isinstance(permissions, list) else []):
        if not isinstance(perm, dict):
            continue
        path = ("project", "permissions", index)
        if ("group" in perm) == ("user" in perm):
            ck.report(path, "a permission names exactly one of 'group' or 'user'", code="permission.subject")
        if "level" not in perm and not perm.get("extra"):
            ck.report(path, "a permission needs a 'level' (read, write, admin) or 'extra' flags", code="permission.level")


# --------------------------------------------------------------------------- datasets

def check_datasets(ck):
    # type: (Checker) -> None
    info = facts("Dataset")
    for index, ds in items(ck.doc, "datasets"):
        path = ("datasets", index)
        dtype = ds.get("type")
        params = ds.get("params") if isinstance(ds.get("params"), dict) else {}
        for key, param in info.dss_params.items():
            if key in ds and param in params:
                ck.report(path + ("params", param), "'%s' is set twice: as '%s' and as 'params.%s'" % (param, key, param),
                          hint="keep only '%s'" % key, at_key=True, code="dataset.conflict")
        if not isinstance(dtype, str):
            continue
        if ds.get("managed") is not True and dtype not in _CONNECTIONLESS_TYPES and "connection" not in ds \
                and "connection" not in params:
            ck.report(path, "dataset '%s' needs a 'connection'" % name_of(ds), code="dataset.connection",
                      hint="name the DSS connection holding the data (managed datasets may omit it)")
        if dtype in SQL_TYPES and ds.get("managed") is not True:
            table, query = (sets_sql_source(ds, key) for key in ("table", "query"))
            if table and query:
                ck.report(path, "SQL dataset '%s' has both 'table' and 'query'" % name_of(ds),
                          hint="keep one: 'table' reads a table, 'query' the result of a SELECT",
                          code="dataset.sql_source")
            elif not table and not query:
                ck.warn(path, "SQL dataset '%s' names no 'table' or 'query': the table '%s' is used" % (
                    name_of(ds), name_of(ds)), hint="set 'table:' (or 'query:') if the table has another name",
                    code="dataset.sql_default_table")
        _check_partitioning(ck, path, ds.get("partitioning"))


def _check_partitioning(ck, path, partitioning):
    # type: (Checker, Path, Any) -> None
    dims = partitioning.get("dimensions") if isinstance(partitioning, dict) else None
    for index, dim in enumerate(dims if isinstance(dims, list) else []):
        if isinstance(dim, dict):
            if dim.get("type") == "time" and "period" not in dim:
                ck.report(path + ("partitioning", "dimensions", index), "time dimension needs a 'period'",
                          hint="period: DAY (or YEAR, MONTH, HOUR)", code="dataset.partitioning")
            if dim.get("type") == "value" and "period" in dim:
                ck.report(path + ("partitioning", "dimensions", index, "period"),
                          "'period' only applies to time dimensions", at_key=True, code="dataset.partitioning")


# --------------------------------------------------------------------------- code

def _check_code(ck, path, obj, required, what):
    # type: (Checker, Path, Dict[str, Any], bool, str) -> None
    """Exactly one of code/code_file when ``required``; a code_file must exist inside the root folder."""
    has_code, has_file = "code" in obj, "code_file" in obj
    if has_code and has_file:
        ck.report(path + ("code_file",), "%s has both 'code' and 'code_file'" % what, at_key=True,
                  hint="keep one of them", code="code.both")
    elif required and not has_code and not has_file and not isinstance(obj.get("payload"), str):
        ck.report(path, "%s needs 'code' (inline) or 'code_file'" % what, code="code.missing")
    code_file = obj.get("code_file")
    if isinstance(code_file, str) and code_file:
        location = position_of(ck.doc, path)
        base = os.path.dirname(os.path.abspath(location[0])) if location and location[0] else ck.root_dir
        real, reason = resolve_inside(ck.root_dir, base, code_file)
        if real is None:
            ck.report(path + ("code_file",), "code_file '%s' %s" % (code_file, reason), code="code.outside")
        elif not os.path.isfile(real):
            ck.report(path + ("code_file",), "code_file '%s' not found" % code_file, code="code.not_found",
                      hint="paths are relative to %s" % base)


def check_recipes(ck):
    # type: (Checker) -> None
    info = facts("Recipe")
    flow = flow_objects(ck.doc)
    producers = {}  # type: Dict[str, Path]
    for index, recipe in items(ck.doc, "recipes"):
        path = ("recipes", index)
        rtype = info.canonical(recipe.get("type"))
        if isinstance(rtype, str):
            _check_code(ck, path, recipe, rtype in info.code_types, "%s recipe '%s'" % (rtype, name_of(recipe)))
            _check_translatable(ck, path, recipe, rtype)
        if isinstance(recipe.get("outputs"), list) and not recipe["outputs"]:
            ck.report(path + ("outputs",), "recipe '%s' has no output" % name_of(recipe), code="recipe.no_output")
        elif "outputs" not in recipe:
            ck.report(path, "recipe '%s' has no 'outputs'" % name_of(recipe), code="recipe.no_output",
                      hint="list the datasets or folders the recipe writes")
        for direction, ref, _, io_index in recipe_io(recipe):
            io_path = path + (direction, io_index)
            if ref not in flow:
                ck.report(io_path, "unknown %s '%s' in recipe %s" % (
                    "dataset or folder", ref, direction[:-1]), code="ref.unknown",
                    hint=did_you_mean(ref, flow) or ("declare it under 'datasets', 'managed_folders' or 'external'"))
            elif direction == "outputs":
                if ref in producers:
                    ck.report(io_path, "'%s' is already written by %s" % (ref, _recipe_label(ck, producers[ref], path)),
                              hint="each dataset or folder has exactly one producing recipe", code="ref.producer")
                else:
                    producers[ref] = path


def _check_translatable(ck: "Checker", path: "Path", recipe: Dict[str, Any], rtype: str) -> None:
    """Keys the DSS translation cannot apply are errors, never silently dropped (the recipe translation's rules)."""
    problems = hooks.get("recipe_problems")  # the translation owns its limits; registered from above (wiring)
    for sub, summary, hint, code in problems(recipe, rtype):
        ck.report(path + sub, "recipe '%s': %s" % (name_of(recipe), summary), hint=hint, code=code)


def _recipe_label(ck, path, seen_from):
    # type: (Checker, Path, Path) -> str
    recipe = ck.doc["recipes"][path[1]]
    return "recipe '%s' (%s)" % (name_of(recipe), ck.where(path, seen_from))


def check_cycles(ck):
    # type: (Checker) -> None
    edges, recipe_names = flow_graph(ck.doc)
    for cycle in find_cycles(edges):
        labels = [("recipe %s" % recipe_names[key]) if kind == "recipe" else key for kind, key in cycle]
        index = next(key for kind, key in cycle if kind == "recipe")
        ck.report(("recipes", index), "dependency cycle: %s" % " -> ".join(labels), code="flow.cycle",
                  hint="a recipe cannot (indirectly) read its own output; break the loop")


# --------------------------------------------------------------------------- scenarios

def check_scenarios(ck):
    # type: (Checker) -> None
    flow = flow_objects(ck.doc)
    scenario_names = set(n for n in (name_of(s) for _, s in items(ck.doc, "scenarios")) if n)
    external_scenarios = set(name_of(e) for _, e in items(ck.doc, "external") if e.get("kind") == "scenario")
    for index, scenario in items(ck.doc, "scenarios"):
        if scenario.get("type") == "custom_python":
            _check_code(ck, ("scenarios", index), scenario, True, "custom_python scenario '%s'" % name_of(scenario))
    for path, trigger in scenario_parts(ck.doc, "triggers"):
        _check_trigger(ck, path, trigger, flow)
    steps = facts("Step")
    for path, step in scenario_parts(ck.doc, "steps"):
        stype = steps.canonical(step.get("type"))
        if not isinstance(stype, str):
            continue  # a type of the wrong shape: the schema check reports it
        for key in _STEP_REQUIRED.get(stype, ()):
            if key not in step:
                ck.report(path, "%s step needs '%s'" % (stype, key), code="step.required")
        if stype == "custom_python":
            _check_code(ck, path, step, True, "custom_python step")
        for ref, item_index in step_items(step):
            if ref not in flow:
                ck.report(path + ("items", item_index), "unknown item '%s' in %s step" % (ref, stype),
                          hint=did_you_mean(ref, flow) or "declare it under 'datasets', 'managed_folders' or 'external'",
                          code="ref.unknown")
        target = step.get("scenario")
        if stype == "run_scenario" and isinstance(target, str) and target not in scenario_names \
                and target not in external_scenarios:
            ck.report(path + ("scenario",), "unknown scenario '%s'" % target, code="ref.scenario",
                      hint=did_you_mean(target, scenario_names) or "declare it in 'external' with kind: scenario")


_STEP_REQUIRED = {"build_flowitem": ("items",), "compute_metrics": ("items",), "check_dataset": ("items",),
                  "clear_items": ("items",), "exec_sql": ("connection", "sql"), "run_scenario": ("scenario",),
                  "set_project_vars": ("variables",)}
_TRIGGER_REQUIRED = {"temporal": ("frequency",), "dataset": ("dataset",), "sql": ("connection", "sql")}


def _check_trigger(ck, path, trigger, flow):
    # type: (Checker, Path, Dict[str, Any], Dict[str, Any]) -> None
    ttype = trigger.get("type")
    if not isinstance(ttype, str):
        return  # a type of the wrong shape: the schema check reports it
    for key in _TRIGGER_REQUIRED.get(ttype, ()):
        if key not in trigger:
            ck.report(path, "%s trigger needs '%s'" % (ttype, key), code="trigger.required")
    if ttype == "python":
        _check_code(ck, path, trigger, True, "python trigger")
    if ttype == "temporal":
        _check_schedule(ck, path, trigger)
    datasets = trigger.get("dataset")
    refs = [datasets] if isinstance(datasets, str) else datasets if isinstance(datasets, list) else []
    for offset, ref in enumerate(refs):
        if isinstance(ref, str) and ref not in flow:
            ck.report(path + (("dataset",) if isinstance(datasets, str) else ("dataset", offset)),
                      "unknown dataset '%s' in trigger" % ref, code="ref.unknown",
                      hint=did_you_mean(ref, flow) or "declare it under 'datasets' or 'external'")


_SCHEDULE_KEYS = {"minutely": (), "hourly": ("minute",), "daily": ("hour", "minute"),
                  "weekly": ("hour", "minute", "day_of_week"), "monthly": ("hour", "minute", "day_of_month")}


def _check_schedule(ck, path, trigger):
    # type: (Checker, Path, Dict[str, Any]) -> None
    frequency = trigger.get("frequency")
    if not isinstance(frequency, str) or frequency not in _SCHEDULE_KEYS:
        return
    allowed = _SCHEDULE_KEYS[frequency]
    for key in ("hour", "minute", "day_of_week", "day_of_month"):
        if key in trigger and key not in allowed:
            ck.report(path + (key,), "'%s' does not apply to %s triggers" % (key, frequency), at_key=True,
                      code="trigger.schedule", hint="keys for %s: %s" % (frequency, ", ".join(allowed) or "repeat_every"))
    if frequency == "weekly" and "day_of_week" not in trigger:
        ck.report(path, "weekly trigger needs 'day_of_week'", hint="day_of_week: [Monday]", code="trigger.schedule")


# --------------------------------------------------------------------------- entry points

SEMANTIC_CHECKS = (check_unique_names, check_types, check_lifecycle, check_datasets, check_recipes, check_cycles,
                   check_scenarios, check_zones, check_permissions, check_variable_references,
                   check_secrets)  # type: Tuple[Callable[[Checker], None], ...]


def validate_document(doc, root_dir=None, env=None, environ=None):
    # type: (Any, Optional[str], Optional[str], Optional[Mapping[str, str]]) -> List[Diagnostic]
    """Every diagnostic for a loaded document.

    Every environment overlay is always checked (its values against the
    schema of the objects it overrides, its targets exist), at paths inside
    ``environments.<name>``. With ``env`` the document with that overlay
    applied is validated too; a problem of an overlay value found both ways
    is reported once, at its ``environments`` path. ``environ`` (default
    ``os.environ``) is where ``${env:NAME}`` variables are looked up.
    """
    if not isinstance(doc, dict):
        return [Diagnostic(ERROR, "a configuration must be a mapping with 'version' and 'project', got %s" % (
            type(doc).__name__), position=position_of(doc, ()), code="schema.type")]
    diagnostics = check_overlay_targets(doc) + check_overlay_values(doc)
    seen = set((d.filename, d.line, d.column, d.code) for d in diagnostics) if env is not None else set()
    if env is not None:
        doc, env_diags = apply_environment(doc, env)
        diagnostics.extend(env_diags)
    ck = Checker(doc, root_dir, environ)
    check_schema(ck)
    for check in SEMANTIC_CHECKS + tuple(hooks.checks()):  # then the checks the kinds declare (wiring)
        check(ck)
    if seen:
        return diagnostics + [d for d in ck.diagnostics if (d.filename, d.line, d.column, d.code) not in seen]
    return diagnostics + ck.diagnostics
