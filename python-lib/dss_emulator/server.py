"""The HTTP server: transport rules of the DSS public API, auth, permissions, dispatch.

Requests run one at a time under the instance lock (DSS itself serialises writes per project;
one lock keeps the emulator simple and its answers consistent). Injected faults are counted and
requests are logged under that same lock, so the stats log is the server's order of execution. Every handler answer is
rendered as 200 + JSON unless it is a stream or text; every failure as a DSS error body.
"""
import base64
import binascii
import json
import logging
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from . import defaults, errors, routing
from .faults import Faults, Stats
from .state import Instance

LOG = logging.getLogger("dss_emulator")
API_PREFIXES = ("/dip/publicapi", "/public/api")
CONTROL_PREFIX = "/__emulator__"
DSS_VERSION = "15.2.0"
MAX_BODY = 256 * 1024 * 1024


class Raw:
    """A streamed (binary) answer."""

    def __init__(self, data, content_type="application/octet-stream"):
        self.data = data
        self.content_type = content_type


class Text:
    """A plain-text answer (job and scenario logs)."""

    def __init__(self, text):
        self.text = text


class Ctx:
    """What a handler sees of one request."""

    def __init__(self, emulator, method, path, query, headers, body, user):
        self.emulator = emulator
        self.instance = emulator.instance
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
        self.user = user
        self.login = user["login"] if user else None
        self.project = None
        self.touched = set()       # (kind, id) configuration objects changed by this request
        self.git_message = None    # overrides the route's commit message
        self.other_projects = set()  # keys of other projects whose data this request changed

    def json(self, default=None, required=False):
        """The request body as JSON; the client sends JSON without a Content-Type header."""
        if not self.body or not self.body.strip():
            if required:
                raise errors.bad_request("A JSON body is required")
            return default
        try:
            return json.loads(self.body.decode("utf-8"))
        except (ValueError, UnicodeDecodeError) as e:
            raise errors.bad_json(str(e))

    def json_object(self, default=None):
        data = self.json(default={} if default is None else default)
        if not isinstance(data, dict):
            raise errors.bad_request("The request body must be a JSON object")
        return data

    def q(self, name, default=None):
        values = self.query.get(name)
        return values[0] if values else default

    def qlist(self, name):
        return list(self.query.get(name, []))

    def qint(self, name, default):
        """An integer query parameter; anything else is DSS's 400, not a crash."""
        v = self.q(name)
        if v is None or v == "":
            return default
        try:
            return int(v)
        except ValueError:
            raise errors.bad_request("Query parameter '%s' must be an integer, got %r" % (name, v))

    def qbool(self, name, default=False):
        v = self.q(name)
        return default if v is None else v.strip().lower() in ("true", "1", "yes")

    def touch(self, kind, oid=None):
        self.touched.add((kind, oid))

    @property
    def is_admin(self):
        return self.instance.is_admin(self.user)


