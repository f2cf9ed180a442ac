"""Apply a configuration to another project: ``FrameworkConfig.with_project_key(KEY)`` (CLI ``--project-key``).

Why a rewrite of the document rather than a different target passed to the planner: the configuration
names its own project in several places, and each must follow the new key or the copy would read from
(or write into) the original project:

* ``project.key`` (and an environment overlay's ``project.key``, which the override replaces: the key
  given on the command line wins over the one an overlay sets);
* every value of the form ``OWNKEY.name`` outside code: recipe inputs and outputs, step items,
  trigger datasets, ``run_scenario`` targets (``OWNKEY.SCENARIO_ID``), external objects;
* the own key written as a whole word in a project variable's value (``OWNKEY`` alone, or
  ``OWNKEY.x``): variables usually carry it to build names;
* ``${projectKey}`` is kept as written: DSS expands it at run time in the project it runs in, which is
  the new one, so it needs no rewrite (the tool never expands it itself).

Code (``code``, ``payload``, ``code_file`` contents) is never rewritten: it is sent as written.
"""
import re
from typing import Any, List

from .variables import _string_slots, is_code_path


def rekey_document(doc: Any, old: str, new: str) -> Any:
    """``doc`` (a located configuration document, changed in place) applied to project ``new``."""
    project = doc.get("project") if isinstance(doc, dict) else None
    if isinstance(project, dict):
        project["key"] = new
    for _, overlay in _overlays(doc):
        if isinstance(overlay.get("project"), dict):
            overlay["project"].pop("key", None)
    reference = re.compile(r"^%s\.(?=[A-Za-z0-9_]+\Z)" % re.escape(old))
    for path, container, key, value in _string_slots(doc, ""):
        if is_code_path(path) or (path and path[0] == "metadata"):
            continue
        if _is_variable(path):
            container[key] = re.sub(r"(?<![A-Za-z0-9_])%s(?![A-Za-z0-9_])" % re.escape(old), new, value)
        else:
            container[key] = reference.sub(new + ".", value)
    return doc


def _overlays(doc: Any) -> List[Any]:
    envs = doc.get("environments") if isinstance(doc, dict) else None
    return [(name, env) for name, env in (envs.items() if isinstance(envs, dict) else ()) if isinstance(env, dict)]


def _is_variable(path: List[Any]) -> bool:
    """A project variable's value, in the base (``project.variables``) or in an overlay."""
    if path[:2] == ["project", "variables"]:
        return True
    return len(path) > 4 and path[0] == "environments" and path[2:4] == ["project", "variables"]
