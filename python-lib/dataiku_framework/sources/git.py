"""Check a configuration out of a git repository with the ``git`` command.

Why the ``git`` command (not a Python git library): it is what people already configure (credential
helpers, ``~/.ssh``, proxies), it speaks every transport, and nothing needs installing in DSS code
environments. Why a checkout directory: the loader works on real paths, so ``include:`` globs and
``code_file:`` resolve from the checkout exactly as from a local clone.

A source is written ``git+URL@REF#PATH`` (``git+https://host/org/repo.git@main#conf/project.yaml``).
REF is what follows the last ``@`` of the repository path (so ``git+ssh://git@host/r.git@v1#p.yaml``
works), a branch, a tag or a commit id. The plan records the source *pinned* to the commit the ref
resolved to, so a saved plan is applied from that commit, never from the branch's newer head.

Credentials never travel in a URL nor on a command line: a token is handed to git by a
``GIT_ASKPASS`` script that reads it from the git process's environment; an SSH key is passed by
``GIT_SSH_COMMAND`` as a file, with the host keys to trust and strict host key checking. A URL with
credentials in it is refused (its credentials redacted), since git would show it in process listings.

Checkouts live in a per-run directory under ``<tmp>/dss-framework-git-<uid>``, with the pid of the
process that made it; the next run removes those whose process is gone (killed before cleaning up).
"""

import atexit
import contextlib
import os
import re
import shlex
import shutil
import stat
import subprocess
import tempfile
import time
from typing import Any, Dict, Iterator, List, NamedTuple, Optional

from .. import exitcodes
from ..config.secrets import public_url

#: Environment variables of the CLI (and of ``credentials_from_env``).
TOKEN_VAR = "DSS_FRAMEWORK_GIT_TOKEN"
USERNAME_VAR = "DSS_FRAMEWORK_GIT_USERNAME"
SSH_KEY_VAR = "DSS_FRAMEWORK_GIT_SSH_KEY"          # path of a private key file
KNOWN_HOSTS_VAR = "DSS_FRAMEWORK_GIT_KNOWN_HOSTS"  # path of a known_hosts file

#: The user name sent with a token when none is given (GitHub, GitLab and Bitbucket accept a token with it).
DEFAULT_USERNAME = "x-access-token"
#: Transports git may use for a source: never ``ext::`` (runs a command) nor ``fd::``.
ALLOWED_PROTOCOLS = "file:http:https:ssh"
#: How long a git command may run (seconds) before the source counts as unreachable.
DEFAULT_TIMEOUT = 300.0
#: A run directory with no pid file older than this (seconds) was left by a process killed while creating it.
_ORPHAN_AGE = 3600.0

_PREFIX = "git+"
_SCHEMES = ("https://", "http://", "ssh://", "file://")
_SCP_LIKE = re.compile(r"^[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:")
_REF = re.compile(r"^[A-Za-z0-9._/+][A-Za-z0-9._/+-]*$")
_COMMIT = re.compile(r"^[0-9a-f]{7,40}$")

# the environment variables that carry a token to the askpass script (child process only)
_ASKPASS_USER = "DSS_FRAMEWORK_GIT_ASKPASS_USER"
_ASKPASS_TOKEN = "DSS_FRAMEWORK_GIT_ASKPASS_TOKEN"
_ASKPASS_SCRIPT = """#!/bin/sh
# Answers git's credential prompts from the environment of the git process (never from arguments).
case "$1" in
  Username*) printf '%%s\\n' "$%s" ;;
  *) printf '%%s\\n' "$%s" ;;
esac
""" % (_ASKPASS_USER, _ASKPASS_TOKEN)


class GitSourceError(Exception):
    """A git source cannot be used; one line naming the source (credentials redacted).
    ``exit_code``: the CLI's exit status (``exitcodes``)."""

    code = "git.failed"  #: its ``errors.CATALOGUE`` code, shown in the error line and in --json

    exit_code = exitcodes.INVALID


class GitUnreachable(GitSourceError):
    """The git server could not be reached (unknown host, refused connection, untrusted host key)."""

    code = "git.unreachable"  #: its ``errors.CATALOGUE`` code, shown in the error line and in --json

    exit_code = exitcodes.UNREACHABLE


