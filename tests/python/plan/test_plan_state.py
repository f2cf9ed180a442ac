"""Plan with the apply state (issue 9): config changes, drift and conflicts told apart, deletion planning.

The state is the real one (``state.StateStore`` on the emulator), written by hand the way apply
records it: each resource's canonical form is the ``after`` of a plan of the configuration as
applied. Every plan is checked against the shipped plan JSON Schema (``plan_support.plan``).
"""
import copy

import pytest

from plan_support import assert_valid, bootstrap, plan, without_state

from dataiku_framework import Engine, FrameworkConfig
from dataiku_framework.plan.deletes import GONE, NOT_ALLOWED, PROTECTED
from dataiku_framework.plan.document import FORMAT_VERSION
from dataiku_framework.render.text import difference_lines
from dataiku_framework.state import StateStore

KEY = "STATEFUL"
BASE = {
    "version": "1.0",
    "project": {"key": KEY, "name": "State test", "variables": {"standard": {"env": "dev", "region": "eu"}}},
    "datasets": [
        {"name": "RAW", "type": "Filesystem", "connection": "filesystem_managed", "path": "/data/raw",
         "format_type": "csv", "description": "raw data"},
        {"name": "CLEAN", "type": "Filesystem", "connection": "filesystem_managed", "managed": True,
         "format_type": "csv", "description": "clean data"},
        {"name": "SIDE", "type": "Filesystem", "connection": "filesystem_managed", "managed": True,
         "format_type": "csv", "description": "a side table"},
    ],
    "recipes": [{"name": "clean", "type": "python", "inputs": ["RAW"], "outputs": ["CLEAN"],
                 "code": "print('clean')\n"}],
    "scenarios": [{"name": "nightly", "triggers": [{"type": "temporal", "frequency": "daily", "hour": 2}],
                   "steps": [{"type": "build_flowitem", "items": ["CLEAN"]}]}],
}
APPLY_ID = "20261201T000000Z-0000test"


def config_of(edit=None):
    doc = copy.deepcopy(BASE)
    if edit:
        edit(doc)
    return FrameworkConfig.from_dict(doc)


def dataset(doc, name):
    return next(d for d in doc["datasets"] if d["name"] == name)


def record(client, applied, entries=None):
    """Write the state apply would have written after applying plan ``applied`` (every resource's
    canonical form is its ``after``); ``entries`` override fields of some resources' records."""
    state = StateStore(client, KEY).read()
    for rc in applied.resource_changes:
        if rc.action == "delete":
            continue
        state.record_resource(rc.address, rc.kind, rc.name, rc.after, APPLY_ID, created_by_tool=True)
    for address, fields in (entries or {}).items():
        state.resources[address].update(fields)
    return StateStore(client, KEY).write(state)


@pytest.fixture
def applied(dss):
    """The project as the base configuration creates it, and the state of that apply."""
    config = config_of()
    bootstrap(dss, config)
    without_state(dss, KEY)  # the state these tests write by hand replaces the one apply recorded
    first = plan(dss, config)
    assert not first.has_changes, [(rc.address, rc.changes) for rc in first.resource_changes if rc.changes]
    record(dss, first)
    return first


def edit_in_dss(client, name, key, value):
    settings = client.get_project(KEY).get_dataset(name).get_settings()
    settings.get_raw()[key] = value
    settings.save()


def test_a_plan_without_state_records_an_empty_state(dss):
    config = config_of()
    bootstrap(dss, config)
    without_state(dss, KEY)
    edit_in_dss(dss, "RAW", "description", "edited in DSS")
    result = plan(dss, config)
    meta = result.doc["metadata"]
    assert (meta["state_serial"], meta["state_lineage"], meta["allow_delete"]) == (0, None, False)
    assert result.doc["format_version"] == FORMAT_VERSION and not result.has_state
    change = result.change("dataset.RAW")
    assert [c["origin"] for c in change.changes] == ["config"]
    assert result.doc["drift"] == [] and result.doc["not_deleted"] == []
    assert result.has_drift  # without state every difference counts
    assert difference_lines(result.doc) == ["dataset.RAW: update (1 field differs)"]


def test_a_missing_project_plans_with_an_empty_state(dss):
    result = plan(dss, config_of())
    assert result.doc["metadata"]["state_serial"] == 0
    assert {rc.action for rc in result.resource_changes} == {"create"}


