"""Names DSS would reject are rejected by validation first (issue 14 §6).

The schema's identifier patterns end in ``$``; Python's ``$`` also matches before a final newline, so
``"D1\\n"`` used to validate and be created. Lengths are bounded too (see the schema's descriptions).
"""

import pytest

from dataiku_framework.config.schema_check import NAME_MAX_LENGTH, PROJECT_KEY_MAX_LENGTH
from config_support import MINIMAL, errors_of

#: One document per identifier kind; ``{}`` is where the name goes (written as a double-quoted YAML string).
KINDS = {
    "project key": ('version: "1.0"\nproject:\n  key: {}\n', "project.key"),
    "dataset name": (MINIMAL + "datasets:\n  - {{name: {}, type: Filesystem, managed: true}}\n", "datasets[0].name"),
    "folder name": (MINIMAL + "managed_folders:\n  - {{name: {}}}\n", "managed_folders[0].name"),
    "recipe name": (MINIMAL + "datasets:\n  - {{name: D, type: Filesystem, managed: true}}\n"
                    "recipes:\n  - {{name: {}, type: sync, inputs: [D], outputs: [D]}}\n", "recipes[0].name"),
    "recipe input": (MINIMAL + "datasets:\n  - {{name: D, type: Filesystem, managed: true}}\n"
                     "recipes:\n  - {{name: r, type: sync, inputs: [{}], outputs: [D]}}\n", "recipes[0].inputs[0]"),
    "zone name": (MINIMAL + "zones:\n  - {{name: {}}}\n", "zones[0].name"),
    "scenario step ref": (MINIMAL + "scenarios:\n  - name: s\n    steps: [{{type: run_scenario, scenario: {}}}]\n",
                          "scenarios[0].steps[0].scenario"),
    "variable name": (MINIMAL.replace("key: DEMO", "key: DEMO\n  variables: {{standard: {{{}: 1}}}}"),
                      "project.variables.standard"),
    "environment name": (MINIMAL + "environments:\n  {}: {{}}\n", "environments"),
}


def _schema_errors(diagnostics):
    """The name's own errors (a recipe input or step naming nothing defined is another check's error)."""
    return [d for d in errors_of(diagnostics) if d.code.startswith("schema.")]


def _quoted(name):
    return '"%s"' % name.replace("\n", "\\n")


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_a_trailing_newline_is_not_a_valid_name(diagnose, kind):
    template, path = KINDS[kind]
    assert not _schema_errors(diagnose(template.format(_quoted("D1")))), "the plain name must be valid"
    diags = errors_of(diagnose(template.format(_quoted("D1\n"))))
    assert diags, "%s ending in a newline was accepted" % kind
    diag = diags[0]
    assert diag.path.startswith(path) and diag.line >= 2 and diag.column >= 1
    assert diag.format().startswith("%s:%d:%d" % (diag.filename, diag.line, diag.column))
    assert "\n" not in diag.summary  # the message shows the newline escaped, on one line


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_over_long_names_are_rejected_with_the_limit(diagnose, kind):
    template, path = KINDS[kind]
    limit = PROJECT_KEY_MAX_LENGTH if kind == "project key" else NAME_MAX_LENGTH
    assert not _schema_errors(diagnose(template.format(_quoted("D" * limit))))
    diags = errors_of(diagnose(template.format(_quoted("D" * (limit + 1)))))
    assert diags, "a %s of %d characters was accepted" % (kind, limit + 1)
    diag = diags[0]
    assert diag.path.startswith(path) and diag.line >= 2 and diag.column >= 1
    assert "at most %d characters" % limit in diag.summary or "%d" % limit in (diag.hint or "")


def test_a_reference_to_another_project_bounds_its_key_too(diagnose):
    template, _ = KINDS["recipe input"]
    assert not _schema_errors(diagnose(template.format("%s.D" % ("K" * PROJECT_KEY_MAX_LENGTH))))
    [diag] = _schema_errors(diagnose(template.format("%s.D" % ("K" * (PROJECT_KEY_MAX_LENGTH + 1)))))
    assert diag.path == "recipes[0].inputs[0]" and "at most %d characters" % PROJECT_KEY_MAX_LENGTH in diag.hint