class GitAuthRefused(GitSourceError):
    """The git server refused the credentials (or asked for some and none were given)."""

    code = "git.auth_refused"  #: its ``errors.CATALOGUE`` code, shown in the error line and in --json

    exit_code = exitcodes.AUTH_REFUSED


class GitRefNotFound(GitSourceError):
    """The repository has no such branch, tag or commit (or is no repository)."""

    code = "git.ref_not_found"  #: its ``errors.CATALOGUE`` code, shown in the error line and in --json


class GitFileNotFound(GitSourceError):
    """The commit has no such file."""

    code = "git.file_not_found"  #: its ``errors.CATALOGUE`` code, shown in the error line and in --json


#: A parsed source: repository URL (no credentials), ref (branch, tag, commit; "HEAD" when omitted), path.
GitSource = NamedTuple("GitSource", [("url", str), ("ref", str), ("path", str)])

#: How to authenticate: an HTTPS token (with a user name), or an SSH private key and the host keys to trust.
GitCredentials = NamedTuple("GitCredentials", [("token", Optional[str]), ("username", Optional[str]),
                                               ("ssh_key", Optional[str]), ("known_hosts", Optional[str]),
                                               ("strict_host_keys", bool)])


def credentials(token: Optional[str] = None, username: Optional[str] = None, ssh_key: Optional[str] = None,
                known_hosts: Optional[str] = None, strict_host_keys: bool = True) -> GitCredentials:
    """``GitCredentials`` with defaults: ``ssh_key`` is the key's text, ``known_hosts`` the lines to trust."""
    return GitCredentials(token or None, username or None, ssh_key or None, known_hosts or None, strict_host_keys)


def credentials_from_env(environ: Optional[Dict[str, str]] = None) -> GitCredentials:
    """The CLI's credentials: ``DSS_FRAMEWORK_GIT_TOKEN`` (and ``_USERNAME``), or the files named by
    ``DSS_FRAMEWORK_GIT_SSH_KEY`` and ``DSS_FRAMEWORK_GIT_KNOWN_HOSTS``. None set: git uses the user's
    own configuration (credential helpers, ``~/.ssh``)."""
    env = os.environ if environ is None else environ
    key = _read_optional(env.get(SSH_KEY_VAR), SSH_KEY_VAR)
    hosts = _read_optional(env.get(KNOWN_HOSTS_VAR), KNOWN_HOSTS_VAR)
    return credentials(env.get(TOKEN_VAR), env.get(USERNAME_VAR), key, hosts)


def _read_optional(path: Optional[str], variable: str) -> Optional[str]:
    if not path:
        return None
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    except OSError as error:
        raise GitSourceError("cannot read the file named by %s (%s): %s" % (variable, path, error.strerror or error))


#: Where the plugin's components read a configuration from git: the repository and ref of its "source"
#: parameters, and the credentials of its "Git credentials" preset (the file is the "configuration file").
GitLocation = NamedTuple("GitLocation", [("url", str), ("ref", str), ("creds", GitCredentials)])


def credentials_from_preset(preset: Any) -> GitCredentials:
    """The credentials of a "Git credentials" preset (parameter set ``git-credentials``, resolved to a
    dict by DSS): ``token`` (and ``username``), or ``ssh_private_key`` with ``known_hosts``;
    ``strict_host_key_checking`` is on unless set to false."""
    preset = preset if isinstance(preset, dict) else {}
    strict = preset.get("strict_host_key_checking")
    strict = True if strict in (None, "") else str(strict).strip().lower() not in ("false", "0", "no", "off")
    return credentials(preset.get("token"), preset.get("username"), preset.get("ssh_private_key"),
                       preset.get("known_hosts"), strict)


def location_source(location: GitLocation, path: str) -> GitSource:
    """The ``GitSource`` of file ``path`` at ``location``, checked as a ``git+`` argument is."""
    url = (location.url or "").strip()
    if not url:
        raise GitSourceError("the source is git but no repository URL is given: set the 'Git repository URL' "
                             "parameter (https://, ssh://, git@host:path or file://)")
    return parse_source("%s%s@%s#%s" % (_PREFIX, url, (location.ref or "").strip() or "HEAD", path))


# -- parsing and redaction --------------------------------------------------------------------------

