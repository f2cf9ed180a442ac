"""Save -> reload gives the configuration back: includes, environments, resolved configurations."""

import os
import shutil

import pytest

from dataiku_framework import FrameworkConfig
from dataiku_framework.config import ConfigError
from config_support import EXAMPLES


@pytest.fixture
def examples(tmp_path):
    """A private copy of examples/ (saved files land next to the files they name)."""
    target = tmp_path / "examples"
    shutil.copytree(EXAMPLES, str(target))
    return str(target)


# --------------------------------------------------------------------------- include:

def test_large_project_round_trips_through_from_yaml(examples):
    main = os.path.join(examples, "large_project", "main.yaml")
    config = FrameworkConfig.from_yaml(main)
    assert config.find("datasets", "web_logs") is not None  # merged from flow/datasets.yaml
    flat = os.path.join(examples, "large_project", "flat.yaml")
    text = config.to_yaml(flat)
    assert "include" not in text  # one flattened file: the included objects are written inline
    again = FrameworkConfig.from_yaml(flat)
    assert again == config and again.to_yaml() == text
    # Saving over the main file keeps the included files unchanged and reloads without duplicates.
    before = open(os.path.join(examples, "large_project", "flow", "datasets.yaml")).read()
    config.to_yaml(main)
    assert FrameworkConfig.from_yaml(main) == config
    assert open(os.path.join(examples, "large_project", "flow", "datasets.yaml")).read() == before


def test_flattened_code_file_paths_are_rebased_to_the_main_folder(write):
    write("proj/sub/code/r.py", "print('from file')\n")
    write("proj/sub/flow.yaml", """\
        datasets: [{name: A, type: Filesystem, managed: true}, {name: B, type: Filesystem, managed: true}]
        recipes: [{name: r, type: python, inputs: [A], outputs: [B], code_file: code/r.py}]
        """)
    main = write("proj/main.yaml", 'version: "1.0"\nproject: {key: P}\ninclude: [sub/*.yaml]\n')
    config = FrameworkConfig.from_yaml(main)
    flat = os.path.join(os.path.dirname(main), "flat.yaml")
    config.to_yaml(flat)
    again = FrameworkConfig.from_yaml(flat)
    assert again.recipes[0].code_file == "sub/code/r.py"
    assert again == config
    assert again.resolved().recipes[0].code == config.resolved().recipes[0].code == "print('from file')\n"


def test_programmatic_include_is_kept_when_saving():
    config = FrameworkConfig.from_dict({"project": {"key": "P"}, "include": ["flow/*.yaml"]})
    assert config.to_dict()["include"] == ["flow/*.yaml"]


# --------------------------------------------------------------------------- environments

def test_loading_with_env_keeps_the_base_values(examples, tmp_path):
    path = os.path.join(examples, "snowflake_pipeline.yaml")
    base = FrameworkConfig.from_yaml(path)
    prod = FrameworkConfig.from_yaml(path, env="prod")
    assert prod.env == "prod" and base.env is None
    assert prod == base  # the model is the file as written
    saved = os.path.join(examples, "saved.yaml")
    prod.to_yaml(saved)
    assert FrameworkConfig.from_yaml(saved) == base
    # resolved() applies the environment given at load by default, or the one asked for.
    assert {d.connection for d in prod.resolved().datasets} == {"snowflake_prod"}
    assert {d.connection for d in base.resolved().datasets} == {"snowflake_dev"}
    assert {d.connection for d in base.resolved(env="prod").datasets} == {"snowflake_prod"}


def test_loading_with_env_reports_diagnostics_of_the_overlaid_document(write):
    path = write("c.yaml", """\
        version: "1.0"
        project: {key: P}
        datasets: [{name: D, type: Filesystem, managed: true}]
        environments:
          prod:
            datasets: {D: {table: T}}
        """)
    FrameworkConfig.from_yaml(path)  # the overlay is not applied: valid
    with pytest.raises(ConfigError) as error:
        FrameworkConfig.from_yaml(path, env="prod")
    assert [d.code for d in error.value.errors] == ["key.not_applicable"]
    assert error.value.errors[0].line == 6


