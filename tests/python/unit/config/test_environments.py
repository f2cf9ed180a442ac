"""Environment overlays are always checked; ${env:NAME} references are checked and typed as text."""

from config_support import MINIMAL, errors_of

FLOW = MINIMAL + """\
datasets:
  - {name: A, type: PostgreSQL, connection: pg, table: T}
  - {name: B, type: Filesystem, managed: true}
recipes:
  - {name: r, type: python, inputs: [A], outputs: [B], code: "pass"}
scenarios:
  - name: s
    triggers: [{type: temporal, frequency: daily, hour: 1, minute: 0}]
"""

OVERLAYS = FLOW + """\
environments:
  dev:
    connections: {pg: pg_dev}
  prod:
    project: {nam: Prod}
    datasets:
      A: {conection: pg_prod, table: 5}
      Z: {table: X}
    recipes:
      r: {engine: 7, lifecycle: {prevent_destroy: maybe}}
    scenarios:
      s: {triggers: [{type: temporal, hour: 2}]}
"""

EXPECTED = [
    ("environments.prod.project.nam", "schema.unknown_key", 16),
    ("environments.prod.datasets.A.conection", "schema.unknown_key", 18),
    ("environments.prod.datasets.A.table", "schema.type", 18),
    ("environments.prod.datasets.Z", "env.unknown_target", 19),
    ("environments.prod.recipes.r.engine", "schema.type", 21),
    ("environments.prod.recipes.r.lifecycle.prevent_destroy", "schema.type", 21),
]


def _located(diags):
    return sorted((d.path, d.code, d.line) for d in diags)


def test_every_overlay_is_checked_without_env(diagnose):
    diags = diagnose(OVERLAYS)
    assert _located(diags) == sorted(EXPECTED)
    assert all(d.is_error and d.has_location for d in diags)


def test_selected_overlay_reports_each_problem_once_at_its_overlay_path(diagnose):
    diags = diagnose(OVERLAYS, env="prod")
    # Plus what only the overlaid document shows: the replaced trigger list lacks 'frequency'.
    assert _located(diags) == sorted(EXPECTED + [("scenarios[0].triggers[0]", "trigger.required", 23)])
    assert [d.format() for d in diagnose(OVERLAYS, env="dev")] == [d.format() for d in diagnose(OVERLAYS)]


def test_overlaid_result_is_still_validated_with_env(diagnose):
    text = FLOW + "environments:\n  prod:\n    datasets: {B: {table: T}}\n"
    assert diagnose(text) == []
    [diag] = diagnose(text, env="prod")
    assert diag.code == "key.not_applicable" and diag.line == 14


def test_overlay_of_a_nested_mapping_may_rely_on_base_keys(diagnose):
    text = FLOW.replace("managed: true}", "managed: true, partitioning: {dimensions: [{name: d, type: value}]}}") + \
        "environments:\n  prod:\n    datasets: {B: {partitioning: {dimensions: [{type: value}]}}}\n"
    # 'dimensions' may come from the base (mappings merge) but list items replace: the item needs its name.
    [diag] = diagnose(text)
    assert diag.path == "environments.prod.datasets.B.partitioning.dimensions[0]" and diag.code == "schema.required"


# --------------------------------------------------------------------------- ${env:NAME}

ENV_TEXT = MINIMAL + """\
datasets:
  - {name: A, type: PostgreSQL, connection: pg, table: "${env:DF_TABLE}", description: "${env:DF_DESC:-none}"}
  - {name: B, type: Filesystem, managed: true}
recipes:
  - {name: r, type: shell, inputs: [A], outputs: [B], code: "echo ${env:DF_SHELL}"}
environments:
  prod:
    datasets: {A: {table: "${env:DF_PROD_TABLE}"}}
metadata: {note: "${env:DF_NOTE}"}
"""


def test_unset_env_variable_without_default_is_an_error(diagnose, monkeypatch):
    for name in ("DF_TABLE", "DF_DESC", "DF_SHELL", "DF_PROD_TABLE", "DF_NOTE"):
        monkeypatch.delenv(name, raising=False)
    [diag] = diagnose(ENV_TEXT)  # not the default, the code, an unselected overlay or metadata
    assert diag.code == "var.env_unset" and "'DF_TABLE'" in diag.summary
    assert diag.path == "datasets[0].table" and (diag.line, diag.column) == (5, 56)
    assert "${env:DF_TABLE:-" in diag.hint
    monkeypatch.setenv("DF_TABLE", "t")
    assert diagnose(ENV_TEXT) == []
    [diag] = diagnose(ENV_TEXT, env="prod")  # the selected overlay's reference is needed
    assert "'DF_PROD_TABLE'" in diag.summary and diag.line == 11


def test_env_reference_where_a_number_is_expected_says_it_is_text(diagnose, monkeypatch):
    monkeypatch.setenv("DF_HOUR", "3")
    text = FLOW.replace("hour: 1", 'hour: "${env:DF_HOUR}"')
    [diag] = errors_of(diagnose(text))
    assert diag.path == "scenarios[0].triggers[0].hour" and diag.code == "schema.type"
    assert "only where text is expected" in diag.hint and "environments" in diag.hint


def test_overlay_may_spell_a_dataset_param_the_other_way(write):
    """Base ``params: {schema: RAW}``, overlay ``sql_schema: PROD`` (or the reverse): the overlay's value, no conflict."""
    from dataiku_framework.config import FrameworkConfig
    from dataiku_framework.resources import dataset
    base = MINIMAL + """datasets:
  - {name: A, type: PostgreSQL, connection: pg, params: {schema: RAW, table: T}}
  - {name: B, type: PostgreSQL, connection: pg, sql_schema: RAW, table: T}
environments:
  prod:
    datasets:
      A: {sql_schema: PROD}
      B: {params: {schema: PROD}}
"""
    config = FrameworkConfig.from_yaml(write("c.yaml", base), env="prod")
    resolved = config.resolved()
    assert [dataset.dataset_params(ds)["schema"] for ds in resolved.datasets] == ["PROD", "PROD"]
    assert [ds.sql_schema for ds in config.datasets] == ["RAW", "RAW"], "the model keeps the base values"
