"""Review of the plan (issue 8): one YAML edit per field of every kind, DSS's own habits, secrets.

One project holding every kind with most of its fields set is created once by apply
(``plan_support.bootstrap``); each case edits one field of the YAML and must plan exactly one update, on that
resource, listing exactly that field in the config's terms."""
import pytest

from plan_support import bootstrap, client_of, examples_emulator, not_noop, only_change, plan

from dataiku_framework import FrameworkConfig

RICH = """
version: "1.0"
project:
  key: REVIEW
  name: Review project
  description: every kind, most fields
  short_desc: short
  tags: [b, a]
  git_commit_mode: explicit
  disable_automatic_triggers: false
  permissions:
    - {group: analysts, level: read}
    - {group: data_engineers, level: write, extra: [exportDatasetsData]}
  variables:
    standard: {env: dev, threshold: 3}
    local: {scratch: /tmp}
zones:
  - {name: ingest, color: "#ff0000"}
  - {name: serve, color: "#00ff00"}
managed_folders:
  - {name: reports, connection: filesystem_folders, path: "${projectKey}/reports", description: reports,
     tags: [r], zone: serve}
datasets:
  - name: RAW
    type: Filesystem
    connection: filesystem_managed
    path: /data/raw
    format_type: csv
    format_params: {separator: ",", style: excel}
    schema:
      - {name: id, type: bigint, comment: the id}
      - {name: label, type: string, max_length: 100}
    description: raw data
    short_desc: raw
    tags: [raw]
    zone: ingest
  - {name: PG, type: PostgreSQL, connection: pg_main, sql_schema: public, table: customers, description: pg}
  - {name: OUT, type: Filesystem, connection: filesystem_managed, managed: true, format_type: csv, zone: serve}
  - {name: GROUPED, type: Filesystem, connection: filesystem_managed, managed: true, format_type: csv}
  - {name: LAKE, type: S3, connection: s3_lake, bucket: lake, path: /lake, format_type: parquet}
  - {name: PGQ, type: PostgreSQL, connection: pg_main, query: "SELECT 1 AS one"}
  - {name: QOUT, type: Filesystem, connection: filesystem_managed, managed: true, format_type: csv}
  - {name: UP, type: UploadedFiles, format_type: csv, managed: true}
recipes:
  - name: compute_out
    type: python
    inputs: [RAW, {ref: reports, role: main}]
    outputs: [OUT]
    code_env: py39_pandas
    code: "import dataiku\\nprint('hello')\\n"
    description: computes
    short_desc: c
    tags: [x]
    zone: serve
  - name: group_out
    type: grouping
    inputs: [OUT]
    outputs: [GROUPED]
    keys: [id]
    aggregations:
      - {column: label, functions: [count]}
  - name: query_pg
    type: sql_query
    inputs: [PG]
    outputs: [{ref: QOUT, append: true}]
    code: "SELECT 1"
scenarios:
  - name: nightly
    active: true
    description: nightly build
    tags: [n]
    triggers:
      - {type: temporal, frequency: daily, hour: 2, minute: 0, timezone: UTC}
      - {type: temporal, frequency: weekly, day_of_week: [Monday], hour: 5}
      - {type: dataset, dataset: RAW, check_every: 600, grace_delay: 60}
      - {type: sql, connection: pg_main, sql: "SELECT max(ts) FROM t", name: watch pg}
      - {type: python, code: "print('t')\\n", active: false}
      - {type: temporal, frequency: monthly, day_of_month: 3}
    steps:
      - {type: build_flowitem, items: [OUT], build_mode: RECURSIVE, name: build out}
      - {type: exec_sql, connection: pg_main, sql: "SELECT 1", run_condition: always}
      - {type: set_project_vars, variables: {last: nightly}}
      - {type: run_scenario, scenario: scripted}
      - {type: build_flowitem, items: [reports]}
      - {type: custom_python, code: "print('step')\\n", max_retries: 1, enabled: true}
      - {type: compute_metrics, items: [RAW]}
  - name: scripted
    type: custom_python
    code: "print('scenario')\\n"
    code_env: py39_pandas
    run_as: analytics_admin
"""


