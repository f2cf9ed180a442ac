"""The ``git_library`` kind: the project library's imports from git (top-level ``libraries:``, DSS's
``lib-git-refs``), planned, applied, imported, adopted and deleted through the real dataikuapi client
on the emulator; ``refresh_on_apply`` pulls the references that ask for it after an apply."""
import io
import itertools
from contextlib import redirect_stderr, redirect_stdout

import pytest

from emusupport import ADMIN_KEY

from dataiku_framework import FrameworkConfig
from dataiku_framework.cli import main
from dataiku_framework.importer import import_project
from dataiku_framework.state import StateStore

_KEYS = itertools.count(1)
REPO = "https://git.example.com/team/shared.git"
OTHER = "https://git.example.com/team/other.git"


def _key():
    return "GLIB_%d" % next(_KEYS)


def _config(key, *libraries, **extra):
    lines = ['version: "1.0"', "project: {key: %s, name: Libs}" % key]
    if libraries:
        lines.append("libraries:")
        for lib in libraries:
            lines.append("  - {%s}" % ", ".join("%s: %s" % (k, _yaml(v)) for k, v in lib.items()))
    lines.extend("%s: %s" % kv for kv in extra.items())
    return FrameworkConfig.from_yaml("\n".join(lines) + "\n")


def _yaml(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "{%s}" % ", ".join("%s: %s" % (k, _yaml(v)) for k, v in value.items())
    return '"%s"' % value


def _lib(path="shared", repository=REPO, checkout="main", **more):
    return dict({"path": path, "repository": repository, "checkout": checkout}, **more)


def assert_valid(doc):
    """``doc`` matches the plan document's schema (``plan-1.0.schema.json``)."""
    import json
    import os
    import jsonschema
    import dataiku_framework
    path = os.path.join(os.path.dirname(dataiku_framework.__file__), "schema", "plan-1.0.schema.json")
    with open(path, encoding="utf-8") as handle:
        errors = list(jsonschema.Draft202012Validator(json.load(handle)).iter_errors(doc))
    assert not errors, [e.message for e in errors]


def _entry(plan, address):
    found = [c for c in plan.doc["resource_changes"] if c["address"] == address]
    return found[0] if found else None


def _refs(client, key):
    return client.get_project(key).get_project_git().list_libraries()["gitReferences"]


def _calls(emu, method, part):
    return [e for e in emu.stats.snapshot()["log"] if e["method"] == method and part in e["path"]]


def test_plan_creates_in_config_terms(engine):
    plan = engine.plan(_config(_key(), _lib(path_in_repository="python/tools")))
    entry = _entry(plan, "git_library.shared")
    assert entry["action"] == "create"
    assert [(c["path"], c["after"]) for c in entry["changes"]] == [
        ("repository", REPO), ("checkout", "main"), ("path_in_repository", "python/tools")]
    assert "project" in entry["depends_on"]
    assert_valid(plan.doc)  # the plan document's schema (format 1.3) knows the kind and its addresses


def test_apply_adds_with_one_post_then_replans_clean(emu, client, engine):
    key = _key()
    config = _config(key, _lib(path_in_repository="python/tools"), _lib("other/lib", OTHER, "v1.2"))
    result = engine.apply(config)
    assert result.succeeded, result.summary()
    refs = _refs(client, key)
    assert refs["shared"]["remote"] == REPO and refs["shared"]["remotePath"] == "python/tools"
    assert refs["other/lib"]["checkout"] == "v1.2"
    assert len(_calls(emu, "POST", "/lib-git-refs")) == 2
    again = engine.plan(config)
    assert not again.has_changes
    assert _entry(again, "git_library.other/lib")["action"] == "no-op"


def test_one_field_changed_is_one_put(emu, client, engine):
    key = _key()
    assert engine.apply(_config(key, _lib())).succeeded
    changed = _config(key, _lib(checkout="release"))
    entry = _entry(engine.plan(changed), "git_library.shared")
    assert entry["action"] == "update"
    assert [(c["path"], c["before"], c["after"]) for c in entry["changes"]] == [("checkout", "main", "release")]
    emu.stats.reset()
    assert engine.apply(changed).succeeded
    assert len(_calls(emu, "PUT", "/lib-git-refs/shared")) == 1
    assert _refs(client, key)["shared"]["checkout"] == "release"
    assert not engine.plan(changed).has_changes


def test_drift_after_a_dss_edit(client, engine):
    key = _key()
    config = _config(key, _lib())
    assert engine.apply(config).succeeded
    client.get_project(key).get_project_git().set_library("shared", REPO, "", "hotfix")
    plan = engine.drift(config)
    assert plan.has_drift
    assert [(d["address"], d["path"], d["after"]) for d in plan.doc["drift"]] == [
        ("git_library.shared", "checkout", "hotfix")]


def test_a_reference_made_in_dss_is_listed_unmanaged_and_never_deleted(client, engine):
    key = _key()
    assert engine.apply(_config(key, _lib())).succeeded
    client.get_project(key).get_project_git().add_library(OTHER, "by_hand", "main")
    plan = engine.plan(_config(key, _lib()), allow_delete=True)
    assert "git_library.by_hand" in [u["address"] for u in plan.doc["unmanaged"]]
    assert all(c["action"] == "no-op" for c in plan.doc["resource_changes"])


def test_a_plan_naming_no_library_pays_no_request_for_them(emu, client, engine):
    """Listed only when the configuration names libraries or the state knows some: a project without
    any is planned with the requests it had before the kind."""
    key = _key()
    assert engine.apply(_config(key)).succeeded
    emu.stats.reset()
    assert not engine.plan(_config(key)).has_changes
    assert _calls(emu, "GET", "/lib-git-refs") == []


def test_removed_from_the_config_is_deleted_only_when_allowed(client, engine):
    key = _key()
    assert engine.apply(_config(key, _lib())).succeeded
    kept = engine.plan(_config(key))
    assert [n["address"] for n in kept.doc["not_deleted"]] == ["git_library.shared"]
    assert "--allow-delete" in kept.doc["not_deleted"][0]["reason"]  # listed (the state knows it), not "gone"
    assert engine.apply(_config(key)).succeeded
    assert "shared" in _refs(client, key)
    assert engine.apply(_config(key), allow_delete=True).succeeded
    assert "shared" not in _refs(client, key)
    assert client.get_project(key).get_library().get_folder("/shared") is not None  # its folder is kept


def test_drop_data_on_destroy_removes_its_folder(client, engine):
    key = _key()
    assert engine.apply(_config(key, _lib(lifecycle={"drop_data_on_destroy": True}))).succeeded
    library = client.get_project(key).get_library()
    assert library.get_folder("/shared") is not None
    plan = engine.plan(_config(key), allow_delete=True)
    assert "its data is deleted too" in _entry(plan, "git_library.shared")["reason"]
    assert engine.apply(_config(key), allow_delete=True).succeeded
    assert "shared" not in _refs(client, key)
    assert client.get_project(key).get_library().get_folder("/shared") is None


def test_refresh_on_apply_pulls_only_the_references_asking_for_it(emu, client, engine):
    key = _key()
    assert engine.apply(_config(key, _lib(refresh_on_apply=True), _lib("quiet", OTHER))).succeeded
    resets = _calls(emu, "POST", "/lib-git-refs/action/reset")
    assert resets == []  # just created: the create pulled it
    emu.stats.reset()
    config = _config(key, _lib(refresh_on_apply=True), _lib("quiet", OTHER, "v2"))
    plan = engine.plan(config)
    assert [c["path"] for c in _entry(plan, "git_library.quiet")["changes"]] == ["checkout"]
    assert _entry(plan, "git_library.shared")["action"] == "no-op"  # the switch is never a plan change
    assert engine.apply(config).succeeded
    resets = [e for e in _calls(emu, "POST", "/lib-git-refs/action/reset")]
    assert len(resets) == 1
    emu.stats.reset()
    assert engine.apply(config).succeeded  # nothing changed: nothing pulled
    assert _calls(emu, "POST", "/lib-git-refs/action/reset") == []


def test_import_round_trip_and_adopt(emu, client, engine, tmp_path):
    key = _key()
    assert engine.apply(_config(key, _lib(path_in_repository="py"), _lib("b", OTHER, "v1"))).succeeded
    imported = import_project(client, key)
    assert imported.doc["libraries"] == [
        {"path": "b", "repository": OTHER, "checkout": "v1"},
        {"path": "shared", "repository": REPO, "checkout": "main", "path_in_repository": "py"}]
    assert not engine.plan(imported.config).has_changes
    assert import_project(client, key, include=["project"]).doc.get("libraries") is None
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(["import", key, "--out", str(tmp_path), "--adopt", "--host", emu.url, "--api-key", ADMIN_KEY])
    assert code == 0, err.getvalue()
    state = StateStore(client, key).read()
    assert state.resources["git_library.b"]["canonical"] == {"repository": OTHER, "checkout": "v1",
                                                             "path_in_repository": ""}
    assert state.resources["git_library.shared"]["created_by_tool"] is False
    written = FrameworkConfig.from_yaml(str(tmp_path / ("%s.yaml" % key)))
    assert [lib.path for lib in written.libraries] == ["b", "shared"]


def _errors(text):
    from dataiku_framework.config.diagnostics import ConfigError
    with pytest.raises(ConfigError) as error:
        FrameworkConfig.from_yaml(text)
    return [(d.path, d.summary) for d in error.value.diagnostics if d.is_error]


def test_two_libraries_at_one_path_is_a_validation_error():
    errors = _errors('version: "1.0"\nproject: {key: A}\nlibraries:\n'
                     '  - {path: shared, repository: "%s", checkout: main}\n'
                     '  - {path: shared, repository: "%s", checkout: v1}\n' % (REPO, OTHER))
    assert errors == [("libraries[1].path", "duplicate library path 'shared' (already used by libraries[0] at line 4)")]


def test_a_path_dss_would_spell_otherwise_is_refused():
    """DSS files ``/shared/`` as ``shared``: accepted, it would plan a change on every run."""
    errors = _errors('version: "1.0"\nproject: {key: A}\nlibraries:\n'
                     '  - {path: /shared/, repository: "%s", checkout: main}\n' % REPO)
    assert [path for path, _ in errors] == ["libraries[0].path"]


def test_a_failed_pull_after_the_apply_is_a_warning_not_a_failed_apply(emu, client, engine, caplog):
    """The configuration was applied and recorded: a pull DSS refuses afterwards (the remote down)
    is named in a warning, and the apply stands."""
    key = _key()
    assert engine.apply(_config(key, _lib(refresh_on_apply=True), _lib("quiet", OTHER))).succeeded
    config = _config(key, _lib(refresh_on_apply=True), _lib("quiet", OTHER, "v2"))
    emu.faults.configure({"fail_nth_read": 1, "fail_count": 5, "path_contains": "/action/reset"})
    with caplog.at_level("WARNING"):
        result = engine.apply(config)
    assert result.succeeded, result.summary()
    assert _refs(client, key)["quiet"]["checkout"] == "v2"
    assert [r.getMessage() for r in caplog.records if "shared" in r.getMessage() and "pull" in r.getMessage()]
    assert not engine.plan(config).has_changes
