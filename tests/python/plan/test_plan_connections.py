"""Issue 14 §12: a create naming a connection or a code env DSS does not have fails at plan time,
before any write, naming the object and the connection; a key that cannot list them gets a
warning "not visible to this key", never "missing"."""
import os
import subprocess
import sys

import pytest

from emusupport import ADMIN_KEY, ANALYST_KEY, ROOT, make_emulator

from dataiku_framework import Engine, FrameworkConfig
from dataiku_framework.config.diagnostics import ConfigError
from dataiku_framework.render.html import render_html
from dataiku_framework.render.markdown import escape, render_markdown
from dataiku_framework.render.text import render_text

ON_MISSING_CONNECTION = """
version: "1.0"
project: {key: CONN_CHECK, name: Connection check}
datasets:
  - {name: KEPT, type: Filesystem, connection: filesystem_managed, path: /kept}
  - {name: LAKE, type: Filesystem, connection: lake_nowhere, path: /lake}
"""
ON_MISSING_CODE_ENV = """
version: "1.0"
project: {key: ENV_CHECK, name: Code env check}
datasets:
  - {name: IN, type: Filesystem, connection: filesystem_managed, path: /in}
  - {name: OUT, type: Filesystem, connection: filesystem_managed, path: /out}
recipes:
  - {name: compute_OUT, type: python, inputs: [IN], outputs: [OUT], code_env: py_nowhere, code: "x = 1"}
"""


@pytest.fixture
def emu():
    emulator = make_emulator()
    yield emulator
    emulator.stop()


def _fails_before_any_write(emu, key, text, apply=False):
    """The ConfigError of planning (or applying) ``text``, after checking DSS received no write."""
    engine = Engine(client=emu.client(key))
    emu.stats.reset()
    with pytest.raises(ConfigError) as raised:
        (engine.apply if apply else engine.plan)(FrameworkConfig.from_yaml(text))
    assert emu.stats.writes == 0, "written before the check: %s" % [e["path"] for e in emu.stats.log
                                                                     if e["method"] != "GET"]
    return str(raised.value)


@pytest.mark.parametrize("apply", [False, True], ids=["plan", "apply"])
def test_a_dataset_on_a_connection_dss_lacks_fails_the_plan_before_any_write(emu, apply):
    message = _fails_before_any_write(emu, ADMIN_KEY, ON_MISSING_CONNECTION, apply)
    assert "dataset LAKE names connection 'lake_nowhere', which DSS does not have" in message
    assert "datasets[1].connection" in message and "KEPT" not in message


def test_an_update_moving_a_dataset_to_a_connection_dss_lacks_fails_too(emu):
    Engine(client=emu.client(ADMIN_KEY)).apply(FrameworkConfig.from_yaml(ON_MISSING_CONNECTION.replace(
        "lake_nowhere", "filesystem_managed")))
    message = _fails_before_any_write(emu, ADMIN_KEY, ON_MISSING_CONNECTION)
    assert "dataset LAKE names connection 'lake_nowhere', which DSS does not have" in message


WATCHED = """
version: "1.0"
project: {key: WATCH, name: Watch}
scenarios:
  - name: watch
    triggers: [{type: sql, connection: pg, sql: "SELECT 1", check_every: 900}]
    steps: [{type: exec_sql, connection: pg, sql: "ANALYZE t"}]
"""


def test_an_update_moving_a_scenario_trigger_to_a_connection_dss_lacks_fails_too(emu):
    Engine(client=emu.client(ADMIN_KEY)).apply(FrameworkConfig.from_yaml(WATCHED))
    message = _fails_before_any_write(emu, ADMIN_KEY, WATCHED.replace("connection: pg, sql: \"SELECT",
                                                                      "connection: pg_nowhere, sql: \"SELECT"))
    assert "scenario watch names connection 'pg_nowhere', which DSS does not have" in message
    assert "scenarios[0].triggers[0].connection" in message


def test_a_recipe_on_a_code_env_dss_lacks_fails_the_plan_before_any_write(emu):
    message = _fails_before_any_write(emu, ADMIN_KEY, ON_MISSING_CODE_ENV)
    assert "recipe compute_OUT names code env 'py_nowhere', which DSS does not have" in message
    assert "recipes[0].code_env" in message


