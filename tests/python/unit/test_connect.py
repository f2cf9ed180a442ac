"""Where the CLI finds DSS: arguments, DKU_* variables, DSS_* variables, ~/.dataiku/config.json — in that order."""
import json
import os

import pytest

from emusupport import ADMIN_KEY
from dataiku_framework.dss.connect import (InvalidCredentialsFile, MissingCredentials, client_from, connect,
                                           resolve_credentials)

ALL_VARS = ("DKU_DSS_URL", "DKU_API_KEY", "DSS_HOST", "DSS_API_KEY")


@pytest.fixture
def home(tmp_path, monkeypatch):
    """A temporary HOME with no DSS variables set; ``write(data)`` writes its ~/.dataiku/config.json."""
    monkeypatch.setenv("HOME", str(tmp_path))
    for name in ALL_VARS:
        monkeypatch.delenv(name, raising=False)

    class Home(object):
        path = str(tmp_path / ".dataiku" / "config.json")

        @staticmethod
        def write(data):
            os.makedirs(os.path.dirname(Home.path), exist_ok=True)
            with open(Home.path, "w") as handle:
                handle.write(data if isinstance(data, str) else json.dumps(data))
    return Home


def _instance_file(url, key, no_check=None, name="default"):
    instance = {"url": url, "api_key": key}
    if no_check is not None:
        instance["no_check_certificate"] = no_check
    return {"dss_instances": {name: instance, "other": {"url": "http://other", "api_key": "other-key"}},
            "default_instance": name}


def test_arguments_win_over_everything(home, monkeypatch):
    home.write(_instance_file("http://file", "file-key"))
    monkeypatch.setenv("DKU_DSS_URL", "http://dku")
    monkeypatch.setenv("DKU_API_KEY", "dku-key")
    monkeypatch.setenv("DSS_HOST", "http://dss")
    monkeypatch.setenv("DSS_API_KEY", "dss-key")
    creds = resolve_credentials("http://arg/", "arg-key")
    assert (creds.url, creds.api_key, creds.source) == ("http://arg", "arg-key", "--api-key")


def test_dku_variables_win_over_dss_variables_and_the_file(home, monkeypatch):
    home.write(_instance_file("http://file", "file-key"))
    monkeypatch.setenv("DKU_DSS_URL", "http://dku")
    monkeypatch.setenv("DKU_API_KEY", "dku-key")
    monkeypatch.setenv("DSS_HOST", "http://dss")
    monkeypatch.setenv("DSS_API_KEY", "dss-key")
    creds = resolve_credentials()
    assert (creds.url, creds.api_key, creds.source) == ("http://dku", "dku-key", "DKU_API_KEY")


def test_dss_variables_win_over_the_file(home, monkeypatch):
    home.write(_instance_file("http://file", "file-key"))
    monkeypatch.setenv("DSS_HOST", "http://dss")
    monkeypatch.setenv("DSS_API_KEY", "dss-key")
    creds = resolve_credentials()
    assert (creds.url, creds.api_key, creds.source) == ("http://dss", "dss-key", "DSS_API_KEY")


def test_host_argument_with_key_from_environment(home, monkeypatch):
    """docs/reference/credentials.md: prefer DSS_API_KEY to --api-key (process listings); --host with a key in the environment works."""
    monkeypatch.setenv("DSS_API_KEY", "dss-key")
    creds = resolve_credentials("http://arg", None)
    assert (creds.url, creds.api_key) == ("http://arg", "dss-key")


def test_default_instance_of_the_config_file(home):
    home.write(_instance_file("http://file/", "file-key", no_check=True, name="prod"))
    creds = resolve_credentials()
    assert (creds.url, creds.api_key, creds.no_check_certificate) == ("http://file", "file-key", True)
    assert creds.source.endswith("config.json (prod)")


