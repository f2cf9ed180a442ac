"""A local stand-in for DSS's webapp frame around the review webapp, over an emulator: the browser
tests, ``make webapp`` and the speed bench serve the webapp with it.

What DSS does, and this does alike (dss-plugin-anatomy.md §4): the page is ``body.html`` with
``style.css`` and ``app.js`` loaded, and a ``getWebAppBackendUrl(path)`` naming the backend's base
``/web-apps-backends/<PROJECT>/<WEBAPP>/``; the backend is ``backend.py`` run with a Flask ``app``
injected into its globals, on the stand-in ``dataiku`` (a real client of the webapp's run-as user, an
administrator); the browser's user is a DSS session cookie (``/login?user=NAME`` opens one, as DSS's
login page would). TEST-ONLY: nothing here ships in the plugin.
"""
import json
import os
import sys
import threading

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))
WEBAPP = os.path.join(ROOT, "webapps", "plan-review")
STANDIN = os.path.join(ROOT, "tests", "python", "plugin", "standin")
WEBAPP_ID = "plan-review"
#: Debian's packages (``make chromium``): the browser and its driver, never a download
CHROMIUM, DRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Plan review (local stand-in of DSS's webapp frame)</title>
<link rel="stylesheet" href="/frame/style.css"></head>
<body>
<script>window.getWebAppBackendUrl = function (path) { return "%(base)s" + String(path).replace(/^\\//, ""); };</script>
%(body)s
<script src="/frame/app.js"></script>
</body></html>
"""


def _read(name):
    with open(os.path.join(WEBAPP, name), encoding="utf-8") as handle:
        return handle.read()


def use_standin(url, api_key, project_key, webapp_config):
    """Make ``import dataiku`` the stand-in on a client of ``api_key`` (the run-as user) in
    ``project_key``; a function undoing it (the path, the variables, the imported modules), so that
    no later test can import a fake ``dataiku``."""
    names = ("DKU_STANDIN_URL", "DKU_STANDIN_API_KEY", "DKU_CURRENT_PROJECT_KEY", "DKU_STANDIN_WEBAPP_CONFIG")
    saved = {name: os.environ.get(name) for name in names}
    if STANDIN not in sys.path:
        sys.path.insert(0, STANDIN)
    os.environ.update(dict(zip(names, (url, api_key, project_key, json.dumps(webapp_config)))))

    def undo():
        if STANDIN in sys.path:
            sys.path.remove(STANDIN)
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        for module in [n for n in sys.modules if n == "dataiku" or n.startswith("dataiku.")]:
            del sys.modules[module]
    return undo


def frame_app(emulator, project_key):
    """The WSGI app: the frame page and assets at ``/``, the backend at ``/web-apps-backends/...``."""
    from flask import Flask, Response, redirect, request
    from werkzeug.middleware.dispatcher import DispatcherMiddleware
    from dss_emulator.api.instance import SESSION_COOKIE, open_browser_session
    from webapp_support import load_backend
    base = "/web-apps-backends/%s/%s" % (project_key, WEBAPP_ID)
    frame = Flask("plan_review_frame")

    def page():
        return Response(PAGE % {"base": base + "/", "body": _read("body.html")}, mimetype="text/html")

    def asset(name):
        kinds = {"app.js": "application/javascript", "style.css": "text/css"}
        if name not in kinds:
            return Response("not found", status=404)
        return Response(_read(name), mimetype=kinds[name])

    def login():
        answer = redirect("/")
        answer.set_cookie(SESSION_COOKIE, open_browser_session(emulator.instance, request.args.get("user", "admin")))
        return answer

    frame.add_url_rule("/", "page", page)
    frame.add_url_rule("/frame/<name>", "asset", asset)
    frame.add_url_rule("/login", "login", login)
    return DispatcherMiddleware(frame, {base: load_backend()})


class FrameServer(object):
    """The frame served on 127.0.0.1 (a free port) in a thread; ``url``; ``stop()``."""

    def __init__(self, emulator, project_key, port=0):
        from werkzeug.serving import make_server
        self.server = make_server("127.0.0.1", port, frame_app(emulator, project_key), threaded=True)
        self.url = "http://127.0.0.1:%d" % self.server.server_port
        self.thread = threading.Thread(target=self.server.serve_forever, name="review-frame", daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.thread.join(10)


def seed(client, project_key="P1"):
    """A project with a managed folder of configuration, group data_team (analyst) its admins, group
    readers (reader) its readers, and one stored plan; the folder's id."""
    from webapp_support import CONFIG_YAML, RECIPE_PY
    from dataiku_framework.engine import Engine
    from dataiku_framework.stored_plans import plan_and_store
    if project_key not in client.list_project_keys():
        client.create_project(project_key, "Project one", "admin")
    project = client.get_project(project_key)
    folder = project.create_managed_folder("configs")
    folder.put_file("project.yaml", CONFIG_YAML.replace("key: P1", "key: %s" % project_key))
    folder.put_file("clean.py", RECIPE_PY)
    project.set_permissions(dict(project.get_permissions(), permissions=[
        {"group": "data_team", "readProjectContent": True, "readConf": True, "writeProjectContent": True,
         "writeConf": True, "admin": True},
        {"group": "readers", "readProjectContent": True, "readConf": True}]))
    source = {"type": "folder", "project": project_key, "folder": folder.id, "path": "project.yaml",
              "environment": None}
    plan_and_store(Engine(client=client), project_key, source, comment="seeded by the frame")
    return folder.id


def start_chromium(width=1280, height=900):
    """Headless Debian Chromium through its own chromedriver: Selenium is given both paths, so its
    driver manager (which reaches for the network) never runs."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    os.environ["SE_OFFLINE"] = "true"
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=%d,%d" % (width, height)):
        options.add_argument(arg)
    return webdriver.Chrome(service=Service(DRIVER), options=options)
