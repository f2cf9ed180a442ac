"""Several projects from one repository (issue 16 §4): ``plan``/``apply``/``drift``/``validate`` given a
directory or several files, through the CLI and ``Engine.plan_many``/``apply_many``, against the emulator."""
import json
import sys
import threading

import pytest

from emusupport import ADMIN_KEY
from apply_support import fresh_key
from cli_support import Terminal, cli_runner
from gitsupport import Repository, git
from dataiku_framework import FrameworkConfig, exitcodes
from dataiku_framework.commands.apply import PROMPT
from dataiku_framework.engine import Engine
from dataiku_framework.projects import ProjectSetError
from dataiku_framework.state import ProjectLock, read_lock


def _project(key, description="one", extra=""):
    return ("version: \"1.0\"\nproject: {key: %s, name: %s, description: %s}\n"
            "datasets:\n  - {name: shared_ds, type: Filesystem, managed: true, format_type: csv}\n%s"
            % (key, key, description, extra))


def _reader(key, source, description="one"):
    """A project whose recipe reads ``source``'s ``shared_ds`` (a cross-project reference)."""
    return ("version: \"1.0\"\nproject: {key: %s, name: %s, description: %s}\n"
            "external:\n  - {name: %s.shared_ds, kind: dataset}\n"
            "datasets:\n  - {name: copy, type: Filesystem, managed: true, format_type: csv}\n"
            "recipes:\n  - {name: take, type: sync, inputs: [%s.shared_ds], outputs: [copy]}\n"
            % (key, key, description, source, source))


@pytest.fixture
def run(emu, monkeypatch, tmp_path, capsys):
    return cli_runner(emu, monkeypatch, tmp_path, capsys)


def _write(directory, files):
    directory.mkdir(exist_ok=True)
    for name, text in files.items():
        path = directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return directory


@pytest.fixture
def three(tmp_path):
    """A directory of three project files (one in a sub-folder) and an included file without ``project:``."""
    keys = [fresh_key("MA"), fresh_key("MB"), fresh_key("MC")]
    files = {"a.yaml": _project(keys[0]), "b.yml": _project(keys[1]), "sub/c.yaml": _project(keys[2]),
             "sub/part.yaml": "datasets:\n  - {name: x, type: Filesystem, managed: true}\n"}
    return _write(tmp_path / "repo", files), keys


def _sections(out):
    return [line for line in out.splitlines() if line.startswith("== Project ")]


def test_directory_plans_each_project_in_a_section_with_a_total(run, three):
    directory, keys = three
    code, out, err = run("plan", str(directory), "--detailed-exitcode")
    assert code == exitcodes.CHANGES, err
    sections = _sections(out)
    assert len(sections) == 3  # sub/part.yaml has no project: skipped
    for key, name in zip(keys, ("a.yaml", "b.yml", "sub/c.yaml")):
        assert any(key in s and s.rstrip(")= ").endswith(name) for s in sections), sections
    assert out.rstrip().splitlines()[-1] == "Total: 3 projects, 3 with changes, 0 without, 0 failed."


def test_one_config_keeps_the_single_output(run, three):
    directory, keys = three
    code, out, err = run("plan", str(directory / "a.yaml"))
    assert code == exitcodes.OK, err
    assert not _sections(out) and "Total:" not in out and keys[0] in out.splitlines()[0]


class _Probe(Engine):
    """An engine whose plans wait for each other: planned one after the other, the barrier breaks."""
    barrier = None
    shares = []

    def plan(self, config, **options):
        type(self).shares.append(self.parallelism)
        type(self).barrier.wait(timeout=30)  # a deadlock guard, not a timing: three plans meet here or none
        return super(_Probe, self).plan(config, **options)


def test_plan_many_plans_concurrently_within_one_budget(client, three):
    directory, keys = three
    configs = [FrameworkConfig.from_yaml(_project(k)) for k in keys]
    _Probe.barrier, _Probe.shares = threading.Barrier(3), []
    outcomes = _Probe(client=client, parallelism=6).plan_many(configs)
    assert [o.key for o in outcomes] == keys and all(o.plan.has_changes and o.exit_code == 0 for o in outcomes)
    assert _Probe.shares == [2, 2, 2]  # 6 requests at most in flight: each of the three plans has 2


@pytest.mark.parametrize("host, expected", [("http://127.0.0.1:9/", exitcodes.UNREACHABLE),
                                            (None, exitcodes.AUTH_REFUSED)])
