"""Visual recipes' readable keys <-> the payload paths DSS stores them at, written once.

Why one table: the forward direction (``dss.visual`` builds a payload from ``keys``, ``join_type``...),
the plan's naming of a changed payload path (``config_key``) and the importer's inverse (the
``extract`` of each row: the readable value a payload expresses, or None) used to be three lists
that drifted apart (issue 17 §1). Each row here is ``(config key, payload path prefixes, extract)``
per recipe type; ``config_key`` and ``extractors`` read the same rows.

A payload path is not always one-to-one with a key: a split ``mode`` change moves the list that holds
``ratio``, and aggregations spread over ``values[*].<flag>``. ``config_key`` gives the static answer;
the recipe kind confirms it against the recipe as written, and searches when the static answer does
not hold (``resources.recipe.readable_key``).
"""
from typing import Any, Callable, Dict, List, NamedTuple, Optional, Sequence, Tuple

from ...dss.visual import AGGREGATION_FLAGS, JOIN_TYPES, SAMPLING_METHODS, SPLIT_SHARE_LISTS
from ..tables import Bimap

PayloadPath = Tuple[Any, ...]
Extract = Callable[[Dict[str, Any]], Any]
JOINS = Bimap(JOIN_TYPES.items())
SAMPLINGS = Bimap(SAMPLING_METHODS.items())


class Readable(NamedTuple):
    """One readable key of a recipe type: where it lands in the payload, and how to read it back."""
    key: str
    paths: Tuple[PayloadPath, ...]
    extract: Extract
    moves_with: Tuple[str, ...] = ()  # keys that move this key's path (a split's mode: the list of ``ratio``)


class RecipeTable(object):
    """The readable keys of one recipe type, in the order the importer tries them."""

    def __init__(self, rows: Sequence[Readable]) -> None:
        self.rows = tuple(rows)
        self._by_path = {}  # type: Dict[PayloadPath, str]
        for row in self.rows:
            for path in row.paths:
                if path in self._by_path:
                    raise ValueError("payload path %r belongs to two readable keys" % (path,))
                self._by_path[path] = row.key

    def config_key(self, payload_path: Sequence[Any]) -> Optional[str]:
        """The key whose path is the longest prefix of ``payload_path``; None for none."""
        path = tuple(payload_path)
        for size in range(len(path), 0, -1):
            if path[:size] in self._by_path:
                return self._by_path[path[:size]]
        return None

    def sole_key(self, payload_path: Sequence[Any]) -> Optional[str]:
        """``config_key`` when the path is that key's alone: not a path another key's value moves, and
        not a prefix of another key's path (``joins`` holds ``join_type`` and ``on``); else None."""
        key = self.config_key(payload_path)
        path = tuple(payload_path)
        row = next((r for r in self.rows if r.key == key), None)
        if row is None or row.moves_with:
            return None
        covered = [r.key for r in self.rows for p in r.paths if r.key != key and p[:len(path)] == path]
        return None if covered else key

    def paths(self, key: str) -> Tuple[PayloadPath, ...]:
        return next((row.paths for row in self.rows if row.key == key), ())

    def extractors(self) -> Tuple[Tuple[str, Extract], ...]:
        return tuple((row.key, row.extract) for row in self.rows)


# -- extractors: the readable value a payload holds, or None when it holds none the key can say

def pick(path: PayloadPath, check: Any = None) -> Extract:
    """The value at ``path`` (mappings only), when ``check`` accepts it."""
    def get(p: Dict[str, Any]) -> Any:
        value = p  # type: Any
        for key in path:
            value = value.get(key) if isinstance(value, dict) else None
        return value if check is None or check(value) else None
    return get


def _integer(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _each_column(items: Any, one: Callable[[Dict[str, Any]], Any]) -> Optional[List[Any]]:
    """``one(item)`` per item of a non-empty list of ``{column: <name>, ...}`` (keys, aggregations,
    orders); None when ``items`` is not such a list or ``one`` finds an item it cannot say."""
    if not isinstance(items, list) or not items:
        return None
    out = []
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("column"), str):
            return None
        value = one(item)
        if value is None:
            return None
        out.append(value)
    return out


