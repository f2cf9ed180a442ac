"""Version stamps DSS puts on every stored object (``creationTag``/``versionTag``)."""
import copy
import time


def now_ms():
    return int(time.time() * 1000)


def tag(version, login, when=None):
    return {"versionNumber": version, "lastModifiedBy": {"login": login},
            "lastModifiedOn": when if when is not None else now_ms()}


def stamp_new(obj, login):
    """Stamp a freshly created object: version 0, created and modified by ``login``."""
    when = now_ms()
    obj["creationTag"] = tag(0, login, when)
    obj["versionTag"] = tag(0, login, when)
    return obj


def stamp_update(new, old, login):
    """Stamp a saved object: keep the creation tag, bump the version, name the caller.

    DSS ignores the tags a client sends back: they are server-owned. An object that never had a
    creation tag (some real exports lack it) does not get an invented one on save."""
    created = (old or {}).get("creationTag")
    previous = ((old or {}).get("versionTag") or {}).get("versionNumber", 0)
    new.pop("creationTag", None)
    if created:
        new["creationTag"] = copy.deepcopy(created)
    new["versionTag"] = tag(previous + 1, login)
    return new
