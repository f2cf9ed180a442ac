"""Bidirectional tables: a DSS <-> configuration mapping written once, read both ways.

Why: a mapping written forward in one place and inverted by hand in another (trigger types, step
keys, visual recipe paths) drifts apart; a false-diff fix lands in one copy only. A table here gives
both directions from one list of pairs, so the two cannot disagree (issue 17 §1).
"""
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

from .base import ANY, matches

PathPattern = Tuple[Any, ...]


class Bimap(object):
    """A one-to-one mapping between configuration values and DSS values.

    ``default_dss``: what ``to_dss`` gives for a value the table lacks (None: KeyError)."""

    def __init__(self, pairs: Iterable[Tuple[Any, Any]], default_dss: Any = None) -> None:
        self.pairs = tuple(pairs)
        self._dss = {}  # type: Dict[Any, Any]
        self._ours = {}  # type: Dict[Any, Any]
        for ours, theirs in self.pairs:
            if ours in self._dss or theirs in self._ours:
                raise ValueError("Bimap is one-to-one: %r <-> %r repeats a value" % (ours, theirs))
            self._dss[ours], self._ours[theirs] = theirs, ours
        self.default_dss = default_dss

    def to_dss(self, ours: Any) -> Any:
        """The DSS value of a configuration value."""
        if ours in self._dss:
            return self._dss[ours]
        if self.default_dss is not None:
            return self.default_dss
        raise KeyError("%r is not one of %s" % (ours, ", ".join(repr(o) for o, _ in self.pairs)))

    def to_config(self, theirs: Any, missing: Any = None) -> Any:
        """The configuration value of a DSS value; ``missing`` when the table lacks it."""
        return self._ours.get(theirs, missing)

    def config_values(self) -> List[Any]:
        return [o for o, _ in self.pairs]

    def dss_values(self) -> List[Any]:
        return [t for _, t in self.pairs]


class PathTable(object):
    """Configuration keys <-> DSS path patterns (``ANY`` matches any list index or dict key).

    ``rows``: ``(config key, DSS path)`` pairs; a key appears once, a path pattern once."""

    def __init__(self, rows: Sequence[Tuple[str, Sequence[Any]]]) -> None:
        self.rows = tuple((key, tuple(path)) for key, path in rows)
        keys = [k for k, _ in self.rows]
        if len(set(keys)) != len(keys):
            raise ValueError("PathTable: a configuration key appears twice")
        self._by_key = dict(self.rows)

    def dss_path(self, key: str) -> PathPattern:
        """The DSS path (pattern) of a configuration key; KeyError for an unknown key."""
        return self._by_key[key]

    def config_key(self, dss_path: Sequence[Any]) -> Optional[str]:
        """The configuration key whose DSS path is ``dss_path`` or a prefix of it; None for none. The
        longest matching pattern wins (``params.hour`` before ``params``)."""
        path = tuple(dss_path)
        found = [(len(p), k) for k, p in self.rows if len(p) <= len(path) and matches(p, path[:len(p)])]
        return max(found)[1] if found else None

    def read(self, dss_doc: Any, key: str, missing: Any = None) -> Any:
        """The value at a key's DSS path in ``dss_doc`` (a concrete path: no ``ANY``); ``missing``
        when a step of the path is absent."""
        node = dss_doc
        for part in self.dss_path(key):
            if part == ANY:
                raise ValueError("PathTable.read needs a concrete path; %r has a wildcard" % key)
            try:
                node = node[part]
            except (KeyError, IndexError, TypeError):
                return missing
        return node

    def write(self, dss_doc: Dict[str, Any], key: str, value: Any) -> Dict[str, Any]:
        """Set a key's DSS path in ``dss_doc`` (mappings made on the way); returns ``dss_doc``."""
        path = self.dss_path(key)
        if ANY in path:
            raise ValueError("PathTable.write needs a concrete path; %r has a wildcard" % key)
        node = dss_doc
        for part in path[:-1]:
            node = node.setdefault(part, {})
        node[path[-1]] = value
        return dss_doc


class Defaults(object):
    """DSS's default per configuration key: filled in forward (config -> DSS) when the config leaves
    the key out, dropped inverse (DSS -> config) when DSS holds exactly the default."""

    def __init__(self, **values: Any) -> None:
        self.values = dict(values)

    def fill(self, key: str, value: Any) -> Any:
        """``value``, or the default of ``key`` when ``value`` is None."""
        return self.values.get(key) if value is None else value

    def drop(self, key: str, value: Any) -> bool:
        """Whether the inverse leaves ``key`` out: DSS holds its default."""
        return key in self.values and value == self.values[key]

    def filled(self, doc: Dict[str, Any]) -> Dict[str, Any]:
        """``doc`` with every default it lacks."""
        return dict(self.values, **{k: v for k, v in doc.items() if v is not None})

    def dropped(self, doc: Dict[str, Any]) -> Dict[str, Any]:
        """``doc`` without the keys that hold their default."""
        return {k: v for k, v in doc.items() if not self.drop(k, v)}
