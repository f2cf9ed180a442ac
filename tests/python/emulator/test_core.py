"""The emulator's core: transport rules, authentication, errors, permissions, control API, faults,
statistics, persistence, project git and the ``serve`` command line.

Driven through the real ``dataikuapi`` client; raw HTTP (``requests``) only where the client cannot
express the request (other auth schemes, malformed bodies, unknown routes, the control API).
"""
import base64
import json
import os
import re
import socket
import subprocess
import sys

import dataikuapi
import pytest
import requests
from dataikuapi.utils import DataikuException

from dss_emulator import routing
from emusupport import ADMIN_KEY, ANALYST_KEY, READER_KEY, ROOT, make_emulator

API = "/dip/publicapi"
ERROR_KEYS = {"errorType", "message", "detailedMessage"}


def _basic(user, password=""):
    return "Basic " + base64.b64encode(("%s:%s" % (user, password)).encode()).decode()


def _get(emulator, path, headers=None, **kw):
    return requests.get(emulator.url + API + path, headers=headers or {}, **kw)


def _assert_dss_error(resp, status, error_suffix, text=None):
    assert resp.status_code == status, resp.text
    assert resp.headers["Content-Type"].startswith("application/json")
    body = resp.json()
    assert ERROR_KEYS <= set(body), body
    assert body["errorType"].endswith(error_suffix), body
    assert "Traceback" not in resp.text and "File \"" not in resp.text
    if text:
        assert text in body["detailedMessage"], body
    return body


# -- transport and authentication ---------------------------------------------------------------
def test_client_api_key_is_basic_username(client, emulator):
    assert client.get_auth_info()["authIdentifier"] == "admin"
    resp = _get(emulator, "/auth/info", {"Authorization": _basic(ADMIN_KEY)})
    assert resp.status_code == 200 and resp.json()["authIdentifier"] == "admin"


@pytest.mark.parametrize("headers, login", [
    ({"Authorization": _basic("", ANALYST_KEY)}, "analyst"),          # DSS 13 docs: key as password
    ({"Authorization": "Bearer " + ANALYST_KEY}, "analyst"),
    ({"X-DKU-APITicket": READER_KEY}, "reader"),
])
def test_other_credential_forms(emulator, headers, login):
    resp = _get(emulator, "/auth/info", headers)
    assert resp.status_code == 200
    assert resp.json()["authIdentifier"] == login


def test_bearer_token_through_client(emulator):
    import inspect
    if "jwt_bearer_token" not in inspect.signature(dataikuapi.DSSClient.__init__).parameters:
        pytest.skip("this dataikuapi version (< 14) has no jwt_bearer_token")
    bearer = dataikuapi.DSSClient(emulator.url, jwt_bearer_token=ANALYST_KEY)
    assert bearer.get_auth_info()["authIdentifier"] == "analyst"


def test_bad_key_is_unknown_api_key(emulator):
    bad = emulator.client("not-a-key")
    with pytest.raises(DataikuException) as e:
        bad.list_project_keys()
    assert "NotAuthenticatedException" in str(e.value) and "Unknown API Key" in str(e.value)
    _assert_dss_error(_get(emulator, "/projects/", {"Authorization": _basic("nope")}), 401,
                      "NotAuthenticatedException", "Unknown API Key")


def test_no_credentials_is_401(emulator):
    _assert_dss_error(_get(emulator, "/projects/"), 401, "NotAuthenticatedException")


def test_public_api_alias(emulator, project):
    resp = requests.get(emulator.url + "/public/api/projects/", auth=(ADMIN_KEY, ""))
    assert resp.status_code == 200
    assert [p["projectKey"] for p in resp.json()] == ["P1"]


