"""The first apply of a brand-new project (issue 14 §1), for every project-level key of the language,
through every face: ``Engine.apply(config)``, ``Engine.apply(plan)``, the CLI with ``--auto-approve``,
``plan --out`` then ``apply PLAN``, and the real command on a pseudo-terminal answering ``yes``.

Each must give one apply (one history entry, succeeded), the project counted as created
(``created_by_tool: true`` in ``state.json``), and a clean plan afterwards. What the creation of the
project itself sets (DSS's defaults on a new project: variables, settings, permissions...) is not a
change made since the plan: a saved or shown plan made before the project existed still applies.

One small configuration per key keeps the matrix cheap (a project and nothing else).
"""
import json
import os
import subprocess
import sys
import threading

import pytest

from emusupport import ADMIN_KEY, ANALYST_KEY, PROJECT_KEY_CASES, ROOT, project_case_yaml, read_until

from apply_support import fresh_key
from cli_support import cli_runner
from dataiku_framework import FrameworkConfig, exitcodes
from dataiku_framework.commands.apply import PROMPT
from dataiku_framework.engine import Engine
from dataiku_framework.state import LockHeld, StateStore

PROJECT_KEYS = PROJECT_KEY_CASES
#: every STRIDE-th key per face (make test-py39 samples; make test runs them all)
STRIDE = int(os.environ.get("APPLY_FIRST_STRIDE", "1"))
CASES = sorted(PROJECT_KEYS)[::STRIDE]


def test_the_matrix_covers_every_project_key_of_the_language():
    from dataiku_framework.config.schema_check import SCHEMA_PATH
    with open(SCHEMA_PATH, encoding="utf-8") as handle:
        declared = set(json.load(handle)["$defs"]["Project"]["properties"]) - {"key"}
    covered = {case.split(":")[0].strip() for case in PROJECT_KEYS.values()}
    assert declared == covered, "project keys without a first-apply case: %s" % sorted(declared - covered)


config_text = project_case_yaml


def assert_one_apply(engine, key, config):
    """One apply recorded (succeeded), nothing left to change, the lock free."""
    history = engine.history(key)
    assert [(h["operation"], h["result"]) for h in history] == [("apply", "succeeded")], history
    assert not engine.plan(config).has_changes
    assert engine.lock_status(key) is None  # released
    return history[0]


def assert_first_apply(engine, key, config):
    """``assert_one_apply``, and the project counted as created by the tool (in the history and the state)."""
    entry = assert_one_apply(engine, key, config)
    assert entry["counts"]["created"] >= 1, entry
    record = StateStore(engine.client, key).read().resource("project")
    assert record is not None and record["created_by_tool"] is True, record


def _config(key, case):
    return FrameworkConfig.from_yaml(config_text(key, case))


@pytest.mark.parametrize("case", CASES)
def test_engine_apply_of_a_config(engine, case):
    key = fresh_key("FA")
    config = _config(key, case)
    result = engine.apply(config)
    assert result.succeeded and ("project", "create") in [(r.address, r.operation) for r in result.results]
    assert_first_apply(engine, key, config)


def test_the_project_s_parts_count_as_created_as_the_plan_showed(engine):
    """Variables and code envs come into being with the project: the plan shows them as creations,
    and the apply reports and records them so (not as updates of what the project's creation made)."""
    key = fresh_key("FC")
    config = FrameworkConfig.from_yaml('version: "1.0"\nproject: {key: %s, name: N, variables: {standard: {env: dev}}}\n'
                                       'datasets: [{name: raw, type: Filesystem, managed: true}]\n' % key)
    planned = {e["address"]: e["action"] for e in engine.plan(config).doc["resource_changes"]}
    result = engine.apply(config)
    assert result.succeeded
    assert {r.address: r.operation for r in result.results} == planned == {
        "project": "create", "variables": "create", "dataset.raw": "create"}
    assert engine.history(key)[0]["counts"]["created"] == 3 and engine.history(key)[0]["counts"]["updated"] == 0
    assert StateStore(engine.client, key).read().resource("variables")["created_by_tool"] is True


