"""Several projects from one repository: which files, in which order, planned within one budget.

Why a module of its own: the CLI (``plan``/``apply``/``drift``/``validate`` given several
configurations or a directory) and the Python API (``Engine.plan_many``/``Engine.apply_many``)
must pick the same files, refuse the same sets (two files naming one project key, references
that go round in a cycle) and apply in the same order. Everything here is decided from the files
alone, before any request to DSS.

* A directory stands for every ``*.yaml``/``*.yml`` under it, recursively, in sorted path order,
  whose top level is a mapping with a ``project:`` key; included files (no ``project:``) are skipped.
* A reference ``OTHER.name`` (recipe inputs and outputs, scenario step items, ``external`` names)
  to a project of the set orders that project first: the one that exposes an object is applied
  before the one that reads it.
* Parallelism is one budget: ``run_at_once`` projects are planned at once, each with its share of
  the engine's ``parallelism`` (``share``), so the requests in flight never exceed the budget.
"""

import os
from typing import Any, Dict, List, Optional, Sequence, Set, Tuple

from . import exitcodes
from .config.references import items, recipe_io, scenario_parts, step_items

#: File endings a directory is searched for.
CONFIG_SUFFIXES = (".yaml", ".yml")


class ProjectSetError(Exception):
    """The set of configurations cannot be run as given (no configuration, two files naming one
    project, references in a cycle); nothing was sent to DSS. The CLI exits 64 (``USAGE``)."""

    code = "usage.project_set"  #: its ``errors.CATALOGUE`` code, shown in the error line and in --json


def expand(arguments: Sequence[str]) -> List[str]:
    """The configuration files ``arguments`` stand for: a directory, every project configuration
    under it (see the module docstring); anything else, itself (a file, a git+ source). A path
    that does not exist, or a directory without any project configuration, is a ``ProjectSetError``."""
    from .sources.git import is_git_source
    files = []  # type: List[str]
    for argument in arguments:
        if is_git_source(argument) or os.path.isfile(argument):
            files.append(argument)
        elif os.path.isdir(argument):
            found = _project_files(argument)
            if not found:
                raise ProjectSetError("%s: no *.yaml or *.yml file with a top-level 'project:' in this directory "
                                      "(or below it)" % argument)
            files.extend(found)
        else:
            raise ProjectSetError("%s: no such file or directory" % argument)
    return files


def _project_files(directory: str) -> List[str]:
    found = []
    for root, dirs, names in os.walk(directory):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(names):
            path = os.path.join(root, name)
            if name.lower().endswith(CONFIG_SUFFIXES) and _names_a_project(path):
                found.append(path)
    return sorted(found)


def _top_level(path: str) -> Any:
    """``path`` read as plain YAML (None when it cannot be: the loader reports why, with its position)."""
    import yaml
    try:
        with open(path, encoding="utf-8") as handle:
            return yaml.safe_load(handle)
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return None


def _names_a_project(path: str) -> bool:
    """Whether ``path``'s top level has ``project:``. A file YAML cannot read is kept: loading it
    reports the error with its position, rather than the file silently not counting."""
    doc = _top_level(path)
    return doc is None or (isinstance(doc, dict) and "project" in doc)


def declared_key(path: str) -> Optional[str]:
    """The ``project.key`` written in ``path``, for naming a file that does not load (None if none)."""
    doc = _top_level(path)
    project = doc.get("project") if isinstance(doc, dict) else None
    key = project.get("key") if isinstance(project, dict) else None
    return key if isinstance(key, str) else None


def project_key(config: Any) -> str:
    """The key ``config`` applies to (its environment overlay's, when it sets one)."""
    from .engine import _project_key
    return _project_key(config)


def check_unique(entries: Sequence[Tuple[str, Any]]) -> None:
    """``ProjectSetError`` naming both files when two of ``(file, config)`` name one project key."""
    seen = {}  # type: Dict[str, str]
    for name, config in entries:
        key = project_key(config)
        if key in seen:
            raise ProjectSetError("%s and %s both configure project %s: give each project one file"
                                  % (seen[key], name, key))
        seen[key] = name


