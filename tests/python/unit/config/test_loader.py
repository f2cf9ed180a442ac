"""Loader: positions, duplicate keys, YAML traps, limits, includes and path containment."""

import os
import time

import pytest

from dataiku_framework.config.api import load_and_validate
from dataiku_framework.config.loader import Limits, load_document, parse_text
from config_support import MINIMAL, errors_of


def test_positions_are_one_based_and_point_at_values():
    doc, diags = parse_text("a:\n  b: [1, 2]\n", "f.yaml")
    assert diags == []
    assert doc.key_spans["a"][:2] == (1, 1)
    assert doc["a"].value_spans["b"][:2] == (2, 6)
    assert doc["a"]["b"].item_spans[1][:2] == (2, 10)


def test_duplicate_key_reports_both_locations():
    doc, diags = parse_text("a: 1\nb: 2\na: 3\n", "f.yaml")
    assert len(diags) == 1
    assert (diags[0].line, diags[0].column) == (3, 1)
    assert "first defined at line 1, column 1" in diags[0].summary
    assert doc["a"] == 1


def test_yaml_1_2_scalars_avoid_the_norway_problem():
    doc, _ = parse_text("country: NO\nflag: yes\non: 1\nn: 1e3\nv: 1.0\nq: '1'\nnull_: ~\nt: true\n", "f.yaml")
    assert doc == {"country": "NO", "flag": "yes", "on": 1, "n": 1000.0, "v": 1.0, "q": "1", "null_": None, "t": True}


def test_billion_laughs_is_rejected_fast():
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 10):
        refs = ",".join(["*a%d" % (i - 1)] * 9)
        lines.append("a%d: &a%d [%s]" % (i, i, refs))
    start = time.perf_counter()
    doc, diags = parse_text("\n".join(lines) + "\n", "bomb.yaml")
    assert time.perf_counter() - start < 0.5
    assert doc is None and diags[0].code == "limit.nodes" and diags[0].line >= 1


def test_deep_nesting_is_rejected_fast():
    start = time.perf_counter()
    doc, diags = parse_text("[" * 100000 + "]" * 100000, "deep.yaml")
    assert time.perf_counter() - start < 0.5
    assert doc is None and diags[0].code == "limit.depth"


def test_size_limit(write):
    path = write("big.yaml", MINIMAL + "metadata: {x: '%s'}\n" % ("x" * 2000))
    loaded = load_document(path, Limits(max_bytes=1000))
    assert loaded.doc is None and loaded.diagnostics[0].code == "limit.bytes"


@pytest.mark.parametrize("text,code", [
    ("a: !!python/object:os.system {}\n", "yaml.tag"),
    ("a: *nothing\n", "yaml.alias"),
    ("a: [1, 2\n", "yaml.syntax"),
    ("---\na: 1\n---\nb: 2\n", "yaml.multidoc"),
    ("", "yaml.empty"),
    ("? [a]\n: 1\n", "yaml.key"),
])
def test_bad_yaml_gives_located_diagnostics(text, code):
    doc, diags = parse_text(text, "bad.yaml")
    assert doc is None
    assert diags[-1].code == code and diags[-1].has_location


def test_aliases_and_merge_keys_are_supported():
    doc, diags = parse_text("base: &b {x: 1, y: 2}\nobj:\n  <<: *b\n  y: 3\n", "f.yaml")
    assert diags == [] and doc["obj"] == {"x": 1, "y": 3}


def test_json_syntax_error_is_located(write):
    path = write("c.json", '{"version": "1.0",\n "project": }\n')
    loaded = load_document(path)
    assert loaded.doc is None and loaded.diagnostics[0].code == "json.syntax"
    assert loaded.diagnostics[0].line == 2


