"""Fixtures of the backend-neutral tests: one DSS per session (the emulator, or a real instance when
``DSS_FRAMEWORK_BACKEND=dss``; see ``dssbackend``) and throwaway projects on it. A pytest plugin:
``conftest.py`` here imports it, and the harness test loads it with ``-p dss_fixtures`` for a test
file of its own.

Why throwaway projects: on a real instance the tests share DSS with its users, so each test works in
projects whose keys start with ``DSSFWTEST_<session>_`` and deletes them afterwards, also when it fails.
"""
import os
import sys

import pytest

from dssbackend import BackendError, environment, open_backend

HERE = os.path.dirname(os.path.abspath(__file__))
STANDIN = os.path.join(os.path.dirname(HERE), "plugin", "standin")

EMULATOR_ONLY = ("needs the emulator's control API (faults, stats, latency, seeding), which a real DSS "
                 "does not have")


def _start_emulator():
    from emusupport import ADMIN_KEY, make_emulator  # only the emulator backend imports the emulator
    emu = make_emulator()
    return emu, emu.url, ADMIN_KEY


@pytest.fixture(scope="session")
def dss_backend():
    """The session's DSS (``Backend``); on a real instance, this session's leftovers are deleted at the end."""
    try:
        backend = open_backend(os.environ, _start_emulator)
        backend.check()
    except BackendError as e:
        pytest.exit("dss-framework test backend: %s" % e, returncode=pytest.ExitCode.USAGE_ERROR)
    yield backend
    backend.cleanup(backend.leftovers())
    if backend.emulator is not None:
        backend.emulator.stop()


@pytest.fixture(autouse=True)
def _emulator_only(request, dss_backend):
    """Skip, saying why, a test marked ``emulator_only`` when the backend is a real instance."""
    if request.node.get_closest_marker("emulator_only") and dss_backend.emulator is None:
        pytest.skip("emulator_only: %s" % EMULATOR_ONLY)


@pytest.fixture
def new_key(dss_backend):
    """``new_key(label)``: a fresh throwaway project key; every project made with one is deleted after
    the test, whatever its outcome."""
    keys = []

    def _new(label="P"):
        keys.append(dss_backend.new_key(label))
        return keys[-1]
    yield _new
    failed = dss_backend.cleanup(keys)
    assert not failed, "could not delete the throwaway projects %s on %s" % (failed, dss_backend.url)


@pytest.fixture
def dss_client(dss_backend):
    """A real dataikuapi client with the backend's administrator key."""
    return dss_backend.client()


@pytest.fixture
def cli_env(dss_backend):
    """The environment of a ``dss-framework`` subprocess pointed at the backend by URL and key only."""
    return environment(dss_backend)


def _forget_dataiku():
    for name in [n for n in sys.modules if n == "dataiku" or n.startswith("dataiku.")]:
        del sys.modules[name]


@pytest.fixture
def standin(monkeypatch, dss_backend):
    """``standin(project_key)``: the stand-in ``dataiku`` module, its real client on the backend (the
    administrator's key), the current project ``project_key``; forgotten after the test."""
    def _enter(project_key):
        _forget_dataiku()
        monkeypatch.syspath_prepend(STANDIN)
        monkeypatch.setenv("DKU_STANDIN_URL", dss_backend.url)
        monkeypatch.setenv("DKU_STANDIN_API_KEY", dss_backend.api_key)
        monkeypatch.setenv("DKU_CURRENT_PROJECT_KEY", project_key)
        import dataiku.scenario  # the steps set scenario variables through it
        assert dataiku.__file__.startswith(STANDIN)
        return dataiku
    yield _enter
    _forget_dataiku()

