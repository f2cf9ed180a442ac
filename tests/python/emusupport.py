"""Constants and helpers shared by the test suites (importable as ``emusupport``).

Keys are test-only values. ``admin`` is a DSS administrator, ``analyst`` an ordinary user in
group ``data_team``, ``reader`` a read-only user in group ``readers``.
"""
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "python-lib"))

from dss_emulator import Emulator  # noqa: E402

ADMIN_KEY = "test-admin-key"
ANALYST_KEY = "test-analyst-key"
READER_KEY = "test-reader-key"
#: The shared reference folder (wire captures, extra exports): ``../shared`` next to the repository,
#: or ``$DSS_FRAMEWORK_SHARED``. Optional: what the tests need is carried in ``tests/fixtures``.
SHARED = os.environ.get("DSS_FRAMEWORK_SHARED") or os.path.join(os.path.dirname(ROOT), "shared")
#: DSS project exports carried by the repository (see its README): every test can use them.
EXPORTS_IN_REPO = os.path.join(ROOT, "tests", "fixtures", "dss-exports")
SHARED_EXPORTS = os.path.join(SHARED, "fixtures", "dss-exports")


def export_dir(name):
    """The export folder ``name`` (holding ``project_config/``): the repository's copy, else the
    shared one; None when neither has it (only the shared folder's extras can be missing)."""
    for base in (EXPORTS_IN_REPO, SHARED_EXPORTS):
        if os.path.isfile(os.path.join(base, name, "project_config", "params.json")):
            return os.path.join(base, name)
    return None


def export_dirs():
    """Every export folder, by name: the repository's, then the shared extras it does not carry."""
    names = set()
    for base in (EXPORTS_IN_REPO, SHARED_EXPORTS):
        if os.path.isdir(base):
            names.update(n for n in os.listdir(base) if export_dir(n))
    return [export_dir(n) for n in sorted(names)]


def make_emulator(**kwargs):
    keys = {ADMIN_KEY: "admin", ANALYST_KEY: "analyst", READER_KEY: "reader"}
    keys.update(kwargs.pop("api_keys", {}))
    conns = {"snowflake_prod": "Snowflake", "pg": "PostgreSQL"}
    conns.update(kwargs.pop("connections", {}))
    return Emulator(api_keys=keys, connections=conns, **kwargs).start()


def fs_dataset(project, name):
    """A plain Filesystem dataset on the managed connection, created through the client."""
    return project.create_dataset(name, "Filesystem", params={"connection": "filesystem_managed", "path": name},
                                  formatType="csv")


def assert_put_replaces(project, settings_of, path):
    """Issue 6 §3 on one object: a PUT of ``path`` drops the keys its body leaves out and ignores
    client-sent stamps (version 2, stamped by the caller). ``settings_of()`` reads the settings."""
    s = settings_of()
    s.get_raw()["description"] = "d"
    s.get_raw()["customFields"] = {"k": 1}
    s.save()
    raw = settings_of().get_raw()
    del raw["description"], raw["customFields"]
    raw["versionTag"] = {"versionNumber": 99, "lastModifiedBy": {"login": "mallory"}, "lastModifiedOn": 1}
    project.client._perform_json("PUT", path, body=raw)
    stored = settings_of().get_raw()
    assert "description" not in stored and "customFields" not in stored
    assert stored["versionTag"]["versionNumber"] == 2 and stored["versionTag"]["lastModifiedBy"] == {"login": "admin"}
    return stored


#: one project-level setting of the configuration language per case (every property of the schema's
#: ``Project`` but ``key``): the first-apply tests run each through every face (engine, CLI, plugin)
PROJECT_KEY_CASES = {
    "name": "name: Brand new",
    "description": "description: a new project",
    "short_desc": "short_desc: short",
    "tags": "tags: [new, first]",
    "variables_standard": "variables: {standard: {region: eu, batch: 10}}",
    "variables_local": "variables: {local: {debug: true}}",
    "permissions": "permissions: [{group: data_team, level: read}]",
    "settings": "settings: {flowBuildSettings: {mergeSparkPipelines: false}}",
    "git_commit_mode": "git_commit_mode: explicit",
    "disable_automatic_triggers": "disable_automatic_triggers: true",
    "owner": "owner: analyst",
    "lifecycle": "lifecycle: {prevent_destroy: true}",
    "code_envs": "code_envs: {python: builtin}",
    "folder": "folder: /Team/First apply",
}


def project_case_yaml(key, case):
    """A configuration of project ``key`` setting the one project key of ``PROJECT_KEY_CASES[case]``."""
    name = "" if case == "name" else "  name: First apply\n"
    return 'version: "1.0"\nproject:\n  key: %s\n%s  %s\n' % (key, name, PROJECT_KEY_CASES[case])


def read_until(fd, marker, limit=200):
    """What a pseudo-terminal's controller ``fd`` gave until ``marker`` showed (at most ``limit`` s)."""
    import select
    seen = b""
    for _ in range(limit):
        if marker in seen:
            return seen
        ready, _, _ = select.select([fd], [], [], 1.0)
        if ready:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
    raise AssertionError("never saw %r in:\n%s" % (marker, seen.decode("utf-8", "replace")))


def browser_headers(emulator, login, **extra):
    """The headers a browser logged in to DSS as ``login`` sends (a session cookie naming it), as a
    webapp backend forwards them to ``get_auth_info_from_browser_headers``. TEST-ONLY: the session is
    opened by the emulator's set-up helper, DSS opens it at login."""
    from dss_emulator.api.instance import SESSION_COOKIE, open_browser_session
    token = open_browser_session(emulator.instance, login)
    headers = {"Cookie": "other=1; %s=%s" % (SESSION_COOKIE, token), "User-Agent": "Mozilla/5.0 (test)"}
    headers.update(extra)
    return headers


def plugin_fixtures():
    """The plugin tests' conftest (fixtures ``dss``, ``configs``, ``deployed``), loaded once, for the
    suites that run plugin components exactly as the plugin tests do (plans, webapp): a conftest is not
    importable by name, and one copy keeps a single definition of each fixture."""
    import importlib.util
    name = "plugin_fixtures"
    if name not in sys.modules:
        plugin_tests = os.path.join(ROOT, "tests", "python", "plugin")
        if plugin_tests not in sys.path:  # its conftest imports plugin_support
            sys.path.insert(0, plugin_tests)
        spec = importlib.util.spec_from_file_location(name, os.path.join(plugin_tests, "conftest.py"))
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        sys.modules[name] = module
    return sys.modules[name]
