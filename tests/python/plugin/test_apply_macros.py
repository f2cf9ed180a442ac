"""The "Apply", "Rollback" and "Unlock" macros, run as DSS runs them (stand-in ``dataiku``, real client),
on a real managed folder in the emulator; and the rights they check in code."""
import os
import runpy

import pytest

from emusupport import ANALYST_KEY, ROOT
from plugin_support import PROJECT_YAML, SCENARIO_YAML, TARGET, parse_html as _parse
from dataiku_framework.apply.rollback import NOT_RESTORED
from dataiku_framework.plugin.apply import (NotProjectAdmin, apply_params_from_config,
                                            check_project_admin, rollback_params_from_config)
from dataiku_framework.state import ProjectLock, read_lock

KEY = "CUSTOMER_ANALYTICS"


def _runnable(name):
    return os.path.join(ROOT, "python-runnables", name, "runnable.py")


class _Macro(object):
    """Runs a macro as DSS does: instantiate ``MyRunnable``, ask its progress target, call ``run``
    with a progress callback; keeps what the callback was given."""

    def __init__(self, name):
        self.path = _runnable(name)
        self.progress = []

    def __call__(self, config, project_key="P1"):
        runnable = runpy.run_path(self.path)["MyRunnable"](project_key, dict(TARGET, **config), {})
        self.target = runnable.get_progress_target()
        return runnable.run(self.progress.append)


@pytest.fixture
def apply_macro(dss):
    return _Macro("apply")


@pytest.fixture
def rollback_macro(dss):
    return _Macro("rollback")


@pytest.fixture
def unlock_macro(dss):
    return _Macro("unlock")


@pytest.fixture
def applied(apply_macro, configs):
    """The folder's configuration (with a scenario) applied once by the macro."""
    configs.upload("project.yaml", PROJECT_YAML + SCENARIO_YAML)
    page = apply_macro({"folder": "configs"})
    assert "Apply complete" in page, page
    return configs


def _hour(client):
    project = client.get_project(KEY)
    [item] = [s for s in project.list_scenarios() if s["name"] == "daily_refresh"]
    return project.get_scenario(item["id"]).get_settings().raw_triggers[0]["params"]["hour"]


def _as(monkeypatch, key):
    monkeypatch.setenv("DKU_STANDIN_API_KEY", key)


def _grant(client, project_key, entry):
    project = client.get_project(project_key)
    permissions = project.get_permissions()
    permissions["permissions"].append(entry)
    project.set_permissions(permissions)


def test_apply_creates_the_configured_project_with_progress(apply_macro, configs, client):
    configs.upload("project.yaml", PROJECT_YAML + SCENARIO_YAML)
    page = apply_macro({"folder": configs.folder_id})
    parsed = _parse(page)
    assert apply_macro.target == (100, "NONE")
    assert apply_macro.progress and apply_macro.progress[-1] == 100
    assert apply_macro.progress == sorted(apply_macro.progress)
    assert any(t.startswith("Apply complete: ") for t in parsed.texts)
    assert "scenario.daily_refresh" in parsed.texts and "succeeded" in parsed.texts
    assert "script" not in parsed.tags and "<html" not in page
    assert "daily_refresh" in [s["name"] for s in client.get_project(KEY).list_scenarios()]


def test_reapplying_changes_nothing_and_says_so(apply_macro, applied, emulator):
    emulator.stats.reset()
    texts = _parse(apply_macro({"folder": "configs"})).texts
    assert "No changes: DSS matches the configuration, nothing was applied (project %s on %s)" % (
        KEY, emulator.url) in texts
    assert emulator.stats.writes == 0


def test_a_one_field_change_is_applied_and_shown_escaped(apply_macro, applied, client):
    evil = "<script>alert(1)</script>"
    applied.upload("project.yaml", PROJECT_YAML.replace("name: Customer Analytics Pipeline",
                                                        "name: Customer Analytics Pipeline\n  description: '%s'"
                                                        % evil) + SCENARIO_YAML.replace("hour: 2", "hour: 3"))
    page = apply_macro({"folder": "configs"})
    texts = _parse(page).texts
    assert any(t.startswith("Apply complete: 0 created, 2 updated, 0 replaced, 0 deleted. (project %s on " % KEY)
               for t in texts), texts
    assert evil not in page and any(evil in t for t in texts)
    assert _hour(client) == 3


