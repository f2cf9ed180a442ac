"""Issue 14 §13: the demo's request line counts only unexpected errors. The "not found" answers of
the existence checks a first apply makes (403 for a missing project, 404 for a missing object) are
expected; a refused write is not. Real traffic through ``dataikuapi``, the counters read over HTTP."""
import os
import runpy

import pytest
import requests
from dataikuapi.utils import DataikuException

from emusupport import ROOT, fs_dataset

DEMO = runpy.run_path(os.path.join(ROOT, "tools", "demo.py"), run_name="demo_module")


def test_the_summary_counts_not_found_reads_apart_from_unexpected_errors(emulator, client):
    emulator.stats.reset()
    with pytest.raises(DataikuException):
        client.get_project("NOT_YET").get_metadata()  # a missing project: 403
    project = client.create_project("P1", "P one", "admin")
    assert not project.get_dataset("missing").exists()  # a missing dataset: 404
    fs_dataset(project, "d")
    with pytest.raises(DataikuException):
        fs_dataset(project, "d")  # a write DSS refuses: already exists
    stats = requests.get(emulator.url + "/__emulator__/stats", timeout=10).json()
    assert stats["errors"] == 3  # what the emulator counts: every answer >= 400
    line = DEMO["request_summary"](stats)
    assert "; 1 unexpected error(s); 2 read(s) answered 'not found'" in line, line
    assert line.startswith("emulator served %d requests (%d reads, %d writes)"
                           % (stats["requests"], stats["reads"], stats["writes"]))


def test_a_clean_run_has_no_unexpected_error(emulator, client):
    emulator.stats.reset()
    client.create_project("P1", "P one", "admin")
    stats = requests.get(emulator.url + "/__emulator__/stats", timeout=10).json()
    assert "; 0 unexpected error(s); 0 read(s)" in DEMO["request_summary"](stats)
