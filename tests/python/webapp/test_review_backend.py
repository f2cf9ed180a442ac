"""The review webapp's backend (``webapps/plan-review/backend.py`` over ``plugin.review``) through
Flask's test client, run as DSS runs it, over the emulator with a real ``dataikuapi`` client: every
route, an admin and a non-admin browser user, a stale plan refused, CSRF refused, another project
refused, a tampered plan or digest refused, a held lock naming its holder. Also run under Flask 1.1
(``make test-flask11``)."""
import json
import os

import pytest

from webapp_support import CONFIG_YAML, RECIPE_PY, XSS

flask = pytest.importorskip("flask")


def test_flask_is_the_expected_major():
    """``make test-flask11`` runs this module under Flask 1.1 (EXPECT_FLASK_MAJOR=1)."""
    from importlib import metadata
    expected = os.environ.get("EXPECT_FLASK_MAJOR")
    if expected:
        assert metadata.version("flask").split(".")[0] == expected


def _plan_now(browser, login="analyst", comment=None):
    status, body = browser(login).post("plan-now", {"comment": comment} if comment else {})
    assert status == 200, body
    return body


def test_session_names_the_browser_user_not_the_backend_s(browser):
    status, body = browser("analyst").session()
    assert status == 200 and body["user"] == "analyst" and body["admin"] is True and body["csrf"]
    assert body["project_key"] == "P1" and body["source"].startswith("folder ")
    status, body = browser("reader").session()
    assert status == 200 and body["user"] == "reader" and body["admin"] is False
    assert browser("reader").session()[1]["csrf"] != browser("analyst").session()[1]["csrf"]


def test_no_session_is_refused(browser):
    status, body = browser(None).get("plans")
    assert status == 401 and body["code"] == "plugin.login"


def test_plan_now_list_detail_and_check(browser):
    made = _plan_now(browser, comment="first " + XSS)
    plan_id = made["record"]["id"]
    assert made["record"]["author"] == "analyst" and made["record"]["status"] == "pending"
    status, listed = browser("reader").get("plans")
    assert status == 200 and [p["id"] for p in listed["plans"]] == [plan_id]
    assert listed["plans"][0]["summary"]["create"] == 3 and listed["plans"][0]["source_text"].startswith("folder ")
    assert browser("reader").get("plans", status="applied")[1]["plans"] == []
    status, detail = browser("reader").get("plans/" + plan_id)
    assert status == 200 and detail["summary"]["create"] == 3
    by_name = {e["name"]: e for e in detail["entries"]}
    assert by_name["RAW"]["action"] == "create" and any(c["after"] == XSS for c in by_name["RAW"]["changes"])
    assert detail["record"]["comments"][0]["text"] == "first " + XSS and "plan" not in detail["record"]
    edges = detail["graph"]["edges"]
    assert ["dataset.RAW", "recipe.clean"] in edges and ["recipe.clean", "dataset.CLEAN"] in edges
    assert set(detail["sections"]) == {"drift", "conflicts", "not_deleted", "unmanaged"}
    status, checked = browser("analyst").post("plans/%s/check" % plan_id)
    assert status == 200 and checked == {"stale": False, "moved": [], "status": "pending"}


def test_a_reader_sees_everything_but_may_not_act(browser):
    plan_id = _plan_now(browser)["record"]["id"]
    reader = browser("reader")
    digest = reader.get("plans/" + plan_id)[1]["record"]["digest"]
    for path, body in (("plans/%s/apply" % plan_id, {"digest": digest}), ("plans/%s/discard" % plan_id, {}),
                       ("plan-now", {}), ("rollback", {"apply_id": "x"}), ("drift", {})):
        status, answer = reader.post(path, body)
        assert status == 403 and answer["code"] == "project.not_admin" and "DSS user reader" in answer["error"], path
    assert reader.get("plans/" + plan_id)[1]["record"]["status"] == "pending"
    assert reader.get("history") == (200, {"history": []})
    assert reader.get("drift") == (200, {"last": None})


@pytest.mark.parametrize("token", [False, "forged", "analyst-of-reader"])
def test_a_mutation_without_the_user_s_csrf_token_is_refused(browser, token):
    plan_id = _plan_now(browser)["record"]["id"]
    analyst = browser("analyst")
    if token == "analyst-of-reader":
        token = browser("reader").session()[1]["csrf"]  # a valid token, of another user
    status, answer = analyst.post("plans/%s/discard" % plan_id, {}, token=token)
    assert status == 403 and answer["code"] == "plugin.csrf"
    assert analyst.get("plans/" + plan_id)[1]["record"]["status"] == "pending"


