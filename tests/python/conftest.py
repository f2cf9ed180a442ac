"""Shared fixtures: a real emulator over real HTTP, and real ``dataikuapi`` clients on it.

Keys are test-only values. ``admin`` is a DSS administrator, ``analyst`` an ordinary user in
group ``data_team``, ``reader`` a read-only user in group ``readers``.
"""
import os
import sys

import pytest

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


@pytest.fixture
def emulator():
    emu = make_emulator()
    yield emu
    emu.stop()


@pytest.fixture
def client(emulator):
    """A real dataikuapi client with administrator rights."""
    return emulator.client(ADMIN_KEY)


@pytest.fixture
def analyst(emulator):
    return emulator.client(ANALYST_KEY)


@pytest.fixture
def reader(emulator):
    return emulator.client(READER_KEY)


@pytest.fixture
def project(client):
    """An empty project P1 owned by admin."""
    client.create_project("P1", "Project one", "admin", description="test project")
    return client.get_project("P1")


@pytest.fixture
def shared_dir():
    if not os.path.isdir(SHARED):
        pytest.skip("the shared reference folder (../shared next to the repo) is not present")
    return SHARED
