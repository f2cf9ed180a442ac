"""Creating configured projects on DSS (the emulator) as users do, by ``Engine.apply`` (the one creation
path: issue 14 §10), then reading them back through dataikuapi."""
import os
import subprocess
import sys

import pytest
from dataikuapi.utils import DataikuException

from dataiku_framework import Engine, FrameworkConfig

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
EXAMPLES = os.path.join(ROOT, "examples")


@pytest.fixture
def client(emulator, client):
    """An admin client on an instance that has what the examples name: connections, users, code envs."""
    for name, ctype in (("pg_main", "PostgreSQL"), ("snowflake_dev", "Snowflake"), ("s3_lake", "S3"),
                        ("s3_logs", "S3"), ("hdfs_managed", "HDFS")):
        emulator.add_connection(name, ctype)
    emulator.add_api_key("test-examples-owner-key", "analytics_admin")
    emulator.add_code_env("py39_pandas")
    for group in ("analysts", "data_engineers"):
        emulator.add_group(group)
    return client


def _applied(client, config):
    """Apply ``config`` (a new project): the ``Result``, after checking every resource succeeded."""
    result = Engine(client=client).apply(config)
    assert result.succeeded, [(r.address, r.status) for r in result.results]
    return result


def _bootstrap(client, name):
    config = FrameworkConfig.from_yaml(os.path.join(EXAMPLES, name))
    return config, _applied(client, config)


def _scenario_ids(project):
    """Scenario name -> id (DSS gives scenarios their ids)."""
    return {s["name"]: s["id"] for s in project.list_scenarios()}


def test_customer_analytics_objects_as_dss_stores_them(client):
    config, _ = _bootstrap(client, "customer_analytics.yaml")
    project = client.get_project("CUSTOMER_ANALYTICS")
    assert sorted(d["name"] for d in project.list_datasets()) == ["CLEAN_CUSTOMERS", "RAW_CUSTOMERS"]
    assert project.get_metadata()["tags"] == ["customers", "snowflake"]

    raw = project.get_dataset("RAW_CUSTOMERS").get_settings().get_raw()
    assert raw["type"] == "Snowflake"  # type: SQL resolved from the connection
    assert raw["params"]["connection"] == "snowflake_prod"
    assert (raw["params"]["mode"], raw["params"]["schema"], raw["params"]["table"]) == ("table", "RAW", "CUSTOMERS")

    clean = project.get_dataset("CLEAN_CUSTOMERS").get_settings().get_raw()
    assert clean["managed"] is True and clean["formatType"] == "parquet"
    assert clean["params"]["path"] == "${projectKey}/CLEAN_CUSTOMERS"

    recipe = project.get_recipe("clean_customers").get_settings()
    definition = recipe.get_recipe_raw_definition()
    assert definition["type"] == "python"
    assert [i["ref"] for i in definition["inputs"]["main"]["items"]] == ["RAW_CUSTOMERS"]
    assert [o["ref"] for o in definition["outputs"]["main"]["items"]] == ["CLEAN_CUSTOMERS"]
    assert recipe.get_payload() == config.find("recipes", "clean_customers").code

    [sid] = _scenario_ids(project).values()
    scenario = project.get_scenario(sid).get_settings()
    trigger = scenario.raw_triggers[0]
    assert trigger["type"] == "temporal"
    assert (trigger["params"]["frequency"], trigger["params"]["hour"], trigger["params"]["minute"]) == ("Daily", 2, 0)
    step = scenario.raw_steps[0]
    assert step["type"] == "build_flowitem"
    assert step["params"]["jobType"] == "RECURSIVE_BUILD"
    assert step["params"]["builds"] == [{"type": "DATASET", "projectKey": "CUSTOMER_ANALYTICS",
                                         "itemId": "CLEAN_CUSTOMERS"}]
    assert project.get_scenario(sid).run_and_wait().outcome == "SUCCESS"


EXAMPLE_FILES = sorted(os.path.relpath(os.path.join(d, f), EXAMPLES) for d, _, fs in os.walk(EXAMPLES) for f in fs
                       if f.endswith(".yaml") and "flow" not in os.path.relpath(d, EXAMPLES).split(os.sep))


@pytest.mark.parametrize("name", EXAMPLE_FILES)
def test_examples_bootstrap_with_every_object(client, name):
    config, _ = _bootstrap(client, name)
    project = client.get_project(config.project.key)
    assert sorted(d["name"] for d in project.list_datasets()) == sorted(d.name for d in config.datasets)
    assert sorted(r["name"] for r in project.list_recipes()) == sorted(r.name for r in config.recipes)
    assert len(project.list_scenarios()) == len(config.scenarios)
    for rc in config.resolved().recipes:
        if rc.code is not None:
            assert project.get_recipe(rc.name).get_settings().get_payload() == rc.code


