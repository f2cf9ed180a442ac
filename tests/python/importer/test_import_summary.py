"""Issue 14 §13, the import summary as a user reads it: nouns in their plural (no "analysiss", no
"1 recipes"), reasons never cut mid-word, and the framework's own library folder (its state and lock,
``dataiku-framework/`` in the project library) never reported as left out.

On ``tests/fixtures/dss-exports/Framework-Small`` (an export of our own, carried by the repository)
through the real CLI, and on a live import against the emulator for the reasons DSS's errors give.
"""
import io
import os
from contextlib import redirect_stderr, redirect_stdout

from emusupport import EXPORTS_IN_REPO
from import_support import ALL_KINDS
from plan_support import bootstrap, client_of, examples_emulator

from dataiku_framework import FrameworkConfig
from dataiku_framework.cli import main
from dataiku_framework.importer import import_project, summary_lines

SMALL = os.path.join(EXPORTS_IN_REPO, "Framework-Small")


def _import_export(tmp_path):
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(["import", "SMALL", "--out", str(tmp_path), "--from-export", SMALL])
    assert (code, err.getvalue()) == (0, "")
    return out.getvalue(), (tmp_path / "SMALL.yaml").read_text()


def test_kinds_are_named_in_their_plural(tmp_path):
    summary, yaml_text = _import_export(tmp_path)
    assert summary.splitlines()[0] == "Imported SMALL: project, 2 datasets, 1 recipe (4 objects); 2 left out.", summary
    for text in (summary, yaml_text):
        assert "analysiss" not in text
        assert "left out: analysis Ab12Cd34: the configuration language does not describe analyses" in text \
            or "- analysis Ab12Cd34: the configuration language does not describe analyses" in text


def test_the_frameworks_own_library_folder_is_not_left_out(tmp_path):
    summary, yaml_text = _import_export(tmp_path)
    assert "dataiku-framework" not in summary and "dataiku-framework" not in yaml_text
    assert "left out: library file python: the configuration language does not describe library files" in summary


def test_a_long_reason_is_shortened_at_a_word_boundary(tmp_path):
    emulator = examples_emulator()
    try:
        client = client_of(emulator)
        bootstrap(client, FrameworkConfig.from_yaml(ALL_KINDS))
        from dataiku_framework.importer import read
        real = read.read_recipe
        words = ["unavailable%d" % i for i in range(60)]  # ~800 characters, every word distinct

        def failing(project, name):
            if name == "sample_events":
                raise RuntimeError("DSS answered 500: " + " ".join(words))
            return real(project, name)
        read.read_recipe = failing
        try:
            imported = import_project(client, "ALL_KINDS")
        finally:
            read.read_recipe = real
    finally:
        emulator.stop()
    [line] = [line for line in summary_lines(imported, []) if "recipe sample_events" in line]
    assert "unavailable1 " in line and "..." in line, line
    kept = line.split("DSS answered 500: ", 1)[1].split("...", 1)[0].split()
    assert kept and all(word in words for word in kept), line  # every word whole: none cut
    assert len(line) < 400
