"""``${...}`` references inside configuration values.

Why: values are parameterised without copying them around and without
secrets. ``${name}`` names a project variable (DSS itself expands these at run
time, so they are kept as written when sent to DSS); ``${env:NAME}`` (or
``${env:NAME:-default}``) reads a non-secret value from the environment of the
process running validate/plan, and is substituted before anything reaches DSS.
"""

import os
import re
from typing import Any, Callable, Dict, Iterator, List, Mapping, Optional, Tuple

REFERENCE_RE = re.compile(r"\$\{([^}]*)\}")
_ENV_RE = re.compile(r"^env:([A-Za-z_][A-Za-z0-9_]*)(?::-(.*))?$")
_VAR_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_.]*$")

#: Variables DSS defines by itself in every project.
DSS_BUILTIN_VARIABLES = frozenset(["projectKey", "projectName", "dip.home", "dss.version", "jobId", "jobProjectKey",
                                   "activityId", "recipeName", "scenarioTriggerName", "scenarioTriggerRunId",
                                   "NODE_ID", "current_day", "current_month", "current_year", "current_date",
                                   "dku.install.dir"])


def parse_reference(body):
    # type: (str) -> Tuple[str, str, Optional[str]]
    """``('env', NAME, default)`` | ``('var', name, None)`` | ``('invalid', body, None)``."""
    env = _ENV_RE.match(body)
    if env:
        return "env", env.group(1), env.group(2)
    if _VAR_RE.match(body):
        return "var", body, None
    return "invalid", body, None


def iter_references(doc):
    # type: (Any) -> Iterator[Tuple[List[Any], str]]
    """``(path, reference_body)`` for each ``${...}`` in any string of ``doc``."""
    stack = [(doc, None)]  # type: List[Tuple[Any, Any]]
    while stack:
        value, link = stack.pop()
        if isinstance(value, dict):
            for key, child in value.items():
                stack.append((child, (link, key)))
        elif isinstance(value, list):
            for index, child in enumerate(value):
                stack.append((child, (link, index)))
        elif isinstance(value, str) and "${" in value:
            path = []  # type: List[Any]
            node = link
            while node is not None:
                node, part = node
                path.append(part)
            path.reverse()
            for match in REFERENCE_RE.finditer(value):
                yield path, match.group(1)


def substitute_env(value, environ=None):
    # type: (Any, Optional[Mapping[str, str]]) -> Any
    """A copy of ``value`` with every ``${env:NAME}`` replaced (unset variables without default stay as written)."""
    environ = os.environ if environ is None else environ

    def replace(match):
        # type: (Any) -> str
        kind, name, default = parse_reference(match.group(1))
        if kind != "env":
            return match.group(0)
        if name in environ:
            return environ[name]
        return default if default is not None else match.group(0)
    return _map_strings(value, lambda s: REFERENCE_RE.sub(replace, s) if "${" in s else s)


def _map_strings(value, function):
    # type: (Any, Callable[[str], str]) -> Any
    if isinstance(value, dict):
        return {k: _map_strings(v, function) for k, v in value.items()}
    if isinstance(value, list):
        return [_map_strings(v, function) for v in value]
    if isinstance(value, str):
        return function(value)
    return value


def declared_variables(doc):
    # type: (Any) -> Dict[str, Any]
    """All project variables (standard and local) of a document."""
    project = doc.get("project") if isinstance(doc, dict) else None
    variables = project.get("variables") if isinstance(project, dict) else None
    found = {}  # type: Dict[str, Any]
    if isinstance(variables, dict):
        for scope in ("standard", "local"):
            if isinstance(variables.get(scope), dict):
                found.update(variables[scope])
    return found
