"""Detection of credentials written into a configuration.

Why: configurations live in Git; a password or token committed there is a
leak. Secrets belong in DSS (connections, user secrets) and are referenced by
name. Every string in the document is scanned, and every non-null scalar
under a key named like a credential (``password: 123456`` too); a hit is an
error whose message names the key and the kind of credential but never
repeats the value, so the diagnostic output (CI logs) does not leak it a
second time.

Other diagnostics quote user values (unknown names, wrong types, ...); a
credential pasted in the wrong place would be printed by them. ``redact``
(free text) and ``redact_value`` (a value about to be quoted) replace anything
the detector recognises, and ``Diagnostic`` applies ``redact`` to every text
it carries, so no renderer can print a credential-looking value.
"""

import math
import re
from typing import Any, Iterator, List, Optional, Tuple

_SECRET_KEY_WORDS = ("password", "passwd", "pwd", "secret", "token", "apikey", "privatekey", "accesskey",
                     "secretkey", "credential", "credentials", "clientsecret", "sastoken", "connectionstring")
_NOT_SECRET_KEYS = frozenset(["passwordmode", "tokenendpoint", "tokenurl", "secretname", "secretref",
                              "credentialsmode", "authtype", "authmode", "usepassword"])

_PATTERNS = (
    ("a private key block", re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----")),
    ("an AWS access key id", re.compile(r"\b(AKIA|ASIA)[0-9A-Z]{16}\b")),
    ("a JSON Web Token", re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}")),
    ("a GitHub token", re.compile(r"\b(ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36}\b|\bgithub_pat_[A-Za-z0-9_]{40,}")),
    ("a Slack token", re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}")),
    ("a Google API key", re.compile(r"\bAIza[0-9A-Za-z_-]{35}\b")),
    ("a Dataiku API key", re.compile(r"\bdkuaps-[A-Za-z0-9]{20,}")),
    ("credentials in a URL", re.compile(r"[a-z][a-z0-9+.-]*://[^/\s:@]+:[^/\s@]+@")),
)
_ANY_PATTERN = re.compile("|".join("(?:%s)" % p.pattern for _, p in _PATTERNS))
_TOKEN_RE = re.compile(r"^[A-Za-z0-9+/=_\-]{32,}$")
_TOKEN_RUN_RE = re.compile(r"[A-Za-z0-9+/=_\-]{32,}")
#: What ``redact`` removes for each kind: a private key goes up to its END line (or the end of the text).
_REDACT_PATTERNS = tuple((kind, re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----(?:.*?-----END [A-Z ]*PRIVATE KEY-----|.*)",
                                           re.DOTALL) if kind == "a private key block" else pattern)
                         for kind, pattern in _PATTERNS)
_REFERENCE_RE = re.compile(r"^\$\{[^}]+\}$")


def _normalise(key):
    # type: (str) -> str
    return re.sub(r"[^a-z0-9]", "", key.lower())


def is_secret_key(key):
    # type: (Any) -> bool
    """True for keys whose value would be a credential (``password``, ``db_password``, ``apiKey``...)."""
    if not isinstance(key, str):
        return False
    norm = _normalise(key)
    if norm in _NOT_SECRET_KEYS:
        return False
    return any(norm == word or norm.endswith(word) for word in _SECRET_KEY_WORDS)


def _entropy(text):
    # type: (str) -> float
    counts = {}  # type: dict
    for char in text:
        counts[char] = counts.get(char, 0) + 1
    length = float(len(text))
    return -sum(c / length * math.log(c / length, 2) for c in counts.values())


def _longest_segment(value):
    # type: (str) -> int
    """Identifiers (``compute_orders_2023_04``, DSS model ids) are short segments joined by separators."""
    return max(len(segment) for segment in re.split(r"[_.\-]", value))


def credential_kind(value):
    # type: (str) -> Optional[str]
    """What kind of credential ``value`` looks like, or None."""
    if _ANY_PATTERN.search(value):
        for label, pattern in _PATTERNS:
            if pattern.search(value):
                return label
    if len(value) >= 32 and "\n" not in value and _TOKEN_RE.match(value) and _longest_segment(value) >= 24 \
            and _entropy(value) > 4.3 \
            and any(c.isdigit() for c in value) and any(c.isupper() for c in value) and any(c.islower() for c in value):
        return "a high-entropy token"
    return None


