"""The plan store (``state.plans``) over the emulator with the real dataikuapi client: every operation,
retention, a tampered stored plan refused, a stale plan refused and marked, rights re-checked at
apply, a plan of another project refused, no secret stored."""
import json

import pytest

from dataiku_framework.apply.run import StalePlanError
from dataiku_framework.engine import Engine
from dataiku_framework.plugin.scope import NotProjectAdmin
from dataiku_framework.state.dssfiles import FOLDER, LibraryDocument
from dataiku_framework.state.plans import INDEX_NAME, PlanStore, PlanStoreError, TamperedPlanError, plan_file
from dataiku_framework.stored_plans import apply_stored

KEY = "PS1"
SECRET = "s3cr3t-Pa55word-value"
YAML = """version: "1.0"
project: {key: PS1, name: Stored plans}
datasets:
  - name: RAW
    type: Filesystem
    connection: filesystem_managed
    path: raw
    format_type: csv
"""


@pytest.fixture
def config_file(tmp_path):
    path = tmp_path / "project.yaml"
    path.write_text(YAML)
    return str(path)


@pytest.fixture
def made(client, config_file):
    """An engine on the admin client, the project created, and a plan of a change (the RAW dataset)."""
    client.create_project(KEY, "Stored plans", "admin")
    engine = Engine(client=client)
    from dataiku_framework.config.api import load_config
    return engine, engine.plan(load_config(config_file), config_source=config_file)


def _data_team_admins(client):
    """Group data_team (user analyst) administers the project."""
    project = client.get_project(KEY)
    project.set_permissions(dict(project.get_permissions(), permissions=[
        {"group": "data_team", "readProjectContent": True, "readConf": True, "writeProjectContent": True,
         "writeConf": True, "admin": True}]))


def _library_text(client, name):
    return LibraryDocument(client, KEY, name).read_text()


def test_save_list_get_approve_discard(client, made):
    engine, plan = made
    store = PlanStore(client, KEY)
    saved = store.save(plan, comment="first try")
    record = store.get(saved.id)
    assert record["status"] == "pending" and record["author"] == "admin"
    assert record["digest"] == json.loads(plan.to_json())["document_digest"]
    assert record["source"]["type"] == "file" and record["source"]["path"].endswith("project.yaml")
    assert record["comments"][0]["text"] == "first try"
    assert [e["id"] for e in store.list()] == [saved.id]
    assert store.list("approved") == []
    approved = store.approve(saved.id, comment="looks right")
    assert approved["status"] == "approved" and approved["events"][-1]["user"] == "admin"
    assert [e["status"] for e in store.get(saved.id)["events"]] == ["pending", "approved"]
    assert [e["id"] for e in store.list("approved")] == [saved.id]
    second = store.save(plan).id
    store.discard(second, comment="superseded")
    assert store.get(second)["status"] == "discarded"
    with pytest.raises(PlanStoreError, match="is discarded: it cannot become approved"):
        store.approve(second)
    assert _library_text(client, plan_file(saved.id)) is not None  # beside the state, in the library
    assert LibraryDocument(client, KEY, INDEX_NAME).path == "%s/%s" % (FOLDER, INDEX_NAME)


def test_readable_with_read_rights(emulator, client, made, reader):
    engine, plan = made
    client.get_project(KEY).set_permissions(dict(client.get_project(KEY).get_permissions(), permissions=[
        {"group": "readers", "readProjectContent": True, "readConf": True}]))
    plan_id = PlanStore(client, KEY).save(plan).id
    store = PlanStore(reader, KEY)
    assert store.get(plan_id)["status"] == "pending" and store.list()[0]["id"] == plan_id


def test_retention_prunes_finished_plans_never_open_ones(client, made):
    engine, plan = made
    store = PlanStore(client, KEY, limit=3)
    first = store.save(plan).id
    finished = [store.save(plan).id for _ in range(3)]
    for plan_id in finished:
        store.discard(plan_id)
    outcome = store.save(plan)  # 5 plans, limit 3: the two oldest finished go, the oldest (pending) stays
    assert outcome.pruned == finished[:2] and not outcome.notes
    assert [e["id"] for e in store.list()] == [outcome.id, finished[2], first]
    assert _library_text(client, plan_file(finished[0])) is None  # the pruned plan's file is deleted
    more = [store.save(plan) for _ in range(3)]  # 3 open + ... : only finished[2] can go
    assert more[0].pruned == [finished[2]]
    assert more[-1].pruned == [] and "never pruned" in more[-1].notes[0]
    assert {e["status"] for e in store.list()} == {"pending"} and len(store.list()) == 5


