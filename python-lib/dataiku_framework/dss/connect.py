"""Connecting to DSS: which URL and API key to use, from where, and a client for them. Keys are never echoed.

Order (the first that gives a value wins, field by field):

1. ``--host`` / ``--api-key`` (arguments),
2. ``DKU_DSS_URL`` / ``DKU_API_KEY`` (the convention of DSS's own ``dataiku`` package outside DSS),
3. ``DSS_HOST`` / ``DSS_API_KEY``,
4. the default instance of ``~/.dataiku/config.json``
   (``{"dss_instances": {NAME: {"url", "api_key", "no_check_certificate"}}, "default_instance": NAME}``),
   the file DSS's IDE extensions and the ``dataiku`` package read, honouring ``no_check_certificate``.

Why the config file only as a whole: its key belongs to its URL. Using it with a host given
elsewhere would send a key to a server it was not made for, so it is used only when neither a URL
nor a key came from 1-3, or when the URL given is the file's own URL.

Every request of a client made here has a timeout (``DEFAULT_TIMEOUT``; ``DSS_FRAMEWORK_TIMEOUT``
seconds, or ``connect(timeout=...)``): ``dataikuapi`` sets none, so without it a DSS that stops
answering hangs a command for ever, a rollback while it holds the project lock. It is set here,
once, on the client's session (``with_timeout``), so every command (plan, apply, rollback, history,
unlock, lock status, the first connection check) has it, whatever it builds afterwards. A client
given to ``Engine(client=...)`` gets the default timeout through ``with_timeout(client, keep=True)``
unless its session already has one of ours.
"""
import copy
import json
import os
from typing import Any, Dict, Mapping, NamedTuple, Optional, Tuple

#: (connect, read) seconds: a dead host fails fast, a big list or a git revert still arrives.
DEFAULT_TIMEOUT = (10.0, 300.0)
#: Environment variable overriding the timeout (seconds, for both connect and read).
TIMEOUT_VARIABLE = "DSS_FRAMEWORK_TIMEOUT"

#: (url variable, key variable) pairs, in order of precedence.
ENV_SOURCES = (("DKU_DSS_URL", "DKU_API_KEY"), ("DSS_HOST", "DSS_API_KEY"))

#: Where the URL and key came from (``source`` names the key's origin; never the key itself).
Credentials = NamedTuple("Credentials", [("url", str), ("api_key", str), ("no_check_certificate", bool),
                                         ("source", str)])
#: A client and the URL it talks to (for messages).
Connection = NamedTuple("Connection", [("client", Any), ("url", str), ("source", str)])


class MissingCredentials(ValueError):
    """Raised when no DSS host or API key is configured; the message says how to set them."""

    code = "credentials.missing"  #: its ``errors.CATALOGUE`` code, shown in the error line and in --json


class InvalidCredentialsFile(MissingCredentials):
    """``~/.dataiku/config.json`` exists but cannot be used; the message names the file and the problem."""

    code = "credentials.file"  #: its ``errors.CATALOGUE`` code, shown in the error line and in --json


_HOW = ("pass --host and --api-key, set DKU_DSS_URL and DKU_API_KEY (or DSS_HOST and DSS_API_KEY), "
        "or add a default instance to ~/.dataiku/config.json")


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)


def config_file_path(environ: Mapping[str, str]) -> str:
    home = environ.get("HOME") or os.path.expanduser("~")
    return os.path.join(home, ".dataiku", "config.json")


