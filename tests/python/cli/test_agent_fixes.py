"""The agent's loop (issue 18): break a configuration, apply the fixes ``validate --json`` proposes,
and check that it validates clean; where no fix is certain, none is proposed."""
import json
import os
import shutil

import pytest

from dataiku_framework import cli, exitcodes
from emusupport import ROOT

EXAMPLES = os.path.join(ROOT, "examples")

#: (what is broken, the edit that breaks customer_analytics.yaml: old text -> new text, first occurrence).
BREAKAGES = [
    ("misspelt key", [("    connection: snowflake_prod", "    conection: snowflake_prod")]),
    ("misspelt nested key", [("        frequency: daily", "        frequncy: daily")]),
    ("misspelt enum value", [("      - type: temporal", "      - type: temporl")]),
    ("missing version", [('version: "1.0"\n', "")]),
    ("three at once", [('version: "1.0"\n', ""), ("    format_type: parquet", "    formt_type: parquet"),
                       ("        frequency: daily", "        frequency: daly")]),
]


def _copy_example(tmp_path):
    target = tmp_path / "examples"
    shutil.copytree(EXAMPLES, str(target))
    return str(target / "customer_analytics.yaml")


def _break(path, edits):
    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    for old, new in edits:
        assert old in text, old
        text = text.replace(old, new, 1)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)


def _validate(capsys, path):
    code = cli.main(["validate", path, "--json"])
    return code, json.loads(capsys.readouterr().out)


def _offset(lines, position):
    """The character offset of a 1-based {line, column} in a file split with keepends."""
    return sum(len(line) for line in lines[:position["line"] - 1]) + position["column"] - 1


def apply_fixes(document):
    """Apply every proposed edit, as an agent would: per file, from the last edit to the first."""
    edits = [edit for d in document["diagnostics"] if "fix" in d for edit in d["fix"]["edits"]]
    for filename in {edit["filename"] for edit in edits}:
        with open(filename, encoding="utf-8") as handle:
            text = handle.read()
        lines = text.splitlines(True)
        mine = sorted((e for e in edits if e["filename"] == filename), key=lambda e: _offset(lines, e["start"]),
                      reverse=True)
        for edit in mine:
            text = text[:_offset(lines, edit["start"])] + edit["new_text"] + text[_offset(lines, edit["end"]):]
        with open(filename, "w", encoding="utf-8") as handle:
            handle.write(text)
    return len(edits)


@pytest.mark.parametrize("label,edits", BREAKAGES, ids=[b[0] for b in BREAKAGES])
def test_applying_the_proposed_fixes_validates_clean(label, edits, tmp_path, capsys):
    path = _copy_example(tmp_path)
    _break(path, edits)
    code, document = _validate(capsys, path)
    assert code == exitcodes.INVALID and document["error_count"] >= len(edits)
    # one fix per breakage; a follow-on error (a dataset "needs a 'connection'" while it is misspelt) has none
    assert apply_fixes(document) == len(edits), document["diagnostics"]
    code, document = _validate(capsys, path)
    assert code == exitcodes.OK and document["valid"] is True, document["diagnostics"]


def test_no_fix_where_none_is_certain(tmp_path, capsys):
    path = _copy_example(tmp_path)
    _break(path, [("    connection: snowflake_prod", "    connection: snowflake_prod\n    zzzz_qqq: 1"),
                  ("        frequency: daily", "        frequency: fortnightly")])
    code, document = _validate(capsys, path)
    assert code == exitcodes.INVALID and document["error_count"] == 2
    assert not [d for d in document["diagnostics"] if "fix" in d], document


def test_a_rename_onto_a_key_already_set_is_not_proposed(tmp_path, capsys):
    path = _copy_example(tmp_path)
    _break(path, [("    connection: snowflake_prod", "    connection: snowflake_prod\n    conection: other")])
    code, document = _validate(capsys, path)
    [diagnostic] = [d for d in document["diagnostics"] if d["code"] == "schema.unknown_key"]
    assert diagnostic["hint"] == "did you mean 'connection'?" and "fix" not in diagnostic


def test_a_fix_in_an_included_file_edits_that_file(tmp_path, capsys):
    """The edit names the file holding the mistake (here a flow mapping in a file of include:)."""
    main = os.path.join(_copy_example(tmp_path).rsplit(os.sep, 1)[0], "large_project", "main.yaml")
    included = os.path.join(os.path.dirname(main), "flow", "datasets.yaml")
    _break(included, [("bucket: logs", "buckt: logs")])
    code, document = _validate(capsys, main)
    [edit] = [e for d in document["diagnostics"] if "fix" in d for e in d["fix"]["edits"]]
    assert code == exitcodes.INVALID and edit["filename"] == included and edit["new_text"] == "bucket"
    apply_fixes(document)
    assert _validate(capsys, main)[0] == exitcodes.OK