def _columns(items: Any) -> Optional[List[str]]:
    return _each_column(items, lambda i: i["column"])


def _aggregation(v: Dict[str, Any]) -> Optional[Dict[str, Any]]:
    functions = [fn for fn, flag in AGGREGATION_FLAGS.items() if v.get(flag) is True]
    return {"column": v["column"], "functions": functions} if functions else None


def _aggregations(values: Any) -> Optional[List[Dict[str, Any]]]:
    return _each_column(values, _aggregation)


def _orders(orders: Any) -> Optional[List[Any]]:
    return _each_column(orders, lambda o: {"column": o["column"], "desc": True} if o.get("desc") else o["column"])


def _single(p: Dict[str, Any], key: str) -> Dict[str, Any]:
    """The only element of list ``key`` (joins, windows, pivots); {} when there is not exactly one."""
    items = p.get(key)
    return items[0] if isinstance(items, list) and len(items) == 1 and isinstance(items[0], dict) else {}


def _join_on(p: Dict[str, Any]) -> Optional[List[Dict[str, str]]]:
    joins = p.get("joins")
    if not isinstance(joins, list) or len(joins) != 1:
        return None
    conds = []
    for c in joins[0].get("on") or []:
        left, right = (c.get("column1") or {}).get("name"), (c.get("column2") or {}).get("name")
        if c.get("type") != "EQ" or not isinstance(left, str) or not isinstance(right, str):
            return None
        conds.append({"left": left, "right": right})
    return conds or None


def _join_type(p: Dict[str, Any]) -> Optional[str]:
    joins = p.get("joins")
    kind = joins[0].get("type") if isinstance(joins, list) and len(joins) == 1 else None
    return JOINS.to_config(kind)


def _split_ratio(p: Dict[str, Any]) -> Optional[float]:
    shares = p.get(SPLIT_SHARE_LISTS.get(p.get("mode") or "RANDOM", ""))
    if isinstance(shares, list) and len(shares) == 1 and isinstance(shares[0].get("share"), (int, float)):
        return shares[0]["share"] / 100.0
    return None


def _steps(p: Dict[str, Any]) -> Optional[List[Dict[str, Any]]]:
    steps = p.get("steps")
    if not isinstance(steps, list) or not steps:
        return None
    out = []
    for s in steps:
        if not isinstance(s, dict) or s.get("metaType") != "PROCESSOR" or not isinstance(s.get("type"), str):
            return None
        step = {"type": s["type"]}  # type: Dict[str, Any]
        if s.get("params") not in (None, "", [], {}):
            step["params"] = s["params"]
        if s.get("disabled"):
            step["disabled"] = True
        if s.get("name") is not None:
            step["name"] = s["name"]
        out.append(step)
    return out


def _pivot_column(p: Dict[str, Any]) -> Optional[str]:
    return (_single(p, "pivots").get("keyColumns") or [None])[0] if _single(p, "pivots") else None


def _pivot_values(p: Dict[str, Any]) -> Optional[List[Dict[str, Any]]]:
    return _aggregations(_single(p, "pivots").get("valueColumns")) if _single(p, "pivots") else None


def _explicit_keys(p: Dict[str, Any]) -> Any:
    return p.get("explicitIdentifiers") if p.get("identifierColumnsSelection") == "EXPLICIT" else None


# -- the table --------------------------------------------------------------------------------------------------

_JOIN = RecipeTable([Readable("join_type", (("joins", 0, "type"),), _join_type),
                     Readable("on", (("joins",),), _join_on)])
