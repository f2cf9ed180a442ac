"""Safe YAML/JSON loading with positions, limits and includes.

Why not ``yaml.safe_load``: it loses line numbers, silently keeps the last of
two duplicate keys, expands aliases without limit ("billion laughs") and its
pure-Python parser is slow. Here the libyaml event stream (``CSafeLoader``'s
C parser, lazily consumed) is turned into ``LocDict``/``LocList`` trees by an
iterative builder that

* records the span of every key, value and item,
* reports duplicate keys with both positions,
* counts nodes *including alias expansions* and stops as soon as a limit is
  crossed (so an exponential alias bomb is rejected after a few events),
* stops at a maximum nesting depth (libyaml and recursive validators would
  otherwise crawl or crash on ``[[[[...`` inputs),
* resolves plain scalars with YAML 1.2 core rules (only ``true``/``false`` are
  booleans, so ``country: NO`` stays a string) and reads mapping keys as text
  (``on:`` is the key "on", not ``True``),
* rejects every tag outside the JSON-compatible core set.

JSON files go through the same builder (JSON is YAML), after ``json`` has
checked their syntax so JSON errors read like JSON errors.
"""

import glob
import io
import json
import os
import re
from typing import Any, Dict, List, Optional, Sequence, Tuple

import yaml

from .diagnostics import ERROR, ConfigError, Diagnostic, Position, format_path
from .located import LocDict, LocList

_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

#: Top-level keys an included file may contribute (list sections appended to the main file's).
INCLUDABLE_SECTIONS = ("datasets", "managed_folders", "recipes", "scenarios", "zones", "external")


class Limits(object):
    """Resource limits for one load (main file plus includes).

    ``max_bytes`` applies to each file; ``max_nodes`` (values, counting alias
    expansions) is one budget shared by the main file and all its included
    files; ``max_depth`` is the nesting limit of each document and
    ``max_files`` the number of included files.
    """

    def __init__(self, max_bytes=10 * 1024 * 1024, max_nodes=500000, max_depth=64, max_files=500):
        # type: (int, int, int, int) -> None
        self.max_bytes = max_bytes
        self.max_nodes = max_nodes
        self.max_depth = max_depth
        self.max_files = max_files


class LoadedDocument(object):
    """A loaded configuration: the merged document, its root folder and load diagnostics."""

    def __init__(self, doc, root_dir, main_file, files, diagnostics, unread=None):
        # type: (Any, str, Optional[str], List[str], List[Diagnostic], Optional[List[Tuple[str, Position]]]) -> None
        self.doc = doc
        self.root_dir = root_dir
        self.main_file = main_file
        self.files = files
        self.diagnostics = diagnostics
        #: Included files that could not be read or parsed, with the position of their ``include:`` entry:
        #: the document lacks what they declare, so references into them cannot be checked.
        self.unread = unread or []  # type: List[Tuple[str, Position]]
        self.from_text = False  # set by api.load_and_validate when the source was YAML text


class Budget(object):
    """Values counted so far in one load: shared by the main file and its includes (``Limits.max_nodes``)."""

    __slots__ = ("nodes",)

    def __init__(self):
        # type: () -> None
        self.nodes = 0


class _Abort(Exception):
    """Internal: stop building a document; carries the fatal diagnostic."""

    def __init__(self, diagnostic):
        # type: (Diagnostic) -> None
        super(_Abort, self).__init__(diagnostic.summary)
        self.diagnostic = diagnostic


# --------------------------------------------------------------------------- scalars

_NULLS = {"", "~", "null", "Null", "NULL"}
_BOOLS = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_INT_RE = re.compile(r"^[-+]?[0-9]+$")
_FLOAT_RE = re.compile(r"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")
_SPECIAL_FLOATS = {".inf": float("inf"), "+.inf": float("inf"), "-.inf": float("-inf"),
                   ".Inf": float("inf"), "+.Inf": float("inf"), "-.Inf": float("-inf"),
                   ".INF": float("inf"), "+.INF": float("inf"), "-.INF": float("-inf"),
                   ".nan": float("nan"), ".NaN": float("nan"), ".NAN": float("nan")}
_TAG_PREFIX = "tag:yaml.org,2002:"
_NO_VALUE = object()


