"""The ``code_envs`` kind: the project's default Python and R environments (``project.code_envs``),
planned, applied, imported and adopted through the real dataikuapi client on the emulator."""
import pytest

from emusupport import make_emulator

from dataiku_framework import FrameworkConfig
from dataiku_framework.importer import import_project
from dataiku_framework.plan.connections import MissingOnDSS
from dataiku_framework.state import StateStore

_KEYS = iter(range(1000))


@pytest.fixture(scope="module")
def shared_emulator():
    """The module's emulator, with the code environments the cases name."""
    emulator = make_emulator()
    emulator.add_code_env("py_team")
    emulator.add_code_env("py_other")
    emulator.add_code_env("r_team", lang="R")
    yield emulator
    emulator.stop()



def fresh_key():
    return "CENV%d" % next(_KEYS)


def _config(key, envs=None):
    block = "" if envs is None else "\n  code_envs: {%s}" % ", ".join("%s: %s" % kv for kv in envs.items())
    return FrameworkConfig.from_yaml('version: "1.0"\nproject:\n  key: %s\n  name: Envs%s\n' % (key, block))


def _entry(client, key, lang="python"):
    return client.get_project(key).get_settings().get_raw()["settings"]["codeEnvs"][lang]


def _change(plan, address="code_envs"):
    found = [rc for rc in plan.resource_changes if rc.address == address]
    return found[0] if found else None


def _writes(emu, key):
    return [e for e in emu.stats.snapshot()["log"] if e["method"] in ("PUT", "POST", "DELETE")
            and "/projects/%s/settings" % key in e["path"]]


def test_plan_creates_with_a_new_project_in_config_terms(engine):
    plan = engine.plan(_config(fresh_key(), {"python": "py_team", "r": "builtin"}))
    change = _change(plan)
    assert change.action == "create"
    assert [(c["path"], c["after"]) for c in change.changes] == [("python", "py_team"), ("r", "builtin")]


def test_apply_writes_once_then_plans_clean_and_keeps_other_keys(emu, client, engine):
    key = fresh_key()
    assert engine.apply(_config(key)).succeeded
    emu.stats.reset()
    result = engine.apply(_config(key, {"python": "py_team", "r": "r_team"}))
    assert result.succeeded, result.summary()
    assert [(r.address, r.operation) for r in result.results] == [("code_envs", "update")]
    assert len(_writes(emu, key)) == 1  # both languages in one settings write
    python = _entry(client, key)
    assert (python["mode"], python["envName"], python["useBuiltinEnv"]) == ("EXPLICIT_ENV", "py_team", False)
    assert python["preventOverride"] is False  # what DSS held beside the mode stays
    assert _entry(client, key, "r")["envName"] == "r_team"
    assert not engine.plan(_config(key, {"python": "py_team", "r": "r_team"})).has_changes


def test_update_is_planned_in_config_terms_and_builtin_is_written_as_dss_does(client, engine):
    key = fresh_key()
    assert engine.apply(_config(key, {"python": "py_team"})).succeeded
    change = _change(engine.plan(_config(key, {"python": "builtin"})))
    assert change.action == "update"
    assert [(c["path"], c["before"], c["after"]) for c in change.changes] == [("python", "py_team", "builtin")]
    assert engine.apply(_config(key, {"python": "builtin"})).succeeded
    python = _entry(client, key)
    assert (python["mode"], python["useBuiltinEnv"]) == ("USE_BUILTIN_MODE", True)
    assert not engine.plan(_config(key, {"python": "builtin"})).has_changes


def test_both_dss_shapes_read_alike(client, engine):
    """DSS before 12 writes only ``useBuiltinEnv``/``envName``; the same setting plans clean."""
    key = fresh_key()
    assert engine.apply(_config(key)).succeeded
    settings = client.get_project(key).get_settings()
    settings.get_raw()["settings"]["codeEnvs"]["python"] = {"useBuiltinEnv": False, "envName": "py_team",
                                                             "preventOverride": False}
    settings.save()
    assert not engine.plan(_config(key, {"python": "py_team"})).has_changes
    assert _change(engine.plan(_config(key, {"python": "builtin"}))).action == "update"


def test_removing_the_block_stops_managing_without_touching_dss(client, engine):
    key = fresh_key()
    assert engine.apply(_config(key, {"python": "py_team"})).succeeded
    plan = engine.plan(_config(key), allow_delete=True)
    assert _change(plan) is None and not plan.has_changes
    assert engine.apply(_config(key), allow_delete=True).succeeded
    assert _entry(client, key)["envName"] == "py_team"


