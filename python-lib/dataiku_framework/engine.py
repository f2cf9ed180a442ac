"""The Python facade: ``Engine(host, api_key).plan(config) -> Plan``.

Why a facade: the CLI, the plugin's macro and scenario step, and users' own scripts all plan the
same way (check the connection, resolve the config against the instance's connection types, read
the live project once, compare, build the document); each calls this instead of wiring the steps.
"""
import datetime
from typing import Any, Dict, Iterable, Iterator, List, Optional, Sequence

from .plan.document import Plan, build_document, digest
from .plan.refresh import DEFAULT_PARALLELISM, refresh


class Engine(object):
    """Plans (and, later, applies) configurations against one DSS instance.

    ``Engine(host, api_key)``, ``Engine(host=..., api_key=...)`` or ``Engine(client=<DSSClient>)``;
    with neither, the credentials come from the environment (``DKU_DSS_URL``/``DKU_API_KEY``,
    ``DSS_HOST``/``DSS_API_KEY``) or ``~/.dataiku/config.json``."""

    def __init__(self, host: Optional[str] = None, api_key: Optional[str] = None, *, client: Any = None,
                 parallelism: int = DEFAULT_PARALLELISM, no_check_certificate: bool = False) -> None:
        if parallelism < 1:
            raise ValueError("parallelism must be at least 1 (got %r)" % (parallelism,))
        self.parallelism = int(parallelism)
        if client is None:
            client = _client(host, api_key, no_check_certificate)
        self.client = client
        self.url = getattr(client, "host", host) or ""

    def plan(self, config: Any, *, targets: Optional[Sequence[str]] = None,
             config_source: Optional[str] = None) -> Plan:
        """What applying ``config`` (a ``FrameworkConfig``) would change on DSS, as a ``Plan``."""
        from .config.online import connection_types
        from .dss.failures import check_connection
        from .plan.compare import compare
        check_connection(self.client, self.url)
        with _classified(self.url):
            # the connection types (to resolve ``type: SQL``) are read in the same pool as the project
            snapshot = refresh(self.client, _project_key(config), recipes=[rc.name for rc in config.recipes],
                               scenarios=[sc.name for sc in config.scenarios], parallelism=self.parallelism,
                               extra={"types": lambda: connection_types(self.client, _wanted_connections(config))})
        types = snapshot.extra["types"]
        resolved = config.resolved(connection_types=types)
        changes, unmanaged, groups = compare(resolved, snapshot, types)
        config_digest = digest(_desired_forms(changes))
        if targets:
            changes = _targeted(changes, targets)
            kept = {c.address for c in changes}
            groups = [g for g in ([a for a in group if a in kept] for group in groups) if g]
        metadata = self._metadata(config, resolved.project.key, snapshot, config_digest, targets, config_source)
        return Plan(build_document(changes, unmanaged, groups, metadata))

    def _metadata(self, config: Any, project_key: str, snapshot: Any, config_digest: str,
                  targets: Optional[Sequence[str]], config_source: Optional[str]) -> Dict[str, Any]:
        """The document's ``metadata``: who planned what, where, when, from which config and live state."""
        return {
            "tool_version": _version(), "dss_url": self.url, "project_key": project_key,
            "config_digest": config_digest, "live_digest": digest(snapshot.raw()),
            "created_at": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "created_by": snapshot.auth.get("authIdentifier"),
            "config_source": config_source if config_source is not None else getattr(config, "source_file", None),
            "environment": getattr(config, "env", None), "targets": list(targets or [])}

    def drift(self, config: Any) -> Plan:
        """How DSS differs from ``config``. Without state this is the plan's comparison; telling
        "the config changed" from "someone changed DSS" comes with the state (apply)."""
        return self.plan(config)


def _client(host: Optional[str], api_key: Optional[str], no_check_certificate: bool) -> Any:
    from .dss.connect import connect  # arguments first, then the environment and ~/.dataiku/config.json
    client = connect(host, api_key).client
    if no_check_certificate:
        client._session.verify = False
    return client


def _desired_forms(changes: List[Any]) -> Dict[str, Any]:
    """What the resolved config asks of DSS, by address: the config side of the digest (what the
    plan compared; formatting, comments and unset keys of the YAML do not change it)."""
    return {c.address: c.after for c in changes}


def _project_key(config: Any) -> str:
    """The key the plan is for: an environment overlay may change it (``environments.prod.project.key``).

    Read from the overlay alone, before the full resolution (which needs the connection types)."""
    env = getattr(config, "env", None)
    overlay = (getattr(config, "environments", None) or {}).get(env) if env else None
    project = overlay.get("project") if isinstance(overlay, dict) else None
    key = project.get("key") if isinstance(project, dict) else None
    return key if isinstance(key, str) and key else config.project.key


def _wanted_connections(config: Any) -> Iterator[str]:
    """The connection names the config uses once its environment overlay and ``${env:...}`` values
    are applied. A generator: ``connection_types`` only iterates it when the key cannot list every
    connection (an ordinary user's), so an administrator's plan never pays for the extra resolution."""
    for name in _connection_names(config.resolved()):
        yield name


def _connection_names(config: Any) -> List[str]:
    names = [ds.connection for ds in config.datasets] + [mf.connection for mf in config.managed_folders]
    return sorted({n for n in names if isinstance(n, str) and "${" not in n})


def _targeted(changes: List[Any], targets: Iterable[str]) -> List[Any]:
    """The targeted resources and everything they depend on (as ``terraform plan -target``)."""
    by_address = {c.address: c for c in changes}
    unknown = [t for t in targets if t not in by_address]
    if unknown:
        raise ValueError("--target %s: no such resource in the configuration (addresses look like "
                         "dataset.NAME, recipe.NAME, scenario.NAME, project)" % ", ".join(unknown))
    keep = set()  # type: set
    todo = list(targets)
    while todo:
        address = todo.pop()
        if address in keep or address not in by_address:
            continue
        keep.add(address)
        todo.extend(by_address[address].depends_on)
    return [c for c in changes if c.address in keep]


class _classified(object):
    """Turns network and authentication failures met while reading into the classified errors."""

    def __init__(self, url: str) -> None:
        self.url = url

    def __enter__(self) -> "_classified":
        return self

    def __exit__(self, kind: Any, error: Any, tb: Any) -> bool:
        if error is None:
            return False
        from .dss.failures import classify
        failure = classify(error, self.url)
        if failure is not None and failure is not error:
            raise failure from None
        return False


def _version() -> str:
    from . import __version__
    return __version__