_STEPS = RecipeTable([Readable("steps", (("steps",),), _steps)])
TABLES = {
    "grouping": RecipeTable([
        Readable("keys", (("keys",),), lambda p: _columns(p.get("keys"))),
        Readable("aggregations", (("values",),), lambda p: _aggregations(p.get("values"))),
        Readable("global_count", (("globalCount",),), pick(("globalCount",), lambda v: v is True))]),
    "join": _JOIN, "fuzzyjoin": _JOIN, "geojoin": _JOIN,
    "prepare": _STEPS, "shaker": _STEPS,
    "split": RecipeTable([
        Readable("mode", (("mode",),), pick(("mode",), lambda v: isinstance(v, str))),
        Readable("ratio", (("defaultOutputIndex",),) + tuple((lst,) for lst in SPLIT_SHARE_LISTS.values()),
                 _split_ratio, moves_with=("mode",)),
        Readable("seed", (("seed",),), pick(("seed",), _integer))]),
    "vstack": RecipeTable([
        Readable("mode", (("mode",),), pick(("mode",), lambda v: isinstance(v, str))),
        Readable("add_origin_column", (("addOriginColumn",),), pick(("addOriginColumn",), lambda v: v is True))]),
    "window": RecipeTable([
        Readable("partition_by", (("windows", 0, "partitioningColumns"), ("windows", 0, "enablePartitioning")),
                 lambda p: _single(p, "windows").get("partitioningColumns") or None),
        Readable("order_by", (("windows", 0, "orders"), ("windows", 0, "enableOrdering")),
                 lambda p: _orders(_single(p, "windows").get("orders"))),
        Readable("aggregations", (("values",),), lambda p: _aggregations(p.get("values")))]),
    "distinct": RecipeTable([Readable("keys", (("keys",),), lambda p: _columns(p.get("keys")))]),
    "sort": RecipeTable([Readable("order_by", (("orders",),), lambda p: _orders(p.get("orders")))]),
    "topn": RecipeTable([
        Readable("top", (("firstRows",), ("lastRows",)), pick(("firstRows",), lambda v: isinstance(v, int) and v > 0)),
        Readable("partition_by", (("keys",),), pick(("keys",), lambda v: isinstance(v, list) and bool(v)
                                                     and all(isinstance(k, str) for k in v))),
        Readable("order_by", (("orders",),), lambda p: _orders(p.get("orders")))]),
    "pivot": RecipeTable([
        Readable("pivot_column", (("pivots", 0, "keyColumns"), ("pivots",)), _pivot_column),
        Readable("aggregations", (("pivots", 0, "valueColumns"),), _pivot_values),
        Readable("keys", (("explicitIdentifiers",), ("identifierColumnsSelection",)), _explicit_keys)]),
    "sampling": RecipeTable([
        Readable("method", (("selection", "samplingMethod"),),
                 lambda p: SAMPLINGS.to_config(pick(("selection", "samplingMethod"))(p))),
        Readable("ratio", (("selection", "targetRatio"),),
                 pick(("selection", "targetRatio"), lambda v: isinstance(v, (int, float)) and not isinstance(v, bool))),
        Readable("max_records", (("selection", "maxRecords"),), pick(("selection", "maxRecords"), _integer)),
        Readable("seed", (("selection", "seed"),), pick(("selection", "seed"), _integer))]),
}
ENGINE = Readable("engine", (("engineType",),), pick(("engineType",), lambda v: isinstance(v, str)))
_NONE = RecipeTable([])


def table(rtype: str) -> RecipeTable:
    """The readable keys of ``rtype`` (an empty table for a type without any)."""
    return TABLES.get(rtype, _NONE)


def config_key(rtype: str, payload_path: Sequence[Any]) -> Optional[str]:
    """The readable key that sets ``payload_path`` of a ``rtype`` recipe's payload (longest
    matching prefix), or None for a key only a raw ``payload`` sets."""
    if tuple(payload_path[:1]) == ENGINE.paths[0]:
        return ENGINE.key
    return table(rtype).config_key(payload_path)


def sole_key(rtype: str, payload_path: Sequence[Any]) -> Optional[str]:
    """The readable key that alone sets ``payload_path`` (see ``RecipeTable.sole_key``), or None."""
    if tuple(payload_path[:1]) == ENGINE.paths[0]:
        return ENGINE.key
    return table(rtype).sole_key(payload_path)


def extractors(rtype: str, with_engine: bool = False) -> Tuple[Tuple[str, Extract], ...]:
    """``(key, extract)`` of ``rtype``'s readable keys, in the importer's order; ``engine`` last
    when the payload holds the engine choice."""
    return table(rtype).extractors() + (((ENGINE.key, ENGINE.extract),) if with_engine else ())
