"""Fixtures of the plan tests: an emulator holding what the examples name."""
import pytest

from plan_support import client_of, examples_emulator


@pytest.fixture
def emu():
    emulator = examples_emulator()
    yield emulator
    emulator.stop()


@pytest.fixture
def dss(emu):
    """An administrator's dataikuapi client on ``emu``."""
    return client_of(emu)


@pytest.fixture
def analyst_client(emu):
    """An ordinary user's client (no rights on projects it did not create)."""
    from emusupport import ANALYST_KEY
    return emu.client(ANALYST_KEY)