def test_an_edit_in_dss_is_drift(dss, applied):
    edit_in_dss(dss, "RAW", "description", "edited in DSS")
    result = plan(dss, config_of())
    meta = result.doc["metadata"]
    assert meta["state_serial"] == 1 and isinstance(meta["state_lineage"], str) and result.has_state
    change = result.change("dataset.RAW")
    assert change.action == "update"
    assert change.changes == [{"path": "description", "before": "edited in DSS", "after": "raw data",
                               "origin": "drift"}]
    assert result.doc["drift"] == [{"address": "dataset.RAW", "path": "description", "before": "raw data",
                                    "after": "edited in DSS"}]
    assert result.doc["conflicts"] == []
    assert result.has_drift
    assert difference_lines(result.doc) == ["dataset.RAW: description changed in DSS"]
    drift = drift_of(dss)
    assert drift.doc["drift"] == result.doc["drift"] and drift.has_drift


def drift_of(client, config=None):
    result = Engine(client=client).drift(config or config_of())
    assert_valid(result.doc)
    return result


def test_an_edit_of_the_file_is_a_config_change_not_drift(dss, applied):
    config = config_of(lambda doc: dataset(doc, "RAW").update(description="new description"))
    result = plan(dss, config)
    change = result.change("dataset.RAW")
    assert [(c["path"], c["origin"]) for c in change.changes] == [("description", "config")]
    assert result.doc["drift"] == [] and result.doc["conflicts"] == []
    assert not result.has_drift and difference_lines(result.doc) == []
    assert not drift_of(dss, config).has_drift


def test_both_sides_on_one_field_is_a_conflict(dss, applied):
    edit_in_dss(dss, "RAW", "description", "edited in DSS")
    config = config_of(lambda doc: dataset(doc, "RAW").update(description="new description"))
    result = plan(dss, config)
    change = result.change("dataset.RAW")
    assert change.changes == [{"path": "description", "before": "edited in DSS", "after": "new description",
                               "origin": "conflict"}]
    assert result.doc["conflicts"] == [{"address": "dataset.RAW", "path": "description", "before": "raw data",
                                        "after": "edited in DSS", "config": "new description"}]
    assert result.doc["drift"] == []
    assert difference_lines(result.doc) == ["dataset.RAW: description changed in DSS and in the configuration"]


def test_the_same_edit_on_both_sides_needs_nothing(dss, applied):
    edit_in_dss(dss, "RAW", "description", "agreed")
    result = plan(dss, config_of(lambda doc: dataset(doc, "RAW").update(description="agreed")))
    assert not result.has_changes and not result.has_drift


def test_drift_and_config_changes_in_one_plan(dss, applied):
    project = dss.get_project(KEY)
    [scenario_id] = [s["id"] for s in project.list_scenarios() if s["name"] == "nightly"]
    scenario = project.get_scenario(scenario_id).get_settings()
    scenario.get_raw()["triggers"][0]["params"]["hour"] = 5
    scenario.save()
    result = plan(dss, config_of(lambda doc: dataset(doc, "SIDE").update(description="edited in the file")))
    origins = {(rc.address, c["path"]): c["origin"] for rc in result.resource_changes for c in rc.changes}
    assert origins == {("scenario.nightly", "triggers[0].hour"): "drift", ("dataset.SIDE", "description"): "config"}
    assert result.doc["drift"] == [{"address": "scenario.nightly", "path": "triggers[0].hour", "before": 2,
                                    "after": 5}]
    assert difference_lines(result.doc) == ["scenario.nightly: triggers[0].hour changed in DSS"]


def test_ignore_changes_still_hides_drift(dss, applied):
    edit_in_dss(dss, "RAW", "description", "edited in DSS")
    config = config_of(lambda doc: dataset(doc, "RAW").update(lifecycle={"ignore_changes": ["description"]}))
    result = plan(dss, config)
    assert not result.has_changes and result.doc["drift"] == [] and not result.has_drift


def test_a_resource_deleted_in_dss_is_drift_and_created_again(dss, applied):
    dss.get_project(KEY).get_dataset("SIDE").delete()
    result = plan(dss, config_of())
    change = result.change("dataset.SIDE")
    assert change.action == "create" and change.reason == "deleted in DSS since it was applied"
    assert {c["origin"] for c in change.changes} == {"drift"}
    [drift] = result.doc["drift"]
    assert (drift["address"], drift["path"], drift["after"]) == ("dataset.SIDE", "", None)
    assert drift["before"]["description"] == "a side table"
    assert difference_lines(result.doc) == ["dataset.SIDE: deleted in DSS"]


