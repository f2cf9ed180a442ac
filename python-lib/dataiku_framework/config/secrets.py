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

import logging
import math
import re
from functools import lru_cache
from typing import Any, Iterator, List, Optional, Tuple

#: Words that name a credential on their own (``db_pass``, ``passwordProd``, ``token_v2``, ``pw``).
_SECRET_WORDS = frozenset(["password", "passwords", "passwd", "pass", "pwd", "pw", "passcode", "passphrase", "secret",
                           "secrets", "token", "tokens", "apikey", "credential", "credentials", "creds", "cred", "auth",
                           "authorization", "bearer", "cookie", "cookies", "signature", "privatekey", "secretkey",
                           "accesskey", "clientsecret", "sastoken", "connectionstring"])
#: Pairs of words that name a credential together (``api_key``, ``ssh-key``, ``encryptionKey``...).
_SECRET_PAIRS = frozenset([("api", "key"), ("private", "key"), ("ssh", "key"), ("encryption", "key"),
                           ("client", "secret"), ("access", "key"), ("session", "key"), ("secret", "key"),
                           ("signing", "key"), ("master", "key"), ("account", "key"), ("shared", "key"),
                           ("hmac", "key"), ("sas", "token"), ("connection", "string"), ("session", "id"),
                           ("private", "pem"), ("app", "key"), ("license", "key"), ("decryption", "key")])
#: Single words that end with a credential word once written in one piece (``dbpassword``, ``sastoken``).
_SECRET_ENDINGS = ("password", "passwd", "passphrase", "secret", "token", "apikey", "privatekey", "accesskey",
                   "secretkey", "credential", "credentials")
#: Words before ``pass`` that make it a filter or a pass of a process (``low_pass``, ``bypass``), not a password.
_NOT_A_PASSWORD_BEFORE = frozenset(["low", "high", "band", "by", "multi", "first", "second", "single", "one", "two",
                                    "all", "boarding", "day", "season", "hall", "free"])
#: A key whose last word is one of these describes a credential (its type, its name, where it is, whether
#: it is used) rather than holding one: ``authType``, ``passThrough``, ``tokenEndpoint``, ``secretName``.
_DESCRIBING_WORDS = frozenset([
    "type", "types", "mode", "modes", "method", "methods", "kind", "name", "names", "id", "ids", "identifier", "ref",
    "refs", "reference", "url", "uri", "endpoint", "host", "server", "provider", "providers", "realm", "scheme",
    "scope", "scopes", "policy", "policies", "enabled", "disabled", "required", "provided", "configured", "present",
    "needed", "set", "field", "fields", "column", "label", "hint", "help", "description", "desc", "prompt",
    "placeholder", "length", "size", "count", "number", "max", "min", "ttl", "lifetime", "expiry", "expiration",
    "expires", "expire", "timeout", "age", "rotation", "format", "encoding", "algorithm", "alg", "version", "file",
    "path", "location", "dir", "directory", "folder", "env", "var", "variable", "ctx", "context", "through", "source",
    "strategy", "manager", "backend", "user", "username", "login", "email", "domain", "role", "roles", "level",
    "status", "state", "error", "errors", "message", "callback", "redirect", "flow", "mappings", "mapping", "param",
    "params", "option", "options", "settings", "config", "enforced", "info", "ok", "valid", "changed", "at", "date",
    "time", "by", "owner", "secure", "samesite", "limit", "vault", "store", "request", "response"])
#: A key starting with one of these is a flag or an action about a credential (``usePassword``, ``withSecrets``).
_FLAG_PREFIXES = frozenset(["use", "uses", "with", "has", "have", "is", "enable", "disable", "allow", "require",
                            "requires", "show", "hide", "no", "skip", "ask", "prompt", "remember", "reset", "can",
                            "should", "must", "needs", "check", "validate", "verify", "rotate"])
#: Words after the meaning (``_prod``, ``V2``, ``1``) that do not change it: skipped to find the last word.
_SUFFIX_WORDS = frozenset(["prod", "production", "dev", "development", "test", "tests", "testing", "qa", "uat",
                           "staging", "stage", "preprod", "local", "old", "new", "v"])
