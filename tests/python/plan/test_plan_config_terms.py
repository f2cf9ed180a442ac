"""Issue 14 §11: the plan speaks the configuration's language: paths, values, and a delete's ``before``.

The three reproductions of the issue, made by apply and plan on the emulator, and the check that
the root conftest runs on every plan (``config_terms``), shown able to fail.
"""
import yaml

import config_terms
from dataiku_framework import Engine, FrameworkConfig

BASE = """
version: "1.0"
project: {key: TERMS, name: Terms}
datasets:
  - {name: a, type: Filesystem, managed: true, format_type: csv}
  - {name: b, type: Filesystem, managed: true, format_type: csv}
  - {name: s, type: SQL, connection: pg, table: T1}
  - {name: gone, type: Filesystem, managed: true, format_type: csv, description: to drop, tags: [x]}
  - {name: out, type: Filesystem, managed: true, format_type: csv}
recipes:
  - {name: r, type: python, inputs: [a, b], outputs: [out], code: "x = 1"}
  - {name: g, type: grouping, inputs: [a], outputs: [gone], keys: [k]}
"""


def _applied(dss):
    engine = Engine(client=dss)
    assert engine.apply(FrameworkConfig.from_yaml(BASE)).succeeded
    return engine


def _changes(plan, address):
    return [(c["path"], c["before"], c["after"]) for c in plan.doc["resource_changes"]
            if c["address"] == address for c in c["changes"]]


def _one_edit(dss, text: str, old: str, new: str, address: str):
    """Apply ``text``, plan it with ``old`` replaced by ``new``, check every plan path is in the
    configuration's terms, and give ``address``'s changes."""
    engine = Engine(client=dss)
    assert engine.apply(FrameworkConfig.from_yaml(text)).succeeded
    edited = text.replace(old, new)
    plan = engine.plan(FrameworkConfig.from_yaml(edited))
    assert config_terms.problems(plan.doc, yaml.safe_load(edited)) == []
    return _changes(plan, address)


def test_a_removed_input_a_table_and_a_delete_are_shown_in_config_terms(dss):
    engine = _applied(dss)
    edited = BASE.replace("inputs: [a, b]", "inputs: [a]").replace("table: T1", "table: T2")
    edited = edited[:edited.index("  - {name: gone")] + edited[edited.index("  - {name: out"):]
    edited = edited[:edited.index("  - {name: g,")]
    plan = engine.plan(FrameworkConfig.from_yaml(edited), allow_delete=True)
    assert _changes(plan, "recipe.r") == [("inputs", ["a", "b"], ["a"])]
    assert _changes(plan, "dataset.s") == [("table", "T1", "T2")]
    deleted = {e["address"]: e for e in plan.doc["resource_changes"] if e["action"] == "delete"}
    assert deleted["dataset.gone"]["before"] == {"type": "Filesystem", "managed": True, "format_type": "csv",
                                                 "description": "to drop", "tags": ["x"]}
    recipe = deleted["recipe.g"]["before"]
    assert {k: recipe[k] for k in ("type", "inputs", "outputs", "keys")} == {
        "type": "grouping", "inputs": ["a"], "outputs": ["gone"], "keys": ["k"]}
    assert config_terms.problems(plan.doc) == []


def test_the_check_finds_dss_terms():
    """Fed DSS-termed paths and values, the check names each; fed config terms, it finds nothing."""
    def doc(kind, action, changes, before=None, after=None):
        return {"resource_changes": [{"address": "%s.x" % kind, "kind": kind, "action": action,
                                      "changes": changes, "before": before, "after": after}]}
    dss_terms = [
        doc("scenario", "update", [{"path": "params.steps[0].runConditionType", "before": "A", "after": "B"}],
            after={"type": "step_based"}),
        doc("recipe", "update", [{"path": "inputs", "before": {"main": [{"ref": "a", "deps": []}]}, "after": ["a"]}]),
        doc("dataset", "update", [{"path": "params.table", "before": "T1", "after": "T2"}],
            after={"type": "PostgreSQL"}),
        doc("dataset", "update", [{"path": "schema", "before": [{"name": "c", "maxLength": 3}], "after": []}]),
        doc("dataset", "delete", [], before={"type": "Filesystem", "formatType": "csv"}),
        doc("scenario", "update", [{"path": "steps[1].run_condition", "before": ["RUN_ALWAYS", []], "after": "always"}]),
        doc("scenario", "update", [{"path": "steps[0].build_mode", "before": "RECURSIVE_BUILD", "after": "RECURSIVE"}]),
        doc("project", "update", [{"path": "git_commit_mode", "before": "AUTO", "after": "explicit"}]),
    ]
    written = {"datasets": [{"name": "x", "type": "PostgreSQL", "table": "T1"}],
               "scenarios": [{"name": "x", "steps": [{"type": "build"}]}]}
    for bad in dss_terms:
        assert config_terms.problems(bad, written), bad
    config = [
        doc("scenario", "update", [{"path": "steps[0].run_condition", "before": "always", "after": "if_previous_ok"}]),
        doc("recipe", "update", [{"path": "inputs", "before": ["a", {"ref": "b", "role": "x"}], "after": ["a"]}]),
        doc("dataset", "update", [{"path": "params.table", "before": "T1", "after": "T2"}], after={"type": "Filesystem"}),
        doc("dataset", "delete", [], before={"type": "Filesystem", "format_type": "csv", "params": {"anyKey": 1}}),
        doc("project", "update", [{"path": "settings.flowBuildSettings.x", "before": 1, "after": 2}]),
    ]
    for good in config:
        assert config_terms.problems(good) == [], good


