"""The apply state in the project library, through the real dataikuapi client against the emulator."""
import json
import re
from datetime import datetime, timezone

import pytest
from dataikuapi.utils import DataikuException

from emusupport import ANALYST_KEY
from dataiku_framework.state import (HISTORY_LIMIT, State, StateFormatError, StaleStateError, StateStore,
                                     new_apply_id)

PATH = "/dataiku-framework/state.json"
LIB_WRITE = "POST /projects/{projectKey}/libraries/contents/{path*}"


def _raw(project):
    return project.get_library().get_file(PATH).read()


def _put_raw(project, doc):
    library = project.get_library()
    handle = library.get_file(PATH) or library.add_file("dataiku-framework/state.json")
    handle.write(doc if isinstance(doc, str) else json.dumps(doc))


def _writes(emulator):
    snap = emulator.stats.snapshot(with_log=False)
    return snap["writes"], snap["by_route"].get(LIB_WRITE, 0)


def _applied(state, address="dataset.RAW", canonical=None, apply_id="A1", **kwargs):
    return state.record_resource(address, "dataset", address.split(".", 1)[1],
                                 canonical if canonical is not None else {"type": "Filesystem"}, apply_id, **kwargs)


def test_absent_state_reads_empty_without_writing(emulator, project):
    before = _writes(emulator)
    state = StateStore(emulator.client("test-admin-key"), "P1").read()
    assert (state.serial, state.lineage, state.resources, state.history, state.exists) == (0, None, {}, [], False)
    assert _writes(emulator) == before
    assert project.get_library().get_file(PATH) is None


def test_first_write_creates_file_and_lineage_then_each_write_is_one_request(emulator, client, project):
    store = StateStore(client, "P1")
    state = store.read()
    _applied(state, created_by_tool=True)
    first = store.write(state)
    assert first.serial == 1 and first.lineage and state.serial == 0      # the input is left unchanged
    assert json.loads(_raw(project))["serial"] == 1
    assert "dataiku-framework" in [i.name for i in project.get_library().list()]

    for serial in (2, 3, 4):
        current = store.read()
        _applied(current, canonical={"type": "Filesystem", "n": serial})
        w0, lib0 = _writes(emulator)
        written = store.write(current, current.serial)
        w1, lib1 = _writes(emulator)
        assert (w1 - w0, lib1 - lib0) == (1, 1)
        assert written.serial == serial and written.lineage == first.lineage
    again = store.read()
    assert again.serial == 4 and again.lineage == first.lineage
    assert again.resource("dataset.RAW")["canonical"] == {"type": "Filesystem", "n": 4}
    assert again.resource("dataset.RAW")["created_by_tool"] is True      # kept when re-recorded with None


def test_document_shape(client, project):
    store = StateStore(client, "P1")
    state = store.read()
    apply_id = state.start_apply("admin", "ci-host", "sha256:abc", "examples/x.yaml")
    _applied(state, apply_id=apply_id, prevent_destroy=True, created_by_tool=True)
    state.end_apply(apply_id, "succeeded", {"create": 1})
    store.write(state)
    doc = json.loads(_raw(project))
    assert doc["format_version"] == 1 and doc["serial"] == 1 and isinstance(doc["lineage"], str)
    assert set(doc["resources"]["dataset.RAW"]) == {"kind", "name", "canonical", "created_by_tool",
                                                    "prevent_destroy", "applied_at", "apply_id"}
    resource = doc["resources"]["dataset.RAW"]
    assert (resource["kind"], resource["name"], resource["prevent_destroy"], resource["apply_id"]) == \
        ("dataset", "RAW", True, apply_id)
    [entry] = doc["history"]
    assert set(entry) == {"apply_id", "user", "host", "started_at", "ended_at", "config_digest", "config_source",
                          "result", "counts"}
    assert (entry["result"], entry["counts"], entry["config_source"]) == ("succeeded", {"create": 1},
                                                                          "examples/x.yaml")
    assert entry["started_at"].endswith("Z") and entry["ended_at"] >= entry["started_at"]