def test_invalid_utf8_points_at_the_byte(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_bytes(b"version: '1.0'\nproject: {key: \xff}\n")
    loaded = load_document(str(path))
    assert loaded.diagnostics[0].code == "file.encoding" and loaded.diagnostics[0].line == 2


def test_missing_file_is_a_diagnostic(tmp_path):
    loaded = load_document(str(tmp_path / "nope.yaml"))
    assert loaded.doc is None and loaded.diagnostics[0].code == "file.not_found"


def test_include_globs_append_sections_with_their_own_positions(write):
    write("flow/a.yaml", "datasets:\n  - {name: A, type: Filesystem, managed: true}\n")
    write("flow/b.yaml", "\n\ndatasets:\n  - {name: B, type: Filesystem, managed: true}\n")
    main = write("main.yaml", MINIMAL + "include: [flow/*.yaml]\n")
    loaded = load_document(main)
    assert [d["name"] for d in loaded.doc["datasets"]] == ["A", "B"]
    assert loaded.doc["datasets"][1].filename.endswith("b.yaml") and loaded.doc["datasets"].item_spans[1][0] == 4


@pytest.mark.parametrize("pattern", ["../outside.yaml", "/etc/*.yaml", "sub/../../x.yaml"])
def test_include_outside_root_is_refused(write, pattern):
    main = write("proj/main.yaml", MINIMAL + "include: ['%s']\n" % pattern)
    loaded = load_document(main)
    assert [d.code for d in loaded.diagnostics] == ["include.outside"]


def test_include_through_symlink_outside_root_is_refused(write, tmp_path):
    outside = write("outside/x.yaml", "datasets: []\n")
    main = write("proj/main.yaml", MINIMAL + "include: ['link/*.yaml']\n")
    os.symlink(os.path.dirname(outside), str(tmp_path / "proj" / "link"))
    loaded = load_document(main)
    assert any(d.code == "include.outside" for d in loaded.diagnostics)


def test_include_matching_nothing_and_bad_keys(write):
    write("inc.yaml", "project: {key: X}\n")
    main = write("main.yaml", MINIMAL + "include: [none/*.yaml, inc.yaml]\n")
    codes = sorted(d.code for d in load_document(main).diagnostics)
    assert codes == ["include.key", "include.nomatch"]


def test_node_budget_is_shared_by_the_main_file_and_its_includes(write):
    items = "".join("  - {name: D%d, type: Filesystem, managed: true}\n" % i for i in range(20))
    for index in range(3):
        write("flow/f%d.yaml" % index, "datasets:\n" + items.replace("name: D", "name: F%d_" % index))
    main = write("main.yaml", MINIMAL + "include: [flow/*.yaml]\n")
    limits = Limits(max_nodes=300)
    for name in ("main.yaml", "flow/f0.yaml", "flow/f1.yaml", "flow/f2.yaml"):  # each file alone fits ...
        with open(os.path.join(os.path.dirname(main), name)) as handle:
            assert parse_text(handle.read(), name, limits)[1] == []
    [diag] = load_document(main, limits).diagnostics  # ... the whole load does not
    assert diag.code == "limit.nodes" and "main file and includes" in diag.summary
    assert "include" not in diag.hint.replace("included files", ""), "splitting with include: would not help"
    assert "all its included files together" in diag.hint


def test_included_files_are_shown_like_the_main_file(write, tmp_path, monkeypatch):
    """Given relative, every file is relative to the current folder; given absolute, every file is absolute."""
    write("proj/flow/ds.yaml", "datasets:\n  - {name: A, type: Filesystem, connection: c, nope: 1}\n")
    main = write("proj/main.yaml", MINIMAL + "include: [flow/*.yaml]\n")
    monkeypatch.chdir(str(tmp_path))
    relative = load_and_validate(os.path.join("proj", "main.yaml"))
    assert relative[0].files == [os.path.join("proj", "main.yaml"), os.path.join("proj", "flow", "ds.yaml")]
    assert [d.filename for d in errors_of(relative[1])] == [os.path.join("proj", "flow", "ds.yaml")]
    monkeypatch.chdir(str(tmp_path / "proj"))
    assert load_and_validate("main.yaml")[0].files == ["main.yaml", os.path.join("flow", "ds.yaml")]
    absolute = load_and_validate(main)
    assert [d.filename for d in errors_of(absolute[1])] == [str(tmp_path / "proj" / "flow" / "ds.yaml")]


def test_a_broken_included_file_does_not_make_its_names_unknown(write):
    """The syntax error is reported; references to what the broken file declares are not ("unknown dataset 'A'")."""
    write("flow/ds.yaml", "datasets:\n  - {name: A, type: Filesystem, connection: c\n  - {name: B}\n")
    write("flow/ok.yaml", "datasets:\n  - {name: C, type: Filesystem, connection: c}\n")
    main = write("main.yaml", MINIMAL + "include: [flow/*.yaml]\n"
                 "recipes: [{name: r, type: python, code: x, inputs: [A, C], outputs: [B]}]\n"
                 "scenarios: [{name: s, steps: [{type: build_flowitem, items: [B]}]}]\n")
    diagnostics = load_and_validate(main)[1]
    assert [d.code for d in errors_of(diagnostics)] == ["yaml.syntax"]
    [note] = [d for d in diagnostics if d.code == "include.unchecked_references"]
    assert not note.is_error and "flow/ds.yaml" in note.summary.replace(os.sep, "/") and note.line == 4
    fixed = write("flow/ds.yaml", "datasets:\n  - {name: A, type: Filesystem, connection: c}\n")
    assert fixed and [d.summary for d in errors_of(load_and_validate(main)[1])] == [
        "unknown dataset or folder 'B' in recipe output", "unknown item 'B' in build_flowitem step"]


def test_missing_file_diagnostic_is_clear(tmp_path):
    [diag] = load_document(str(tmp_path / "nope.yaml")).diagnostics
    assert diag.summary == "file '%s' not found" % (tmp_path / "nope.yaml") and diag.has_location
