"""Read faults (issue 14): a GET fails with a 5xx or a dropped connection as a write can, counted
apart from the writes; and an outage fails the reads right after a faulted write the same way."""
import json

import pytest
import requests
from dataikuapi.utils import DataikuException

from emusupport import fs_dataset


def test_the_nth_read_fails_and_writes_are_not_counted(emulator, project):
    fs_dataset(project, "a")
    resp = requests.post(emulator.url + "/__emulator__/faults",
                         data=json.dumps({"fail_nth_read": 2, "fail_status": 503, "fail_count": 2}))
    assert resp.status_code == 200 and resp.json()["fail_nth_read"] == 2
    assert [d["name"] for d in project.list_datasets()] == ["a"]   # read 1
    fs_dataset(project, "b")                                        # a write: not a read
    for _ in range(2):                                              # reads 2 and 3
        with pytest.raises(DataikuException) as error:
            project.list_datasets()
        assert "Injected fault" in str(error.value)
    assert len(project.list_datasets()) == 2                        # read 4
    emulator.faults.configure({"drop_nth_read": 1, "path_contains": "/datasets/"})
    with pytest.raises(requests.ConnectionError):
        project.list_datasets()
    assert len(project.list_datasets()) == 2


def test_an_outage_fails_the_reads_after_a_faulted_write(emulator, project):
    emulator.faults.configure({"fail_nth_write": 1, "fail_status": 503, "fail_phase": "after",
                               "outage_reads": 2, "path_contains": "/datasets/"})
    with pytest.raises(DataikuException):
        fs_dataset(project, "landed")
    for _ in range(2):
        with pytest.raises(DataikuException):
            project.list_datasets()
    assert [d["name"] for d in project.list_datasets()] == ["landed"]
    faults = [e["write"] for e in emulator.stats.snapshot()["log"] if e.get("fault")]
    assert faults == [True, False, False]
