"""Constants and helpers shared by the test suites (importable as ``emusupport``).

Keys are test-only values. ``admin`` is a DSS administrator, ``analyst`` an ordinary user in
group ``data_team``, ``reader`` a read-only user in group ``readers``.
"""
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "python-lib"))

from dss_emulator import Emulator  # noqa: E402

ADMIN_KEY = "test-admin-key"
ANALYST_KEY = "test-analyst-key"
READER_KEY = "test-reader-key"
SHARED = os.path.join(os.path.dirname(ROOT), "shared")


def make_emulator(**kwargs):
    keys = {ADMIN_KEY: "admin", ANALYST_KEY: "analyst", READER_KEY: "reader"}
    keys.update(kwargs.pop("api_keys", {}))
    conns = {"snowflake_prod": "Snowflake", "pg": "PostgreSQL"}
    conns.update(kwargs.pop("connections", {}))
    return Emulator(api_keys=keys, connections=conns, **kwargs).start()


def fs_dataset(project, name):
    """A plain Filesystem dataset on the managed connection, created through the client."""
    return project.create_dataset(name, "Filesystem", params={"connection": "filesystem_managed", "path": name},
                                  formatType="csv")


def assert_put_replaces(project, settings_of, path):
    """Issue 6 §3 on one object: a PUT of ``path`` drops the keys its body leaves out and ignores
    client-sent stamps (version 2, stamped by the caller). ``settings_of()`` reads the settings."""
    s = settings_of()
    s.get_raw()["description"] = "d"
    s.get_raw()["customFields"] = {"k": 1}
    s.save()
    raw = settings_of().get_raw()
    del raw["description"], raw["customFields"]
    raw["versionTag"] = {"versionNumber": 99, "lastModifiedBy": {"login": "mallory"}, "lastModifiedOn": 1}
    project.client._perform_json("PUT", path, body=raw)
    stored = settings_of().get_raw()
    assert "description" not in stored and "customFields" not in stored
    assert stored["versionTag"]["versionNumber"] == 2 and stored["versionTag"]["lastModifiedBy"] == {"login": "admin"}
    return stored