def test_unknown_route_is_not_supported_501(emulator):
    """Under the API, an unserved call is the emulator's 501 (issue 6 section 8; see test_not_served);
    outside it, a plain 404."""
    body = _assert_dss_error(_get(emulator, "/no/such/endpoint", {"Authorization": _basic(ADMIN_KEY)}),
                             501, "NotSupportedByEmulatorException")
    assert "not supported by the DSS emulator" in body["message"]
    resp = requests.get(emulator.url + "/not/the/api", auth=(ADMIN_KEY, ""))
    _assert_dss_error(resp, 404, "NotFoundException")


def test_unserved_method_is_not_supported_501(emulator, project):
    resp = requests.patch(emulator.url + API + "/projects/P1/variables/", auth=(ADMIN_KEY, ""), data="{}")
    _assert_dss_error(resp, 501, "NotSupportedByEmulatorException")


@pytest.mark.parametrize("body", [b"{not json", b"\xff\xfe", b"[1, 2"])
def test_bad_json_body_is_400(emulator, project, body):
    resp = requests.put(emulator.url + API + "/projects/P1/variables/", auth=(ADMIN_KEY, ""), data=body)
    _assert_dss_error(resp, 400, "JsonParseException", "Invalid JSON")


def test_wrong_json_type_is_400(emulator, project):
    resp = requests.put(emulator.url + API + "/projects/P1/variables/", auth=(ADMIN_KEY, ""), data="[1]")
    _assert_dss_error(resp, 400, "DSSIllegalArgumentException", "JSON object")
    resp = requests.put(emulator.url + API + "/projects/P1/variables/", auth=(ADMIN_KEY, ""),
                        data=json.dumps({"standard": [1]}))
    _assert_dss_error(resp, 400, "DSSIllegalArgumentException", "standard")


def test_json_body_without_content_type_and_200_json_answers(emulator, project):
    """The client sends JSON bodies with no Content-Type; E and J calls all get 200 + JSON."""
    req = requests.Request("PUT", emulator.url + API + "/projects/P1/variables/",
                           data=json.dumps({"standard": {"a": 1}, "local": {}}).encode(),
                           auth=(ADMIN_KEY, "")).prepare()
    assert "Content-Type" not in req.headers
    resp = requests.Session().send(req)
    assert resp.status_code == 200 and isinstance(resp.json(), dict)
    assert project.get_variables()["standard"] == {"a": 1}
    for method, path in (("GET", "/projects/P1/metadata"), ("GET", "/projects/P1/settings"),
                         ("PUT", "/projects/P1/tags"), ("GET", "/projects/")):
        data = json.dumps({"tags": {}}) if method == "PUT" else None
        resp = requests.request(method, emulator.url + API + path, auth=(ADMIN_KEY, ""), data=data)
        assert resp.status_code == 200 and resp.headers["Content-Type"] == "application/json"
        resp.json()


def test_dss_version_headers(emulator):
    resp = _get(emulator, "/instance-info", {"Authorization": _basic(ADMIN_KEY)})
    assert resp.headers["DSS-Version"]
    assert resp.headers["DSS-API-Version"]


def test_unknown_project_does_not_leak(client, analyst):
    with pytest.raises(DataikuException) as e:
        client.get_project("NOPE").get_metadata()
    assert "Failed to read project permissions" in str(e.value)


# -- project permissions ------------------------------------------------------------------------
def test_project_permissions_read_then_write(client, analyst, project):
    ap = analyst.get_project("P1")
    assert "P1" not in analyst.list_project_keys()
    with pytest.raises(DataikuException) as e:
        ap.get_metadata()
    assert "UnauthorizedException" in str(e.value)

    perms = project.get_permissions()
    perms["permissions"].append({"group": "data_team", "readProjectContent": True})
    project.set_permissions(perms)
    assert "P1" in analyst.list_project_keys()
    assert ap.get_metadata()["label"] == "Project one"
    with pytest.raises(DataikuException) as e:
        ap.set_variables({"standard": {"x": 1}, "local": {}})
    assert "forbidden" in str(e.value).lower()
    assert project.get_variables()["standard"] == {}

    perms["permissions"][-1]["writeProjectContent"] = True
    project.set_permissions(perms)
    ap.set_variables({"standard": {"x": 1}, "local": {}})
    assert project.get_variables()["standard"] == {"x": 1}
    with pytest.raises(DataikuException):     # settings need the project admin level
        ap.get_settings().save()
    with pytest.raises(DataikuException):
        ap.get_permissions()


