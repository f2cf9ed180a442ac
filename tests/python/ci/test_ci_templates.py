"""The CI templates in ``ci-templates/`` run: each job's shell steps, in order, with bash, against the emulator.

Why run them: a template is code the user copies without reading; a flag renamed in the CLI, a file
moved, an exit code changed would break every pipeline built from it. Here each template is read
with PyYAML, the jobs' ``if:``/``rules:`` are evaluated for the event, and their ``run:`` (GitHub) or
``before_script:``+``script:`` (GitLab) blocks run as the runner runs them (``bash --noprofile
--norc -eo pipefail``) in a real git checkout, with the real ``dss-framework`` of this interpreter's
virtualenv. What the CI platform provides is stood in for: its variables (``GITHUB_*``, ``CI_*``,
``$GITHUB_STEP_SUMMARY`` as a file), the actions (checkout: the test's checkout; upload-artifact:
a copy), and the platform's API that finds a merged pull request's reviewed plan (a ``gh`` script
for GitHub, a loopback HTTP server for GitLab's REST API), both answering from what the earlier
jobs of the test really produced.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, List, Optional

import pytest
import yaml

from emusupport import ADMIN_KEY, ROOT
from gitsupport import git

TEMPLATES = os.path.join(ROOT, "ci-templates")
GITHUB = os.path.join(TEMPLATES, "github", "dss-framework.yml")
GITLAB = os.path.join(TEMPLATES, "gitlab", "dss-framework.gitlab-ci.yml")
ALL_TEMPLATES = (GITHUB, GITLAB)
#: the interpreter's virtualenv: its ``dss-framework`` script, ``python`` and ``python3``
VENV_BIN = os.path.dirname(sys.executable)
REPOSITORY = "acme/dss-project"
GITLAB_TOKEN = "glpat-test-token"
SECRET_VARIABLES = ("DKU_API_KEY", "DSS_API_KEY", "DSS_PLAN_API_KEY", "DSS_GITLAB_TOKEN", "GH_TOKEN")

KEY = "CI_TEMPLATES"
CONFIG = ('version: "1.0"\nproject: {key: %s, name: CI templates}\ndatasets:\n'
          "  - {name: RAW, type: Filesystem, managed: true, description: raw data}\n" % KEY)
WITH_CLEAN = CONFIG + "  - {name: CLEAN, type: Filesystem, managed: true}\n"
WITH_OTHER = WITH_CLEAN + "  - {name: OTHER, type: Filesystem, managed: true}\n"
REVIEW_AGAIN = "have the new plan reviewed"
PLATFORMS = ["github", "gitlab"]


# -- the checkout: a real git repository whose project.yaml (the templates' DSS_CONFIG) changes ----

class Checkout(object):
    """A git work tree on ``main``; ``commit`` writes ``project.yaml`` (and a README) and commits."""

    def __init__(self, path: str) -> None:
        self.path = path
        os.makedirs(path)
        git("init", "-q", path)

    def commit(self, config: str, note: str = "") -> str:
        with open(os.path.join(self.path, "project.yaml"), "w") as handle:
            handle.write(config)
        with open(os.path.join(self.path, "README.md"), "w") as handle:
            handle.write("notes %s\n" % note)
        git("add", "-A", cwd=self.path)
        git("commit", "-q", "--allow-empty", "-m", "change %s" % note, cwd=self.path)
        return git("rev-parse", "HEAD", cwd=self.path)

    def clean(self) -> None:
        """Leave only what git tracks: each job starts from a fresh checkout, as on a runner."""
        git("clean", "-qfdx", cwd=self.path)


class JobRun(object):
    """What one job did: whether it ran (its condition), its exit code, its output, its summary."""

    def __init__(self, ran: bool, code: int = 0, output: str = "", summary: str = "") -> None:
        self.ran, self.code, self.output, self.summary = ran, code, output, summary

    def __repr__(self) -> str:
        return "JobRun(ran=%s, code=%s, output=%r)" % (self.ran, self.code, self.output[-3000:])


def _base_env(tmp: str, extra_bin: Optional[str] = None) -> Dict[str, str]:
    """The runner's environment: this virtualenv's ``dss-framework`` first on PATH (so the templates'
    install step finds it and installs nothing), the worktree's code, and no DSS credentials but the
    ones the template itself passes."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DKU_", "DSS_", "GITHUB_", "CI_", "GH_"))}
    env["PATH"] = os.pathsep.join(p for p in (extra_bin, VENV_BIN, env.get("PATH", "")) if p)
    env["PYTHONPATH"] = os.path.join(ROOT, "python-lib")
    env["HOME"] = tmp
    env["CI"] = "true"
    env["NO_COLOR"] = "1"
    return env