def plain_scalar(text):
    # type: (str) -> Any
    """YAML 1.2 core-schema resolution of an unquoted scalar."""
    if text in _NULLS:
        return None
    if text in _BOOLS:
        return _BOOLS[text]
    first = text[0]
    if first.isdigit() or first in "+-.":
        if _INT_RE.match(text):
            return int(text)
        if text.startswith(("0x", "0o")) and len(text) > 2:
            try:
                return int(text[2:], 16 if text[1] == "x" else 8)
            except ValueError:
                return text
        if _FLOAT_RE.match(text):
            return float(text)
        if text in _SPECIAL_FLOATS:
            return _SPECIAL_FLOATS[text]
    return text


def _tagged_scalar(tag, text):
    # type: (str, str) -> Any
    """Value of an explicitly tagged scalar, or ``_NO_VALUE`` for unsupported tags."""
    name = tag[len(_TAG_PREFIX):] if tag.startswith(_TAG_PREFIX) else None
    if name == "str":
        return text
    if name in ("int", "float", "bool", "null"):
        value = plain_scalar(text)
        expected = {"int": int, "float": (int, float), "bool": bool, "null": type(None)}[name]
        if isinstance(value, expected) and not (name != "bool" and isinstance(value, bool)):
            return float(value) if name == "float" else value
    return _NO_VALUE


# --------------------------------------------------------------------------- builder

def _span(event):
    # type: (Any) -> Tuple[int, int, int, int]
    start, end = event.start_mark, event.end_mark
    return (start.line + 1, start.column + 1, end.line + 1, end.column + 1)


class _Frame(object):
    """One open mapping or sequence while the event stream is consumed."""

    __slots__ = ("container", "is_map", "key", "key_span", "anchor", "size", "merges")

    def __init__(self, container, is_map, anchor):
        # type: (Any, bool, Optional[str]) -> None
        self.container = container
        self.is_map = is_map
        self.key = None  # type: Any
        self.key_span = None  # type: Optional[Tuple[int, int, int, int]]
        self.anchor = anchor
        self.size = 1
        self.merges = []  # type: List[Tuple[Any, Tuple[int, int, int, int]]]


