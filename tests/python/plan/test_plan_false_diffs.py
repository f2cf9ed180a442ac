"""What must never be a change, and what must be one (the DSS habits that cause false drift).

Each test creates a small project as users do (``Engine.apply``, which records the apply state),
changes DSS through the client the way DSS itself or a UI user would, and plans: an edit made in
DSS is then drift (``origin: drift``), a change of the file is ``config``."""
from plan_support import bootstrap, not_noop, only_change, plan

from dataiku_framework import DatasetConfig, FrameworkConfig

BASE = """
version: "1.0"
project:
  key: FD
  name: False diffs
  tags: [b_tag, a_tag]
  permissions:
    - {group: readers, level: read}
    - {group: data_team, level: write}
datasets:
  - {name: RAW, type: Filesystem, connection: filesystem_managed, path: /data/raw, format_type: csv}
  - {name: OUT, type: Filesystem, connection: filesystem_managed, managed: true, format_type: csv,
     tags: [zeta, alpha]}
recipes:
  - name: compute_out
    type: python
    inputs: [RAW]
    outputs: [OUT]
    code: "import dataiku\\nprint('hello')\\n"
scenarios:
  - name: nightly
    triggers:
      - {type: temporal, frequency: daily, hour: 2, minute: 0}
      - {type: temporal, frequency: hourly, minute: 15}
    steps:
      - {type: build_flowitem, items: [OUT]}
"""


def created(dss, text=BASE):
    config = FrameworkConfig.from_yaml(text)
    bootstrap(dss, config)
    return config, dss.get_project(config.project.key)


def _save_dataset(project, name, change):
    settings = project.get_dataset(name).get_settings()
    change(settings.get_raw())
    settings.save()


def test_defaults_dss_fills_for_keys_the_config_leaves_unset_are_not_changes(dss):
    config, project = created(dss)
    raw = project.get_dataset("RAW").get_settings().get_raw()
    assert raw["params"]["filesSelectionRules"] and len(raw["formatParams"]) > 5  # DSS filled these in
    _save_dataset(project, "RAW", lambda r: r.update(description="written in the UI", tags=["ui"]))
    assert not plan(dss, config).has_changes  # RAW's description and tags are not managed by the config
    _save_dataset(project, "OUT", lambda r: r.update(tags=["ui"]))
    rc = only_change(plan(dss, config))  # OUT's tags are
    assert (rc.address, rc.changes) == ("dataset.OUT", [{"path": "tags", "before": ["ui"], "after": ["alpha", "zeta"],
                                                         "origin": "drift"}])


def test_server_stamps_are_ignored(dss):
    config, project = created(dss)
    before = project.get_dataset("RAW").get_settings().get_raw()["versionTag"]
    _save_dataset(project, "RAW", lambda r: None)  # a save that changes nothing but the stamps
    assert project.get_dataset("RAW").get_settings().get_raw()["versionTag"] != before
    result = plan(dss, config)
    assert not result.has_changes
    assert all("versionTag" not in (rc.before or {}) and "creationTag" not in (rc.before or {})
               for rc in result.resource_changes)


def test_set_like_lists_compare_without_order(dss):
    config, project = created(dss)
    perms = project.get_permissions()
    perms["permissions"] = list(reversed(perms["permissions"]))
    project.set_permissions(perms)
    metadata = project.get_metadata()
    metadata["tags"] = ["a_tag", "b_tag"]
    project.set_metadata(metadata)
    assert not plan(dss, config).has_changes
    perms["permissions"][0]["exportDatasetsData"] = True  # one more flag for one group: a real change
    project.set_permissions(perms)
    rc = only_change(plan(dss, config))
    index = [p.group for p in config.project.permissions].index(perms["permissions"][0]["group"])
    assert rc.address == "project"
    assert [c["path"] for c in rc.changes] == ["permissions[%d].extra" % index]


def test_project_key_variables_are_compared_as_dss_stores_them(dss):
    config, project = created(dss)
    assert project.get_dataset("OUT").get_settings().get_raw()["params"]["path"] == "${projectKey}/OUT"
    assert not plan(dss, config).has_changes
    _save_dataset(project, "OUT", lambda r: r["params"].update(path="FD/OUT"))  # expanded: not what is configured
    rc = only_change(plan(dss, config))
    assert rc.changes == [{"path": "path", "before": "FD/OUT", "after": "${projectKey}/OUT", "origin": "drift"}]


