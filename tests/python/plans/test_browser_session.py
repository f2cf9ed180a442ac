"""The emulator's browser session: ``POST /auth/info-from-browser-headers`` (what a webapp backend
calls through ``DSSClient.get_auth_info_from_browser_headers``) names the user of a DSS session
cookie, as well as the user of an API key found in the headers; anything else is not authenticated."""
import pytest
from dataikuapi.utils import DataikuException

from emusupport import READER_KEY, browser_headers
from dss_emulator.api.instance import SESSION_COOKIE, close_browser_session


def test_a_session_cookie_names_its_user_not_the_backend_s(emulator, client):
    """The backend's client is the admin; the browser's user is whoever the cookie names."""
    info = client.get_auth_info_from_browser_headers(browser_headers(emulator, "analyst"))
    assert info["authIdentifier"] == "analyst" and "data_team" in info["groups"]
    info = client.get_auth_info_from_browser_headers(browser_headers(emulator, "reader"))
    assert info["authIdentifier"] == "reader"


def test_header_names_are_case_insensitive(emulator, client):
    headers = browser_headers(emulator, "analyst")
    headers["cookie"] = headers.pop("Cookie")
    assert client.get_auth_info_from_browser_headers(headers)["authIdentifier"] == "analyst"


@pytest.mark.parametrize("cookie", ["%s=not-a-session" % SESSION_COOKIE, "other=1", "%s=" % SESSION_COOKIE,
                                    "garbage;;=\x01"])
def test_an_unknown_or_missing_session_is_not_authenticated(emulator, client, cookie):
    with pytest.raises(DataikuException, match="NotAuthenticated"):
        client.get_auth_info_from_browser_headers({"Cookie": cookie})


def test_a_closed_session_no_longer_authenticates(emulator, client):
    headers = browser_headers(emulator, "analyst")
    token = headers["Cookie"].split("%s=" % SESSION_COOKIE)[1]
    close_browser_session(emulator.instance, token)
    with pytest.raises(DataikuException, match="NotAuthenticated"):
        client.get_auth_info_from_browser_headers(headers)


def test_an_api_key_in_the_headers_still_counts(emulator, client):
    import base64
    auth = "Basic " + base64.b64encode(("%s:" % READER_KEY).encode()).decode()
    assert client.get_auth_info_from_browser_headers({"Authorization": auth})["authIdentifier"] == "reader"


def test_a_session_for_an_unknown_user_cannot_be_opened(emulator):
    with pytest.raises(ValueError, match="nobody"):
        browser_headers(emulator, "nobody")
