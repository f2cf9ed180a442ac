"""Checks that need a DSS instance: named connections, code envs and users exist.

Why online and optional: the format references instance-level objects by name
(never by credentials). Offline validation cannot know whether they exist;
``validate --online`` asks DSS once per kind (a few list calls, whatever the
configuration size) and reports each missing name at every place it is used.

Why fallbacks: the complete listings (``/admin/connections/``, ``/admin/users/``)
need a DSS administrator's key, while project teams usually hold an ordinary
one. Without admin rights we use what any user may read (connection names,
each named connection's info, public user info); what cannot be read at all
is said in a warning instead of being reported as missing.
"""

from typing import Any, Dict, Iterable, Iterator, List, Optional, Set, Tuple

from . import hooks
from .diagnostics import ERROR, WARNING, Diagnostic, did_you_mean, format_path
from .located import position_of
from .references import code_envs, connections, items, users
from .validate import SQL_TYPES


def _forbidden(error):
    # type: (Exception) -> bool
    text = str(error)
    return "UnauthorizedException" in text or "forbidden" in text.lower() or "not an administrator" in text


def try_unless_forbidden(call, fallback=None):
    # type: (Any, Any) -> Any
    """``call()``, or ``fallback()`` when DSS refuses it for lack of rights (None without fallback)."""
    try:
        return call()
    except Exception as error:  # dataikuapi raises DataikuException for every HTTP error
        if not _forbidden(error):
            raise
        return fallback() if fallback else None


def connection_types(client, wanted=None):
    # type: (Any, Optional[Iterable[str]]) -> Dict[str, Optional[str]]
    """Connection name -> DSS type, for ``FrameworkConfig.resolved(connection_types=...)``.

    Administrators get every connection in one call; other users get the names they may use and
    the type of each connection in ``wanted`` (one info call each)."""
    listed = try_unless_forbidden(client.list_connections)
    if isinstance(listed, dict):
        return {name: (v.get("type") if isinstance(v, dict) else None) for name, v in listed.items()}
    names = set(client.list_connections_names("all") or [])
    types = {name: None for name in names}  # type: Dict[str, Optional[str]]
    for name in sorted(set(wanted or ()) & names):
        info = client.get_connection(name).get_info()
        types[name] = info.get("type") if hasattr(info, "get") else None
    return types


def _user_logins(client):
    # type: (Any) -> Optional[Set[str]]
    listed = try_unless_forbidden(client.list_users, getattr(client, "list_users_info", None))
    if listed is None:
        return None
    return {u if isinstance(u, str) else (u.get("login") if hasattr(u, "get") else getattr(u, "login", None))
            for u in listed} - {None}


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


#: The code of a name DSS lacks, by what it names (one literal each: ``errors.CATALOGUE`` lists them).
ONLINE_CODES = {"connection": "online.connection", "code env": "online.code_env", "user": "online.user"}


def _missing(doc, refs, known, what):
    # type: (Any, Iterable[Tuple[str, Tuple[Any, ...]]], Set[str], str) -> Iterator[Diagnostic]
    for name, path in refs:
        if name not in known and "${" not in name:
            yield Diagnostic(ERROR, "%s '%s' does not exist on the DSS instance" % (what, name),
                             path=format_path(path), hint=did_you_mean(name, known),
                             position=position_of(doc, path), code=ONLINE_CODES[what])


def check_online(doc, client):
    # type: (Any, Any) -> List[Diagnostic]
    """Diagnostics for connections, code envs and users the document names but DSS lacks.

    ``client`` is a ``dataikuapi.DSSClient`` (an administrator's or an ordinary user's key)."""
    named = list(connections(doc))
    types = connection_types(client, [name for name, _ in named])
    diagnostics = list(_missing(doc, named, set(types), "connection"))
    envs = try_unless_forbidden(client.list_code_envs)
    if envs is None:
        diagnostics.append(_unchecked(doc, "code envs", code_envs(doc)))
    else:
        diagnostics += _missing(doc, code_envs(doc), _names(envs, "envName"), "code env")
    logins = _user_logins(client)
    if logins is None:
        diagnostics.append(_unchecked(doc, "users", users(doc)))
    else:
        diagnostics += _missing(doc, users(doc), logins, "user")
    for index, dataset in items(doc, "datasets"):
        ctype = types.get(dataset.get("connection"))
        if dataset.get("type") == "SQL" and ctype and ctype not in SQL_TYPES:
            path = ("datasets", index, "type")
            diagnostics.append(Diagnostic(
                ERROR, "type SQL needs a SQL connection, but '%s' is a %s connection" % (dataset["connection"], ctype),
                path=format_path(path), position=position_of(doc, path), code="online.sql_type",
                hint="use type: %s or a SQL connection" % ctype))
    for check in hooks.checks(online=True):  # the online checks the kinds declare (registered by wiring)
        diagnostics.extend(check(doc, client))
    return [d for d in diagnostics if d is not None]


def _unchecked(doc, what, refs):
    # type: (Any, str, Iterable[Tuple[str, Tuple[Any, ...]]]) -> Optional[Diagnostic]
    """A warning at the first reference when DSS would not let this key list ``what``."""
    for _, path in refs:
        return Diagnostic(WARNING, "%s not checked: this API key may not list them on DSS" % what,
                          path=format_path(path), position=position_of(doc, path), code="online.unchecked",
                          hint="use a DSS administrator's key to check %s online" % what)
    return None
