"""Diagnostics: the one way every configuration problem is reported.

Why a dedicated type: the loader, the schema check, the semantic checks and
the online checks all find problems, and users (and AI agents) must get all of
them at once, each pointing at a file position and an object path, with a fix
when one can be guessed. ``ConfigError`` is the only exception the loader and
validator let escape; it carries the full list.

Two renderers are provided: a human one (``file:line:col: error: ...``) and one
producing the shape of ``terraform validate -json`` so CI tools that already
parse Terraform output can parse ours.
"""

import difflib
import json
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

from .printable import printable
from .secrets import redact

ERROR = "error"
WARNING = "warning"

#: A location as stored by the loader: (filename, line, column, end_line, end_column), 1-based.
Position = Tuple[Optional[str], int, int, int, int]


class Diagnostic(object):
    """One problem found in a configuration.

    ``path`` is the object path inside the configuration (``recipes[2].inputs[0]``);
    ``hint`` is a suggested fix ("did you mean 'X'?") or None.

    Messages quote user values (names, keys, wrong values); every text given
    here goes through ``secrets.redact``, so a credential pasted where a name
    was expected is never printed by any diagnostic, human or JSON; and through
    ``printable``, so a name holding ``ESC[2K`` cannot erase the lines before it.
    """

    __slots__ = ("severity", "summary", "detail", "path", "hint", "filename",
                 "line", "column", "end_line", "end_column", "code", "_fix")

    def __init__(self, severity, summary, detail="", path="", hint=None, position=None, code=""):
        # type: (str, str, str, str, Optional[str], Optional[Position], str) -> None
        self.severity = severity
        self.summary = printable(redact(summary), one_line=True)
        self.detail = printable(redact(detail))
        self.path = printable(redact(path), one_line=True)
        self.hint = printable(redact(hint), one_line=True) if hint else hint
        self.code = code
        filename, line, column, end_line, end_column = position or (None, 0, 0, 0, 0)
        self.filename = filename
        self.line = line
        self.column = column
        self.end_line = end_line or line
        self.end_column = end_column or column
        #: (description, new text, insert) of a machine-applicable fix when one is certain (``set_fix``)
        self._fix = None  # type: Optional[Tuple[str, str, bool]]

    def set_fix(self, description, new_text, insert=False):
        # type: (str, str, bool) -> None
        """Propose replacing this diagnostic's range with ``new_text`` (or, ``insert``, inserting it at
        its start): the edit an agent applies to the file, in ``validate --json``'s ``fix`` key::

            "fix": {"description": "...", "edits": [{"filename": F, "start": {"line", "column"},
                                                     "end": {"line", "column"}, "new_text": T}]}

        Lines and columns are 1-based, ``end`` exclusive (as in ``range``)."""
        if self.has_location:
            self._fix = (printable(redact(description), one_line=True), new_text, insert)

    @property
    def fix(self):
        # type: () -> Optional[Dict[str, Any]]
        """The fix ``set_fix`` proposed, as ``validate --json`` shows it, else None. Built when read, from
        the diagnostic's own file and range: a relabelled file (a git source's) is the edit's file too."""
        if self._fix is None:
            return None
        description, new_text, insert = self._fix
        end = (self.line, self.column) if insert else (self.end_line, self.end_column)
        return {"description": description,
                "edits": [{"filename": self.filename, "start": {"line": self.line, "column": self.column},
                           "end": {"line": end[0], "column": end[1]}, "new_text": new_text}]}

    @property
    def is_error(self):
        # type: () -> bool
        """True for an error, False for a warning: only errors make a configuration invalid."""
        return self.severity == ERROR

    @property
    def has_location(self):
        # type: () -> bool
        """True when the diagnostic points at a file position (always true for loaded files)."""
        return bool(self.filename) and self.line >= 1 and self.column >= 1

    @property
    def location(self):
        # type: () -> str
        """``file:line:col``, or just the file when there is no position, or ``""``."""
        if self.has_location:
            return "%s:%d:%d" % (self.filename, self.line, self.column)
        return self.filename or ""

    def to_dict(self):
        # type: () -> Dict[str, Any]
        """The diagnostic as one entry of ``terraform validate -json``'s ``diagnostics`` list.

        Terraform's keys come first; ``path``, ``hint`` and ``code`` are extra
        keys that Terraform-aware tools ignore.
        """
        detail = self.detail
        if self.hint:
            detail = (detail + "\n" if detail else "") + self.hint
        entry = {"severity": self.severity, "summary": self.summary, "detail": detail}  # type: Dict[str, Any]
        if self.has_location:
            entry["range"] = {
                "filename": self.filename,
                "start": {"line": self.line, "column": self.column},
                "end": {"line": self.end_line, "column": self.end_column},
            }
        entry["path"] = self.path
        entry["code"] = self.code
        if self.hint:
            entry["hint"] = self.hint
        if self._fix is not None:
            entry["fix"] = self.fix
        return entry

    def format(self):
        # type: () -> str
        """One human-readable block: ``file:line:col: error[code]: path: summary`` plus detail and hint.
        The code (``errors.CATALOGUE``, where the troubleshooting page finds its cause and fix) is the
        one ``--json`` gives, for a person to look up and a script to match on."""
        where = self.location + ": " if self.location else ""
        subject = "%s: " % self.path if self.path else ""
        severity = "%s[%s]" % (self.severity, self.code) if self.code else self.severity
        lines = ["%s%s: %s%s" % (where, severity, subject, self.summary)]
        if self.detail:
            lines.append("    " + self.detail)
        if self.hint:
            lines.append("    hint: " + self.hint)
        return "\n".join(lines)

    def sort_key(self):
        # type: () -> Tuple[str, int, int, str]
        """File, line, column, summary: diagnostics sorted by it read in the order of the file."""
        return (self.filename or "", self.line, self.column, self.summary)

    def __repr__(self):
        return "Diagnostic(%r)" % self.format()


