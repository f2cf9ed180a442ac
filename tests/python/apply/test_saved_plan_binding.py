"""A saved plan applies only to what it was made for (issue 14 §2).

Apply refuses a saved plan, naming the field, when a fresh plan of its configuration differs in the
project key, the DSS instance, the configuration digest, or any entry (address, action, before,
after, an entry added or removed). The tampered plans below carry a recomputed document digest, as
a deliberate edit would: the re-plan comparison is the guard. An edit that leaves the digest as it
was is caught on load; a plan of an older format (no digest) is refused with "plan again".
"""
import json

import pytest

from apply_support import fresh_key
from cli_support import cli_runner
from dataiku_framework import exitcodes
from dataiku_framework.apply import StalePlanError
from dataiku_framework.config.api import load_config
from dataiku_framework.plan.document import DIGEST_KEY, Plan, PlanFormatError, document_digest

CONFIG = """version: "1.0"
project: {key: %(key)s, name: Bound}
datasets:
  - {name: a, type: Filesystem, managed: true, format_type: csv, description: %(a)s}
  - {name: b, type: Filesystem, managed: true, format_type: csv, description: kept,
     lifecycle: {prevent_destroy: true}}
"""


@pytest.fixture
def made(engine, tmp_path):
    """A project applied once, then its configuration changed (dataset a's description): (key, config
    path, the saved plan's JSON text)."""
    key = fresh_key("SB")
    path = tmp_path / "config.yaml"
    path.write_text(CONFIG % {"key": key, "a": "one"})
    assert engine.apply(load_config(str(path))).succeeded
    path.write_text(CONFIG % {"key": key, "a": "two"})
    text = engine.plan(load_config(str(path)), config_source=str(path)).to_json()
    return key, str(path), text


def _description(client, key, name):
    return client.get_project(key).get_dataset(name).get_settings().get_raw().get("description")


def tampered(text, edit):
    """The saved plan with ``edit(doc)`` applied and its document digest recomputed (a deliberate edit)."""
    doc = json.loads(text)
    edit(doc)
    doc[DIGEST_KEY] = document_digest(doc)
    return json.dumps(doc)


def _entry(doc, address):
    return next(e for e in doc["resource_changes"] if e["address"] == address)


def _set(path, value):
    def edit(doc):
        target = doc
        for part in path[:-1]:
            target = _entry(doc, part) if isinstance(part, str) and "." in part and target is doc else target[part]
        target[path[-1]] = value
    return edit


def _add_entry(doc):
    extra = dict(_entry(doc, "dataset.a"), address="dataset.c", name="c")
    doc["resource_changes"].append(extra)


def _remove_entry(doc):
    doc["resource_changes"] = [e for e in doc["resource_changes"] if e["address"] != "dataset.b"]


def _rename_entry(doc):
    _entry(doc, "dataset.a")["address"] = "dataset.z"


TAMPERS = {
    "config_digest": (_set(("metadata", "config_digest"), "sha256:" + "0" * 64), "metadata.config_digest"),
    "action": (_set(("dataset.b", "action"), "update"), "dataset.b (action: the plan's update, now no-op)"),
    "before": (_set(("dataset.a", "before"), {"description": "forged"}), "dataset.a (changed in DSS since"),
    "after": (_set(("dataset.a", "after"), {"description": "forged"}), "dataset.a (after"),
    "changes": (_set(("dataset.a", "changes"), []), "dataset.a (changes differs)"),
    "address": (_rename_entry, "dataset.z (in the plan, not planned now)"),
    "added": (_add_entry, "dataset.c (in the plan, not planned now)"),
    "removed": (_remove_entry, "dataset.b (planned now, not in the plan: no-op)"),
}


@pytest.mark.parametrize("case", sorted(TAMPERS))
def test_a_tampered_saved_plan_is_refused_naming_the_field(engine, client, made, case):
    key, path, text = made
    edit, named = TAMPERS[case]
    plan = Plan.from_json(tampered(text, edit))
    with pytest.raises(StalePlanError) as refused:
        engine.apply(plan)
    assert named in str(refused.value), str(refused.value)
    assert _description(client, key, "a") == "one"
    assert len(engine.history(key)) == 1  # nothing applied, no history entry


def test_a_plan_edited_to_name_another_project_touches_nothing_there(engine, client, made, tmp_path):
    """The issue's reproduction: the saved plan names a victim project, whose dataset it deletes."""
    key, path, text = made
    victim = fresh_key("VICTIM")
    assert engine.apply(load_config_text(tmp_path, CONFIG % {"key": victim, "a": "one"})).succeeded

    def retarget(doc):
        doc["metadata"]["project_key"] = victim
        gone = dict(_entry(doc, "dataset.b"), action="delete", drop_data=True, after=None)
        doc["resource_changes"] = [gone]
        doc["metadata"]["allow_delete"] = True
    with pytest.raises(StalePlanError) as refused:
        engine.apply(Plan.from_json(tampered(text, retarget)))
    assert "the project (metadata.project_key: the plan's %s, now %s)" % (victim, key) in str(refused.value)
    assert "b" in [d["name"] for d in client.get_project(victim).list_datasets()]
    assert engine.lock_status(victim) is None
    assert len(engine.history(victim)) == 1 and len(engine.history(key)) == 1


