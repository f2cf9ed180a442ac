"""Shared fixtures: a real emulator over real HTTP, and real ``dataikuapi`` clients on it."""
import os

import pytest
from hypothesis import settings

from emusupport import ADMIN_KEY, ANALYST_KEY, READER_KEY, SHARED, make_emulator


# Property tests: CI runs are reproducible (derandomized: the same examples on every run, no example
# database) and print the reproduction blob of a failure; ``HYPOTHESIS_PROFILE=long`` (``make fuzz``)
# searches at random with many more examples. Tests that set ``max_examples`` should use
# ``max(their_count, settings.default.max_examples)`` so the long profile raises them too.
settings.register_profile("ci", derandomize=True, database=None, print_blob=True, deadline=None)
settings.register_profile("long", max_examples=3000, derandomize=False, database=None, print_blob=True, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture
def emulator():
    emu = make_emulator()
    yield emu
    emu.stop()


@pytest.fixture
def client(emulator):
    """A real dataikuapi client with administrator rights."""
    return emulator.client(ADMIN_KEY)


@pytest.fixture(scope="module")
def shared_emulator():
    """One emulator for a whole test module (a module needing another one, such as one with code
    environments, defines its own ``shared_emulator``). Why: starting an emulator costs more than a
    whole apply, and the fault matrix runs hundreds of cases; projects never see each other, so a
    fresh project key per case gives it a clean DSS."""
    emu = make_emulator()
    yield emu
    emu.stop()


@pytest.fixture
def emu(shared_emulator):
    """The module's emulator, faults and request counters cleared before the test (so a test counts
    only its own requests) and faults after it."""
    shared_emulator.faults.clear()
    shared_emulator.stats.reset()
    yield shared_emulator
    shared_emulator.faults.clear()


@pytest.fixture
def analyst(emulator):
    return emulator.client(ANALYST_KEY)


@pytest.fixture
def reader(emulator):
    return emulator.client(READER_KEY)


@pytest.fixture
def project(client):
    """An empty project P1 owned by admin."""
    client.create_project("P1", "Project one", "admin", description="test project")
    return client.get_project("P1")


@pytest.fixture
def shared_dir():
    """The shared reference folder, for optional extras only (the wire replay of recorded traffic):
    every fixture a test needs is in tests/fixtures."""
    if not os.path.isdir(SHARED):
        pytest.skip("optional extra: needs the shared reference folder (%s; set DSS_FRAMEWORK_SHARED to "
                    "use another), which is not present" % SHARED)
    return SHARED


@pytest.fixture(autouse=True)
def plans_in_config_terms(monkeypatch):
    """Issue 14 §11: every plan a test makes in this process is checked (``config_terms``): a path or a
    value in DSS's terms, or spelled otherwise than its file (``written_doc``), fails the test that made
    it, at its teardown. Cost: one walk of each document."""
    import functools

    import config_terms
    from dataiku_framework import engine
    found = []
    plan = engine.Engine.plan

    @functools.wraps(plan)  # the API page's generator reads its signature and docstring
    def checked(self, config, *args, **kwargs):
        made = plan(self, config, *args, **kwargs)
        found.extend(config_terms.problems(made.doc, config_terms.written_doc(config)))
        return made
    monkeypatch.setattr(engine.Engine, "plan", checked)
    yield found
    if found:
        pytest.fail("a plan is not in the configuration's terms:\n  " + "\n  ".join(sorted(set(found))[:20]),
                    pytrace=False)