def test_an_invalid_configuration_applies_nothing(apply_macro, configs, client):
    configs.upload("project.yaml", PROJECT_YAML.replace("inputs: [RAW_CUSTOMERS]", "inputs: [RAW_CUSTOMER]"))
    texts = _parse(apply_macro({"folder": "configs"})).texts
    assert "error[config.invalid]: Configuration is invalid: nothing was planned (project %s on %s)" % (
        KEY, client.host) in texts
    assert KEY not in client.list_project_keys()


def test_a_failed_resource_is_shown_with_its_error(apply_macro, applied, emulator):
    applied.upload("project.yaml", PROJECT_YAML + SCENARIO_YAML.replace("hour: 2", "hour: 3"))
    emulator.faults.configure({"fail_nth_write": 1, "fail_status": 500, "fail_count": 100,
                               "path_contains": "/scenarios/"})
    page = apply_macro({"folder": "configs"})
    emulator.faults.clear()
    texts = _parse(page).texts
    assert any(t.startswith("error[plugin.apply_failed]: Apply failed: ") and "1 failed" in t for t in texts)
    row = texts.index("scenario.daily_refresh")
    assert texts[row + 1: row + 3] == ["update", "failed"]
    assert 'class="dkf-failed"' in page


def test_a_held_lock_fails_the_macro_naming_its_holder(apply_macro, applied, client):
    held = ProjectLock(client, KEY, operation="rollback", settle=0).acquire()
    applied.upload("project.yaml", PROJECT_YAML + SCENARIO_YAML.replace("hour: 2", "hour: 3"))
    with pytest.raises(Exception) as info:
        apply_macro({"folder": "configs", "lock_timeout": 0})
    assert "project %s is locked" % KEY in str(info.value) and held.id in str(info.value)
    assert str(info.value).startswith("error[lock.held]: "), str(info.value)
    assert _hour(client) == 2


def test_an_ordinary_user_without_rights_is_refused_before_any_write(apply_macro, configs, monkeypatch, emulator,
                                                                    client):
    configs.upload("project.yaml", PROJECT_YAML + SCENARIO_YAML)
    _as(monkeypatch, ANALYST_KEY)
    emulator.stats.reset()
    with pytest.raises(NotProjectAdmin, match="apply needs administrator rights on project P1: DSS user analyst"):
        apply_macro({"folder": "configs"})
    assert emulator.stats.writes == 0 and KEY not in client.list_project_keys()


def test_admin_through_a_group_may_apply(apply_macro, applied, monkeypatch, client):
    for key in ("P1", KEY):
        _grant(client, key, {"group": "data_team", "admin": True, "readProjectContent": True})
    applied.upload("project.yaml", PROJECT_YAML + SCENARIO_YAML.replace("hour: 2", "hour: 3"))
    _as(monkeypatch, ANALYST_KEY)
    assert "Apply complete: 0 created, 1 updated" in apply_macro({"folder": "configs"})
    assert _hour(client) == 3


def test_the_target_project_needs_admin_rights_too(apply_macro, applied, monkeypatch, client, emulator):
    """Admin on the folder's project (P1) is not enough to change the project the configuration names."""
    _grant(client, "P1", {"user": "analyst", "admin": True, "readProjectContent": True})
    _grant(client, KEY, {"group": "data_team", "readProjectContent": True, "writeProjectContent": True})
    applied.upload("project.yaml", PROJECT_YAML + SCENARIO_YAML.replace("hour: 2", "hour: 3"))
    _as(monkeypatch, ANALYST_KEY)
    emulator.stats.reset()
    with pytest.raises(NotProjectAdmin, match="on project %s: DSS user analyst is not its owner" % KEY):
        apply_macro({"folder": "configs"})
    assert emulator.stats.writes == 0 and _hour(client) == 2
    _grant(client, KEY, {"user": "analyst", "admin": True})
    assert "Apply complete: 0 created, 1 updated" in apply_macro({"folder": "configs"})


