"""Fault phases: a write that fails *after* it was applied (its answer lost), through the real client.

This is the failure a retrying or idempotent apply must survive: the server did the work, the
client saw a 5xx or a dropped connection.
"""
import json

import pytest
import requests
from dataikuapi.utils import DataikuException

from emusupport import ADMIN_KEY, fs_dataset, make_emulator


def _post_faults(emulator, spec):
    return requests.post(emulator.url + "/__emulator__/faults", data=json.dumps(spec))


def test_default_phase_is_before_and_the_write_is_not_applied(emulator, project):
    assert requests.get(emulator.url + "/__emulator__/faults").json()["fail_phase"] == "before"
    emulator.faults.configure({"fail_nth_write": 1})
    with pytest.raises(DataikuException):
        fs_dataset(project, "never")
    assert [d["name"] for d in project.list_datasets()] == []


def test_fail_after_applies_commits_then_answers_the_error(emulator, project):
    resp = _post_faults(emulator, {"fail_nth_write": 1, "fail_status": 503, "fail_phase": "after"})
    assert resp.status_code == 200 and resp.json()["fail_phase"] == "after"
    commits = len(project.get_project_git().log()["entries"])
    with pytest.raises(DataikuException) as e:
        fs_dataset(project, "applied")
    assert "Injected fault" in str(e.value)
    # the write happened: the object exists, and AUTO git mode committed it
    assert [d["name"] for d in project.list_datasets()] == ["applied"]
    log = project.get_project_git().log()["entries"]
    assert len(log) == commits + 1
    assert any(f.startswith("datasets/applied") for f in log[0]["changedFiles"])
    # a naive retry meets its own earlier write
    with pytest.raises(DataikuException) as again:
        fs_dataset(project, "applied")
    assert "already exists" in str(again.value)
    entry = [x for x in emulator.stats.snapshot()["log"] if x.get("fault")]
    assert [(x["fault"], x["status"], x["write"]) for x in entry] == [("fail", 503, True)]


def test_drop_after_applies_then_closes_the_connection(emulator, project):
    emulator.faults.configure({"drop_nth_write": 1, "fail_phase": "after"})
    assert emulator.faults.describe()["fail_phase"] == "after"
    with pytest.raises(requests.exceptions.ConnectionError):
        project.set_variables({"standard": {"applied": True}, "local": {}})
    assert project.get_variables()["standard"] == {"applied": True}


def test_drop_before_does_not_apply(emulator, project):
    emulator.faults.configure({"drop_nth_write": 1})
    with pytest.raises(requests.exceptions.ConnectionError):
        project.set_variables({"standard": {"applied": True}, "local": {}})
    assert project.get_variables()["standard"] == {}


def test_fail_after_is_persisted_with_data_dir(tmp_path):
    first = make_emulator(data_dir=str(tmp_path))
    try:
        client = first.client(ADMIN_KEY)
        project = client.create_project("KEEP", "Kept", "admin")
        first.faults.configure({"fail_nth_write": 1, "fail_phase": "after"})
        with pytest.raises(DataikuException):
            project.create_managed_folder("landing")
    finally:
        first.stop()
    second = make_emulator(data_dir=str(tmp_path))
    try:
        names = [f["name"] for f in second.client(ADMIN_KEY).get_project("KEEP").list_managed_folders()]
        assert names == ["landing"]
    finally:
        second.stop()


@pytest.mark.parametrize("phase", ["during", 1, True])
def test_bad_phase_is_refused_and_changes_nothing(emulator, phase):
    emulator.faults.configure({"fail_nth_write": 4})
    resp = _post_faults(emulator, {"fail_nth_write": 1, "fail_phase": phase})
    assert resp.status_code == 400 and "fail_phase" in resp.json()["error"]
    assert emulator.faults.describe()["fail_nth_write"] == 4
    with pytest.raises(ValueError, match="fail_phase"):
        emulator.faults.configure({"fail_phase": phase})
