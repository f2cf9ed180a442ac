"""Real git repositories for the tests of configurations read from git: a bare repository (served over
``file://``, or over HTTP on loopback by ``git http-backend`` behind a server that checks a token) and a
working clone to push new commits to it."""
import base64
import os
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Dict, Optional

KEY = "GITSRC"
CODE_V1 = "print('version one')\n"
CODE_V2 = "print('version two')\n"

#: A configuration that includes a file and reads a recipe's code from another: all must come from the checkout.
FILES = {
    "conf/project.yaml": ('version: "1.0"\n'
                          "project: {key: %s, name: Git source}\n"
                          "include:\n  - flow/*.yaml\n"
                          "recipes:\n  - name: clean\n    type: python\n    inputs: [RAW]\n    outputs: [CLEAN]\n"
                          "    code_file: recipes/clean.py\n" % KEY),
    "conf/flow/datasets.yaml": ("datasets:\n"
                                "  - {name: RAW, type: Filesystem, managed: true}\n"
                                "  - {name: CLEAN, type: Filesystem, managed: true}\n"),
    "conf/recipes/clean.py": CODE_V1,
}


def git(*args: str, cwd: Optional[str] = None) -> str:
    """Run git (identity given, no user or system configuration needed); its stdout."""
    command = ["git", "-c", "user.name=Test", "-c", "user.email=test@example.com", "-c", "init.defaultBranch=main"]
    return subprocess.run(command + list(args), cwd=cwd, check=True, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, universal_newlines=True).stdout.strip()


class Repository(object):
    """A bare repository ``<tmp>/git/origin.git`` and a working clone that pushes to its ``main``."""

    def __init__(self, tmp_path: str, files: Optional[Dict[str, str]] = None, branch: str = "main") -> None:
        self.branch = branch
        base = os.path.join(str(tmp_path), "git")
        os.makedirs(base)
        self.bare = os.path.join(base, "origin.git")
        self.work = os.path.join(base, "work")
        git("init", "-q", "--bare", self.bare)
        git("init", "-q", self.work)
        git("remote", "add", "origin", self.bare, cwd=self.work)
        self.commit(files or FILES, "first")

    @property
    def url(self) -> str:
        return "file://" + self.bare

    def commit(self, files: Dict[str, str], message: str) -> str:
        """Write ``files``, commit and push them to the branch; the new commit id."""
        for name, text in files.items():
            path = os.path.join(self.work, *name.split("/"))
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w") as handle:
                handle.write(text)
        git("add", "-A", cwd=self.work)
        git("commit", "-q", "-m", message, cwd=self.work)
        git("push", "-q", "origin", "HEAD:refs/heads/%s" % self.branch, cwd=self.work)
        return git("rev-parse", "HEAD", cwd=self.work)


class TokenGitServer(object):
    """``git http-backend`` (CGI) on loopback behind HTTP Basic authentication: only ``token`` (any user
    name) is let in. ``git daemon`` has no authentication, hence this. ``requests``: the paths asked."""

    def __init__(self, project_root: str, token: str) -> None:
        self.project_root = project_root
        self.token = token
        self.requests = []  # type: list
        backend = os.path.join(git("--exec-path"), "git-http-backend")
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self._serve()

            def do_POST(self) -> None:
                self._serve()

            def log_message(self, *args: object) -> None:  # quiet
                pass

            def _serve(self) -> None:
                server.requests.append(self.path)
                if not server.allowed(self.headers.get("Authorization") or ""):
                    self.send_response(401)
                    self.send_header("WWW-Authenticate", 'Basic realm="git"')
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                path, _, query = self.path.partition("?")
                env = {"GIT_PROJECT_ROOT": server.project_root, "GIT_HTTP_EXPORT_ALL": "1", "PATH_INFO": path,
                       "QUERY_STRING": query, "REQUEST_METHOD": self.command, "REMOTE_USER": "tester",
                       "REMOTE_ADDR": "127.0.0.1", "CONTENT_TYPE": self.headers.get("Content-Type") or "",
                       "CONTENT_LENGTH": str(length), "PATH": os.environ.get("PATH", ""),
                       "HTTP_GIT_PROTOCOL": self.headers.get("Git-Protocol") or "",
                       "HTTP_CONTENT_ENCODING": self.headers.get("Content-Encoding") or ""}
                done = subprocess.run([backend], input=body, env=env, stdout=subprocess.PIPE,
                                      stderr=subprocess.PIPE)
                head, _, payload = done.stdout.partition(b"\r\n\r\n")
                status, headers = 200, []
                for line in head.decode("latin-1").split("\r\n"):
                    name, _, value = line.partition(":")
                    if name.lower() == "status":
                        status = int(value.strip().split()[0])
                    elif name:
                        headers.append((name, value.strip()))
                self.send_response(status)
                for name, value in headers:
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def allowed(self, header: str) -> bool:
        if not header.startswith("Basic "):
            return False
        try:
            decoded = base64.b64decode(header[len("Basic "):]).decode("utf-8")
        except ValueError:
            return False
        return decoded.partition(":")[2] == self.token

    def url(self, name: str) -> str:
        return "http://127.0.0.1:%d/%s" % (self.httpd.server_address[1], name)

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
