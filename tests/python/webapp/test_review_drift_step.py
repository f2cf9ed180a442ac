"""The review page's "Drift" view shows the last drift check, whether a click on the page or the
"Check drift" scenario step made it: the step records its check where the page reads it."""
import os

import pytest

from emusupport import ROOT
from plugin_support import step_runner

from dataiku_framework.plugin.review import DRIFT_FILE
from dataiku_framework.state.dssfiles import LibraryDocument

STEP = os.path.join(ROOT, "python-steps", "check-drift", "step.py")


def test_the_check_drift_step_records_its_check_for_the_review_page(dss, monkeypatch, deployed, client):
    project = client.get_project("CUSTOMER_ANALYTICS")
    step_runner(dss, monkeypatch, STEP)({"folder": "configs"})
    last = LibraryDocument(client, "CUSTOMER_ANALYTICS", DRIFT_FILE).read_document()
    assert last is not None and last["count"] == 0 and last["by"] == "admin" and last["at"]
    project.get_dataset("CLEAN_CUSTOMERS").delete()
    with pytest.raises(Exception, match="differs from configuration"):
        step_runner(dss, monkeypatch, STEP)({"folder": "configs"})
    last = LibraryDocument(client, "CUSTOMER_ANALYTICS", DRIFT_FILE).read_document()
    assert last["count"] == 1 and "dataset.CLEAN_CUSTOMERS" in last["differences"][0]
    assert last["source"] == {"type": "folder", "folder": "configs", "path": "project.yaml"}
