"""Fixtures of the apply tests: on the module's emulator (``emu``, ``shared_emulator`` in
``tests/python/conftest.py``, one per module with a fresh project key per case,
``apply_support.fresh_key``), a real dataikuapi client and an Engine on it."""
import pytest

from emusupport import ADMIN_KEY

from dataiku_framework.engine import Engine


@pytest.fixture
def client(emu):
    return emu.client(ADMIN_KEY)


@pytest.fixture
def engine(client):
    return Engine(client=client)