def test_a_tampered_stored_plan_is_refused_naming_it(client, made):
    engine, plan = made
    store = PlanStore(client, KEY)
    plan_id = store.save(plan).id
    store.approve(plan_id)
    document = LibraryDocument(client, KEY, plan_file(plan_id))
    record = document.read_document()
    record["plan"]["resource_changes"][0]["after"]["name"] = "EVIL"
    document.write_document(record)
    with pytest.raises(TamperedPlanError, match="stored plan %s" % plan_id):
        store.get(plan_id)
    with pytest.raises(TamperedPlanError, match=plan_id):
        apply_stored(engine, KEY, plan_id)
    assert "dataset.RAW" not in json.dumps(client.get_project(KEY).list_datasets())  # nothing applied


def test_a_recomputed_digest_is_caught_by_the_index(client, made):
    """Edited with both digests of the file computed again: the index's copy still tells."""
    from dataiku_framework.plan.document import DIGEST_KEY, document_digest
    engine, plan = made
    store = PlanStore(client, KEY)
    plan_id = store.save(plan).id
    document = LibraryDocument(client, KEY, plan_file(plan_id))
    record = document.read_document()
    record["plan"]["summary"]["create"] = 0
    record["plan"][DIGEST_KEY] = record["digest"] = document_digest(record["plan"])
    document.write_document(record)
    with pytest.raises(TamperedPlanError, match="not the one the index recorded"):
        store.get(plan_id)


def test_apply_stored_then_marked_applied_with_its_apply_id(client, made):
    engine, plan = made
    store = PlanStore(client, KEY)
    plan_id = store.save(plan).id
    with pytest.raises(PlanStoreError, match="only an approved plan is applied"):
        apply_stored(engine, KEY, plan_id)
    store.approve(plan_id)
    result = apply_stored(engine, KEY, plan_id, checkpoint=False)
    assert result.succeeded and result.apply_id
    record = store.get(plan_id)
    assert record["status"] == "applied" and record["apply_id"] == result.apply_id
    assert [d["name"] for d in client.get_project(KEY).list_datasets()] == ["RAW"]
    assert engine.history(KEY)[0]["apply_id"] == result.apply_id


def test_a_stale_plan_is_refused_and_marked(client, made):
    engine, plan = made
    store = PlanStore(client, KEY)
    plan_id = store.save(plan).id
    store.approve(plan_id)
    from emusupport import fs_dataset
    fs_dataset(client.get_project(KEY), "RAW")  # DSS moved: RAW now exists, so the plan's create is stale
    with pytest.raises(StalePlanError, match="dataset.RAW"):
        apply_stored(engine, KEY, plan_id)
    record = store.get(plan_id)
    assert record["status"] == "stale" and "dataset.RAW" in record["events"][-1]["comment"]


def test_a_non_admin_cannot_approve_nor_apply_an_approved_plan(emulator, client, made, analyst):
    """A record is not a permission: an approved plan applied by a non-admin is refused by its rights."""
    engine, plan = made
    project = client.get_project(KEY)
    project.set_permissions(dict(project.get_permissions(), permissions=[
        {"group": "data_team", "readProjectContent": True, "readConf": True, "writeProjectContent": True,
         "writeConf": True}]))
    plan_id = PlanStore(client, KEY).save(plan).id
    with pytest.raises(PlanStoreError, match="needs administrator rights on project PS1"):
        PlanStore(analyst, KEY).approve(plan_id)
    with pytest.raises(PlanStoreError, match="discarding stored plan %s needs administrator rights" % plan_id):
        PlanStore(analyst, KEY).discard(plan_id)
    PlanStore(client, KEY).approve(plan_id)
    with pytest.raises(NotProjectAdmin, match="analyst"):
        apply_stored(Engine(client=analyst), KEY, plan_id)
    assert PlanStore(client, KEY).get(plan_id)["status"] == "approved"