def test_stale_write_is_refused_and_dss_keeps_the_newer_state(client, analyst, project):
    StateStore(client, "P1").write(State())
    one, two = StateStore(client, "P1").read(), StateStore(client, "P1").read()
    _applied(one, "dataset.A")
    StateStore(client, "P1").write(one)
    _applied(two, "dataset.B")
    with pytest.raises(StaleStateError) as e:
        StateStore(client, "P1").write(two, two.serial)
    assert "serial 2" in str(e.value) and "serial 1" in str(e.value)
    assert (e.value.expected_serial, e.value.actual_serial) == (1, 2)
    assert set(json.loads(_raw(project))["resources"]) == {"dataset.A"}
    # a fresh state (serial 0) cannot overwrite an existing one either
    with pytest.raises(StaleStateError):
        StateStore(client, "P1").write(State())


def test_replaced_lineage_is_refused(client, project):
    store = StateStore(client, "P1")
    old = store.write(State())
    doc = json.loads(_raw(project))
    doc["lineage"] = "another-lineage"
    _put_raw(project, doc)
    with pytest.raises(StaleStateError, match="lineage another-lineage.*lineage %s" % old.lineage):
        store.write(old)


@pytest.mark.parametrize("version", [2, "2.0", "3.1"])
def test_newer_major_format_is_refused_naming_both_versions(client, project, version):
    _put_raw(project, {"format_version": version, "lineage": "x", "serial": 7, "resources": {}, "history": []})
    store = StateStore(client, "P1")
    with pytest.raises(StateFormatError) as e:
        store.read()
    message = str(e.value)
    assert "format version %s" % version in message and "format version 1" in message and "P1" in message
    with pytest.raises(StateFormatError):
        store.write(State(), 7)
    assert json.loads(_raw(project))["format_version"] == version      # never overwritten


@pytest.mark.parametrize("text", ["{not json", "[1, 2]", json.dumps({"format_version": 1, "serial": "x"}),
                                  json.dumps({"serial": 1})])
def test_unreadable_state_is_refused_and_left_alone(client, project, text):
    _put_raw(project, text)
    store = StateStore(client, "P1")
    with pytest.raises(StateFormatError, match="P1"):
        store.read()
    with pytest.raises(StateFormatError):
        store.write(State(), 1)
    assert _raw(project) == text


def test_minor_version_fields_are_kept_on_rewrite(client, project):
    _put_raw(project, {"format_version": 1, "lineage": "L", "serial": 3, "future_top": {"a": 1},
                       "resources": {"dataset.A": {"kind": "dataset", "name": "A", "canonical": {}, "apply_id": "X",
                                                   "created_by_tool": True, "prevent_destroy": False,
                                                   "applied_at": "2026-01-01T00:00:00.000Z", "future_res": [1]}},
                       "history": [{"apply_id": "X", "result": "succeeded", "future_hist": "h"}]})
    store = StateStore(client, "P1")
    state = store.read()
    _applied(state, "dataset.A", canonical={"v": 2})
    _applied(state, "dataset.B")
    store.write(state)
    doc = json.loads(_raw(project))
    assert doc["future_top"] == {"a": 1} and doc["serial"] == 4 and doc["lineage"] == "L"
    assert doc["resources"]["dataset.A"]["future_res"] == [1]
    assert doc["resources"]["dataset.A"]["canonical"] == {"v": 2}
    assert doc["resources"]["dataset.A"]["created_by_tool"] is True
    assert doc["resources"]["dataset.B"]["created_by_tool"] is False
    assert doc["history"][0]["future_hist"] == "h"


def test_secrets_never_reach_the_library_file(client, project):
    secrets = ["hunter2-not-for-git", "s3cr3t-db-pass", "AKIAABCDEFGHIJKLMNOP", "pa55word-in-url",
               "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"]
    store = StateStore(client, "P1")
    state = store.read()
    apply_id = state.start_apply("admin", "h", "sha256:1", "https://bot:pa55word-in-url@git.example.com/cfg.git")
    _applied(state, "dataset.DB", apply_id=apply_id, canonical={
        "type": "PostgreSQL", "params": {"password": "hunter2-not-for-git", "dbPassword": "s3cr3t-db-pass",
                                         "table": "orders", "note": "key AKIAABCDEFGHIJKLMNOP"},
        "custom": [{"token": secrets[4]}]})
    written = store.write(state)
    text = _raw(project)
    for secret in secrets:
        assert secret not in text
    assert "orders" in text and "<redacted" in text
    params = written.resource("dataset.DB")["canonical"]["params"]
    assert params["table"] == "orders" and params["password"] == "<redacted>"
    assert store.read().resource("dataset.DB")["canonical"]["params"] == params


