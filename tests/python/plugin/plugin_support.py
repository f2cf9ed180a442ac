"""Configuration texts and helpers shared by the plugin tests (importable as ``plugin_support``)."""
import textwrap

PROJECT_YAML = textwrap.dedent("""\
    version: "1.0"
    project:
      key: CUSTOMER_ANALYTICS
      name: Customer Analytics Pipeline
    include:
      - datasets/*.yaml
    recipes:
      - name: clean_customers
        type: python
        inputs: [RAW_CUSTOMERS]
        outputs: [CLEAN_CUSTOMERS]
        code_file: recipes/clean_customers.py
    """)

DATASETS_YAML = textwrap.dedent("""\
    datasets:
      - name: RAW_CUSTOMERS
        type: SQL
        connection: snowflake_prod
        sql_schema: RAW
        table: CUSTOMERS
      - name: CLEAN_CUSTOMERS
        type: Filesystem
        connection: filesystem_managed
        managed: true
        format_type: csv
    """)

RECIPE_PY = textwrap.dedent("""\
    import dataiku
    df = dataiku.Dataset("RAW_CUSTOMERS").get_dataframe()
    dataiku.Dataset("CLEAN_CUSTOMERS").write_with_schema(df.dropna())
    """)


def line_col(text, line_contains, token):
    """1-based (line, column) of ``token`` on the first line of ``text`` containing ``line_contains``."""
    for number, line in enumerate(text.splitlines(), 1):
        if line_contains in line:
            return number, line.index(token) + 1
    raise AssertionError("no line contains %r" % line_contains)