def rich():
    return FrameworkConfig.from_yaml(RICH)


def _find(config, kind, name):
    if kind == "project":
        return config.project
    if kind == "variables":
        return config.project.variables
    return config.find({"zone": "zones", "managed_folder": "managed_folders", "dataset": "datasets",
                        "recipe": "recipes", "scenario": "scenarios"}[kind], name)


def _set(attr, value):
    return lambda o: setattr(o, attr, value)


# (address, edit of that object, config path the plan must name)
YAML_EDITS = [
    ("project", _set("name", "Renamed"), "name"),
    ("project", _set("short_desc", "other"), "short_desc"),
    ("project", _set("tags", ["a", "c"]), "tags"),
    ("project", _set("git_commit_mode", "auto"), "git_commit_mode"),
    ("project", _set("disable_automatic_triggers", True), "disable_automatic_triggers"),
    ("project", lambda o: setattr(o.permissions[0], "level", "write"), "permissions[0].level"),
    ("project", lambda o: setattr(o.permissions[1], "extra", []), "permissions[1].extra"),
    ("variables", lambda o: o["standard"].update(threshold=4), "standard.threshold"),
    ("variables", lambda o: o["local"].update(scratch="/var"), "local.scratch"),
    ("variables", lambda o: o["standard"].pop("env"), "standard.env"),
    ("zone.ingest", _set("color", "#0000ff"), "color"),
    ("managed_folder.reports", _set("description", "other"), "description"),
    ("managed_folder.reports", _set("tags", ["r", "s"]), "tags"),
    ("managed_folder.reports", _set("path", "${projectKey}/elsewhere"), "path"),
    ("managed_folder.reports", _set("zone", "ingest"), "zone"),
    ("dataset.RAW", _set("path", "/data/raw2"), "path"),
    ("dataset.RAW", lambda o: o.format_params.update(separator=";"), "format_params.separator"),
    ("dataset.RAW", lambda o: setattr(o.schema[1], "max_length", 200), "schema[1].max_length"),
    ("dataset.RAW", lambda o: setattr(o.schema[0], "comment", "other"), "schema[0].comment"),
    ("dataset.RAW", _set("short_desc", "other"), "short_desc"),
    ("dataset.RAW", _set("zone", "serve"), "zone"),
    ("dataset.PG", _set("table", "clients"), "table"),
    ("dataset.PG", _set("sql_schema", "other"), "sql_schema"),
    ("dataset.OUT", _set("description", "now described"), "description"),
    ("dataset.UP", _set("description", "now described"), "description"),
    ("recipe.compute_out", _set("code_env", "other_env"), "code_env"),
    ("recipe.compute_out", _set("code", "print('changed')\n"), "code"),
    ("recipe.compute_out", _set("short_desc", "other"), "short_desc"),
    ("recipe.compute_out", _set("zone", "ingest"), "zone"),
    ("recipe.compute_out", _set("inputs", ["RAW"]), "inputs"),
    ("recipe.group_out", _set("keys", ["label"]), "keys"),
    ("recipe.query_pg", _set("outputs", ["QOUT"]), "outputs"),
    ("scenario.nightly", _set("active", False), "active"),
    ("scenario.nightly", lambda o: setattr(o.triggers[0], "timezone", "Europe/Paris"), "triggers[0].timezone"),
    ("scenario.nightly", lambda o: setattr(o.triggers[1], "day_of_week", ["Tuesday"]), "triggers[1].day_of_week"),
    ("scenario.nightly", lambda o: setattr(o.triggers[2], "check_every", 300), "triggers[2].check_every"),
    ("scenario.nightly", lambda o: setattr(o.triggers[2], "grace_delay", 30), "triggers[2].grace_delay"),
    ("scenario.nightly", lambda o: setattr(o.steps[0], "build_mode", "NON_RECURSIVE"), "steps[0].build_mode"),
    ("scenario.nightly", lambda o: setattr(o.steps[0], "name", "renamed"), "steps[0].name"),
    ("scenario.nightly", lambda o: setattr(o.steps[0], "items", ["GROUPED"]), "steps[0].items[0]"),
    ("scenario.nightly", lambda o: setattr(o.steps[1], "sql", "SELECT 2"), "steps[1].sql"),
    ("scenario.nightly", lambda o: setattr(o.steps[1], "run_condition", "if_previous_ok"), "steps[1].run_condition"),
    ("scenario.nightly", lambda o: o.steps[2].variables.update(last="other"), "steps[2].variables.last"),
    ("scenario.scripted", _set("code", "print('other')\n"), "code"),
    ("scenario.scripted", _set("code_env", "other_env"), "code_env"),
    ("scenario.nightly", lambda o: setattr(o.triggers[2], "dataset", "OUT"), "triggers[2].dataset"),
    ("scenario.nightly", lambda o: setattr(o.triggers[3], "sql", "SELECT 2"), "triggers[3].sql"),
    ("scenario.nightly", lambda o: setattr(o.triggers[3], "name", "renamed"), "triggers[3].name"),
    ("scenario.nightly", lambda o: setattr(o.triggers[4], "code", "print(2)\n"), "triggers[4].code"),
    ("scenario.nightly", lambda o: setattr(o.triggers[4], "active", True), "triggers[4].active"),
    ("scenario.nightly", lambda o: setattr(o.triggers[5], "day_of_month", 4), "triggers[5].day_of_month"),
    ("scenario.nightly", lambda o: setattr(o.steps[3], "scenario", "nightly"), "steps[3].scenario"),
    ("scenario.nightly", lambda o: setattr(o.steps[5], "code", "print(3)\n"), "steps[5].code"),
    ("scenario.nightly", lambda o: setattr(o.steps[5], "max_retries", 2), "steps[5].max_retries"),
    ("scenario.nightly", lambda o: setattr(o.steps[5], "enabled", False), "steps[5].enabled"),
    ("scenario.nightly", lambda o: setattr(o.steps[6], "items", ["OUT"]), "steps[6].items[0]"),
    ("scenario.scripted", _set("run_as", "admin"), "run_as"),
    ("scenario.nightly", lambda o: setattr(o.triggers[0], "repeat_every", 2), "triggers[0].repeat_every"),
    ("scenario.nightly", lambda o: setattr(o.triggers[1], "starting_from", "2025-01-01"), "triggers[1].starting_from"),
    ("scenario.nightly", lambda o: setattr(o.triggers[3], "connection", "snowflake_dev"), "triggers[3].connection"),
    ("scenario.nightly", lambda o: setattr(o.steps[1], "connection", "snowflake_dev"), "steps[1].connection"),
    ("dataset.LAKE", _set("bucket", "other"), "bucket"),  # named as the config writes them (issue 14 §11)
    ("dataset.PGQ", _set("query", "SELECT 2 AS two"), "query"),
    ("project", lambda o: o.settings.update(x=1) if o.settings else setattr(o, "settings", {"x": 1}), "settings.x"),
    ("dataset.RAW", _set("format_type", "json"), "format_type"),
    ("dataset.OUT", _set("managed", False), "managed"),
    ("recipe.group_out", _set("engine", "SQL"), "engine"),
    ("recipe.group_out", lambda o: o.aggregations[0].update(functions=["count", "max"]), "aggregations"),
    ("managed_folder.reports", _set("connection", "filesystem_managed"), "connection"),
    ("project", _set("owner", "analytics_admin"), "owner"),
    ("project", lambda o: o.permissions.pop(), "permissions"),
]


