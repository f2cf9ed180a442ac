"""The import's ways in and options: the CLI (--out, --include, --split, --from-export, --adopt), the
Python API, the plugin macro; and what is left out (named, never fatal)."""
import io
import os
import runpy
import sys
from contextlib import redirect_stderr, redirect_stdout

import pytest

from emusupport import ADMIN_KEY, ROOT
from import_support import ALL_KINDS, FIXTURE_KEYS
from plan_support import bootstrap, client_of, examples_emulator

from dataiku_framework import Engine, FrameworkConfig
from dataiku_framework.cli import main
from dataiku_framework.importer import import_export, import_project, render
from dataiku_framework.state import ProjectLock, StateStore


@pytest.fixture(scope="module")
def emu():
    emulator = examples_emulator()
    bootstrap(client_of(emulator), FrameworkConfig.from_yaml(ALL_KINDS))
    yield emulator
    emulator.stop()


@pytest.fixture(scope="module")
def dss(emu):
    return client_of(emu)


def run_cli(emu, *argv):
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(list(argv) + (["--host", emu.url, "--api-key", ADMIN_KEY] if "--from-export" not in argv else []))
    return code, out.getvalue(), err.getvalue()


def test_cli_writes_the_yaml_and_code_files_and_says_what_it_did(emu, tmp_path):
    code, out, err = run_cli(emu, "import", "ALL_KINDS", "--out", str(tmp_path))
    assert (code, err) == (0, "")
    assert out.startswith("Imported ALL_KINDS: ")
    assert (tmp_path / "ALL_KINDS.yaml").is_file()
    assert (tmp_path / "recipes" / "clean_events.py").read_text() == "import dataiku\n# clean the events\n"
    assert "Scenario().build_dataset" in (tmp_path / "scenarios" / "python_job.py").read_text()
    config = FrameworkConfig.from_yaml(str(tmp_path / "ALL_KINDS.yaml"))
    assert config.find("recipes", "clean_events").code_file == "recipes/clean_events.py"
    assert config.find("recipes", "by_day").keys == ["day"]  # readable keys, not the raw payload
    assert config.project.variables["local"] == {"debug": "true"}


def test_cli_include_limits_the_kinds_and_reads_less(emu, tmp_path):
    emu.stats.reset()
    code, out, _ = run_cli(emu, "import", "ALL_KINDS", "--out", str(tmp_path), "--include", "datasets,zones")
    assert code == 0
    requests = emu.stats.snapshot(with_log=False)["requests"]
    config = FrameworkConfig.from_yaml(str(tmp_path / "ALL_KINDS.yaml"))
    assert config.recipes == [] and config.scenarios == [] and config.managed_folders == []
    assert {d.name for d in config.datasets} >= {"raw_events", "customers"} and config.zones
    assert config.project.variables is None or config.project.variables == {}
    assert "# Not imported (--include): project, variables, managed_folders, recipes, scenarios, code_envs, " \
        "libraries, exposed, project_folder." in \
        (tmp_path / "ALL_KINDS.yaml").read_text()
    assert requests < 20  # no recipe or scenario read


def test_cli_rejects_unknown_kinds_and_adopt_from_an_export(emu, tmp_path):
    assert run_cli(emu, "import", "ALL_KINDS", "--out", str(tmp_path), "--include", "dashboards")[0] == 64
    code, _, err = run_cli(emu, "import", "X", "--out", str(tmp_path), "--from-export", str(tmp_path), "--adopt")
    assert code == 64 and "--adopt" in err


def test_cli_missing_project_exits_1(emu, tmp_path):
    code, _, err = run_cli(emu, "import", "NO_SUCH_PROJECT", "--out", str(tmp_path))
    assert code == 1 and "NO_SUCH_PROJECT" in err


def test_split_files_join_by_include_and_load_the_same_configuration(dss, tmp_path):
    imported = import_project(dss, "ALL_KINDS")
    files = render(imported, split=True)
    assert sorted(p for p in files if p.endswith(".yaml")) == [
        "ALL_KINDS.datasets.yaml", "ALL_KINDS.managed_folders.yaml", "ALL_KINDS.recipes.yaml",
        "ALL_KINDS.scenarios.yaml", "ALL_KINDS.yaml"]
    assert "include:\n" in files["ALL_KINDS.yaml"]
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    split = FrameworkConfig.from_yaml(str(tmp_path / "ALL_KINDS.yaml"))
    assert split.resolved().to_dict() == imported.config.resolved().to_dict()
    assert not Engine(client=dss).plan(split).has_changes


