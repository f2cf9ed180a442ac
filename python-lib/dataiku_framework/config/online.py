"""Checks that need a DSS instance: named connections, code envs and users exist.

Why online and optional: the format references instance-level objects by name
(never by credentials). Offline validation cannot know whether they exist;
``validate --online`` asks DSS once per kind (three list calls, whatever the
configuration size) and reports each missing name at every place it is used.
"""

from typing import Any, Iterable, Iterator, List, Set, Tuple

from .diagnostics import ERROR, Diagnostic, did_you_mean, format_path
from .located import position_of
from .references import code_envs, connections, items, users
from .validate import SQL_TYPES


def _names(listing, key):
    # type: (Any, str) -> Set[str]
    if isinstance(listing, dict):
        return set(listing)
    found = set()  # type: Set[str]
    for entry in listing or []:
        if isinstance(entry, dict) and isinstance(entry.get(key), str):
            found.add(entry[key])
        elif isinstance(entry, str):
            found.add(entry)
    return found


def _missing(doc, refs, known, what):
    # type: (Any, Iterable[Tuple[str, Tuple[Any, ...]]], Set[str], str) -> Iterator[Diagnostic]
    for name, path in refs:
        if name not in known and "${" not in name:
            yield Diagnostic(ERROR, "%s '%s' does not exist on the DSS instance" % (what, name),
                             path=format_path(path), hint=did_you_mean(name, known),
                             position=position_of(doc, path), code="online.%s" % what.replace(" ", "_"))


def check_online(doc, client):
    # type: (Any, Any) -> List[Diagnostic]
    """Diagnostics for connections, code envs and users the document names but DSS lacks.

    ``client`` is a ``dataikuapi.DSSClient`` (or anything with the same three list methods).
    """
    listed = client.list_connections()
    connection_types = {name: (v.get("type") if isinstance(v, dict) else None)
                        for name, v in (listed.items() if isinstance(listed, dict) else [])}
    known_connections = _names(listed, "name")
    diagnostics = list(_missing(doc, connections(doc), known_connections, "connection"))
    diagnostics += _missing(doc, code_envs(doc), _names(client.list_code_envs(), "envName"), "code env")
    diagnostics += _missing(doc, users(doc), _names(client.list_users(), "login"), "user")
    for index, dataset in items(doc, "datasets"):
        ctype = connection_types.get(dataset.get("connection"))
        if dataset.get("type") == "SQL" and ctype and ctype not in SQL_TYPES:
            path = ("datasets", index, "type")
            diagnostics.append(Diagnostic(
                ERROR, "type SQL needs a SQL connection, but '%s' is a %s connection" % (dataset["connection"], ctype),
                path=format_path(path), position=position_of(doc, path), code="online.sql_type",
                hint="use type: %s or a SQL connection" % ctype))
    return diagnostics


def connection_types(client):
    # type: (Any) -> dict
    """Connection name -> DSS type, for ``FrameworkConfig.resolved(connection_types=...)``."""
    listed = client.list_connections()
    return {name: v.get("type") for name, v in listed.items() if isinstance(v, dict)} if isinstance(listed, dict) else {}
