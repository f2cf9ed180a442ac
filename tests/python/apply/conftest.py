"""Fixtures of the apply tests: one shared emulator per module (faults and counters cleared around
each test), a real dataikuapi client and an Engine on it.

Why one emulator per module and a fresh project key per case (``apply_support.fresh_key``): starting
an emulator costs more than a whole apply and the fault matrix runs hundreds of cases; projects never
see each other, so a fresh key gives each case a clean DSS.
"""
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
    """The module's emulator, faults and counters cleared before and after the test."""
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