def test_project_admin_flag_and_owner(client, analyst, reader, project):
    perms = project.get_permissions()
    perms["permissions"].append({"user": "analyst", "admin": True})
    project.set_permissions(perms)
    ap = analyst.get_project("P1")
    assert ap.get_permissions()["owner"] == "admin"
    settings = ap.get_settings()
    settings.settings["projectStatus"] = "Sandbox"
    settings.save()
    assert project.get_settings().settings["projectStatus"] == "Sandbox"

    analyst.create_project("OWNED", "Owned by analyst", "analyst")
    owned = analyst.get_project("OWNED")
    owned.set_variables({"standard": {"mine": True}, "local": {}})
    assert owned.get_permissions()["owner"] == "analyst"
    assert "OWNED" not in reader.list_project_keys()
    assert "OWNED" in client.list_project_keys()     # administrators read everything


def test_proxy_user_impersonation(client, emulator, project):
    as_analyst = client.get_user("analyst").get_client_as()
    assert as_analyst.get_auth_info()["authIdentifier"] == "analyst"
    assert "P1" not in as_analyst.list_project_keys()
    # only administrators may impersonate
    resp = _get(emulator, "/auth/info", {"Authorization": _basic(ANALYST_KEY), "X-DKU-ProxyUser": "admin"})
    _assert_dss_error(resp, 403, "UnauthorizedException")
    resp = _get(emulator, "/auth/info", {"Authorization": _basic(ADMIN_KEY), "X-DKU-ProxyUser": "ghost"})
    _assert_dss_error(resp, 404, "NotFoundException", "ghost")


# -- control API, statistics, faults ---------------------------------------------------------------
def test_stats_count_reads_and_writes(client, emulator, project):
    emulator.stats.reset()
    project.get_variables()
    project.get_metadata()
    project.set_variables({"standard": {"a": 1}, "local": {}})
    snap = emulator.stats.snapshot()
    assert (snap["requests"], snap["reads"], snap["writes"], snap["errors"]) == (3, 2, 1, 0)
    assert snap["by_route"]["GET /projects/{projectKey}/variables"] == 1
    assert snap["by_route"]["PUT /projects/{projectKey}/variables"] == 1
    assert [e["status"] for e in snap["log"]] == [200, 200, 200]

    over_http = requests.get(emulator.url + "/__emulator__/stats").json()
    assert over_http["writes"] == 1 and over_http["reads"] == 2
    assert requests.post(emulator.url + "/__emulator__/reset").json() == {"reset": True}
    assert emulator.stats.snapshot()["requests"] == 0
    assert "P1" in client.list_project_keys()     # reset without data keeps projects


def test_control_reset_with_data_clears_projects(client, emulator, project):
    requests.post(emulator.url + "/__emulator__/reset", data=json.dumps({"data": True}))
    assert client.list_project_keys() == []


def test_control_api_rejects_bad_input(emulator):
    assert requests.post(emulator.url + "/__emulator__/faults", data="{bad").status_code == 400
    resp = requests.post(emulator.url + "/__emulator__/faults", data=json.dumps({"explode": 1}))
    assert resp.status_code == 400 and "explode" in resp.json()["error"]
    assert requests.get(emulator.url + "/__emulator__/nothing").status_code == 404


@pytest.mark.parametrize("spec", [{"fail_nth_write": "x"}, {"fail_nth_write": 1, "fail_status": 404},
                                  {"latency_ms": -5}, {"drop_nth_request": True}, {"path_contains": 3}])
