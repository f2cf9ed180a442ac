"""Environment overlays (``environments: {dev: ..., prod: ...}``).

Why: the same project is deployed to several DSS instances or stages that
differ only in connection names and a few values. An overlay is chosen at
validate/plan time (``--env prod``) and merged into the base configuration:
variables are overridden, connections remapped (like a bundle's connection
remapping), and named objects deep-merged. Overlays are applied on a located
copy so diagnostics about overlaid values point at the overlay's lines.
"""

from typing import Any, Dict, Iterator, List, Optional, Tuple

from .annotations import facts
from .diagnostics import ERROR, Diagnostic, did_you_mean, format_path
from .located import LocDict, copy_located, position_of
from .references import connection_slots, items, name_of
from .schema_check import check_overlay

OBJECT_SECTIONS = ("datasets", "managed_folders", "recipes", "scenarios")
#: Schema definition of the objects each overlay section merges into.
_DEFINITIONS = {"project": "Project", "datasets": "Dataset", "managed_folders": "ManagedFolder",
                "recipes": "Recipe", "scenarios": "Scenario"}


def environment_names(doc):
    # type: (Any) -> List[str]
    envs = doc.get("environments") if isinstance(doc, dict) else None
    return [k for k in envs if isinstance(k, str)] if isinstance(envs, dict) else []


def _merge(target, overlay):
    # type: (Dict[str, Any], Dict[str, Any]) -> None
    """Deep-merge ``overlay`` into ``target``: mappings merge, everything else replaces."""
    for key, value in overlay.items():
        current = target.get(key)
        if isinstance(current, dict) and isinstance(value, dict):
            _merge(current, value)
        else:
            target[key] = copy_located(value)
        if isinstance(target, LocDict) and isinstance(overlay, LocDict) and key in overlay.value_spans:
            target.key_spans[key] = overlay.key_spans[key]
            target.value_spans[key] = overlay.value_spans[key]


def _ensure_dict(parent, key):
    # type: (Dict[str, Any], str) -> Optional[Dict[str, Any]]
    if key not in parent or parent[key] is None:
        parent[key] = LocDict()
    value = parent[key]
    return value if isinstance(value, dict) else None


def _each_environment(doc):
    # type: (Any) -> Iterator[Tuple[str, Dict[str, Any]]]
    """``(name, overlay)`` for every well-formed environment of ``doc`` (others are schema errors)."""
    envs = doc.get("environments") if isinstance(doc, dict) else None
    for env_name, env in (envs.items() if isinstance(envs, dict) else ()):
        if isinstance(env, dict):
            yield env_name, env


def check_overlay_targets(doc):
    # type: (Any) -> List[Diagnostic]
    """Every object an overlay names must exist in the base configuration."""
    diagnostics = []  # type: List[Diagnostic]
    for env_name, env in _each_environment(doc):
        for section in OBJECT_SECTIONS:
            targets = env.get(section)
            if not isinstance(targets, dict):
                continue
            known = [name_of(obj) for _, obj in items(doc, section)]
            for name in targets:
                if name not in known:
                    path = ("environments", env_name, section, name)
                    diagnostics.append(Diagnostic(
                        ERROR, "environment '%s' overrides unknown %s '%s'" % (env_name, section[:-1].replace("_", " "), name),
                        path=format_path(path), hint=did_you_mean(name, [k for k in known if k]),
                        position=position_of(doc, path, key=True), code="env.unknown_target"))
    return diagnostics


def check_overlay_values(doc):
    # type: (Any) -> List[Diagnostic]
    """The values of every environment, checked against the schema of the objects they override.

    Runs whether or not an environment is selected, so a typo in the prod
    overlay is found while validating on a dev machine; paths and positions
    are those inside ``environments.<name>``.
    """
    diagnostics = []  # type: List[Diagnostic]
    for env_name, env in _each_environment(doc):
        found = []  # type: List[Any]
        if isinstance(env.get("project"), dict):
            found.extend(check_overlay("Project", env["project"], ("environments", env_name, "project")))
        for section in OBJECT_SECTIONS:
            targets = env.get(section)
            if isinstance(targets, dict):
                for name, overlay in targets.items():
                    if isinstance(overlay, dict):
                        found.extend(check_overlay(_DEFINITIONS[section], overlay,
                                                   ("environments", env_name, section, name)))
        for path, code, message, hint, at_key in found:
            diagnostics.append(Diagnostic(ERROR, message, path=format_path(path), hint=hint, code=code,
                                          position=position_of(doc, path, key=at_key)))
    return diagnostics


def apply_environment(doc, env_name):
    # type: (Any, str) -> Tuple[Any, List[Diagnostic]]
    """The document with environment ``env_name`` applied (a copy), and any problem found."""
    envs = doc.get("environments") if isinstance(doc, dict) else None
    env = envs.get(env_name) if isinstance(envs, dict) else None
    if not isinstance(env, dict):
        known = environment_names(doc)
        return doc, [Diagnostic(
            ERROR, "unknown environment '%s'" % env_name, path="environments",
            hint=did_you_mean(env_name, known) or ("defined environments: %s" % ", ".join(known) if known
                                                   else "this configuration defines no 'environments'"),
            position=position_of(doc, ("environments",), key=True), code="env.unknown")]
    result = copy_located(doc)
    env = result["environments"][env_name]
    project = result.get("project")
    if isinstance(project, dict):
        _apply_variables(project, env)
        if isinstance(env.get("project"), dict):
            _merge(project, env["project"])
    for section in OBJECT_SECTIONS:
        targets = env.get(section)
        if isinstance(targets, dict):
            by_name = {name_of(obj): obj for _, obj in items(result, section)}
            for name, overlay in targets.items():
                if name in by_name and isinstance(overlay, dict):
                    if section == "datasets":
                        _drop_other_spelling(by_name[name], overlay)
                    _merge(by_name[name], overlay)
    mapping = env.get("connections")
    if isinstance(mapping, dict):
        for _, container, key in list(connection_slots(result)):
            if container[key] in mapping and isinstance(mapping[container[key]], str):
                container[key] = mapping[container[key]]
    return result, []


def _drop_other_spelling(dataset: Dict[str, Any], overlay: Dict[str, Any]) -> None:
    """Before an overlay sets ``sql_schema`` (or ``params.schema``), drop the base's other spelling of it.

    Why: both spellings name one DSS param; an overlay written with the other spelling than the
    base file replaces the value, it does not make the dataset say it twice."""
    base_params = dataset.get("params") if isinstance(dataset.get("params"), dict) else {}
    overlay_params = overlay.get("params") if isinstance(overlay.get("params"), dict) else {}
    for field, key in facts("Dataset").dss_params.items():
        if field in overlay and key in base_params:
            del base_params[key]
        if key in overlay_params and field in dataset:
            del dataset[field]


def _apply_variables(project, env):
    # type: (Dict[str, Any], Dict[str, Any]) -> None
    for env_key, var_key in (("variables", "standard"), ("local_variables", "local")):
        overrides = env.get(env_key)
        if not isinstance(overrides, dict):
            continue
        variables = _ensure_dict(project, "variables")
        target = _ensure_dict(variables, var_key) if variables is not None else None
        if target is not None:
            _merge(target, overrides)