def is_git_source(text: Any) -> bool:
    """Whether a CONFIG argument is a git source (``git+...``): then it is never a local file nor a saved plan."""
    return isinstance(text, str) and text.startswith(_PREFIX)


def redact_url(url: str) -> str:
    """``url`` without the credentials of its user part: all of it for http(s) (a token is often the
    user name), the password only for ssh (``git@`` is a login name, needed to use the URL again)."""
    match = re.match(r"^([A-Za-z][A-Za-z0-9+.-]*://)([^/@]*)@", url or "")
    if not match:
        return url or ""
    scheme, userinfo = match.group(1), match.group(2)
    rest = url[match.end():]
    if not scheme.lower().replace(_PREFIX, "").startswith("ssh"):
        return public_url(url)  # the one rule for the DSS address too
    if ":" not in userinfo:
        return url
    return "%s%s@%s" % (scheme, userinfo.split(":", 1)[0], rest)


def redact_text(text: str, secrets: Any = ()) -> str:
    """``text`` with every URL's credentials and every value of ``secrets`` removed (git's messages quote URLs)."""
    text = re.sub(r"[A-Za-z][A-Za-z0-9+.-]*://[^\s'\"]+", lambda m: redact_url(m.group(0)), text or "")
    text = re.sub(r"(^|[\s'\"+])([\w.-]+):[^@\s/'\"]+@", r"\1\2@", text)  # user:password@host:path
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, "***")
    return text


def _has_credentials(url: str) -> bool:
    return redact_url(url) != url


def _path_start(url: str) -> int:
    """Where the repository path of ``url`` starts (after the host), so an ``@`` before it is a login."""
    for scheme in _SCHEMES:
        if url.lower().startswith(scheme):
            if scheme == "file://":
                return len(scheme)
            slash = url.find("/", len(scheme))
            return len(url) if slash < 0 else slash
    match = _SCP_LIKE.match(url)
    return match.end() if match else 0


def parse_source(text: str) -> GitSource:
    """The ``GitSource`` of ``git+URL[@REF]#PATH``, or ``GitSourceError`` saying what is wrong and how to write it."""
    shown = redact_text(text)
    if not is_git_source(text):
        raise GitSourceError("%s is not a git source (write git+URL@REF#PATH)" % shown)
    body, _, path = text[len(_PREFIX):].partition("#")
    start = _path_start(body)
    at = body.rfind("@")
    url, ref = (body[:at], body[at + 1:]) if at >= start and at > 0 else (body, "HEAD")
    where = "git source %s" % shown
    if not (url.lower().startswith(_SCHEMES) or _SCP_LIKE.match(url)):
        raise GitSourceError("%s: the repository URL must start with https://, http://, ssh://, file:// or be "
                             "user@host:path" % where)
    if _has_credentials(url):
        raise GitSourceError("%s: the URL holds credentials, which would show in process listings and logs; "
                             "remove them and set %s and %s (or use git's credential helper)"
                             % (where, TOKEN_VAR, USERNAME_VAR))
    if not _REF.match(ref) or ".." in ref:
        raise GitSourceError("%s: invalid ref %r (a branch, tag or commit id after the last '@')" % (where, ref))
    path = path.strip("/")
    if not path or ".." in path.split("/"):
        raise GitSourceError("%s: name the configuration file inside the repository after '#' "
                             "(e.g. #project.yaml), without '..'" % where)
    return GitSource(url, ref, path)


def record_commit(metadata: Dict[str, Any]) -> None:
    """Add ``config_commit`` to a plan's ``metadata`` whose ``config_source`` is a pinned git source
    (for CI: ``jq .metadata.config_commit``); nothing for any other source."""
    source = metadata.get("config_source")
    if is_git_source(source):
        ref = parse_source(source).ref
        if re.match(r"^[0-9a-f]{40}$", ref):
            metadata["config_commit"] = ref


def format_source(source: GitSource, ref: Optional[str] = None) -> str:
    """``git+URL@REF#PATH`` (credentials redacted); ``ref`` replaces the source's (the pinned commit)."""
    return "%s%s@%s#%s" % (_PREFIX, redact_url(source.url), ref or source.ref, source.path)


# -- checkout ---------------------------------------------------------------------------------------

