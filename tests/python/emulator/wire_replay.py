"""Replaying recorded ``dataikuapi`` traffic (``shared/reference/wire/capture_*.json``) over raw HTTP.

The captures were recorded against a canned server, so they name objects that exist nowhere
(project ``P1``, dataset ``ds``, recipe ``r1``, scenario ``SC1``, folder ``AbCd1234``, job ``J1``,
future ``F1``, commit ``abc``...). :func:`build_baseline` creates those objects through the real client;
ids that the server generates (scenario, folder, job, future, commit) are mapped from the recorded value
to the real one, and :class:`Replayer` substitutes them in paths, query values and JSON bodies.
Ids that a call answers with (a new job id, a scenario run id) are mapped on the fly for the calls that
follow in the same operation.

The recorder kept the first 400 characters of each body: a cut JSON body is completed by
:func:`complete_json` (cut after its last complete member, open structures closed), so the call
still carries everything recorded that is well-formed.
"""
import base64
import copy
import io
import json
import os
from urllib.parse import parse_qsl, unquote, urlencode

import requests

VERSIONS = ("12.6.4", "13.5.6", "14.7.5", "15.2.0")
RECORDED_JOB_ID = "build_2024-01-01T00-00-00.000"
RECORDED_TRIGGER_RUN_ID = "trig-1"


def load_capture(shared_dir, version):
    with open(os.path.join(shared_dir, "reference", "wire", "capture_%s.json" % version), encoding="utf-8") as f:
        return json.load(f)


def build_baseline(client, emulator):
    """Create what the captured calls reference; return the recorded-id -> real-id map."""
    for name, ctype in (("x", "Filesystem"), ("c", "Filesystem"), ("fs", "Filesystem")):
        client.create_connection(name, ctype, params={"root": "/tmp/%s" % name})
    client.create_group("g", description="group named by the capture")

    client.create_project("OTHER", "Other project", "admin")
    client.get_project("OTHER").create_dataset("b", "Filesystem", params={
        "connection": "filesystem_managed", "path": "/OTHER/b"}, formatType="csv")

    client.create_project("P1", "P one", "admin")
    p1 = client.get_project("P1")
    # s2: the recorder cut the split recipe's body before s2's creation settings, so the replayed
    # call writes into an existing s2 (s1 is still created by it)
    for name in ("ds", "in_ds", "out_ds", "a", "b", "j", "dsx", "x", "s2"):
        p1.create_dataset(name, "Filesystem", params={"connection": "filesystem_managed", "path": "/P1/" + name},
                          formatType="csv", formatParams={"separator": ","})
    p1.new_managed_dataset("mds").with_store_into("filesystem_managed").create()
    p1.new_recipe("python", "r1").with_input("in_ds").with_output("out_ds").with_script("print('hi')").create()

    scenario = p1.create_scenario("Scenario 1", "step_based")
    folder = p1.create_managed_folder("f1")
    for path, data in (("/dir/a b.txt", b"abc"), ("/a.txt", b"abc"), ("/dir/a.txt", b"abc")):
        folder.put_file(path, io.BytesIO(data))
    library = p1.get_library()
    library.get_folder("/python").add_file("mod.py").write("x = 1\n")
    job = p1.new_job("NON_RECURSIVE_FORCED_BUILD").with_output("out_ds", object_type="DATASET").start_and_wait()

    client.create_project("TMP", "Deleted to get a future", "admin")
    future = client.get_project("TMP").delete()
    # "F1" also names the project folder of create_project(project_folder_id='F1'), which DSS
    # requires to exist; the recorded id maps to the future's id, so that folder gets it too
    emulator.add_project_folder(future.job_id, "Captured folder")
    head = p1.get_project_git().log(count=1)["entries"][0]["commit"]
    return {"SC1": scenario.id, "AbCd1234": folder.id, "J1": job.id, "F1": future.job_id, "abc": head}


class Snapshot:
    """Projects and project folders as they were, to give every replayed operation the same start."""

    def __init__(self, instance):
        self.instance = instance
        with instance.lock:
            self.saved = copy.deepcopy((instance.projects, instance.project_folders))

    def restore(self):
        with self.instance.lock:
            self.instance.projects, self.instance.project_folders = copy.deepcopy(self.saved)