def read_config_file(path: str) -> Optional[Dict[str, Any]]:
    """The default instance of a ``config.json`` (``url``, ``api_key``, ``no_check_certificate``), or None.

    None when the file does not exist; ``InvalidCredentialsFile`` (naming the file, and line:col
    for bad JSON) when it exists but has no usable default instance.
    """
    if not os.path.isfile(path):
        return None
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except ValueError as error:
        where = "%s:%d:%d" % (path, error.lineno, error.colno) if hasattr(error, "lineno") else path
        raise InvalidCredentialsFile("%s: not valid JSON (%s); fix or remove it, or %s"
                                     % (where, getattr(error, "msg", error), _HOW))
    except OSError as error:
        raise InvalidCredentialsFile("%s: cannot be read (%s)" % (path, error.strerror or error))
    instances = data.get("dss_instances") if isinstance(data, dict) else None
    if not isinstance(instances, dict) or not instances:
        raise InvalidCredentialsFile("%s: no 'dss_instances' object; expected "
                                     '{"dss_instances": {"default": {"url": ..., "api_key": ...}}, '
                                     '"default_instance": "default"}' % path)
    name = data.get("default_instance") or "default"
    instance = instances.get(name)
    if not isinstance(instance, dict):
        raise InvalidCredentialsFile("%s: default_instance '%s' is not in dss_instances (instances: %s)"
                                     % (path, name, ", ".join(sorted(str(k) for k in instances))))
    if not instance.get("url") or not instance.get("api_key"):
        raise InvalidCredentialsFile("%s: instance '%s' needs both 'url' and 'api_key'" % (path, name))
    return {"url": str(instance["url"]), "api_key": str(instance["api_key"]), "name": name,
            "no_check_certificate": _truthy(instance.get("no_check_certificate"))}


def _from_environment(host: Optional[str], api_key: Optional[str],
                      env: Mapping[str, str]) -> Tuple[Optional[str], Optional[str], str]:
    """URL and key from the arguments, then each environment convention in turn; and the key's source."""
    source = "--api-key" if api_key else ""
    for url_var, key_var in ENV_SOURCES:
        host = host or env.get(url_var) or None
        if not api_key and env.get(key_var):
            api_key, source = env[key_var], key_var
    return host, api_key, source


def _same_url(a: str, b: str) -> bool:
    return a.rstrip("/").lower() == b.rstrip("/").lower()


def resolve_credentials(host: Optional[str] = None, api_key: Optional[str] = None,
                        environ: Optional[Mapping[str, str]] = None) -> Credentials:
    """The URL and key to use, in the documented order, or ``MissingCredentials`` saying what to set."""
    env = os.environ if environ is None else environ
    url, key, source = _from_environment(host, api_key, env)
    no_check = False
    if not (url and key):
        path = config_file_path(env)
        instance = read_config_file(path)
        if instance and (not url or _same_url(url, instance["url"])) and not key:
            url, key, source = url or instance["url"], instance["api_key"], "%s (%s)" % (path, instance["name"])
            no_check = instance["no_check_certificate"]
    if not url and not key:
        raise MissingCredentials("no DSS connection: " + _HOW)
    if not url:
        raise MissingCredentials("an API key is set (%s) but no DSS URL: pass --host or set DKU_DSS_URL "
                                 "(or DSS_HOST)" % source)
    if not key:
        raise MissingCredentials("no API key for %s: pass --api-key or set DKU_API_KEY (or DSS_API_KEY); the key "
                                 "in ~/.dataiku/config.json is only used with that file's own URL" % url.rstrip("/"))
    return Credentials(url.rstrip("/"), key, no_check, source)


def connect(host: Optional[str] = None, api_key: Optional[str] = None,
            environ: Optional[Mapping[str, str]] = None, timeout: Any = None) -> Connection:
    """A ``dataikuapi.DSSClient`` for the resolved credentials, with the URL (for messages). Its
    requests time out after ``timeout`` (default: ``DSS_FRAMEWORK_TIMEOUT``, else ``DEFAULT_TIMEOUT``)."""
    import dataikuapi  # lazily: offline commands never need it
    env = os.environ if environ is None else environ
    credentials = resolve_credentials(host, api_key, env)
    client = remember_auth(dataikuapi.DSSClient(credentials.url, credentials.api_key))
    if credentials.no_check_certificate:
        client._session.verify = False  # what the file's no_check_certificate means (as DSS's own tools do)
    with_timeout(client, timeout if timeout is not None else timeout_from(env))
    return Connection(client, credentials.url, credentials.source)