class Checkout(object):
    """A checked-out source: ``root`` (the working tree), ``commit`` (full id), ``config_file`` (local path)."""

    def __init__(self, source: GitSource, root: str, commit: str) -> None:
        self.source = source
        self.root = root
        self.commit = commit
        self.config_file = os.path.join(root, *source.path.split("/"))

    @property
    def pinned(self) -> str:
        """The source at its resolved commit: what a plan records, and what applying it checks out."""
        return format_source(self.source, self.commit)

    @property
    def label(self) -> str:
        """The source as asked (``...@main#p.yaml``), for messages."""
        return format_source(self.source)

    def relabel(self, diagnostics: Any) -> Any:
        """``diagnostics`` (``config.diagnostics.Diagnostic``) naming files of the checkout as
        ``git+URL@COMMIT#path`` rather than by the temporary directory, which nobody can open."""
        prefix = self.root.rstrip(os.sep) + os.sep
        base = "%s%s@%s#" % (_PREFIX, redact_url(self.source.url), self.commit)
        for diagnostic in diagnostics:
            name = getattr(diagnostic, "filename", None)
            if name and name.startswith(prefix):
                diagnostic.filename = base + os.path.relpath(name, self.root).replace(os.sep, "/")
            for field in ("summary", "detail", "hint"):
                text = getattr(diagnostic, field, None)
                if text and self.root in text:
                    setattr(diagnostic, field, text.replace(prefix, "").replace(self.root, base.rstrip("#")))
        return diagnostics


def temp_root() -> str:
    """``<tmp>/dss-framework-git-<uid>`` (mode 0700), where every run makes its checkout directory."""
    uid = os.getuid() if hasattr(os, "getuid") else 0
    root = os.path.join(tempfile.gettempdir(), "dss-framework-git-%d" % uid)
    os.makedirs(root, mode=0o700, exist_ok=True)
    info = os.lstat(root)
    if not stat.S_ISDIR(info.st_mode) or (hasattr(os, "getuid") and info.st_uid != uid):
        raise GitSourceError("refusing the checkout directory %s: it is not a directory of this user" % root)
    os.chmod(root, 0o700)
    return root


def clean_stale(root: str) -> List[str]:
    """Remove the run directories of ``root`` whose process is gone (a run killed before its cleanup); the removed."""
    removed = []
    for name in sorted(os.listdir(root)):
        path = os.path.join(root, name)
        if name.startswith("run-") and os.path.isdir(path) and not _alive(path):
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
    return removed


def _alive(run_dir: str) -> bool:
    """Whether the process that made ``run_dir`` (its ``pid`` file) still runs; without a pid file, a
    young directory counts as alive (its process may be about to write it)."""
    try:
        with open(os.path.join(run_dir, "pid")) as handle:
            pid = int(handle.read().strip() or "0")
    except (OSError, ValueError):
        return time.time() - os.path.getmtime(run_dir) < _ORPHAN_AGE
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _new_run_dir() -> str:
    root = temp_root()
    clean_stale(root)
    run_dir = os.path.realpath(tempfile.mkdtemp(prefix="run-", dir=root))  # the loader names files by real path
    with open(os.path.join(run_dir, "pid"), "w") as handle:
        handle.write(str(os.getpid()))
    return run_dir


@contextlib.contextmanager
def checked_out(source: Any, creds: Optional[GitCredentials] = None, timeout: float = DEFAULT_TIMEOUT,
                check_file: bool = True) -> Iterator[Checkout]:
    """A checkout of ``source`` (a ``GitSource`` or ``git+...`` text), deleted on exit.

    Raises ``GitUnreachable``, ``GitAuthRefused``, ``GitRefNotFound``, and unless not ``check_file``
    (the plugin reports a missing file as a diagnostic) ``GitFileNotFound``: one line naming the
    source, credentials redacted."""
    run_dir = _new_run_dir()
    try:
        yield _checkout(source, creds, run_dir, timeout, check_file)
    finally:
        shutil.rmtree(run_dir, ignore_errors=True)


