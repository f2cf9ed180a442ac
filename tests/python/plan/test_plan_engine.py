"""The Engine facade, the plan document and its object, the dependency graph, refresh and retries."""
import json
import subprocess
import sys

import pytest

from emusupport import ADMIN_KEY, ROOT
from plan_support import assert_valid, bootstrap, load_example, not_noop, only_change, plan

from dataiku_framework import Engine, FrameworkConfig, Plan
from dataiku_framework.dss.failures import DSSAuthRefused, DSSUnreachable
from dataiku_framework.plan.document import PlanFormatError
from dataiku_framework.plan.graph import DependencyCycleError, execution_groups, with_producers
from dataiku_framework.plan.retry import TransientHTTPError, with_retry


def generated(n_datasets, n_recipes, n_scenarios, key="BIG"):
    """A project of n datasets (the first n_recipes written by one Python recipe each) and scenarios."""
    datasets = [{"name": "D%d" % i, "type": "Filesystem", "connection": "filesystem_managed", "managed": True,
                 "format_type": "csv", "tags": ["t%d" % (i % 3)]} for i in range(n_datasets)]
    recipes = [{"name": "r%d" % i, "type": "python", "inputs": ["D%d" % (n_datasets - 1)], "outputs": ["D%d" % i],
                "code": "# recipe %d\n" % i} for i in range(n_recipes)]
    scenarios = [{"name": "s%d" % i, "triggers": [{"type": "temporal", "frequency": "daily", "hour": i % 24}],
                  "steps": [{"type": "build_flowitem", "items": ["D%d" % i]}]} for i in range(n_scenarios)]
    return FrameworkConfig.from_dict({"version": "1.0", "project": {"key": key}, "datasets": datasets,
                                      "recipes": recipes, "scenarios": scenarios})


def test_request_count_is_at_most_recipes_plus_scenarios_plus_15(emu, dss):
    config = generated(60, 40, 20)
    bootstrap(dss, config)
    dss.get_project("BIG").create_dataset("NOT_IN_CONFIG", "Filesystem",
                                          params={"connection": "filesystem_managed", "path": "x"}, formatType="csv")
    emu.stats.reset()
    result = plan(dss, config)
    stats = emu.stats.snapshot(with_log=False)
    assert not result.has_changes and stats["writes"] == 0
    assert stats["requests"] <= 40 + 20 + 15, stats["by_route"]
    per_dataset = [route for route in stats["by_route"] if route.startswith("GET /projects/{projectKey}/datasets/{")]
    assert per_dataset == []  # datasets come from the list call only
    assert result.doc["unmanaged"] == [{"address": "dataset.NOT_IN_CONFIG", "kind": "dataset",
                                        "name": "NOT_IN_CONFIG"}]


def test_plan_is_the_same_whatever_the_parallelism_and_pool_is_shared(dss):
    config = generated(12, 6, 4, key="PAR")
    bootstrap(dss, config)
    config.find("datasets", "D3").description = "changed"
    one = Engine(client=dss, parallelism=1).plan(config).doc
    many = Engine(client=dss, parallelism=6).plan(config).doc
    for doc in (one, many):
        doc["metadata"].pop("created_at")
    assert one == many
    adapter = dss._session.get_adapter("http://")
    assert adapter._pool_maxsize >= 6


def test_transient_read_failures_are_retried(emu, dss):
    config = load_example("customer_analytics.yaml")
    bootstrap(dss, config)
    emu.faults.configure({"drop_nth_request": 4})  # one connection reset in the middle of the refresh
    result = plan(dss, config)
    assert not result.has_changes
    assert any(entry.get("fault") == "drop" for entry in emu.stats.snapshot()["log"])


def test_with_retry_retries_transient_errors_only():
    calls, sleeps = [], []

    def flaky():
        calls.append(1)
        if len(calls) < 3:
            raise TransientHTTPError(503, "/x")
        return "ok"
    assert with_retry(flaky, attempts=4, sleep=sleeps.append) == "ok"
    assert len(calls) == 3 and len(sleeps) == 2 and all(0 <= s <= 5 for s in sleeps)
    with pytest.raises(TransientHTTPError):
        with_retry(lambda: (_ for _ in ()).throw(TransientHTTPError(502, "/y")), attempts=3, sleep=lambda s: None)
    bad = []
    with pytest.raises(KeyError):
        with_retry(lambda: bad.append(1) or {}["missing"], attempts=5, sleep=lambda s: None)
    assert len(bad) == 1  # a real error is not retried