class ConfigError(Exception):
    """Raised when a configuration cannot be loaded or is invalid; carries every diagnostic."""

    def __init__(self, diagnostics):
        # type: (Sequence[Diagnostic]) -> None
        self.diagnostics = sorted(diagnostics, key=Diagnostic.sort_key)
        errors = [d for d in self.diagnostics if d.is_error]
        head = "%d error(s) in configuration" % len(errors)
        super(ConfigError, self).__init__(head + "\n" + render_human(self.diagnostics))

    @property
    def errors(self):
        # type: () -> List[Diagnostic]
        """The diagnostics that are errors (``diagnostics`` also holds the warnings found with them)."""
        return [d for d in self.diagnostics if d.is_error]


def did_you_mean(word, candidates, quote=True):
    # type: (str, Iterable[str], bool) -> Optional[str]
    """A "did you mean 'X'?" hint for a misspelt name, or None when nothing is close."""
    if not isinstance(word, str):
        return None
    pool = [c for c in candidates if isinstance(c, str)]
    matches = difflib.get_close_matches(word, pool, n=1, cutoff=0.6)
    if not matches:
        lowered = {c.lower(): c for c in pool}
        if word.lower() in lowered:
            matches = [lowered[word.lower()]]
    if not matches:
        return None
    return DID_YOU_MEAN % matches[0] if quote else matches[0]


#: The hint ``did_you_mean`` gives; ``suggested_name`` reads the name back from it.
DID_YOU_MEAN = "did you mean '%s'?"


def suggested_name(hint):
    # type: (Optional[str]) -> Optional[str]
    """The one name a ``did_you_mean`` hint proposes, else None (another kind of hint, or none)."""
    head, _, tail = DID_YOU_MEAN.partition("%s")
    if not hint or not hint.startswith(head) or not hint.endswith(tail) or len(hint) <= len(head) + len(tail):
        return None
    return hint[len(head):len(hint) - len(tail)]


def has_errors(diagnostics):
    # type: (Iterable[Diagnostic]) -> bool
    return any(d.is_error for d in diagnostics)


def render_human(diagnostics):
    # type: (Sequence[Diagnostic]) -> str
    """All diagnostics, sorted by position, followed by a one-line summary."""
    ordered = sorted(diagnostics, key=Diagnostic.sort_key)
    errors = sum(1 for d in ordered if d.is_error)
    warnings = len(ordered) - errors
    blocks = [d.format() for d in ordered]
    if errors:
        blocks.append("Configuration is invalid: %d error(s), %d warning(s)." % (errors, warnings))
    else:
        blocks.append("Configuration is valid (%d warning(s))." % warnings)
    return "\n".join(blocks)


def render_json(diagnostics):
    # type: (Sequence[Diagnostic]) -> str
    """The ``terraform validate -json`` document for these diagnostics."""
    ordered = sorted(diagnostics, key=Diagnostic.sort_key)
    errors = sum(1 for d in ordered if d.is_error)
    document = {
        "format_version": "1.0",
        "valid": errors == 0,
        "error_count": errors,
        "warning_count": len(ordered) - errors,
        "diagnostics": [d.to_dict() for d in ordered],
    }
    return json.dumps(document, indent=2, sort_keys=False)


def format_path(parts):
    # type: (Sequence[Any]) -> str
    """``('recipes', 2, 'inputs', 0)`` -> ``recipes[2].inputs[0]``."""
    out = []  # type: List[str]
    for part in parts:
        if isinstance(part, int):
            out.append("[%d]" % part)
        elif out:
            out.append("." + str(part))
        else:
            out.append(str(part))
    return "".join(out)