class _Builder(object):
    """Builds one located document from a libyaml event stream (see module docstring)."""

    def __init__(self, filename, limits, budget):
        # type: (str, Limits, Budget) -> None
        self.filename = filename
        self.limits = limits
        self.budget = budget
        self.stack = []  # type: List[_Frame]
        self.anchors = {}  # type: Dict[str, Tuple[Any, int]]
        self.root = _NO_VALUE  # type: Any
        self.documents = 0
        self.diagnostics = []  # type: List[Diagnostic]

    # -- reporting
    def _diag(self, summary, span, hint=None, code="yaml.syntax"):
        # type: (str, Tuple[int, int, int, int], Optional[str], str) -> Diagnostic
        return Diagnostic(ERROR, summary, path=self._path(), hint=hint,
                          position=(self.filename,) + tuple(span), code=code)  # type: ignore

    def _path(self):
        # type: () -> str
        parts = []  # type: List[Any]
        for frame in self.stack:
            if frame.is_map:
                if frame.key is not None:
                    parts.append(frame.key)
            else:
                parts.append(len(frame.container))
        return format_path(parts)

    def _count(self, size, span):
        # type: (int, Tuple[int, int, int, int]) -> None
        budget = self.budget
        budget.nodes += size
        if budget.nodes > self.limits.max_nodes:
            raise _Abort(self._diag(
                "configuration too large: more than %d values (main file and includes, aliases expanded)"
                % self.limits.max_nodes,
                span, hint="the limit covers the main file and all its included files together: expand fewer "
                "YAML aliases, or describe fewer objects per configuration (one configuration per DSS project)",
                code="limit.nodes"))

    # -- events
    def feed(self, event):
        # type: (Any) -> None
        if isinstance(event, yaml.ScalarEvent):
            self._scalar(event)
        elif isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            self._start(event)
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            self._end(event)
        elif isinstance(event, yaml.AliasEvent):
            self._alias(event)
        elif isinstance(event, yaml.DocumentStartEvent):
            self.documents += 1
            if self.documents > 1:
                raise _Abort(self._diag("only one YAML document per file is allowed ('---' found)",
                                        _span(event), code="yaml.multidoc"))

    def _check_tag(self, event, kind):
        # type: (Any, str) -> None
        tag = event.tag
        if tag and tag not in ("!", _TAG_PREFIX + kind):
            raise _Abort(self._diag("unsupported YAML tag '%s'" % tag, _span(event),
                                    hint="remove the tag: only plain YAML data is accepted",
                                    code="yaml.tag"))

    def _start(self, event):
        # type: (Any) -> None
        is_map = isinstance(event, yaml.MappingStartEvent)
        self._check_tag(event, "map" if is_map else "seq")
        span = _span(event)
        if len(self.stack) >= self.limits.max_depth:
            raise _Abort(self._diag("nesting deeper than %d levels" % self.limits.max_depth, span,
                                    code="limit.depth"))
        self._count(1, span)
        container = LocDict() if is_map else LocList()
        container.filename = self.filename
        container.span = span
        self.stack.append(_Frame(container, is_map, event.anchor))

    def _end(self, event):
        # type: (Any) -> None
        frame = self.stack.pop()
        container = frame.container
        start = container.span
        container.span = (start[0], start[1]) + _span(event)[2:]
        if frame.merges:
            self._apply_merges(container, frame.merges)
        if frame.anchor:
            self.anchors[frame.anchor] = (container, frame.size)
        self._attach(container, container.span, frame.size)

    def _scalar(self, event):
        # type: (Any) -> None
        span = _span(event)
        frame = self.stack[-1] if self.stack else None
        if frame is not None and frame.is_map and frame.key_span is None:
            self._key(event, span, frame)
            return
        if event.tag and event.tag != "!":
            value = _tagged_scalar(event.tag, event.value)
            if value is _NO_VALUE:
                raise _Abort(self._diag("unsupported YAML tag '%s'" % event.tag, span,
                                        hint="remove the tag: only plain YAML data is accepted",
                                        code="yaml.tag"))
        elif event.implicit[0]:
            value = plain_scalar(event.value)
        else:
            value = event.value
        self._count(1, span)
        if event.anchor:
            self.anchors[event.anchor] = (value, 1)
        self._attach(value, span, 1)

    def _key(self, event, span, frame):
        # type: (Any, Tuple[int, int, int, int], _Frame) -> None
        if event.anchor:
            self.anchors[event.anchor] = (event.value, 1)
        self._count(1, span)
        frame.key = event.value
        frame.key_span = span

    def _alias(self, event):
        # type: (Any) -> None
        span = _span(event)
        frame = self.stack[-1] if self.stack else None
        if event.anchor not in self.anchors:
            raise _Abort(self._diag("unknown or recursive alias '*%s'" % event.anchor, span,
                                    hint="define '&%s' before using it, outside the value that uses it" % event.anchor,
                                    code="yaml.alias"))
        value, size = self.anchors[event.anchor]
        if frame is not None and frame.is_map and frame.key_span is None:
            if not isinstance(value, str):
                raise _Abort(self._diag("mapping keys must be text", span, code="yaml.key"))
            frame.key, frame.key_span = value, span
            self._count(1, span)
            return
        self._count(size, span)
        self._attach(value, span, size)

    def _attach(self, value, span, size):
        # type: (Any, Tuple[int, int, int, int], int) -> None
        if not self.stack:
            self.root = value
            return
        frame = self.stack[-1]
        frame.size += size
        container = frame.container
        if not frame.is_map:
            container.append(value)
            container.item_spans.append(span)
            return
        if frame.key_span is None:
            # A non-scalar key (mapping or sequence used as a key).
            raise _Abort(self._diag("mapping keys must be plain text, not a mapping or list", span,
                                    code="yaml.key"))
        key, key_span = frame.key, frame.key_span
        frame.key, frame.key_span = None, None
        if key == "<<":
            frame.merges.append((value, span))
        elif key in container:
            first = container.key_spans[key]
            self.diagnostics.append(Diagnostic(
                ERROR, "duplicate key '%s' (first defined at line %d, column %d)" % (key, first[0], first[1]),
                path=format_path([p for p in self._path_parts()] + [key]),
                hint="remove one of the two '%s' entries; the first one is used" % key,
                position=(self.filename,) + tuple(key_span), code="yaml.duplicate_key"))  # type: ignore
        else:
            container[key] = value
            container.key_spans[key] = key_span
            container.value_spans[key] = span

    def _path_parts(self):
        # type: () -> List[Any]
        parts = []  # type: List[Any]
        for frame in self.stack[:-1]:
            parts.append(frame.key if frame.is_map else len(frame.container))
        return parts

    def _apply_merges(self, container, merges):
        # type: (LocDict, List[Tuple[Any, Tuple[int, int, int, int]]]) -> None
        """YAML merge keys (``<<: *base``): explicit keys win, earlier merges win over later ones."""
        for value, span in merges:
            sources = value if isinstance(value, list) else [value]
            for source in sources:
                if not isinstance(source, dict):
                    raise _Abort(self._diag("'<<' merge value must be a mapping or a list of mappings",
                                            span, code="yaml.merge"))
                for key, item in source.items():
                    if key not in container:
                        container[key] = item
                        spans = getattr(source, "value_spans", {})
                        container.key_spans[key] = span
                        container.value_spans[key] = spans.get(key, span)