def test_a_plan_made_here_given_with_another_projects_configuration_writes_nothing(engine, client, tmp_path):
    """``Engine.apply(plan, config=...)`` with a plan made in this process from another configuration
    (of a project still to create): refused before anything is written, neither project created nor
    locked, as a plan read from a file is."""
    planned_key, other_key = fresh_key("SBP"), fresh_key("SBO")
    plan = engine.plan(load_config_text(tmp_path, CONFIG % {"key": planned_key, "a": "one"}))
    other = load_config_text(tmp_path, CONFIG % {"key": other_key, "a": "one"})
    with pytest.raises(StalePlanError, match="metadata.project_key"):
        engine.apply(plan, config=other)
    assert planned_key not in client.list_project_keys() and other_key not in client.list_project_keys()


def load_config_text(tmp_path, text):
    path = tmp_path / ("c%d.yaml" % len(list(tmp_path.iterdir())))
    path.write_text(text)
    return load_config(str(path))


def test_a_plan_made_on_another_instance_is_refused_by_the_engine(engine, client, made):
    key, path, text = made
    plan = Plan.from_json(tampered(text, _set(("metadata", "dss_url"), "https://other-dss.example:11200")))
    with pytest.raises(StalePlanError) as refused:
        engine.apply(plan)
    assert "the DSS instance (metadata.dss_url: the plan was made on https://other-dss.example:11200" in str(
        refused.value)
    assert _description(client, key, "a") == "one"


def test_a_plan_whose_configuration_moved_is_refused(engine, client, made):
    key, path, text = made
    with open(path) as handle:
        moved = handle.read().replace("description: two", "description: three")
    with open(path, "w") as handle:
        handle.write(moved)
    with pytest.raises(StalePlanError) as refused:
        engine.apply(Plan.from_json(text))
    assert "the configuration (metadata.config_digest" in str(refused.value)
    assert _description(client, key, "a") == "one"


def test_an_untampered_saved_plan_applies(engine, client, made):
    key, path, text = made
    assert engine.apply(Plan.from_json(text)).succeeded
    assert _description(client, key, "a") == "two"


# -- the document digest, through the CLI ----------------------------------------------------------

@pytest.fixture
def cli(emu, monkeypatch, tmp_path, capsys):
    return cli_runner(emu, monkeypatch, tmp_path, capsys)


def test_an_edit_that_leaves_the_digest_is_caught_on_load(cli, client, made, tmp_path):
    key, path, text = made
    doc = json.loads(text)
    _entry(doc, "dataset.a")["after"]["description"] = "edited by hand"
    saved = tmp_path / "plan.json"
    saved.write_text(json.dumps(doc))
    code, out, err = cli("apply", str(saved), "--auto-approve")
    assert code == exitcodes.INVALID
    assert "document_digest does not match its content" in err and "Traceback" not in err
    assert _description(client, key, "a") == "one"
    with pytest.raises(PlanFormatError):
        Plan.from_json(json.dumps(doc))


def test_a_plan_of_the_older_format_without_digest_is_refused_saying_to_plan_again(cli, client, made, tmp_path):
    key, path, text = made
    doc = json.loads(text)
    del doc[DIGEST_KEY]
    doc["format_version"] = "1.1"
    saved = tmp_path / "plan.json"
    saved.write_text(json.dumps(doc))
    code, out, err = cli("apply", str(saved), "--auto-approve")
    assert code == exitcodes.INVALID
    assert "has no document_digest" in err and "Plan again" in err
    assert _description(client, key, "a") == "one"


def test_a_tampered_after_is_refused_through_the_cli(cli, client, made, tmp_path):
    key, path, text = made
    saved = tmp_path / "plan.json"
    saved.write_text(tampered(text, _set(("dataset.a", "after"), {"description": "forged"})))
    code, out, err = cli("apply", str(saved), "--auto-approve")
    assert code == exitcodes.INVALID and "dataset.a (after" in err, err
    assert out.splitlines()[0] == "dss-framework plan for project %s on %s" % (key, client.host)
    assert _description(client, key, "a") == "one"


def test_the_config_digest_does_not_hash_secret_values(engine, tmp_path, monkeypatch):
    """Two plans that differ only in a secret value (from the environment) have the same digest:
    it is over what the plan shows (redacted), so a saved plan cannot be used to guess the secret."""
    key = fresh_key("SD")
    text = ('version: "1.0"\nproject:\n  key: %s\n  name: Secret\n  variables: {standard: {endpoint: '
            '"${env:H1_SECRET}"}}\n' % key)
    digests = []
    for password in ("hunter2", "correct-horse-battery"):
        monkeypatch.setenv("H1_SECRET", "https://svc:%s@api.example.com/v1" % password)
        plan = engine.plan(load_config_text(tmp_path, text))
        assert password not in plan.to_json()
        digests.append(plan.doc["metadata"]["config_digest"])
    assert digests[0] == digests[1]


def test_the_engine_refuses_a_plan_of_the_older_format(engine, client, made):
    """Read for viewing, a 1.1 plan (no document digest) is not applied: plan again."""
    key, path, text = made
    doc = json.loads(text)
    del doc[DIGEST_KEY]
    doc["format_version"] = "1.1"
    plan = Plan.from_json(json.dumps(doc))
    assert plan.to_text().startswith("dss-framework plan for project %s" % key)
    with pytest.raises(PlanFormatError) as refused:
        engine.apply(plan)
    assert "has no document_digest" in str(refused.value) and "Plan again" in str(refused.value)
    assert _description(client, key, "a") == "one"
