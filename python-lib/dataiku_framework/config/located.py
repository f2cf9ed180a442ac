"""Plain-data documents that remember where each value came from.

Why: every diagnostic must carry file, line and column, but the validators
work on plain dicts and lists (that is what JSON Schema describes). ``LocDict``
and ``LocList`` are ``dict``/``list`` subclasses (so any code treating them as
plain data keeps working) with a side table of source positions per key/item.
``position_of`` turns an object path into the best known position: the exact
value when it exists, else the closest enclosing object.
"""

from typing import Any, Dict, List, Optional, Sequence, Tuple

from .diagnostics import Position

#: (line, column, end_line, end_column), 1-based.
Span = Tuple[int, int, int, int]

_NO_SPAN = (0, 0, 0, 0)  # type: Span


class LocDict(dict):
    """A mapping read from a file: ``key_spans[key]``/``value_spans[key]`` locate each entry."""

    __slots__ = ("filename", "span", "key_spans", "value_spans")

    def __init__(self, *args, **kwargs):
        super(LocDict, self).__init__(*args, **kwargs)
        self.filename = None  # type: Optional[str]
        self.span = _NO_SPAN  # type: Span
        self.key_spans = {}  # type: Dict[str, Span]
        self.value_spans = {}  # type: Dict[str, Span]


class LocList(list):
    """A sequence read from a file: ``item_spans[i]`` locates item ``i``."""

    __slots__ = ("filename", "span", "item_spans")

    def __init__(self, *args):
        super(LocList, self).__init__(*args)
        self.filename = None  # type: Optional[str]
        self.span = _NO_SPAN  # type: Span
        self.item_spans = []  # type: List[Span]


def _own_position(node):
    # type: (Any) -> Optional[Position]
    span = getattr(node, "span", None)
    if span is None or not span[0]:
        return None
    return (node.filename,) + tuple(span)  # type: ignore


def _child_span(node, part, key):
    # type: (Any, Any, bool) -> Optional[Span]
    if isinstance(node, LocDict):
        spans = node.key_spans if key else node.value_spans
        return spans.get(part)
    if isinstance(node, LocList) and isinstance(part, int) and 0 <= part < len(node.item_spans):
        return node.item_spans[part]
    return None


def position_of(doc, path, key=False):
    # type: (Any, Sequence[Any], bool) -> Optional[Position]
    """Best position for ``path`` in ``doc``.

    With ``key=True`` a mapping entry is located at its key (used for "unknown
    key" errors); otherwise at its value. Falls back to the deepest existing
    enclosing object, so a diagnostic about a missing key points at the object
    that lacks it.
    """
    best = _own_position(doc)
    node = doc
    for index, part in enumerate(path):
        last = index == len(path) - 1
        span = _child_span(node, part, key and last)
        filename = getattr(node, "filename", None)
        try:
            child = node[part]
        except (KeyError, IndexError, TypeError):
            if span is not None and span[0]:
                best = (filename,) + tuple(span)  # type: ignore
            break
        own = _own_position(child)
        if span is not None and span[0]:
            if own is not None and isinstance(node, LocList):
                filename = own[0]  # an item merged from an included file keeps that file's name
            best = (filename,) + tuple(span)  # type: ignore
        if own is not None and not last:
            best = own
        node = child
    return best


def to_plain(value):
    # type: (Any) -> Any
    """A deep copy made of plain ``dict``/``list`` (what YAML dumpers and JSON accept)."""
    if isinstance(value, dict):
        return {k: to_plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [to_plain(v) for v in value]
    return value


def copy_located(value):
    # type: (Any) -> Any
    """A deep copy that keeps positions; used before a document is modified (overlays)."""
    if isinstance(value, LocDict):
        out = LocDict((k, copy_located(v)) for k, v in value.items())
        out.filename, out.span = value.filename, value.span
        out.key_spans = dict(value.key_spans)
        out.value_spans = dict(value.value_spans)
        return out
    if isinstance(value, LocList):
        out_list = LocList(copy_located(v) for v in value)
        out_list.filename, out_list.span = value.filename, value.span
        out_list.item_spans = list(value.item_spans)
        return out_list
    if isinstance(value, dict):
        return {k: copy_located(v) for k, v in value.items()}
    if isinstance(value, list):
        return [copy_located(v) for v in value]
    return value
