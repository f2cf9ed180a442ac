"""The plugin components' fixtures (``dss``: the stand-in ``dataiku`` on a real client; ``configs``,
``deployed``: a real managed folder of configuration files), shared with ``tests/python/plugin`` (and ``cli_support.cli_runner`` with the apply tests)
rather than copied: the plan store's faces are run exactly as the plugin tests run components."""
import importlib.util
import os
import sys

TESTS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PLUGIN_TESTS = os.path.join(TESTS, "plugin")
for _shared in (PLUGIN_TESTS, os.path.join(TESTS, "apply")):  # plugin_support, cli_support
    if _shared not in sys.path:
        sys.path.insert(0, _shared)
_spec = importlib.util.spec_from_file_location("plugin_fixtures", os.path.join(PLUGIN_TESTS, "conftest.py"))
_fixtures = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_fixtures)

dss, configs, deployed = _fixtures.dss, _fixtures.configs, _fixtures.deployed