def test_connection_failure_wins_over_an_invalid_project(run, three, monkeypatch, host, expected):
    directory, keys = three
    (directory / "bad.yaml").write_text("version: \"1.0\"\nproject: {key: lower_case}\n")
    if host:
        monkeypatch.setenv("DSS_HOST", host)
    else:
        monkeypatch.setenv("DSS_API_KEY", "not-a-key")
    code, out, err = run("plan", str(directory), "--detailed-exitcode")
    assert code == expected, out + err
    assert "lower_case" in out and "Total: 4 projects, 0 with changes, 0 without, 4 failed." in out
    assert "not-a-key" not in out + err


def test_one_invalid_project_fails_the_set_the_others_are_planned(run, three):
    directory, keys = three
    (directory / "bad.yaml").write_text("version: \"1.0\"\nproject: {key: lower_case}\n")
    code, out, err = run("plan", str(directory), "--detailed-exitcode")
    assert code == exitcodes.INVALID, err
    assert "Total: 4 projects, 3 with changes, 0 without, 1 failed." in out


def test_no_changes_exit_0_and_changes_exit_2_only_with_detailed_exitcode(run, three):
    directory, keys = three
    assert run("apply", str(directory), "--auto-approve")[0] == exitcodes.OK
    code, out, err = run("plan", str(directory), "--detailed-exitcode")
    assert code == exitcodes.OK, out + err
    (directory / "b.yml").write_text(_project(keys[1], "two"))
    assert run("plan", str(directory), "--detailed-exitcode")[0] == exitcodes.CHANGES
    assert run("plan", str(directory))[0] == exitcodes.OK
    assert run("drift", str(directory))[0] == exitcodes.OK  # a changed file is not drift


def test_drift_in_one_project_exits_2_naming_it_in_its_section(run, client, three):
    directory, keys = three
    assert run("apply", str(directory), "--auto-approve")[0] == exitcodes.OK
    metadata = client.get_project(keys[2]).get_metadata()
    metadata["description"] = "edited in DSS"
    client.get_project(keys[2]).set_metadata(metadata)
    code, out, err = run("drift", str(directory))
    assert code == exitcodes.CHANGES, out + err
    assert out.rstrip().splitlines()[-1] == "Total: 3 projects, 1 drifted, 2 without, 0 failed."
    assert "edited in DSS" in out[out.index("== Project %s " % keys[2]):]


@pytest.mark.parametrize("argv, words", [
    (["plan", "{d}", "{d}/missing.yaml"], "missing.yaml: no such file or directory"),
    (["plan", "{d}/a.yaml", "{d}/b.yml", "--out", "{d}/p.json"], "--out cannot be used with several"),
    (["plan", "{d}", "--target", "project"], "--target cannot be used with several"),
    (["plan", "{d}/sub/part.yaml/.."], "no *.yaml or *.yml file with a top-level 'project:'"),
])
def test_bad_arguments_exit_64_before_any_request(run, emu, three, tmp_path, argv, words):
    directory, keys = three
    (tmp_path / "empty").mkdir()
    argv = [a.format(d=directory) for a in argv]
    if "part.yaml/.." in argv[1]:
        argv[1] = str(tmp_path / "empty")
    emu.stats.reset()
    code, out, err = run(*argv)
    assert code == exitcodes.USAGE and words in err, err
    assert emu.stats.snapshot(with_log=False)["requests"] == 0


def test_two_files_naming_one_project_exit_64_naming_both(run, emu, three):
    directory, keys = three
    (directory / "copy.yaml").write_text(_project(keys[1], "copy"))
    emu.stats.reset()
    for command in ("plan", "apply", "drift", "validate"):
        code, out, err = run(command, str(directory), "--auto-approve" if command == "apply" else "--json")
        assert code == exitcodes.USAGE, (command, err)
        assert "b.yml" in err and "copy.yaml" in err and keys[1] in err, err
    assert emu.stats.snapshot(with_log=False)["requests"] == 0


def test_references_in_a_cycle_exit_64_naming_the_projects(run, emu, tmp_path):
    a, b = fresh_key("CA"), fresh_key("CB")
    directory = _write(tmp_path / "cycle", {"a.yaml": _reader(a, b), "b.yaml": _reader(b, a)})
    emu.stats.reset()
    code, out, err = run("plan", str(directory))
    assert code == exitcodes.USAGE and "cycle" in err and a in err and b in err, err
    assert emu.stats.snapshot(with_log=False)["requests"] == 0


