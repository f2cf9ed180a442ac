"""Control characters made visible before any text reaches a terminal, a Markdown file or a page.

Why: values shown by the tool come from files and from DSS, which anyone with write access on a
project can edit. A raw ``ESC[2K ESC[1A`` in a code line, a user name or a description erases the
lines printed before it on a terminal, so a change could hide itself at the apply prompt; a raw
carriage return overwrites a line the same way. Every view therefore shows C0 and C1 control
characters (and DEL, and the Unicode line and paragraph separators and bidirectional overrides,
which reorder or split what a reader sees) as escapes such as ``\\x1b``. Newline and tab are
layout, kept unless the caller asks for a one-line form.
"""

import re
from typing import Any

#: C0 controls but tab and newline, DEL, C1 controls, the line/paragraph separators and the
#: bidirectional embedding/override/isolate marks.
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_CONTROLS_AND_LAYOUT = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_NAMED = {"\n": "\\n", "\t": "\\t", "\r": "\\r"}


def _escape(match: Any) -> str:
    char = match.group(0)
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    return "\\x%02x" % code if code < 0x100 else "\\u%04x" % code


def printable(text: Any, one_line: bool = False) -> Any:
    """``text`` with control characters shown as escapes (``\\x1b``); newlines and tabs kept, or
    escaped too with ``one_line``. Anything but a string is returned as is."""
    if not isinstance(text, str):
        return text
    pattern = _CONTROLS_AND_LAYOUT if one_line else _CONTROLS
    return pattern.sub(_escape, text) if pattern.search(text) else text


_NOT_JSON_ESCAPED = re.compile("[\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def printable_json(text: str) -> str:
    """JSON text (``json.dumps(..., ensure_ascii=False)``) with the control characters JSON leaves raw
    (DEL, C1 such as CSI, line separators, bidi overrides) written as ``\\u`` escapes: the same JSON
    value, safe on a terminal. They can only occur inside JSON strings, where ``\\u009b`` is valid."""
    return _NOT_JSON_ESCAPED.sub(lambda m: "\\u%04x" % ord(m.group(0)), text)
