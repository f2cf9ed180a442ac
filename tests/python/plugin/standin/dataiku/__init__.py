"""Test stand-in for the parts of DSS's internal ``dataiku`` package the plugin components use.

Why a stand-in and not a mock: ``dataiku`` only exists inside DSS, but what the
components get from it is real: ``api_client()`` returns a real
``dataikuapi.DSSClient``, here pointed at the emulator. The test sets
``DKU_STANDIN_URL``/``DKU_STANDIN_API_KEY`` (the client) and
``DKU_CURRENT_PROJECT_KEY`` (the current project, the variable DSS itself sets).
Only the test fixture puts this folder on ``sys.path``.
"""
import os

import dataikuapi


def api_client():
    """A real public API client, as DSS gives one inheriting the current user's credentials."""
    return dataikuapi.DSSClient(os.environ["DKU_STANDIN_URL"], os.environ["DKU_STANDIN_API_KEY"])


def default_project_key():
    key = os.environ.get("DKU_CURRENT_PROJECT_KEY")
    if not key:
        raise Exception("Default project key is not specified (no DKU_CURRENT_PROJECT_KEY env var)")
    return key
