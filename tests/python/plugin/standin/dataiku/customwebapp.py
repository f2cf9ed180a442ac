"""``dataiku.customwebapp``: a plugin webapp's parameters, from the environment like DSS's own module.

DSS reads ``DKU_CUSTOM_WEBAPP_CONFIG`` (dss-plugin-anatomy.md §4.3); the stand-in reads
``DKU_STANDIN_WEBAPP_CONFIG`` so a test can never pick up a real DSS setting by accident. DSS gives
webapp backends this module, ``dataiku.api_client()``, ``dataiku.default_project_key()`` and the
Flask ``app`` (injected into the backend's globals, not part of this package).
"""
import json
import os


def get_webapp_config():
    return json.loads(os.environ.get("DKU_STANDIN_WEBAPP_CONFIG") or "{}")
