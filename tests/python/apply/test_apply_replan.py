"""Apply plans twice: once to know whether there is anything to do (a no-op apply takes no lock),
then again once it holds the lock. The second plan reads the lists and the state again, but not the
recipes and scenarios the first found unchanged: it carries their details over. These tests check
what that saves and that it never lets a change through unseen:

- a one-field change reads each recipe once (by the first plan) and only the changed scenario twice;
- an unchanged recipe edited in DSS between the two plans is not written, and shows as drift next;
- when the state moved while the apply waited for the lock (another apply ran), everything is read
  again, so what that apply changed is planned and undone as the configuration asks.
"""
import re

from apply_support import config_30, fresh_key
from dataiku_framework.apply import run as apply_run

RECIPES = 8
SCENARIOS = 3


def _detail_reads(emu, key):
    """(recipe GETs, scenario settings GETs) of project ``key`` in the emulator's log."""
    log = [e for e in emu.stats.snapshot()["log"] if e["method"] == "GET"]
    recipe = re.compile(r"/projects/%s/recipes/[^/]+$" % key)
    scenario = re.compile(r"/projects/%s/scenarios/[^/]+$" % key)
    paths = [e["path"].split("?")[0] for e in log]
    return sum(1 for p in paths if recipe.search(p)), sum(1 for p in paths if scenario.search(p))


def _before_the_lock(monkeypatch, action):
    """Run ``action()`` once, after the first plan and before the lock is taken."""
    original = apply_run.ProjectLock.acquire
    done = []

    def acquire(lock, *args, **kwargs):
        if not done:
            done.append(True)
            action()
        return original(lock, *args, **kwargs)
    monkeypatch.setattr(apply_run.ProjectLock, "acquire", acquire)
    return done


def test_one_field_change_reads_each_unchanged_recipe_and_scenario_once(emu, client, engine):
    key = fresh_key("RP")
    config = config_30(key)
    assert engine.apply(config).succeeded
    config.scenarios[0].triggers[0].hour = 5
    emu.stats.reset()
    result = engine.apply(config)
    assert [(r.address, r.operation, r.status) for r in result.results] == [
        ("scenario.nightly", "update", "succeeded")]
    recipes, scenarios = _detail_reads(emu, key)
    assert recipes == RECIPES, "each recipe read once, by the plan made before the lock (%d reads)" % recipes
    # every scenario once by the first plan; the changed one again by the plan under the lock, by its
    # writer (read-modify-write) and by the read-back after the write
    assert scenarios == SCENARIOS + 3, scenarios
    assert not engine.plan(config).has_changes


def test_unchanged_recipe_edited_before_the_lock_is_kept_and_shows_as_drift(emu, client, engine, monkeypatch):
    key = fresh_key("RP")
    config = config_30(key)
    assert engine.apply(config).succeeded
    config.scenarios[0].triggers[0].hour = 6

    def edit():
        settings = client.get_project(key).get_recipe("clean_orders_py").get_settings()
        settings.set_code("import dataiku  # edited in DSS\n")
        settings.save()
    done = _before_the_lock(monkeypatch, edit)
    result = engine.apply(config)
    assert done and result.succeeded
    assert [r.address for r in result.results] == ["scenario.nightly"]  # the recipe is not written
    code = client.get_project(key).get_recipe("clean_orders_py").get_settings().get_code()
    assert code == "import dataiku  # edited in DSS\n"
    after = engine.plan(config)
    assert [d["address"] for d in after.doc["drift"]] == ["recipe.clean_orders_py"], after.doc["drift"]


def test_state_moved_while_waiting_for_the_lock_reads_everything_again(emu, client, engine, monkeypatch):
    key = fresh_key("RP")
    config = config_30(key)
    assert engine.apply(config).succeeded
    config.scenarios[0].triggers[0].hour = 7
    other = config_30(key)
    other.recipes[1].code = "import dataiku  # another apply\n"

    def another_apply():
        monkeypatch.undo()  # the other apply takes the lock as usual
        assert engine.apply(other).succeeded
    done = _before_the_lock(monkeypatch, another_apply)
    result = engine.apply(config)
    assert done and result.succeeded
    # the other apply's recipe change was seen under the lock and undone, as this configuration asks
    assert sorted(r.address for r in result.results) == ["recipe.clean_orders_py", "scenario.nightly"]
    assert not engine.plan(config).has_changes