RUNS = """
version: "1.0"
project: {key: RUNS, name: Runs}
external: [{name: OTHER.remote, kind: scenario}]
scenarios:
  - {name: first}
  - {name: second}
  - name: chain
    steps:
      - {type: run_scenario, scenario: OTHER.remote}
      - {type: run_scenario, scenario: first}
"""


def test_a_run_scenario_step_is_named_as_the_config_writes_it_beside_another_projects_one(dss):
    """The scenario form's project is this project, not the first one a step mentions: a step running
    another project's scenario ahead of a local one leaves both named as the configuration writes them
    (``OTHER.remote``, ``second``), never the local one prefixed nor the foreign one bare."""
    assert _one_edit(dss, RUNS, "scenario: first", "scenario: second", "scenario.chain") == \
        [("steps[1].scenario", "first", "second")]


RAW_ENV = """
version: "1.0"
project: {key: RAWENV, name: Raw env}
scenarios:
  - {name: raw, type: custom_python, code: "x = 1", params: {envSelection: {envMode: EXPLICIT_ENV, envName: e1}}}
"""


def test_a_scenario_code_env_set_raw_in_params_is_shown_at_its_own_path(dss):
    """``params.envSelection`` written raw is named as written, as a recipe's is; ``code_env`` only
    when the configuration writes ``code_env`` (a path it does not have cannot be read or ignored)."""
    assert _one_edit(dss, RAW_ENV, "envName: e1", "envName: e2", "scenario.raw") == \
        [("params.envSelection.envName", "e1", "e2")]


RAW_PARAMS = """
version: "1.0"
project: {key: RAWPARAMS, name: Raw params}
datasets:
  - {name: a, type: Filesystem, managed: true, format_type: csv}
  - {name: o, type: Filesystem, managed: true, format_type: csv}
managed_folders:
  - {name: f, params: {connection: filesystem_folders, notReadyIfEmpty: false}}
recipes:
  - {name: r, type: python, inputs: [a], outputs: [o], code: "x = 1", params: {engineType: DSS}}
"""


def test_a_dss_key_the_config_writes_raw_in_params_is_shown_at_its_raw_path(dss):
    """``params.engineType`` or ``params.notReadyIfEmpty`` written raw are named as written, not by a
    first-class key the configuration does not use (``engine``), whatever the kind: the rule is the
    shared ``Kind.config_path``'s, not one kind's special case."""
    from dataiku_framework.resources import registry
    assert _one_edit(dss, RAW_PARAMS, "engineType: DSS", "engineType: SQL", "recipe.r") == \
        [("params.engineType", "DSS", "SQL")]
    config = FrameworkConfig.from_yaml(RAW_PARAMS)
    folder = registry.get("managed_folder")
    assert folder.config_path(("params", "connection"), config.managed_folders[0]) == "params.connection"
    assert folder.config_path(("params", "connection"), None) == "connection"  # not set raw: the config's key


ALIASED = """
version: "1.0"
project: {key: ALIASED, name: Aliased}
datasets:
  - {name: raw, type: SQL, connection: snowflake_prod, params: {schema: RAW, table: CUSTOMERS}}
  - {name: lifted, type: SQL, connection: snowflake_prod, sql_schema: RAW, table: CUSTOMERS}
"""


