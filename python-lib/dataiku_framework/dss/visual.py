"""Readable visual-recipe keys -> the payload JSON and recipe params DSS stores (pure functions).

Why one module: ``create`` (bootstrap) sends these dicts and ``plan`` compares them, key by key, with
what DSS returns, so each function emits exactly the keys the configuration governs plus the
structural keys DSS needs to run the recipe (never ``$``-prefixed UI metadata, never defaults of
settings the configuration does not name). Shapes: the fixture exports' ``.join``/``.split``/
``.shaker`` payloads where they exist, the shared visual-recipe reference for the others.

Rules (also in docs/reference/language-rules.md):
* readable keys apply on top of a raw ``payload`` mapping (mappings merge, other values replace);
* a readable boolean left at its schema default (``global_count``, ``add_origin_column``) is not
  applied on top of a raw ``payload``: the payload says it;
* ``engine`` is DSS's engine type name, stored as the payload's ``engineType`` for the visual
  recipes whose payload holds one, in the recipe ``params.engineType`` otherwise.
"""
from typing import Any, Callable, Dict, List, Optional, Tuple

from ..config.annotations import facts
from ..config.environments import _merge
from ..config.located import to_plain

# aggregation function of the config -> DSS's per-column flag (grouping, window, pivot values)
AGGREGATION_FLAGS = {"count": "count", "count_distinct": "countDistinct", "sum": "sum", "avg": "avg",
                     "min": "min", "max": "max", "stddev": "stddev", "first": "first", "last": "last",
                     "concat": "concat", "concat_distinct": "concatDistinct", "median": "median"}
# flags the DSS references do not list among a column's stored aggregations: sent only when chosen,
# so that a DSS which never stores them does not show a false change
SET_ONLY_WHEN_CHOSEN = frozenset(["median"])
JOIN_TYPES = {"left": "LEFT", "inner": "INNER", "right": "RIGHT", "full": "FULL", "cross": "CROSS",
              "left_anti": "LEFT_ANTI", "right_anti": "RIGHT_ANTI"}
# the join type DSS's creator picks when it guesses joins (fixtures: LEFT)
DEFAULT_JOIN_TYPE = "LEFT"
SAMPLING_METHODS = {"head": "HEAD_SEQUENTIAL", "random_ratio": "RANDOM_FIXED_RATIO",
                    "random_count": "RANDOM_FIXED_NB", "column_values": "COLUMN_BASED",
                    "stratified": "STRATIFIED_TARGET_RATIO_EXACT"}
# split modes whose share of rows is a ratio, and the list holding it
SPLIT_SHARE_LISTS = {"RANDOM": "randomSplits", "RANDOM_COLUMNS": "randomColumnsSplits",
                     "CENTILE": "centileSplits"}
# the DSS recipe types (config spelling) whose payload holds the engine choice (``engineType``)
PAYLOAD_ENGINE_TYPES = frozenset(["grouping", "window", "distinct", "topn", "sort", "pivot", "join",
                                  "fuzzyjoin", "geojoin", "vstack", "split", "sampling", "upsert"])


def _given(rc: Any, field: str) -> bool:
    """A readable key the configuration sets (empty lists and None are not settings)."""
    return getattr(rc, field, None) not in (None, [], {})


def _flag(rc: Any, field: str) -> Optional[bool]:
    """A boolean readable key, or None when it stays at its default on top of a raw payload."""
    value = bool(getattr(rc, field))
    if not value and rc.payload is not None:
        return None
    return value


def _values(aggregations: List[Any]) -> List[Dict[str, Any]]:
    """Aggregations as DSS's per-column ``values``: every flag DSS stores set, true or false, so
    that removing a function in the config is a change and not a silent leftover."""
    out = []
    for agg in aggregations or []:
        chosen = set(agg["functions"])
        entry: Dict[str, Any] = {"column": agg["column"]}
        entry.update({flag: fn in chosen for fn, flag in AGGREGATION_FLAGS.items()
                      if fn in chosen or fn not in SET_ONLY_WHEN_CHOSEN})
        out.append(entry)
    return out


