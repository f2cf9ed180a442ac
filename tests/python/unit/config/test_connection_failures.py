"""``dss.failures``: connection failures told apart from API errors, and API keys masked as whole words.

Real failures wherever the machine allows it: the emulator's 401 for a wrong key, a closed port on
127.0.0.1, a web server that is not DSS. ``classify`` is also fed the exception types ``requests``
and ``dataikuapi`` raise, built the way those libraries build them.
"""

import os
import socket

import dataikuapi
import pytest
import requests
from dataikuapi.utils import DataikuException

from dataiku_framework import exitcodes
from dataiku_framework.config.api import validate_file
from dataiku_framework.config.secrets import SHORT_SECRET, mask_secret
from dataiku_framework.dss.failures import (NOT_DSS, DSSAuthRefused, DSSUnreachable, check_connection,
                                            classify)
from config_support import EXAMPLES

URL = "http://dss.example:11200"


def _closed_port_url():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return "http://127.0.0.1:%d" % sock.getsockname()[1]


def _http_error(status, body, content_type="application/json"):
    response = requests.models.Response()
    response.status_code = status
    response._content = body.encode("utf-8")
    response.headers["Content-Type"] = content_type
    return requests.HTTPError("%d error" % status, response=response)


def test_check_connection_accepts_a_good_key(client, emulator):
    assert check_connection(client, emulator.url) is None


def test_check_connection_wrong_key_is_auth_refused(emulator):
    with pytest.raises(DSSAuthRefused) as info:
        check_connection(dataikuapi.DSSClient(emulator.url, "not-a-known-key"), emulator.url)
    assert info.value.exit_code == exitcodes.AUTH_REFUSED
    assert str(info.value).startswith("DSS at %s refused the API key" % emulator.url)
    assert "not-a-known-key" not in str(info.value)


def test_check_connection_closed_port_is_unreachable():
    url = _closed_port_url()
    with pytest.raises(DSSUnreachable) as info:
        check_connection(dataikuapi.DSSClient(url, "k"), url)
    assert info.value.exit_code == exitcodes.UNREACHABLE
    assert str(info.value) == "cannot reach DSS at %s: connection refused" % url


@pytest.mark.parametrize("error,kind,reason", [
    (requests.exceptions.SSLError("certificate verify failed"), DSSUnreachable, "TLS/SSL"),
    (requests.exceptions.ConnectTimeout("Max retries exceeded (connect timed out)"), DSSUnreachable, "timed out"),
    (requests.exceptions.ConnectionError("Failed to resolve 'dss.example'"), DSSUnreachable, "host name not found"),
    (requests.exceptions.InvalidURL("Failed to parse"), DSSUnreachable, "not a valid URL"),
    (requests.exceptions.MissingSchema("No scheme supplied"), DSSUnreachable, "not a valid URL"),
    (DataikuException("com.dataiku.dip.exceptions.NotAuthenticatedException: Unknown API Key"), DSSAuthRefused,
     "API key"),
    (DataikuException("Unknown error: <html><body>404</body></html>"), DSSUnreachable, NOT_DSS),
    (_http_error(401, "{}"), DSSAuthRefused, "API key"),
    (_http_error(403, '{"errorType": "com.dataiku.dip.exceptions.NotAuthenticatedException"}'), DSSAuthRefused,
     "API key"),
    (_http_error(404, "<html>nginx</html>", "text/html"), DSSUnreachable, NOT_DSS),
    (ValueError("JSONDecodeError: Expecting value"), DSSUnreachable, NOT_DSS),
])
def test_classify_connection_failures(error, kind, reason):
    failure = classify(error, URL)
    assert type(failure) is kind and reason in str(failure) and URL in str(failure)


@pytest.mark.parametrize("error", [
    DataikuException("com.dataiku.dip.exceptions.UnauthorizedException: Failed to read project permissions"),
    DataikuException("com.dataiku.dip.exceptions.NotFoundException: dataset X does not exist"),
    _http_error(403, '{"errorType": "com.dataiku.dip.exceptions.UnauthorizedException"}'),
    _http_error(500, '{"errorType": "java.lang.NullPointerException"}'),
    KeyError("x"),
])
def test_ordinary_api_errors_are_not_connection_failures(error):
    """A forbidden project or a missing object is the command's business, not a failed connection."""
    assert classify(error, URL) is None


def test_credentials_in_the_url_are_not_shown():
    failure = classify(requests.exceptions.ConnectionError("Connection refused"), "https://bob:hunter2@dss:443")
    assert "hunter2" not in str(failure) and "https://dss:443" in str(failure)


# --------------------------------------------------------------------------- masking API keys

MESSAGE = "HTTPConnectionPool(host='127.0.0.1'): Max retries exceeded with url: /auth (key x used)"


@pytest.mark.parametrize("key", ["x", "e", "a1", "Max", "1"])
def test_short_keys_are_only_masked_as_whole_tokens(key):
    masked = mask_secret(MESSAGE + " [%s]" % key, key)
    assert "Max retries exceeded" in masked or key == "Max"
    assert masked.endswith("[***]")
    assert "Ma***" not in masked and "e***ceeded" not in masked


def test_short_key_inside_words_is_left_alone():
    assert mask_secret("Max retries exceeded", "x") == "Max retries exceeded"
    assert mask_secret("key-x-y x_1 x", "x") == "key-x-y x_1 ***"
    assert mask_secret("naïve Größe ve", "ve") == "naïve Größe ***", "letters outside ASCII are letters too"
    assert mask_secret("Größe", "e") == "Größe"


def test_real_keys_are_masked_wherever_they_occur():
    key = "dkuaps-ABCDEFGH12345678"
    assert len(key) >= SHORT_SECRET
    assert mask_secret("url?apiKey=%s&x=%s." % (key, key), key) == "url?apiKey=***&x=***."
    assert mask_secret("prefix%ssuffix" % key, key) == "prefix***suffix"
    assert mask_secret("nothing here", None) == "nothing here" and mask_secret("text", "") == "text"


def test_dropped_connection_during_online_checks_keeps_messages_readable(emulator):
    """``validate_file`` as the plugin calls it: a connection dropped mid-check is a diagnostic whose
    text keeps its words, though the (valid) key is the one letter ``x``."""
    emulator.add_api_key("x", "admin")
    emulator.faults.configure({"drop_nth_request": 1})
    client = dataikuapi.DSSClient(emulator.url, "x")
    diagnostics = validate_file(os.path.join(EXAMPLES, "simple_project.yaml"), client=client)[1]
    [diagnostic] = [d for d in diagnostics if d.code == "online.unreachable"]
    assert diagnostic.summary.startswith("cannot reach DSS at %s" % emulator.url)
    assert "***" not in diagnostic.detail and "Connection" in diagnostic.detail, diagnostic.detail


def test_dropped_connection_during_online_checks_exits_3(emulator, capsys):
    """The CLI: the connection check passes (request 1), the next request is dropped: exit 3, not 'invalid'."""
    from dataiku_framework import cli
    emulator.add_api_key("x", "admin")
    emulator.faults.configure({"drop_nth_request": 2})
    code = cli.main(["validate", os.path.join(EXAMPLES, "simple_project.yaml"), "--online",
                     "--host", emulator.url, "--api-key", "x"])
    out = capsys.readouterr()
    assert code == 3 and out.err.startswith("dss-framework validate: error[dss.unreachable]: cannot reach DSS at %s" % emulator.url), out
    assert "invalid" not in out.out + out.err
