"""Fixtures of the kind tests: one emulator per module (each case uses its own project key, so cases
never meet), a client on it with faults and request counts cleared per test, and an engine."""
import pytest

from emusupport import ADMIN_KEY, make_emulator

from dataiku_framework.engine import Engine


@pytest.fixture(scope="module")
def emu():
    started = make_emulator()
    yield started
    started.stop()


@pytest.fixture
def client(emu):
    emu.faults.clear()
    emu.stats.reset()
    return emu.client(ADMIN_KEY)


@pytest.fixture
def engine(client):
    return Engine(client=client)