def test_approver_must_differ_from_the_author_when_the_project_says_so(client, made, analyst):
    engine, plan = made
    store = PlanStore(client, KEY)
    with pytest.raises(PlanStoreError, match="needs administrator rights"):
        PlanStore(analyst, KEY).set_setting("approver_must_differ", True)
    store.set_setting("approver_must_differ", True)
    plan_id = store.save(plan).id
    with pytest.raises(PlanStoreError, match="made by admin, who may not approve it"):
        store.approve(plan_id)
    assert store.get(plan_id)["status"] == "pending"


def test_a_plan_of_another_project_is_refused(client, made):
    engine, plan = made
    client.create_project("OTHER", "Other", "admin")
    with pytest.raises(PlanStoreError, match="this plan is of project PS1, not OTHER"):
        PlanStore(client, "OTHER").save(plan)
    plan_id = PlanStore(client, KEY).save(plan).id
    moved = LibraryDocument(client, KEY, plan_file(plan_id)).read_document()
    LibraryDocument(client, "OTHER", plan_file(plan_id)).write_document(moved)  # copied by hand
    with pytest.raises(TamperedPlanError, match="plan of project PS1, found in project OTHER"):
        PlanStore(client, "OTHER").get(plan_id)


def test_an_id_naming_another_path_is_refused(client, made):
    with pytest.raises(PlanStoreError, match="is not a stored plan id"):
        PlanStore(client, KEY).get("../state")


def test_secrets_are_not_stored(client, tmp_path):
    """A secret DSS holds (a project variable the plan shows before its change), and one in a
    comment, never reach the library."""
    client.create_project(KEY, "Stored plans", "admin")
    project = client.get_project(KEY)
    variables = project.get_variables()
    variables["standard"] = {"db_password": SECRET, "region": "us"}
    project.set_variables(variables)
    path = tmp_path / "project.yaml"
    path.write_text('version: "1.0"\nproject:\n  key: PS1\n  name: Stored plans\n  variables:\n'
                    '    standard: {region: eu}\n')
    from dataiku_framework.config.api import load_config
    plan = Engine(client=client).plan(load_config(str(path)), config_source=str(path))
    assert "db_password" in plan.to_json()  # the plan does show the variable
    store = PlanStore(client, KEY)
    plan_id = store.save(plan, comment="password=%s" % SECRET).id
    store.comment(plan_id, "token: %s" % SECRET)
    texts = [_library_text(client, plan_file(plan_id)), _library_text(client, INDEX_NAME)]
    assert all(SECRET not in text for text in texts)
    assert "db_password" in texts[0]  # the variable is there, its value redacted


def test_a_plan_creating_its_project_cannot_be_stored_in_it(client, config_file):
    from dataiku_framework.config.api import load_config
    plan = Engine(client=client).plan(load_config(config_file), config_source=config_file)
    with pytest.raises(PlanStoreError, match="creates project PS1, whose library"):
        PlanStore(client, KEY).save(plan)


def test_a_browser_user_approves_and_applies_under_their_own_name(emulator, client, made):
    """A webapp backend runs as the admin; the browser's user (a session cookie) is the one whose
    rights are checked and whose name the plan store and the apply history record."""
    from emusupport import browser_headers
    from dataiku_framework.stored_plans import browser_user_client
    engine, plan = made
    _data_team_admins(client)
    plan_id = PlanStore(client, KEY).save(plan).id
    login, as_user = browser_user_client(client, browser_headers(emulator, "analyst"))
    assert login == "analyst"
    PlanStore(as_user, KEY).approve(plan_id, comment="mine")
    result = apply_stored(Engine(client=as_user), KEY, plan_id, checkpoint=False)
    record = PlanStore(client, KEY).get(plan_id)
    assert [(e["status"], e["user"]) for e in record["events"]] == [("pending", "admin"), ("approved", "analyst"),
                                                                     ("applied", "analyst")]
    assert Engine(client=client).history(KEY)[0]["user"] == "analyst" and record["apply_id"] == result.apply_id
    reader_login, as_reader = browser_user_client(client, browser_headers(emulator, "reader"))
    with pytest.raises(PlanStoreError, match="DSS user reader"):
        PlanStore(as_reader, KEY).approve(PlanStore(client, KEY).save(plan).id)


