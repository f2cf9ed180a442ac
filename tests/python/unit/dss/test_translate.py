"""Config objects -> DSS definitions, checked against the shapes DSS stores: the client's own
add_*_trigger helpers for temporal triggers, the REST reference's addendum for event triggers and steps."""
from dataiku_framework import FrameworkConfig
from dataiku_framework.dss import translate
from dataiku_framework.resources import dataset, project
from dataiku_framework.resources.scenario import steps, triggers


def _config(body):
    return FrameworkConfig.from_yaml('version: "1.0"\nproject: {key: P, name: P}\n' + body).resolved()


def test_temporal_triggers_match_dss_helpers():
    cfg = _config("""
scenarios:
  - name: s
    triggers:
      - {type: temporal, frequency: hourly, minute: 15}
      - {type: temporal, frequency: daily, hour: 2, minute: 0}
      - {type: temporal, frequency: weekly, hour: 6, minute: 30, day_of_week: [Monday, Friday]}
      - {type: temporal, frequency: monthly, hour: 1, minute: 0, day_of_month: 3}
      - {type: manual}
    steps: [{type: set_project_vars, variables: {a: 1}}]
""")
    defs = [triggers.trigger_definition(t) for t in cfg.scenarios[0].triggers]
    hourly, daily, weekly, monthly, manual = defs
    # what the client's add_hourly_trigger / add_monthly_trigger write (hour 0; the day in startingFrom)
    assert hourly["params"] == {"frequency": "Hourly", "hour": 0, "minute": 15, "repeatFrequency": 1,
                                "timezone": "SERVER"}
    assert daily["params"]["frequency"] == "Daily" and (daily["params"]["hour"], daily["params"]["minute"]) == (2, 0)
    assert weekly["params"]["daysOfWeek"] == ["Monday", "Friday"]
    assert monthly["params"]["monthlyRunOn"] == "ON_THE_DAY"
    assert monthly["params"]["startingFrom"] == "2024-01-03T00:00:00.000+0000"
    assert "dayOfMonth" not in monthly["params"]
    assert manual is None
    assert all(d["active"] is True and d["type"] == "temporal" for d in defs[:4])


def test_event_triggers():
    cfg = _config("""
datasets: [{name: A, type: Filesystem, connection: c, path: /a}]
scenarios:
  - name: s
    triggers:
      - {type: dataset, dataset: A, grace_delay: 60}
      - {type: sql, connection: c, sql: "select 1", check_every: 900}
    steps: [{type: build_flowitem, items: [A]}]
""")
    ds, sql = [triggers.trigger_definition(t) for t in cfg.scenarios[0].triggers]
    # the shapes DSS stores (REST reference, addendum on scenario triggers)
    assert ds["type"] == "ds_modified"
    assert ds["params"] == {"watches": [{"type": "DATASET", "itemId": "A", "partitionsSpec": ""}],
                            "triggerWhenAllFire": False}
    assert ds["graceDelaySettings"] == {"delay": 60, "checkAgainAfterGraceDelay": True}
    assert sql["type"] == "sql_query"
    assert sql["params"] == {"connection": "c", "query": "select 1"}
    assert sql["delay"] == 900 and "checkEvery" not in sql["params"]


def test_steps_use_dss_job_types_and_folder_ids():
    cfg = _config("""
datasets: [{name: A, type: Filesystem, connection: c, path: /a}]
managed_folders: [{name: reports, connection: filesystem_folders}]
external: [{name: OTHER.NIGHTLY, kind: scenario}]
scenarios:
  - name: s
    steps:
      - {type: build_flowitem, items: [A, reports], build_mode: NON_RECURSIVE}
      - {type: exec_sql, connection: c, sql: "vacuum", run_condition: always}
      - {type: run_scenario, scenario: OTHER.NIGHTLY}
""")
    build, sql, run = [steps.step_definition(s, "P", {"reports": "AbCd1234"}) for s in cfg.scenarios[0].steps]
    assert build["params"]["jobType"] == "NON_RECURSIVE_FORCED_BUILD"
    assert build["params"]["builds"] == [{"type": "DATASET", "projectKey": "P", "itemId": "A"},
                                         {"type": "MANAGED_FOLDER", "projectKey": "P", "itemId": "AbCd1234"}]
    assert build["runConditionType"] == "RUN_IF_STATUS_MATCH" and build["runConditionStatuses"] == ["SUCCESS", "WARNING"]
    assert sql["runConditionType"] == "RUN_ALWAYS" and sql["params"] == {"connection": "c", "sql": "vacuum"}
    assert run["params"] == {"projectKey": "OTHER", "scenarioId": "NIGHTLY"}


def test_dataset_params_follow_the_schema_mapping():
    cfg = _config("""
datasets:
  - {name: Q, type: PostgreSQL, connection: pg, query: "select 1"}
  - {name: S, type: S3, connection: s3, bucket: lake, path: /x, format_type: parquet}
  - {name: M, type: Filesystem, connection: filesystem_managed, managed: true, schema: [{name: id, type: bigint}]}
""")
    q, s, m = [dataset.dataset_definition(d, "P") for d in cfg.datasets]
    assert q["params"] == {"connection": "pg", "query": "select 1", "mode": "query"}
    assert s["params"] == {"connection": "s3", "bucket": "lake", "path": "/x"} and s["formatType"] == "parquet"
    assert m["params"]["path"] == "${projectKey}/M" and m["managed"] is True
    assert m["schema"] == {"columns": [{"name": "id", "type": "bigint"}], "userModified": True}


def test_permission_levels_are_cumulative():
    cfg = FrameworkConfig.from_yaml('version: "1.0"\nproject:\n  key: P\n  name: P\n  permissions:\n'
                                    '    - {group: r, level: read}\n    - {group: w, level: write}\n'
                                    '    - {user: u, level: admin}\n    - {group: x, level: read, extra: [exportDatasetsData]}\n')
    r, w, a, x = [project.permission_entry(p) for p in cfg.project.permissions]
    assert r["readProjectContent"] and "writeProjectContent" not in r
    assert w["writeProjectContent"] and w["runScenarios"] and "admin" not in w
    assert "exportDatasetsData" not in w and "writeDashboards" not in w  # write is what the README says, no more
    assert a["admin"] and a["user"] == "u"
    assert x["exportDatasetsData"] and not x.get("writeProjectContent")


def test_readable_visual_settings_become_the_payload():
    cfg = _config("""
datasets:
  - {name: A, type: Filesystem, connection: c, path: /a}
  - {name: B, type: Filesystem, connection: filesystem_managed, managed: true}
  - {name: C, type: Filesystem, connection: filesystem_managed, managed: true}
recipes:
  - {name: g, type: grouping, inputs: [A], outputs: [B], keys: [k], global_count: true}
  - {name: p, type: python, inputs: [A], outputs: [C], code: "x = 1"}
""")
    g, p = cfg.recipes
    assert translate.recipe_payload(g) == {"keys": [{"column": "k"}], "globalCount": True}
    assert translate.recipe_payload(p) == "x = 1"
