"""Issue 14 §3: every macro and step acts on the project it runs in.

The attack: ``analyst``, an ordinary user who may only write project P1, puts into P1's managed
folder a configuration naming project PB (owned by the administrator) that makes analyst its admin.
An administrator then runs a component in P1. PB must be untouched, the run refused naming both
keys; and no request may even mention PB. Acting on another project takes the explicit "Target
project" parameter, which the caller must administer.
"""
import os
import runpy
import textwrap

import pytest

from emusupport import ANALYST_KEY, ROOT
from plugin_support import parse_html
from dataiku_framework.apply.rollback import RollbackError
from dataiku_framework.plugin.scope import ForeignProject, NotProjectAdmin
from dataiku_framework.state import ProjectLock, read_lock

FOREIGN = "PB"
HIJACK = textwrap.dedent("""\
    version: "1.0"
    project:
      key: %s
      name: Hijacked
      permissions:
        - {user: analyst, level: admin}
    """)


def _macro(name, config, project_key="P1"):
    """Run macro ``name`` as DSS does: instantiate ``MyRunnable`` in ``project_key``, call ``run``."""
    runnable = runpy.run_path(os.path.join(ROOT, "python-runnables", name, "runnable.py"))["MyRunnable"](
        project_key, config, {})
    return runnable.run(lambda *a: None)


@pytest.fixture(autouse=True)
def _step_config(monkeypatch):
    """``_step`` sets the step's parameters in the environment: monkeypatch restores it after each test."""
    monkeypatch.setenv("DKU_STANDIN_STEP_CONFIG", "{}")


def _step(name, config):
    """Run step ``name`` as DSS does: a script reading its parameters from the environment."""
    import json
    os.environ["DKU_STANDIN_STEP_CONFIG"] = json.dumps(config)
    runpy.run_path(os.path.join(ROOT, "python-steps", name, "step.py"), run_name="__main__")


#: Every component that reads a configuration from a folder: (id, how to run it in P1 with params).
READERS = [
    ("validate-macro", lambda c: _macro("validate-config", c)),
    ("validate-step", lambda c: _step("validate-config", c)),
    ("plan-macro", lambda c: _macro("plan", c)),
    ("check-drift-step", lambda c: _step("check-drift", c)),
    ("apply-macro", lambda c: _macro("apply", c)),
    ("apply-step", lambda c: _step("apply-config", c)),
    ("apply-step-plan-only", lambda c: _step("apply-config", dict(c, mode="plan_only"))),
    ("apply-step-if-no-drift", lambda c: _step("apply-config", dict(c, mode="apply_if_no_drift"))),
]


@pytest.fixture
def foreign(client, project):
    """Project PB, owned by the administrator; analyst has no right on it. Returns its permissions."""
    client.create_project(FOREIGN, "Someone else's", "admin")
    return client.get_project(FOREIGN).get_permissions()


@pytest.fixture
def planted(dss, configs, client, analyst, foreign):
    """Analyst, a writer (not admin) of P1, writes a configuration naming PB into P1's folder."""
    p1 = client.get_project("P1")
    permissions = p1.get_permissions()
    permissions["permissions"].append({"user": "analyst", "readProjectContent": True, "writeProjectContent": True})
    p1.set_permissions(permissions)
    analyst.get_project("P1").get_managed_folder(configs.folder_id).put_file("project.yaml", HIJACK % FOREIGN)
    return configs


def _mentions(emulator, key):
    return [e["method"] + " " + e["path"] for e in emulator.stats.snapshot()["log"] if "/%s/" % key in e["path"]
            or e["path"].endswith("/" + key)]


@pytest.mark.parametrize("component", [r[1] for r in READERS], ids=[r[0] for r in READERS])
def test_a_config_naming_another_project_is_refused(component, planted, client, emulator, foreign):
    emulator.stats.reset()
    with pytest.raises(ForeignProject) as info:
        component({"folder": "configs"})
    message = str(info.value)
    assert message.startswith("error[plugin.foreign_project]: "), message  # every face shows its code
    assert "names project PB, but this component runs in project P1" in message, message
    assert "'Target project'" in message and "project.key in configuration 'project.yaml'" in message
    assert emulator.stats.writes == 0 and _mentions(emulator, FOREIGN) == []
    assert client.get_project(FOREIGN).get_permissions() == foreign


@pytest.mark.parametrize("component", [r[1] for r in READERS], ids=[r[0] for r in READERS])
def test_the_target_project_must_be_what_the_config_names(component, planted, client, emulator, foreign):
    """An administrator names target project PC: a file naming PB is refused, naming both keys; once
    the file names PC it is accepted (validated, planned, applied)."""
    client.create_project("PC", "Third", "admin")
    emulator.stats.reset()
    with pytest.raises(ForeignProject, match="names project PB, but the parameter 'Target project' of this "
                                             "component \\(run in project P1\\) is PC"):
        component({"folder": "configs", "target_project": " PC "})
    assert emulator.stats.writes == 0 and _mentions(emulator, FOREIGN) == []
    planted.upload("project.yaml", (HIJACK % "PC").replace("{user: analyst, level: admin}",
                                                           "{group: readers, level: read}"))
    try:
        component({"folder": "configs", "target_project": "PC"})
    except Exception as error:  # a step fails on drift or changes: never on the project's key
        assert not isinstance(error, (ForeignProject, NotProjectAdmin)), error
    assert client.get_project(FOREIGN).get_permissions() == foreign