def test_code_is_compared_exactly_after_normalising_line_endings(dss):
    config, project = created(dss)
    settings = project.get_recipe("compute_out").get_settings()
    settings.set_payload("import dataiku\r\nprint('hello')\r\n")
    settings.save()
    assert not plan(dss, config).has_changes
    settings.set_payload("import dataiku\r\nprint('hello') \r\n")  # one trailing space is a change
    settings.save()
    rc = only_change(plan(dss, config))
    assert [c["path"] for c in rc.changes] == ["code"]
    assert rc.changes[0]["before"] == "import dataiku\nprint('hello') \n"  # full text, for the views' diffs


def _scenario_settings(project):
    [scenario] = project.list_scenarios(as_type="objects")
    return scenario.get_settings()


def test_scenario_triggers_match_by_content_and_keep_their_ids(dss):
    config, project = created(dss)
    settings = _scenario_settings(project)
    ids = [t["id"] for t in settings.raw_triggers]
    assert all(ids)
    settings.data["triggers"] = list(reversed(settings.raw_triggers))  # reordered in the UI
    settings.save()
    result = plan(dss, config)
    assert not result.has_changes
    assert [t["id"] for t in result.change("scenario.nightly").before["triggers"]] == ids
    config.scenarios[0].triggers[0].hour = 3
    rc = only_change(plan(dss, config))
    assert rc.changes == [{"path": "triggers[0].hour", "before": 2, "after": 3, "origin": "config"}]
    assert [t["id"] for t in rc.before["triggers"]] == ids  # apply can send the ids back


SPLIT = """
version: "1.0"
project: {key: DOLLAR}
datasets:
  - {name: IN, type: Filesystem, connection: filesystem_managed, path: /in, format_type: csv}
  - {name: S1, type: Filesystem, connection: filesystem_managed, managed: true}
  - {name: S2, type: Filesystem, connection: filesystem_managed, managed: true}
recipes:
  - name: split_in
    type: split
    inputs: [IN]
    outputs: [S1, S2]
    payload: {splitMode: RANDOM, "$uiState": {open: true}, filterSplits: [{"$status": {x: 1}, outputIndex: 0}]}
"""


def test_dollar_keys_of_visual_payloads_are_ui_metadata(dss):
    config, project = created(dss, SPLIT)
    settings = project.get_recipe("split_in").get_settings()
    payload = settings.get_json_payload()
    payload["$uiState"] = {"open": False}
    payload["filterSplits"][0]["$status"] = {"x": 2}
    settings.set_json_payload(payload)
    settings.save()
    assert not plan(dss, config).has_changes
    payload["filterSplits"][0]["outputIndex"] = 1
    settings.set_json_payload(payload)
    settings.save()
    rc = only_change(plan(dss, config))
    assert rc.changes == [{"path": "payload.filterSplits[0].outputIndex", "before": 1, "after": 0, "origin": "drift"}]


def test_create_replace_and_unmanaged(dss):
    config, project = created(dss)
    config.datasets.append(DatasetConfig(name="NEW", type="Filesystem", connection="filesystem_managed", path="/new",
                                         format_type="csv"))
    fs = project.create_dataset("ONLY_IN_DSS", "Filesystem", params={"connection": "filesystem_managed", "path": "x"},
                                formatType="csv")
    assert fs is not None
    raw = config.find("datasets", "RAW")
    raw.type, raw.connection = "HDFS", "hdfs_managed"  # DSS cannot change a dataset's type in place
    config.find("recipes", "compute_out").type = "r"
    result = plan(dss, config)
    actions = {rc.address: (rc.action, rc.reason) for rc in not_noop(result)}
    assert actions == {"dataset.NEW": ("create", "not in DSS"),
                       "dataset.RAW": ("replace", "type cannot change in place (Filesystem -> HDFS)"),
                       "recipe.compute_out": ("replace", "type cannot change in place (python -> r)")}
    assert result.change("dataset.NEW").before is None and result.change("dataset.NEW").after["type"] == "Filesystem"
    assert result.doc["unmanaged"] == [{"address": "dataset.ONLY_IN_DSS", "kind": "dataset", "name": "ONLY_IN_DSS"}]
    assert result.summary == {"create": 1, "update": 0, "replace": 2, "delete": 0, "no-op": 3}


def test_managed_dataset_type_comes_from_its_connection(dss):
    config, project = created(dss, BASE.replace("connection: filesystem_managed, managed: true",
                                                "connection: s3_lake, managed: true"))
    _save_dataset(project, "OUT", lambda r: r.update(type="S3"))  # what DSS stores for a managed dataset on S3
    assert not plan(dss, config).has_changes