def referenced_projects(config: Any) -> Set[str]:
    """The other project keys ``config`` refers to (``KEY.name`` references), its own excepted."""
    doc = config.to_dict()
    refs = [name for _, obj in items(doc, "external") for name in [obj.get("name")] if isinstance(name, str)]
    for _, recipe in items(doc, "recipes"):
        refs.extend(ref for _, ref, _, _ in recipe_io(recipe))
    for _, step in scenario_parts(doc, "steps"):
        refs.extend(ref for ref, _ in step_items(step))
    own = project_key(config)
    return {ref.split(".", 1)[0] for ref in refs if "." in ref} - {own}


def ordered_levels(configs: Sequence[Any]) -> List[List[int]]:
    """Indexes of ``configs`` in levels: each level only reads objects of the levels before it, so a
    level's projects may be applied in any order (or at once). A cycle is a ``ProjectSetError``
    naming its projects. Projects of the same level keep the order they were given in."""
    keys = [project_key(c) for c in configs]
    index = {k: i for i, k in enumerate(keys)}
    needs = [{index[k] for k in referenced_projects(c) if k in index} for c in configs]
    placed = set()  # type: Set[int]
    levels = []  # type: List[List[int]]
    while len(placed) < len(configs):
        level = [i for i in range(len(configs)) if i not in placed and needs[i] <= placed]
        if not level:
            cycle = sorted(keys[i] for i in range(len(configs)) if i not in placed)
            raise ProjectSetError("projects %s refer to each other's objects in a cycle: no order applies one "
                                  "before the other; remove one of the references" % ", ".join(cycle))
        levels.append(level)
        placed.update(level)
    return levels


def run_at_once(parallelism: int, count: int) -> int:
    """How many projects are planned at once: every one, up to the budget (one request each at least)."""
    return max(1, min(parallelism, count))


