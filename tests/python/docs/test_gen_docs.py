"""The generator's renderers, on stand-in inputs: what a source says (a schema field's description, a
public method's docstring and signature, a plugin parameter) appears on the page, and the Markdown it
writes renders as meant (one table cell per value, no text taken for HTML)."""
import os
import sys

import pytest

from docblocks import ROOT

sys.path.insert(0, os.path.join(ROOT, "tools"))
import gen_docs  # noqa: E402

STAND_IN = {
    "description": "A stand-in object.",
    "properties": {
        "mode": {"enum": ["auto", "explicit"], "description": "How, as sha256:<hex>."},
        "count": {"type": "integer", "default": 3, "description": "How many."},
    },
    "required": ["mode"],
}


def _html(markdown_text: str) -> str:
    markdown = pytest.importorskip("markdown")
    return markdown.markdown(markdown_text, extensions=["tables"])


def test_an_enum_stays_in_one_table_cell():
    """The allowed values of a key are one cell: the table keeps its six columns."""
    html = _html("\n".join(gen_docs.object_section("Stand-in", STAND_IN)))
    mode_row = html.split("<tr>")[2]
    assert "<td><code>auto</code> | <code>explicit</code></td>\n<td>yes</td>" in mode_row, mode_row


def test_angle_brackets_in_a_description_are_text():
    html = _html("\n".join(gen_docs.object_section("Stand-in", STAND_IN)))
    assert "sha256:&lt;hex&gt;" in html, html


def _plan_schema():
    import json
    with open(gen_docs.PLAN_SCHEMA_PATH, encoding="utf-8") as f:
        return json.load(f)


def test_a_plan_field_description_appears_in_the_plan_page():
    """A field added to the schema, inside an object the schema defines inline, gets its row and description."""
    schema = _plan_schema()
    schema["properties"]["metadata"]["properties"]["reviewer"] = {"type": "string", "description": "Who approved it."}
    page = gen_docs.plan_format(schema)
    section = page.split("\n### metadata\n", 1)[1].split("\n### ", 1)[0]
    assert "| `reviewer` | string |  |  | Who approved it. |" in section


def test_the_plan_page_names_every_key_of_the_schema():
    page = gen_docs.pages()["reference/plan-document.md"]
    schema = _plan_schema()
    assert "Secrets never reach the document" in page  # the template's prose is kept
    for name in schema["$defs"]:
        assert "\n### %s\n" % name in page
    objects = [schema] + list(schema["$defs"].values())
    objects += [p for o in objects for p in o.get("properties", {}).values() if isinstance(p, dict)]
    objects += [p["items"] for p in list(objects) if isinstance(p.get("items"), dict)]
    for obj in objects:
        for key in obj.get("properties", {}):
            assert "| `%s` |" % key in page, key


def test_a_template_without_its_part_is_an_error(tmp_path, monkeypatch):
    (tmp_path / "page.md").write_text("# Page\n\nprose only\n")
    monkeypatch.setattr(gen_docs, "TEMPLATES", str(tmp_path))
    with pytest.raises(ValueError, match=r"page.md has no line \{\{ table \}\}"):
        gen_docs.from_template("page.md", {"table": "| a |"}, "a source")