def test_large_projects_split_on_their_own(monkeypatch, dss):
    from dataiku_framework.importer import output as write_module
    imported = import_project(dss, "ALL_KINDS")
    assert "include:\n" not in render(imported)["ALL_KINDS.yaml"]
    monkeypatch.setattr(write_module, "SPLIT_ABOVE", 5)
    assert "include:\n" in render(imported)["ALL_KINDS.yaml"]


def test_python_api(dss, tmp_path):
    config = FrameworkConfig.from_project(dss, "ALL_KINDS")
    assert config.project.key == "ALL_KINDS" and not Engine(client=dss).plan(config).has_changes
    archive = tmp_path / "export.zip"
    with dss.get_project("ALL_KINDS").get_export_stream() as stream:
        archive.write_bytes(stream.read())
    exported = FrameworkConfig.from_export(str(archive))
    assert [d.name for d in exported.datasets] == [d.name for d in config.datasets]


def test_config_module_does_not_import_dataikuapi():
    code = ("import sys; sys.path.insert(0, %r); import dataiku_framework.config.schema; "
            "print('dataikuapi' in sys.modules)" % os.path.join(ROOT, "python-lib"))
    import subprocess
    out = subprocess.run([sys.executable, "-c", code], stdout=subprocess.PIPE, universal_newlines=True)
    assert out.stdout.strip() == "False"


def test_adopt_records_every_resource_as_managed_without_changing_dss(emu, dss, tmp_path):
    emu.stats.reset()
    code, out, err = run_cli(emu, "import", "ALL_KINDS", "--out", str(tmp_path), "--adopt")
    assert (code, err) == (0, ""), err
    assert "Adopted" in out
    state = StateStore(dss, "ALL_KINDS").read()
    config = FrameworkConfig.from_yaml(str(tmp_path / "ALL_KINDS.yaml"))
    plan = Engine(client=dss).plan(config)
    assert set(state.resources) == {rc.address for rc in plan.resource_changes}
    for rc in plan.resource_changes:
        entry = state.resources[rc.address]
        assert entry["created_by_tool"] is False and entry["canonical"] == rc.after
    writes = [e for e in emu.stats.snapshot()["log"] if e.get("method") not in ("GET", None)]
    assert all("/libraries/" in e.get("path", "") or "lock" in e.get("path", "") or "git" in e.get("path", "")
               for e in writes), writes  # only the state and the lock (project library) were written
    assert not plan.has_changes


def test_adopt_waits_for_nobody_when_the_project_is_locked(emu, dss, tmp_path):
    lock = ProjectLock(dss, "ALL_KINDS", operation="apply", settle=0)
    lock.acquire()
    try:
        code, _, err = run_cli(emu, "import", "ALL_KINDS", "--out", str(tmp_path), "--adopt")
    finally:
        lock.release()
    assert code == 1 and "lock" in err.lower()


def test_what_cannot_be_expressed_is_left_out_and_named_never_fatal(emu, dss):
    project = dss.get_project("ALL_KINDS")
    odd = project.create_scenario("Nightly report", "step_based")
    weird = dss.get_project("ALL_KINDS").create_scenario("follows", "step_based")
    s = weird.get_settings()
    s.get_raw()["triggers"] = [{"type": "follow_scenariorun", "params": {"scenarioId": "nightly"}, "active": True}]
    s.save()
    try:
        imported = import_project(dss, "ALL_KINDS")
        reasons = {(kind, name): why for kind, name, why in imported.left_out}
        assert "not one the configuration language accepts" in reasons[("scenario", "Nightly report")]
        assert "follow_scenariorun" in reasons[("scenario", "follows")]
        head = render(imported)["ALL_KINDS.yaml"].split("version:")[0]
        assert "#   - scenario Nightly report:" in head and "#   - scenario follows:" in head
        assert not Engine(client=dss).plan(imported.config).has_changes
    finally:
        odd.delete()
        weird.delete()