def _orders(order_by: List[Any]) -> List[Dict[str, Any]]:
    return [{"column": o, "desc": False} if isinstance(o, str) else {"column": o["column"], "desc": bool(o.get("desc"))}
            for o in order_by or []]


def _share(ratio: float) -> Any:
    """DSS split shares are percentages (fixtures: 70 for 70%); integral ones stay integers. The
    shortest rounding that gives the ratio back (``share / 100``, the inverse) is kept: no float noise
    (0.7 is 70, not 70.00000000000001), and no digit of the ratio lost (0.376953125 is 37.6953125)."""
    exact = ratio * 100
    pct = next((p for p in (round(exact, digits) for digits in range(16)) if p / 100.0 == ratio), exact)
    return int(pct) if pct == int(pct) else pct


def grouping_payload(rc: Any) -> Dict[str, Any]:
    out: Dict[str, Any] = {}
    if _given(rc, "keys"):
        out["keys"] = [{"column": k} for k in rc.keys]
    if _given(rc, "aggregations"):
        out["values"] = _values(rc.aggregations)
    count = _flag(rc, "global_count")
    if count is not None:
        out["globalCount"] = count
    return out


def join_payload(rc: Any) -> Dict[str, Any]:
    """The first two inputs' join (``table1`` 0, ``table2`` 1), equality conditions ANDed."""
    if not (_given(rc, "join_type") or _given(rc, "on")):
        return {}
    on = [{"type": "EQ", "column1": {"name": c["left"], "table": 0}, "column2": {"name": c["right"], "table": 1}}
          for c in rc.on or []]
    join = {"table1": 0, "table2": 1, "type": JOIN_TYPES.get(rc.join_type or "", DEFAULT_JOIN_TYPE),
            "conditionsMode": "AND", "on": on}
    return {"joins": [join]}


def prepare_payload(rc: Any) -> Dict[str, Any]:
    if not _given(rc, "steps"):
        return {}
    steps = []
    for step in rc.steps:
        out: Dict[str, Any] = {"metaType": "PROCESSOR", "type": step["type"],
                               "params": to_plain(dict(step.get("params") or {})),
                               "disabled": bool(step.get("disabled"))}
        if step.get("name") is not None:
            out["name"] = step["name"]
        steps.append(out)
    return {"steps": steps}


def split_payload(rc: Any) -> Dict[str, Any]:
    """Mode, seed and, for the random-like modes, the first output's share (rows no split takes go
    to the second output, ``defaultOutputIndex`` 1, as in the fixtures)."""
    out: Dict[str, Any] = {}
    mode = rc.mode or ("RANDOM" if _given(rc, "ratio") else None)
    if mode is not None:
        out["mode"] = mode
    if _given(rc, "ratio"):
        out[SPLIT_SHARE_LISTS[mode]] = [{"outputIndex": 0, "share": _share(rc.ratio)}]
        out["defaultOutputIndex"] = 1
    if _given(rc, "seed"):
        out["seed"] = rc.seed
    return out


def vstack_payload(rc: Any) -> Dict[str, Any]:
    out: Dict[str, Any] = {}
    if _given(rc, "mode"):
        out["mode"] = rc.mode
    origin = _flag(rc, "add_origin_column")
    if origin is not None:
        out["addOriginColumn"] = origin
    return out


def window_payload(rc: Any) -> Dict[str, Any]:
    out: Dict[str, Any] = {}
    if _given(rc, "partition_by") or _given(rc, "order_by"):
        out["windows"] = [{"enablePartitioning": _given(rc, "partition_by"),
                           "partitioningColumns": list(rc.partition_by or []),
                           "enableOrdering": _given(rc, "order_by"), "orders": _orders(rc.order_by)}]
    if _given(rc, "aggregations"):
        out["values"] = _values(rc.aggregations)
    return out