def _bash(script: str, cwd: str, env: Dict[str, str], name: str) -> subprocess.CompletedProcess:
    """``script`` as the runners run a step: a file given to ``bash --noprofile --norc -eo pipefail``."""
    path = os.path.join(env["HOME"], "step-%s.sh" % re.sub(r"\W+", "-", name))
    with open(path, "w") as handle:
        handle.write(script)
    return subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", path], cwd=cwd, env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True, timeout=300)


# -- GitHub Actions -------------------------------------------------------------------------------

def _gh_value(token: str, context: Dict[str, Any]) -> Any:
    """One operand of a GitHub expression: a quoted literal, or a context path (missing: '')."""
    token = token.strip()
    if token.startswith("'") and token.endswith("'"):
        return token[1:-1]
    value = context  # type: Any
    for part in token.split("."):
        if not re.match(r"^[A-Za-z_][\w-]*$", part):
            raise AssertionError("expression syntax the test does not know: %r" % token)
        value = value.get(part, "") if isinstance(value, dict) else ""
    return value


def gh_expression(text: str, context: Dict[str, Any]) -> Any:
    """A GitHub Actions expression (``${{ }}`` optional) made of ``||``, ``&&``, ``==``, ``!=``,
    literals and context paths: what the templates use (anything else fails the test)."""
    text = text.strip()
    if text.startswith("${{") and text.endswith("}}"):
        text = text[3:-2].strip()
    if "||" in text:  # the first truthy operand (else the last), as GitHub evaluates it
        values = [gh_expression(part, context) for part in text.split("||")]
        return next((v for v in values if v), values[-1])
    if "&&" in text:
        values = [gh_expression(part, context) for part in text.split("&&")]
        return next((v for v in values if not v), values[-1])
    for op in ("!=", "=="):
        if op in text:
            left, right = text.split(op, 1)
            return (_gh_value(left, context) == _gh_value(right, context)) == (op == "==")
    return _gh_value(text, context)


def _gh_substitute(value: Any, context: Dict[str, Any]) -> str:
    return re.sub(r"\$\{\{(.*?)\}\}", lambda m: str(gh_expression(m.group(1), context)), str(value))


FAKE_GH = '''#!%s
"""gh, as far as the template uses it, answering from the platform record the test keeps."""
import json, os, shutil, sys
with open(os.environ["FAKE_GH_STATE"]) as handle:
    state = json.load(handle)
if not os.environ.get("GH_TOKEN"):
    sys.exit("gh: GH_TOKEN is not set: the workflow must give the job its token")
args = sys.argv[1:]
def option(name):
    return args[args.index(name) + 1] if name in args else None
if args[:1] == ["api"]:
    parts = args[1].split("/")  # repos/OWNER/NAME/commits/SHA/pulls
    assert parts[0] == "repos" and "/".join(parts[1:3]) == state["repository"] and parts[3:4] == ["commits"], args
    assert parts[5:] == ["pulls"] and option("--jq") == ".[0].head.sha // empty", args
    print(state["pulls"].get(parts[4], ""))
elif args[:2] == ["run", "list"]:
    assert option("--repo") == state["repository"] and option("--workflow") == state["workflow"], args
    runs = [r for r in state["runs"] if r["event"] == option("--event") and r["head_sha"] == option("--commit")
            and r["conclusion"] == option("--status")]
    print(runs[-1]["id"] if runs else "")
elif args[:2] == ["run", "download"]:
    [run] = [r for r in state["runs"] if str(r["id"]) == args[2]]
    shutil.copytree(os.path.join(run["artifacts"], option("--name")), option("--dir"))
else:
    sys.exit("gh (test stand-in): unexpected arguments %%r" %% (args,))
'''


