"""Helpers of the import tests (importable as ``import_support``): the cases, one shared pair of
emulators (the source projects, and the instance the imports are applied to), and the round trip
of one case computed once and shared by the tests of the four guarantees."""
import json
import os
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "plan"))

from emusupport import ROOT, export_dirs  # noqa: E402
from plan_support import (EXAMPLE_FILES, bootstrap, client_of, examples_emulator, load_example,  # noqa: E402
                          without_state)

from dataiku_framework import Engine, FrameworkConfig  # noqa: E402
from dataiku_framework.importer import import_project, render, write  # noqa: E402

FIXTURES = [os.path.join(folder, "project_config") for folder in export_dirs()]  # the repository's, and the shared extras
FIXTURE_KEYS = {"FX_%d" % i: os.path.dirname(path) for i, path in enumerate(FIXTURES)}

#: a project with every resource kind and the project-level settings the language has
ALL_KINDS = """
version: "1.0"
project:
  key: ALL_KINDS
  name: Every kind
  description: Built by the import tests
  short_desc: all kinds
  tags: [imported, test]
  git_commit_mode: explicit
  disable_automatic_triggers: true
  settings: {flowAnchorSourcesAndSinks: false}
  permissions:
    - {group: data_team, level: write}
    - {user: analyst, level: read, extra: [exportDatasetsData]}
  variables:
    standard: {region: emea, threshold: 3}
    local: {debug: "true"}
zones:
  - {name: ingest, color: "#ff0000"}
  - {name: serve}
managed_folders:
  - {name: landing, description: raw files, tags: [raw], zone: ingest, path: /landing}
  - {name: reports, connection: filesystem_folders, zone: serve}
datasets:
  - name: raw_events
    type: Filesystem
    connection: filesystem_root
    path: /data/events
    format_type: csv
    format_params: {separator: ";"}
    zone: ingest
    description: events as they arrive
    tags: [raw]
    schema:
      - {name: id, type: bigint, comment: key}
      - {name: day, type: date}
      - {name: label, type: string, max_length: 120, meaning: Text}
    partitioning:
      dimensions: [{name: day, type: time, period: DAY}]
      file_path_pattern: "%Y/%M/%D/.*"
  - {name: customers, type: PostgreSQL, connection: pg_main, sql_schema: crm, table: customers}
  - {name: big_orders, type: PostgreSQL, connection: pg_main, query: "SELECT * FROM orders WHERE amount > 100"}
  - {name: lake, type: S3, connection: s3_lake, bucket: lake-bucket, path: /events, format_type: parquet}
  - {name: events_clean, type: Filesystem, managed: true, format_type: csv, zone: serve}
  - {name: events_by_day, type: Filesystem, managed: true, format_type: parquet, short_desc: daily}
  - {name: events_sample, type: Filesystem, managed: true, format_type: csv}
recipes:
  - name: clean_events
    type: python
    inputs: [raw_events, {ref: landing, role: main}]
    outputs: [events_clean]
    code_env: py39_pandas
    code: |
      import dataiku
      # clean the events
    zone: serve
    tags: [etl]
    description: cleans events
  - name: by_day
    type: grouping
    inputs: [events_clean]
    outputs: [{ref: events_by_day, append: true}]
    keys: [day]
    aggregations: [{column: id, functions: [count, count_distinct]}]
    engine: DSS
  - name: sample_events
    type: sampling
    inputs: [events_clean]
    outputs: [events_sample]
    method: random_ratio
    ratio: 0.1
    seed: 7
scenarios:
  - name: nightly
    description: rebuild every night
    tags: [prod]
    run_as: analyst
    triggers:
      - {type: temporal, frequency: daily, hour: 3, minute: 15, timezone: Europe/Paris}
      - {type: dataset, dataset: [raw_events, customers], check_every: 120}
      - {type: manual}
    steps:
      - {type: build_flowitem, items: [events_by_day, {ref: reports}], build_mode: RECURSIVE_MISSING_ONLY,
         name: Build all}
      - {type: exec_sql, connection: pg_main, sql: VACUUM, max_retries: 2, run_condition: if_previous_failed}
      - {type: run_scenario, scenario: python_job}
    reporters:
      - {type: mail, active: true, phase: END, messaging: {channelId: mail}}
  - name: python_job
    type: custom_python
    active: false
    code_env: py39_pandas
    code: |
      from dataiku.scenario import Scenario
      Scenario().build_dataset("events_sample")
"""
#: readable keys (or roles) per recipe type of ``ALL_RECIPES``; every other known type gets plain I/O
RECIPE_EXTRAS = {
    "grouping": "    keys: [id]\n    aggregations: [{column: v, functions: [sum, max]}]\n    global_count: true\n",
    "join": "    join_type: inner\n    on: [{left: id, right: id}]\n",
    "fuzzyjoin": "    join_type: left\n    on: [{left: name, right: name}]\n",
    "prepare": "    steps:\n      - {type: ColumnRenamer, params: {renamings: [{from: v, to: value}]}}\n"
               "      - {type: FilterOnValue, params: {column: id, values: ['1']}, disabled: true, name: keep one}\n",
    "split": "    mode: RANDOM\n    ratio: 0.7\n    seed: 42\n",
    "vstack": "    mode: UNION\n    add_origin_column: true\n",
    "window": "    partition_by: [id]\n    order_by: [{column: v, desc: true}]\n    aggregations: [{column: v, functions: [avg]}]\n",
    "distinct": "    keys: [id]\n",
    "sort": "    order_by: [id, {column: v, desc: true}]\n",
    "topn": "    top: 5\n    partition_by: [id]\n    order_by: [v]\n",
    "pivot": "    pivot_column: kind\n    keys: [id]\n    aggregations: [{column: v, functions: [sum]}]\n",
    "sampling": "    method: random_count\n    max_records: 100\n    seed: 3\n",
    "sync": "    engine: DSS\n",
}
TWO_INPUTS = ("join", "fuzzyjoin", "geojoin", "vstack", "generate_features")
FOLDER_IO = {"merge_folder": ("files_in", "files_out"), "download": (None, "files_dl"), "export": ("src", "files_exp")}
ML_IO = {"prediction_training": ("[src]", "[SM_PRED]"),
         "prediction_scoring": ("[{ref: SM_PRED, role: model}, src]", "[out_prediction_scoring]"),
         "clustering_training": ("[src]", "[SM_CLUS]"),
         "clustering_scoring": ("[{ref: SM_CLUS, role: model}, src]", "[out_clustering_scoring]"),
         "evaluation": ("[{ref: SM_PRED, role: model}, src]",
                        "[out_evaluation, {ref: MES_EVAL, role: evaluationStore}]"),
         "standalone_evaluation": ("[src]", "[{ref: MES_SA, role: evaluationStore}]")}


