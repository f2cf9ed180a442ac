"""Scenario triggers: the configuration <-> DSS tables, written once, and the forward translation.

Why: the trigger types, the monthly start date and the temporal defaults used to be written forward
in ``dss/translate.py`` and inverted by hand in the importer (and spelled a third time as
path names for the plan); the two copies could drift. The translation, the importer's inverse and
``ScenarioResource.config_path`` all read the tables below (issue 17 §1).
"""
import re
from typing import Any, Dict, Optional

from ..tables import Bimap, Defaults

#: our trigger kinds <-> DSS trigger types (the shapes DSS stores, see the REST reference's addendum)
TRIGGER_TYPES = Bimap([("temporal", "temporal"), ("dataset", "ds_modified"), ("sql", "sql_query"),
                       ("python", "custom_python")])
#: config trigger key <-> DSS trigger ``params`` key
TRIGGER_PARAMS = Bimap([("hour", "hour"), ("minute", "minute"), ("frequency", "frequency"),
                        ("repeat_every", "repeatFrequency"), ("timezone", "timezone"),
                        ("starting_from", "startingFrom"), ("day_of_week", "daysOfWeek"),
                        ("day_of_month", "monthlyRunOn"), ("dataset", "watches"), ("sql", "query"),
                        ("connection", "connection"), ("code", "script")])
#: what DSS (and the client's add_*_trigger helpers) give a temporal trigger that names none
TEMPORAL_DEFAULTS = Defaults(repeat_every=1, timezone="SERVER", hour=0, minute=0, day_of_week=["Monday"],
                             day_of_month=1)
FREQUENCIES = frozenset(["minutely", "hourly", "daily", "weekly", "monthly"])
# a fixed month for monthly triggers: DSS takes the day of the month from ``startingFrom``, and a
# fixed date keeps the desired definition the same from one run to the next
MONTHLY_BASE = "2024-01-%02dT00:00:00.000+0000"
_MONTHLY_START = re.compile("^" + re.escape(MONTHLY_BASE).replace("%02d", r"(\d\d)") + "$")


def monthly_start(day: Optional[int]) -> str:
    """The ``startingFrom`` that stands for a monthly trigger's day of the month."""
    return MONTHLY_BASE % TEMPORAL_DEFAULTS.fill("day_of_month", day)


def monthly_day(start: Any) -> Optional[int]:
    """The day of the month a ``startingFrom`` written by ``monthly_start`` stands for; None otherwise."""
    match = _MONTHLY_START.match(start) if isinstance(start, str) else None
    return int(match.group(1)) if match else None


def _set(target: Dict[str, Any], key: str, value: Any) -> None:
    if value is not None:
        target[key] = value


def _dss(params: Dict[str, Any], key: str, value: Any) -> None:
    """Set the DSS params key of config key ``key``."""
    params[TRIGGER_PARAMS.to_dss(key)] = value


def temporal_params(tr: Any) -> Dict[str, Any]:
    """The params the client's own add_*_trigger helpers write, per frequency."""
    fill = TEMPORAL_DEFAULTS.fill
    params = {}  # type: Dict[str, Any]
    _dss(params, "frequency", tr.frequency.capitalize())
    _dss(params, "repeat_every", fill("repeat_every", tr.repeat_every or None))
    _dss(params, "timezone", fill("timezone", tr.timezone or None))
    if tr.frequency != "minutely":
        _dss(params, "hour", fill("hour", tr.hour))
        _dss(params, "minute", fill("minute", tr.minute))
    _set(params, TRIGGER_PARAMS.to_dss("starting_from"), tr.starting_from)
    if tr.frequency == "weekly":
        _dss(params, "day_of_week", list(fill("day_of_week", tr.day_of_week or None)))
    if tr.frequency == "monthly":
        _dss(params, "day_of_month", "ON_THE_DAY")
        if tr.starting_from is None:
            _dss(params, "starting_from", monthly_start(tr.day_of_month or None))
    return params


def temporal_keys(params: Dict[str, Any]) -> Dict[str, Any]:
    """The inverse of ``temporal_params``: the config keys of a temporal trigger's DSS params, without
    the keys at their default. Raises ValueError for a frequency the language lacks."""
    freq = str(params.get("frequency") or "").lower()
    if freq not in FREQUENCIES:
        raise ValueError("trigger frequency %r has no equivalent in the language" % params.get("frequency"))
    out = {"frequency": freq}  # type: Dict[str, Any]
    keys = (["hour", "minute"] if freq != "minutely" else []) + ["repeat_every", "timezone"]
    for key in keys:
        value = params.get(TRIGGER_PARAMS.to_dss(key))
        if value is not None and not TEMPORAL_DEFAULTS.drop(key, value):
            out[key] = value
    if freq == "weekly":  # always written: the days are what a weekly trigger is about
        out["day_of_week"] = list(TEMPORAL_DEFAULTS.fill("day_of_week", params.get("daysOfWeek") or None))
    start = params.get(TRIGGER_PARAMS.to_dss("starting_from"))
    day = monthly_day(start) if freq == "monthly" else None
    if day is not None:
        if not TEMPORAL_DEFAULTS.drop("day_of_month", day):
            out["day_of_month"] = day
    elif start:
        out["starting_from"] = start
    return out


def trigger_definition(tr: Any) -> Optional[Dict[str, Any]]:
    """DSS trigger JSON; None for ``manual`` (run by hand only: no DSS trigger).

    The check interval of event triggers is the trigger's root ``delay`` (seconds) and the grace
    period lives in ``graceDelaySettings``, both beside ``params`` as DSS stores them."""
    if tr.type == "manual":
        return None
    params = {}  # type: Dict[str, Any]
    if tr.type == "temporal":
        params = temporal_params(tr)
    elif tr.type == "dataset":
        names = tr.dataset if isinstance(tr.dataset, list) else [tr.dataset]
        params = {"watches": [{"type": "DATASET", "itemId": n, "partitionsSpec": ""} for n in names],
                  "triggerWhenAllFire": False}
    elif tr.type == "sql":
        params = {"connection": tr.connection, "query": tr.sql}
    elif tr.type == "python":
        params = {"script": tr.code or "", "envSelection": {"envMode": "INHERIT"}}
    params.update(tr.params or {})
    out = {"type": TRIGGER_TYPES.to_dss(tr.type), "active": tr.active is not False,
           "params": params}  # type: Dict[str, Any]
    _set(out, "name", tr.name)
    _set(out, "delay", tr.check_every)
    if tr.grace_delay is not None:
        out["graceDelaySettings"] = {"delay": tr.grace_delay, "checkAgainAfterGraceDelay": True}
    return out
