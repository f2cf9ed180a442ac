"""Which DSS the backend-neutral tests run against (importable as ``dssbackend``).

Why a switch: platform teams run these tests against their staging DSS before they trust an upgrade,
and the normal suite runs the same tests against the emulator so that the harness cannot rot.

``DSS_FRAMEWORK_BACKEND`` picks the backend: ``emulator`` (the default: an emulator started in
process) or ``dss`` (a real instance). A real instance is named by ``DKU_DSS_URL`` and ``DKU_API_KEY``
(an administrator's key), else by ``PLUGIN_INTEGRATION_TEST_INSTANCE``: the path of the JSON file of
dataiku-plugin-tests-utils, ``{"TARGET": {"url": ..., "users": {"admin": KEY, "default": "admin"}}}``,
read here so that the package itself is optional (``DSS_FRAMEWORK_DSS_TARGET`` picks one target
when the file names several; the ``admin`` user's key is used, else the ``default`` user's).

Both backends give the tests the same small interface: ``url``, ``api_key``, ``client()``,
``new_key(label)`` (a throwaway project key, deleted by ``cleanup``) and ``emulator`` (the
emulator's control API, None on a real instance: tests marked ``emulator_only`` are skipped there).
"""
import json
import os
import secrets
from typing import Any, Dict, List, Mapping, Optional, Tuple

import dataikuapi

#: every throwaway project's key starts with this, then a random part per test session
KEY_PREFIX = "DSSFWTEST"
#: DSS caps project keys; a key longer than this is cut (the random part keeps it unique)
MAX_KEY = 60


class BackendError(Exception):
    """The backend's configuration is unusable: the message says what to set, in one line."""


def backend_name(environ: Mapping[str, str]) -> str:
    """``emulator`` or ``dss``, from ``DSS_FRAMEWORK_BACKEND`` (default ``emulator``)."""
    name = (environ.get("DSS_FRAMEWORK_BACKEND") or "emulator").strip().lower()
    if name not in ("emulator", "dss"):
        raise BackendError("DSS_FRAMEWORK_BACKEND=%s: expected 'emulator' or 'dss'" % name)
    return name


def instance_of(environ: Mapping[str, str]) -> Tuple[str, str, str]:
    """(url, api_key, where it came from) of the real instance: ``DKU_DSS_URL``/``DKU_API_KEY``
    first, then the file ``PLUGIN_INTEGRATION_TEST_INSTANCE`` names."""
    url, key = environ.get("DKU_DSS_URL"), environ.get("DKU_API_KEY")
    if url or key:
        if not (url and key):
            raise BackendError("set both DKU_DSS_URL and DKU_API_KEY (an administrator's key), or neither")
        return url.rstrip("/"), key, "DKU_DSS_URL"
    path = environ.get("PLUGIN_INTEGRATION_TEST_INSTANCE")
    if not path:
        raise BackendError("DSS_FRAMEWORK_BACKEND=dss needs DKU_DSS_URL and DKU_API_KEY, or "
                           "PLUGIN_INTEGRATION_TEST_INSTANCE (the path of an instance JSON file)")
    url, key = _from_instance_file(path, environ.get("DSS_FRAMEWORK_DSS_TARGET"))
    return url, key, "PLUGIN_INTEGRATION_TEST_INSTANCE"


