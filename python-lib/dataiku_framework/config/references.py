"""Where a configuration names other things: flow objects, connections, code envs, users.

Why one module: the semantic checks (do references resolve?), the environment
overlay (connection remapping), the online checks (do connections, code envs
and users exist in DSS?) and the planner all need the same list of places;
keeping it here means adding a new referencing key updates all of them.

Functions take the plain (possibly located) document and tolerate wrong types:
they run even when the schema check found errors, so every problem is
reported at once.
"""

from typing import Any, Dict, Iterator, List, Tuple

Path = Tuple[Any, ...]

#: List sections holding named objects, and the flow-object sections among them.
NAMED_SECTIONS = ("datasets", "managed_folders", "recipes", "scenarios", "zones", "external")
FLOW_SECTIONS = ("datasets", "managed_folders", "external")


def items(doc, section):
    # type: (Any, str) -> Iterator[Tuple[int, Dict[str, Any]]]
    """``(index, object)`` for each mapping in a top-level list section."""
    values = doc.get(section) if isinstance(doc, dict) else None
    if isinstance(values, list):
        for index, value in enumerate(values):
            if isinstance(value, dict):
                yield index, value


def name_of(obj):
    # type: (Dict[str, Any]) -> Any
    name = obj.get("name")
    return name if isinstance(name, str) else None


def flow_objects(doc):
    # type: (Any) -> Dict[str, Tuple[str, Path]]
    """Name -> (section, path) for every dataset, managed folder and external object (first wins)."""
    found = {}  # type: Dict[str, Tuple[str, Path]]
    for section in FLOW_SECTIONS:
        for index, obj in items(doc, section):
            name = name_of(obj)
            if name is not None and name not in found:
                found[name] = (section, (section, index))
    return found


def recipe_io(recipe):
    # type: (Dict[str, Any]) -> Iterator[Tuple[str, str, str, int]]
    """``(direction, ref, role, index)`` for each input and output of a recipe.

    Entries are either a name or ``{ref, role, ...}``; the role defaults to ``main``.
    """
    for direction in ("inputs", "outputs"):
        entries = recipe.get(direction)
        if not isinstance(entries, list):
            continue
        for index, entry in enumerate(entries):
            if isinstance(entry, str):
                yield direction, entry, "main", index
            elif isinstance(entry, dict) and isinstance(entry.get("ref"), str):
                role = entry.get("role", "main")
                yield direction, entry["ref"], role if isinstance(role, str) else "main", index


def step_items(step):
    # type: (Dict[str, Any]) -> Iterator[Tuple[str, int]]
    """``(ref, index)`` for each item of a scenario step."""
    entries = step.get("items")
    if isinstance(entries, list):
        for index, entry in enumerate(entries):
            if isinstance(entry, str):
                yield entry, index
            elif isinstance(entry, dict) and isinstance(entry.get("ref"), str):
                yield entry["ref"], index


def scenario_parts(doc, part):
    # type: (Any, str) -> Iterator[Tuple[Path, Dict[str, Any]]]
    """``(path, trigger_or_step)`` over all scenarios (``part`` is 'triggers' or 'steps')."""
    for s_index, scenario in items(doc, "scenarios"):
        values = scenario.get(part)
        if isinstance(values, list):
            for index, value in enumerate(values):
                if isinstance(value, dict):
                    yield ("scenarios", s_index, part, index), value


def connection_slots(doc):
    # type: (Any) -> Iterator[Tuple[Path, Dict[str, Any], str]]
    """``(path, container, key)`` of every place naming a DSS connection."""
    for section in ("datasets", "managed_folders"):
        for index, obj in items(doc, section):
            if isinstance(obj.get("connection"), str):
                yield (section, index, "connection"), obj, "connection"
    for part in ("triggers", "steps"):
        for path, obj in scenario_parts(doc, part):
            if isinstance(obj.get("connection"), str):
                yield path + ("connection",), obj, "connection"


def connections(doc):
    # type: (Any) -> Iterator[Tuple[str, Path]]
    """``(connection_name, path)`` for every connection the configuration names."""
    for path, container, key in connection_slots(doc):
        yield container[key], path


def code_envs(doc):
    # type: (Any) -> Iterator[Tuple[str, Path]]
    """``(code_env_name, path)`` for every code environment the configuration names."""
    for section in ("recipes", "scenarios"):
        for index, obj in items(doc, section):
            if isinstance(obj.get("code_env"), str):
                yield obj["code_env"], (section, index, "code_env")
    project = doc.get("project") if isinstance(doc, dict) else None
    envs = project.get("code_envs") if isinstance(project, dict) else None
    for lang, name in sorted(envs.items()) if isinstance(envs, dict) else ():
        if isinstance(name, str) and name not in ("builtin", "inherit"):  # DSS modes, not env names
            yield name, ("project", "code_envs", lang)


def users(doc):
    # type: (Any) -> Iterator[Tuple[str, Path]]
    """``(login, path)`` for every DSS user the configuration names."""
    project = doc.get("project") if isinstance(doc, dict) else None
    if isinstance(project, dict):
        if isinstance(project.get("owner"), str):
            yield project["owner"], ("project", "owner")
        permissions = project.get("permissions")
        if isinstance(permissions, list):
            for index, permission in enumerate(permissions):
                if isinstance(permission, dict) and isinstance(permission.get("user"), str):
                    yield permission["user"], ("project", "permissions", index, "user")
    for index, scenario in items(doc, "scenarios"):
        if isinstance(scenario.get("run_as"), str):
            yield scenario["run_as"], ("scenarios", index, "run_as")


def names(doc, section):
    # type: (Any, str) -> List[str]
    return [n for n in (name_of(obj) for _, obj in items(doc, section)) if n is not None]