def test_drift_after_a_dss_edit(client, engine):
    key = fresh_key()
    config = _config(key, {"python": "py_team"})
    assert engine.apply(config).succeeded
    settings = client.get_project(key).get_settings()
    settings.set_python_code_env("py_other")
    settings.save()
    plan = engine.drift(config)
    assert plan.has_drift
    assert [(d["address"], d["path"], d["after"]) for d in plan.doc["drift"]] == [("code_envs", "python", "py_other")]


def test_import_round_trip_and_adopt(cli, client, engine, tmp_path):
    key = fresh_key()
    assert engine.apply(_config(key, {"python": "py_team", "r": "r_team"})).succeeded
    imported = import_project(client, key)
    project = imported.doc["project"]
    assert project["code_envs"] == {"python": "py_team", "r": "r_team"}
    assert "codeEnvs" not in (project.get("settings") or {})  # claimed by the kind: not raw settings too
    assert not engine.plan(imported.config).has_changes
    code, text = cli("import", key, "--out", str(tmp_path), "--adopt")
    assert code == 0, text
    state = StateStore(client, key).read()
    assert state.resources["code_envs"]["canonical"] == {"python": "py_team", "r": "r_team"}
    assert state.resources["code_envs"]["created_by_tool"] is False


def test_a_default_project_imports_without_code_envs(client, engine):
    key = fresh_key()
    assert engine.apply(_config(key)).succeeded
    assert "code_envs" not in import_project(client, key).doc["project"]


def test_a_missing_code_env_fails_the_plan(engine):
    with pytest.raises(MissingOnDSS) as caught:
        engine.plan(_config(fresh_key(), {"python": "py_nowhere"}))
    assert "py_nowhere" in str(caught.value)
    assert "project.code_envs.python" in str(caught.value)


def test_code_envs_set_twice_is_a_validation_error():
    """Raw ``settings.codeEnvs`` beside ``code_envs`` would fight over one setting (the kind's check,
    run by validate once the kinds' checks are wired through ``config.hooks``)."""
    from dataiku_framework.config.validate import Checker
    from dataiku_framework.resources import registry
    doc = {"version": "1.0", "project": {"key": "A", "code_envs": {"python": "py_team"},
                                         "settings": {"codeEnvs": {"python": {"mode": "INHERIT"}}}}}
    ck = Checker(doc, None)
    for check in registry.get("code_envs").checks:
        check(ck)
    assert [(d.code, d.path) for d in ck.diagnostics] == [("project.code_envs_twice", "project.settings.codeEnvs")]
    ck = Checker({"version": "1.0", "project": {"key": "A", "code_envs": {"python": "py_team"}}}, None)
    for check in registry.get("code_envs").checks:
        check(ck)
    assert ck.diagnostics == []


def test_the_fixture_exports_shapes_read_as_config_terms_and_import_as_unmanaged():
    """Real exports: ``Dataiku-Titanic`` (``useBuiltinEnv``, DSS < 12) and the ``mode`` shape
    (``INHERIT``, DSS 12+): both are a new project's default, so import leaves them unmanaged."""
    import json
    import os

    from emusupport import export_dir
    from dataiku_framework.resources.code_envs import env_term, is_default, live_envs
    with open(os.path.join(export_dir("Dataiku-Titanic"), "project_config", "params.json")) as f:
        envs = live_envs(json.load(f))
    assert {lang: env_term(envs[lang]) for lang in ("python", "r")} == {"python": "builtin", "r": "builtin"}
    assert all(is_default(envs[lang]) for lang in ("python", "r"))
    new = {"mode": "INHERIT", "preventOverride": False}
    assert (env_term(new), is_default(new)) == ("inherit", True)
    chosen = {"mode": "EXPLICIT_ENV", "envName": "py39", "useBuiltinEnv": False}
    assert (env_term(chosen), is_default(chosen)) == ("py39", False)
    assert env_term({"useBuiltinEnv": False, "envName": "py39"}) == "py39"


def test_project_settings_and_code_envs_in_one_apply_both_land(client, engine):
    """Both write the one project settings document: the code envs wait for the project (``depends_on``)
    and write under ``settings_lock``, so neither read-modify-write loses the other's keys."""
    key = fresh_key()
    assert engine.apply(_config(key)).succeeded
    config = FrameworkConfig.from_yaml('version: "1.0"\nproject:\n  key: %s\n  name: Envs\n  git_commit_mode: explicit\n'
                                       '  code_envs: {python: py_team, r: r_team}\n' % key)
    result = engine.apply(config)
    assert result.succeeded, result.summary()
    assert sorted(r.address for r in result.results) == ["code_envs", "project"]
    raw = client.get_project(key).get_settings().get_raw()["settings"]
    assert raw["gitCommitMode"] == "EXPLICIT"
    assert (raw["codeEnvs"]["python"]["envName"], raw["codeEnvs"]["r"]["envName"]) == ("py_team", "r_team")
    assert not engine.plan(config).has_changes