def test_a_failed_apply_is_recorded_failed_with_its_apply_id(emulator, client, made):
    engine, plan = made
    store = PlanStore(client, KEY)
    plan_id = store.save(plan).id
    store.approve(plan_id)
    emulator.faults.configure({"fail_nth_write": 1, "fail_count": 50, "fail_status": 500,
                               "path_contains": "/datasets"})
    try:
        result = apply_stored(engine, KEY, plan_id, checkpoint=False)
    finally:
        emulator.faults.clear()
    record = store.get(plan_id)
    assert not result.succeeded and result.apply_id
    assert record["status"] == "failed" and record["apply_id"] == result.apply_id
    with pytest.raises(PlanStoreError, match="is failed: it cannot become applied"):
        store.mark_applied(plan_id, "again", True)


def test_plan_and_store_from_a_file_source(client, made, config_file):
    from dataiku_framework.stored_plans import plan_and_store
    engine, _ = made
    saved, plan = plan_and_store(engine, KEY, {"type": "file", "path": config_file}, comment="from the page")
    record = PlanStore(client, KEY).get(saved.id)
    assert record["source"] == {"type": "file", "path": config_file} and plan.summary["create"] == 1
    client.create_project("OTHER", "Other", "admin")
    with pytest.raises(PlanStoreError, match="this plan is of project PS1, not OTHER"):
        plan_and_store(engine, "OTHER", {"type": "file", "path": config_file})


def test_the_history_names_the_approver_beside_the_applier(client, made, analyst):
    engine, plan = made
    _data_team_admins(client)
    plan_id = PlanStore(client, KEY).save(plan).id
    PlanStore(analyst, KEY).approve(plan_id)
    result = apply_stored(engine, KEY, plan_id, checkpoint=False)
    [entry] = [e for e in engine.history(KEY) if e["apply_id"] == result.apply_id]
    assert entry["user"] == "admin" and entry["stored_plan"]["approved_by"] == "analyst"
    assert entry["stored_plan"]["id"] == plan_id


def test_an_unreadable_index_or_a_newer_record_is_one_clear_error(client, made):
    engine, plan = made
    store = PlanStore(client, KEY)
    plan_id = store.save(plan).id
    document = LibraryDocument(client, KEY, plan_file(plan_id))
    record = document.read_document()
    document.write_document(dict(record, format_version=2))
    with pytest.raises(PlanStoreError, match="stored plan %s of project PS1 was written in format version 2" % plan_id):
        store.get(plan_id)
    LibraryDocument(client, KEY, INDEX_NAME).write_text("{not json")
    with pytest.raises(PlanStoreError, match="library file dataiku-framework/plans.json of project PS1 is not valid "
                                             "JSON.*repair it from the project's git history"):
        store.list()


def test_only_a_project_admin_confirms_the_webapp_s_source_recorded_with_who_and_when(client, made, analyst):
    """The review webapp plans only from a source a project admin confirmed: the store keeps it (the
    exact parameters, who, when) beside its settings, which changing a setting keeps."""
    source = {"type": "folder", "project": KEY, "folder": "abc", "path": "project.yaml", "environment": None}
    store = PlanStore(client, KEY)
    assert store.confirmed_source() is None
    with pytest.raises(PlanStoreError, match="needs administrator rights"):
        PlanStore(analyst, KEY).confirm_source(source)
    assert store.confirmed_source() is None
    record = store.confirm_source(source)
    assert record["source"] == source and record["by"] == "admin" and record["at"]
    store.set_setting("approver_must_differ", True)
    assert PlanStore(client, KEY).confirmed_source() == record
    assert "confirmed_source" not in store.settings()


