"""Python API: the seed's usage patterns, round trips, validation on demand and on save, resolution."""

import glob
import os

import pytest

from dataiku_framework import DatasetConfig, FrameworkConfig, ProjectConfig
from dataiku_framework.config import ConfigError, StepConfig, TriggerConfig
from dataiku_framework.config.schema import DatasetConfig as SchemaDatasetConfig
from config_support import EXAMPLES

ALL_EXAMPLES = sorted(p for p in glob.glob(os.path.join(EXAMPLES, "**", "*.yaml"), recursive=True)
                      if os.sep + "flow" + os.sep not in p)


def test_seed_imports_are_the_same_class():
    assert SchemaDatasetConfig is DatasetConfig


def test_seed_pattern_build_programmatically():
    config = FrameworkConfig(
        project=ProjectConfig(key="MY_PROJECT", name="My Project"),
        datasets=[DatasetConfig(name="RAW_DATA", type="SQL", connection="postgres", params={"table": "t"}),
                  DatasetConfig(name="CLEAN_DATA", type="Filesystem", managed=True)])
    assert config.validate() == []
    assert config.to_dict()["datasets"][1] == {"name": "CLEAN_DATA", "type": "Filesystem", "managed": True}


def test_seed_pattern_modify_and_save(tmp_path):
    path = str(tmp_path / "project.yaml")
    FrameworkConfig.from_yaml(os.path.join(EXAMPLES, "customer_analytics.yaml")).to_yaml(path)
    config = FrameworkConfig.from_yaml(path)
    for scenario in config.scenarios:
        if scenario.name == "daily_refresh":
            scenario.triggers[0].hour = 3
    config.datasets.append(DatasetConfig(name="RAW_PRODUCTS", type="SQL", connection="snowflake_prod",
                                         params={"schema": "RAW", "table": "PRODUCTS"}))
    config.to_yaml(path)
    again = FrameworkConfig.from_yaml(path)
    assert again.scenarios[0].triggers[0].hour == 3
    assert again.find("datasets", "RAW_PRODUCTS").params == {"schema": "RAW", "table": "PRODUCTS"}
    assert again == config


@pytest.mark.parametrize("path", ALL_EXAMPLES, ids=lambda p: os.path.relpath(p, EXAMPLES))
def test_every_example_validates_and_round_trips(path):
    config = FrameworkConfig.from_yaml(path)
    assert [d for d in config.validate() if d.is_error] == []
    text = config.to_yaml()
    reloaded = FrameworkConfig.from_dict(__import__("yaml").safe_load(text), base_dir=os.path.dirname(path))
    assert reloaded == config
    assert reloaded.to_yaml() == text


def test_to_yaml_omits_defaults_and_keeps_required_keys():
    config = FrameworkConfig.from_yaml('version: "1.0"\nproject: {key: P}\nscenarios:\n'
                                       '  - {name: s, active: true, type: step_based, triggers: [{type: manual, active: true}]}\n')
    assert config.to_dict() == {"version": "1.0", "project": {"key": "P"},
                                "scenarios": [{"name": "s", "triggers": [{"type": "manual"}]}]}


def test_multiline_code_is_written_as_a_block():
    config = FrameworkConfig.from_yaml(os.path.join(EXAMPLES, "customer_analytics.yaml"))
    assert "code: |" in config.to_yaml()


def test_invalid_input_raises_config_error_with_all_diagnostics():
    with pytest.raises(ConfigError) as info:
        FrameworkConfig.from_yaml('version: "1.0"\nproject: {key: bad-key}\ndatasets: [{name: D}]\n')
    codes = sorted(d.code for d in info.value.diagnostics)
    assert codes == ["schema.pattern", "schema.required"]
    assert all(d.line >= 1 for d in info.value.diagnostics)


def test_saving_an_invalid_model_raises_and_validate_reports():
    config = FrameworkConfig(project=ProjectConfig(key="P"))
    config.datasets.append(DatasetConfig(name="D", type="Filesystem"))
    [diag] = config.validate()
    assert diag.code == "dataset.connection" and diag.path == "datasets[0]"
    with pytest.raises(ConfigError):
        config.to_yaml()
    assert "name: D" in config.to_yaml(validate=False)


