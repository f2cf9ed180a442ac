"""A lenient ``multipart/form-data`` parser for managed-folder uploads.

The client's part headers are not always valid: up to 15.0 (``requests`` ``files=``) the file
part carries the literal header ``Content-Type: {'Expires': '0'}``; from 15.1 on
(``MultipartEncoder``) it carries ``Expires: 0`` and no Content-Type. DSS accepts both, so we
only look at ``Content-Disposition`` and take the body of the part as raw bytes. (The stdlib
``cgi`` module is gone in Python 3.13 and ``email`` is too strict about the bogus header.)
"""
import re

from . import errors

_BOUNDARY_RE = re.compile(r'boundary=(?:"([^"]+)"|([^;\s]+))', re.IGNORECASE)
_PARAM_RE = re.compile(r';\s*([A-Za-z0-9_*-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;]*))')


def boundary_of(content_type):
    """The boundary of a multipart Content-Type header, or None."""
    m = _BOUNDARY_RE.search(content_type or "")
    if not m or "multipart/" not in (content_type or "").lower():
        return None
    return m.group(1) or m.group(2)


def parse(body, content_type):
    """``[(headers, data)]`` of every part; ``headers`` is a dict with lower-cased names.

    Raises a DSS 400 when the body is not multipart at all."""
    boundary = boundary_of(content_type)
    if boundary is None:
        raise errors.bad_request("Expected a multipart/form-data upload with a 'file' part")
    delimiter = b"--" + boundary.encode("latin-1")
    parts = []
    for chunk in body.split(delimiter)[1:]:
        if chunk.startswith(b"--"):
            break                                   # closing delimiter
        parts.append(_part(chunk))
    return parts


def _part(chunk):
    chunk = chunk[2:] if chunk.startswith(b"\r\n") else chunk.lstrip(b"\n")
    head, sep, data = chunk.partition(b"\r\n\r\n")
    if not sep:
        head, sep, data = chunk.partition(b"\n\n")
    if data.endswith(b"\r\n"):
        data = data[:-2]
    elif data.endswith(b"\n"):
        data = data[:-1]
    headers = {}
    for line in head.decode("latin-1").splitlines():
        name, colon, value = line.partition(":")
        if colon:
            headers[name.strip().lower()] = value.strip()
    return headers, data


def disposition_params(headers):
    """The parameters of a part's Content-Disposition (``name``, ``filename``...)."""
    value = headers.get("content-disposition", "")
    return {m.group(1).lower(): (m.group(2) if m.group(2) is not None else m.group(3).strip())
            for m in _PARAM_RE.finditer(value)}


def file_part(body, content_type, field="file"):
    """The bytes of the part named ``field`` (DSS's upload field is ``file``)."""
    for headers, data in parse(body, content_type):
        if disposition_params(headers).get("name") == field:
            return data
    raise errors.bad_request("The multipart upload has no '%s' part" % field)