class Emulator:
    """A DSS emulator: state + HTTP server. Use :meth:`start` / :meth:`stop`, or ``with``."""

    def __init__(self, data_dir=None, api_keys=None, connections=None, latency_ms=0, seed_exports=None,
                 edition=defaults.DEFAULT_EDITION):
        from . import api  # noqa: F401  (registers the routes)
        self.edition = defaults.check_edition(edition)   # what GET /admin/licensing/status reports
        self.instance = Instance()
        self.data_dir = data_dir
        self.faults = Faults(latency_ms)
        self.stats = Stats()
        self.httpd = None
        self.thread = None
        if data_dir and self.instance.load(data_dir):
            LOG.info("loaded state from %s", data_dir)
        for key, login in (api_keys or {}).items():
            self.add_api_key(key, login)
        for name, ctype in (connections or {}).items():
            self.add_connection(name, ctype)
        for project_key, path in (seed_exports or {}).items():
            self.seed_export(project_key, path)

    # -- set-up helpers (Python side) ------------------------------------------------------
    def add_api_key(self, key, login="admin"):
        with self.instance.lock:
            if login not in self.instance.users:
                self.instance.users[login] = defaults.user(login, login, ["data_team"])
            self.instance.api_keys[key] = login
            self.persist()

    def add_group(self, name, description=""):
        with self.instance.lock:
            self.instance.groups.setdefault(name, defaults.group(name, description))
            self.persist()

    def add_project_folder(self, folder_id, name, parent_id="ROOT"):
        """A project folder under ``parent_id`` (the public API has no route creating one here)."""
        with self.instance.lock:
            folders = self.instance.project_folders
            if parent_id not in folders:
                raise ValueError("project folder %s does not exist" % parent_id)
            folders[folder_id] = {"id": folder_id, "name": name, "parentId": parent_id, "childrenIds": [],
                                  "projectKeys": []}
            folders[parent_id]["childrenIds"].append(folder_id)
            self.persist()

    def add_code_env(self, name, lang="PYTHON"):
        with self.instance.lock:
            self.instance.code_envs.append({"envName": name, "envLang": lang, "deploymentMode": "DESIGN_MANAGED"})
            self.persist()

    def add_connection(self, name, ctype, params=None):
        with self.instance.lock:
            self.instance.connections[name] = defaults.connection(name, ctype, params)
            self.persist()

    def seed_export(self, project_key, path):
        from .seed import load_export
        with self.instance.lock:
            load_export(self.instance, project_key, path)
            self.persist([project_key])

    def persist(self, project_keys=(), touched=None):
        if self.data_dir:
            self.instance.save(self.data_dir, list(project_keys), touched)

    # -- server lifecycle -------------------------------------------------------------------
    def start(self, host="127.0.0.1", port=0):
        emulator = self

        class Handler(RequestHandler):
            pass
        Handler.emulator = emulator
        self.httpd = _Server((host, port), Handler)
        # a short poll interval keeps stop() fast (shutdown waits for the next poll)
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                       name="dss-emulator", daemon=True)
        self.thread.start()
        return self

    @property
    def port(self):
        return self.httpd.server_address[1]

    @property
    def url(self):
        return "http://%s:%d" % (self.httpd.server_address[0], self.port)

    def stop(self):
        if self.httpd:
            self.httpd.shutdown()
            self.httpd.server_close()
            self.httpd = None
        if self.data_dir:
            # a full comparison, once: writes narrowed to what requests said they touched cannot
            # leave an unlisted change unsaved past a clean stop
            with self.instance.lock:
                self.instance.save(self.data_dir)

    def __enter__(self):
        return self.start() if self.httpd is None else self

    def __exit__(self, *exc):
        self.stop()

    def client(self, api_key):
        """A real ``dataikuapi.DSSClient`` pointed at this emulator."""
        import dataikuapi
        return dataikuapi.DSSClient(self.url, api_key)

    # -- dispatch ---------------------------------------------------------------------------
    def handle(self, method, raw_path, headers, body, client_host=None):
        """Answer one request: returns (status, content_type, bytes, extra_headers) or "drop".
        ``client_host`` is the peer's address (None for an in-process call): the control API
        answers loopback clients only."""
        split = urlsplit(raw_path)
        path, query = split.path, parse_qs(split.query, keep_blank_values=True)
        if path.startswith(CONTROL_PREFIX):
            from .control import handle_control
            return handle_control(self, method, path[len(CONTROL_PREFIX):], body, client_host)
        started = time.time()
        api_path = None
        for prefix in API_PREFIXES:
            if path.startswith(prefix + "/"):
                api_path = path[len(prefix):]
        is_write = method != "GET"
        try:
            if api_path is None:
                raise errors.not_dss(path)
            route, params = routing.ROUTER.resolve(method, api_path)
            is_write = route.writes
            delay = self.faults.latency()
            if delay:
                time.sleep(delay)
            with self.instance.lock:
                # faults are counted under the lock that serialises the writes themselves
                action, phase = self.faults.decide(api_path, is_write)
                if action is not None and phase == "before":
                    return self._fault_answer(action, method, api_path, route, is_write, started)
                answer = self._run(route, params, method, api_path, query, headers, body)
                if action is not None:
                    return self._fault_answer(action, method, api_path, route, is_write, started)
                self.stats.record(method, api_path, route.pattern, is_write, answer[0], time.time() - started)
                return answer
        except errors.DSSError as e:   # not the API, or a call the emulator does not serve
            self.stats.record(method, api_path or path, None, is_write, e.status, time.time() - started)
            return _error_answer(e)

    def _run(self, route, params, method, api_path, query, headers, body):
        """Authenticate, check permissions, run the handler and (for writes) commit and persist.
        Returns (status, content_type, bytes, extra_headers); called with the instance lock held."""
        try:
            user = self.authenticate(headers)
            ctx = Ctx(self, method, api_path, query, headers, body, user)
            self.check_permission(ctx, route, params)
            result = route.func(ctx, **params)
            if route.writes:
                self.after_write(ctx, route, params)
            return (200,) + tuple(_render(result)) + ({},)
        except errors.DSSError as e:
            return _error_answer(e)
        except Exception as e:  # a handler bug must still answer like DSS, never a stack trace
            LOG.exception("emulator handler failed on %s %s", method, api_path)
            return _error_answer(errors.DSSError(500, "UnexpectedException", "Internal error: %s" % type(e).__name__))

    def _fault_answer(self, action, method, api_path, route, is_write, started):
        """The injected answer: a dropped connection, or a DSS-shaped 5xx. In the "after" phase the
        write already happened, so a retrying client meets its own earlier write."""
        if action == "drop":
            self.stats.record(method, api_path, route.pattern, is_write, 0, time.time() - started, fault="drop")
            return "drop"
        err = errors.DSSError(self.faults.fail_status, "InjectedFault",
                              "Injected fault: the server failed this write")
        self.stats.record(method, api_path, route.pattern, is_write, err.status, time.time() - started,
                          fault="fail")
        return _error_answer(err)

    def authenticate(self, headers):
        key = _api_key_from(headers)
        if key is None:
            raise errors.not_authenticated("No credentials provided")
        user = self.instance.user_for_key(key)
        if user is None:
            raise errors.not_authenticated()
        proxied = headers.get("X-DKU-ProxyUser")
        if proxied:
            if not self.instance.is_admin(user):
                raise errors.forbidden("Only administrators may impersonate other users")
            if proxied not in self.instance.users:
                raise errors.not_found("User %s does not exist" % proxied)
            user = self.instance.users[proxied]
        return user

    def check_permission(self, ctx, route, params):
        if route.perm == "instance_admin":
            if not ctx.is_admin:
                raise errors.forbidden("Action forbidden: you are not an administrator")
            return
        key = params.get("projectKey")
        if key is None or route.perm is None:
            return
        project = self.instance.projects.get(key)
        levels = project.permission_levels(ctx.user, ctx.is_admin) if project else set()
        if "read" not in levels:
            raise errors.project_unreadable(key)
        if route.perm not in levels:
            raise errors.forbidden("Action forbidden: you do not have %s permission on project %s"
                                   % (route.perm, key))
        ctx.project = project

    def after_write(self, ctx, route, params):
        """Auto-commit configuration changes (DSS's AUTO git mode) and persist."""
        project = ctx.project
        key = params.get("projectKey")
        if project is None and key in self.instance.projects:
            project = self.instance.projects[key]
        if project is not None and project.key in self.instance.projects:
            from .gitops import auto_commit
            message = ctx.git_message or (route.git_message or "%s %s" % (ctx.method, ctx.path)).format(**params)
            auto_commit(project, ctx, message)
        # a project created by this request has no {projectKey} in the route: persist it too
        changed = {key, project.key if project is not None else None} | ctx.other_projects
        touched = {project.key: ctx.touched} if project is not None else None
        self.persist(sorted(k for k in changed if k), touched)


