"""The seed README's Python patterns, run exactly as users (and agents) copy them.

Each block between ``# -- verbatim`` markers is the seed's text unchanged; the assertions around
it check what it promises: a SQL dataset without table reads the table of its own name (with a
warning saying so), ``params`` is always a dict, a database schema set through
``params["schema"]`` is the one that reaches DSS whichever spelling the file used, and saving
writes one spelling.
"""

import os
import shutil

import pytest

from dataiku_framework import Engine
from dataiku_framework.config import FrameworkConfig, ProjectConfig
from dataiku_framework.resources import dataset
from config_support import EXAMPLES, errors_of

SQL_SCHEMA_TEMPLATE = """\
version: "1.0"
project: {key: SNOWFLAKE_ETL, name: Snowflake ETL}
datasets:
  - {name: RAW_ORDERS, type: SQL, connection: snowflake_prod, sql_schema: RAW, table: ORDERS}
  - {name: CLEAN_ORDERS, type: Filesystem, connection: filesystem_managed, managed: true, format_type: parquet}
recipes:
  - {name: clean_orders, type: python, inputs: [RAW_ORDERS], outputs: [CLEAN_ORDERS], code: "print(1)"}
scenarios:
  - name: nightly
    triggers: [{type: temporal, frequency: daily, hour: 1, minute: 0}]
    steps: [{type: build_flowitem, items: [CLEAN_ORDERS]}]
"""


def _default_table_warning(diagnostics, name):
    return [d for d in diagnostics if d.code == "dataset.sql_default_table" and name in d.summary]


def test_from_dict_with_a_sql_dataset_and_no_table():
    # -- verbatim
    config = FrameworkConfig.from_dict({
        "project": {"key": "SALES_ANALYTICS", "name": "Sales Analytics"},
        "datasets": [{"name": "RAW_SALES", "type": "SQL", "connection": "snowflake_prod"}]})
    # -- end
    warning = _default_table_warning(config.validate(), "RAW_SALES")
    assert len(warning) == 1 and not warning[0].is_error
    assert "the table 'RAW_SALES' is used" in warning[0].summary
    resolved = config.resolved(connection_types={"snowflake_prod": "Snowflake"})
    params = dataset.dataset_params(resolved.datasets[0])
    assert (params["mode"], params["table"]) == ("table", "RAW_SALES")
    assert config.datasets[0].table is None, "the model keeps the file as written; resolved() fills the table"


def test_constructor_with_a_sql_dataset_and_no_table():
    from dataiku_framework.config.schema import DatasetConfig  # the seed's import path
    # -- verbatim
    config = FrameworkConfig(project=ProjectConfig(key="MY_PROJECT", name="My Project"),
        datasets=[DatasetConfig(name="RAW_DATA", type="SQL", connection="postgres"),
                  DatasetConfig(name="CLEAN_DATA", type="Filesystem", managed=True)])
    # -- end
    diagnostics = config.validate()
    assert errors_of(diagnostics) == []
    assert len(_default_table_warning(diagnostics, "RAW_DATA")) == 1
    again = FrameworkConfig.from_yaml(config.to_yaml())
    assert again == config
    assert config.datasets[1].params == {} and isinstance(config.datasets[0].params, dict)


def test_a_sql_dataset_with_table_and_query_is_still_an_error(diagnose):
    diagnostics = diagnose('version: "1.0"\nproject: {key: P}\n'
                           "datasets: [{name: A, type: SQL, connection: c, table: t, query: 'select 1'}]\n")
    assert [d.code for d in errors_of(diagnostics)] == ["dataset.sql_source"]