def test_approve_and_apply_then_history_then_rollback_with_preview(browser, client):
    analyst = browser("analyst")
    plan_id = _plan_now(browser)["record"]["id"]
    digest = analyst.get("plans/" + plan_id)[1]["record"]["digest"]
    status, applied = analyst.apply(plan_id, digest, comment="ship it")
    assert status == 200, applied
    assert applied["result"]["succeeded"] and applied["summary"].startswith("Apply complete")
    events = [(e["status"], e["user"]) for e in applied["record"]["events"]]
    assert events == [("pending", "analyst"), ("approved", "analyst"), ("applied", "analyst")]
    status, job = analyst.get("jobs/" + analyst.last_job)  # the page followed the apply's progress
    assert status == 200 and job["done"] and job["progress"]["done"] == job["progress"]["total"] == 3
    assert browser("reader").get("jobs/" + analyst.last_job)[0] == 404  # another user's apply
    assert client.get_project("P1").get_dataset("RAW").exists()
    status, listed = analyst.get("history")
    entry = listed["history"][0]
    assert status == 200 and entry["user"] == "analyst" and entry["apply_id"] == applied["result"]["apply_id"]
    assert entry["stored_plan"]["approved_by"] == "analyst"
    status, preview = browser("reader").get("rollback-preview", apply_id=entry["apply_id"])
    assert status == 200 and preview["preview"]["apply_id"] == entry["apply_id"]
    assert any(c["address"] == "dataset.RAW" for c in preview["preview"]["changes"])
    status, rolled = analyst.post("rollback", {"apply_id": entry["apply_id"]})
    assert status == 200 and rolled["result"]["operation"] == "rollback", rolled
    assert not client.get_project("P1").get_dataset("RAW").exists()
    # the revert took the library back to before the apply; the stored plan's record stays "applied"
    assert analyst.get("plans/" + plan_id)[1]["record"]["status"] == "applied"


def test_a_stale_plan_is_refused_explaining_what_moved(browser, source):
    analyst = browser("analyst")
    plan_id = _plan_now(browser)["record"]["id"]
    digest = analyst.get("plans/" + plan_id)[1]["record"]["digest"]
    moved = CONFIG_YAML.replace("path: raw\n    format_type: csv", "path: raw\n    format_type: json")
    assert moved != CONFIG_YAML
    source.put_file("project.yaml", moved)
    status, answer = analyst.apply(plan_id, digest)
    assert status == 409 and answer["code"] == "plan.stale" and "nothing was applied" in answer["error"]
    assert any("dataset.RAW" in line for line in answer["moved"])
    assert analyst.get("plans/" + plan_id)[1]["record"]["status"] == "stale"


def test_the_staleness_check_marks_an_open_plan_stale(browser, source):
    plan_id = _plan_now(browser)["record"]["id"]
    source.put_file("clean.py", "print('changed')\n")
    status, checked = browser("reader").post("plans/%s/check" % plan_id)
    assert status == 200 and checked["stale"] and any("recipe.clean" in m for m in checked["moved"])
    assert checked["status"] == "pending"  # a reader cannot write the library: answered, not marked
    status, checked = browser("analyst").post("plans/%s/check" % plan_id)
    assert status == 200 and checked["stale"] and checked["status"] == "stale"


def test_a_digest_other_than_the_page_s_is_refused(browser):
    analyst = browser("analyst")
    plan_id = _plan_now(browser)["record"]["id"]
    for digest in ("sha256:" + "0" * 64, None):
        status, answer = analyst.apply(plan_id, digest)
        assert status == 409 and answer["code"] == "plugin.review_digest" and plan_id in answer["error"]
    assert analyst.get("plans/" + plan_id)[1]["record"]["status"] == "pending"


def test_a_tampered_stored_plan_is_refused(browser, client):
    from dataiku_framework.state.dssfiles import LibraryDocument
    from dataiku_framework.state.plans import plan_file
    analyst = browser("analyst")
    plan_id = _plan_now(browser)["record"]["id"]
    digest = analyst.get("plans/" + plan_id)[1]["record"]["digest"]
    stored = LibraryDocument(client, "P1", plan_file(plan_id))
    record = stored.read_document()
    record["plan"]["resource_changes"][0]["action"] = "delete"
    stored.write_document(record)
    status, answer = analyst.get("plans/" + plan_id)
    assert status == 409 and answer["code"] == "plans.tampered" and plan_id in answer["error"]
    status, answer = analyst.apply(plan_id, digest)
    assert status == 409 and answer["code"] == "plans.tampered"


