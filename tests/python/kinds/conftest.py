"""The kind tests' emulator: one per test module (module scope), a client of its administrator and an
``Engine`` on it; each case uses a fresh project key, so cases never meet. A module needing another
emulator (``test_code_envs``: code environments) defines its own fixtures of these names."""
import pytest

from emusupport import ADMIN_KEY, make_emulator

from dataiku_framework.engine import Engine


@pytest.fixture(scope="module")
def emu():
    started = make_emulator()
    yield started
    started.stop()


@pytest.fixture(scope="module")
def client(emu):
    return emu.client(ADMIN_KEY)


@pytest.fixture(scope="module")
def engine(client):
    return Engine(client=client)