def all_recipes():
    """A project with one recipe of every type the language knows (readable keys where it has them)."""
    from dataiku_framework.config.schema_check import load_schema
    known = load_schema()["$defs"]["Recipe"]["properties"]["type"]["x-known-values"]
    lines = ['version: "1.0"', "project: {key: ALL_RECIPES}", "managed_folders:"]
    lines += ["  - {name: %s}" % f for f in ("files_in", "files_out", "files_dl", "files_exp")]
    lines += ["datasets:", "  - {name: src, type: Filesystem, connection: filesystem_root, path: /src, format_type: csv}",
              "  - {name: src2, type: Filesystem, connection: filesystem_root, path: /src2, format_type: csv}"]
    outputs = []
    for rtype in known:
        if rtype in FOLDER_IO or rtype in ("prediction_training", "clustering_training", "standalone_evaluation"):
            continue
        outputs.append("out_%s" % rtype)
        if rtype == "split":
            outputs.append("out_split_rest")
    lines += ["  - {name: %s, type: Filesystem, managed: true, format_type: csv}" % o for o in outputs]
    lines.append("recipes:")
    for rtype in known:
        lines += ["  - name: r_%s" % rtype, "    type: %s" % rtype]
        if rtype in ML_IO:
            lines += ["    inputs: %s" % ML_IO[rtype][0], "    outputs: %s" % ML_IO[rtype][1]]
        elif rtype in FOLDER_IO:
            source, target = FOLDER_IO[rtype]
            if source:
                lines.append("    inputs: [%s]" % source)
            lines.append("    outputs: [%s]" % target)
        else:
            lines.append("    inputs: [src, src2]" if rtype in TWO_INPUTS else "    inputs: [src]")
            lines.append("    outputs: [out_split, out_split_rest]" if rtype == "split" else
                         "    outputs: [out_%s]" % rtype)
        if rtype in ("python", "r", "sql_query", "sql_script", "shell", "pyspark", "spark_scala", "sparkr",
                     "spark_sql_query", "hive", "impala"):
            lines.append("    code: \"-- %s recipe\\n\"" % rtype)
        if rtype in RECIPE_EXTRAS:
            lines.append(RECIPE_EXTRAS[rtype].rstrip("\n"))
    lines += ["external:"] + ["  - {name: %s, kind: %s}" % (n, k) for n, k in (
        ("SM_PRED", "saved_model"), ("SM_CLUS", "saved_model"), ("MES_EVAL", "model_evaluation_store"),
        ("MES_SA", "model_evaluation_store"))]
    return "\n".join(lines) + "\n"