def distinct_payload(rc: Any) -> Dict[str, Any]:
    return {"keys": [{"column": k} for k in rc.keys]} if _given(rc, "keys") else {}


def sort_payload(rc: Any) -> Dict[str, Any]:
    return {"orders": _orders(rc.order_by)} if _given(rc, "order_by") else {}


def topn_payload(rc: Any) -> Dict[str, Any]:
    """Top N rows (``firstRows``; ``lastRows`` 0), per group of ``keys`` (plain names for top-n)."""
    out: Dict[str, Any] = {}
    if _given(rc, "top"):
        out.update({"firstRows": rc.top, "lastRows": 0})
    if _given(rc, "partition_by"):
        out["keys"] = list(rc.partition_by)
    if _given(rc, "order_by"):
        out["orders"] = _orders(rc.order_by)
    return out


def pivot_payload(rc: Any) -> Dict[str, Any]:
    """One pivot: ``pivot_column``'s values become columns holding the aggregations; ``keys`` are
    the explicit row identifiers."""
    out: Dict[str, Any] = {}
    if _given(rc, "pivot_column") or _given(rc, "aggregations"):
        pivot: Dict[str, Any] = {}
        if _given(rc, "pivot_column"):
            pivot["keyColumns"] = [rc.pivot_column]
        if _given(rc, "aggregations"):
            pivot["valueColumns"] = _values(rc.aggregations)
        out["pivots"] = [pivot]
    if _given(rc, "keys"):
        out.update({"identifierColumnsSelection": "EXPLICIT", "explicitIdentifiers": list(rc.keys)})
    return out


def sampling_payload(rc: Any) -> Dict[str, Any]:
    selection: Dict[str, Any] = {}
    if _given(rc, "method"):
        selection["samplingMethod"] = SAMPLING_METHODS[rc.method]
    if _given(rc, "ratio"):
        selection["targetRatio"] = rc.ratio
    if _given(rc, "max_records"):
        selection["maxRecords"] = rc.max_records
    if _given(rc, "seed"):
        selection["seed"] = rc.seed
    return {"selection": selection} if selection else {}


BUILDERS: Dict[str, Callable[[Any], Dict[str, Any]]] = {
    "grouping": grouping_payload, "join": join_payload, "fuzzyjoin": join_payload, "geojoin": join_payload,
    "prepare": prepare_payload, "shaker": prepare_payload, "split": split_payload, "vstack": vstack_payload,
    "window": window_payload, "distinct": distinct_payload, "sort": sort_payload, "topn": topn_payload,
    "pivot": pivot_payload, "sampling": sampling_payload,
}


def visual_payload(rc: Any) -> Optional[Dict[str, Any]]:
    """The payload keys ``rc``'s readable settings (and engine) set; None when they set none."""
    builder = BUILDERS.get(rc.type)
    out = builder(rc) if builder else {}
    if rc.engine and rc.type in PAYLOAD_ENGINE_TYPES:
        out["engineType"] = rc.engine
    return to_plain(out) or None


def config_key(rtype: str, payload_path: Tuple[Any, ...]) -> Optional[str]:
    """The readable key that sets ``payload_path``: read from the recipe kind's one table."""
    from ..resources.recipe import readable  # the table's home; imported late (resources import this module)
    return readable.config_key(rtype, payload_path)


def recipe_params(rc: Any) -> Dict[str, Any]:
    """The recipe definition's ``params``: the raw ``params``, with the readable settings that DSS
    keeps there on top (the code environment; the engine of recipes whose payload has none)."""
    params = to_plain(dict(rc.params or {}))
    if getattr(rc, "code_env", None):
        params["envSelection"] = {"envMode": "EXPLICIT_ENV", "envName": rc.code_env}
    if rc.engine and rc.type not in PAYLOAD_ENGINE_TYPES:
        params["engineType"] = rc.engine
    return params