def test_values_redacted_in_the_state_are_never_drift(dss, applied):
    # the state redacts what looks like a credential when it is written: such a value is unknown
    record(dss, applied, {"variables": {"canonical": {"standard": {"env": "dev", "region": "<redacted>"}}}})
    assert StateStore(dss, KEY).read().resource("variables")["canonical"]["standard"]["region"] == "<redacted>"
    result = plan(dss, config_of())
    assert not result.has_changes and result.doc["drift"] == []
    project = dss.get_project(KEY)
    variables = project.get_variables()
    variables["standard"]["region"] = "moved in DSS"
    project.set_variables(variables)
    result = plan(dss, config_of())
    change = result.change("variables")
    assert [(c["path"], c["origin"]) for c in change.changes] == [("standard.region", "config")]
    assert result.doc["drift"] == [] and result.doc["conflicts"] == []


def test_a_redacted_field_of_a_recorded_form_is_unknown(dss, applied):
    entry = StateStore(dss, KEY).read().resource("dataset.RAW")
    canonical = dict(entry["canonical"], description="<redacted: password>")
    record(dss, applied, {"dataset.RAW": {"canonical": canonical}})
    edit_in_dss(dss, "RAW", "description", "edited in DSS")
    result = plan(dss, config_of())
    assert [c["origin"] for c in result.change("dataset.RAW").changes] == ["config"]
    assert result.doc["drift"] == [] and result.doc["conflicts"] == []


def without(*names):
    def edit(doc):
        doc["datasets"] = [d for d in doc["datasets"] if d["name"] not in names]
        doc["recipes"] = [r for r in doc["recipes"] if r["name"] not in names]
    return edit


def test_a_removed_resource_is_not_deleted_without_permission(dss, applied):
    result = plan(dss, config_of(without("SIDE")))
    assert "dataset.SIDE" not in [rc.address for rc in result.resource_changes]
    assert result.doc["not_deleted"] == [{"address": "dataset.SIDE", "kind": "dataset", "name": "SIDE",
                                          "reason": NOT_ALLOWED}]
    assert result.not_deleted == result.doc["not_deleted"]
    assert result.doc["unmanaged"] == [] and result.summary["delete"] == 0 and not result.has_changes
    text = result.to_text()
    assert "Not deleted" in text and NOT_ALLOWED in text
    assert text.splitlines()[-1] == "No changes. DSS matches the configuration."


def test_a_removed_resource_is_deleted_with_allow_delete_or_prune(dss, applied):
    result = plan(dss, config_of(without("SIDE")), allow_delete=True)
    change = result.change("dataset.SIDE")
    entry = [e for e in result.doc["resource_changes"] if e["address"] == "dataset.SIDE"][0]
    assert (change.action, change.after, change.depends_on, entry["drop_data"]) == ("delete", None, [], False)
    recorded = StateStore(dss, KEY).read().resource("dataset.SIDE")["canonical"]  # DSS's terms, in the state
    assert recorded["formatType"] == "csv" and change.before["format_type"] == "csv"  # the plan: the config's
    assert "formatType" not in change.before and change.before["connection"] == "filesystem_managed"
    assert "its data is kept" in change.reason
    assert result.doc["execution_groups"][-1] == ["dataset.SIDE"] and result.doc["not_deleted"] == []
    assert result.summary["delete"] == 1 and result.doc["metadata"]["allow_delete"] is True
    assert result.to_text().splitlines()[-1] == "Plan: 0 to create, 0 to update, 1 to delete."
    assert result.doc["resource_changes"][-1]["address"] == "dataset.SIDE"  # deletes last
    pruned = plan(dss, config_of(lambda doc: (without("SIDE")(doc), doc.update(settings={"prune": True}))))
    assert pruned.change("dataset.SIDE").action == "delete" and pruned.doc["metadata"]["allow_delete"] is True


def test_targets_keep_deletes_only_when_targeted(dss, applied):
    config = config_of(without("SIDE"))
    targeted = plan(dss, config, allow_delete=True, targets=["dataset.SIDE"])
    assert [(rc.address, rc.action) for rc in targeted.resource_changes] == [("dataset.SIDE", "delete")]
    other = plan(dss, config, allow_delete=True, targets=["dataset.RAW"])
    assert [rc.address for rc in other.resource_changes] == ["dataset.RAW"]
    assert other.summary["delete"] == 0


