"""What the emulator serves beyond object CRUD (git branches, macros, metrics, code envs), and the
error it answers for what it does not serve: a DSS-shaped 501 naming the emulator, never a 404
that a tool would read as "this object does not exist".
"""
import io
import json
import os
import re

import pytest
import requests
from dataikuapi.utils import DataikuException

from emusupport import ADMIN_KEY, ANALYST_KEY, ROOT, fs_dataset, make_emulator

API = "/dip/publicapi"


# -- git branches ------------------------------------------------------------------------------------
def test_branches_create_switch_delete(project):
    git = project.get_project_git()
    assert git.list_branches() == ["master"] and git.get_current_branch() == "master"
    result = git.create_branch("feature")
    assert result["success"] is True
    assert git.get_current_branch() == "feature"
    assert git.list_branches() == ["feature", "master"]
    project.set_variables({"standard": {"on": "feature"}, "local": {}})     # history is shared
    assert git.switch("master")["success"] is True and git.get_current_branch() == "master"
    assert project.get_variables()["standard"] == {"on": "feature"}
    git.delete_branch("feature")
    assert git.list_branches() == ["master"]


def test_branch_errors_are_clear(project):
    git = project.get_project_git()
    git.create_branch("feature")
    with pytest.raises(DataikuException, match="already exists"):
        git.create_branch("feature")
    with pytest.raises(DataikuException, match="Branch nope does not exist"):
        git.switch("nope")
    with pytest.raises(DataikuException, match="current branch"):
        git.delete_branch("feature")
    with pytest.raises(DataikuException, match="non-empty string"):
        git.create_branch("")
    with pytest.raises(DataikuException, match="NotSupportedByEmulator.*duplicated project"):
        git.create_branch("dup", duplicate_project=True)
    project.set_variables({"standard": {"later": 1}, "local": {}})
    first = git.log()["entries"][-1]["commit"]
    with pytest.raises(DataikuException, match="commit other than HEAD"):
        git.create_branch("old", commit=first)
    assert git.list_branches() == ["feature", "master"]


def test_branches_need_write_permission(client, project, emulator):
    with pytest.raises(DataikuException, match="UnauthorizedException"):
        emulator.client(ANALYST_KEY).get_project("P1").get_project_git().create_branch("x")
    assert project.get_project_git().list_branches() == ["master"]


def test_branches_survive_restart(tmp_path):
    first = make_emulator(data_dir=str(tmp_path))
    try:
        first.client(ADMIN_KEY).create_project("K", "K", "admin").get_project_git().create_branch("feature")
    finally:
        first.stop()
    second = make_emulator(data_dir=str(tmp_path))
    try:
        git = second.client(ADMIN_KEY).get_project("K").get_project_git()
        assert (git.list_branches(), git.get_current_branch()) == (["feature", "master"], "feature")
    finally:
        second.stop()


# -- macros, metrics, code envs ----------------------------------------------------------------------
def test_macros_list_is_empty(project):
    assert project.list_macros() == []
    assert project.list_macros(as_objects=True) == []


def test_metrics_of_never_computed_objects(project):
    fs_dataset(project, "d")
    metrics = project.get_dataset("d").get_last_metric_values()
    assert metrics.get_raw() == {"metrics": []}
    with pytest.raises(Exception, match="Metric records:COUNT_RECORDS not found"):
        metrics.get_global_value("records:COUNT_RECORDS")
    folder = project.create_managed_folder("f")
    assert folder.get_last_metric_values().get_raw() == {"metrics": []}
    with pytest.raises(DataikuException, match="does not exist"):
        project.get_dataset("missing").get_last_metric_values()


def test_code_env_create_list_delete(client, emulator):
    env = client.create_code_env("PYTHON", "py311", "DESIGN_MANAGED")
    assert env.env_name == "py311"
    assert {"envName": "py311", "envLang": "PYTHON", "deploymentMode": "DESIGN_MANAGED"} in client.list_code_envs()
    with pytest.raises(DataikuException, match="already exists"):
        client.create_code_env("PYTHON", "py311", "DESIGN_MANAGED")
    with pytest.raises(DataikuException, match="UnauthorizedException"):
        emulator.client(ANALYST_KEY).create_code_env("PYTHON", "other", "DESIGN_MANAGED")
    env.delete()
    assert "py311" not in [e["envName"] for e in client.list_code_envs()]


# -- not served: a DSS-shaped 501 --------------------------------------------------------------------
def _upload(project):
    project.create_upload_dataset("up")
    project.get_dataset("up").uploaded_add_file(io.BytesIO(b"a,b\n1,2\n"), "x.csv")


NOT_SERVED = {
    "upload to an UploadedFiles dataset": _upload,
    "testAndDetectSettings": lambda p: (fs_dataset(p, "d"), p.get_dataset("d").test_and_detect()),
    "metric history": lambda p: (fs_dataset(p, "d"), p.get_dataset("d").get_metric_history("records:COUNT_RECORDS")),
    "project import": lambda p: p.client.prepare_project_import(io.BytesIO(b"PK")),
    "sql_query": lambda p: p.client.sql_query("select 1", connection="pg"),
    "internal code env": lambda p: p.client.create_internal_code_env("AGENT"),
    "git fetch": lambda p: p.get_project_git().fetch(),
}


@pytest.mark.parametrize("label", sorted(NOT_SERVED))
def test_unserved_client_calls_say_not_supported(project, label):
    with pytest.raises(DataikuException) as e:
        NOT_SERVED[label](project)
    assert "NotSupportedByEmulatorException" in str(e.value)
    assert "not supported by the DSS emulator" in str(e.value)


@pytest.mark.parametrize("method, path", [("GET", "/no/such/endpoint"), ("PATCH", "/projects/P1/variables/"),
                                          ("POST", "/projects/P1/datasets/d/uploaded/files")])
def test_unserved_call_is_a_dss_shaped_501(emulator, project, method, path):
    resp = requests.request(method, emulator.url + API + path, auth=(ADMIN_KEY, ""), data="{}")
    assert resp.status_code == 501 and resp.headers["Content-Type"] == "application/json"
    body = resp.json()
    assert body["errorType"] == "dss_emulator.NotSupportedByEmulatorException"
    assert body["message"] == "%s %s is not supported by the DSS emulator" % (method, path)
    # it points at the page listing what is served, which exists
    page = re.search(r"(docs/[\w/.-]+\.md) lists what is served", body["detailedMessage"])
    assert page and os.path.isfile(os.path.join(ROOT, page.group(1))), body["detailedMessage"]
    # and the statistics see it as any other answered call
    assert emulator.stats.snapshot()["log"][-1]["status"] == 501


def test_outside_the_api_is_still_a_404(emulator):
    resp = requests.get(emulator.url + "/not/the/api", auth=(ADMIN_KEY, ""))
    assert resp.status_code == 404 and json.loads(resp.text)["errorType"].endswith("NotFoundException")