def test_the_target_project_parameter_needs_admin_rights_on_it(planted, client, monkeypatch, emulator, foreign):
    """Analyst, admin of P1 and writer of PB, may not make the Apply macro act on PB."""
    for key, entry in (("P1", {"user": "analyst", "admin": True}),
                       (FOREIGN, {"user": "analyst", "readProjectContent": True, "writeProjectContent": True})):
        project = client.get_project(key)
        permissions = project.get_permissions()
        permissions["permissions"].append(entry)
        project.set_permissions(permissions)
    before = client.get_project(FOREIGN).get_permissions()
    monkeypatch.setenv("DKU_STANDIN_API_KEY", ANALYST_KEY)
    emulator.stats.reset()
    with pytest.raises(NotProjectAdmin, match="apply on project PB from project P1 \\(parameter 'Target project'\\) "
                                              "needs administrator rights on project PB: DSS user analyst"):
        _macro("apply", {"folder": "configs", "target_project": FOREIGN})
    assert emulator.stats.writes == 0 and client.get_project(FOREIGN).get_permissions() == before
    monkeypatch.setenv("DKU_STANDIN_API_KEY", "test-admin-key")
    page = _macro("apply", {"folder": "configs", "target_project": FOREIGN})  # an administrator of PB may
    assert "Apply complete" in page, page
    entries = client.get_project(FOREIGN).get_permissions()["permissions"]
    assert {"user": "analyst", "admin": True} in [{k: v for k, v in e.items() if k in ("user", "admin") and v}
                                                   for e in entries]


@pytest.mark.parametrize("name", ["rollback", "unlock", "export-project-yaml"])
def test_components_without_a_config_act_on_the_target_only_for_its_admins(name, dss, project, client, analyst,
                                                                           monkeypatch, foreign):
    """Rollback, Unlock and Export act on the project they run in; the target parameter moves them
    to another one only for a caller who administers it."""
    p1 = client.get_project("P1")
    permissions = p1.get_permissions()
    permissions["permissions"].append({"user": "analyst", "admin": True})
    p1.set_permissions(permissions)
    held = ProjectLock(client, FOREIGN, operation="apply", settle=0).acquire()
    monkeypatch.setenv("DKU_STANDIN_API_KEY", ANALYST_KEY)
    with pytest.raises(NotProjectAdmin, match="on project PB from project P1 \\(parameter 'Target project'\\)"):
        _macro(name, {"target_project": FOREIGN, "lock_id": held.id, "preview": False})
    assert read_lock(client, FOREIGN).doc.get("status") != "released"  # not released
    monkeypatch.setenv("DKU_STANDIN_API_KEY", "test-admin-key")
    params = {"target_project": FOREIGN, "lock_id": held.id, "preview": True}
    if name == "rollback":  # it reads PB's history, not P1's
        with pytest.raises(RollbackError, match="project PB has no apply in its history"):
            _macro(name, params)
        return
    texts = parse_html(_macro(name, params)).texts
    if name == "unlock":
        assert any(t.startswith("Released lock %s of project PB on http" % held.id) for t in texts), texts
    else:  # the export of PB, written into P1's folder
        [folder] = [f for f in p1.list_managed_folders() if f["name"] == "project_yaml"]
        handle = p1.get_managed_folder(folder["id"])
        [path] = [i["path"] for i in handle.list_contents()["items"] if i["path"].endswith(".yaml")]
        with handle.get_file(path) as answer:
            assert "key: PB\n" in answer.text, answer.text


def _first_line(page):
    """The first line a macro's HTML result shows (its first heading's text, unescaped)."""
    import html
    import re
    return html.unescape(re.sub("<[^>]+>", "", re.search("<h1[^>]*>(.*?)</h1>", page, re.S).group(1)))


def test_every_face_names_the_project_and_the_instance_first(dss, configs, client, emulator, capsys, monkeypatch):
    """Issue 14 §2: whatever the configuration names, the first line of each face says which project
    on which DSS instance the run is about: the macros' titles, the step logs and step failures."""
    where = "project CUSTOMER_ANALYTICS on %s" % emulator.url
    params = {"folder": "configs", "target_project": "CUSTOMER_ANALYTICS"}
    assert where in _first_line(_macro("plan", params))
    assert where in _first_line(_macro("apply", params))  # creates it
    assert where in _first_line(_macro("apply", params))  # nothing to change
    for name in ("rollback", "unlock"):
        first = _first_line(_macro(name, {"preview": True}, project_key="CUSTOMER_ANALYTICS"))
        assert where in first[0].lower() + first[1:], first
    configs.upload("project.yaml", "version: '1.0'\nproject: {key: CUSTOMER_ANALYTICS, name: x, bogus: 1}\n")
    assert where in _first_line(_macro("apply", params))  # invalid configuration
    assert where in _first_line(_macro("plan", params))
    capsys.readouterr()
    for step in ("apply-config", "check-drift"):
        with pytest.raises(Exception) as info:
            _step(step, params)
        first = str(info.value).splitlines()[0]
        assert where in first[0].lower() + first[1:], (step, first)
        assert where in capsys.readouterr().out.splitlines()[0], step


@pytest.mark.parametrize("component", [r[1] for r in READERS], ids=[r[0] for r in READERS])
def test_an_environment_overlay_cannot_move_the_project_either(component, dss, configs, client, emulator, foreign):
    """The key checked is the one the run would use: the base names P1, the ``prod`` overlay PB."""
    configs.upload("project.yaml", textwrap.dedent("""\
        version: "1.0"
        project: {key: P1, name: Project one}
        environments:
          prod:
            project: {key: PB}
        """))
    emulator.stats.reset()
    with pytest.raises(ForeignProject, match="project.key in configuration 'project.yaml' of managed folder 'configs' "
                                             "\\(environment prod\\) names project PB, but this component runs in "
                                             "project P1"):
        component({"folder": "configs", "environment": "prod"})
    assert emulator.stats.writes == 0 and _mentions(emulator, FOREIGN) == []
    assert client.get_project(FOREIGN).get_permissions() == foreign