def test_invalid_fault_settings_change_nothing(client, emulator, project, spec):
    emulator.faults.configure({"latency_ms": 1})
    resp = requests.post(emulator.url + "/__emulator__/faults", data=json.dumps(spec))
    assert resp.status_code == 400 and resp.json()["error"]
    assert requests.get(emulator.url + "/__emulator__/faults").json()["latency_ms"] == 1
    with pytest.raises(ValueError):
        emulator.faults.configure(spec)
    project.set_variables({"standard": {"ok": True}, "local": {}})      # the server still works
    assert project.get_variables()["standard"] == {"ok": True}


@pytest.mark.parametrize("status", [500, 503])
def test_fail_nth_write_over_http(client, emulator, project, status):
    resp = requests.post(emulator.url + "/__emulator__/faults", data=json.dumps(
        {"fail_nth_write": 2, "fail_status": status}))
    assert resp.json()["fail_nth_write"] == 2
    project.set_variables({"standard": {"v": 1}, "local": {}})          # write 1 passes
    project.get_variables()                                            # reads are not counted
    with pytest.raises(DataikuException) as e:
        project.set_variables({"standard": {"v": 2}, "local": {}})      # write 2 fails
    assert "Injected fault" in str(e.value)
    assert project.get_variables()["standard"] == {"v": 1}             # ... and did not happen
    project.set_variables({"standard": {"v": 3}, "local": {}})          # write 3 passes again
    assert project.get_variables()["standard"] == {"v": 3}
    assert status in [e["status"] for e in emulator.stats.snapshot()["log"]]


def test_drop_nth_request_and_latency_in_process(client, emulator, project):
    emulator.faults.configure({"drop_nth_request": 2})
    project.get_metadata()
    with pytest.raises(requests.exceptions.ConnectionError):
        project.get_metadata()
    assert project.get_metadata()["label"] == "Project one"
    emulator.faults.configure({"latency_ms": 150})
    import time
    started = time.time()
    project.get_metadata()
    assert time.time() - started >= 0.15
    requests.post(emulator.url + "/__emulator__/reset")
    assert emulator.faults.describe()["latency_ms"] == 0


def test_fail_write_in_process_keeps_state(client, emulator, project):
    emulator.faults.configure({"fail_nth_write": 1, "fail_status": 503})
    with pytest.raises(DataikuException):
        client.create_project("P2", "Two", "admin")
    assert "P2" not in client.list_project_keys()
    client.create_project("P2", "Two", "admin")
    assert "P2" in client.list_project_keys()


# -- persistence ----------------------------------------------------------------------------------
def test_state_survives_restart(tmp_path):
    first = make_emulator(data_dir=str(tmp_path))
    try:
        c = first.client(ADMIN_KEY)
        c.create_project("KEEP", "Kept project", "admin")
        p = c.get_project("KEEP")
        p.set_variables({"standard": {"env": "prod"}, "local": {"mine": 1}})
        md = p.get_metadata()
        md["tags"] = ["b", "a"]
        p.set_metadata(md)
        commits = len(p.get_project_git().log()["entries"])
    finally:
        first.stop()
    second = make_emulator(data_dir=str(tmp_path))
    try:
        p = second.client(ADMIN_KEY).get_project("KEEP")
        assert p.get_variables() == {"standard": {"env": "prod"}, "local": {"mine": 1}}
        assert p.get_metadata()["tags"] == ["a", "b"]
        log = p.get_project_git().log()["entries"]
        assert len(log) == commits >= 3
        assert log[-1]["message"] == "Created project KEEP"
    finally:
        second.stop()


def test_new_project_and_reset_are_persisted_at_once(tmp_path):
    first = make_emulator(data_dir=str(tmp_path))
    try:
        first.client(ADMIN_KEY).create_project("FRESH", "Created then stopped", "admin")
    finally:
        first.stop()
    second = make_emulator(data_dir=str(tmp_path))
    try:
        c = second.client(ADMIN_KEY)
        assert c.list_project_keys() == ["FRESH"]
        assert c.get_root_project_folder().list_project_keys() == ["FRESH"]
        requests.post(second.url + "/__emulator__/reset", data=json.dumps({"data": True}))
        assert c.list_project_keys() == [] and c.get_root_project_folder().list_project_keys() == []
    finally:
        second.stop()
    third = make_emulator(data_dir=str(tmp_path))
    try:
        assert third.client(ADMIN_KEY).list_project_keys() == []
    finally:
        third.stop()