def test_uploaded_files_managed_flag_is_not_compared(dss):
    text = BASE.replace("  - {name: RAW,", "  - {name: UP, type: UploadedFiles, format_type: csv}\n  - {name: RAW,")
    config, project = created(dss, text)
    assert project.get_dataset("UP").get_settings().get_raw()["managed"] is False  # as DSS reads uploads back
    config.find("datasets", "UP").managed = True
    assert not plan(dss, config).has_changes


def test_live_only_secrets_are_redacted_in_the_plan(dss):
    config, project = created(dss, BASE.replace("  name: False diffs\n",
                                                "  name: False diffs\n  variables: {standard: {env: dev}}\n"))
    project.set_variables({"standard": {"env": "dev", "db_password": "hunter2-Sup3r-S3cret"}, "local": {}})
    rc = only_change(plan(dss, config))
    assert rc.changes == [{"path": "standard.db_password", "before": "<redacted>", "after": None, "origin": "drift"}]
    assert "hunter2" not in plan(dss, config).to_json()


def test_managed_flag_flip_is_an_update_of_that_field(dss):
    """DSS keeps ``managed`` as a flag in the definition: flipping it is an update, not a replace
    (a replace would drop and recreate the dataset, and with it possibly its data)."""
    config, _ = created(dss)
    config.find("datasets", "OUT").managed = False
    rc = only_change(plan(dss, config))
    assert (rc.address, rc.action, rc.changes) == ("dataset.OUT", "update", [
        {"path": "managed", "before": True, "after": False, "origin": "config"}])


ZONED = """
version: "1.0"
project: {key: ZONES}
zones: [{name: ingest, color: "#ff0000"}, {name: serve}]
datasets:
  - {name: A, type: Filesystem, connection: filesystem_managed, path: /a, zone: ingest}
  - {name: B, type: Filesystem, connection: filesystem_managed, path: /b}
managed_folders:
  - {name: reports, connection: filesystem_folders, zone: ingest}
"""


def test_zone_membership_is_a_field_of_the_object_and_zones_are_found_by_name(dss):
    config, project = created(dss, ZONED)
    assert not plan(dss, config).has_changes  # zones are looked up by name, not by their random ids
    flow = project.get_flow()
    [serve] = [z for z in flow.list_zones() if z.name == "serve"]
    serve.add_item(project.get_dataset("A"))  # moved in the UI
    rc = only_change(plan(dss, config))
    assert (rc.address, rc.changes) == ("dataset.A", [{"path": "zone", "before": "serve", "after": "ingest",
                                                       "origin": "drift"}])
    serve.add_item(project.get_dataset("B"))  # B names no zone: where it lives is not managed
    assert [rc.address for rc in not_noop(plan(dss, config))] == ["dataset.A"]


def test_ignore_changes_leaves_the_named_fields_alone_and_says_so(dss):
    """``lifecycle.ignore_changes`` names fields (or subtrees) whose difference is never planned."""
    config, project = created(dss, BASE.replace(
        "     tags: [zeta, alpha]}",
        "     tags: [zeta, alpha], description: from yaml,\n     lifecycle: {ignore_changes: [description, params]}}"))
    _save_dataset(project, "OUT", lambda raw: raw.update(description="edited in the DSS UI"))
    _save_dataset(project, "OUT", lambda raw: raw["params"].update(path="${projectKey}/elsewhere"))
    out = next(rc for rc in plan(dss, config).resource_changes if rc.address == "dataset.OUT")
    assert out.action == "no-op"
    assert "description" in out.reason and "path" in out.reason
    _save_dataset(project, "OUT", lambda raw: raw.update(shortDesc="also edited"))
    config.datasets[1].short_desc = "from yaml"
    changed = only_change(plan(dss, config))
    assert (changed.address, [c["path"] for c in changed.changes]) == ("dataset.OUT", ["short_desc"])


def test_ignore_changes_names_a_first_class_location_field_or_its_params_key(dss):
    """``path`` (first-class) and ``params.path`` are one value: either spelling leaves it alone."""
    config, project = created(dss, BASE.replace(
        "path: /data/raw, format_type: csv}",
        "path: /data/raw, format_type: csv,\n     lifecycle: {ignore_changes: [path]}}"))
    _save_dataset(project, "RAW", lambda raw: raw["params"].update(path="/moved/by/hand"))
    raw = next(rc for rc in plan(dss, config).resource_changes if rc.address == "dataset.RAW")
    assert raw.action == "no-op" and "path" in raw.reason