def checkout_for_process(source: Any, creds: Optional[GitCredentials] = None,
                         timeout: float = DEFAULT_TIMEOUT) -> Checkout:
    """A checkout of ``source`` kept until this process exits (the CLI: the configuration's code files
    are read again while applying). A killed process's checkout is removed by the next run."""
    run_dir = _new_run_dir()
    atexit.register(shutil.rmtree, run_dir, True)
    try:
        return _checkout(source, creds, run_dir, timeout)
    except BaseException:
        shutil.rmtree(run_dir, ignore_errors=True)
        raise


def _checkout(source: Any, creds: Optional[GitCredentials], run_dir: str, timeout: float,
              check_file: bool = True) -> Checkout:
    parsed = source if isinstance(source, GitSource) else parse_source(source)
    work = os.path.join(run_dir, "checkout")
    git = _Git(parsed, creds or credentials(), run_dir, timeout)
    git.run(["init", "-q", work])
    git.cwd = work
    git.run(["remote", "add", "origin", parsed.url])
    commit = git.fetch(parsed.ref)
    git.run(["-c", "advice.detachedHead=false", "checkout", "-q", commit])
    checkout = Checkout(parsed, work, commit)
    if check_file:
        _check_file(checkout, work)
    return checkout


def _check_file(checkout: Checkout, work: str) -> None:
    real = os.path.realpath(checkout.config_file)
    inside = real.startswith(os.path.realpath(work).rstrip(os.sep) + os.sep)
    if not inside or not os.path.isfile(real):
        raise GitFileNotFound("git source %s: no file %s at commit %s%s" % (
            checkout.label, checkout.source.path, checkout.commit[:12], _candidates(work)))


def _candidates(work: str) -> str:
    """`` (configuration files there: a.yaml, b/c.yaml)``: the YAML/JSON files of the checkout, for the message."""
    found = [f for f in tree_files(work) if f.lower().endswith((".yaml", ".yml", ".json"))]
    return " (configuration files there: %s)" % ", ".join(found[:10]) if found else ""


def tree_files(work: str) -> List[str]:
    """The files of checkout ``work`` (relative, ``/`` separators, sorted), ``.git`` left out."""
    found = []
    for base, dirs, files in os.walk(work):
        dirs[:] = [d for d in dirs if d != ".git"]
        found += [os.path.relpath(os.path.join(base, f), work).replace(os.sep, "/") for f in files]
    return sorted(found)


class _Git(object):
    """Runs git for one source: the credentials in the environment, every failure classified."""

    def __init__(self, source: GitSource, creds: GitCredentials, run_dir: str, timeout: float) -> None:
        self.source = source
        self.creds = creds
        self.timeout = timeout
        self.cwd = None  # type: Optional[str]
        self.env, self.config = _environment(creds, run_dir)

    def run(self, args: List[str], check: bool = True) -> "subprocess.CompletedProcess[str]":
        try:
            done = subprocess.run(["git"] + self.config + args, cwd=self.cwd, env=self.env, stdin=subprocess.DEVNULL,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True,
                                  timeout=self.timeout)
        except FileNotFoundError:
            raise GitSourceError("git source %s: the git command is not installed" % format_source(self.source))
        except subprocess.TimeoutExpired:
            raise GitUnreachable("git source %s: no answer from the repository within %ds"
                                 % (format_source(self.source), self.timeout))
        if check and done.returncode != 0:
            raise self.failure(done.stderr)
        return done

    def fetch(self, ref: str) -> str:
        """Fetch ``ref`` (one commit, shallow, where the server allows it; all history for a commit
        id it will not serve alone) and return its full commit id."""
        shallow = self.run(["fetch", "-q", "--depth", "1", "--no-tags", "origin", ref], check=False)
        if shallow.returncode == 0:
            return self.run(["rev-parse", "--verify", "FETCH_HEAD^{commit}"]).stdout.strip()
        failure = self.failure(shallow.stderr)
        if not (isinstance(failure, GitRefNotFound) and _COMMIT.match(ref)):
            raise failure
        self.run(["fetch", "-q", "origin", "+refs/heads/*:refs/remotes/origin/*", "+refs/tags/*:refs/tags/*"])
        found = self.run(["rev-parse", "-q", "--verify", ref + "^{commit}"], check=False)
        if found.returncode != 0:
            raise failure
        return found.stdout.strip()

    def failure(self, stderr: str) -> GitSourceError:
        """The error for git's complaint ``stderr``: its class says what to do, its one line names the source."""
        text = redact_text(stderr, (self.creds.token,))
        lowered = text.lower()
        where = "git source %s" % format_source(self.source)
        last = _last_line(text)
        if any(p in lowered for p in ("could not resolve host", "could not resolve hostname",
                                      "name or service not known", "temporary failure in name resolution")):
            return GitUnreachable("%s: unknown host (%s)" % (where, last))
        if "host key verification failed" in lowered or "no matching host key" in lowered:
            return GitUnreachable("%s: the server's host key is not trusted; add it to the known hosts (%s)"
                                  % (where, last))
        if any(p in lowered for p in ("authentication failed", "could not read username", "could not read password",
                                      "permission denied", "access denied", "error: 401", "error: 403",
                                      "invalid credentials", "invalid username or password")):
            return GitAuthRefused("%s: the git server refused the credentials (%s)" % (where, last))
        if any(p in lowered for p in ("connection refused", "failed to connect", "connection timed out",
                                      "could not connect", "network is unreachable", "connection reset",
                                      "ssl", "unable to access")):
            return GitUnreachable("%s: cannot reach the git server (%s)" % (where, last))
        if any(p in lowered for p in ("couldn't find remote ref", "not our ref", "unadvertised object",
                                      "no such ref", "invalid refspec", "bad object", "needed a single revision",
                                      "remote ref does not exist")):
            return GitRefNotFound("%s: no branch, tag or commit %s in the repository" % (where, self.source.ref))
        if any(p in lowered for p in ("does not appear to be a git repository", "repository not found",
                                      "not found", "error: 404")):
            return GitRefNotFound("%s: no git repository at %s (%s)" % (where, redact_url(self.source.url), last))
        return GitSourceError("%s: git failed: %s" % (where, last))