# -- project git -------------------------------------------------------------------------------------
def _messages(git):
    return [e["message"] for e in git.log()["entries"]]


def test_git_auto_mode_commits_each_save(client, project):
    git = project.get_project_git()
    assert _messages(git) == ["Created project P1"]
    project.set_variables({"standard": {"a": 1}, "local": {}})
    md = project.get_metadata()
    md["description"] = "changed"
    project.set_metadata(md)
    assert _messages(git) == ["Updated project metadata", "Updated project variables", "Created project P1"]
    entry = git.log()["entries"][0]
    assert entry["author"] == "admin" and len(entry["commit"]) == 40
    assert git.get_status()["clean"] is True
    assert git.log(count=1)["entries"][0]["message"] == "Updated project metadata"
    assert [e["message"] for e in git.log(path="variables.json")["entries"]] == [
        "Updated project variables", "Created project P1"]


def test_git_local_variables_are_not_versioned(client, project):
    git = project.get_project_git()
    before = len(git.log()["entries"])
    project.set_variables({"standard": {}, "local": {"secret_path": "/tmp"}})
    assert len(git.log()["entries"]) == before
    assert project.get_variables()["local"] == {"secret_path": "/tmp"}


def test_git_tags_diff_and_revert_to_revision(client, project):
    git = project.get_project_git()
    project.set_variables({"standard": {"stage": "v1"}, "local": {"keep": 1}})
    git.create_tag("v1", message="first")
    tags = git.list_tags()
    assert [t["name"] for t in tags] == ["v1"]
    v1 = tags[0]["commit"]
    assert v1 == git.log()["entries"][0]["commit"]

    project.set_variables({"standard": {"stage": "v2"}, "local": {"keep": 2}})
    md = project.get_metadata()
    md["label"] = "Renamed"
    project.set_metadata(md)
    head = git.log()["entries"][0]["commit"]
    diff = git.diff(commit_from=v1, commit_to=head)                 # between two commits
    assert {e["path"] for e in diff["entries"]} == {"variables.json", "params.json"}
    assert diff["addedLines"] >= 2 and diff["removedLines"] >= 2
    assert (diff["commitFrom"]["commit"], diff["commitTo"]["commit"]) == (v1, head)
    made_in_head = git.diff(commit_from=head)                        # the changes of one commit
    assert [e["path"] for e in made_in_head["entries"]] == ["params.json"]
    assert git.diff()["entries"] == []                               # working copy = HEAD in AUTO mode

    result = git.revert_to_revision(v1)
    assert result["success"] is True
    assert project.get_variables() == {"standard": {"stage": "v1"}, "local": {"keep": 2}}
    assert project.get_metadata()["label"] == "Project one"
    assert _messages(git)[0].startswith("Reverted project to revision")
    with pytest.raises(DataikuException) as e:
        git.revert_to_revision("0" * 40)
    assert "does not exist" in str(e.value)


def test_git_revert_commit(client, project):
    git = project.get_project_git()
    project.set_variables({"standard": {"a": 1}, "local": {}})
    md = project.get_metadata()
    md["shortDesc"] = "short"
    project.set_metadata(md)
    variables_commit = git.log()["entries"][1]["commit"]
    assert git.revert_commit(variables_commit)["success"] is True
    assert project.get_variables()["standard"] == {}
    assert project.get_metadata()["shortDesc"] == "short"      # the later commit stays
    assert _messages(git)[0] == 'Revert "Updated project variables"'


