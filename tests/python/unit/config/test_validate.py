"""Semantic checks: every problem at once, located, with a fix where one can be guessed."""

import os

import pytest

from config_support import MINIMAL, errors_of

FLOW = MINIMAL + """\
datasets:
  - {name: RAW_CUSTOMERS, type: SQL, connection: snowflake_prod, table: CUSTOMERS}
  - {name: CLEAN_CUSTOMERS, type: Filesystem, managed: true}
recipes:
  - name: clean_customers
    type: python
    inputs: [RAW_CUSTOMERS]
    outputs: [CLEAN_CUSTOMERS]
    code: "pass"
"""


def test_valid_flow_has_no_diagnostics(diagnose):
    assert diagnose(FLOW) == []


def test_unknown_reference_suggests_the_closest_name(diagnose):
    diags = diagnose(FLOW + "scenarios:\n  - name: s\n    steps:\n      - {type: build_flowitem, items: [CLEAN_CUSTOMER]}\n")
    [diag] = diags
    assert diag.path == "scenarios[0].steps[0].items[0]"
    assert "unknown item 'CLEAN_CUSTOMER'" in diag.summary and diag.hint == "did you mean 'CLEAN_CUSTOMERS'?"
    assert (diag.line, diag.column) == (16, 40)


def test_all_problems_are_reported_at_once(diagnose):
    text = FLOW.replace("inputs: [RAW_CUSTOMERS]", "inputs: [RAW_CUSTOMER]").replace("type: python", "type: pyhton")
    text += "  - {name: clean_customers, type: sync, inputs: [CLEAN_CUSTOMERS], outputs: [CLEAN_CUSTOMERS], bogus: 1}\n"
    diags = diagnose(text)
    codes = sorted(d.code for d in diags)
    assert codes == sorted(["ref.unknown", "type.unknown", "names.duplicate", "schema.unknown_key",
                            "ref.producer", "flow.cycle"])
    assert all(d.has_location and d.path for d in diags)


def test_cycle_is_reported_with_its_full_path(diagnose):
    text = MINIMAL + """\
datasets:
  - {name: A, type: Filesystem, managed: true}
  - {name: B, type: Filesystem, managed: true}
recipes:
  - {name: a_to_b, type: sync, inputs: [A], outputs: [B]}
  - {name: b_to_a, type: sync, inputs: [B], outputs: [A]}
"""
    [diag] = diagnose(text)
    assert diag.code == "flow.cycle"
    assert diag.summary == "dependency cycle: A -> recipe a_to_b -> B -> recipe b_to_a -> A"


def test_second_producer_names_the_first(diagnose):
    text = FLOW + "  - {name: other, type: sync, inputs: [RAW_CUSTOMERS], outputs: [CLEAN_CUSTOMERS]}\n"
    [diag] = diagnose(text)
    assert diag.path == "recipes[1].outputs[0]" and "recipe 'clean_customers' (line 8)" in diag.summary


@pytest.mark.parametrize("snippet,code", [
    ("  - {name: r, type: python, inputs: [RAW_CUSTOMERS], outputs: [X]}\n", "code.missing"),
    ("  - {name: r, type: grouping, inputs: [RAW_CUSTOMERS], outputs: [X], code: 'x'}\n", "key.not_applicable"),
    ("  - {name: r, type: python, inputs: [RAW_CUSTOMERS], outputs: [X], code: a, code_file: b.py}\n", ["code.both", "code.not_found"]),
    ("  - {name: r, type: python, inputs: [RAW_CUSTOMERS], outputs: [X], code_file: missing.py}\n", "code.not_found"),
    ("  - {name: r, type: python, inputs: [RAW_CUSTOMERS], outputs: [X], code_file: ../../etc/passwd}\n", "code.outside"),
    ("  - {name: r, type: sync, inputs: [RAW_CUSTOMERS]}\n", "recipe.no_output"),
])
def test_recipe_rules(diagnose, snippet, code):
    text = FLOW.replace("recipes:\n", "  - {name: X, type: Filesystem, managed: true}\nrecipes:\n") + snippet
    assert [d.code for d in errors_of(diagnose(text))] == (code if isinstance(code, list) else [code])


def test_code_file_through_symlink_outside_root_is_refused(diagnose, write, tmp_path):
    import os
    outside = write("elsewhere/code.py", "print(1)\n")
    os.makedirs(str(tmp_path / "proj"))
    os.symlink(outside, str(tmp_path / "proj" / "code.py"))
    text = FLOW.replace('code: "pass"', "code_file: code.py")
    assert [d.code for d in diagnose(text, name="proj/config.yaml")] == ["code.outside"]