def test_check_project_admin_owner_entries_and_dss_admin(emulator, project, client, analyst, reader):
    assert check_project_admin(client, "P1") == "admin"  # owner (and a DSS administrator)
    with pytest.raises(NotProjectAdmin):
        check_project_admin(analyst, "P1")
    _grant(client, "P1", {"group": "readers", "readProjectContent": True})
    with pytest.raises(NotProjectAdmin, match="DSS user reader"):
        check_project_admin(reader, "P1")  # read rights are not admin rights
    client.create_project("P2", "Two", "analyst")
    assert check_project_admin(analyst, "P2") == "analyst"  # owner
    assert check_project_admin(client, "P2") == "admin"  # a DSS administrator, in no entry


def test_rollback_previews_by_default_then_rolls_back(rollback_macro, apply_macro, applied, client, emulator):
    applied.upload("project.yaml", PROJECT_YAML + SCENARIO_YAML.replace("hour: 2", "hour: 3"))
    assert "Apply complete" in apply_macro({"folder": "configs"})
    emulator.stats.reset()
    preview = _parse(rollback_macro({}, project_key=KEY)).texts
    assert "Rollback plan for project %s on %s" % (KEY, client.host) in preview
    assert any(t.startswith("Preview only") for t in preview)
    assert any(NOT_RESTORED in t for t in preview) and "scenario.daily_refresh" in "".join(preview)
    assert emulator.stats.writes == 0 and _hour(client) == 3
    page = rollback_macro({"preview": False}, project_key=KEY)
    texts = _parse(page).texts
    assert any(t.startswith("Rollback complete") for t in texts) and NOT_RESTORED in texts  # a notice
    assert rollback_macro.progress[-1] == 100 and _hour(client) == 2


def test_rollback_needs_admin_rights(rollback_macro, applied, monkeypatch, client):
    _grant(client, KEY, {"group": "data_team", "readProjectContent": True, "writeProjectContent": True})
    _as(monkeypatch, ANALYST_KEY)
    with pytest.raises(NotProjectAdmin, match="rollback needs administrator rights on project %s" % KEY):
        rollback_macro({"preview": False}, project_key=KEY)


def test_unlock_shows_the_holder_then_releases_by_id(unlock_macro, applied, client):
    texts = _parse(unlock_macro({}, project_key=KEY)).texts
    assert "Project %s on %s is not locked" % (KEY, client.host) in texts
    held = ProjectLock(client, KEY, operation="apply", settle=0).acquire()
    texts = _parse(unlock_macro({"lock_id": ""}, project_key=KEY)).texts
    assert "Project %s on %s is locked: nothing was released" % (KEY, client.host) in texts
    assert held.id in texts and "admin" in texts and read_lock(client, KEY).id == held.id  # still held
    texts = _parse(unlock_macro({"lock_id": held.id}, project_key=KEY)).texts
    assert "Released lock %s of project %s on %s" % (held.id, KEY, client.host) in texts
    assert read_lock(client, KEY) is None  # free again


def test_unlock_refuses_another_id_and_ordinary_users(unlock_macro, applied, client, monkeypatch):
    held = ProjectLock(client, KEY, operation="apply", settle=0).acquire()
    with pytest.raises(Exception, match="nothing was released"):
        unlock_macro({"lock_id": "nope"}, project_key=KEY)
    _as(monkeypatch, ANALYST_KEY)
    with pytest.raises(NotProjectAdmin):
        unlock_macro({"lock_id": held.id}, project_key=KEY)


def test_parameters_default_when_dss_leaves_them_out():
    assert apply_params_from_config({"folder": "f"}) == {
        "folder_ref": "f", "config_path": "project.yaml", "env": None, "parallelism": 8, "allow_delete": False,
        "lock_timeout": 0.0, "target": None}
    assert apply_params_from_config({"folder": "f", "allow_delete": "true", "lock_timeout": 30.0})["lock_timeout"] == 30
    assert rollback_params_from_config(None) == {"to": None, "preview": True, "lock_timeout": 0.0, "target": None}
    assert rollback_params_from_config({"apply_id": " a1 ", "preview": False})["to"] == "a1"