def test_deletes_run_last_in_reverse_dependency_order(dss, applied):
    record(dss, applied, {"dataset.CLEAN": {"drop_data_on_destroy": True}})
    def edit(doc):
        without("clean", "CLEAN")(doc)
        doc["scenarios"] = []
    result = plan(dss, config_of(edit), allow_delete=True)
    assert result.doc["execution_groups"][-3:] == [["scenario.nightly"], ["recipe.clean"], ["dataset.CLEAN"]]
    deletes = [e for e in result.doc["resource_changes"] if e["action"] == "delete"]
    assert [e["address"] for e in deletes] == ["scenario.nightly", "recipe.clean", "dataset.CLEAN"]
    assert [e["drop_data"] for e in deletes] == [False, False, True]
    assert "its data is deleted too" in deletes[-1]["reason"]
    assert result.summary["delete"] == 3


def test_prevent_destroy_in_the_state_still_protects_a_removed_resource(dss, applied):
    record(dss, applied, {"dataset.SIDE": {"prevent_destroy": True}})
    result = plan(dss, config_of(without("SIDE")), allow_delete=True)
    assert "dataset.SIDE" not in [rc.address for rc in result.resource_changes]
    assert result.doc["not_deleted"] == [{"address": "dataset.SIDE", "kind": "dataset", "name": "SIDE",
                                          "reason": PROTECTED}]
    for view in (result.to_text(), result.to_markdown().replace("\\", ""), result.to_html()):
        assert "Not deleted" in view and "prevent_destroy is set in the state" in view


def test_unmanaged_objects_are_never_deleted(dss, applied):
    dss.get_project(KEY).create_dataset("HAND_MADE", "Filesystem",
                                        params={"connection": "filesystem_managed", "path": "x"}, formatType="csv")
    result = plan(dss, config_of(), allow_delete=True)
    assert result.doc["unmanaged"] == [{"address": "dataset.HAND_MADE", "kind": "dataset", "name": "HAND_MADE"}]
    assert not result.has_changes and result.doc["not_deleted"] == []


def test_a_removed_resource_already_gone_from_dss_is_reported(dss, applied):
    dss.get_project(KEY).get_dataset("SIDE").delete()
    result = plan(dss, config_of(without("SIDE")), allow_delete=True)
    assert not result.has_changes
    assert result.doc["not_deleted"] == [{"address": "dataset.SIDE", "kind": "dataset", "name": "SIDE",
                                          "reason": GONE}]


def test_a_protected_resource_is_never_replaced(dss, applied):
    def edit(doc):
        dataset(doc, "RAW").update(type="S3", connection="s3_lake", bucket="b", path="/p",
                                   lifecycle={"prevent_destroy": True})
    result = plan(dss, config_of(edit))
    entry = [e for e in result.doc["resource_changes"] if e["address"] == "dataset.RAW"][0]
    assert entry["action"] == "replace" and entry["prevent_destroy"] is True
    assert "refused: lifecycle.prevent_destroy" in entry["reason"] and "apply refuses" in entry["reason"]


def test_every_view_shows_drift_conflicts_and_not_deleted(dss, applied):
    edit_in_dss(dss, "RAW", "description", "edited in DSS")
    edit_in_dss(dss, "CLEAN", "description", "CLEAN edited in DSS")
    def edit(doc):
        dataset(doc, "CLEAN").update(description="CLEAN edited in the file")
        without("SIDE")(doc)
    result = plan(dss, config_of(edit))
    text, markdown, html = result.to_text(), result.to_markdown().replace("\\", ""), result.to_html()
    for view in (text, markdown, html):
        assert "Drift (" in view and "Conflicts (" in view and "Not deleted (" in view
        assert "Plan: 0 to create, 2 to update, 0 to delete." in view
    assert "dataset.RAW description: \"raw data\" -> \"edited in DSS\"" in text
    assert "the configuration asks: \"CLEAN edited in the file\"" in text
    assert "(drift: changed in DSS)" in text and "(conflict: changed in DSS and in the file)" in text
    assert "| last applied | DSS now | configuration |" in markdown
    assert "<th>last applied</th>" in html


