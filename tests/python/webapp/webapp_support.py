"""Helpers of the review webapp's tests: the backend loaded as DSS's webapp runner loads it, and a
browser user's requests (session cookie, CSRF token) through Flask's test client."""
import json
import os
import textwrap

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
WEBAPP = os.path.join(ROOT, "webapps", "plan-review")
BACKEND = os.path.join(WEBAPP, "backend.py")
XSS = "<img src=x onerror=alert(1)>"

CONFIG_YAML = textwrap.dedent("""\
    version: "1.0"
    project:
      key: P1
      name: Project one
    datasets:
      - name: RAW
        description: "%s"
        type: Filesystem
        connection: filesystem_managed
        path: raw
        format_type: csv
      - name: CLEAN
        type: Filesystem
        connection: filesystem_managed
        managed: true
        format_type: csv
    recipes:
      - name: clean
        type: python
        inputs: [RAW]
        outputs: [CLEAN]
        code_file: clean.py
    """) % XSS

RECIPE_PY = ("import dataiku\ndf = dataiku.Dataset('RAW').get_dataframe()\n"
             "dataiku.Dataset('CLEAN').write_with_schema(df)\n")


def load_backend(app=None):
    """``backend.py`` run as DSS runs a webapp backend: a Flask ``app`` put in the module's globals
    before its code runs (dss-plugin-anatomy.md §4.3); the app."""
    from flask import Flask
    app = app or Flask("plan_review_backend")
    with open(BACKEND) as handle:
        code = compile(handle.read(), BACKEND, "exec")
    exec(code, {"__name__": "backend", "__file__": BACKEND, "app": app})
    return app


class Browser(object):
    """Requests of DSS user ``login``'s browser: its session cookie, and once ``session()`` was asked,
    the CSRF token the page sends with every mutation."""

    def __init__(self, test_client, emulator, login):
        from emusupport import browser_headers
        self.client, self.login = test_client, login
        self.headers = browser_headers(emulator, login) if login else {}
        self.token = None

    def get(self, path, **query):
        answer = self.client.get("/api/" + path, query_string=query, headers=self.headers)
        return answer.status_code, json.loads(answer.get_data(as_text=True))

    def session(self):
        status, body = self.get("session")
        self.token = body.get("csrf")
        return status, body

    def post(self, path, body=None, token=True):
        headers = dict(self.headers, **{"Content-Type": "application/json"})
        if token:
            if self.token is None:
                self.session()
            headers["X-CSRF-Token"] = token if isinstance(token, str) else self.token
        answer = self.client.post("/api/" + path, data=json.dumps(body or {}), headers=headers)
        return answer.status_code, json.loads(answer.get_data(as_text=True))

    def confirm(self):
        """Confirm the source the page shows (a project admin's click on "Confirm source"); the answer."""
        shown = self.session()[1]["source_status"]["params"]
        status, answer = self.post("source/confirm", {"source": shown})
        assert status == 200, answer
        return answer

    def apply(self, plan_id, digest, comment=None, timeout=60.0):
        """Approve-and-apply as the page does: start it, then follow its job to the end; the job's
        ``(status, answer)``, or the refusal given at once (digest, rights, CSRF, approval)."""
        import time
        status, started = self.post("plans/%s/apply" % plan_id, dict({"digest": digest}, **(
            {"comment": comment} if comment else {})))
        if status != 200:
            return status, started
        self.last_job = started["job"]
        deadline = time.time() + timeout
        while time.time() < deadline:
            status, job = self.get("jobs/" + started["job"])
            assert status == 200, job
            if job["done"]:
                return job["status"], job["answer"]
            time.sleep(0.05)
        raise AssertionError("apply job %s did not end in %s s" % (started["job"], timeout))
