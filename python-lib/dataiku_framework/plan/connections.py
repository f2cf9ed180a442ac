"""The connections and code envs a plan's writes name exist on DSS: checked by plan, before any write.

Why at plan time: DSS refuses a dataset on a connection it does not have only when apply sends the
create, halfway through an apply that has already written other objects. The plan has read the
connection types already (``config.online.connection_types``), so a missing name is known before
anything is written, and the plan fails naming the object and the connection.

Why a warning for some keys: an ordinary user's key lists only the connections it may use, and
cannot list code envs at all. A name it does not see may exist, so it is reported as "not visible
to this key" (in ``metadata.warnings``), never as missing.
"""
from typing import Any, Dict, Iterable, Iterator, List, Optional, Set, Tuple

from ..config.diagnostics import ERROR, WARNING, ConfigError, Diagnostic, did_you_mean, format_path
from ..config.located import position_of
from ..config.online import try_unless_forbidden
from ..config.references import code_envs, connections
from ..dss.rights import is_dss_admin
from ..resources import registry

WRITES = frozenset(["create", "replace"])
#: the config fields that name a connection or a code env (an update of one sends it to DSS)
NAMING_FIELDS = frozenset(["connection", "code_env"])
#: kinds whose every field names a code env (``project.code_envs``: an update of one sends it to DSS)
NAMING_KINDS = frozenset(["code_envs"])

Reference = Tuple[str, Tuple[Any, ...]]  # (name, config path)


class MissingOnDSS(ConfigError):
    """The plan would write objects naming connections or code envs DSS does not have."""


def check_instance_references(client: Any, config: Any, changes: List[Any],
                              types: Dict[str, Any]) -> Dict[str, Any]:
    """Raise ``MissingOnDSS`` when a create (or an update of the field) names a connection or a code
    env that DSS does not have; else the plan metadata to add: ``{"warnings": [...]}`` for the names
    this key cannot see, ``{}`` when there is nothing to say.

    ``config`` is the resolved configuration, ``types`` the connection types the plan read."""
    doc = config.to_dict()
    written = _written(changes)
    wanted_connections = list(_of_writes(connections(doc), config, written))
    wanted_envs = list(_of_writes(code_envs(doc), config, written))
    if not wanted_connections and not wanted_envs:
        return {}
    all_listed = _lists_every_connection(client, types, wanted_connections)
    found = _problems(config, wanted_connections, set(types), all_listed, "connection")
    if wanted_envs:
        envs = try_unless_forbidden(client.list_code_envs)
        known = None if envs is None else {e.get("envName") for e in envs if isinstance(e, dict)}
        found += _problems(config, wanted_envs, known or set(), envs is not None, "code env")
    errors = [d for d in found if d.is_error]
    if errors:
        raise MissingOnDSS(errors)
    return {"warnings": [d.summary for d in found]} if found else {}


def _written(changes: Iterable[Any]) -> Set[Tuple[str, str]]:
    """(kind, name) of the objects the plan creates, replaces, or updates a naming field of (a
    dataset's ``connection``, a scenario trigger's ``triggers[0].connection``...)."""
    out = set()
    for change in changes:
        fields = {part.split("[")[0] for d in change.changes or [] for part in str(d.get("path", "")).split(".")}
        if change.action in WRITES or (change.action == "update" and (fields & NAMING_FIELDS
                                                                      or change.kind in NAMING_KINDS)):
            out.add((change.kind, change.name))
    return out


def _of_writes(refs: Iterable[Reference], config: Any, written: Set[Tuple[str, str]]
               ) -> Iterator[Reference]:
    """The references held by objects the plan writes (and not ``${...}`` placeholders)."""
    for name, path in refs:
        if "${" not in name and _owner(config, path) in written:
            yield name, path


def _owner(config: Any, path: Tuple[Any, ...]) -> Tuple[str, str]:
    """(kind, name) of the object a reference path sits in: the kind whose config section holds the
    path (``registry.by_section``, a kind under the project first), named as that kind names its
    configured objects. Why the registry: a new kind naming a connection needs no table here."""
    kind = registry.by_section(path[:2]) or registry.by_section(path[:1])
    if kind is None:
        return str(path[0]), str(path[0])
    named = kind.configured(config)
    if kind.singleton:
        return kind.kind, named[0][0] if named else kind.kind
    return kind.kind, named[path[1]][0]


def _lists_every_connection(client: Any, types: Dict[str, Any], wanted: List[Reference]) -> bool:
    """Whether this key's listing holds every connection (an administrator's does). Only asked when
    a wanted name is absent from what the plan read: the common case costs no request."""
    if all(name in types for name, _ in wanted):
        return True
    return is_dss_admin(client)


#: The code of a name DSS lacks, by what it names (one literal each: ``errors.CATALOGUE`` lists them).
MISSING_CODES = {"connection": "plan.missing_connection", "code env": "plan.missing_code_env"}


def _problems(config: Any, refs: List[Reference], known: Set[str], complete: bool, what: str) -> List[Diagnostic]:
    """An error per reference to a name DSS lacks; with an incomplete listing, warnings instead."""
    out = []  # type: List[Diagnostic]
    for name, path in refs:
        if name in known:
            continue
        kind, owner = _owner(config, path)
        subject = "%s %s names %s '%s'" % (kind.replace("_", " "), owner, what, name) if path[0] != "project" \
            else "%s names %s '%s'" % (format_path(path), what, name)
        if complete:
            out.append(Diagnostic(ERROR, "%s, which DSS does not have" % subject, path=format_path(path),
                                  hint=did_you_mean(name, known) or "create the %s in DSS first, or name one "
                                  "it has (validate --online checks every name)" % what,
                                  position=_position(config, path), code=MISSING_CODES[what]))
        else:
            out.append(Diagnostic(WARNING, "%s, which is not visible to this key: it could not be checked"
                                  % subject, path=format_path(path), position=_position(config, path),
                                  code="plan.name_not_visible"))
    return out


def _position(config: Any, path: Tuple[Any, ...]) -> Optional[Tuple[Any, ...]]:
    """Where ``path`` is in the configuration's file (the file alone when it was not read from one)."""
    source = getattr(config, "source_file", None)
    return position_of(config._export(True), path) or ((source, 0, 0, 0, 0) if source else None)
