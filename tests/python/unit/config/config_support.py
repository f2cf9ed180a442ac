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