@pytest.fixture(scope="module")
def created():
    emu = examples_emulator()
    emu.add_code_env("other_env")
    dss = client_of(emu)
    bootstrap(dss, rich())
    yield dss
    emu.stop()


def test_the_rich_project_plans_no_change_after_creation(created):
    result = plan(created, rich())
    assert [(rc.address, rc.action, rc.changes) for rc in not_noop(result)] == []


@pytest.mark.parametrize("address,change,path", YAML_EDITS,
                         ids=["%s:%s" % (a, p) for a, _, p in YAML_EDITS])
def test_one_yaml_edit_is_one_update_on_that_path(created, address, change, path):
    config = rich()
    kind, _, name = address.partition(".")
    change(_find(config, kind, name))
    rc = only_change(plan(created, config))
    assert (rc.address, rc.action) == (address, "update"), rc.reason
    assert [c["path"] for c in rc.changes] == [path], rc.changes


def _leaves(config, client):
    from dss_edits import desired_of, leaf_paths
    from dataiku_framework.resources import HANDLERS
    for h in HANDLERS:
        for name, _ in h.configured(config):
            desired, obj = desired_of(config, client, h.kind, name)
            for path in leaf_paths(desired):
                if not (h.kind == "zone" and path == ("name",)):
                    yield h, name, desired, obj, path