def share(parallelism: int, count: int) -> int:
    """Each project's share of the budget when ``count`` are planned at once (at least 1)."""
    return max(1, parallelism // run_at_once(parallelism, count))


class ProjectOutcome(object):
    """What became of one project of a set: its plan (or apply ``result``), or the error that stopped
    it, and its exit code alone (``aggregate`` combines them)."""

    def __init__(self, key: Optional[str], file: Optional[str], plan: Any = None, result: Any = None,
                 error: Optional[str] = None, exit_code: int = exitcodes.OK) -> None:
        self.key, self.file, self.plan, self.result = key, file, plan, result
        self.error, self.exit_code = error, exit_code
        #: the ``errors.CATALOGUE`` code of ``error`` (``--json`` gives it beside the message)
        self.code = None  # type: Optional[str]

    @property
    def has_changes(self) -> bool:
        return bool(self.plan is not None and self.plan.has_changes)


def failure_code(error: BaseException) -> Optional[int]:
    """The exit code of an expected failure of one project (None: unexpected, let it propagate):
    DSS unreachable or the key refused (3, 4, a git source's own), DSS's refusal, a lock held, a
    stale plan, an unreadable state (1)."""
    from dataikuapi.utils import DataikuException
    from .apply import StalePlanError
    from .apply.run import CheckpointError
    from .dss.failures import DSSConnectionError
    from .sources.git import GitSourceError
    from .state import LockError, StateError
    if isinstance(error, (DSSConnectionError, GitSourceError)):
        return error.exit_code
    if isinstance(error, (DataikuException, StalePlanError, CheckpointError, LockError, StateError)):
        return exitcodes.INVALID
    return None


def aggregate(codes: Sequence[int]) -> int:
    """One exit code for a set: 3 or 4 when a project could not reach DSS or was refused (3 first),
    else 1 when one failed (any other code but 2), else 2 when one has changes, else 0."""
    for worst in (exitcodes.UNREACHABLE, exitcodes.AUTH_REFUSED):
        if worst in codes:
            return worst
    if any(code not in (exitcodes.OK, exitcodes.CHANGES) for code in codes):
        return exitcodes.INVALID
    return exitcodes.CHANGES if exitcodes.CHANGES in codes else exitcodes.OK


def _name(config: Any, source: Optional[str]) -> Optional[str]:
    return source if source is not None else getattr(config, "source_file", None)


def plan_all(engine: Any, configs: Sequence[Any], sources: Optional[Sequence[Optional[str]]] = None,
             allow_delete: bool = False) -> List[ProjectOutcome]:
    """``Engine.plan_many``: the set is checked first (``check_unique``, ``ordered_levels``: nothing is
    sent to DSS when it fails), then every project is planned, ``run_at_once`` at a time, each engine
    with its ``share`` of ``engine.parallelism``. One outcome per configuration, in the given order."""
    from concurrent.futures import ThreadPoolExecutor
    sources = list(sources) if sources is not None else [None] * len(configs)
    check_unique([(_name(c, s) or project_key(c), c) for c, s in zip(configs, sources)])
    ordered_levels(configs)
    part = type(engine)(client=engine.client, parallelism=share(engine.parallelism, len(configs)))

    def plan_one(position: int) -> ProjectOutcome:
        config, source = configs[position], sources[position]
        outcome = ProjectOutcome(project_key(config), _name(config, source))
        try:
            outcome.plan = part.plan(config, config_source=source, allow_delete=allow_delete)
        except Exception as error:
            _failed(outcome, error)
        return outcome

    with ThreadPoolExecutor(max_workers=run_at_once(engine.parallelism, len(configs))) as pool:
        return list(pool.map(plan_one, range(len(configs))))


def _failed(outcome: ProjectOutcome, error: Exception) -> None:
    """Record an expected failure on ``outcome``; re-raise an unexpected one (a bug shows as one)."""
    code = failure_code(error)
    if code is None:
        raise error
    from .errors import code_of, dss_refusal_code
    outcome.error, outcome.exit_code, outcome.code = str(error), code, code_of(error, dss_refusal_code(error))


def apply_all(engine: Any, configs: Sequence[Any], planned: Sequence[Any], exact: bool = False,
              lock_timeout: float = 0.0, checkpoint: bool = True, cancel: Any = None,
              on_project: Any = None, on_progress: Any = None) -> List[ProjectOutcome]:
    """``Engine.apply_many``: apply each project whose plan (``planned``, from ``plan_all``) has changes,
    one at a time in dependency order (``ordered_levels``). Each ``Engine.apply`` takes the project's
    lock and releases it before the next starts, so no lock is ever held while waiting for another.
    A project that fails (its lock held, DSS's refusal, a failed resource) does not stop the others,
    but the projects that read its objects are not applied. ``exact``: apply each plan only as shown
    (``StalePlanError`` when DSS moved), else the plan made under the lock (``--auto-approve``).
    ``on_project(outcome)`` is called before each apply; ``on_progress(key)`` gives its ``on_progress``."""
    keys = [project_key(c) for c in configs]
    outcomes = [ProjectOutcome(keys[i], getattr(planned[i], "doc", {}).get("metadata", {}).get("config_source")
                               or getattr(configs[i], "source_file", None), plan=planned[i])
                for i in range(len(configs))]
    failed = set()  # type: Set[str]
    for level in ordered_levels(configs):
        for i in level:
            blocked = sorted(referenced_projects(configs[i]) & failed)
            if planned[i] is None or not planned[i].has_changes:
                pass  # nothing to do: done, whatever became of the others
            elif cancel is not None and cancel.is_set():
                outcomes[i].error, outcomes[i].exit_code = "not applied: interrupted", exitcodes.INVALID
                outcomes[i].code = "apply.interrupted"
            elif blocked:
                outcomes[i].error = "not applied: it reads objects of %s, which did not apply" % ", ".join(blocked)
                outcomes[i].exit_code, outcomes[i].code = exitcodes.INVALID, "apply.blocked"
            else:
                _apply_one(engine, configs[i], outcomes[i], exact, lock_timeout, checkpoint, cancel,
                           on_project, on_progress)
            if outcomes[i].exit_code != exitcodes.OK:
                failed.add(keys[i])
    return outcomes


def _apply_one(engine: Any, config: Any, outcome: ProjectOutcome, exact: bool, lock_timeout: float,
               checkpoint: bool, cancel: Any, on_project: Any, on_progress: Any) -> None:
    if on_project is not None:
        on_project(outcome)
    progress = on_progress(outcome.key) if on_progress is not None else None
    try:
        if exact:
            outcome.result = engine.apply(outcome.plan, config=config, lock_timeout=lock_timeout,
                                          on_progress=progress, checkpoint=checkpoint, cancel=cancel)
        else:
            outcome.result = engine.apply(config, planned=outcome.plan, lock_timeout=lock_timeout,
                                          allow_delete=bool(outcome.plan.doc["metadata"].get("allow_delete")),
                                          on_progress=progress, checkpoint=checkpoint, cancel=cancel)
    except Exception as error:
        _failed(outcome, error)
        return
    outcome.exit_code = exitcodes.OK if outcome.result.succeeded else exitcodes.INVALID
