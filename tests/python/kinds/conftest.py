"""Fixtures the kind tests share, on the module's emulator (``emu``: ``tests/python/conftest.py``'s
``shared_emulator``, faults cleared and request statistics reset for each test, so a test counts only
its own requests; a module needing another emulator, such as ``test_code_envs`` with code
environments, defines its own ``shared_emulator``): ``client`` and ``engine`` fresh per test over it;
``cli`` runs the command line on it. Each case uses a fresh project key, so cases never meet."""
import io
from contextlib import redirect_stderr, redirect_stdout

import pytest

from emusupport import ADMIN_KEY

from dataiku_framework.cli import main
from dataiku_framework.engine import Engine


@pytest.fixture
def client(emu):
    return emu.client(ADMIN_KEY)


@pytest.fixture
def engine(client):
    return Engine(client=client)


@pytest.fixture
def cli(emu):
    """Run ``dss-framework ARGS`` against the module's emulator with the administrator's key:
    ``(exit code, stdout + stderr)``."""
    def run(*args):
        out, err = io.StringIO(), io.StringIO()
        with redirect_stdout(out), redirect_stderr(err):
            code = main(list(args) + ["--host", emu.url, "--api-key", ADMIN_KEY])
        return code, out.getvalue() + err.getvalue()
    return run
