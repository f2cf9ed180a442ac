"""The plugin components' fixtures (``dss``: the stand-in ``dataiku`` on a real client; ``configs``,
``deployed``: a real managed folder of configuration files), shared with ``tests/python/plugin`` (and ``cli_support.cli_runner`` with the apply tests)
rather than copied: the plan store's faces are run exactly as the plugin tests run components."""
import os
import sys

from emusupport import plugin_fixtures

_APPLY_TESTS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "apply")
if _APPLY_TESTS not in sys.path:  # cli_support
    sys.path.insert(0, _APPLY_TESTS)

_PLUGIN = plugin_fixtures()
dss, configs, deployed = _PLUGIN.dss, _PLUGIN.configs, _PLUGIN.deployed