class GitHub(object):
    """Runs the jobs of the GitHub workflow for one event, and keeps the platform's record (the
    pull-request runs, their artifacts, which merge came from which pull request) for ``gh``."""

    def __init__(self, tmp: str, checkout: Checkout, dss_url: str) -> None:
        with open(GITHUB) as handle:
            self.workflow = yaml.safe_load(handle)
        self.tmp, self.checkout, self.dss_url = tmp, checkout, dss_url
        self.bin = os.path.join(tmp, "fake-bin")
        os.makedirs(self.bin, exist_ok=True)
        gh = os.path.join(self.bin, "gh")
        with open(gh, "w") as handle:
            handle.write(FAKE_GH % sys.executable)
        os.chmod(gh, 0o755)
        self.state = {"repository": REPOSITORY, "workflow": self.workflow["name"], "pulls": {}, "runs": []}
        self.state_path = os.path.join(tmp, "github-state.json")

    def pull_request(self, job: str, head_sha: str, fork: bool = False) -> JobRun:
        head_repo = "someone/dss-project" if fork else REPOSITORY
        event = {"pull_request": {"head": {"sha": head_sha, "repo": {"full_name": head_repo}}, "number": 7}}
        return self.run(job, "pull_request", event, head_sha)

    def review(self, sha: str) -> JobRun:
        return self.pull_request("plan", sha)

    def merge(self, sha: str, merged_head: Optional[str]) -> JobRun:
        return self.push("apply", sha, merged_head)

    def drift(self, sha: str) -> JobRun:
        return self.run("drift", "schedule", {}, sha)

    def push(self, job: str, sha: str, merged_head: Optional[str]) -> JobRun:
        if merged_head:
            self.state["pulls"][sha] = merged_head
        return self.run(job, "push", {"ref": "refs/heads/main"}, sha)

    def run(self, job: str, event_name: str, event: Dict[str, Any], sha: str) -> JobRun:
        """Job ``job`` for the event, if its ``if:`` lets it run; the steps stop at the first failure."""
        assert git("rev-parse", "HEAD", cwd=self.checkout.path) == sha  # actions/checkout
        self.checkout.clean()
        spec = self.workflow["jobs"][job]
        context = {"github": {"event_name": event_name, "event": event, "repository": REPOSITORY, "sha": sha,
                              "token": "ghs-test-token", "ref": event.get("ref", "")},
                   "secrets": {"DKU_API_KEY": ADMIN_KEY}, "vars": {"DKU_DSS_URL": self.dss_url}}
        if not gh_expression(spec.get("if", "true"), context):
            return JobRun(False)
        env = _base_env(self.tmp, self.bin)
        context["env"] = {}
        for layer in (self.workflow.get("env") or {}, spec.get("env") or {}):
            for name, value in layer.items():
                env[name] = context["env"][name] = _gh_substitute(value, context)
        run_id = len(self.state["runs"]) + 1
        artifacts = os.path.join(self.tmp, "artifacts", str(run_id))
        env.update(GITHUB_REPOSITORY=REPOSITORY, GITHUB_SHA=sha, GITHUB_EVENT_NAME=event_name,
                   GITHUB_WORKFLOW=self.workflow["name"], GITHUB_RUN_ID=str(run_id), FAKE_GH_STATE=self.state_path)
        output, summary, code = [], [], 0
        for index, step in enumerate(spec["steps"]):
            assert "if" not in step, "step conditions are not evaluated by this test: %r" % step
            if "uses" in step:
                self._action(step, context, artifacts)
                continue
            assert "${{" not in step["run"], "an expression in a run: block is a script injection: use env"
            with open(self.state_path, "w") as handle:
                json.dump(self.state, handle)
            env["GITHUB_STEP_SUMMARY"] = os.path.join(self.tmp, "summary-%s-%d.md" % (run_id, index))
            open(env["GITHUB_STEP_SUMMARY"], "w").close()
            done = _bash(step["run"], self.checkout.path, env, "%s-%d" % (job, index))
            output.append(done.stdout)
            with open(env["GITHUB_STEP_SUMMARY"]) as handle:
                summary.append(handle.read())
            if done.returncode:
                code = done.returncode
                break
        self.state["runs"].append({"id": run_id, "event": event_name, "head_sha": sha, "artifacts": artifacts,
                                   "conclusion": "failure" if code else "success"})
        return JobRun(True, code, "".join(output), "".join(summary))

    def _action(self, step: Dict[str, Any], context: Dict[str, Any], artifacts: str) -> None:
        """The stand-in of an action: checkout and setup-python are what the test prepared; an
        upload keeps a copy of the files under the artifact's name."""
        action = step["uses"].split("@")[0]
        if action in ("actions/checkout", "actions/setup-python"):
            return
        assert action == "actions/upload-artifact", "an action this test does not stand in for: %s" % action
        name = _gh_substitute(step["with"]["name"], context)
        target = os.path.join(artifacts, name)
        os.makedirs(target)
        for path in step["with"]["path"].split():
            shutil.copy(os.path.join(self.checkout.path, path), target)