def test_engine_faces(emu, dss):
    config = load_example("customer_analytics.yaml")
    bootstrap(dss, config)
    docs = [Engine(emu.url, ADMIN_KEY).plan(config).doc, Engine(host=emu.url, api_key=ADMIN_KEY).plan(config).doc,
            Engine(client=dss).drift(config).doc]
    assert all(not [e for e in d["resource_changes"] if e["action"] != "no-op"] for d in docs)
    assert docs[0]["metadata"]["created_by"] == "admin" and docs[0]["metadata"]["dss_url"] == emu.url
    with pytest.raises(DSSAuthRefused):
        Engine(emu.url, "not-a-key").plan(config)
    with pytest.raises(DSSUnreachable):
        Engine("http://127.0.0.1:9", "k").plan(config)


def test_targets_keep_the_target_and_what_it_depends_on(dss):
    config = load_example("customer_analytics.yaml")
    bootstrap(dss, config)
    result = plan(dss, config, targets=["recipe.clean_customers"])
    assert [rc.address for rc in result.resource_changes] == ["dataset.CLEAN_CUSTOMERS", "dataset.RAW_CUSTOMERS",
                                                              "recipe.clean_customers"]
    assert result.doc["metadata"]["targets"] == ["recipe.clean_customers"]
    with pytest.raises(ValueError) as err:
        plan(dss, config, targets=["recipe.nope"])
    assert "recipe.nope" in str(err.value)


def test_document_order_groups_and_dependencies(dss):
    config = load_example("recipes-gallery/passthrough_recipes.yaml")
    bootstrap(dss, config)
    doc = plan(dss, config).doc
    rank = {a: i for i, group in enumerate(doc["execution_groups"]) for a in group}
    addresses = [e["address"] for e in doc["resource_changes"]]
    # the project first (issue 14 §13: everything lives in it), then by execution group and address
    assert addresses == sorted(addresses, key=lambda a: (a != "project", rank[a], a)) and addresses[0] == "project"
    for entry in doc["resource_changes"]:
        for dep in entry["depends_on"]:
            assert rank[dep] < rank[entry["address"]], (entry["address"], dep)
    recipes = [e for e in doc["resource_changes"] if e["kind"] == "recipe"]
    assert recipes and all(any(d.startswith(("dataset.", "managed_folder.")) for d in e["depends_on"]) for e in recipes)
    zoned = [e for e in doc["resource_changes"] if any(d.startswith("zone.") for d in e["depends_on"])]
    assert zoned, "the gallery places objects in zones"


def test_scenarios_come_after_the_recipes_that_build_their_outputs(dss):
    config = load_example("customer_analytics.yaml")
    bootstrap(dss, config)
    groups = plan(dss, config).doc["execution_groups"]
    rank = {a: i for i, group in enumerate(groups) for a in group}
    assert rank["dataset.RAW_CUSTOMERS"] < rank["recipe.clean_customers"] < rank["scenario.daily_refresh"]


def test_a_cycle_is_an_error_naming_it():
    deps = with_producers({"recipe.a": ["dataset.X", "dataset.Y"], "recipe.b": ["dataset.Y", "dataset.X"],
                           "dataset.X": [], "dataset.Y": []},
                          {"recipe.a": ["dataset.Y"], "recipe.b": ["dataset.X"]})
    with pytest.raises(DependencyCycleError) as err:
        execution_groups(deps)
    assert err.value.cycle in (["recipe.a", "recipe.b", "recipe.a"], ["recipe.b", "recipe.a", "recipe.b"])
    assert "recipe.a -> recipe.b" in str(err.value) or "recipe.b -> recipe.a" in str(err.value)
    assert execution_groups({"a": [], "b": ["a"], "c": ["b", "a"], "d": ["outside"]}) == [["a", "d"], ["b"], ["c"]]


