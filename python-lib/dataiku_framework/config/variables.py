"""``${...}`` references inside configuration values.

Why: values are parameterised without copying them around and without
secrets. ``${name}`` names a project variable (DSS itself expands these at run
time, so they are kept as written when sent to DSS); ``${env:NAME}`` (or
``${env:NAME:-default}``) reads a non-secret value from the environment of the
process running validate/plan, and is substituted before anything reaches DSS.

Substitution is textual, so ``${env:...}`` is only allowed where the schema
expects text (``hour: ${env:HOUR}`` is a type error saying so: per-deployment
numbers belong in ``environments:``). An unset variable without default is an
error at validation and in ``resolved()``. Code is never substituted.
"""

import os
import re
from typing import Any, Dict, Iterator, List, Mapping, Optional, Sequence, Tuple

from .diagnostics import ERROR, Diagnostic, format_path
from .located import position_of

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


def is_code_path(path):
    # type: (Sequence[Any]) -> bool
    """Whether ``path`` is code (a ``code`` of a recipe/scenario/trigger/step or a recipe's ``payload``).

    Code is sent to DSS as written: ``${...}`` inside it belongs to the code's
    language (shell variables, DSS variables expanded at run time).
    """
    size = len(path)
    if size == 3 and path[0] in ("recipes", "scenarios"):
        return path[2] == "code" or (path[0] == "recipes" and path[2] == "payload")
    return size == 5 and path[0] == "scenarios" and path[2] in ("triggers", "steps") and path[4] == "code"


def unset_env(body, environ):
    # type: (str, Mapping[str, str]) -> Optional[str]
    """The variable name when ``${body}`` is an ``${env:NAME}`` without default and NAME is unset, else None."""
    kind, name, default = parse_reference(body)
    if kind == "env" and default is None and name not in environ:
        return name
    return None


def unset_env_diagnostic(doc, path, name):
    # type: (Any, Sequence[Any], str) -> Diagnostic
    """The error for an ``${env:NAME}`` whose variable is unset and has no default."""
    return Diagnostic(ERROR, "environment variable '%s' is not set (referenced as ${env:%s})" % (name, name),
                      path=format_path(path), position=position_of(doc, path), code="var.env_unset",
                      hint="set %s in the environment running validate/plan, or give a default: ${env:%s:-value}"
                      % (name, name))


def substitute_env_in_place(doc, environ=None):
    # type: (Any, Optional[Mapping[str, str]]) -> List[Tuple[List[Any], str]]
    """Replace every ``${env:NAME}`` in the strings of ``doc`` (in place, so positions stay).

    Code (``is_code_path``) and ``metadata`` are left as written. Returns
    ``(path, NAME)`` for each reference whose variable is unset without a
    default (left as written).
    """
    environ = os.environ if environ is None else environ
    unset = []  # type: List[Tuple[List[Any], str]]

    def replace(match):
        # type: (Any) -> str
        kind, name, default = parse_reference(match.group(1))
        if kind != "env":
            return match.group(0)
        if name in environ:
            return environ[name]
        return default if default is not None else match.group(0)

    for path, container, key, value in _string_slots(doc):
        if not path or path[0] == "metadata" or is_code_path(path):
            continue
        for match in REFERENCE_RE.finditer(value):
            name = unset_env(match.group(1), environ)
            if name is not None:
                unset.append((path, name))
        container[key] = REFERENCE_RE.sub(replace, value)
    return unset


def _string_slots(doc, marker="${"):
    # type: (Any, str) -> Iterator[Tuple[List[Any], Any, Any, str]]
    """``(path, container, key, value)`` for every string containing ``marker`` in ``doc`` (every
    string with ``marker=""``: ``config.rekey``)."""
    stack = [(doc, [])]  # type: List[Tuple[Any, List[Any]]]
    while stack:
        node, path = stack.pop()
        pairs = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
        for key, child in pairs:
            if isinstance(child, str):
                if marker in child:
                    yield path + [key], node, key, child
            elif isinstance(child, (dict, list)):
                stack.append((child, path + [key]))


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
