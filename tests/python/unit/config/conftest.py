"""Shared helpers for the configuration tests."""

import textwrap

import pytest

from dataiku_framework.config.api import load_and_validate


@pytest.fixture
def write(tmp_path):
    """Write ``name`` with dedented ``text`` under a temporary folder and return its path."""
    def _write(name, text):
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return str(path)
    return _write


@pytest.fixture
def diagnose(write):
    """Validate a YAML text written to a file; return the diagnostics."""
    def _diagnose(text, name="config.yaml", env=None):
        path = write(name, text)
        return load_and_validate(path, env=env)[1]
    return _diagnose