def test_plan_object_round_trip_and_version_rule(dss):
    config = load_example("customer_analytics.yaml")
    bootstrap(dss, config)
    config.find("scenarios", "daily_refresh").triggers[0].hour = 3
    result = plan(dss, config)
    again = Plan.from_json(result.to_json())
    assert again.doc == result.doc and again.has_changes and again.summary["update"] == 1
    rc = only_change(again)
    assert (rc.kind, rc.name, rc.reason) == ("scenario", "daily_refresh", "1 field differs")
    minor = dict(result.doc, format_version="1.7", added_later={"x": 1})
    assert Plan.from_json(json.dumps(minor)).has_changes  # minor versions only add: still readable
    with pytest.raises(PlanFormatError) as err:
        Plan.from_json(json.dumps(dict(result.doc, format_version="2.0")))
    assert "format_version 2.0" in str(err.value)
    with pytest.raises(PlanFormatError):
        Plan.from_json("[1, 2]")
    for view in (again.to_text(), again.to_markdown(), again.to_html()):
        assert "daily_refresh" in view


def test_schema_rejects_a_malformed_document(dss):
    config = load_example("simple_project.yaml")
    bootstrap(dss, config)
    doc = plan(dss, config).doc
    broken = dict(doc, resource_changes=[dict(doc["resource_changes"][0], action="explode")])
    with pytest.raises(AssertionError):
        assert_valid(broken)
    assert not_noop(Plan(doc)) == []


def test_importing_the_package_does_not_import_dataikuapi():
    code = ("import sys, dataiku_framework as d; assert 'dataikuapi' not in sys.modules; d.Plan; "
            "assert 'dataikuapi' not in sys.modules; print(d.Engine.__name__)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         universal_newlines=True, env={"PYTHONPATH": ROOT + "/python-lib"})
    assert out.returncode == 0 and out.stdout.strip() == "Engine", out.stdout


def test_environment_overlay_chooses_the_project_planned(dss):
    text = """
version: "1.0"
project: {key: ENVP, description: base}
datasets:
  - {name: A, type: Filesystem, connection: filesystem_managed, path: /a}
environments:
  prod:
    project: {key: ENVP_PROD, description: production}
    datasets: {A: {path: /prod/a}}
"""
    prod = FrameworkConfig.from_yaml(text, env="prod")
    bootstrap(dss, prod)
    assert "ENVP_PROD" in dss.list_project_keys() and "ENVP" not in dss.list_project_keys()
    result = plan(dss, prod)
    assert not result.has_changes and result.doc["metadata"]["environment"] == "prod"
    assert result.doc["metadata"]["project_key"] == "ENVP_PROD"
    base = plan(dss, FrameworkConfig.from_yaml(text))
    assert base.summary["create"] == 2 and base.doc["metadata"]["project_key"] == "ENVP"


def test_a_project_an_ordinary_key_cannot_read_is_refused_not_planned_as_new(dss, analyst_client):
    config = load_example("customer_analytics.yaml")
    bootstrap(dss, config)
    with pytest.raises(Exception) as err:
        Engine(client=analyst_client).plan(config)
    assert "CUSTOMER_ANALYTICS" in str(err.value) and "not read" in str(err.value)
    missing = plan(dss, FrameworkConfig.from_yaml(
        'version: "1.0"\nproject: {key: NOT_YET}\n'))  # an administrator's key: missing means missing
    assert [(rc.address, rc.action) for rc in missing.resource_changes] == [("project", "create")]


def test_an_ordinary_key_resolves_the_connections_an_environment_overlay_names(dss, analyst_client):
    """Without the rights to list connections, the engine asks DSS for the type of each connection
    the config uses: those of the environment overlay, not only the base file's."""
    text = """
version: "1.0"
project:
  key: ENVC
  permissions: [{group: data_team, level: write}]
datasets:
  - {name: RAW, type: SQL, connection: snowflake_dev, table: T}
environments:
  prod:
    connections: {snowflake_dev: pg_main}
"""
    prod = FrameworkConfig.from_yaml(text, env="prod")
    bootstrap(dss, prod)
    assert dss.get_project("ENVC").get_dataset("RAW").get_settings().get_raw()["type"] == "PostgreSQL"
    result = Engine(client=analyst_client).plan(prod)
    assert not result.has_changes, [(rc.address, rc.changes, rc.reason) for rc in not_noop(result)]