# -- GitLab CI ------------------------------------------------------------------------------------

def gitlab_rule(text: str, variables: Dict[str, str]) -> bool:
    """A ``rules: if:`` of the templates: ``&&`` of ``==`` between ``$VARIABLES`` and "literals"."""
    def operand(token: str) -> Optional[str]:
        token = token.strip()
        if token.startswith('"') and token.endswith('"'):
            return token[1:-1]
        assert re.match(r"^\$\w+$", token), "rule syntax the test does not know: %r" % token
        return variables.get(token[1:])
    results = []
    for part in text.split("&&"):
        left, right = part.split("==")
        results.append(operand(left) == operand(right))
    return all(results)


class GitLabApi(object):
    """GitLab's REST API on loopback, as far as the apply job reads it: which merged merge request a
    commit came from, its pipelines, their successful jobs, and a job's artifact. Every request must
    carry the token in ``PRIVATE-TOKEN``."""

    def __init__(self, project_id: str) -> None:
        self.prefix = "/api/v4/projects/%s/" % project_id
        self.routes = {}  # type: Dict[str, bytes]
        self.requests = []  # type: List[str]
        api = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                api.requests.append(self.path)
                body = api.routes.get(self.path[len(api.prefix):]) if self.path.startswith(api.prefix) else None
                status = 401 if self.headers.get("PRIVATE-TOKEN") != GITLAB_TOKEN else 404 if body is None else 200
                body = body if status == 200 else b'{"message": "%d"}' % status
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = "http://127.0.0.1:%d/api/v4" % self.server.server_address[1]

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class GitLab(object):
    """Runs the jobs of the GitLab template for one pipeline source, and records the merge-request
    pipelines' jobs and artifacts in the stand-in API for the apply job to find."""

    PROJECT_ID = "42"

    def __init__(self, tmp: str, checkout: Checkout, dss_url: str, api: GitLabApi) -> None:
        with open(GITLAB) as handle:
            self.pipeline = yaml.safe_load(handle)
        self.tmp, self.checkout, self.dss_url, self.api = tmp, checkout, dss_url, api
        self.jobs = 0
        #: the project's CI/CD variables (Settings > CI/CD > Variables)
        self.settings = {"DKU_DSS_URL": dss_url, "DKU_API_KEY": ADMIN_KEY, "DSS_GITLAB_TOKEN": GITLAB_TOKEN}

    def merge_request(self, job: str, sha: str, fork: bool = False, iid: int = 3) -> JobRun:
        variables = {"CI_PIPELINE_SOURCE": "merge_request_event", "CI_MERGE_REQUEST_IID": str(iid),
                     "CI_MERGE_REQUEST_PROJECT_ID": self.PROJECT_ID,
                     "CI_MERGE_REQUEST_SOURCE_PROJECT_ID": "99" if fork else self.PROJECT_ID}
        if fork:  # a fork's pipeline runs in the fork's project: none of this project's variables
            variables.update({name: "" for name in self.settings})
        done = self.run(job, sha, variables)
        if done.ran and done.code == 0:
            self._record_plan(job, sha, iid)
        return done

    def _record_plan(self, job: str, sha: str, iid: int) -> None:
        """What GitLab keeps of a successful merge-request pipeline: its job, and the job's plan.json
        (none when the job skipped planning)."""
        pipeline = 500 + self.jobs
        if os.path.exists(os.path.join(self.checkout.path, "plan.json")):
            with open(os.path.join(self.checkout.path, "plan.json"), "rb") as handle:
                self.api.routes["jobs/%d/artifacts/plan.json" % self.jobs] = handle.read()
        self.api.routes["merge_requests/%d/pipelines" % iid] = json.dumps([{"id": pipeline, "sha": sha}]).encode()
        self.api.routes["pipelines/%d/jobs?scope=success" % pipeline] = json.dumps(
            [{"id": self.jobs, "name": job}]).encode()

    def push(self, job: str, sha: str, merged_head: Optional[str], iid: int = 3) -> JobRun:
        merged = [{"iid": iid, "state": "merged", "sha": merged_head}] if merged_head else []
        if merged_head:  # a merge request lists its pipelines, none when it never had one
            self.api.routes.setdefault("merge_requests/%d/pipelines" % iid, b"[]")
        self.api.routes["repository/commits/%s/merge_requests" % sha] = json.dumps(merged).encode()
        return self.run(job, sha, {"CI_PIPELINE_SOURCE": "push", "CI_COMMIT_BRANCH": "main"})

    def schedule(self, job: str, sha: str) -> JobRun:
        return self.run(job, sha, {"CI_PIPELINE_SOURCE": "schedule", "CI_COMMIT_BRANCH": "main"})

    def review(self, sha: str) -> JobRun:
        return self.merge_request("dss-plan", sha)

    def merge(self, sha: str, merged_head: Optional[str]) -> JobRun:
        return self.push("dss-apply", sha, merged_head)

    def drift(self, sha: str) -> JobRun:
        return self.schedule("dss-drift", sha)

    def run(self, job: str, sha: str, source: Dict[str, str]) -> JobRun:
        """Job ``job`` if one of its rules matches: ``before_script`` and ``script`` in one shell, as
        the runner does, in a clean checkout of ``sha``."""
        assert git("rev-parse", "HEAD", cwd=self.checkout.path) == sha
        self.checkout.clean()
        self.jobs += 1
        spec = dict(self.pipeline[job])
        for parent in [spec.pop("extends")] if "extends" in spec else []:
            spec = dict(self.pipeline[parent], **spec)
        variables = dict(self.settings, CI_COMMIT_SHA=sha, CI_DEFAULT_BRANCH="main", CI_PROJECT_ID=self.PROJECT_ID,
                         CI_API_V4_URL=self.api.url, CI_JOB_ID=str(self.jobs), CI_JOB_NAME=job)
        variables.update(source)
        variables.update({k: str(v) for k, v in (self.pipeline.get("variables") or {}).items()})
        if not any(gitlab_rule(rule["if"], variables) for rule in spec["rules"]):
            return JobRun(False)
        env = _base_env(self.tmp)
        env.update({k: v for k, v in variables.items() if v != ""})
        script = "\n".join(list(spec.get("before_script") or []) + list(spec["script"]))
        done = _bash(script, self.checkout.path, env, job)
        return JobRun(True, done.returncode, done.stdout)


