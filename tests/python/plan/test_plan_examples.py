"""Every example: created by apply (``plan_support.bootstrap``), then planned.

No changes right after creation; one field changed in the YAML plans exactly that update; one field
changed directly in DSS through the client shows exactly that difference. For every resource kind
the example has. Every plan is validated against plan-1.0.schema.json (``plan_support.plan``)."""
import pytest

from dss_edits import desired_of, edit, edited, get_in, leaf_paths
from plan_support import EXAMPLE_FILES, bootstrap, load_example, not_noop, only_change, plan

from dataiku_framework.resources import HANDLERS, handler

YAML_EDITS = {
    # kind -> (edit of the first object of that kind, config path it must be planned at)
    "project": (lambda o: setattr(o, "description", "edited by the test"), "description"),
    "variables": (lambda o: o.setdefault("standard", {}).update({"edited_var": "1"}), "standard.edited_var"),
    "zone": (lambda o: setattr(o, "color", "#123456"), "color"),
    "managed_folder": (lambda o: setattr(o, "description", "edited by the test"), "description"),
    "dataset": (lambda o: setattr(o, "description", "edited by the test"), "description"),
    "recipe": (lambda o: setattr(o, "description", "edited by the test"), "description"),
    "scenario": (lambda o: setattr(o, "description", "edited by the test"), "description"),
}


def kinds_in(config):
    return [h.kind for h in HANDLERS if h.configured(config)]


def first(config, kind):
    return handler(kind).configured(config)[0]


@pytest.mark.parametrize("name", EXAMPLE_FILES)
def test_example_plans_no_change_after_creation(emu, dss, name):
    config = load_example(name)
    bootstrap(dss, config)
    emu.stats.reset()
    result = plan(dss, config)
    requests = emu.stats.snapshot(with_log=False)["requests"]
    assert not_noop(result) == [] and not result.has_changes
    assert result.summary["no-op"] == sum(len(h.configured(config)) for h in HANDLERS)
    assert result.doc["unmanaged"] == []
    assert requests <= len(config.recipes) + len(config.scenarios) + 15, requests


@pytest.mark.parametrize("name", EXAMPLE_FILES)
def test_example_one_yaml_edit_per_kind_is_one_update_on_that_field(dss, name):
    bootstrap(dss, load_example(name))
    for kind in kinds_in(load_example(name)):
        config = load_example(name)
        obj_name, obj = first(config, kind)
        change, path = YAML_EDITS[kind]
        change(obj)
        rc = only_change(plan(dss, config))
        assert (rc.address, rc.action) == (handler(kind).address(obj_name), "update")
        assert [c["path"] for c in rc.changes] == [path], (kind, rc.changes)


@pytest.mark.parametrize("name", EXAMPLE_FILES)
def test_example_one_dss_edit_per_kind_shows_exactly_that_difference(dss, name):
    config = load_example(name)
    bootstrap(dss, config)
    key = config.project.key
    for kind in kinds_in(config):
        obj_name, _ = first(config, kind)
        desired, obj = desired_of(config, dss, kind, obj_name)
        # a zone is known by its name: renaming it in DSS is another zone (create + unmanaged)
        path = next((p for p in leaf_paths(desired) if not (kind == "zone" and p == ("name",))), None)
        if path is None:
            continue
        old = get_in(desired, path)
        edit(dss, key, kind, obj_name, path, edited(old))
        rc = only_change(plan(dss, config))
        assert (rc.address, rc.action) == (handler(kind).address(obj_name), "update")
        expected = handler(kind).config_path(path, obj)
        assert [(c["path"], c["before"], c["after"]) for c in rc.changes] == [(expected, edited(old), old)], kind
        edit(dss, key, kind, obj_name, path, old)
        assert not plan(dss, config).has_changes, "restoring %s %s in DSS brings the plan back to no-op" % (kind, path)


def test_seed_scenario_hour_moved_plans_one_update_on_that_trigger(dss):
    config = load_example("customer_analytics.yaml")
    bootstrap(dss, config)
    config.find("scenarios", "daily_refresh").triggers[0].hour = 3
    rc = only_change(plan(dss, config))
    assert (rc.address, rc.action, rc.kind, rc.name) == ("scenario.daily_refresh", "update", "scenario",
                                                          "daily_refresh")
    assert rc.changes == [{"path": "triggers[0].hour", "before": 2, "after": 3, "origin": "config"}]