def _analyst_project(emu, key):
    """The project exists and the analyst owns it (an ordinary key cannot read a missing project)."""
    emu.client(ANALYST_KEY).create_project(key, key, "analyst")


def test_a_key_that_cannot_list_connections_gets_a_warning_not_an_error(emu):
    _analyst_project(emu, "CONN_CHECK")
    plan = Engine(client=emu.client(ANALYST_KEY)).plan(FrameworkConfig.from_yaml(ON_MISSING_CONNECTION))
    warnings = plan.doc["metadata"].get("warnings") or []
    assert warnings == ["dataset LAKE names connection 'lake_nowhere', which is not visible to this key: "
                        "it could not be checked"]
    assert "does not have" not in " ".join(warnings)
    assert "warning: %s" % warnings[0] in render_text(plan.doc).splitlines()
    # every view of the plan shows it (they are views of one document)
    assert warnings[0].replace("'", "&#39;") in render_html(plan.doc)
    assert "**warning:** %s" % escape(warnings[0]) in render_markdown(plan.doc)


def test_names_dss_has_pass_without_warning(emu):
    emu.add_code_env("py_nowhere")
    emu.add_connection("lake_nowhere", "Filesystem")
    for text in (ON_MISSING_CONNECTION, ON_MISSING_CODE_ENV):
        plan = Engine(client=emu.client(ADMIN_KEY)).plan(FrameworkConfig.from_yaml(text))
        assert "warnings" not in plan.doc["metadata"]


@pytest.mark.parametrize("command", [["plan"], ["apply", "--auto-approve"]], ids=["plan", "apply"])
def test_the_cli_names_the_object_and_the_connection_without_a_traceback(emu, tmp_path, command):
    path = tmp_path / "conn.yaml"
    path.write_text(ON_MISSING_CONNECTION, encoding="utf-8")
    env = dict(os.environ, DSS_HOST=emu.url, DSS_API_KEY=ADMIN_KEY,
               PYTHONPATH=os.path.join(ROOT, "python-lib"))
    emu.stats.reset()
    done = subprocess.run([sys.executable, "-m", "dataiku_framework.cli"] + command + [str(path)], env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert "%s:6:48: error[plan.missing_connection]: datasets[1].connection: dataset LAKE names connection 'lake_nowhere'" % path in done.stderr
    assert emu.stats.writes == 0


EVERY_SECTION = """
version: "1.0"
project:
  key: OWNERS
  name: Owners
  folder: /Team
  variables: {standard: {a: 1}}
  code_envs: {python: py_team}
zones:
  - {name: raw}
datasets:
  - {name: first, type: Filesystem, connection: filesystem_managed, path: /first}
  - {name: second, type: Filesystem, connection: filesystem_managed, path: /second}
managed_folders:
  - {name: files}
recipes:
  - {name: compute_second, type: python, inputs: [first], outputs: [second], code: "x = 1"}
scenarios:
  - {name: nightly, triggers: [{type: temporal, frequency: daily, hour: 2}]}
libraries:
  - {path: shared, repository: "https://example.com/lib.git", checkout: main}
exposed:
  - {dataset: first, to: [OTHER]}
"""


def test_a_reference_is_owned_by_the_kind_whose_section_holds_it_for_every_kind():
    """The owner of a reference is found from the registry's sections (``registry.by_section``), so
    a new kind that names a connection or a code env needs no table in ``plan.connections``: every
    kind configured here is named by its kind and its configured name, whatever its section."""
    from dataiku_framework.plan import connections
    from dataiku_framework.resources import registry
    config = FrameworkConfig.from_yaml(EVERY_SECTION).resolved()
    seen = []
    for kind in registry.kinds():
        for index, (name, _) in enumerate(kind.configured(config)):
            path = kind.section + (("field",) if kind.singleton else (index, "field"))
            assert connections._owner(config, path) == (kind.kind, name), path
            seen.append(kind.kind)
    assert set(seen) == set(registry.plan_kinds()), "a kind not configured here: %s" % (
        set(registry.plan_kinds()) - set(seen))
