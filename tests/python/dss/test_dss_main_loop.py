"""The main loop, written once and run against whichever DSS is configured (see ``dssbackend``):
validate online, plan a new project, apply, plan again clean, one changed field is one update, drift
after an edit in DSS, import of the applied project plans clean, rollback, the Apply macro and the
Check drift step (stand-in ``dataiku``, real client).

Each test works in its own throwaway project (``new_key``), deleted afterwards. The faults test is
``emulator_only``: a real DSS has no control API to inject a failed write.
"""
import json
import os
import runpy

import pytest

from dss_configs import actions, config_text, run_cli, write_config

from dataiku_framework import Engine, FrameworkConfig

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
APPLY_MACRO = os.path.join(ROOT, "python-runnables", "apply", "runnable.py")
DRIFT_STEP = os.path.join(ROOT, "python-steps", "check-drift", "step.py")
RESOURCES = ["create dataset.clean_rows", "create dataset.raw_rows", "create managed_folder.landing",
             "create project", "create recipe.clean_rows_py", "create variables"]


def _config(key, **fields):
    """The ``config_text`` of project ``key`` as a ``FrameworkConfig`` (YAML text is accepted as is)."""
    return FrameworkConfig.from_yaml(config_text(key, **fields))


@pytest.fixture
def engine(dss_client):
    return Engine(client=dss_client)


@pytest.fixture
def applied(engine, new_key):
    """A throwaway project applied once from ``config_text``; its key."""
    key = new_key("LOOP")
    result = engine.apply(_config(key))
    assert result.succeeded, [(r.address, r.status) for r in result.results]
    return key


def test_validate_online_plan_apply_and_plan_again_through_the_cli(tmp_path, new_key, cli_env, dss_client):
    key = new_key("CLI")
    path = write_config(tmp_path, key)
    validated = run_cli(cli_env, "validate", "--online", path)
    assert validated.returncode == 0, validated.stdout + validated.stderr
    planned = run_cli(cli_env, "plan", "--json", "--detailed-exitcode", path)
    assert planned.returncode == 2, planned.stderr
    assert [a for a in actions(json.loads(planned.stdout)) if a.split()[1] != "tags"] == RESOURCES
    applied = run_cli(cli_env, "apply", "--auto-approve", path)
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert {d["name"] for d in dss_client.get_project(key).list_datasets()} == {"raw_rows", "clean_rows"}
    again = run_cli(cli_env, "plan", "--detailed-exitcode", path)
    assert again.returncode == 0, again.stdout + again.stderr


def test_one_changed_field_is_one_update(engine, applied):
    plan = engine.plan(_config(applied, description="raw rows renamed"))
    assert actions(plan.doc) == ["update dataset.raw_rows"]
    assert engine.apply(_config(applied, description="raw rows renamed")).succeeded
    settings = engine.client.get_project(applied).get_dataset("raw_rows").get_settings()
    assert settings.get_raw()["description"] == "raw rows renamed"
    assert actions(engine.plan(_config(applied, description="raw rows renamed")).doc) == []


def test_an_edit_made_in_dss_is_drift(engine, applied, tmp_path, cli_env):
    settings = engine.client.get_project(applied).get_dataset("raw_rows").get_settings()
    settings.get_raw()["description"] = "edited in DSS"
    settings.save()
    drift = run_cli(cli_env, "drift", write_config(tmp_path, applied))
    assert drift.returncode == 2, drift.stdout + drift.stderr
    assert "raw_rows" in drift.stdout and "description" in drift.stdout


def test_the_import_of_the_applied_project_plans_clean(engine, applied, tmp_path, cli_env):
    out = tmp_path / "imported"
    imported = run_cli(cli_env, "import", applied, "--out", str(out))
    assert imported.returncode == 0, imported.stdout + imported.stderr
    planned = run_cli(cli_env, "plan", "--detailed-exitcode", str(out / ("%s.yaml" % applied)))
    assert planned.returncode == 0, planned.stdout + planned.stderr


def test_rollback_restores_the_configuration_before_the_last_apply(engine, applied):
    variables = engine.client.get_project(applied).get_variables
    assert engine.apply(_config(applied, region="us")).succeeded
    assert variables()["standard"]["region"] == "us"
    result = engine.rollback(applied)
    assert result.succeeded, [(r.address, r.status) for r in result.results]
    assert variables()["standard"]["region"] == "eu"


@pytest.fixture
def host(dss_client, new_key, standin):
    """A throwaway project holding a managed folder ``configs`` (``host.folder``), where the plugin's
    components run (stand-in ``dataiku``, current project ``host.key``)."""
    class Host(object):
        key = new_key("HOST")
    dss_client.create_project(Host.key, "dss-framework test host", dss_client.get_auth_info()["authIdentifier"])
    Host.folder = dss_client.get_project(Host.key).create_managed_folder("configs")
    Host.dataiku = standin(Host.key)
    return Host


def test_the_apply_macro_applies_a_folder_config_to_its_target(dss_client, new_key, host):
    target = new_key("MACRO")
    host.folder.put_file("project.yaml", config_text(target))
    runnable = runpy.run_path(APPLY_MACRO)["MyRunnable"](host.key, {"folder": host.folder.id,
                                                                    "target_project": target}, {})
    page = runnable.run(lambda *a: None)
    assert "Apply complete" in page, page
    assert {d["name"] for d in dss_client.get_project(target).list_datasets()} == {"raw_rows", "clean_rows"}


def test_the_check_drift_step_fails_on_an_edit_made_in_dss(applied, host, monkeypatch):
    host.folder.put_file("project.yaml", config_text(applied))
    monkeypatch.setenv("DKU_STANDIN_STEP_CONFIG", json.dumps({"folder": host.folder.id, "target_project": applied}))
    host.dataiku.scenario.VARIABLES.clear()
    runpy.run_path(DRIFT_STEP, run_name="__main__")
    assert host.dataiku.scenario.VARIABLES["framework_drift_detected"] is False
    variables = host.dataiku.api_client().get_project(applied).get_variables()
    variables["standard"]["region"] = "edited in DSS"
    host.dataiku.api_client().get_project(applied).set_variables(variables)
    with pytest.raises(Exception, match="differs from configuration"):
        runpy.run_path(DRIFT_STEP, run_name="__main__")
    assert host.dataiku.scenario.VARIABLES["framework_drift_update"] == 1


@pytest.mark.emulator_only
def test_a_failed_write_then_apply_again_converges(engine, new_key, dss_backend):
    """Writes of the project's datasets fail from the second on: the apply fails part-way, and the
    next apply converges. The fault is on the objects' writes only: a failed write of the lock file
    itself leaves the project locked until the lock expires or `unlock` (the apply fault matrix,
    tests/python/apply/test_apply_faults.py, covers that path), which is not what this test is about."""
    key = new_key("FAULT")
    dss_backend.emulator.faults.configure({"fail_nth_write": 2, "fail_count": 10,
                                           "path_contains": "/projects/%s/datasets" % key})
    try:
        failed = not engine.apply(_config(key)).succeeded
    except Exception as e:  # noqa: BLE001 - a failed write may end the apply with an error or a failed Result
        failed = "Injected fault" in str(e)
    finally:
        dss_backend.emulator.faults.clear()
    assert failed
    assert engine.apply(_config(key)).succeeded
    assert actions(engine.plan(_config(key)).doc) == []
