"""The harness of ``make test-dss`` itself, so that it cannot rot while nobody runs it on a real DSS.

``dssbackend`` reads the instance from the environment (``DKU_DSS_URL``/``DKU_API_KEY``, or the JSON
file of dataiku-plugin-tests-utils). The end-to-end tests start an emulator as a separate process
standing for "the real instance": the backend-neutral tests reach it through its URL and key only,
in a pytest subprocess with ``DSS_FRAMEWORK_BACKEND=dss``; ``emulator_only`` tests are skipped there,
and no throwaway project is left behind, even by a failing test.
"""
import json
import os
import secrets
import subprocess
import sys
import textwrap

import dataikuapi
import pytest
import requests

from dssbackend import KEY_PREFIX, BackendError, backend_name, instance_of

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))
LIB = os.path.join(ROOT, "python-lib")
MAIN_LOOP = os.path.join(HERE, "test_dss_main_loop.py")


def _instance_file(tmp_path, content):
    path = tmp_path / "instance_config.json"
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    return str(path)


def test_dku_variables_name_the_instance_before_the_instance_file(tmp_path):
    env = {"DKU_DSS_URL": "https://dss.example:11200/", "DKU_API_KEY": "k1",
           "PLUGIN_INTEGRATION_TEST_INSTANCE": _instance_file(tmp_path, "not read")}
    assert instance_of(env) == ("https://dss.example:11200", "k1", "DKU_DSS_URL")


def test_the_instance_file_gives_the_admin_key_of_the_chosen_target(tmp_path):
    path = _instance_file(tmp_path, {
        "DSS12": {"url": "http://a:1", "users": {"usrA": "ka", "admin": "kadmin", "default": "usrA"}},
        "DSS13": {"url": "http://b:2/", "users": {"admin": "kb", "default": "admin"}}})
    assert instance_of({"PLUGIN_INTEGRATION_TEST_INSTANCE": path}) == (
        "http://a:1", "kadmin", "PLUGIN_INTEGRATION_TEST_INSTANCE")
    chosen = {"PLUGIN_INTEGRATION_TEST_INSTANCE": path, "DSS_FRAMEWORK_DSS_TARGET": "DSS13"}
    assert instance_of(chosen)[:2] == ("http://b:2", "kb")


def test_the_instance_file_falls_back_to_the_default_user(tmp_path):
    path = _instance_file(tmp_path, {"DSS": {"url": "http://a:1", "users": {"ops": "kops", "default": "ops"}}})
    assert instance_of({"PLUGIN_INTEGRATION_TEST_INSTANCE": path})[1] == "kops"


@pytest.mark.parametrize("content, message", [
    ("{not json", "not JSON"),
    ({}, 'expected {"TARGET"'),
    ({"DSS": {"users": {"admin": "k"}}}, 'needs "url" and "users"'),
    ({"DSS": {"url": "http://a:1", "users": {"usrA": "k", "default": "nobody"}}}, 'needs an "admin" user'),
])
def test_a_bad_instance_file_is_one_clear_line(tmp_path, content, message):
    path = _instance_file(tmp_path, content)
    with pytest.raises(BackendError, match="PLUGIN_INTEGRATION_TEST_INSTANCE=.*: .*") as caught:
        instance_of({"PLUGIN_INTEGRATION_TEST_INSTANCE": path})
    assert message in str(caught.value) and "\n" not in str(caught.value)


@pytest.mark.parametrize("env, message", [
    ({}, "needs DKU_DSS_URL and DKU_API_KEY, or PLUGIN_INTEGRATION_TEST_INSTANCE"),
    ({"DKU_DSS_URL": "http://a:1"}, "set both DKU_DSS_URL and DKU_API_KEY"),
    ({"PLUGIN_INTEGRATION_TEST_INSTANCE": "/nonexistent/instance.json"}, "cannot read it"),
])
def test_a_real_backend_without_an_instance_says_what_to_set(env, message):
    with pytest.raises(BackendError, match=message):
        instance_of(env)


def test_the_backend_is_the_emulator_unless_dss_is_asked():
    assert backend_name({}) == "emulator" and backend_name({"DSS_FRAMEWORK_BACKEND": "DSS"}) == "dss"
    with pytest.raises(BackendError, match="expected 'emulator' or 'dss'"):
        backend_name({"DSS_FRAMEWORK_BACKEND": "staging"})