BUILT = {"ALL_KINDS": ALL_KINDS, "ALL_RECIPES": all_recipes()}


def cases():
    """(id, project key) of every round-trip case: shared fixture exports, examples, built projects."""
    out = [(os.path.basename(path), key) for key, path in FIXTURE_KEYS.items()]
    out += [(name, load_example(name).project.key) for name in EXAMPLE_FILES]
    out += [(key.lower(), key) for key in BUILT]
    return out


class World(object):
    """The source instance (fixtures seeded, examples and built projects created) and the target."""

    def __init__(self):
        self.source = examples_emulator(seed_exports=FIXTURE_KEYS)
        self.target = examples_emulator()
        self.src, self.dst = client_of(self.source), client_of(self.target)
        # the source projects are built by apply, then freed of the tool's files: projects made in DSS,
        # which an import meets (the export of an applied one: issue 14 §13, not these round trips)
        for config in [load_example(name) for name in EXAMPLE_FILES] + [FrameworkConfig.from_yaml(text)
                                                                          for text in BUILT.values()]:
            bootstrap(self.src, config)
            without_state(self.src, config.project.key)
        for login in {p.params.get("owner") for p in self.source.instance.projects.values()}:
            if login and login not in self.target.instance.users:
                self.target.add_api_key("owner-key-%s" % abs(hash(login)), login)
        self.trips = {}
        self.tmp = tempfile.TemporaryDirectory(prefix="import-tests-")

    def stop(self):
        self.source.stop()
        self.target.stop()
        self.tmp.cleanup()

    def trip(self, key):
        """The round trip of ``key``, computed once."""
        if key not in self.trips:
            self.trips[key] = RoundTrip(self, key)
        return self.trips[key]


class RoundTrip(object):
    """Import ``key`` from the source, write it, load the files, plan against the source, apply to
    the (empty) target, plan there, import the copy."""

    def __init__(self, world, key):
        self.key = key
        self.imported = import_project(world.src, key)
        self.dir = os.path.join(world.tmp.name, key)
        self.written = write(self.imported, self.dir)
        self.config = FrameworkConfig.from_yaml(self.written[0])
        self.plan_source = Engine(client=world.src).plan(self.config)
        self.applied = Engine(client=world.dst).apply(self.config)
        self.plan_target = Engine(client=world.dst).plan(self.config)
        self.copy = import_project(world.dst, key)


def managed_fields(plan):
    """Every resource's canonical live form (the fields the configuration manages), without the ids
    DSS gives triggers (each instance its own)."""
    out = {}
    for rc in plan.resource_changes:
        before = json.loads(json.dumps(rc.before))
        for trigger in (before or {}).get("triggers") or []:
            trigger.pop("id", None)
        out[rc.address] = before
    return out


def body(text):
    """A rendered main file without its leading comment block (the left-out list)."""
    lines = text.splitlines(True)
    while lines and lines[0].startswith("#"):
        lines.pop(0)
    return "".join(lines)


def changed(plan):
    return [(rc.address, rc.action, rc.changes) for rc in plan.resource_changes if rc.action != "no-op"]


__all__ = ["BUILT", "FIXTURES", "FIXTURE_KEYS", "ROOT", "World", "body", "cases", "changed", "managed_fields",
           "render"]