# -- fixtures -------------------------------------------------------------------------------------

@pytest.fixture
def checkout(tmp_path):
    return Checkout(str(tmp_path / "checkout"))


@pytest.fixture
def github(tmp_path, checkout, emulator):
    return GitHub(str(tmp_path), checkout, emulator.url)


@pytest.fixture
def gitlab(tmp_path, checkout, emulator):
    api = GitLabApi(GitLab.PROJECT_ID)
    yield GitLab(str(tmp_path), checkout, emulator.url, api)
    api.stop()


def _no_secret(*runs: JobRun) -> None:
    for run in runs:
        for text in (run.output, run.summary):
            assert ADMIN_KEY not in text and GITLAB_TOKEN not in text, run


def _datasets(client) -> List[str]:
    if KEY not in client.list_project_keys():
        return []
    return sorted(d["name"] for d in client.get_project(KEY).list_datasets())


def _edit_in_dss(client, description: str) -> None:
    """Someone edits the dataset RAW in DSS (its description), outside the pipeline."""
    settings = client.get_project(KEY).get_dataset("RAW").get_settings()
    settings.get_raw()["description"] = description
    settings.save()


def _apply_now(checkout: Checkout, dss_url: str, config: str) -> str:
    """``config`` committed and applied outside the pipeline (the project as it was before)."""
    sha = checkout.commit(config, "applied")
    env = _base_env(os.path.dirname(checkout.path))
    env.update(DKU_DSS_URL=dss_url, DKU_API_KEY=ADMIN_KEY)
    done = subprocess.run(["dss-framework", "apply", "project.yaml", "--auto-approve"], cwd=checkout.path, env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True)
    assert done.returncode == 0, done.stdout
    return sha


# -- the pull-request job -------------------------------------------------------------------------

