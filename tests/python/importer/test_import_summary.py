"""Issue 14 §13, the import summary as a user reads it: nouns in their plural (no "analysiss", no
"1 recipes"), reasons never cut mid-word, and the framework's own library folder (its state and lock,
``dataiku-framework/`` in the project library) never reported as left out.

On ``tests/fixtures/dss-exports/Framework-Small`` (an export of our own, carried by the repository)
through the real CLI, and on a live import against the emulator for the reasons DSS's errors give.
"""
import io
import json
import os
import shutil
from contextlib import redirect_stderr, redirect_stdout

from emusupport import EXPORTS_IN_REPO
from import_support import ALL_KINDS
from plan_support import bootstrap, client_of, examples_emulator

from dataiku_framework import FrameworkConfig
from dataiku_framework.cli import main
from dataiku_framework.importer import import_project, summary_lines

SMALL = os.path.join(EXPORTS_IN_REPO, "Framework-Small")


#: what an export of a project this tool manages holds in its library (see ``state.store``, ``state.lock``)
FRAMEWORK_FILES = {
    "state.json": {"format_version": 1, "lineage": "0f0e0d0c-0000-4000-8000-000000000001", "serial": 1,
                   "resources": {}, "history": []},
    "lock.json": {"format_version": 1, "status": "released", "released_at": "2026-12-01T10:00:00.000Z",
                  "released_by": "admin", "forced": False, "previous": None}}
#: objects the language does not describe, as an export holds them
OTHER_FILES = {"analysis/Ab12Cd34/core_params.json": json.dumps({"name": "Explore orders"}),
               "lib/python/helpers.py": "def positive(frame):\n    return frame[frame.amount > 0]\n"}


def _import_export(tmp_path):
    """The export of a managed project: Framework-Small, with the framework's state and lock in its
    library, an analysis and a library file of its own."""
    export = tmp_path / "export"
    shutil.copytree(SMALL, str(export))
    files = dict(OTHER_FILES, **{"lib/dataiku-framework/" + n: json.dumps(d) for n, d in FRAMEWORK_FILES.items()})
    for rel, text in files.items():
        path = export / "project_config" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(["import", "SMALL", "--out", str(tmp_path / "out"), "--from-export", str(export)])
    assert (code, err.getvalue()) == (0, "")
    return out.getvalue(), (tmp_path / "out" / "SMALL.yaml").read_text()


def test_kinds_are_named_in_their_plural(tmp_path):
    summary, yaml_text = _import_export(tmp_path)
    assert summary.splitlines()[0] == "Imported SMALL: project, 4 datasets, 3 recipes (8 objects); 2 external object(s) declared; 2 left out.", summary
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
        from dataiku_framework.resources.recipe import RecipeResource  # the import reads recipes through it
        real = RecipeResource.detail
        words = ["unavailable%d" % i for i in range(60)]  # ~800 characters, every word distinct

        def failing(self, project, name, snap):
            if name == "sample_events":
                raise RuntimeError("DSS answered 500: " + " ".join(words))
            return real(self, project, name, snap)
        RecipeResource.detail = failing
        try:
            imported = import_project(client, "ALL_KINDS")
        finally:
            RecipeResource.detail = real
    finally:
        emulator.stop()
    [line] = [line for line in summary_lines(imported, []) if "recipe sample_events" in line]
    assert "unavailable1 " in line and "..." in line, line
    kept = line.split("DSS answered 500: ", 1)[1].split("...", 1)[0].split()
    assert kept and all(word in words for word in kept), line  # every word whole: none cut
    assert len(line) < 400