def test_the_project_exposing_an_object_is_applied_first(run, client, tmp_path):
    exposer, reader = fresh_key("XA"), fresh_key("XB")
    # given reader first (and sorted first in the directory): the reference still orders the exposer first
    directory = _write(tmp_path / "order", {"1_reader.yaml": _reader(reader, exposer),
                                            "2_exposer.yaml": _project(exposer)})
    code, out, err = run("apply", str(directory), "--auto-approve")
    assert code == exitcodes.OK, out + err
    applying = [line for line in out.splitlines() if line.startswith("== Applying ")]
    assert [exposer in applying[0], reader in applying[1]] == [True, True], applying
    engine = Engine(client=client)
    started = [engine.history(k)[0]["started_at"] for k in (exposer, reader)]
    assert started[0] <= started[1]
    assert [i["ref"] for i in client.get_project(reader).get_recipe("take").get_settings()
            .get_recipe_inputs()["main"]["items"]] == ["%s.shared_ds" % exposer]


def test_json_is_one_document_with_a_section_per_project(run, three):
    directory, keys = three
    code, out, err = run("plan", str(directory), "--json", "--detailed-exitcode")
    doc = json.loads(out)
    assert code == exitcodes.CHANGES and doc["exit_code"] == exitcodes.CHANGES
    assert [p["project_key"] for p in doc["projects"]] == keys
    assert [p["file"].replace(str(directory), "") for p in doc["projects"]] == ["/a.yaml", "/b.yml", "/sub/c.yaml"]
    assert all(p["plan"]["metadata"]["project_key"] == p["project_key"] and p["exit_code"] == 2
               for p in doc["projects"])
    code, out, err = run("apply", str(directory), "--json", "--auto-approve")
    doc = json.loads(out)
    assert code == 0 and [p["result"]["project_key"] for p in doc["projects"]] == keys, err
    code, out, err = run("validate", str(directory), "--json")
    doc = json.loads(out)
    assert code == 0 and [p["diagnostics"]["valid"] for p in doc["projects"]] == [True] * 3


def test_a_held_lock_fails_its_project_alone_and_no_lock_waits_on_another(client, tmp_path, run):
    keys = [fresh_key("LA"), fresh_key("LB"), fresh_key("LC")]
    engine = Engine(client=client)
    configs = [FrameworkConfig.from_yaml(_project(k)) for k in keys]
    engine.apply_many(configs, [o.plan for o in engine.plan_many(configs)], lock_timeout=0)
    configs = [FrameworkConfig.from_yaml(_project(k, "two")) for k in keys]
    held = ProjectLock(client, keys[1], operation="test")
    held.acquire()
    seen = []

    def others_free(outcome):
        """At each project's start: no other project's lock is held but the test's own on B."""
        seen.append(outcome.key)
        for key in keys:
            if key not in (outcome.key, keys[1]):
                assert read_lock(client, key) is None or read_lock(client, key).doc.get("status") == "released"
    try:
        outcomes = engine.apply_many(configs, [o.plan for o in engine.plan_many(configs)], lock_timeout=0.5,
                                     on_project=others_free)
        assert seen == keys
        assert [o.exit_code for o in outcomes] == [0, exitcodes.INVALID, 0]
        assert "locked" in outcomes[1].error and held.id in outcomes[1].error
        assert [engine.plan(c).has_changes for c in configs] == [False, True, False]  # B alone not applied
        (tmp_path / "l").mkdir()
        for key, name in zip(keys, "abc"):
            (tmp_path / "l" / (name + ".yaml")).write_text(_project(key, "three"))
        code, out, err = run("apply", str(tmp_path / "l"), "--auto-approve")
        assert code == exitcodes.INVALID, out + err
        assert "Total: 3 projects, 2 applied, 1 failed." in out and held.id in out
    finally:
        held.release()


def test_a_saved_plan_is_applied_alone(run, three, tmp_path):
    directory, keys = three
    assert run("plan", str(directory / "a.yaml"), "--out", str(tmp_path / "p.json"))[0] == 0
    code, out, err = run("apply", str(tmp_path / "p.json"), str(directory / "b.yml"), "--auto-approve")
    assert code == exitcodes.USAGE and "applied alone" in err