def _every_leaf(client, config):
    """Every scalar the config sets, of every object, changed in DSS through the client: the
    problems found (the plan must show exactly that difference, named in the config's terms;
    put back, no change), and how many leaves were edited."""
    from dss_edits import edit, edited, get_in
    key = config.project.key
    problems = []
    count = 0
    for h, name, desired, obj, path in list(_leaves(config, client)):
        old = get_in(desired, path)
        edit(client, key, h.kind, name, path, edited(old))
        changed = not_noop(plan(client, config))
        got = [(rc.address, rc.action, [(c["path"], c["before"], c["after"]) for c in rc.changes]) for rc in changed]
        where = h.config_path(path, obj)
        ignored = getattr(getattr(obj, "lifecycle", None), "ignore_changes", None) or []
        want = [] if where in ignored else [(h.address(name), "update", [(where, edited(old), old)])]
        if got != want and not _same_in_config_terms(got, want):
            problems.append((h.address(name), path, got, want))
        edit(client, key, h.kind, name, path, old)
        count += 1
    assert not plan(client, config).has_changes
    return problems, count


def _same_in_config_terms(got, want):
    """The one change on the one path, its values read in the configuration's terms (issue 14 §11):
    a DSS leaf inside a structured key (``keys``, ``aggregations``) shows as that key's value, and
    a leaf standing for another value (a monthly trigger's start date for ``day_of_month``, the
    sampling ``method``'s DSS name) as the configuration's; both sides differ, and a plain leaf
    the configuration writes as DSS does keeps DSS's value on the side the edit did not touch."""
    if len(got) != 1 or len(want) != 1 or got[0][:2] != want[0][:2] or len(got[0][2]) != 1:
        return False
    (path, before, after), (where, edited_leaf, old_leaf) = got[0][2][0], want[0][2][0]
    return path == where and before != after and (before == edited_leaf or after != old_leaf)


def test_every_leaf_edited_in_dss_shows_exactly_that_difference(created):
    problems, count = _every_leaf(created, rich())
    assert count > 60
    assert not problems, "\n".join(map(str, problems))


@pytest.mark.parametrize("name", ["recipes-gallery/visual_recipes.yaml", "recipes-gallery/code_recipes.yaml",
                                  "recipes-gallery/passthrough_recipes.yaml", "triggers-gallery/all_triggers.yaml",
                                  "snowflake_pipeline.yaml"])