def test_git_explicit_mode_waits_for_commit(client, project):
    git = project.get_project_git()
    settings = project.get_settings()
    settings.settings["settings"]["gitCommitMode"] = "EXPLICIT"
    settings.save()
    assert git.get_status()["clean"] is False           # the switching save itself waits too
    git.commit("Switch to explicit commits")
    before = _messages(git)
    project.set_variables({"standard": {"pending": True}, "local": {}})
    assert _messages(git) == before
    status = git.get_status()
    assert status["clean"] is False and "variables.json" in status["modified"]
    working = git.diff()                                 # working copy vs HEAD
    assert [e["path"] for e in working["entries"]] == ["variables.json"]
    assert working["commitTo"] is None
    git.commit("my explicit commit")
    assert _messages(git)[0] == "my explicit commit"
    assert git.get_status()["clean"] is True
    assert git.diff()["entries"] == []


def test_git_history_changes_are_persisted_writes(tmp_path):
    """Reverts, commits, tags and remotes change the project: they are writes (persisted, counted)."""
    first = make_emulator(data_dir=str(tmp_path))
    try:
        c = first.client(ADMIN_KEY)
        p = c.create_project("KEEP", "Kept project", "admin")
        git = p.get_project_git()
        before = git.log()["entries"][0]["commit"]
        p.create_dataset("ds", "Filesystem", params={"connection": "filesystem_managed", "path": "ds"})
        first.stats.reset()
        assert git.revert_to_revision(before)["success"] is True
        git.create_tag("v1", message="release")
        git.set_remote("https://example.com/repo.git")
        snap = first.stats.snapshot()
        assert (snap["reads"], snap["writes"]) == (0, 3)
        assert [d["name"] for d in p.list_datasets()] == []
        messages = [e["message"] for e in git.log()["entries"]]
        assert messages[0].startswith("Reverted project") and messages[1] == "Created dataset ds"   # one commit
        commits = len(messages)
    finally:
        first.stop()
    second = make_emulator(data_dir=str(tmp_path))
    try:
        git = second.client(ADMIN_KEY).get_project("KEEP").get_project_git()
        assert second.client(ADMIN_KEY).get_project("KEEP").list_datasets() == []
        assert [(t["name"], t["message"]) for t in git.list_tags()] == [("v1", "release")]
        assert git.get_remote() == "https://example.com/repo.git"
        assert len(git.log()["entries"]) == commits          # the revert made one commit, not two
        assert git.get_status()["clean"] is True
    finally:
        second.stop()


def test_git_writes_get_injected_faults(client, emulator, project):
    git = project.get_project_git()
    emulator.faults.configure({"fail_nth_write": 1, "fail_status": 503})
    with pytest.raises(DataikuException, match="Injected fault"):
        git.create_tag("v1")
    assert git.list_tags() == []


@pytest.mark.parametrize("body", [{"name": [1]}, {"name": "t", "reference": ["HEAD"]}, {"name": "t", "message": 3}])
def test_git_tag_bad_bodies_are_400(emulator, project, body):
    resp = requests.post(emulator.url + API + "/projects/P1/git/tags", json=body, auth=(ADMIN_KEY, ""))
    _assert_dss_error(resp, 400, "IllegalArgumentException")


# -- routing -----------------------------------------------------------------------------------------
def _sample_path(pattern):
    """A concrete path for a pattern; placeholder values never equal a literal segment."""
    path = re.sub(r"\{([A-Za-z_]+)\*\}", r"zz_\1/deep/file.txt", pattern)
    return re.sub(r"\{([A-Za-z_]+)\}", r"zz_\1", path)


def _shadowed(router):
    """Routes no request reaches: a path written for them resolves to another (earlier) route."""
    out = []
    for r in router.routes:
        got, _ = router.resolve(r.method, _sample_path(r.pattern))
        if got is not r:
            out.append("%s %s is caught by %s" % (r.method, r.pattern, got.pattern))
    return out


def test_no_registered_route_shadows_another():
    assert len(routing.ROUTER.routes) > 100
    assert _shadowed(routing.ROUTER) == []