def _api_key_from(headers):
    auth = headers.get("Authorization") or ""
    if auth.startswith("Basic "):
        try:
            user, _, password = base64.b64decode(auth[6:]).decode("utf-8").partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return None
        return user or password or None
    if auth.startswith("Bearer "):
        return auth[7:].strip() or None
    return headers.get("X-DKU-APITicket")


def _error_answer(err):
    return err.status, "application/json", json.dumps(err.body()).encode(), {}


def _render(result):
    if isinstance(result, Raw):
        return result.content_type, result.data
    if isinstance(result, Text):
        return "text/plain; charset=utf-8", result.text.encode("utf-8")
    if result is None:
        result = {}
    return "application/json", json.dumps(result).encode("utf-8")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        """A client that went away (reset, closed pipe) before its answer was written is not a
        server failure, and its traceback on stderr read as an emulator crash. Clients see the same
        either way (the connection is gone), so this changes no DSS behaviour. Anything else keeps
        the standard report (a traceback on stderr)."""
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


class RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    emulator = None
    server_version = "DSS-emulator"

    def log_message(self, fmt, *args):  # the request log lives in Stats, never on stderr
        return

    def setup(self):
        super().setup()
        # headers and body go out in two writes: without TCP_NODELAY, Nagle + the client's delayed
        # ACK stall every answer by ~40 ms
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def _body(self):
        length = self.headers.get("Content-Length")
        if length:
            n = int(length)
            if n > MAX_BODY:
                raise errors.bad_request("Request body too large")
            data = self.rfile.read(n)
            if len(data) < n:
                # the client went away mid-body (a killed process): DSS's HTTP server (Jetty) fails such a
                # request with an early end of input and never hands the short body to the API
                raise EOFError("the client closed the connection after %d of %d bytes" % (len(data), n))
            return data
        if (self.headers.get("Transfer-Encoding") or "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            return b"".join(chunks)
        return b""

    def _serve(self):
        try:
            body = self._body()
        except EOFError:  # nobody left to answer: the request is dropped, as DSS drops it
            self.close_connection = True
            return
        except (ValueError, errors.DSSError):
            self._send(400, "application/json", json.dumps(errors.bad_request("Unreadable request body").body()).encode(), {})
            return
        answer = self.emulator.handle(self.command, self.path, self.headers, body, self.client_address[0])
        if answer == "drop":
            self.close_connection = True
            try:
                self.connection.shutdown(2)
            except OSError:
                pass
            return
        self._send(*answer)

    def _send(self, status, ctype, payload, extra):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("DSS-Version", DSS_VERSION)
        self.send_header("DSS-API-Version", "1")
        for k, v in extra.items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = _serve