def test_github_pull_request_job_plans_keeps_plan_json_and_writes_the_markdown_summary(github, checkout):
    head = checkout.commit(CONFIG, "pr")
    run = github.pull_request("plan", head)
    assert run.ran and run.code == 0, run
    [record] = github.state["runs"]
    with open(os.path.join(record["artifacts"], "dss-framework-plan", "plan.json")) as handle:
        plan = json.load(handle)
    assert {e["address"]: e["action"] for e in plan["resource_changes"]} == {"project": "create",
                                                                             "dataset.RAW": "create"}
    assert "### dss-framework plan: project CI\\_TEMPLATES" in run.summary and "`dataset.RAW`" in run.summary
    _no_secret(run)
    assert not github.pull_request("fork-notice", head).ran


def test_gitlab_merge_request_job_plans_and_keeps_plan_json_and_plan_md(gitlab, checkout):
    head = checkout.commit(CONFIG, "mr")
    run = gitlab.merge_request("dss-plan", head)
    assert run.ran and run.code == 0, run
    with open(os.path.join(checkout.path, "plan.json")) as handle:
        assert "dataset.RAW" in [e["address"] for e in json.load(handle)["resource_changes"]]
    with open(os.path.join(checkout.path, "plan.md")) as handle:
        assert "### dss-framework plan: project CI\\_TEMPLATES" in handle.read()
    artifacts = gitlab.pipeline["dss-plan"]["artifacts"]
    assert set(artifacts["paths"]) == {"plan.json", "plan.md"} and artifacts["expose_as"]
    for job in ("dss-apply", "dss-drift"):  # not in a merge request pipeline
        assert not gitlab.run(job, head, {"CI_PIPELINE_SOURCE": "merge_request_event"}).ran
    _no_secret(run)


def test_pull_request_with_invalid_configuration_fails_at_validate(github, gitlab, checkout):
    head = checkout.commit(CONFIG + "  - {name: BAD, type: Filesystem, colour: red}\n", "bad")
    for run in (github.pull_request("plan", head), gitlab.merge_request("dss-plan", head)):
        assert run.ran and run.code == 1 and '"valid": false' in run.output, run
        assert not os.path.exists(os.path.join(checkout.path, "plan.json"))


# -- forks ----------------------------------------------------------------------------------------

def test_github_fork_pull_request_is_not_planned_and_the_notice_job_says_why(github, checkout, client):
    head = checkout.commit(CONFIG, "fork")
    assert not github.pull_request("plan", head, fork=True).ran
    notice = github.pull_request("fork-notice", head, fork=True)
    assert notice.ran and notice.code == 0 and "comes from a fork" in notice.output and "no secrets" in notice.summary
    assert github.state["runs"][0]["conclusion"] == "success" and not _datasets(client)


def test_gitlab_fork_or_keyless_merge_request_says_so_and_skips(gitlab, checkout):
    head = checkout.commit(CONFIG, "fork")
    fork = gitlab.merge_request("dss-plan", head, fork=True)
    assert fork.ran and fork.code == 0 and "comes from a fork" in fork.output, fork
    gitlab.settings["DKU_API_KEY"] = ""  # protected, and this branch is not
    keyless = gitlab.merge_request("dss-plan", head)
    assert keyless.ran and keyless.code == 0 and "no DSS API key" in keyless.output, keyless
    assert not os.path.exists(os.path.join(checkout.path, "plan.json"))
    merged = gitlab.merge(checkout.commit(CONFIG, "merge"), head)  # the skipped plan kept nothing to apply
    assert merged.code == 1 and "kept no plan.json" in merged.output and "reviewed again" in merged.output
    head = checkout.commit(CONFIG, "read-only key")
    gitlab.settings["DSS_PLAN_API_KEY"] = ADMIN_KEY  # a read-only key for merge requests, in its own variable
    planned = gitlab.merge_request("dss-plan", head)
    assert planned.code == 0 and os.path.exists(os.path.join(checkout.path, "plan.json")), planned


# -- the merge job --------------------------------------------------------------------------------

def _reviewed_then_merged(ci: Any, checkout: Checkout, dss_url: str, merged_config: str, between: Any = None) -> JobRun:
    """CONFIG applied; a pull request adding CLEAN planned (the reviewed plan); ``between()``; then
    a merge commit (never the reviewed head) with ``merged_config``: the merge job's run."""
    _apply_now(checkout, dss_url, CONFIG)
    head = checkout.commit(WITH_CLEAN, "pr")
    assert ci.review(head).code == 0
    if between:
        between()
    return ci.merge(checkout.commit(merged_config, "merge"), head)