def test_another_project_is_refused(browser, client, source):
    analyst = browser("analyst")
    status, answer = analyst.get("plans", project="OTHER")
    assert status == 403 and answer["code"] == "plugin.foreign_project" and "P1 only" in answer["error"]
    status, answer = analyst.post("plan-now", {"project": "OTHER"})
    assert status == 403 and answer["code"] == "plugin.foreign_project"
    source.put_file("project.yaml", CONFIG_YAML.replace("key: P1", "key: OTHER"))
    client.create_project("OTHER", "Other", "admin")
    status, answer = analyst.post("plan-now")
    assert status == 403 and answer["code"] == "plugin.foreign_project" and "names project OTHER" in answer["error"]
    assert analyst.get("plans")[1]["plans"] == []


def test_a_second_apply_is_told_who_holds_the_lock(browser, emulator):
    from emusupport import ADMIN_KEY
    from dataiku_framework.state.lock import ProjectLock
    analyst = browser("analyst")
    plan_id = _plan_now(browser)["record"]["id"]
    digest = analyst.get("plans/" + plan_id)[1]["record"]["digest"]
    with ProjectLock(emulator.client(ADMIN_KEY), "P1", operation="apply"):
        status, answer = analyst.apply(plan_id, digest)
    assert status == 409 and answer["code"] == "lock.held" and "admin" in answer["error"]
    assert analyst.get("plans/" + plan_id)[1]["record"]["status"] == "approved"


def test_the_approver_must_differ_when_the_project_says_so(browser, client):
    from dataiku_framework.state.plans import PlanStore
    PlanStore(client, "P1").set_setting("approver_must_differ", True)
    analyst = browser("analyst")
    plan_id = _plan_now(browser)["record"]["id"]
    digest = analyst.get("plans/" + plan_id)[1]["record"]["digest"]
    status, answer = analyst.apply(plan_id, digest)
    assert status == 409 and "may not approve it" in answer["error"]
    status, answer = browser("admin").apply(plan_id, digest)
    assert status == 200 and answer["record"]["events"][1]["user"] == "admin"


def test_discard(browser):
    analyst = browser("analyst")
    plan_id = _plan_now(browser)["record"]["id"]
    status, answer = analyst.post("plans/%s/discard" % plan_id, {"comment": "not this one"})
    assert status == 200 and answer["record"]["status"] == "discarded"
    assert [p["status"] for p in analyst.get("plans", status="discarded")[1]["plans"]] == ["discarded"]


def test_drift_check_now_is_recorded_with_its_time_and_user(browser):
    analyst = browser("analyst")
    status, checked = analyst.post("drift")
    assert status == 200 and checked["last"]["by"] == "analyst" and checked["last"]["count"] >= 1
    status, last = browser("reader").get("drift")
    assert status == 200 and last["last"]["at"] == checked["last"]["at"]


def test_unknown_routes_and_bad_bodies_are_one_line_refusals(browser, webapp):
    analyst = browser("analyst")
    assert analyst.get("nothing-here")[0] == 404
    assert analyst.get("plan-now")[0] == 405
    status, answer = analyst.get("plans/../../etc")
    assert status in (404, 409) and "\n" not in answer["error"]
    analyst.session()
    raw = webapp.post("/api/plan-now", data="{not json", headers=dict(analyst.headers, **{
        "X-CSRF-Token": analyst.token, "Content-Type": "application/json"}))
    assert raw.status_code == 400 and json.loads(raw.get_data(as_text=True))["code"] == "plugin.request"


