"""The CLI tests share the apply tests' helpers (``cli_support``: the standard-input ``Terminal``)."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "apply"))