def test_a_stored_plan_is_linked_in_the_history_by_the_apply_itself_under_its_one_lock(emulator, client, made):
    """The link to the stored plan is part of the apply's history entry from the start: after the
    apply's "after" checkpoint (the commit rollback returns to) only its lock's release and the stored
    plan's record are written; no second lock, state read and state write."""
    engine, plan = made
    store = PlanStore(client, KEY)
    plan_id = store.save(plan).id
    store.approve(plan_id)
    emulator.stats.keep = 10 ** 6
    emulator.stats.reset()
    result = apply_stored(engine, KEY, plan_id)
    writes = [e["path"] for e in emulator.stats.snapshot(with_log=True)["log"] if e["write"]]
    after = writes[len(writes) - 1 - writes[::-1].index("/projects/%s/git/tags/" % KEY) + 1:]
    assert [p.rsplit("/", 1)[-1] for p in after] == ["lock.json", plan_file(plan_id), INDEX_NAME], after
    [entry] = [e for e in engine.history(KEY) if e["apply_id"] == result.apply_id]
    assert entry["stored_plan"]["id"] == plan_id and entry["stored_plan"]["approved_by"] == "admin"
    assert entry["stored_plan"]["digest"] == store.get(plan_id)["digest"]


def test_a_stored_plan_made_with_another_project_key_is_applied_to_that_project(client, config_file):
    """``--project-key``: the stored source names PS1, the plan PS1_COPY; applying it reads the source
    again and applies it to PS1_COPY (``engine.rekeyed_as_planned``, shared with a saved plan file)."""
    from dataiku_framework.config.api import load_config
    client.create_project("PS1_COPY", "Copy", "admin")
    engine = Engine(client=client)
    plan = engine.plan(load_config(config_file).with_project_key("PS1_COPY"), config_source=config_file)
    store = PlanStore(client, "PS1_COPY")
    plan_id = store.save(plan).id
    store.approve(plan_id)
    assert apply_stored(engine, "PS1_COPY", plan_id, checkpoint=False).succeeded
    assert [d["name"] for d in client.get_project("PS1_COPY").list_datasets()] == ["RAW"]
    assert KEY not in client.list_project_keys()


def _requests(emulator, call):
    """What ``call`` sent to DSS: [(method, what)], ``what`` the library file's name, ``listing`` for
    the library tree, else the path."""
    emulator.stats.keep = 10 ** 6
    emulator.stats.reset()
    call()
    sent = []
    for e in emulator.stats.snapshot(with_log=True)["log"]:
        path = e["path"].rstrip("/")
        what = "listing" if path.endswith("/libraries/contents") else path.rsplit("/", 1)[-1] \
            if "/libraries/" in path else path
        sent.append((e["method"], what))
    return sorted(sent)


def test_each_store_operation_lists_the_library_once_and_reads_and_writes_each_file_once(emulator, client, made):
    """One library listing per operation, shared by its reads and writes; the index read once however
    many steps need it (approve: the digest check, the settings, the status change); a new plan file
    written in one request carrying its text (no empty file created first, which a reader would see)."""
    _, plan = made
    store = PlanStore(client, KEY)
    first = store.save(plan).id  # creates the folder and the index
    saved = []
    sent = _requests(emulator, lambda: saved.append(store.save(plan).id))
    plan_id = saved[0]
    index, record = ("GET", INDEX_NAME), ("GET", plan_file(plan_id))
    listing, rights = ("GET", "listing"), ("GET", "/projects/%s/permissions" % KEY)
    assert sent == sorted([listing, index, ("POST", plan_file(plan_id)), ("POST", INDEX_NAME)]), sent
    assert _requests(emulator, lambda: store.get(plan_id)) == sorted([listing, record, index])
    assert _requests(emulator, lambda: store.approve(plan_id)) == sorted([
        rights, listing, record, index, ("POST", plan_file(plan_id)), ("POST", INDEX_NAME)])
    assert _requests(emulator, lambda: store.comment(plan_id, "noted")) == sorted([
        listing, record, ("POST", plan_file(plan_id))])
    assert _requests(emulator, lambda: store.discard(first)) == sorted([
        rights, listing, ("GET", plan_file(first)), index, ("POST", plan_file(first)), ("POST", INDEX_NAME)])
    assert [e["status"] for e in store.list()] == ["approved", "discarded"]
    assert store.get(plan_id)["comments"][-1]["text"] == "noted"
