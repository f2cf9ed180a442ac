"""Configuration texts and helpers shared by the plugin tests (importable as ``plugin_support``)."""
import html.parser
import json
import runpy
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


#: The configurations above name CUSTOMER_ANALYTICS while their folder is in project P1, where the
#: components run: they act on it only through the "Target project" parameter (issue 14 §3), which
#: the runners below pass unless a test gives its own. ``test_acts_on_own_project`` runs without it.
TARGET = {"target_project": "CUSTOMER_ANALYTICS"}


def step_runner(dss, monkeypatch, step_path):
    """Run ``step_path`` as DSS does (a script, parameters in the environment); return the scenario variables."""
    def _run(config):
        monkeypatch.setenv("DKU_STANDIN_STEP_CONFIG", json.dumps(dict(TARGET, **config)))
        runpy.run_path(step_path, run_name="__main__")
        return dict(dss.scenario.VARIABLES)
    return _run


def macro_runner(runnable_path):
    """Run the macro at ``runnable_path`` as DSS does (instantiate ``MyRunnable``, call ``run``); return its result."""
    def _run(config, project_key="P1"):
        runnable = runpy.run_path(runnable_path)["MyRunnable"](project_key, dict(TARGET, **config), {})
        assert runnable.get_progress_target() is None
        return runnable.run(lambda *a: None)
    return _run


SCENARIO_YAML = ("scenarios:\n  - name: daily_refresh\n    triggers: [{type: temporal, frequency: daily, hour: 2, "
                 "minute: 0}]\n    steps: [{type: build_flowitem, items: [CLEAN_CUSTOMERS], build_mode: RECURSIVE}]\n")


class _PageText(html.parser.HTMLParser):
    def __init__(self):
        html.parser.HTMLParser.__init__(self)
        self.texts, self.tags = [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)

    def handle_data(self, data):
        if data.strip():
            self.texts.append(data.strip())


def parse_html(page):
    """What a macro's HTML result shows: ``.texts`` (stripped text nodes, unescaped) and ``.tags``."""
    parser = _PageText()
    parser.feed(page)
    return parser
