"""The recorded traffic of the real client (every captured version) replays against the emulator.

Each captured operation starts from the same baseline (the objects the captures name, created
through the client), its calls are sent over raw HTTP exactly as recorded (method, path, query,
body, Content-Type; only the API key and server-generated ids are substituted), and every call in
scope must succeed. The few calls expected to fail, and the calls out of scope, are listed below
with the reason; nothing else is skipped.
"""
import json

import pytest

from emusupport import ADMIN_KEY, make_emulator
from wire_replay import VERSIONS, Replayer, Snapshot, build_baseline, created_dataset_names, created_folder_names, \
    load_capture, recipe_outputs

# Operations outside issue 2 §2's list of served endpoints. They must still answer with a
# DSS-shaped JSON body (error or not), never a crash or an HTML page.
OUT_OF_SCOPE = {
    "project.export_bundle('v1')": "bundles (automation-node deployment) are not in the §2 endpoint list",
    "project.list_exported_bundles()": "bundles (automation-node deployment) are not in the §2 endpoint list",
    "git.create_branch('b')": "§2 lists git status/commit/log/tags/revertToRevision/revertCommit: no branches",
    "git.switch('b')": "§2 lists git status/commit/log/tags/revertToRevision/revertCommit: no branches",
}

# (operation label, method, recorded path) -> (status, text in the error, why the failure is right)
EXPECTED_ERRORS = {
    ("dataset.exists()  [missing -> server 404]", "GET", "/projects/P1/datasets/missing_ds/metadata"):
        (404, "does not exist", "the capture probes a dataset that does not exist"),
    ("error handling: dataset 404", "GET", "/projects/P1/datasets/missing_x/metadata"):
        (404, "does not exist", "the capture reads a dataset that does not exist"),
    ("error handling: GET /boom (500)", "GET", "/boom"):
        (501, "not supported by the DSS emulator", "the capture calls a path that is no DSS endpoint: the "
                                                   "emulator cannot tell, so it answers its 501 (issue 6 section 8)"),
    ("library folder.add_file('notexist.py')", "GET", "/projects/P1/libraries/contents//python/notexist.py"):
        (404, "does not exist", "add_file probes the file and needs the probe to fail"),
    ("library.add_file('notexist_root.py') (at root)", "GET", "/projects/P1/libraries/contents/notexist_root.py"):
        (404, "does not exist", "add_file probes the file and needs the probe to fail"),
    ("dataset.set_definition(d)", "PUT", "/projects/P1/datasets/ds"):
        (400, "has no 'type'", "the capture saves the partial body {name}: a PUT replaces the definition "
                               "and DSS cannot deserialise one without a type (issue 6 section 3)"),
}


@pytest.fixture(scope="module")
def replay_env():
    emulator = make_emulator()
    client = emulator.client(ADMIN_KEY)
    ids = build_baseline(client, emulator)
    yield emulator, client, ids, Snapshot(emulator.instance)
    emulator.stop()


def _prepare(client, calls):
    """Make the operation's preconditions true: the datasets and folders it creates are absent,
    what its new recipes write into has no other producer yet."""
    p1 = client.get_project("P1")
    for name in created_dataset_names(calls):
        if p1.get_dataset(name).exists():
            p1.get_dataset(name).delete()
    folders = set(created_folder_names(calls))
    for item in p1.list_managed_folders() if folders else []:
        if item["name"] in folders:
            p1.get_managed_folder(item["id"]).delete()
    outputs = set(recipe_outputs(calls))
    if outputs:
        for item in p1.list_recipes():
            produced = {i["ref"] for role in item.get("outputs", {}).values() for i in role.get("items", [])}
            if produced & outputs:
                p1.get_recipe(item["name"]).delete()


def _check(label, call, resp):
    """A problem description, or None when the answer is the one expected."""
    ctype = resp.headers.get("Content-Type", "")
    key = (label, call["method"], call["path"])
    if key in EXPECTED_ERRORS:
        status, text, _ = EXPECTED_ERRORS[key]
        if resp.status_code != status or text not in resp.text:
            return "expected %d with %r, got %d %s" % (status, text, resp.status_code, resp.text[:200])
        return None
    if label in OUT_OF_SCOPE:
        if resp.status_code >= 400 and not (ctype.startswith("application/json") and "errorType" in resp.json()):
            return "out-of-scope call answered without a DSS error body: %d %s" % (resp.status_code, resp.text[:200])
        return None
    if resp.status_code >= 400:
        return "%d %s" % (resp.status_code, resp.text[:300])
    if ctype.startswith("application/json"):
        json.loads(resp.text)    # every J/E call must get a JSON body
    return None


@pytest.mark.parametrize("version", VERSIONS)
def test_capture_replays_without_missing_endpoints(shared_dir, replay_env, version):
    emulator, client, ids, snapshot = replay_env
    replayer = Replayer(emulator.url, ADMIN_KEY, ids)
    problems, replayed, labels = [], 0, set()
    for op in load_capture(shared_dir, version):
        labels.add(op["label"])
        snapshot.restore()
        _prepare(client, op["calls"])
        replayer.start_operation()
        for call in op["calls"]:
            resp = replayer.send(call)
            replayed += 1
            problem = _check(op["label"], call, resp)
            if problem:
                problems.append("%s | %s %s?%s -> %s" % (op["label"], call["method"], call["path"],
                                                         call["query"], problem))
    assert not problems, "%d of %d calls failed:\n%s" % (len(problems), replayed, "\n".join(problems))
    assert replayed >= 135           # every recorded call of the version was sent
    listed = set(OUT_OF_SCOPE) | {k[0] for k in EXPECTED_ERRORS}
    assert listed <= labels          # the exclusion lists name real captured operations


def test_expected_errors_are_a_closed_list():
    """Every exclusion carries a reason (the lists are documentation as much as configuration)."""
    assert all(reason for reason in OUT_OF_SCOPE.values())
    assert all(len(v) == 3 and v[2] for v in EXPECTED_ERRORS.values())