def _last_line(text: str) -> str:
    """git's own words: its first ``fatal:`` line (the cause), else its last line."""
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    fatal = [line for line in lines if line.startswith("fatal:")]
    return (fatal or lines or ["no message"])[0 if fatal else -1]


def _environment(creds: GitCredentials, run_dir: str) -> Any:
    """(environment, ``-c`` options) of every git command: no prompt on a terminal, only safe
    transports, and the credentials by ``GIT_ASKPASS`` or ``GIT_SSH_COMMAND``. With a token the
    user's credential helpers are switched off, so the token given is the one used."""
    env = dict(os.environ)
    env.update({"GIT_TERMINAL_PROMPT": "0", "GIT_ALLOW_PROTOCOL": ALLOWED_PROTOCOLS, "LC_ALL": "C", "LANG": "C"})
    config = ["-c", "protocol.version=2"]
    if creds.token:
        askpass = _private_file(run_dir, "askpass.sh", _ASKPASS_SCRIPT, 0o700)
        env.update({"GIT_ASKPASS": askpass, _ASKPASS_USER: creds.username or DEFAULT_USERNAME,
                    _ASKPASS_TOKEN: creds.token})
        env.pop("SSH_ASKPASS", None)
        config += ["-c", "credential.helper="]
    if creds.ssh_key:
        key = _private_file(run_dir, "ssh_key", creds.ssh_key.rstrip("\n") + "\n", 0o600)
        hosts = _private_file(run_dir, "known_hosts", creds.known_hosts or "", 0o600)
        strict = "yes" if creds.strict_host_keys else "accept-new"
        env["GIT_SSH_COMMAND"] = ("ssh -i %s -o IdentitiesOnly=yes -o UserKnownHostsFile=%s "
                                  "-o StrictHostKeyChecking=%s -o BatchMode=yes"
                                  % (shlex.quote(key), shlex.quote(hosts), strict))
    return env, config


def _private_file(directory: str, name: str, text: str, mode: int) -> str:
    """Write ``text`` to a new file only this user can read (created with ``mode``, never world-readable)."""
    path = os.path.join(directory, name)
    flags = os.O_WRONLY  # or-ed in steps: vermin reads ``os.A | os.B`` as a Python 3.10 union type
    flags |= os.O_CREAT
    flags |= os.O_EXCL  # a file already there (a planted link) is an error, never followed
    descriptor = os.open(path, flags, mode)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(text)
    os.chmod(path, mode)
    return path