@pytest.mark.parametrize("platform", PLATFORMS)
def test_merge_applies_when_the_new_plan_equals_the_reviewed_one(platform, request, checkout, client, emulator):
    ci = request.getfixturevalue(platform)
    run = _reviewed_then_merged(ci, checkout, emulator.url, WITH_CLEAN)  # another commit, the same configuration
    assert run.ran and run.code == 0, run
    assert _datasets(client) == ["CLEAN", "RAW"] and "Apply complete: 1 created" in run.output
    if platform == "gitlab":
        assert all(r.startswith(ci.api.prefix) for r in ci.api.requests)
    _no_secret(run)


@pytest.mark.parametrize("platform", PLATFORMS)
def test_merge_refuses_when_the_configuration_changed_after_review(platform, request, checkout, client, emulator):
    # the merge brought in another change, never planned
    run = _reviewed_then_merged(request.getfixturevalue(platform), checkout, emulator.url, WITH_OTHER)
    assert run.ran and run.code == 1, run
    assert REVIEW_AGAIN in run.output and "dataset.OTHER (planned now, not in the plan: create)" in run.output
    assert _datasets(client) == ["RAW"]
    _no_secret(run)


@pytest.mark.parametrize("platform", PLATFORMS)
def test_merge_refuses_when_dss_changed_after_review(platform, request, checkout, client, emulator):
    run = _reviewed_then_merged(request.getfixturevalue(platform), checkout, emulator.url, WITH_CLEAN,
                                lambda: _edit_in_dss(client, "edited in DSS after the review"))
    assert run.ran and run.code == 1, run
    assert REVIEW_AGAIN in run.output and "dataset.RAW (action: the plan's no-op, now update)" in run.output
    assert _datasets(client) == ["RAW"]


@pytest.mark.parametrize("platform", PLATFORMS)
def test_merge_without_a_reviewed_plan_applies_nothing(platform, request, checkout, client):
    ci = request.getfixturevalue(platform)
    run = ci.merge(checkout.commit(CONFIG, "pushed"), None)  # pushed, not merged
    assert run.ran and run.code == 1 and "no plan was reviewed" in run.output, run
    head = checkout.commit(CONFIG, "never planned")
    run = ci.merge(head, head)
    assert run.ran and run.code == 1 and "no successful plan" in run.output, run
    assert _datasets(client) == []


# -- the drift job --------------------------------------------------------------------------------

@pytest.mark.parametrize("platform", PLATFORMS)
def test_drift_job_exits_0_when_clean_and_2_on_drift(platform, request, checkout, client, emulator):
    ci = request.getfixturevalue(platform)
    sha = _apply_now(checkout, emulator.url, CONFIG)
    clean = ci.drift(sha)
    assert clean.ran and clean.code == 0 and "No drift" in clean.output, clean
    _edit_in_dss(client, "edited in DSS")
    drifted = ci.drift(sha)
    assert drifted.ran and drifted.code == 2 and "edited in DSS" in drifted.output, drifted
    if platform == "github":
        assert "### dss-framework drift (exit 2)" in drifted.summary
    _no_secret(clean, drifted)


# -- what the templates must never do -------------------------------------------------------------

def _shell_blocks(path: str) -> List[str]:
    with open(path) as handle:
        doc = yaml.safe_load(handle)
    if path == GITHUB:
        return [s["run"] for job in doc["jobs"].values() for s in job["steps"] if "run" in s]
    return [line for job in doc.values() if isinstance(job, dict)
            for key in ("before_script", "script") for line in job.get(key) or []]


@pytest.mark.parametrize("path", ALL_TEMPLATES, ids=["github", "gitlab"])
def test_templates_never_hand_secrets_to_fork_code_nor_print_a_secret(path):
    with open(path) as handle:
        doc = yaml.safe_load(handle)
    if path == GITHUB:  # YAML 1.1 reads the key ``on`` as True
        triggers = doc.get("on", doc.get(True))
        assert "pull_request" in triggers and "pull_request_target" not in triggers
        assert all("pull_request_target" not in str(job.get("if", "")) for job in doc["jobs"].values())
    blocks = _shell_blocks(path)
    assert blocks
    for block in blocks:
        assert not re.search(r"\bset\s+(-\w*x|-o\s+xtrace)|\bbash\s+-\w*x", block), block
        for line in block.splitlines():
            if re.search(r"\b(echo|printf|cat|env|printenv)\b", line):
                shown = [name for name in SECRET_VARIABLES if re.search(r"\$\{?%s\b" % name, line)]
                assert not shown, line