def _error_position(filename, error, text):
    # type: (str, Exception, str) -> Position
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    if mark is not None:
        return (filename, mark.line + 1, mark.column + 1, mark.line + 1, mark.column + 1)
    offset = getattr(error, "position", None)
    if isinstance(offset, int) and offset >= 0:
        line = text.count("\n", 0, offset) + 1
        column = offset - (text.rfind("\n", 0, offset) + 1) + 1
        return (filename, line, column, line, column)
    return (filename, 1, 1, 1, 1)


def _syntax_summary(error):
    # type: (Exception) -> str
    problem = getattr(error, "problem", None)
    context = getattr(error, "context", None)
    if problem:
        return "YAML syntax error: %s%s" % (problem, " (%s)" % context if context else "")
    return "YAML syntax error: %s" % (str(error).splitlines() or ["unreadable input"])[0]


def parse_text(text, filename, limits=None, budget=None):
    # type: (str, str, Optional[Limits], Optional[Budget]) -> Tuple[Any, List[Diagnostic]]
    """Parse one YAML (or JSON) text into a located document.

    Returns ``(document, diagnostics)``; the document is None when the text
    could not be read at all (syntax error, limit crossed, empty file).
    ``budget`` carries the value count of earlier files of the same load.
    """
    limits = limits or Limits()
    builder = _Builder(filename, limits, budget or Budget())
    try:
        for event in yaml.parse(io.StringIO(text), Loader=_BaseLoader):
            builder.feed(event)
    except _Abort as abort:
        return None, builder.diagnostics + [abort.diagnostic]
    except yaml.YAMLError as error:
        return None, builder.diagnostics + [Diagnostic(
            ERROR, _syntax_summary(error), position=_error_position(filename, error, text), code="yaml.syntax")]
    if builder.root is _NO_VALUE or builder.root is None:
        return None, builder.diagnostics + [Diagnostic(
            ERROR, "the file is empty", position=(filename, 1, 1, 1, 1), code="yaml.empty",
            hint="start with 'version: \"1.0\"' and a 'project:' block")]
    return builder.root, builder.diagnostics


def _json_syntax(text, filename):
    # type: (str, str) -> List[Diagnostic]
    try:
        json.loads(text)
    except ValueError as error:
        line, column = getattr(error, "lineno", 1), getattr(error, "colno", 1)
        message = getattr(error, "msg", str(error))
        return [Diagnostic(ERROR, "JSON syntax error: %s" % message,
                           position=(filename, line, column, line, column), code="json.syntax")]
    return []


def decode(data, filename):
    # type: (bytes, str) -> Tuple[Optional[str], List[Diagnostic]]
    """UTF-8 text of a file (BOM allowed), or a diagnostic pointing at the first bad byte."""
    try:
        return data.decode("utf-8-sig"), []
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        column = error.start - (data.rfind(b"\n", 0, error.start) + 1) + 1
        return None, [Diagnostic(ERROR, "file is not valid UTF-8 text", position=(filename, line, column, line, column),
                                 hint="save the file as UTF-8", code="file.encoding")]