def remember_auth(client: Any) -> Any:
    """``client``, its ``get_auth_info()`` answered from its first answer from now on; the client.

    Why: a command asks who its key is several times (the connection check, the lock's holder, the
    access check before an apply, each plan's own read, the history entry's user), and the answer is
    the key's: it cannot change while the command runs. ``connect`` and ``Engine`` (whatever client
    it is given: the plugin's, a script's) both call it, so each sends one ``auth/info`` request, not
    one per asker. A failed read is not kept (the next asker tries again); ``with_secrets=True`` is
    always read anew (its answer holds secrets and is never kept). Set on the instance (its public
    method, wrapped), not on ``dataikuapi``'s class: other clients are left as they are."""
    ask = getattr(client, "get_auth_info", None)
    if ask is not None and not isinstance(ask, _RememberedAuth):
        client.get_auth_info = _RememberedAuth(ask)
    return client


class _RememberedAuth(object):
    """A client's ``get_auth_info``, its first answer kept (``remember_auth``)."""

    def __init__(self, ask: Any) -> None:
        self.ask = ask
        self.known = None  # type: Optional[Dict[str, Any]]

    def __call__(self, with_secrets: bool = False) -> Any:
        if with_secrets:
            return self.ask(with_secrets=True)
        if self.known is None:
            self.known = self.ask()
        return copy.deepcopy(self.known)  # a caller editing its answer does not edit the next one's


def timeout_from(environ: Mapping[str, str]) -> Any:
    """``DSS_FRAMEWORK_TIMEOUT`` (positive seconds) when set, else ``DEFAULT_TIMEOUT``;
    ``MissingCredentials`` naming the variable when it is not a positive number."""
    text = environ.get(TIMEOUT_VARIABLE)
    if not text:
        return DEFAULT_TIMEOUT
    try:
        seconds = float(text)
    except ValueError:
        seconds = -1.0
    if not seconds > 0:
        raise MissingCredentials("%s=%r is not a positive number of seconds; set it to, e.g., 300, or unset it"
                                 % (TIMEOUT_VARIABLE, text))
    return seconds


def with_timeout(client: Any, timeout: Any = DEFAULT_TIMEOUT, keep: bool = False, pool: int = 0) -> Any:
    """Give every request of ``client`` a timeout (``timeout``: seconds, or (connect, read)), by
    mounting a ``requests`` adapter on its session (``dataikuapi`` passes none per request).
    ``keep``: leave a timeout already set by this function as it is (a caller's client).
    ``pool``: connections to keep per host (at least the current pool's). The client."""
    session = client._session  # no public handle on the session's adapters
    current = session.adapters.get("https://")
    if keep and getattr(current, "timeout", None) is not None:
        timeout = current.timeout
    size = max(pool, getattr(current, "_pool_maxsize", 0) or 10)
    if isinstance(current, _adapter_class()) and current.timeout == timeout and size <= current._pool_maxsize:
        return client  # already so: its pooled connections are kept
    for prefix in ("http://", "https://"):
        session.mount(prefix, _adapter_class()(timeout, pool_connections=4, pool_maxsize=size))
    return client


def timeout_of(client: Any) -> Any:
    """The timeout ``with_timeout`` gave ``client``'s requests, None when it has none."""
    return getattr(client._session.adapters.get("https://"), "timeout", None)


_ADAPTER = []  # type: list


def _adapter_class() -> Any:
    """``requests``' HTTPAdapter, with a default timeout for requests that set none (made once, lazily:
    offline commands never import ``requests``)."""
    if not _ADAPTER:
        from requests.adapters import HTTPAdapter

        class TimeoutAdapter(HTTPAdapter):
            def __init__(self, timeout: Any, **kwargs: Any) -> None:
                self.timeout = timeout
                super().__init__(**kwargs)

            def send(self, request: Any, **kwargs: Any) -> Any:
                if kwargs.get("timeout") is None:
                    kwargs["timeout"] = self.timeout
                return super().send(request, **kwargs)
        _ADAPTER.append(TimeoutAdapter)
    return _ADAPTER[0]


def client_from(host: Optional[str] = None, api_key: Optional[str] = None,
                environ: Optional[Mapping[str, str]] = None) -> Any:
    """A ``dataikuapi.DSSClient`` from the same sources as ``connect`` (kept for existing callers)."""
    return connect(host, api_key, environ).client