def test_the_drift_command_reports_drift_alone(dss, applied, capsys, monkeypatch, tmp_path):
    import yaml
    from dataiku_framework import cli
    from emusupport import ADMIN_KEY
    path = tmp_path / "config.yaml"
    monkeypatch.setenv("DSS_HOST", dss.host)
    monkeypatch.setenv("DSS_API_KEY", ADMIN_KEY)
    for name in ("DKU_DSS_URL", "DKU_API_KEY"):
        monkeypatch.delenv(name, raising=False)

    def run(*argv):
        code = cli.main(list(argv))
        return code, capsys.readouterr().out

    doc = copy.deepcopy(BASE)
    dataset(doc, "RAW")["description"] = "changed in the file"
    path.write_text(yaml.safe_dump(doc))
    code, out = run("drift", str(path))
    assert code == 0 and "No drift" in out
    edit_in_dss(dss, "SIDE", "description", "edited in DSS")
    code, out = run("drift", str(path))
    assert code == 2 and out.splitlines()[-1] == "DSS changed since the last apply in 1 place(s)."
    assert '      dataset.SIDE description: "a side table" -> "edited in DSS"' in out.splitlines()
    path.write_text(yaml.safe_dump(dict(copy.deepcopy(BASE), datasets=BASE["datasets"][:2])))
    code, out = run("plan", str(path), "--allow-delete", "--detailed-exitcode")
    assert code == 2 and out.splitlines()[-1] == "Plan: 0 to create, 0 to update, 1 to delete."


# -- the views of a hand-written 1.1 document (any valid document renders, not only today's engine's) -------------

XSS = "<script>alert(1)</script>"


def _hand_doc(**extra):
    doc = {"format_version": "1.1",
           "metadata": {"tool_version": "0.1.0", "dss_url": "http://dss.example", "project_key": "K",
                        "config_digest": "sha256:" + "0" * 64, "live_digest": "sha256:" + "1" * 64,
                        "created_at": "2026-12-01T13:00:00Z", "created_by": "admin", "config_source": None,
                        "environment": None, "targets": [], "state_serial": 3, "state_lineage": "l",
                        "allow_delete": False},
           "resource_changes": [{"address": "recipe.r", "kind": "recipe", "name": "r", "action": "update",
                                 "reason": "1 field differs", "depends_on": [], "before": {}, "after": {},
                                 "changes": [{"path": "code", "before": "a\nb\n", "after": "a\nc\n",
                                              "origin": "conflict"}]}],
           "drift": [{"address": "dataset.D", "path": "params.password", "before": "hunter2-secret",
                      "after": "other-secret"},
                     {"address": "dataset.E", "path": "description", "before": XSS, "after": "x | y"}],
           "conflicts": [{"address": "recipe.r", "path": "code", "before": "a\nb\n", "after": "a\nd\n",
                          "config": "a\nc\n"}],
           "unmanaged": [],
           "not_deleted": [{"address": "zone.z", "kind": "zone", "name": "z", "reason": "**bold** " + XSS}],
           "execution_groups": [["recipe.r"]],
           "summary": {"create": 0, "update": 1, "replace": 0, "delete": 0, "no-op": 0}}
    doc.update(extra)
    return doc


def test_views_of_drift_conflicts_and_not_deleted_are_escaped_and_redacted():
    from dataiku_framework import Plan
    doc = _hand_doc()
    assert_valid(doc)
    result = Plan(doc)
    for view in (result.to_text(), result.to_markdown(), result.to_html()):
        assert "hunter2-secret" not in view and "other-secret" not in view
    markdown = result.to_markdown()
    assert XSS not in result.to_html()
    assert markdown.count(XSS) == 1 and '`"%s"`' % XSS in markdown  # only inside a code span
    assert "\\*\\*bold\\*\\* &lt;script&gt;" in markdown
    text = result.to_text()
    assert "recipe.r code: changed in DSS (last applied -> DSS now):" in text
    assert "      code: (conflict: changed in DSS and in the file)" in text
    assert result.has_drift and difference_lines(doc) == [
        "dataset.D: params.password changed in DSS", "dataset.E: description changed in DSS",
        "recipe.r: code changed in DSS and in the configuration"]


def test_a_1_0_document_still_validates_and_renders():
    from dataiku_framework import Plan
    doc = _hand_doc(format_version="1.0", drift=[], conflicts=[])
    del doc["not_deleted"]
    for key in ("state_serial", "state_lineage", "allow_delete"):
        del doc["metadata"][key]
    doc["resource_changes"][0]["changes"][0]["origin"] = "config"
    assert_valid(doc)
    result = Plan(doc)
    assert not result.has_state and result.has_drift and result.not_deleted == []
    assert result.to_text().splitlines()[-1] == "Plan: 0 to create, 1 to update, 0 to delete."
    doc11 = _hand_doc()
    del doc11["not_deleted"]
    with pytest.raises(AssertionError, match="not_deleted"):
        assert_valid(doc11)  # from 1.1 on, the state fields are required
