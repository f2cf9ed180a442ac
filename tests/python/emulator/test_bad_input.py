"""No request, however malformed, makes the emulator crash: every answer is DSS-shaped.

Real DSS answers bad bodies with a 4xx and an error body; a 500 "UnexpectedException" from the
emulator means a handler tripped over input it did not check. This walks every registered write
route with a set of malformed bodies against a project that holds one object of each kind.
"""
import json
import re

import pytest
import requests

from dss_emulator import routing
from emusupport import ADMIN_KEY

BAD_BODIES = [b"", b"null", b"[]", b'"text"', b"42", b"{not json", b'{"name": 1}', b'{"name": null, "type": []}',
              b'{"params": "x", "inputs": 3, "outputs": [1], "triggers": {}, "settings": 1, "tags": "t"}',
              b'{"permissions": [1, {"group": 2}], "standard": [], "local": 5, "script": 7}',
              b'{"recipePrototype": 1, "creationSettings": []}',
              b'{"recipePrototype": {"type": "python", "name": 5, "inputs": [], "outputs": {"main": 1}}}',
              b'{"name": "x", "creationSettings": {"connectionId": 3, "specificSettings": 1}}',
              b'{"definition": null, "recipe": 1, "payload": {}}', b'{"oldName": 1, "newName": []}',
              b'{"objectId": 1, "objectType": null}', b'[{"objectId": "x"}]', b'{"message": 3}',
              "\u00e9\u00e8".encode("latin-1")]
# Well-typed containers whose items (or nested fields) have the wrong type: a handler that checks
# "is a list" but not what is in it trips over these when sorting, hashing or iterating.
BAD_BODIES += [b'{"projectKey": "PT1", "name": "n", "tags": [1, "a"], "permissions": ["x", {"group": []}]}',
               b'{"projectKey": 5, "name": "n", "owner": []}', b'{"projectKey": "PT2", "name": "n", "tags": [{}]}',
               b'{"tags": [[]], "name": "n2", "id": [1], "newName": "x", "items": [1], "shared": [{}]}',
               b'{"columns": [1], "newSchema": {"columns": [{"name": 1}]}, "computableId": "out"}',
               b'{"params": {"steps": [1, {"runConditionStatuses": 5}]}, "triggers": [1], "reporters": [{"phase": 3}]}',
               b'{"params": {"steps": [{"runConditionStatuses": [1]}]}, "triggers": [{"delay": "soon"}], "name": "S2"}',
               b'{"name": [1], "reference": [2], "url": [3], "targetFolderId": [1], "targetProjectKey": {}}',
               b'{"remapping": {"connections": "pg"}, "targetProjectKey": "PD1", "targetProjectName": "d"}',
               b'{"type": [], "params": {"properties": [1]}, "allowedGroups": [{}], "usableBy": 3}',
               b'{"groups": "administrators", "secrets": {}, "permissions": [{"user": ["admin"]}]}',
               b'{"recipePrototype": {"type": "python", "name": "rt", "tags": [{}], "outputs": {}}}',
               b'{"oldName": "ds", "newName": "ds2", "tags": [1]}']


@pytest.fixture
def populated(emulator, client):
    client.create_project("P1", "P1", "admin")
    p = client.get_project("P1")
    p.create_dataset("ds", "Filesystem", params={"connection": "filesystem_managed", "path": "/x"})
    p.new_managed_dataset("out").with_store_into("filesystem_managed").create()
    p.new_recipe("python", "r").with_input("ds").with_output("out").with_script("x").create()
    scenario = p.create_scenario("S", "step_based")
    folder = p.create_managed_folder("F")
    folder.put_file("a.txt", b"a")
    zone = p.get_flow().create_zone("Z")
    p.get_library().add_folder("python").add_file("m.py").write("x = 1")
    client.create_connection("ds", "PostgreSQL")     # {name} is "ds": instance objects of that name exist too
    client.create_group("ds")
    return {"projectKey": "P1", "datasetName": "ds", "recipeName": "r", "scenarioId": scenario.id,
            "folderId": folder.id, "id": folder.id, "zoneId": zone.id, "name": "ds", "path*": "/python/m.py",
            "login": "analyst"}


def _fill(pattern, values):
    def sub(m):
        name = m.group(1)
        return values.get(name, values.get(name + "*", "x"))
    return re.sub(r"\{([A-Za-z_]+)\*?\}", sub, pattern)


def test_every_write_route_answers_malformed_bodies_like_dss(emulator, populated):
    session = requests.Session()
    session.auth = (ADMIN_KEY, "")
    crashes = []
    routes = [r for r in routing.ROUTER.routes if r.method in ("POST", "PUT")]
    assert len(routes) > 40
    for route in routes:
        path = "/dip/publicapi" + _fill(route.pattern, populated)
        for body in BAD_BODIES:
            resp = session.request(route.method, emulator.url + path, data=body)
            if resp.status_code < 400 and not resp.headers["Content-Type"].startswith("application/json"):
                assert route.pattern.endswith("/export")  # the one stream a POST answers
                continue
            payload = resp.json()  # never HTML, never a stack trace
            if resp.status_code >= 400:
                assert set(payload) >= {"errorType", "message", "detailedMessage"}
            if resp.status_code >= 500:
                crashes.append("%s %s %r -> %s" % (route.method, route.pattern, body[:40], payload["message"]))
    assert crashes == []
    # whatever those bodies got stored must not break a later read (a connection saved without a
    # type once made every connection listing crash)
    reads = [r for r in routing.ROUTER.routes if r.method == "GET"]
    assert _walk(emulator, populated, reads, populated, query={}) == []


BAD_QUERY = {"count": "abc", "limit": "-x", "commit": "zzz", "startCommit": "nope", "commitFrom": "x",
             "commitTo": "y", "dropData": "maybe", "withSecrets": "1", "path": "../../etc", "triggerId": "t",
             "triggerRunId": "r", "fromDate": "yesterday", "toDate": "2020-13-45", "partitions": "p=1",
             "dataEncoding": "rot13", "type": "", "activity": "a", "peek": "perhaps", "format": "xml",
             "columns": "nope", "stepId": "s", "readSessionId": "", "destination": "nowhere", "name": ""}


def _walk(emulator, populated, routes, values, query=None):
    session = requests.Session()
    session.auth = (ADMIN_KEY, "")
    crashes = []
    for route in routes:
        path = "/dip/publicapi" + _fill(route.pattern, values)
        resp = session.request(route.method, emulator.url + path, params=BAD_QUERY if query is None else query,
                               data=b"{}")
        if resp.status_code >= 500:
            crashes.append("%s %s -> %s" % (route.method, route.pattern, resp.json()["message"]))
        elif resp.status_code >= 400:
            assert set(resp.json()) >= {"errorType", "message", "detailedMessage"}
    return crashes


def test_every_route_answers_bad_queries_on_existing_objects(emulator, populated):
    routes = [r for r in routing.ROUTER.routes if r.method == "GET"]
    assert _walk(emulator, populated, routes, populated) == []


def test_every_route_answers_unknown_objects_with_an_error_not_a_crash(emulator, populated):
    unknown = {k: ("P1" if k == "projectKey" else "/nope/x" if k.endswith("*") else "nope") for k in populated}
    routes = [r for r in routing.ROUTER.routes if r.method != "POST" or "{" in r.pattern]
    assert _walk(emulator, populated, routes, unknown) == []