@pytest.mark.parametrize("dataset,code", [
    ("{name: D, type: PostgreSQL, connection: pg, table: t, query: 'select 1'}", "dataset.sql_source"),
    ("{name: D, type: S3, bucket: b}", "dataset.connection"),
    ("{name: D, type: Filesystem, connection: fs, table: t}", "key.not_applicable"),
    ("{name: D, type: PostgreSQL, connection: pg, table: t, params: {table: u}}", "dataset.conflict"),
    ("{name: D, type: Filesystem, managed: true, partitioning: {dimensions: [{name: day, type: time}]}}",
     "dataset.partitioning"),
])
def test_dataset_rules(diagnose, dataset, code):
    assert [d.code for d in errors_of(diagnose(MINIMAL + "datasets:\n  - %s\n" % dataset))] == [code]


def test_sql_dataset_without_table_or_query_reads_its_own_name(diagnose):
    """The seed's pattern (a SQL dataset naming only its connection) is valid: a warning says which table."""
    diagnostics = diagnose(MINIMAL + "datasets:\n  - {name: D, type: PostgreSQL, connection: pg}\n")
    assert errors_of(diagnostics) == []
    [warning] = [d for d in diagnostics if d.code == "dataset.sql_default_table"]
    assert warning.summary == "SQL dataset 'D' names no 'table' or 'query': the table 'D' is used"
    assert (warning.line, warning.column) == (5, 5)
    managed = diagnose(MINIMAL + "datasets:\n  - {name: D, type: PostgreSQL, connection: pg, managed: true}\n")
    assert not [d for d in managed if d.code.startswith("dataset.sql")], "DSS names a managed dataset's table"


def test_unknown_dataset_type_is_a_warning_with_suggestion(diagnose):
    [diag] = diagnose(MINIMAL + "datasets:\n  - {name: D, type: Snowflak, connection: sf, table: t}\n")
    assert diag.severity == "warning" and diag.hint == "did you mean 'Snowflake'?"


def test_deprecated_alias_warns(diagnose):
    text = FLOW.replace("type: python", "type: sql")
    [diag] = diagnose(text)
    assert diag.severity == "warning" and diag.hint == "write 'sql_query'"


@pytest.mark.parametrize("trigger,code", [
    ("{type: temporal, frequency: weekly, hour: 1}", "trigger.schedule"),
    ("{type: temporal, frequency: hourly, hour: 1}", "trigger.schedule"),
    ("{type: temporal}", "trigger.required"),
    ("{type: dataset, dataset: NOPE}", "ref.unknown"),
    ("{type: sql, connection: c}", "trigger.required"),
    ("{type: python}", "code.missing"),
    ("{type: dataset, dataset: RAW_CUSTOMERS, hour: 3}", "key.not_applicable"),
])
def test_trigger_rules(diagnose, trigger, code):
    text = FLOW + "scenarios:\n  - name: s\n    triggers:\n      - %s\n" % trigger
    assert [d.code for d in errors_of(diagnose(text))] == [code]


@pytest.mark.parametrize("step,code", [
    ("{type: exec_sql, connection: c}", "step.required"),
    ("{type: run_scenario, scenario: nope}", "ref.scenario"),
    ("{type: build_flowitem, items: [RAW_CUSTOMERS], build_mode: FAST}", "schema.enum"),
    ("{type: custom_python}", "code.missing"),
])
def test_step_rules(diagnose, step, code):
    text = FLOW + "scenarios:\n  - name: s\n    steps:\n      - %s\n" % step
    assert [d.code for d in errors_of(diagnose(text))] == [code]


@pytest.mark.parametrize("value,kind", [
    ("AKIAIOSFODNN7EXAMPLE", "AWS access key"),
    ("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U", "JSON Web Token"),
    ("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY9x", "high-entropy token"),
])
def test_credentials_are_errors_that_do_not_echo_the_value(diagnose, value, kind):
    diags = diagnose(MINIMAL + "metadata: {note: '%s'}\n" % value)
    [diag] = diags
    assert diag.code == "secret" and kind in diag.summary
    assert value not in diag.format() and value not in str(diag.to_dict())


def test_credential_named_keys_in_pass_through_params(diagnose):
    text = MINIMAL + "datasets:\n  - {name: D, type: HTTP, connection: h, params: {db_password: s3cr3t, passwordMode: X}}\n"
    [diag] = diagnose(text)
    assert diag.path == "datasets[0].params.db_password" and "s3cr3t" not in diag.format()