def test_visual_recipe_settings_are_applied_without_warning(client):
    config, result = _bootstrap(client, "recipes-gallery/visual_recipes.yaml")
    assert [r for r in config.recipes if r.keys or r.aggregations or r.on], "the gallery has readable keys"
    assert not result.notes  # each key's value: test_visual_recipes.py


def test_permissions_and_variables_reach_dss(client):
    text = """
version: "1.0"
project:
  key: PERMS
  name: Permissions
  variables:
    standard: {env: dev}
    local: {owner_team: data}
  permissions:
    - group: data_team
      level: write
    - group: readers
      level: read
"""
    _applied(client, FrameworkConfig.from_yaml(text))
    project = client.get_project("PERMS")
    assert project.get_variables() == {"standard": {"env": "dev"}, "local": {"owner_team": "data"}}
    perms = {p.get("group"): p for p in project.get_permissions()["permissions"]}
    assert perms["data_team"]["writeProjectContent"] and not perms["data_team"]["admin"]
    assert perms["readers"]["readProjectContent"] and not perms["readers"]["writeProjectContent"]


def test_granted_rights_are_enforced_for_other_users(client, analyst, reader):
    test_permissions_and_variables_reach_dss(client)
    analyst.get_project("PERMS").set_variables({"standard": {"env": "test"}, "local": {}})
    with pytest.raises(DataikuException) as err:
        reader.get_project("PERMS").set_variables({"standard": {}, "local": {}})
    assert "forbidden" in str(err.value).lower()


def test_make_demo_runs_end_to_end():
    env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "python-lib"))
    done = subprocess.run([sys.executable, os.path.join(ROOT, "tools", "demo.py")], cwd=ROOT, env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True, timeout=300)
    assert done.returncode == 0, done.stdout
    assert "Configuration is valid" in done.stdout
    out = done.stdout
    assert "create recipe.clean_customers: succeeded" in out
    assert "Apply complete: 5 created, 0 updated, 0 replaced, 0 deleted." in out
    assert "; 0 unexpected error(s); " in out  # the existence checks' "not found" answers are expected
    assert "scenario DAILY_REFRESH    triggers=Daily 02:00 steps=1" in out
    # the one-field change is one update; the rollback restores the file's 02:00, which then plans clean
    assert "  [1/1] update scenario.daily_refresh: succeeded\nApply complete: 0 created, 1 updated" in out
    assert "Rollback complete: 0 created, 1 updated, 0 replaced, 0 deleted." in out
    assert out.rstrip().endswith("No changes. DSS matches the configuration.\n\n== Done")


def test_zones_scenario_references_and_append_outputs(client):
    text = """
version: "1.0"
project: {key: ZONED, name: Zoned}
zones: [{name: ingest, color: "#ff0000"}]
datasets:
  - {name: A, type: Filesystem, connection: filesystem_managed, path: /a, zone: ingest}
  - {name: B, type: Filesystem, connection: filesystem_managed, managed: true, zone: default}
managed_folders:
  - {name: reports, connection: filesystem_folders, zone: ingest}
recipes:
  - name: r
    type: python
    inputs: [A]
    outputs: [{ref: B, append: true}]
    code: "pass"
    zone: ingest
scenarios:
  - name: first
    steps: [{type: run_scenario, scenario: second}]
  - name: second
    steps: [{type: build_flowitem, items: [B, reports]}]
"""
    _applied(client, FrameworkConfig.from_yaml(text))
    project = client.get_project("ZONED")
    [zone] = [z for z in project.get_flow().list_zones() if z.name == "ingest"]
    [folder_id] = [f["id"] for f in project.list_managed_folders()]
    flow = project.get_flow()
    for handle in (project.get_dataset("A"), project.get_recipe("r"), project.get_managed_folder(folder_id)):
        assert flow.get_zone_of_object(handle).id == zone.id
    assert project.get_dataset("B").get_zone().id == "default"
    output = project.get_recipe("r").get_settings().get_recipe_raw_definition()["outputs"]["main"]["items"][0]
    assert output["ref"] == "B" and output["appendMode"] is True
    first_id, second_id = _scenario_ids(project)["first"], _scenario_ids(project)["second"]
    step = project.get_scenario(first_id).get_settings().raw_steps[0]
    assert step["params"] == {"projectKey": "ZONED", "scenarioId": second_id}
    build = project.get_scenario(second_id).get_settings().raw_steps[0]["params"]["builds"]
    assert [b["type"] for b in build] == ["DATASET", "MANAGED_FOLDER"]
    assert project.get_scenario(first_id).run_and_wait().outcome == "SUCCESS"