def test_plan_now_from_git_is_stored_at_its_commit_and_applied_from_it(browser, monkeypatch, tmp_path, client):
    """The webapp's source may be a git repository: the plan records the commit it resolved to and is
    applied from that commit after the branch moved on."""
    from gitsupport import CODE_V1, FILES, KEY, Repository
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    repo = Repository(str(tmp_path), files={k: v.replace(KEY, "P1") for k, v in FILES.items()})
    monkeypatch.setenv("DKU_STANDIN_WEBAPP_CONFIG", json.dumps({"source": "git", "git_url": repo.url,
                                                                "git_ref": "main", "config_path": "conf/project.yaml"}))
    analyst = browser("analyst")
    assert analyst.session()[1]["source"].startswith("git " + repo.url)
    analyst.confirm()
    made = _plan_now(browser)["record"]
    assert made["source"]["type"] == "git" and made["source"]["path"] == "conf/project.yaml"
    planned = made["source"]["commit"]
    repo.commit({"conf/recipes/clean.py": CODE_V1 + "# moved on\n"}, "after the review")
    status, applied = analyst.apply(made["id"], made["digest"])
    assert status == 200 and applied["result"]["succeeded"], applied
    assert client.get_project("P1").get_recipe("clean").get_settings().get_payload() == CODE_V1
    assert applied["record"]["source"]["commit"] == planned


def test_plan_now_waits_for_a_project_admin_to_confirm_the_webapp_s_source(fresh_browser, monkeypatch, source):
    """Any project writer can edit the webapp's parameters; where plans come from is the project admins'
    choice: "Plan now" (and "Check drift now") refuses a source no admin confirmed, saying why; only an
    admin confirms, with the CSRF token, the exact parameters the page showed, recorded with who and when;
    parameters changed afterwards wait for an admin again."""
    analyst, reader = fresh_browser("analyst"), fresh_browser("reader")
    status, session = analyst.session()
    assert status == 200 and session["source_status"]["confirmed"] is None
    assert "a project admin must confirm it" in session["source_status"]["problem"]
    for path in ("plan-now", "drift"):
        status, answer = analyst.post(path)
        assert status == 409 and answer["code"] == "plugin.review_source"
        assert "a project admin must confirm it" in answer["error"]
    shown = session["source_status"]["params"]
    status, answer = reader.post("source/confirm", {"source": shown})
    assert status == 403 and answer["code"] == "project.not_admin"
    status, answer = analyst.post("source/confirm", {"source": shown}, token="forged")
    assert status == 403 and answer["code"] == "plugin.csrf"
    status, answer = analyst.post("source/confirm", {"source": dict(shown, path="elsewhere.yaml")})
    assert status == 409 and answer["code"] == "plugin.review_source" and "reload the page" in answer["error"]
    assert reader.session()[1]["source_status"]["confirmed"] is None
    status, confirmed = analyst.post("source/confirm", {"source": shown})
    assert status == 200 and confirmed["problem"] is None and confirmed["confirmed"]["source"] == shown
    assert confirmed["confirmed"]["by"] == "analyst" and confirmed["confirmed"]["at"]
    assert analyst.post("plan-now")[0] == 200
    monkeypatch.setenv("DKU_STANDIN_WEBAPP_CONFIG", json.dumps({"source": "folder", "folder": source.id,
                                                                "config_path": "project.yaml", "environment": "x"}))
    status, session = reader.session()
    assert session["source_status"]["problem"] == (
        "source changed by the webapp settings: a project admin must confirm it")
    assert session["source_status"]["confirmed"]["source"] == shown and session["source_status"]["text"].endswith(
        "(env x)")
    status, answer = analyst.post("plan-now")
    assert status == 409 and answer["code"] == "plugin.review_source"
    assert "source changed by the webapp settings" in answer["error"]
    assert "confirmed: folder" in answer["error"] and "by analyst" in answer["error"]
    assert len(analyst.get("plans")[1]["plans"]) == 1


def _forge_source(client, plan_id, source):
    """What any project writer can do: rewrite the ``source`` of a stored plan (in the project library,
    outside the plan's digest) in its file and its index entry."""
    from dataiku_framework.state.dssfiles import LibraryDocument
    from dataiku_framework.state.plans import INDEX_NAME, plan_file
    stored = LibraryDocument(client, "P1", plan_file(plan_id))
    stored.write_document(dict(stored.read_document(), source=source))
    index = LibraryDocument(client, "P1", INDEX_NAME)
    document = index.read_document()
    for entry in document["plans"]:
        if entry["id"] == plan_id:
            entry["source"] = source
    index.write_document(document)