@pytest.fixture(params=["customer_analytics", "sql_schema_spelling"])
def template_dir(request, tmp_path, monkeypatch):
    """``templates/snowflake_etl.yaml`` relative to the current folder: the seed's example, or a SQL-first template."""
    (tmp_path / "templates").mkdir()
    target = tmp_path / "templates" / "snowflake_etl.yaml"
    if request.param == "customer_analytics":
        shutil.copy(os.path.join(EXAMPLES, "customer_analytics.yaml"), str(target))
    else:
        target.write_text(SQL_SCHEMA_TEMPLATE, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _template_pattern():
    # -- verbatim
    template = FrameworkConfig.from_yaml("templates/snowflake_etl.yaml")
    template.project.key = "CUSTOM_PROJECT"
    template.datasets[0].params["schema"] = "MY_SCHEMA"
    # -- end
    return template


def test_template_schema_through_params_reaches_dss_and_saves_one_spelling(template_dir, client):
    template = _template_pattern()
    assert template.datasets[0].sql_schema == "MY_SCHEMA", "params['schema'] and sql_schema are one value"
    assert dataset.dataset_params(template.datasets[0])["schema"] == "MY_SCHEMA"
    text = template.to_yaml()
    assert "schema: RAW" not in text, "the file's old schema is gone, whichever spelling it used"
    assert text.count("sql_schema: MY_SCHEMA") == 1 and "\n      schema:" not in text, text
    saved = FrameworkConfig.from_yaml(template.to_yaml("saved.yaml"))
    assert saved == template and saved.project.key == "CUSTOM_PROJECT"
    assert saved.datasets[0].params["schema"] == "MY_SCHEMA"
    Engine(client=client).apply(template)  # created as users create it
    raw = client.get_project("CUSTOM_PROJECT").get_dataset(template.datasets[0].name).get_settings().get_raw()
    assert raw["params"]["schema"] == "MY_SCHEMA" and raw["params"]["table"] in ("CUSTOMERS", "ORDERS")


def test_template_scenario_hour_then_save(template_dir):
    config = FrameworkConfig.from_yaml("templates/snowflake_etl.yaml")
    # -- verbatim (the seed's loop; its "..." elides nothing these templates need)
    for scenario in config.scenarios:
        scenario.triggers[0].hour = 3
    config.to_yaml("templates/snowflake_etl.yaml")
    # -- end
    assert FrameworkConfig.from_yaml("templates/snowflake_etl.yaml").scenarios[0].triggers[0].hour == 3
    assert config.to_yaml() == open("templates/snowflake_etl.yaml", encoding="utf-8").read()


def test_params_is_always_a_dict_and_location_fields_are_views_of_it():
    from dataiku_framework.config.schema import DatasetConfig
    ds = DatasetConfig(name="A", type="SQL", connection="c", table="T", params={"quoteChar": '"'})
    assert ds.params == {"quoteChar": '"', "table": "T"}, "assigning params keeps the fields it does not mention"
    ds.params = None
    assert ds.params == {"table": "T"}
    ds.sql_schema = "S"
    assert ds.params["schema"] == "S"
    ds.params["schema"] = "S2"
    assert ds.sql_schema == "S2"
    ds.sql_schema = None
    assert "schema" not in ds.params
    assert ds.to_dict() == {"name": "A", "type": "SQL", "connection": "c", "table": "T"}
    fs = DatasetConfig(name="B", type="Filesystem", connection="c", params={"table": "x"})
    assert fs.to_dict()["params"] == {"table": "x"} and "table" not in fs.to_dict(), \
        "a key that does not apply to the type stays a DSS param"
    with pytest.raises(TypeError):
        ds.params = ["not", "a", "mapping"]


def test_seed_example_is_kept_as_written():
    text = open(os.path.join(EXAMPLES, "customer_analytics.yaml"), encoding="utf-8").read()
    config = FrameworkConfig.from_yaml(os.path.join(EXAMPLES, "customer_analytics.yaml"))
    raw, clean = config.find("datasets", "RAW_CUSTOMERS"), config.find("datasets", "CLEAN_CUSTOMERS")
    assert "params:" in text and (raw.connection, raw.params) == ("snowflake_prod", {"schema": "RAW", "table": "CUSTOMERS"})
    assert (clean.managed, clean.format_type) == (True, "parquet")
    assert errors_of(config.validate()) == []