# --------------------------------------------------------------------------- resolved()

def test_resolved_configuration_validates_and_saves(examples):
    config = FrameworkConfig.from_yaml(os.path.join(examples, "snowflake_pipeline.yaml"), env="prod")
    resolved = config.resolved(connection_types={"snowflake_prod": "Snowflake"})
    recipe = resolved.find("recipes", "clean_customers")
    assert recipe.code.startswith("import dataiku") and recipe.code_file is None
    assert [d for d in resolved.validate() if d.is_error] == []
    saved = os.path.join(examples, "resolved.yaml")
    resolved.to_yaml(saved)
    assert FrameworkConfig.from_yaml(saved) == resolved


def test_resolved_keeps_positions_and_formats_paths(write, monkeypatch):
    write("r.py", "x = 1\n")
    path = write("c.yaml", """\
        version: "1.0"
        project: {key: P}
        datasets:
          - {name: A, type: Filesystem, managed: true}
          - {name: B, type: Filesystem, managed: true, description: "${env:DESC}"}
        recipes:
          - {name: r, type: python, inputs: [A], outputs: [B], code_file: r.py}
          - {name: s, type: python, inputs: [A], outputs: [C], code_file: r.py}
        external: [{name: C, kind: dataset}]
        """)
    monkeypatch.setenv("DESC", "x")
    config = FrameworkConfig.from_yaml(path)
    resolved = config.resolved(environ={"DESC": "described"})
    assert resolved.datasets[1].description == "described"
    resolved.recipes[1].outputs = ["B"]  # a second producer: the diagnostic points at the file's line
    [diag] = [d for d in resolved.validate() if d.is_error]
    assert diag.path == "recipes[1].outputs[0]" and diag.filename == path and diag.line == 8
    os.remove(os.path.join(os.path.dirname(path), "r.py"))
    with pytest.raises(ConfigError) as error:
        config.resolved(environ={"DESC": "d"})
    assert [d.path for d in error.value.diagnostics] == ["recipes[0].code_file", "recipes[1].code_file"]
    assert [d.line for d in error.value.diagnostics] == [7, 8]


def test_resolved_with_an_unset_env_variable_raises(monkeypatch):
    monkeypatch.setenv("TBL_X", "t")
    config = FrameworkConfig.from_yaml(
        'version: "1.0"\nproject: {key: P}\ndatasets: [{name: D, type: PostgreSQL, connection: pg, table: "${env:TBL_X}"}]\n')
    with pytest.raises(ConfigError) as error:
        config.resolved(environ={})
    [diag] = error.value.diagnostics
    assert diag.code == "var.env_unset" and "'TBL_X'" in diag.summary and diag.path == "datasets[0].table"
    assert (diag.line, diag.column) == (3, 63)


def test_code_read_from_a_file_is_not_substituted(write):
    write("r.sh", "echo ${env:HOME_NOT_SUBSTITUTED}\n")
    config = FrameworkConfig.from_yaml(write("c.yaml", """\
        version: "1.0"
        project: {key: P}
        datasets: [{name: A, type: Filesystem, managed: true}, {name: B, type: Filesystem, managed: true}]
        recipes:
          - {name: r, type: shell, inputs: [A], outputs: [B], code_file: r.sh}
          - {name: s, type: shell, inputs: [B], outputs: [C], code: "echo ${env:HOME_NOT_SUBSTITUTED}"}
        external: [{name: C, kind: dataset}]
        """))
    resolved = config.resolved(environ={"HOME_NOT_SUBSTITUTED": "/home/x"})
    assert resolved.recipes[0].code == "echo ${env:HOME_NOT_SUBSTITUTED}\n"
    assert resolved.recipes[1].code == "echo ${env:HOME_NOT_SUBSTITUTED}"