def _from_instance_file(path: str, wanted: Optional[str]) -> Tuple[str, str]:
    """(url, admin key) of one target of dataiku-plugin-tests-utils' instance file."""
    where = "PLUGIN_INTEGRATION_TEST_INSTANCE=%s" % path
    try:
        with open(path, encoding="utf-8") as f:
            targets = json.load(f)
    except OSError as e:
        raise BackendError("%s: cannot read it (%s)" % (where, e.strerror or e))
    except ValueError as e:
        raise BackendError("%s: not JSON (%s)" % (where, e))
    if not isinstance(targets, dict) or not targets:
        raise BackendError('%s: expected {"TARGET": {"url": ..., "users": {...}}}' % where)
    name = wanted or next(iter(targets))  # else the file's first target: its order is the author's
    target = targets.get(name)
    if not isinstance(target, dict):
        raise BackendError("%s: no target %r (it has: %s); set DSS_FRAMEWORK_DSS_TARGET"
                           % (where, name, ", ".join(sorted(targets))))
    url, users = target.get("url"), target.get("users")
    if not isinstance(url, str) or not url or not isinstance(users, dict):
        raise BackendError('%s: target %r needs "url" and "users"' % (where, name))
    user = "admin" if "admin" in users else users.get("default")
    key = users.get(user) if isinstance(user, str) and user != "default" else None
    if not isinstance(key, str) or not key:
        raise BackendError('%s: target %r needs an "admin" user (or a "default" naming one) with an API key'
                           % (where, name))
    return url.rstrip("/"), key


class Backend(object):
    """One DSS for a test session, and the throwaway projects made on it."""

    def __init__(self, name: str, url: str, api_key: str, origin: str, emulator: Any = None) -> None:
        self.name, self.url, self.api_key, self.origin = name, url, api_key, origin
        self.emulator = emulator
        self.session = "%s_%s" % (KEY_PREFIX, secrets.token_hex(3).upper())
        self._count = 0

    def client(self) -> Any:
        """A real dataikuapi client with the backend's (administrator's) key."""
        return dataikuapi.DSSClient(self.url, self.api_key)

    def new_key(self, label: str) -> str:
        """A fresh project key ``DSSFWTEST_<session>_<n>_<LABEL>``, deleted by ``cleanup``."""
        self._count += 1
        clean = "".join(c if c.isalnum() else "_" for c in label.upper())
        return ("%s_%d_%s" % (self.session, self._count, clean))[:MAX_KEY]

    def cleanup(self, keys: List[str]) -> List[str]:
        """Delete the projects among ``keys`` that exist (data included); the keys it could not delete."""
        client, failed = self.client(), []
        existing = set(client.list_project_keys())
        for key in keys:
            if key in existing:
                try:
                    client.get_project(key).delete(clear_managed_datasets=True, clear_output_managed_folders=True,
                                                   clear_job_and_scenario_logs=True)
                except Exception:  # noqa: BLE001 - reported by the caller, never hides the test's own result
                    failed.append(key)
        return failed

    def leftovers(self) -> List[str]:
        """This session's projects still on the instance."""
        return sorted(k for k in self.client().list_project_keys() if k.startswith(self.session + "_"))

    def check(self) -> str:
        """The login the key acts as; ``BackendError`` when the instance cannot be reached or refuses
        the key, so that a session stops at once instead of failing every test the same way."""
        try:
            return self.client().get_auth_info()["authIdentifier"]
        except Exception as e:  # noqa: BLE001 - any failure here means the same thing: fix the URL or key
            raise BackendError("cannot use the DSS at %s (from %s): %s" % (self.url, self.origin, str(e)[:300]))


def open_backend(environ: Mapping[str, str], start_emulator: Any) -> Backend:
    """The backend the environment names; ``start_emulator()`` gives (emulator, url, admin key)
    for the emulator backend and is called only for it."""
    if backend_name(environ) == "dss":
        url, key, origin = instance_of(environ)
        return Backend("dss", url, key, origin)
    emulator, url, key = start_emulator()
    return Backend("emulator", url, key, "the emulator started by the tests", emulator=emulator)


def environment(backend: Backend) -> Dict[str, str]:
    """The environment of a ``dss-framework`` subprocess: the backend's URL and key, and nothing else
    naming a DSS (a developer's own ``DSS_HOST`` must not win)."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("DSS_HOST", "DSS_API_KEY", "PLUGIN_INTEGRATION_TEST_INSTANCE")}
    env.update({"DKU_DSS_URL": backend.url, "DKU_API_KEY": backend.api_key})
    return env