@pytest.mark.parametrize("case", CASES)
def test_engine_apply_of_a_plan(engine, case):
    key = fresh_key("FP")
    config = _config(key, case)
    plan = engine.plan(config)
    progress = []
    result = engine.apply(plan, on_progress=lambda done, total, text: progress.append((done, total, text)))
    assert result.succeeded, result.summary()
    assert progress[0][:2] == (1, len(progress)) and progress[0][2].startswith("create project"), progress
    assert_first_apply(engine, key, config)


# -- the CLI ---------------------------------------------------------------------------------------

@pytest.fixture
def cli(emu, monkeypatch, tmp_path, capsys):
    return cli_runner(emu, monkeypatch, tmp_path, capsys)


def _write(tmp_path, key, case):
    path = tmp_path / ("%s.yaml" % key)
    path.write_text(config_text(key, case))
    return str(path)


@pytest.mark.parametrize("case", CASES)
def test_cli_auto_approve(cli, engine, capsys, tmp_path, case):
    key = fresh_key("FC")
    code, out, err = cli("apply", _write(tmp_path, key, case), "--auto-approve")
    assert code == exitcodes.OK, err
    assert "[1/" in out and "create project: succeeded" in out.split("[1/", 1)[1].splitlines()[0], out
    assert_first_apply(engine, key, _config(key, case))


@pytest.mark.parametrize("case", CASES)
def test_cli_plan_out_then_apply_plan(cli, engine, capsys, tmp_path, case):
    key = fresh_key("FO")
    saved = str(tmp_path / "plan.json")
    assert cli("plan", _write(tmp_path, key, case), "--out", saved)[0] == exitcodes.OK
    code, out, err = cli("apply", saved, "--auto-approve")
    assert code == exitcodes.OK, err
    assert_first_apply(engine, key, _config(key, case))


@pytest.mark.parametrize("case", CASES)
def test_real_terminal_answering_yes(emu, engine, tmp_path, case):
    """The real command as a process on a pseudo-terminal: it asks; 'yes' applies."""
    import pty
    key = fresh_key("FT")
    env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "python-lib"), NO_COLOR="1", DSS_HOST=emu.url,
               DSS_API_KEY=ADMIN_KEY, HOME=str(tmp_path))
    for name in ("DKU_DSS_URL", "DKU_API_KEY"):
        env.pop(name, None)
    controller, terminal = pty.openpty()
    process = subprocess.Popen([sys.executable, "-m", "dataiku_framework.cli", "apply", _write(tmp_path, key, case)],
                               stdin=terminal, stdout=terminal, stderr=terminal, env=env, close_fds=True)
    os.close(terminal)
    try:
        seen = read_until(controller, PROMPT.strip().encode())
        first = seen.decode("utf-8", "replace").strip().splitlines()[0]
        assert key in first and emu.url in first, first  # the project and the instance come first
        os.write(controller, b"yes\n")
        seen += read_until(controller, b"Apply id: ")
        assert process.wait(timeout=120) == exitcodes.OK, seen.decode("utf-8", "replace")
    finally:
        if process.poll() is None:
            process.kill()
        os.close(controller)
    assert_first_apply(engine, key, _config(key, case))


# -- five first applies at once --------------------------------------------------------------------

RACERS = 5
RACE_ROUNDS = int(os.environ.get("APPLY_FIRST_RACES", "3"))