def test_variable_references(diagnose, monkeypatch):
    monkeypatch.setenv("TBL", "orders")
    text = MINIMAL.replace("key: DEMO", "key: DEMO\n  variables: {standard: {schema_name: RAW}}") + \
        "datasets:\n  - {name: D, type: PostgreSQL, connection: pg, sql_schema: '${schema_nam}', table: '${env:TBL}'}\n"
    [diag] = diagnose(text)
    assert diag.code == "var.unknown" and diag.hint == "did you mean 'schema_name'?"


def test_environment_overlay_validation(diagnose):
    text = FLOW + "environments:\n  prod:\n    connections: {snowflake_prod: sf_prod}\n" \
                  "    datasets: {CLEAN_CUSTOMER: {connection: x}}\n"
    [diag] = diagnose(text)
    assert diag.code == "env.unknown_target" and diag.hint == "did you mean 'CLEAN_CUSTOMERS'?"
    diags = diagnose(text, env="prd")
    assert any(d.code == "env.unknown" and d.hint == "did you mean 'prod'?" for d in diags)


def test_overlay_values_are_validated_at_their_own_position(diagnose):
    """Overlays are checked without --env too; with --env the same problem is reported once, in the overlay."""
    text = FLOW + "environments:\n  prod:\n    datasets: {CLEAN_CUSTOMERS: {format_type: 5}}\n"
    for env in (None, "prod"):
        [diag] = diagnose(text, env=env)
        assert diag.code == "schema.type" and diag.line == 15
        assert diag.path == "environments.prod.datasets.CLEAN_CUSTOMERS.format_type"


def test_yaml_type_surprises_get_hints(diagnose):
    [diag] = diagnose(MINIMAL.replace('"1.0"', "1.0"))
    assert diag.path == "version" and "quote the value" in diag.hint


def test_lifecycle_ignore_changes_names_real_fields(diagnose):
    text = MINIMAL + "datasets:\n  - {name: D, type: Filesystem, managed: true, lifecycle: {ignore_changes: [descripton]}}\n"
    [diag] = diagnose(text)
    assert diag.code == "lifecycle.field" and diag.hint == "did you mean 'description'?"


def test_permissions_and_zones(diagnose):
    text = MINIMAL.replace("key: DEMO", "key: DEMO\n  permissions: [{group: g, user: u, level: read}, {group: g}]") + \
        "datasets:\n  - {name: D, type: Filesystem, managed: true, zone: trainig}\nzones: [{name: training}]\n"
    assert sorted(d.code for d in diagnose(text)) == ["permission.level", "permission.subject", "ref.zone"]


def test_type_hint_grammar(diagnose):
    [diag] = diagnose(MINIMAL + "datasets: [{name: D, type: Filesystem, managed: true, description: 5}]\n")
    assert diag.hint == "quote the value: YAML read it as an integer"


def test_unknown_closed_type_is_only_an_error(diagnose):
    [diag] = diagnose(MINIMAL + "scenarios: [{name: s, type: step_base}]\n")
    assert diag.code == "schema.enum" and diag.hint == "did you mean 'step_based'?"
    diags = diagnose(MINIMAL + "scenarios: [{name: s, triggers: [{type: temporl}]}]\n")
    assert [d.code for d in diags] == ["schema.enum"]


def test_duplicates_name_the_file_of_an_included_object(write):
    from dataiku_framework.config.api import load_and_validate
    write("flow/d.yaml", "\ndatasets:\n  - {name: A, type: Filesystem, managed: true}\n")
    write("flow/r.yaml", "recipes:\n  - {name: r, type: sync, inputs: [A], outputs: [B]}\n")
    main = write("main.yaml", MINIMAL + "include: [flow/*.yaml]\n" + """\
datasets:
  - {name: A, type: Filesystem, managed: true}
  - {name: B, type: Filesystem, managed: true}
  - {name: B, type: Filesystem, managed: true}
recipes:
  - {name: s, type: sync, inputs: [A], outputs: [B]}
""")
    diags = sorted(load_and_validate(main)[1], key=lambda d: (os.path.basename(d.filename), d.line))
    summaries = [(os.path.basename(d.filename), d.line, d.summary) for d in diags]
    assert summaries == [
        ("d.yaml", 3, "duplicate name 'A' (already used by datasets[0] at main.yaml line 6)"),
        ("main.yaml", 8, "duplicate name 'B' (already used by datasets[1] at line 7)"),
        ("r.yaml", 2, "'B' is already written by recipe 's' (main.yaml line 10)"),
    ]
    # A diagnostic about an included list item itself points into the included file.
    write("flow/r.yaml", "recipes:\n  - {name: r, type: sync, inputs: [A]}\n")
    [diag] = [d for d in load_and_validate(main)[1] if d.code == "recipe.no_output"]
    assert diag.path == "recipes[1]" and os.path.basename(diag.filename) == "r.yaml" and diag.line == 2