def test_export_macro_writes_the_files_into_a_created_then_reused_folder(emu, dss, monkeypatch):
    standin = os.path.join(ROOT, "tests", "python", "plugin", "standin")
    for name in [n for n in sys.modules if n == "dataiku" or n.startswith("dataiku.")]:
        del sys.modules[name]
    monkeypatch.syspath_prepend(standin)
    monkeypatch.setenv("DKU_STANDIN_URL", emu.url)
    monkeypatch.setenv("DKU_STANDIN_API_KEY", ADMIN_KEY)
    monkeypatch.setenv("DKU_CURRENT_PROJECT_KEY", "ALL_KINDS")
    runnable = runpy.run_path(os.path.join(ROOT, "python-runnables", "export-project-yaml", "runnable.py"))
    try:
        page = runnable["MyRunnable"]("ALL_KINDS", {"path": "config"}, {}).run(lambda *a: None)
        assert "Imported ALL_KINDS" in page and "new managed folder" in page
        folder = next(f for f in dss.get_project("ALL_KINDS").list_managed_folders() if f["name"] == "project_yaml")
        handle = dss.get_project("ALL_KINDS").get_managed_folder(folder["id"])
        paths = {f["path"] for f in handle.list_contents()["items"]}
        assert {"/config/ALL_KINDS.yaml", "/config/recipes/clean_events.py", "/config/scenarios/python_job.py"} <= paths
        page = runnable["MyRunnable"]("ALL_KINDS", {"folder": folder["id"], "split": True}, {}).run(lambda *a: None)
        assert "new managed folder" not in page
        paths = {f["path"] for f in handle.list_contents()["items"]}
        assert "/ALL_KINDS.datasets.yaml" in paths
    finally:
        for name in [n for n in sys.modules if n == "dataiku" or n.startswith("dataiku.")]:
            del sys.modules[name]
        for f in dss.get_project("ALL_KINDS").list_managed_folders():
            if f["name"] == "project_yaml":
                dss.get_project("ALL_KINDS").get_managed_folder(f["id"]).delete()


def test_cli_from_export_needs_no_dss(tmp_path):
    folder = list(FIXTURE_KEYS.values())[1]
    code, out, err = run_cli(None, "import", "TITANIC", "--out", str(tmp_path), "--from-export", folder)
    assert (code, err) == (0, "")
    assert (tmp_path / "TITANIC.yaml").read_text() == render(import_export(folder, "TITANIC"))["TITANIC.yaml"]


def test_an_object_dss_cannot_serve_is_left_out_not_fatal(dss, monkeypatch):
    from dataiku_framework.resources.recipe import RecipeResource  # the import reads recipes through it
    real = RecipeResource.detail

    def failing(self, project, name, snap):
        if name == "sample_events":
            raise RuntimeError("DSS answered 500 for this recipe")
        return real(self, project, name, snap)
    monkeypatch.setattr(RecipeResource, "detail", failing)
    imported = import_project(dss, "ALL_KINDS")
    reasons = {(kind, name): why for kind, name, why in imported.left_out}
    assert "could not be read (DSS answered 500 for this recipe)" in reasons[("recipe", "sample_events")]
    assert imported.config.find("recipes", "sample_events") is None
    assert imported.config.find("recipes", "by_day") is not None
    assert not Engine(client=dss).plan(imported.config).has_changes


def test_credentials_never_reach_the_yaml(dss):
    """A dataset or a variable holding a credential-named value is left out (the language refuses
    secrets), the recipes reading it name it as external, and the rest imports."""
    project = dss.get_project("ALL_KINDS")
    project.create_dataset("with_secret", "Filesystem", params={"connection": "filesystem_root", "path": "/s",
                                                               "password": "hunter2-hunter2"}, formatType="csv")
    variables = project.get_variables()
    variables["standard"]["api_token"] = "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"
    project.set_variables(variables)
    try:
        imported = import_project(dss, "ALL_KINDS")
        kinds = {(kind, name) for kind, name, _ in imported.left_out}
        assert ("dataset", "with_secret") in kinds and ("project variables", "ALL_KINDS") in kinds
        text = "".join(render(imported).values())
        assert "hunter2" not in text and "ghp_" not in text
        assert imported.config.find("datasets", "raw_events") is not None
        assert not Engine(client=dss).plan(imported.config).has_changes
    finally:
        del variables["standard"]["api_token"]
        project.set_variables(variables)
        project.get_dataset("with_secret").delete()