def test_every_leaf_of_the_galleries_edited_in_dss_shows_exactly_that_difference(name):
    from plan_support import load_example
    emu = examples_emulator()
    try:
        dss = client_of(emu)
        bootstrap(dss, load_example(name))
        problems, count = _every_leaf(dss, load_example(name))
    finally:
        emu.stop()
    assert count > 5
    assert not problems, "\n".join(map(str, problems))


def test_dss_edits_of_what_the_config_leaves_at_a_default_are_named_by_the_config_key(created):
    """A readable key left at its default (``global_count``) and the grace settings DSS keeps
    beside the one number the config gives are named by the config key, not DSS's JSON path."""
    config = rich()
    project = created.get_project("REVIEW")
    settings = project.get_recipe("group_out").get_settings()
    payload = settings.get_json_payload()
    payload["globalCount"] = True
    settings.set_json_payload(payload)
    settings.save()
    rc = only_change(plan(created, config))
    assert [(c["path"], c["before"], c["after"]) for c in rc.changes] == [("global_count", True, False)]
    payload["globalCount"] = False
    settings.set_json_payload(payload)
    settings.save()
    [sc] = [s for s in project.list_scenarios(as_type="objects") if s.get_settings().data["name"] == "nightly"]
    scenario = sc.get_settings()
    scenario.data["triggers"][2]["graceDelaySettings"]["checkAgainAfterGraceDelay"] = False
    scenario.save()
    rc = only_change(plan(created, config))
    assert [c["path"] for c in rc.changes] == ["triggers[2].grace_delay"]
    scenario.data["triggers"][2]["graceDelaySettings"]["checkAgainAfterGraceDelay"] = True
    scenario.data["triggers"][1]["params"]["daysOfWeek"] = ["Monday"]
    scenario.save()
    assert not plan(created, config).has_changes


def test_weekly_days_are_a_set(created):
    config = rich()
    config.find("scenarios", "nightly").triggers[1].day_of_week = ["Friday", "Monday"]
    project = created.get_project("REVIEW")
    [sc] = [s for s in project.list_scenarios(as_type="objects") if s.get_settings().data["name"] == "nightly"]
    scenario = sc.get_settings()
    scenario.data["triggers"][1]["params"]["daysOfWeek"] = ["Monday", "Friday"]  # the UI's week order
    scenario.save()
    try:
        assert not plan(created, config).has_changes
    finally:
        scenario.data["triggers"][1]["params"]["daysOfWeek"] = ["Monday"]
        scenario.save()


def test_a_create_lists_what_it_sets_in_the_config_terms(created):
    config = rich()
    config.datasets.append(type(config.datasets[0]).from_dict(
        {"name": "NEW", "type": "Filesystem", "connection": "filesystem_managed", "path": "/new", "format_type": "csv",
         "format_params": {"separator": ";"}, "tags": ["t"]}))
    rc = only_change(plan(created, config))
    assert (rc.address, rc.action) == ("dataset.NEW", "create")
    assert [(c["path"], c["before"], c["after"]) for c in rc.changes] == [
        ("type", None, "Filesystem"), ("connection", None, "filesystem_managed"), ("tags", None, ["t"]),
        ("path", None, "/new"), ("format_type", None, "csv"), ("format_params", None, {"separator": ";"})]
    assert rc.after["formatType"] == "csv"  # the DSS JSON create sends stays in ``after``
    text = plan(created, config).to_text()
    assert "format_type: " in text and "formatType" not in text and " params: " not in text


SECRET = "Sup3r-S3cret-Value-20261201"
WITH_SECRET = """
version: "1.0"
project: {key: SECRETS}
datasets:
  - {name: PG, type: PostgreSQL, connection: pg_main, table: t,
     params: {properties: [{name: token, value: "${env:REVIEW_DB_PASSWORD}"}]}}
"""


def _assert_hidden(result):
    for view in (result.to_json(), result.to_text(), result.to_text(color=True), result.to_markdown(),
                 result.to_html()):
        assert SECRET not in view