def test_modified_loaded_model_keeps_positions_in_diagnostics():
    config = FrameworkConfig.from_yaml(os.path.join(EXAMPLES, "customer_analytics.yaml"))
    config.scenarios[0].steps[0].items = ["CLEAN_CUSTOMER"]
    [diag] = config.validate()
    assert diag.hint == "did you mean 'CLEAN_CUSTOMERS'?" and diag.filename.endswith("customer_analytics.yaml")
    assert diag.line > 1


def test_unknown_attribute_is_refused_with_a_hint():
    with pytest.raises(AttributeError, match="did you mean 'hour'"):
        TriggerConfig(type="temporal").hours = 3
    with pytest.raises(AttributeError):
        StepConfig(typ="exec_sql")


def test_from_json(tmp_path):
    config = FrameworkConfig.from_yaml(os.path.join(EXAMPLES, "simple_project.yaml"))
    path = str(tmp_path / "c.json")
    config.to_json(path)
    assert FrameworkConfig.from_json(path) == config


def test_resolved_applies_environment_reads_code_and_resolves_types(monkeypatch):
    config = FrameworkConfig.from_yaml(os.path.join(EXAMPLES, "snowflake_pipeline.yaml"))
    resolved = config.resolved(env="prod")
    assert {d.connection for d in resolved.datasets} == {"snowflake_prod"}
    assert resolved.project.variables["standard"]["source_schema"] == "RAW_PROD"
    assert resolved.find("recipes", "clean_customers").code.startswith("import dataiku")
    assert resolved.environments == {}
    sql = FrameworkConfig.from_yaml(os.path.join(EXAMPLES, "customer_analytics.yaml"))
    assert sql.resolved(connection_types={"snowflake_prod": "Snowflake"}).datasets[0].type == "Snowflake"


def test_resolved_substitutes_environment_variables():
    config = FrameworkConfig.from_yaml('version: "1.0"\nproject: {key: P}\ndatasets:\n'
                                       "  - {name: D, type: PostgreSQL, connection: pg, table: '${env:TBL:-fallback}'}\n"
                                       "recipes:\n  - {name: r, type: shaker, inputs: [D], outputs: [D2]}\n"
                                       "  - {name: r2, type: sync, inputs: [D2], outputs: [D3]}\n"
                                       .replace("recipes:", "external: [{name: D2, kind: dataset}, {name: D3, kind: dataset}]\nrecipes:"))
    assert config.resolved(environ={"TBL": "orders"}).datasets[0].table == "orders"
    assert config.resolved(environ={}).datasets[0].table == "fallback"
    assert config.resolved().recipes[0].type == "prepare"


def test_one_line_text_is_text_and_paths_are_paths(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError) as error:
        FrameworkConfig.from_yaml('version: "1.0"')  # parsed as text, not opened as a file
    [diag] = error.value.diagnostics
    assert diag.summary == "missing required key 'project'" and diag.filename == "<string>"
    assert FrameworkConfig.from_yaml('{"version": "1.0", "project": {"key": "P"}}').project.key == "P"
    with pytest.raises(ConfigError) as error:
        FrameworkConfig.from_yaml("project.yml")  # a file name, even when the file does not exist
    assert [d.code for d in error.value.diagnostics] == ["file.not_found"]
    (tmp_path / "config").write_text('version: "1.0"\nproject: {key: P}\n')
    assert FrameworkConfig.from_yaml("config").source_file == "config"  # an existing file without extension
    with pytest.raises(ConfigError) as error:
        FrameworkConfig.from_yaml("configs/prod")  # neither: YAML text, with a hint about the path
    [diag] = error.value.diagnostics
    assert "not a string" in diag.summary and "no file 'configs/prod' exists" in diag.hint
    with pytest.raises(ConfigError) as error:
        FrameworkConfig.from_yaml("42")
    assert "not an integer" in error.value.diagnostics[0].summary