def parse_bytes(data, filename, limits=None, budget=None):
    # type: (bytes, str, Optional[Limits], Optional[Budget]) -> Tuple[Any, List[Diagnostic]]
    """Size check, decoding and parsing of one file's content (JSON when the name ends in .json)."""
    limits = limits or Limits()
    if len(data) > limits.max_bytes:
        return None, [Diagnostic(ERROR, "file too large: %d bytes (limit %d)" % (len(data), limits.max_bytes),
                                 position=(filename, 1, 1, 1, 1), code="limit.bytes",
                                 hint="split the configuration with 'include:'")]
    text, diagnostics = decode(data, filename)
    if text is None:
        return None, diagnostics
    if filename.lower().endswith(".json"):
        diagnostics = _json_syntax(text, filename)
        if diagnostics:
            return None, diagnostics
    return parse_text(text, filename, limits, budget)


# --------------------------------------------------------------------------- files and includes

def resolve_inside(root_dir, base_dir, relative):
    # type: (str, str, str) -> Tuple[Optional[str], Optional[str]]
    """Real path of ``relative`` (from ``base_dir``) if it stays inside ``root_dir``.

    Returns ``(path, None)`` or ``(None, reason)``. Symlinks are resolved before
    the check, so a link pointing outside the root is refused like ``../x``.
    """
    if not relative or os.path.isabs(relative) or relative.startswith("~"):
        return None, "must be a relative path inside the configuration folder"
    root = os.path.realpath(root_dir)
    target = os.path.realpath(os.path.join(base_dir, relative))
    if target != root and not target.startswith(root.rstrip(os.sep) + os.sep):
        return None, "escapes the configuration folder '%s'" % root_dir
    return target, None


def _read_file(path, limits, position):
    # type: (str, Limits, Optional[Position]) -> Tuple[Optional[bytes], List[Diagnostic]]
    try:
        size = os.path.getsize(path)
        if size > limits.max_bytes:
            return None, [Diagnostic(ERROR, "file too large: %d bytes (limit %d)" % (size, limits.max_bytes),
                                     position=(path, 1, 1, 1, 1), code="limit.bytes")]
        with open(path, "rb") as handle:
            return handle.read(limits.max_bytes + 1), []
    except (IOError, OSError) as error:
        if not os.path.exists(path):
            hint = None if os.path.isabs(path) else "relative paths start from the current folder %s" % os.getcwd()
            return None, [Diagnostic(ERROR, "file '%s' not found" % path, position=position or (path, 1, 1, 1, 1),
                                     code="file.not_found", hint=hint)]
        return None, [Diagnostic(ERROR, "cannot read '%s': %s" % (path, error.strerror or error),
                                 position=position or (path, 1, 1, 1, 1), code="file.read")]


def _include_files(doc, root_dir, main_file, limits):
    # type: (LocDict, str, str, Limits) -> Tuple[List[Tuple[str, Position]], List[Diagnostic]]
    """Files named by the ``include:`` globs, checked to stay inside the root folder."""
    patterns = doc.get("include")
    if not isinstance(patterns, list):
        return [], []  # a non-list 'include' is reported by the schema check
    found = []  # type: List[Tuple[str, Position]]
    diagnostics = []  # type: List[Diagnostic]
    seen = {os.path.realpath(main_file)}
    # Included files are shown like the main file: relative to the current folder when it was given relative.
    shown = (lambda match: match) if os.path.isabs(main_file) else os.path.relpath
    for index, pattern in enumerate(patterns):
        span = patterns.item_spans[index] if isinstance(patterns, LocList) else (1, 1, 1, 1)
        position = (main_file,) + tuple(span)  # type: Any
        if not isinstance(pattern, str):
            continue
        path = "include[%d]" % index
        if os.path.isabs(pattern) or pattern.startswith("~") or ".." in re.split(r"[\\/]", pattern):
            diagnostics.append(Diagnostic(ERROR, "include '%s' must be a relative path inside the configuration folder"
                                          % pattern, path=path, position=position, code="include.outside",
                                          hint="move the file under %s" % root_dir))
            continue
        matches = sorted(glob.glob(os.path.join(root_dir, pattern), recursive=True))
        if not matches:
            diagnostics.append(Diagnostic(ERROR, "include '%s' matches no file" % pattern, path=path,
                                          position=position, code="include.nomatch",
                                          hint="check the pattern; paths are relative to %s" % root_dir))
        for match in matches:
            real, reason = resolve_inside(root_dir, root_dir, os.path.relpath(match, root_dir))
            if real is None:
                diagnostics.append(Diagnostic(ERROR, "included file '%s' %s" % (match, reason), path=path,
                                              position=position, code="include.outside"))
            elif real not in seen and os.path.isfile(real):
                seen.add(real)
                found.append((shown(match), position))
    if len(found) > limits.max_files:
        diagnostics.append(Diagnostic(ERROR, "too many included files: %d (limit %d)" % (len(found), limits.max_files),
                                      path="include", position=position_of_key(doc, "include", main_file),
                                      code="limit.files"))
        found = found[:limits.max_files]
    return found, diagnostics