def find_secrets(doc):
    # type: (Any) -> Iterator[Tuple[List[Any], str]]
    """Yield ``(path, message)`` for every credential-looking value in ``doc`` (iteratively)."""
    # Paths are kept as linked (parent, part) pairs and only unrolled on a hit.
    stack = [(doc, None, None)]  # type: List[Tuple[Any, Any, Any]]
    while stack:
        value, link, key = stack.pop()
        if isinstance(value, dict):
            for child_key, child in value.items():
                stack.append((child, (link, child_key), child_key))
        elif isinstance(value, list):
            for index, child in enumerate(value):
                stack.append((child, (link, index), key))
        elif isinstance(value, str):
            message = _message(key, value) if value else None
            if message:
                yield _unroll(link), message
        elif value is not None and is_secret_key(key):
            # A number or boolean under ``password``/``pin``-like keys is still written in the file.
            yield _unroll(link), "'%s' holds a credential written in the configuration" % key


def _unroll(link):
    # type: (Any) -> List[Any]
    parts = []  # type: List[Any]
    while link is not None:
        link, part = link
        parts.append(part)
    parts.reverse()
    return parts


def _message(key, value):
    # type: (Any, str) -> Optional[str]
    if is_secret_key(key) and not isinstance(key, int):
        if _REFERENCE_RE.match(value):
            return "'%s' references a variable: secrets must not flow through configuration variables" % key
        return "'%s' holds a credential written in the configuration" % key
    kind = credential_kind(value)
    if kind:
        return "value looks like %s" % kind
    return None


def _label(kind):
    # type: (str) -> str
    return "<redacted: %s>" % kind


def redact(text):
    # type: (str) -> str
    """``text`` with every credential-looking part replaced by ``<redacted: KIND>``.

    Used on diagnostic texts, which quote user values: the known token shapes
    are replaced wherever they occur, and each long run of token characters
    that the high-entropy rule of ``credential_kind`` flags is replaced whole.
    """
    if not isinstance(text, str) or not text:
        return text
    if _ANY_PATTERN.search(text):
        for kind, pattern in _REDACT_PATTERNS:
            text = pattern.sub(_label(kind), text)
    if len(text) >= 32:
        text = _TOKEN_RUN_RE.sub(_redact_run, text)
    return text


def _redact_run(match):
    # type: (Any) -> str
    kind = credential_kind(match.group(0))
    return _label(kind) if kind else match.group(0)


def redact_value(value, key=None):
    # type: (Any, Any) -> Any
    """A copy of ``value`` safe to quote in a message: strings redacted, values of secret-named keys hidden."""
    if is_secret_key(key) and value is not None and not isinstance(value, (dict, list)):
        return "<redacted>"
    if isinstance(value, dict):
        return {redact(k) if isinstance(k, str) else k: redact_value(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [redact_value(v, key) for v in value]
    if isinstance(value, str):
        kind = credential_kind(value)
        return _label(kind) if kind else value
    return value


#: A secret shorter than this is too short to be a real key: masking it inside words would mangle
#: every message ("x" in "Max retries exceeded"), so it is only masked where it stands as a whole token.
SHORT_SECRET = 8
_TOKEN_CHARS = "\\w\\-"     # any letter or digit of any script, "_" and "-"


def mask_secret(text: str, secret: Optional[str], mask: str = "***") -> str:
    """``text`` with every whole occurrence of ``secret`` (an API key the user gave) replaced by ``mask``.

    A secret of ``SHORT_SECRET`` characters or more is replaced wherever it occurs; a shorter one only
    where it is a whole token (not inside a longer run of letters, digits, ``_`` or ``-``, in any script).
    """
    if not isinstance(text, str) or not secret:
        return text
    if len(secret) >= SHORT_SECRET:
        return text.replace(secret, mask)
    token = re.compile("(?<![%s])%s(?![%s])" % (_TOKEN_CHARS, re.escape(secret), _TOKEN_CHARS))
    return token.sub(mask, text)
