"""Fixtures the kind tests share: each module starts its own emulator (``emu``, module-scoped, with
what its kind needs); ``client`` and ``engine`` are fresh per test over it (faults cleared, request
statistics reset, so a test counts only its own requests); ``cli`` runs the command line on it."""
import io
from contextlib import redirect_stderr, redirect_stdout

import pytest

from emusupport import ADMIN_KEY

from dataiku_framework.cli import main
from dataiku_framework.engine import Engine


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