def test_config_file_key_is_never_sent_to_another_host(home):
    home.write(_instance_file("http://file", "file-key"))
    with pytest.raises(MissingCredentials) as info:
        resolve_credentials("http://elsewhere", None)
    assert "no API key for http://elsewhere" in str(info.value) and "file-key" not in str(info.value)
    assert resolve_credentials("http://file/", None).api_key == "file-key"  # its own URL: fine


def test_nothing_configured_says_every_way(home):
    with pytest.raises(MissingCredentials) as info:
        resolve_credentials()
    message = str(info.value)
    for way in ("--host", "DKU_DSS_URL", "DSS_HOST", "~/.dataiku/config.json"):
        assert way in message


def test_key_without_url(home, monkeypatch):
    monkeypatch.setenv("DSS_API_KEY", "dss-key")
    with pytest.raises(MissingCredentials, match="an API key is set \\(DSS_API_KEY\\) but no DSS URL") as info:
        resolve_credentials()
    assert "dss-key" not in str(info.value)


def test_broken_config_file_names_file_line_and_column(home):
    home.write('{"dss_instances": {"default": {"url": "http://x",\n "api_key": }}}')
    with pytest.raises(InvalidCredentialsFile) as info:
        resolve_credentials()
    assert "%s:2:13: not valid JSON" % home.path in str(info.value)


@pytest.mark.parametrize("data, expected", [
    ({"default_instance": "default"}, "no 'dss_instances' object"),
    ({"dss_instances": {"a": {"url": "u", "api_key": "k"}}, "default_instance": "b"},
     "default_instance 'b' is not in dss_instances (instances: a)"),
    ({"dss_instances": {"default": {"url": "http://x"}}}, "instance 'default' needs both 'url' and 'api_key'"),
])
def test_unusable_config_file_says_why(home, data, expected):
    home.write(data)
    with pytest.raises(InvalidCredentialsFile) as info:
        resolve_credentials()
    assert expected in str(info.value)


def test_explicit_environ_mapping_is_used_instead_of_os_environ(home, monkeypatch):
    monkeypatch.setenv("DSS_HOST", "http://ignored")
    creds = resolve_credentials(environ={"DKU_DSS_URL": "http://given", "DKU_API_KEY": "k", "HOME": "/nonexistent"})
    assert creds.url == "http://given"


def test_connect_gives_a_working_client_and_its_url(home, emulator):
    home.write(_instance_file(emulator.url, ADMIN_KEY))
    connection = connect()
    assert connection.url == emulator.url.rstrip("/")
    assert connection.client._session.verify is not False  # certificates checked unless the file says not to
    assert connection.client.get_auth_info()["authIdentifier"] == "admin"  # a real call over HTTP


def test_no_check_certificate_is_honoured(home, emulator):
    home.write(_instance_file(emulator.url, ADMIN_KEY, no_check=True))
    client = client_from()
    assert client._session.verify is False
    assert client.get_auth_info()["authIdentifier"] == "admin"


def test_cli_messages_mask_a_key_read_from_the_config_file(home):
    """A key that came from ~/.dataiku/config.json is masked like one given by argument or variable."""
    import argparse

    from dataiku_framework.cli import _masked
    home.write(_instance_file("http://dss.example:11200", "file-key-0123456789"))
    args = argparse.Namespace(host=None, api_key=None)
    assert "file-key-0123456789" not in _masked("DSS said: bad key file-key-0123456789", args)


# -- every DSS call has a timeout (issue 14, section 8) ---------------------------------------------------------

def _slow_engine(emulator, monkeypatch, seconds="0.3"):
    """An Engine from the environment with a small timeout, then an emulator slower than it."""
    from dataiku_framework.engine import Engine
    for name in ALL_VARS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DKU_DSS_URL", emulator.url)
    monkeypatch.setenv("DKU_API_KEY", ADMIN_KEY)
    monkeypatch.setenv("DSS_FRAMEWORK_TIMEOUT", seconds)
    engine = Engine()
    emulator.faults.configure({"latency_ms": 1500})
    return engine


