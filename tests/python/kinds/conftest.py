"""Fixtures of the per-kind tests: one emulator per module (a fresh project key per case), a real
dataikuapi client and an Engine on it (issue 17: new-kind tests share one emulator per module)."""
import pytest

from emusupport import ADMIN_KEY, make_emulator

from dataiku_framework.engine import Engine


@pytest.fixture(scope="module")
def shared_emulator():
    emu = make_emulator()
    yield emu
    emu.stop()


@pytest.fixture
def emu(shared_emulator):
    shared_emulator.faults.clear()
    shared_emulator.stats.reset()
    yield shared_emulator
    shared_emulator.faults.clear()


@pytest.fixture
def client(emu):
    return emu.client(ADMIN_KEY)


@pytest.fixture
def engine(client):
    return Engine(client=client)
