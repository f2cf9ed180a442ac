"""Shared fixtures: a real emulator over real HTTP, and real ``dataikuapi`` clients on it."""
import os

import pytest

from emusupport import ADMIN_KEY, ANALYST_KEY, READER_KEY, SHARED, make_emulator


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