def _race(emu, config):
    """Five applies of ``config`` started together, each with its own client (as five processes)."""
    start = threading.Barrier(RACERS)
    outcomes = [None] * RACERS

    def run(index):
        engine = Engine(client=emu.client(ADMIN_KEY))
        start.wait(30)
        try:
            outcomes[index] = engine.apply(config)
        except Exception as error:  # noqa: BLE001 - what each loser gets is what is checked
            outcomes[index] = error
    threads = [threading.Thread(target=run, args=(i,)) for i in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(180)
    return outcomes


@pytest.mark.parametrize("round_no", range(RACE_ROUNDS))
def test_five_first_applies_at_once_exactly_one_runs_the_others_name_the_holder(emu, engine, round_no):
    key = fresh_key("FR")
    config = _config(key, "variables_standard")
    outcomes = _race(emu, config)
    ran = [o for o in outcomes if not isinstance(o, Exception) and o.apply_id]
    assert len(ran) == 1 and ran[0].succeeded, outcomes
    for other in outcomes:
        if other is ran[0]:
            continue
        if isinstance(other, LockHeld):
            holder = other.holder
            assert holder.user == "admin" and holder.id in str(other) and holder.operation == "apply", str(other)
            continue
        # only when it reached the lock after the winner had finished: nothing left to do
        assert not isinstance(other, Exception), "%s: %s" % (other.__class__.__name__, other)
        assert not other.results and other.apply_id is None, other.summary()
    # the one that ran is the one that created the project, unless an apply that planned just after the
    # creation (the project then existed: not its creation) took the lock before the creator did
    assert_one_apply(engine, key, config)


# -- the applier keeps access to its own state and lock --------------------------------------------

LOCKOUT = 'version: "1.0"\nproject:\n  key: %s\n  name: Lockout\n  owner: %s\n  permissions: %s\n'


def _owned_by_analyst(emu):
    """A project the analyst owns (created by an administrator's first apply); its key."""
    key = fresh_key("LO")
    admin = Engine(client=emu.client(ADMIN_KEY))
    assert admin.apply(FrameworkConfig.from_yaml(LOCKOUT % (key, "analyst", "[{group: readers, level: read}]"))
                       ).succeeded
    return key


def test_owner_and_permissions_that_would_lock_the_applier_out_are_refused_before_any_write(emu):
    """The analyst (not a DSS administrator, the project's owner) applies owner admin and permissions
    that do not name it: it would lose write access to the state and lock it keeps in the project."""
    from dataiku_framework.apply.run import AccessLossError
    key = _owned_by_analyst(emu)
    analyst = Engine(client=emu.client(ANALYST_KEY))
    config = FrameworkConfig.from_yaml(LOCKOUT % (key, "admin", "[{group: readers, level: read}]"))
    with pytest.raises(AccessLossError) as refused:
        analyst.apply(config)
    assert "DSS user analyst without write access" in str(refused.value) and key in str(refused.value)
    admin = emu.client(ADMIN_KEY)
    assert admin.get_project(key).get_permissions()["owner"] == "analyst"  # refused before any write
    assert len(Engine(client=admin).history(key)) == 1


@pytest.mark.parametrize("permissions", ["[{group: data_team, level: write}]", "[{user: analyst, level: admin}]"])
def test_owner_set_to_another_user_with_the_applier_still_writing_applies(emu, permissions):
    key = _owned_by_analyst(emu)
    analyst = Engine(client=emu.client(ANALYST_KEY))
    config = FrameworkConfig.from_yaml(LOCKOUT % (key, "admin", permissions))
    result = analyst.apply(config)
    assert result.succeeded and not result.notes, (result.summary(), result.notes)
    assert emu.client(ADMIN_KEY).get_project(key).get_permissions()["owner"] == "admin"
    history = analyst.history(key)
    assert [h["result"] for h in history] == ["succeeded", "succeeded"] and history[0]["user"] == "analyst"
    assert analyst.lock_status(key) is None  # released


def test_an_administrator_first_apply_giving_the_project_away_applies(emu):
    engine = Engine(client=emu.client(ADMIN_KEY))
    key = fresh_key("LA")
    config = FrameworkConfig.from_yaml(LOCKOUT % (key, "reader", "[{group: readers, level: read}]"))
    assert engine.apply(config).succeeded
    assert emu.client(ADMIN_KEY).get_project(key).get_permissions()["owner"] == "reader"
    assert_first_apply(engine, key, config)


def test_the_project_comes_first_in_the_plan(engine):
    key = fresh_key("PF")
    config = FrameworkConfig.from_yaml('version: "1.0"\nproject: {key: %s, name: First}\nzones: [{name: aaa}]\n'
                                       'datasets: [{name: aaa, type: Filesystem, managed: true, format_type: csv}]\n'
                                       % key)
    assert [e["address"] for e in engine.plan(config).doc["resource_changes"]][0] == "project"
    assert engine.apply(config).succeeded
    config.project.description = "changed"
    config.datasets[0].description = "changed"
    assert [e["address"] for e in engine.plan(config).doc["resource_changes"]][0] == "project"