def test_shadow_check_sees_a_generic_route_registered_first():
    router = routing.Router()
    router.route("GET", "/projects/{projectKey}/jobs/{jobId}")(lambda ctx: None)
    router.route("GET", "/projects/{projectKey}/jobs/running")(lambda ctx: None)
    router.route("GET", "/projects/{projectKey}/files/{path*}")(lambda ctx: None)
    router.route("GET", "/projects/{projectKey}/files/a/b")(lambda ctx: None)
    assert len(_shadowed(router)) == 2


# -- control API access --------------------------------------------------------------------------------
def test_control_api_answers_loopback_clients_only(emulator):
    assert emulator.handle("GET", "/__emulator__/stats", {}, b"", "127.0.0.1")[0] == 200
    assert emulator.handle("GET", "/__emulator__/stats", {}, b"", "::1")[0] == 200
    for host in ("192.0.2.10", "10.0.0.5", "::ffff:8.8.8.8", "not-an-address"):
        status, _, payload, _ = emulator.handle("POST", "/__emulator__/reset", {}, b'{"data": true}', host)
        assert status == 403 and "loopback" in json.loads(payload)["error"]
    assert requests.get(emulator.url + "/__emulator__/stats").status_code == 200    # tests connect via 127.0.0.1


def _outside_address():
    """An address of this machine other than loopback (None when it has none)."""
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        probe.connect(("192.0.2.254", 9))       # no packet is sent: this only picks the outgoing interface
        address = probe.getsockname()[0]
    except OSError:
        return None
    finally:
        probe.close()
    return None if address.startswith("127.") else address


def test_control_api_refuses_non_loopback_peers_over_http(client, project):
    address = _outside_address()
    if address is None:
        pytest.skip("this machine has no non-loopback address")
    emu = make_emulator()
    emu.stop()
    emu.start(host="0.0.0.0")
    try:
        url = "http://%s:%d" % (address, emu.port)
        emu.client(ADMIN_KEY).create_project("KEEP", "Kept", "admin")
        assert requests.post(url + "/__emulator__/reset", data=json.dumps({"data": True})).status_code == 403
        assert requests.get(url + API + "/projects/", auth=(ADMIN_KEY, "")).json()[0]["projectKey"] == "KEEP"
    finally:
        emu.stop()


# -- command line -------------------------------------------------------------------------------------
def _serve(*args):
    env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "python-lib"))
    return subprocess.Popen([sys.executable, "-m", "dss_emulator", "serve"] + list(args), env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True)


def test_cli_serve_prints_ready_line_and_serves():
    proc = _serve("--port", "0", "--api-key", "K:admin", "--connection", "pg:PostgreSQL")
    try:
        line = proc.stdout.readline().strip()
        assert line.startswith("DSS emulator listening on http://127.0.0.1:")
        url = line.rsplit(" ", 1)[1]
        port = int(url.rsplit(":", 1)[1])
        assert port > 0
        assert line == "DSS emulator listening on http://127.0.0.1:%d" % port
        c = dataikuapi.DSSClient(url, "K")
        assert c.get_auth_info()["authIdentifier"] == "admin"
        assert c.get_connection("pg").get_settings().get_raw()["type"] == "PostgreSQL"
    finally:
        proc.terminate()
        proc.wait(10)
        proc.stdout.close()
        proc.stderr.close()
    assert proc.returncode == 0


@pytest.mark.parametrize("spec, message", [
    ("X=/no/such/export", "no such file or folder"),
    ("X=%s" % __file__, "neither a folder nor a zip"),
    ("missing-equals", "PROJECTKEY=PATH"),
])
def test_cli_bad_seed_export_exits_2_with_one_line(spec, message):
    proc = _serve("--port", "0", "--seed-export", spec)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 2
    assert message in err
    assert "Traceback" not in err
    if "=" in spec:
        assert len(err.strip().splitlines()) == 1