def test_plan_many_refuses_a_duplicate_key_before_any_request(client, emu):
    key = fresh_key("DU")
    emu.stats.reset()
    with pytest.raises(ProjectSetError, match=key):
        Engine(client=client).plan_many([FrameworkConfig.from_yaml(_project(key)),
                                         FrameworkConfig.from_yaml(_project(key, "two"))])
    assert emu.stats.snapshot(with_log=False)["requests"] == 0


@pytest.mark.parametrize("answer, expected", [("yes\n", exitcodes.OK), ("no\n", exitcodes.INVALID)])
def test_every_plan_is_shown_then_one_question_for_all(run, client, three, monkeypatch, answer, expected):
    directory, keys = three
    terminal = Terminal([answer])
    monkeypatch.setattr(sys, "stdin", terminal)
    code, out, err = run("apply", str(directory))
    assert code == expected and terminal.prompted == 1 and out.count(PROMPT) == 1, out + err
    assert all(out.index("== Project %s " % k) < out.index(PROMPT) for k in keys)
    changed = [Engine(client=client).plan(FrameworkConfig.from_yaml(_project(k))).has_changes for k in keys]
    assert changed == [expected != exitcodes.OK] * 3  # 'yes' applied all three, anything else none


def test_git_sources_in_a_set_are_each_pinned_to_their_commit(run, tmp_path, monkeypatch):
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    keys = [fresh_key("GA"), fresh_key("GB")]
    repo = Repository(str(tmp_path), {"p/a.yaml": _project(keys[0]), "p/b.yaml": _reader(keys[1], keys[0])})
    commit = git("rev-parse", "HEAD", cwd=repo.work)
    sources = ["git+%s@main#p/%s.yaml" % (repo.url, n) for n in ("b", "a")]
    code, out, err = run("plan", sources[0], sources[1], "--json")
    doc = json.loads(out)
    assert code == exitcodes.OK, err
    assert [p["project_key"] for p in doc["projects"]] == [keys[1], keys[0]]
    assert [p["plan"]["metadata"]["config_source"] for p in doc["projects"]] == [
        "git+%s@%s#p/%s.yaml" % (repo.url, commit, n) for n in ("b", "a")]
    code, out, err = run("apply", sources[0], sources[1], "--auto-approve")
    assert code == exitcodes.OK, out + err
    assert out.index("== Applying %s " % keys[0]) < out.index("== Applying %s " % keys[1])


def test_a_project_reading_a_failed_projects_objects_is_not_applied(client):
    exposer, reader = fresh_key("FA"), fresh_key("FB")
    engine = Engine(client=client)
    configs = [FrameworkConfig.from_yaml(_reader(reader, exposer)), FrameworkConfig.from_yaml(_project(exposer))]
    engine.apply_many(configs, [o.plan for o in engine.plan_many(configs)])
    configs = [FrameworkConfig.from_yaml(_reader(reader, exposer, "two")),
               FrameworkConfig.from_yaml(_project(exposer, "two"))]
    with ProjectLock(client, exposer, operation="test"):
        outcomes = engine.apply_many(configs, [o.plan for o in engine.plan_many(configs)])
    assert [o.exit_code for o in outcomes] == [exitcodes.INVALID, exitcodes.INVALID]
    assert outcomes[0].error == "not applied: it reads objects of %s, which did not apply" % exposer
    assert outcomes[0].result is None and "locked" in outcomes[1].error
    assert engine.plan(configs[0]).has_changes


def test_validate_a_directory_as_a_real_process(tmp_path):
    import os
    import subprocess
    from emusupport import ROOT
    directory = _write(tmp_path / "v", {"a.yaml": _project("VA"), "b/b.yaml": _project("VB"),
                                        "b/bad.yml": "version: \"1.0\"\nproject: {key: VC, colour: red}\n",
                                        "b/inc.yaml": "datasets: []\n"})
    env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "python-lib"))
    done = subprocess.run([sys.executable, "-m", "dataiku_framework.cli", "validate", str(directory)], env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True, timeout=120)
    assert done.returncode == exitcodes.INVALID, done.stderr
    assert [line.split()[2] for line in _sections(done.stdout)] == ["VA", "VB", "VC"]
    assert "colour" in done.stdout and done.stdout.rstrip().splitlines()[-1] == "Total: 3 files, 2 valid, 1 invalid."