_WORD_RE = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")

_PATTERNS = (
    ("a private key block", re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----")),
    ("an AWS access key id", re.compile(r"\b(AKIA|ASIA)[0-9A-Z]{16}\b")),
    ("a JSON Web Token", re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}")),
    ("a GitHub token", re.compile(r"\b(ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36}\b|\bgithub_pat_[A-Za-z0-9_]{40,}")),
    ("a Slack token", re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}")),
    ("a Google API key", re.compile(r"\bAIza[0-9A-Za-z_-]{35}\b")),
    ("a Dataiku API key", re.compile(r"\bdkuaps-[A-Za-z0-9]{20,}")),
    ("credentials in a URL", re.compile(r"[a-z][a-z0-9+.-]*://[^/\s:@]+:[^/\s@]+@")),
    ("credentials in a connection string", re.compile(r"\bjdbc:oracle:[a-z]+:[^/\s:@;]+/[^@\s;]+@")),
    ("a bearer token", re.compile(r"\b[Bb](?i:earer)\s+(?=[A-Za-z0-9._~+/-]*[0-9._~+/-])[A-Za-z0-9._~+/-]{8,}=*")),
)
_ANY_PATTERN = re.compile("|".join("(?:%s)" % p.pattern for _, p in _PATTERNS))
_TOKEN_RE = re.compile(r"^[A-Za-z0-9+/=_\-]{32,}$")
_TOKEN_RUN_RE = re.compile(r"[A-Za-z0-9+/=_\-]{32,}")
#: What ``redact`` removes for each kind: a private key goes up to its END line (or the end of the text).
_REDACT_PATTERNS = tuple((kind, re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----(?:.*?-----END [A-Z ]*PRIVATE KEY-----|.*)",
                                           re.DOTALL) if kind == "a private key block" else pattern)
                         for kind, pattern in _PATTERNS)
_REFERENCE_RE = re.compile(r"^\$\{[^}]+\}$")
#: ``?password=...``, ``&token=...``, ``;Pwd=...``: a parameter of a URL, a JDBC or an ODBC string; it is
#: a credential when its name is (``is_secret_key``), or is Azure's SAS signature (``sig``).
_PARAMETER_RE = re.compile(r"(?<=[?&;])(?P<name>[A-Za-z][A-Za-z0-9_.-]*)=(?P<value>[^&;#\s'\"]+)")
_PARAMETER_KIND = "a credential in a URL or connection string parameter"


def key_words(key):
    # type: (str) -> List[str]
    """``key`` split into lower-case words at case changes, digits and separators.

    ``apiKeyProd`` -> api key prod; ``DB_PASSWORD_2`` -> db password 2; ``x-api-key`` -> x api key;
    ``HTTPAuthHeader`` -> http auth header."""
    return [word.lower() for word in _WORD_RE.findall(key)]


def is_secret_key(key):
    # type: (Any) -> bool
    """True for keys whose value would be a credential, found by the meaning of their words.

    Why not a suffix: ``password1``, ``passwordProd``, ``api_key_prod`` or ``auth_header`` hold
    credentials too. A key is secret when one of its words (or two adjacent words) names a
    credential, unless the key only describes one: its last word says what about it (``authType``,
    ``tokenEndpoint``, ``passThrough``), or it is a flag (``usePassword``, ``withSecrets``), or
    ``pass`` is part of a name that is not a password (``low_pass``)."""
    if not isinstance(key, str) or not key:
        return False
    return _secret_words(key)


@lru_cache(maxsize=16384)
def _secret_words(key):
    # type: (str) -> bool
    """``is_secret_key`` of a string (cached: a plan asks about the same few hundred keys again and again)."""
    meaningful = [w for w in key_words(key) if not w.isdigit()]
    while meaningful and meaningful[-1] in _SUFFIX_WORDS:
        meaningful.pop()
    if not meaningful or meaningful[0] in _FLAG_PREFIXES or meaningful[-1] in _DESCRIBING_WORDS:
        return False
    for index, word in enumerate(meaningful):
        before = meaningful[index - 1] if index else None
        if word in _SECRET_WORDS and not (word == "pass" and before in _NOT_A_PASSWORD_BEFORE):
            return True
        if _ends_with_secret(word):
            return True
        if before is not None and (before, word) in _SECRET_PAIRS:
            return True
    return False