def position_of_key(doc, key, filename):
    # type: (Any, str, str) -> Position
    span = doc.key_spans.get(key, (1, 1, 1, 1)) if isinstance(doc, LocDict) else (1, 1, 1, 1)
    return (filename,) + tuple(span)  # type: ignore


def _merge_included(doc, included, filename):
    # type: (LocDict, Any, str) -> List[Diagnostic]
    """Append an included file's list sections to the main document."""
    if not isinstance(included, dict):
        return [Diagnostic(ERROR, "an included file must be a mapping of sections (%s)" % ", ".join(INCLUDABLE_SECTIONS),
                           position=(filename, 1, 1, 1, 1), code="include.shape")]
    diagnostics = []  # type: List[Diagnostic]
    for key, value in included.items():
        position = position_of_key(included, key, filename)
        if key not in INCLUDABLE_SECTIONS:
            diagnostics.append(Diagnostic(
                ERROR, "key '%s' is not allowed in an included file" % key, path=key, position=position,
                hint="included files may only contain: %s" % ", ".join(INCLUDABLE_SECTIONS), code="include.key"))
            continue
        if not isinstance(value, list):
            diagnostics.append(Diagnostic(ERROR, "'%s' must be a list" % key, path=key, position=position,
                                          code="include.shape"))
            continue
        target = doc.get(key)
        if not isinstance(target, LocList):
            if target is not None:
                continue  # wrong type in the main file: the schema check reports it
            target = LocList()
            target.filename, target.span = filename, tuple(included.value_spans.get(key, (1, 1, 1, 1)))
            doc[key] = target
            doc.key_spans[key] = included.key_spans.get(key, (0, 0, 0, 0))
            doc.value_spans[key] = (0, 0, 0, 0)
        spans = value.item_spans if isinstance(value, LocList) else [(1, 1, 1, 1)] * len(value)
        for item, span in zip(value, spans):
            target.append(item)
            target.item_spans.append(span)
    return diagnostics


def load_document(source, limits=None, text=None):
    # type: (Any, Optional[Limits], Optional[str]) -> LoadedDocument
    """Load a configuration file (and its includes) into one located document.

    ``source`` is a path; when ``text`` is given it is used instead of reading
    the file (``source`` then only names it in diagnostics and fixes the root
    folder). Never raises for bad input: problems are in ``.diagnostics`` and
    ``.doc`` is None when nothing usable was read.
    """
    limits = limits or Limits()
    budget = Budget()
    filename = os.fspath(source) if source is not None else "<string>"
    root_dir = os.path.dirname(os.path.abspath(filename)) if source is not None else os.getcwd()
    if text is not None:
        doc, diagnostics = parse_bytes(text.encode("utf-8", "surrogatepass"), filename, limits, budget)
    else:
        data, diagnostics = _read_file(filename, limits, None)
        doc = None
        if data is not None:
            doc, diagnostics = parse_bytes(data, filename, limits, budget)
    files = [filename]
    unread = []  # type: List[Tuple[str, Position]]
    if isinstance(doc, LocDict) and "include" in doc and source is not None:
        includes, include_diags = _include_files(doc, root_dir, filename, limits)
        diagnostics.extend(include_diags)
        for path, position in includes:
            data, read_diags = _read_file(path, limits, position)
            diagnostics.extend(read_diags)
            if data is None:
                unread.append((path, position))
                continue
            included, parse_diags = parse_bytes(data, path, limits, budget)
            diagnostics.extend(parse_diags)
            files.append(path)
            if included is not None:
                diagnostics.extend(_merge_included(doc, included, path))
            elif any(d.is_error for d in parse_diags):
                unread.append((path, position))
    return LoadedDocument(doc, root_dir, filename, files, diagnostics, unread)


def raise_if_errors(diagnostics):
    # type: (Sequence[Diagnostic]) -> None
    if any(d.is_error for d in diagnostics):
        raise ConfigError(diagnostics)