def test_a_dss_key_written_raw_in_a_datasets_params_is_shown_as_written(dss):
    """``params: {schema: RAW}`` is shown as ``params.schema`` (what ``ignore_changes`` names), not by
    the first-class key the model lifts it to (``sql_schema``); written ``sql_schema:``, it stays
    ``sql_schema``. The file's ``type: SQL`` (the connection's type, Snowflake) makes no diff."""
    assert _one_edit(dss, ALIASED, "schema: RAW,", "schema: RAW2,", "dataset.raw") == \
        [("params.schema", "RAW", "RAW2")]
    edited = ALIASED.replace("sql_schema: RAW", "sql_schema: RAW2").replace("table: CUSTOMERS}", "table: C2}")
    plan = Engine(client=dss).plan(FrameworkConfig.from_yaml(edited))
    assert _changes(plan, "dataset.raw") == [("params.table", "CUSTOMERS", "C2")]
    assert _changes(plan, "dataset.lifted") == [("sql_schema", "RAW", "RAW2"), ("table", "CUSTOMERS", "C2")]
    assert config_terms.problems(plan.doc, yaml.safe_load(edited)) == []


def test_a_create_shows_the_type_alias_and_the_params_as_the_file_writes_them(dss):
    """A create lists what the file sets as it writes it: ``type: SQL`` (not the connection's type it
    resolves to, Snowflake) and ``params.schema`` / ``params.table`` written raw."""
    plan = Engine(client=dss).plan(FrameworkConfig.from_yaml(ALIASED))
    assert config_terms.problems(plan.doc, yaml.safe_load(ALIASED)) == []
    assert _changes(plan, "dataset.raw") == [("type", None, "SQL"), ("connection", None, "snowflake_prod"),
                                             ("params", None, {"schema": "RAW", "table": "CUSTOMERS"})]
    assert _changes(plan, "dataset.lifted")[2:] == [("sql_schema", None, "RAW"), ("table", None, "CUSTOMERS")]
    created = {e["address"]: e for e in plan.doc["resource_changes"]}["dataset.raw"]
    assert created["after"]["type"] == "Snowflake"  # the DSS JSON apply sends and the state records


def test_the_check_finds_another_spelling_than_the_files():
    """Given the file's document, the check names a lifted key the file writes raw, a raw key the file
    writes first-class, and a type shown resolved where the file writes the alias."""
    written = yaml.safe_load(ALIASED)

    def doc(name, path, before, after):
        return {"resource_changes": [{"address": "dataset.%s" % name, "kind": "dataset", "name": name,
                                      "action": "update", "after": {"type": "Snowflake"},
                                      "changes": [{"path": path, "before": before, "after": after}]}]}
    assert config_terms.problems(doc("raw", "sql_schema", "RAW", "RAW2"), written)
    assert config_terms.problems(doc("lifted", "params.schema", "RAW", "RAW2"), written)
    assert config_terms.problems(doc("raw", "type", None, "Snowflake"), written)
    assert config_terms.problems(doc("raw", "params.schema", "RAW", "RAW2"), written) == []
    assert config_terms.problems(doc("lifted", "sql_schema", "RAW", "RAW2"), written) == []
    assert config_terms.problems(doc("raw", "type", None, "SQL"), written) == []
    assert config_terms.problems(doc("raw", "sql_schema", "RAW", "RAW2")) == []  # no file: not checked


RAW_SETTINGS = """
version: "1.0"
project: {key: RAWSET, name: Raw settings, settings: {gitCommitMode: AUTO, disableAutomaticTriggers: false}}
"""


def test_a_projects_setting_written_raw_is_shown_as_written(dss):
    """The project's ``settings: {gitCommitMode: AUTO}`` is named ``settings.gitCommitMode`` with the
    file's values, not ``git_commit_mode: auto``: the raw-key rule holds for the project's own raw
    mapping (``settings``) as for the others' ``params``."""
    edited = RAW_SETTINGS.replace("AUTO", "EXPLICIT").replace("false", "true")
    assert sorted(_one_edit(dss, RAW_SETTINGS, RAW_SETTINGS, edited, "project")) == [
        ("settings.disableAutomaticTriggers", False, True), ("settings.gitCommitMode", "AUTO", "EXPLICIT")]


def test_an_environment_giving_the_other_spelling_is_shown_in_its_spelling(dss):
    """An overlay writing ``params: {schema: X}`` over a base ``sql_schema:`` (or ``sql_schema:`` over a
    base ``params.schema``) replaces the value and the spelling: the plan names each as the overlay does."""
    overlays = ALIASED + """environments:
  prod:
    datasets:
      lifted: {params: {schema: PROD}}
      raw: {sql_schema: PROD}
"""
    engine = Engine(client=dss)
    assert engine.apply(FrameworkConfig.from_yaml(overlays)).succeeded
    config = FrameworkConfig.from_yaml(overlays, env="prod")
    plan = engine.plan(config)
    assert _changes(plan, "dataset.lifted") == [("params.schema", "RAW", "PROD")]
    assert _changes(plan, "dataset.raw") == [("sql_schema", "RAW", "PROD")]
    assert config_terms.problems(plan.doc, config_terms.written_doc(config)) == []
