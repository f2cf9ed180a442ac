"""Input checks shared by every area, so one kind of field is validated (and normalised) one way.

DSS deserialises bodies into typed Java objects: a value of the wrong type is a 400 there, never a
stored oddity, so these raise :func:`errors.bad_request` with the field named.
"""
from . import errors


def normalise_tags(value, field="tags"):
    """Tags as DSS stores them: sorted, without duplicates; ``None`` means none. Anything but a
    list of strings is refused (a 400, not a crash when sorting)."""
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(t, str) for t in value):
        raise errors.bad_request("'%s' must be a list of strings" % field)
    return sorted(set(value))


NUMBER = (int, float)
TYPE_NAMES = {str: "a string", bool: "a boolean", NUMBER: "a number", list: "a list", dict: "an object"}


def check_types(obj, fields, label):
    """Refuse a field of ``obj`` whose value is not of the type ``fields`` maps it to (None is
    "absent"); ``label`` names the object in the message (e.g. "params.steps[0] field")."""
    for key, kind in fields.items():
        value = obj.get(key)
        if value is not None and (not isinstance(value, kind) or (kind is NUMBER and isinstance(value, bool))):
            raise errors.bad_request("%s '%s' must be %s" % (label, key, TYPE_NAMES[kind]))


def require_fields(body, fields, what):
    """DSS cannot deserialise a definition without these: a 400 naming ``what`` and the missing
    field (a save must send the whole definition read from GET, since a PUT replaces)."""
    for field in fields:
        if body.get(field) is None:
            raise errors.bad_request("%s: the saved definition has no '%s' (send the whole definition read "
                                     "from GET, with '%s')" % (what, field, field))