class Replayer:
    """Sends recorded calls with a valid key, the recorded method, path, query and body."""

    def __init__(self, base_url, api_key, ids):
        self.base_url = base_url.rstrip("/") + "/dip/publicapi"
        self.auth = "Basic " + base64.b64encode(("%s:" % api_key).encode()).decode()
        self.base_ids = dict(ids)
        self.ids = dict(ids)
        self.session = requests.Session()

    def start_operation(self):
        self.ids = dict(self.base_ids)

    def _sub(self, value):
        return self.ids.get(value, value)

    def path(self, recorded):
        return "/".join(seg if unquote(seg) not in self.ids else self._sub(unquote(seg))
                        for seg in recorded.split("/"))

    def query(self, recorded):
        return urlencode([(k, self._sub(v)) for k, v in parse_qsl(recorded, keep_blank_values=True)])

    def body(self, call):
        raw = call["body"] or ""
        data = json_body(call)
        if data is not None:
            return json.dumps(self._sub_json(data)).encode()
        return raw.encode("utf-8")

    def _sub_json(self, obj):
        if isinstance(obj, dict):
            return {k: self._sub_json(v) for k, v in obj.items()}
        if isinstance(obj, list):
            return [self._sub_json(v) for v in obj]
        return self._sub(obj) if isinstance(obj, str) else obj

    def send(self, call):
        url = self.base_url + self.path(call["path"])
        query = self.query(call["query"])
        if query:
            url += "?" + query
        headers = {"Authorization": self.auth}
        if call["content_type"]:
            headers["Content-Type"] = call["content_type"]
        resp = self.session.request(call["method"], url, data=self.body(call) or None, headers=headers)
        self._learn(call, resp)
        return resp

    def _learn(self, call, resp):
        """Ids the server just generated stand for the recorded ones in the rest of the operation."""
        if resp.status_code != 200 or call["method"] != "POST":
            return
        try:
            data = resp.json()
        except ValueError:
            return
        if not isinstance(data, dict):
            return
        if call["path"].rstrip("/").endswith("/jobs") and data.get("id"):
            self.ids[RECORDED_JOB_ID] = data["id"]
        if call["path"].endswith("/run") and data.get("runId"):
            self.ids[RECORDED_TRIGGER_RUN_ID] = data["runId"]
            trigger_id = (data.get("trigger") or {}).get("id")
            if trigger_id:
                self.ids["manual"] = trigger_id


def complete_json(text):
    """``text`` if it is JSON; else its longest prefix ending on a complete member, closed."""
    try:
        json.loads(text)
        return text
    except ValueError:
        pass
    stack, in_string, escaped, cut = [], False, False, None
    for i, ch in enumerate(text):
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
            continue
        if ch == '"':
            in_string = True
        elif ch in "{[":
            stack.append("}" if ch == "{" else "]")
        elif ch in "}]" and stack:
            stack.pop()
        elif ch == ",":
            cut = (i, list(stack))
    if cut is None:
        return text
    return text[:cut[0]] + "".join(reversed(cut[1]))


def json_body(call):
    """The JSON body of a recorded call (completed if the recorder cut it), or None."""
    raw = call["body"] or ""
    if call["content_type"] is not None or not raw.strip() or raw.lstrip()[:1] not in "{[":
        return None
    try:
        return json.loads(complete_json(raw))
    except ValueError:
        return None


def created_dataset_names(calls):
    """Datasets an operation creates without deleting them first (they must not exist before)."""
    deleted, out = set(), []
    for c in calls:
        parts = c["path"].rstrip("/").split("/")
        if c["method"] == "DELETE" and len(parts) == 5 and parts[3] == "datasets":
            deleted.add(parts[4])
        if c["method"] == "POST" and parts[3:] in (["datasets"], ["datasets", "managed"]):
            name = json_body(c).get("name")
            if name and name not in deleted:
                out.append(name)
        if c["method"] == "POST" and parts[3:] == ["recipes"]:
            settings = json_body(c).get("creationSettings") or {}
            proto = json_body(c).get("recipePrototype") or {}
            if settings.get("createOutputDataset"):
                out.extend(_output_refs(proto))
            for by_name in (settings.get("outputDatasetsCreationSettingsByRole") or {}).values():
                out.extend(by_name)
    return out


def created_folder_names(calls):
    """Managed folders an operation creates (folder names are unique in a project)."""
    return [json_body(c).get("name") for c in calls
            if c["method"] == "POST" and c["path"].rstrip("/").split("/")[3:] == ["managedfolders"]]


def recipe_outputs(calls):
    """Datasets that recipes created by an operation write into (they can have one producer only)."""
    out = []
    for c in calls:
        if c["method"] == "POST" and c["path"].rstrip("/").split("/")[3:] == ["recipes"]:
            out.extend(_output_refs(json_body(c).get("recipePrototype") or {}))
    return out


def _output_refs(proto):
    return [item["ref"] for role in (proto.get("outputs") or {}).values() for item in role.get("items", [])]