def test_remove_resource_and_history_bound(client, project):
    store = StateStore(client, "P1")
    state = store.read()
    _applied(state, "dataset.A")
    _applied(state, "dataset.B")
    assert state.remove_resource("dataset.A")["name"] == "A"
    assert state.remove_resource("dataset.A") is None
    ids = [state.start_apply("u", "h", None, None, apply_id="apply-%03d" % i) for i in range(HISTORY_LIMIT + 5)]
    state.end_apply(ids[-1], "partial", {"update": 2, "failed": 1})
    written = store.write(state)
    assert list(written.resources) == ["dataset.B"]
    assert [h["apply_id"] for h in written.history] == ids[5:]
    assert written.history_entry(ids[-1])["result"] == "partial"
    assert written.history_entry(ids[-2])["result"] is None
    assert store.read().history == written.history


def test_history_entry_checks(client):
    state = State()
    apply_id = state.start_apply("u", "h", None, None)
    with pytest.raises(ValueError, match="already in the history"):
        state.start_apply("u", "h", None, None, apply_id=apply_id)
    with pytest.raises(ValueError, match="succeeded, failed, partial"):
        state.end_apply(apply_id, "done")
    with pytest.raises(ValueError, match="integers"):
        state.end_apply(apply_id, "failed", {"create": "1"})
    with pytest.raises(ValueError, match="not in the history"):
        state.end_apply("nope", "failed")
    state.end_apply(apply_id, "failed", {"create": 0})
    with pytest.raises(ValueError, match="already ended"):
        state.end_apply(apply_id, "succeeded")
    with pytest.raises(TypeError, match="dataset.X"):
        state.record_resource("dataset.X", "dataset", "X", {"bad": object()}, apply_id)
    stamp = datetime(2026, 12, 1, 14, 32, 5, tzinfo=timezone.utc)
    assert re.fullmatch(r"20261201T143205Z-[0-9a-f]{8}", new_apply_id(stamp))  # sortable by time, a git tag
    assert len({new_apply_id(stamp) for _ in range(50)}) == 50  # unique within the same second


def test_readable_with_read_rights_writable_with_write_rights(emulator, client, project):
    StateStore(client, "P1").write(State())
    perms = project.get_permissions()
    perms["permissions"].append({"group": "data_team", "readProjectContent": True})
    project.set_permissions(perms)
    analyst = emulator.client(ANALYST_KEY)
    state = StateStore(analyst, "P1").read()
    assert state.serial == 1
    with pytest.raises(DataikuException):
        StateStore(analyst, "P1").write(state)
    perms["permissions"][-1]["writeProjectContent"] = True
    project.set_permissions(perms)
    assert StateStore(analyst, "P1").write(state).serial == 2


def test_each_write_is_a_project_git_commit(client, project):
    store = StateStore(client, "P1")
    store.write(State())
    git = project.get_project_git()
    before = len(git.log()["entries"])
    store.write(store.read())
    entries = git.log()["entries"]
    assert len(entries) == before + 1
    assert entries[0]["changedFiles"] == ["lib/dataiku-framework/state.json"]


@pytest.mark.parametrize("fault", [{"drop_nth_write": 1, "fail_phase": "after"},
                                   {"fail_nth_write": 1, "fail_status": 502, "fail_phase": "after"}])
def test_a_write_that_landed_with_its_answer_lost_is_a_success(emulator, client, project, fault):
    store = StateStore(client, "P1")
    store.write(State())
    state = store.read()
    _applied(state)
    emulator.faults.configure(dict(fault, path_contains="state.json"))
    written = store.write(state)
    emulator.faults.clear()
    assert written.serial == 2
    assert store.read().resources == written.resources and store.read().serial == 2


@pytest.mark.parametrize("fault", [{"drop_nth_write": 1}, {"fail_nth_write": 1, "fail_status": 503}])
def test_a_write_that_did_not_land_raises_and_can_be_retried(emulator, client, project, fault):
    store = StateStore(client, "P1")
    store.write(State())
    state = store.read()
    _applied(state)
    emulator.faults.configure(dict(fault, path_contains="state.json"))
    with pytest.raises(Exception) as e:
        store.write(state)
    emulator.faults.clear()
    assert not isinstance(e.value, StaleStateError)
    assert store.read().serial == 1 and store.read().resources == {}
    assert store.write(state).serial == 2