@pytest.mark.parametrize("kind", ["file", "git"])
def test_a_stored_plan_s_source_is_read_only_from_where_the_admins_chose(browser, client, tmp_path, monkeypatch,
                                                                         kind):
    """A writer who rewrites a stored plan's source cannot make the backend read a file of its own
    host, nor send the backend's git credentials to a repository no project admin confirmed: "Check"
    and "Approve and apply" refuse such a source before reading it, saying why."""
    from gitsupport import FILES, KEY, Repository
    analyst = browser("analyst")
    made = _plan_now(browser)["record"]
    (tmp_path / "project.yaml").write_text(CONFIG_YAML)  # the same configuration: read, it would pass
    (tmp_path / "clean.py").write_text(RECIPE_PY)
    if kind == "file":
        forged = {"type": "file", "path": str(tmp_path / "project.yaml"), "environment": None}
    else:
        monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
        repo = Repository(str(tmp_path / "repo"), files={k: v.replace(KEY, "P1") for k, v in FILES.items()})
        forged = {"type": "git", "url": repo.url, "commit": repo.commit({"x.txt": "x"}, "pin"), "path": "conf/project.yaml",
                  "environment": None}
    _forge_source(client, made["id"], forged)
    for login in ("reader", "analyst"):
        status, answer = browser(login).post("plans/%s/check" % made["id"])
        assert status == 409 and answer["code"] == "plugin.review_source", answer
        assert made["id"] in answer["error"] and "dss-framework plans" in answer["error"]
    status, answer = analyst.apply(made["id"], made["digest"])
    assert status == 409 and answer["code"] == "plugin.review_source", answer
    assert analyst.get("plans/" + made["id"])[1]["record"]["status"] == "pending"


def _other_project_readable_by_analyst(client):
    """Project OTHER, which analyst may read (so a request about it would be answered)."""
    other = client.create_project("OTHER", "Other", "admin")
    other.set_permissions(dict(other.get_permissions(), permissions=[
        {"group": "data_team", "readProjectContent": True, "readConf": True}]))


def test_plan_now_reads_its_source_once(browser, emulator):
    """"Plan now" checks the configuration's project on the copy it plans: the folder is read once."""
    emulator.stats.reset()
    _plan_now(browser)
    downloads = [e for e in emulator.stats.snapshot()["log"]
                 if e["method"] == "GET" and e["path"].endswith("/project.yaml")]
    assert len(downloads) == 1, downloads


def test_a_configuration_naming_another_project_is_refused_by_every_action(browser, client, emulator, source):
    """A writer puts a configuration naming project OTHER into the confirmed folder: "Check drift now"
    and "Check" of a stored plan refuse it before any request about OTHER, and record nothing in this
    project (neither OTHER's drift nor a stale mark)."""
    analyst = browser("analyst")
    made = _plan_now(browser)["record"]
    _other_project_readable_by_analyst(client)
    source.put_file("project.yaml", CONFIG_YAML.replace("key: P1", "key: OTHER"))
    emulator.stats.reset()
    for path in ("drift", "plans/%s/check" % made["id"]):
        status, answer = analyst.post(path)
        assert status == 403 and answer["code"] == "plugin.foreign_project", (path, answer)
        assert "names project OTHER" in answer["error"] and "P1" in answer["error"]
    assert not [e for e in emulator.stats.snapshot()["log"] if "/projects/OTHER" in e["path"]]
    assert analyst.get("drift")[1]["last"] is None
    assert analyst.get("plans/" + made["id"])[1]["record"]["status"] == "pending"


def test_every_refusal_carries_its_catalogue_code(browser):
    """The page shows ``error[CODE]: message`` as the CLI, the macros and the steps do: every refusal's
    ``code`` is an entry of the one catalogue (its cause and fix on the troubleshooting page)."""
    from dataikuapi.utils import DataikuException
    from dataiku_framework.errors import CATALOGUE
    from dataiku_framework.plugin.review import _refusal
    answers = [browser(None).get("plans"), browser("reader").post("plan-now"), browser("analyst").get("nowhere"),
               browser("analyst").post("rollback", {}, token=False), browser("analyst").post("rollback", {})]
    assert [status for status, _ in answers] == [401, 403, 404, 403, 400]
    codes = [answer["code"] for _, answer in answers]
    assert codes == ["plugin.login", "project.not_admin", "plugin.request", "plugin.csrf", "plugin.request"]
    assert _refusal(DataikuException("com.dataiku.dip.exceptions.UnauthorizedException: Action forbidden"))[1][
        "code"] == "dss.forbidden"
    assert _refusal(RuntimeError("an unforeseen failure")) == (502, {"error": "DSS refused or failed: an unforeseen "
                                                                              "failure", "code": "plugin.failed"})
    assert all(code in CATALOGUE for code in codes + ["dss.forbidden", "plugin.failed"])