def test_a_secret_from_the_environment_never_appears_in_any_view(created, monkeypatch):
    monkeypatch.setenv("REVIEW_DB_PASSWORD", SECRET)
    config = FrameworkConfig.from_yaml(WITH_SECRET)
    created_plan = plan(created, config)  # the project does not exist: everything is created
    assert [rc.action for rc in created_plan.resource_changes] == ["create", "create"]
    _assert_hidden(created_plan)
    bootstrap(created, config)
    settings = created.get_project("SECRETS").get_dataset("PG").get_settings()
    settings.get_raw()["params"]["password"] = SECRET  # set in DSS only: the plan never shows it
    settings.get_raw()["params"]["properties"][0]["value"] = SECRET + "-old"
    settings.save()
    updated = plan(created, config)
    rc = only_change(updated)
    assert [c["path"] for c in rc.changes] == ["params.properties[0].value"]
    _assert_hidden(updated)
    settings.get_raw()["params"]["properties"][0]["value"] = SECRET
    settings.save()
    unchanged = plan(created, config)
    assert not unchanged.has_changes
    _assert_hidden(unchanged)


def test_permission_edits_in_dss_are_named_by_the_config_entry(created):
    config = rich()
    project = created.get_project("REVIEW")
    perms = project.get_permissions()
    original = [dict(p) for p in perms["permissions"]]
    try:
        [engineers] = [p for p in perms["permissions"] if p.get("group") == "data_engineers"]
        engineers["writeProjectContent"] = False
        project.set_permissions(perms)
        rc = only_change(plan(created, config))
        assert [(c["path"], c["before"], c["after"]) for c in rc.changes] == [
            ("permissions[1].level", "read", "write"),
            ("permissions[1].extra", ["exportDatasetsData", "runScenarios"], ["exportDatasetsData"])]
        perms["permissions"] = [p for p in original if p.get("group") != "analysts"]
        project.set_permissions(perms)
        rc = only_change(plan(created, config))
        assert [(c["path"], c["before"]) for c in rc.changes] == [("permissions[0]", None)]
        perms["permissions"] = original + [{"user": "analytics_admin", "readProjectContent": True}]
        project.set_permissions(perms)
        rc = only_change(plan(created, config))
        configured = [{"group": "analysts", "level": "read"},
                      {"group": "data_engineers", "level": "write", "extra": ["exportDatasetsData"]}]
        assert [(c["path"], c["before"], c["after"]) for c in rc.changes] == [
            ("permissions", configured + [{"user": "analytics_admin", "level": "none", "extra": ["readProjectContent"]}],
             configured)]  # an entry the config does not have: the whole list, as the config writes it
    finally:
        perms["permissions"] = original
        project.set_permissions(perms)
    assert not plan(created, config).has_changes


PARTITIONED = """
version: "1.0"
project: {key: PARTS}
datasets:
  - {name: LAKE, type: Filesystem, connection: filesystem_managed, path: /lake, format_type: csv,
     partitioning: {file_path_pattern: "%Y/%M/%D/.*", dimensions: [{name: day, type: time, period: DAY}]}}
"""


def test_a_partitioned_dataset_plans_and_its_period_is_named_in_config_terms(created):
    config = FrameworkConfig.from_yaml(PARTITIONED)
    bootstrap(created, config)
    assert not plan(created, config).has_changes
    config.datasets[0].partitioning["dimensions"][0]["period"] = "MONTH"
    rc = only_change(plan(created, config))
    assert [c["path"] for c in rc.changes] == ["partitioning.dimensions[0].period"]