@pytest.mark.parametrize("command", ["rollback", "history", "unlock", "lock_status", "plan"])
def test_every_command_times_out_as_cannot_reach_dss(emulator, client, project, monkeypatch, command):
    """A DSS slower than the configured timeout: each command fails with the classified error
    instead of waiting (the first connection check included: plan starts with it)."""
    from dataiku_framework import FrameworkConfig
    from dataiku_framework.dss.failures import DSSUnreachable
    config = FrameworkConfig.from_yaml('version: "1.0"\nproject: {key: P1, name: Project one}\n')
    engine = _slow_engine(emulator, monkeypatch)
    calls = {"rollback": lambda: engine.rollback("P1"), "history": lambda: engine.history("P1"),
             "unlock": lambda: engine.unlock("P1", "0123"), "lock_status": lambda: engine.lock_status("P1"),
             "plan": lambda: engine.plan(config)}
    try:
        with pytest.raises(DSSUnreachable) as error:
            calls[command]()
    finally:
        emulator.faults.clear()
    assert "cannot reach DSS at %s" % emulator.url in str(error.value)


def test_the_cli_times_out_as_cannot_reach_dss(emulator, project, monkeypatch, capsys):
    from dataiku_framework import cli
    _slow_engine(emulator, monkeypatch)
    try:
        code = cli.main(["history", "P1"])
    finally:
        emulator.faults.clear()
    assert code == 3 and "cannot reach DSS" in capsys.readouterr().err


def test_the_timeout_is_set_where_the_client_is_made(emulator, monkeypatch, home):
    """connect() sets it; an Engine given a caller's client gives it the default; a bad value is refused."""
    import dataikuapi
    from dataiku_framework.dss.connect import DEFAULT_TIMEOUT, timeout_of
    from dataiku_framework.engine import Engine
    assert timeout_of(connect(emulator.url, ADMIN_KEY).client) == DEFAULT_TIMEOUT
    assert timeout_of(connect(emulator.url, ADMIN_KEY, timeout=7).client) == 7
    assert timeout_of(Engine(client=connect(emulator.url, ADMIN_KEY, timeout=7).client).client) == 7
    raw = dataikuapi.DSSClient(emulator.url, ADMIN_KEY)
    assert timeout_of(raw) is None
    assert timeout_of(Engine(client=raw).client) == DEFAULT_TIMEOUT
    monkeypatch.setenv("DSS_FRAMEWORK_TIMEOUT", "12.5")
    assert timeout_of(connect(emulator.url, ADMIN_KEY).client) == 12.5
    monkeypatch.setenv("DSS_FRAMEWORK_TIMEOUT", "soon")
    with pytest.raises(MissingCredentials) as error:
        connect(emulator.url, ADMIN_KEY)
    assert "DSS_FRAMEWORK_TIMEOUT" in str(error.value)


def test_a_connected_client_asks_who_its_key_is_once(home, emulator):
    """Counted through the emulator: three askers, one ``auth/info`` request; each gets its own copy;
    ``with_secrets`` is read anew every time (never kept); a failed read is not kept."""
    home.write(_instance_file(emulator.url, ADMIN_KEY))
    client = connect().client
    emulator.stats.reset()

    def asked():
        return emulator.stats.snapshot(with_log=False)["by_route"].get("GET /auth/info", 0)
    first = client.get_auth_info()
    first["authIdentifier"] = "edited by its caller"
    assert client.get_auth_info()["authIdentifier"] == "admin" == client.get_auth_info()["authIdentifier"]
    assert asked() == 1
    client.get_auth_info(with_secrets=True)
    client.get_auth_info(with_secrets=True)
    assert asked() == 3
    emulator.faults.configure({"fail_nth_read": 1, "fail_status": 503, "path_contains": "/auth/info"})
    refused = connect().client
    with pytest.raises(Exception):
        refused.get_auth_info()
    emulator.faults.clear()
    assert refused.get_auth_info()["authIdentifier"] == "admin"