def _ends_with_secret(word):
    # type: (str) -> bool
    """``dbpassword``, ``sastoken``: a credential word written in one piece with what precedes it
    (but not ``usepassword``, a flag)."""
    for ending in _SECRET_ENDINGS:
        if word.endswith(ending) and word[:-len(ending)] not in _FLAG_PREFIXES:
            return True
    return False


def public_url(url):
    # type: (Any) -> Any
    """``url`` without the user and password it may carry (``http://user:pw@host`` -> ``http://host``).

    Why: the DSS address is recorded in plans (``metadata.dss_url``) and printed in messages; the
    password given with ``--host`` must reach neither."""
    if not isinstance(url, str):
        return url
    return re.sub(r"^([a-zA-Z][a-zA-Z0-9+.-]*://)[^/?#@]*@", r"\1", url)


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
    if "=" in value and any(_is_secret_parameter(m) for m in _PARAMETER_RE.finditer(value)):
        return _PARAMETER_KIND
    if len(value) >= 32 and "\n" not in value and _TOKEN_RE.match(value) and _longest_segment(value) >= 24 \
            and _entropy(value) > 4.3 \
            and any(c.isdigit() for c in value) and any(c.isupper() for c in value) and any(c.islower() for c in value):
        return "a high-entropy token"
    return None


#: A parameter value that is a placeholder in code or documentation (``&api_key=%s``, ``?token={token}``,
#: ``;password=<password>``, ``pwd=****``), not a credential.
_PLACEHOLDER_RE = re.compile(r"^(?:%[-0-9.]*[sdr]|%\([^)]*\)[sdr]|\{[^{}]*\}|<[^<>]*>|\*+|\.\.\.)$")


def _is_secret_parameter(match):
    # type: (Any) -> bool
    name = match.group("name")
    return (name.lower() == "sig" or is_secret_key(name)) and not _PLACEHOLDER_RE.match(match.group("value"))


def _redact_parameter(match):
    # type: (Any) -> str
    if not _is_secret_parameter(match):
        return match.group(0)
    return "%s=%s" % (match.group("name"), _label(_PARAMETER_KIND))


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
    if "=" in text:
        text = _PARAMETER_RE.sub(_redact_parameter, text)
    if len(text) >= 32:
        text = _TOKEN_RUN_RE.sub(_redact_run, text)
    return text


def _redact_run(match):
    # type: (Any) -> str
    kind = credential_kind(match.group(0))
    return _label(kind) if kind else match.group(0)


def is_secret_pair(value):
    # type: (Any) -> bool
    """``{name: token, value: ...}``: DSS's name/value lists (JDBC properties, headers, project
    variables read as pairs...) name the secret in a sibling key, so the key of the value itself
    (``value``) says nothing."""
    return isinstance(value, dict) and "value" in value and \
        any(isinstance(value.get(k), str) and is_secret_key(value[k]) for k in ("name", "key"))


def redact_value(value, key=None):
    # type: (Any, Any) -> Any
    """A copy of ``value`` safe to quote in a message: strings redacted, values of secret-named keys hidden."""
    if is_secret_key(key) and value is not None and not isinstance(value, (dict, list)):
        return "<redacted>"
    if isinstance(value, dict):
        pair = is_secret_pair(value) or ("value" in value and is_secret_key(key))  # secrets: [{name, value}]
        return {redact(k) if isinstance(k, str) else k: redact_value(v, "password" if pair and k == "value" else k)
                for k, v in value.items()}
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


class RedactingFilter(logging.Filter):
    """A logging filter that redacts each record's message (``redact``) before any handler sees it.

    Why: the tool logs warnings that quote DSS's error texts, and those quote what they were sent (a
    connection name holding a JDBC password). Installed on the tool's loggers with ``log.addFilter``."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        shown = redact(message)
        if shown != message:
            record.msg, record.args = shown, ()
        return True