def test_local_variables_are_left_alone_when_the_config_gives_only_standard_ones(created):
    """Local variables are per instance (bundles do not carry them): a configuration that sets only
    ``standard`` does not own them; one that sets ``local`` does."""
    text = "version: \"1.0\"\nproject: {key: LOCALS, variables: {standard: {env: dev}}}\n"
    config = FrameworkConfig.from_yaml(text)
    bootstrap(created, config)
    project = created.get_project("LOCALS")
    project.set_variables({"standard": {"env": "dev"}, "local": {"machine": "dss-prod-1"}})
    assert not plan(created, config).has_changes
    project.set_variables({"standard": {"env": "dev", "extra": "1"}, "local": {"machine": "dss-prod-1"}})
    rc = only_change(plan(created, config))
    assert [(c["path"], c["before"], c["after"]) for c in rc.changes] == [("standard.extra", "1", None)]
    owned = FrameworkConfig.from_yaml(text.replace("{env: dev}}", "{env: dev, extra: \"1\"}, local: {}}"))
    rc = only_change(plan(created, owned))
    assert [(c["path"], c["before"], c["after"]) for c in rc.changes] == [("local.machine", "dss-prod-1", None)]


ON_S3 = """
version: "1.0"
project: {key: ONS3}
datasets:
  - {name: OUT, type: Filesystem, connection: real_s3, managed: true, format_type: csv}
"""


def test_a_managed_dataset_on_an_s3_connection_of_dss_type_ec2_is_not_replaced():
    """DSS names the S3 connection type ``EC2`` (dataikuapi maps EC2 -> S3 for datasets): the type
    DSS stores for a managed dataset on it, S3, is the connection's."""
    from emusupport import make_emulator
    emu = make_emulator(connections={"real_s3": "EC2"})
    try:
        dss = client_of(emu)
        config = FrameworkConfig.from_yaml(ON_S3)
        # the emulator refuses managed datasets on EC2 connections (DSS does not): created on the
        # filesystem, then moved to the S3 connection as DSS would have stored it
        bootstrap(dss, FrameworkConfig.from_yaml(ON_S3.replace("real_s3", "filesystem_managed")))
        settings = dss.get_project("ONS3").get_dataset("OUT").get_settings()
        settings.get_raw()["type"] = "S3"
        settings.get_raw()["params"]["connection"] = "real_s3"
        settings.save()
        assert not plan(dss, config).has_changes
        settings.get_raw()["type"] = "Azure"  # not what the connection gives: a real difference
        settings.save()
        assert only_change(plan(dss, config)).action == "replace"
    finally:
        emu.stop()


def test_a_scenario_comes_after_the_scenario_it_runs(created):
    """A run_scenario step refers to the other scenario by its DSS id: that scenario must exist first."""
    result = plan(created, rich())
    nightly = result.change("scenario.nightly")
    assert "scenario.scripted" in nightly.depends_on
    rank = {a: i for i, group in enumerate(result.doc["execution_groups"]) for a in group}
    assert rank["scenario.scripted"] < rank["scenario.nightly"]


def test_scenarios_running_each_other_plan_without_a_cycle(created):
    config = rich()
    config.find("scenarios", "scripted").type = "step_based"
    config.find("scenarios", "scripted").code = None
    config.find("scenarios", "scripted").code_env = None
    config.find("scenarios", "scripted").steps = [type(config.scenarios[0].steps[0]).from_dict(
        {"type": "run_scenario", "scenario": "nightly"})]
    result = plan(created, config)
    assert {rc.address: rc.action for rc in not_noop(result)} == {"scenario.scripted": "update"}


def test_the_default_zone_is_named_default_as_validation_allows(created):
    """``zone: default`` (the zone every object starts in; validation accepts it undeclared) matches
    an object DSS has in its default zone, and moving the object out of it is a change."""
    config = rich()
    config.find("datasets", "GROUPED").zone = "default"  # apply left it in the default zone
    assert not plan(created, config).has_changes
    config.find("datasets", "OUT").zone = "default"  # OUT is in zone serve
    rc = only_change(plan(created, config))
    assert (rc.address, rc.changes) == ("dataset.OUT", [{"path": "zone", "before": "serve", "after": "default",
                                                         "origin": "config"}])