@pytest.fixture(scope="module")
def real_instance():
    """An emulator in a process of its own, known only by its URL and a key made for this run."""
    key = "real-%s" % secrets.token_hex(8)
    process = subprocess.Popen([sys.executable, "-m", "dss_emulator", "serve", "--port", "0", "--api-key",
                                "%s:admin" % key], env=dict(os.environ, PYTHONPATH=LIB),
                               stdout=subprocess.PIPE, text=True)
    try:
        line = process.stdout.readline()
        assert line.startswith("DSS emulator listening on "), line
        yield line.split()[-1], key
    finally:
        process.terminate()
        process.wait(timeout=30)


def _pytest_on(instance, args, extra_env):
    """The tests ``args`` in a pytest subprocess with the real backend, the instance named by ``extra_env``."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("DSS_FRAMEWORK_", "DKU_", "PYTEST_", "PLUGIN_INTEGRATION"))}
    env.update(extra_env, DSS_FRAMEWORK_BACKEND="dss",
               PYTHONPATH=os.pathsep.join([LIB, HERE, os.path.dirname(HERE)]))
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-n", "0", "-q", "-rs"] + args,
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)


def _left_on(instance):
    url, key = instance
    return [k for k in dataikuapi.DSSClient(url, key).list_project_keys() if k.startswith(KEY_PREFIX)]


def _project_deletes(instance):
    """How many DELETE of a project the instance answered (its own request counters)."""
    url, key = instance
    stats = requests.get(url + "/__emulator__/stats", auth=(key, ""), timeout=30).json()
    return sum(n for route, n in stats["by_route"].items()
               if route.startswith("DELETE ") and route.rstrip("/").endswith("/projects/{projectKey}"))


def test_the_main_loop_runs_against_an_instance_named_by_url_and_key_only(real_instance):
    url, key = real_instance
    run = _pytest_on(real_instance, [MAIN_LOOP], {"DKU_DSS_URL": url, "DKU_API_KEY": key})
    assert run.returncode == 0, run.stdout + run.stderr
    assert "7 passed, 1 skipped" in run.stdout, run.stdout
    assert "emulator_only: needs the emulator's control API" in run.stdout
    assert _left_on(real_instance) == []
    assert _project_deletes(real_instance) >= 7  # each test's throwaway projects went through this instance


def test_the_instance_file_of_plugin_tests_utils_names_the_instance(real_instance, tmp_path):
    url, key = real_instance
    path = _instance_file(tmp_path, {"STAGING": {"url": url, "users": {"admin": key, "default": "admin"}}})
    run = _pytest_on(real_instance, [MAIN_LOOP, "-k", "one_changed or failed_write"],
                     {"PLUGIN_INTEGRATION_TEST_INSTANCE": path})
    assert run.returncode == 0, run.stdout + run.stderr
    assert "1 passed, 1 skipped" in run.stdout, run.stdout


def test_a_failing_test_still_deletes_its_throwaway_project(real_instance, tmp_path):
    url, key = real_instance
    failing = tmp_path / "test_fails_midway.py"
    failing.write_text(textwrap.dedent("""\
        def test_fails_midway(dss_client, new_key):
            key = new_key("FAILS")
            dss_client.create_project(key, "fails midway", "admin")
            assert key in dss_client.list_project_keys()
            raise AssertionError("failing on purpose, after creating " + key)


        def test_the_next_test_finds_it_gone(dss_client):
            assert [k for k in dss_client.list_project_keys() if k.startswith("%s")] == []
        """ % KEY_PREFIX))
    run = _pytest_on(real_instance, ["-p", "dss_fixtures", str(failing), "--rootdir", str(tmp_path)],
                     {"DKU_DSS_URL": url, "DKU_API_KEY": key})
    assert run.returncode == 1 and "failing on purpose, after creating %s_" % KEY_PREFIX in run.stdout, run.stdout
    assert "1 failed, 1 passed" in run.stdout, run.stdout  # deleted at the test's end, not only the session's
    assert _left_on(real_instance) == []


def test_a_refused_key_stops_the_session_with_one_line(real_instance):
    url, _ = real_instance
    run = _pytest_on(real_instance, [MAIN_LOOP], {"DKU_DSS_URL": url, "DKU_API_KEY": "not-a-key"})
    assert run.returncode == pytest.ExitCode.USAGE_ERROR, run.stdout + run.stderr
    assert "dss-framework test backend: cannot use the DSS at %s (from DKU_DSS_URL)" % url in run.stdout + run.stderr
    assert "not-a-key" not in run.stdout + run.stderr