def merged(base: Any, overlay: Optional[Dict[str, Any]]) -> Any:
    """``overlay`` applied on top of a copy of ``base`` (mappings merge, other values replace)."""
    if overlay is None or base is None:
        return to_plain(overlay if base is None else base)
    out = to_plain(base)
    _merge(out, overlay)
    return out


READABLE_EXCLUDED = frozenset(["code", "code_file", "code_env"])
Problem = Tuple[Tuple[Any, ...], str, str, str]
JOIN_TYPES_WITH_KEYS = frozenset(["join", "fuzzyjoin", "geojoin"])


def problems(recipe: Dict[str, Any], rtype: str) -> List[Problem]:
    """Settings of a recipe document (as written) that have no faithful DSS translation, as
    ``(path under the recipe, message, hint, code)``: validation reports them as errors, so that no
    key is accepted and then dropped."""
    out = _payload_problems(recipe, rtype) + _split_problems(recipe, rtype) + _join_problems(recipe, rtype)
    for side in ("inputs", "outputs"):
        for index, ref in enumerate(_list(recipe.get(side))):
            if isinstance(ref, dict) and "partitions" in ref:
                out.append(((side, index, "partitions"), "'partitions' on a recipe %s is not sent to DSS" % side[:-1],
                            "partition dependencies need the datasets' dimensions: set them in DSS; build a "
                            "partition with a scenario step's 'partitions'", "recipe.partitions"))
    return out


def _payload_problems(recipe: Dict[str, Any], rtype: str) -> List[Problem]:
    readable = [k for k in recipe if k in payload_fields(rtype)]
    if readable and "payload" in recipe and not isinstance(recipe["payload"], dict):
        return [(("payload",), "readable keys (%s) cannot be applied on top of a text or list payload"
                 % ", ".join(readable), "write the payload as a mapping, or drop the readable keys",
                 "recipe.payload_not_mapping")]
    return []


def _split_problems(recipe: Dict[str, Any], rtype: str) -> List[Problem]:
    mode = recipe.get("mode") or "RANDOM"
    if rtype == "split" and "ratio" in recipe and isinstance(mode, str) and mode not in SPLIT_SHARE_LISTS:
        modes = "/".join(sorted(SPLIT_SHARE_LISTS))
        return [(("ratio",), "'ratio' has no meaning for split mode %s" % mode,
                 "use it with mode %s, or describe the splits in 'payload'" % modes, "recipe.split_ratio")]
    return []


def _join_problems(recipe: Dict[str, Any], rtype: str) -> List[Problem]:
    """The readable join is one pair of inputs; more inputs need their joins written in the payload."""
    main = [r for r in _list(recipe.get("inputs"))
            if isinstance(r, str) or (isinstance(r, dict) and r.get("role", "main") == "main")]
    keys = [k for k in ("join_type", "on") if k in recipe]
    if rtype in JOIN_TYPES_WITH_KEYS and keys and len(main) > 2:
        return [((keys[0],), "'on'/'join_type' describe a join of two inputs; this recipe has %d" % len(main),
                 "write the joins of more than two inputs in 'payload.joins'", "recipe.join_inputs")]
    return []


def _list(value: Any) -> List[Any]:
    """A list as written, or [] for a value of the wrong shape (the schema check reports it)."""
    return value if isinstance(value, list) else []


def payload_fields(rtype: str) -> List[str]:
    """The keys ``visual_payload`` applies on top of a raw payload: the readable keys, and ``engine``
    where the payload holds the engine (``engineType``); elsewhere the engine is a recipe param."""
    return readable_fields(rtype) + (["engine"] if rtype in PAYLOAD_ENGINE_TYPES else [])


def readable_fields(rtype: str) -> List[str]:
    """The readable (visual) keys of the schema that apply to a recipe type."""
    return [f for f, types in facts("Recipe").applies_to.items() if f not in READABLE_EXCLUDED and rtype in types]
