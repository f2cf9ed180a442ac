"""Constants and helpers shared by the configuration tests (importable as ``config_support``)."""

import os

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", ".."))
EXAMPLES = os.path.join(REPO, "examples")

MINIMAL = """\
version: "1.0"
project:
  key: DEMO
"""


def errors_of(diagnostics):
    return [d for d in diagnostics if d.is_error]


def at_least(count):
    """``count`` hypothesis examples in CI (the deterministic "ci" profile), more under ``HYPOTHESIS_PROFILE=long``."""
    from hypothesis import settings
    return max(count, settings.default.max_examples)
