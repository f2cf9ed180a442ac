"""Issue 14 §10: one creation path. Projects are created and their settings written by apply alone
(the project and variables kinds, ``resources/project.py`` and ``resources/variables.py``); the tests
build their projects through it (``plan_support.bootstrap``), so the false-diff tests exercise the path users take. These tests fail if a second project-settings
write path reappears in the package, or if the test helper stops building projects by apply."""
import ast
import os

from plan_support import bootstrap, client_of, examples_emulator, load_example, plan

from sourcetrees import package_trees

from dataiku_framework.state import StateStore

#: the dataikuapi calls that write a project's metadata, variables or permissions
PROJECT_SETTING_WRITES = frozenset(["set_metadata", "set_variables", "set_permissions"])
#: the translations of project settings to DSS's form: compared and written by the project kind
PROJECT_SETTING_FORMS = frozenset(["project_settings", "permission_entry"])
#: the modules that write them (issue 17: each kind writes its own objects)
WRITER = os.path.join("resources", "project.py")
WRITERS = {WRITER, os.path.join("resources", "variables.py")}


def _called(tree, names, bare):
    """The names of ``names`` called in ``tree`` as an attribute (``module.f(...)``, ``client.f(...)``);
    with ``bare`` also by bare name (``from module import f; f(...)``) and imported by name
    (``from module import f``): a package function is mostly called that way, a ``dataikuapi`` method never."""
    called = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in names:
            called.add(node.func.attr)
        elif bare and isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in names:
            called.add(node.func.id)
        elif bare and isinstance(node, ast.ImportFrom):
            called.update(alias.name for alias in node.names if alias.name in names)
    return called


def _calls(names, bare=False):
    """{module path relative to the package: sorted names called} for ``names`` (see ``_called``)."""
    found = {}
    for path, tree in package_trees():
        called = _called(tree, names, bare)
        if called:
            found[path] = sorted(called)
    return found


def test_only_the_project_writer_writes_project_settings():
    writes = _calls(PROJECT_SETTING_WRITES)
    assert set(writes) == WRITERS, "project settings written outside %s: %s" % (sorted(WRITERS), writes)


def test_one_request_creates_projects():
    """Apply creates a missing project before its lock (which lives in the project) and the project
    kind creates a planned one: both through ``resources.project.create_project``, the one caller of DSS's."""
    creates = _calls(frozenset(["create_project"]))
    assert set(creates) == {WRITER}, "projects created outside %s: %s" % (WRITER, creates)


def _defined(names):
    """{module path relative to the package: sorted names} of the functions called ``names`` defined there."""
    found = {}
    for path, tree in package_trees():
        defined = {node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef) and node.name in names}
        if defined:
            found[path] = sorted(defined)
    return found


def test_project_settings_are_put_in_dss_form_only_by_the_resources():
    """The translations live in the project kind only (issue 17: no forwarder left in ``dss/translate.py``)
    and no module outside ``resources`` calls them through another module."""
    defined = _defined(PROJECT_SETTING_FORMS)
    assert defined.get(WRITER) == sorted(PROJECT_SETTING_FORMS), defined
    assert set(defined) == {WRITER}, defined
    forms = _calls(PROJECT_SETTING_FORMS, bare=True)
    assert WRITER in forms, "the project kind's own calls are not seen: %s" % forms  # the scan sees bare names
    outside = {path: names for path, names in forms.items() if not path.startswith("resources" + os.sep)}
    assert not outside, "project settings put in DSS form outside resources/: %s" % outside


def test_bootstrap_keeps_only_the_shared_creation_pieces():
    from dataiku_framework.dss import bootstrap as module
    homes = (module.__name__, "dataiku_framework.resources.")  # a piece moved to its kind module is still named here
    public = {name for name, value in vars(module).items()
              if callable(value) and not name.startswith("_") and getattr(value, "__module__", "").startswith(homes)}
    assert public == {"new_dataset", "new_recipe", "role_blocks", "write_payload"}


def test_the_test_helper_builds_projects_by_apply():
    """What ``bootstrap`` leaves is what apply leaves: one apply in the history, every resource
    recorded as created by the tool, and a plan of the same configuration has nothing to do."""
    emu = examples_emulator()
    try:
        client = client_of(emu)
        config = load_example("customer_analytics.yaml")
        result = bootstrap(client, config)
        state = StateStore(client, config.project.key).read()
        assert [entry["apply_id"] for entry in state.history] == [result.apply_id]
        assert state.resources["project"]["created_by_tool"] is True
        assert {r.address for r in result.results} == set(state.resources)
        assert not plan(client, config).has_changes
    finally:
        emu.stop()
