"""Fixtures the kind tests share: an emulator per test module (``emu``, module-scoped; a module
needing another emulator, such as ``test_code_envs`` with code environments, defines its own ``emu``);
``client`` and ``engine`` are fresh per test over it (faults cleared, request statistics reset, so a
test counts only its own requests); ``cli`` runs the command line on it. Each case uses a fresh
project key, so cases never meet."""
import io
from contextlib import redirect_stderr, redirect_stdout

import pytest

from emusupport import ADMIN_KEY, make_emulator

from dataiku_framework.cli import main
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
