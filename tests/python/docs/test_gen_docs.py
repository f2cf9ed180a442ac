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
    (tmp_path / "page.md").write_text("# Page\n\n{{ table }}\n\n{{ tabel }}\n")
    with pytest.raises(ValueError, match=r"names \{\{ tabel \}\}, which this page does not generate"):
        gen_docs.from_template("page.md", {"table": "| a |"}, "a source")


def _stand_in_plugin(tmp_path):
    """A copy of the plugin's descriptors (only they: the page is made from them) to change."""
    import glob
    import shutil
    for pattern in ["plugin.json", "code-env/python/desc.json", "code-env/python/spec/requirements.txt"] + [
            pattern for _, pattern, _ in gen_docs.COMPONENTS]:
        for path in glob.glob(os.path.join(ROOT, pattern)):
            target = tmp_path / os.path.relpath(path, ROOT)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, str(target))
    return tmp_path


def test_a_plugin_parameter_added_to_a_descriptor_appears_in_the_page(tmp_path):
    import json
    root = _stand_in_plugin(tmp_path)
    path = root / "python-runnables" / "unlock" / "runnable.json"
    spec = json.loads(path.read_text(encoding="utf-8"))
    spec["params"].append({"name": "dry_run", "label": "Dry run", "type": "BOOLEAN", "defaultValue": True,
                           "mandatory": True, "description": "Only say what would be released"})
    spec["macroRoles"] = [{"type": "MANAGED_FOLDER", "targetParamsKey": "folder"}]
    path.write_text(json.dumps(spec), encoding="utf-8")
    page = gen_docs.plugin_page(str(root))
    section = page.split("\n### Unlock\n", 1)[1].split("\n### ", 1)[0]
    assert "| `dry_run` | BOOLEAN | Dry run | `true` | yes | Only say what would be released. |" in section
    assert "- Roles (where DSS offers it): `MANAGED_FOLDER` (target: `folder`)" in section
    assert "- Project permissions needed: `ADMIN`" in section
    assert "| `dry_run` |" not in gen_docs.plugin_page(ROOT)


def test_a_new_component_gets_its_section(tmp_path):
    root = _stand_in_plugin(tmp_path)
    step = root / "python-steps" / "notify" / "step.json"
    step.parent.mkdir()
    step.write_text('{"meta": {"label": "Notify", "description": "Say it."}, "params": []}', encoding="utf-8")
    page = gen_docs.plugin_page(str(root))
    assert "### Notify\n\nId `notify`, declared in `python-steps/notify/step.json`.\n\nSay it.\n\nNo parameters." in page


def test_the_plugin_page_names_every_component_and_parameter():
    import glob
    page = gen_docs.pages()["reference/plugin-components.md"]
    for _, pattern, _ in gen_docs.COMPONENTS:
        for path in glob.glob(os.path.join(ROOT, pattern)):
            spec = gen_docs.descriptor(path)
            assert "\n### %s\n" % spec["meta"]["label"] in page, path
            for param in spec.get("params", []) + spec.get("pluginParams", []):
                assert param.get("label", "") in page and ("`%s`" % param["name"] if "name" in param else "") in page
    assert "- `acceptedPythonInterpreters`: `PYTHON39`" in page


class StandIn(object):
    """A stand-in public class."""

    def __init__(self, name: str, *, size: int = 3) -> None:
        self.name = name

    def grow(self, by: int = 1, *names: str, strict: bool = False) -> "StandIn":
        """Grow by ``by``: the reason it exists."""
        return self

    def legacy(self, path, flag=False):
        # type: (Optional[str], bool) -> List[str]
        """Typed by a comment, as the configuration model is."""
        return []

    @property
    def label(self):
        # type: () -> str
        """Its label."""
        return self.name

    def _private(self) -> None:
        """Not public."""


def test_a_public_method_with_a_docstring_appears_with_its_signature():
    page = "\n".join(gen_docs.class_section("StandIn", StandIn))
    assert "```python\nStandIn(name: str, *, size: int = 3)\n```\n\nA stand-in public class." in page
    assert ("#### `StandIn.grow`\n\n```python\nStandIn.grow(by: int = 1, *names: str, strict: bool = False) -> StandIn\n"
            "```\n\nGrow by ``by``: the reason it exists.") in page
    assert "StandIn.legacy(path: Optional[str], flag: bool = False) -> List[str]" in page
    assert "#### `StandIn.label`\n\nProperty: `str`.\n\nIts label." in page
    assert "_private" not in page


def test_the_python_api_page_covers_every_public_name():
    import dataiku_framework
    page = gen_docs.pages()["reference/python-api.md"]
    for name in dataiku_framework.__all__:
        assert "\n### `%s`\n" % name in page, name
    assert "classmethod FrameworkConfig.from_yaml(source: Any, env: Optional[str] = None" in page
    assert "Engine.plan(\n    config: Any,\n    *,\n    targets: Optional[Sequence[str]] = None,\n" in page


def test_every_public_method_of_the_api_has_a_docstring():
    """Each one says why it is there: the page shows it, and a method without one is a bare signature."""
    assert gen_docs.undocumented() == []


def test_the_reference_index_says_which_pages_are_generated_and_from_what():
    nav = ["reference/index.md", {"Errors": "reference/errors.md"}, {"Guide": "reference/guide.md"},
           {"Layout": "development.md"}]
    generated = {"reference/errors.md": gen_docs.HEADER % "the error catalogue" + "# Errors\n"}
    index = gen_docs.reference_index(nav, generated)
    made, written = index.split("Written by hand:")
    assert "- [Errors](errors.md): from the error catalogue." in made
    assert written.split() == ["-", "[Guide](guide.md)", "-", "[Layout](../development.md)"]


def test_the_reference_index_lists_every_reference_page_of_the_nav():
    import yaml
    with open(os.path.join(ROOT, "mkdocs.yml"), encoding="utf-8") as f:
        nav = yaml.safe_load(f)["nav"]
    section = next(item["Reference"] for item in nav if isinstance(item, dict) and "Reference" in item)
    index = gen_docs.pages()["reference/index.md"]
    for item in section[1:]:
        title, path = next(iter(item.items()))
        assert "[%s](%s)" % (title, os.path.relpath(path, "reference")) in index
    assert "- [Python API](python-api.md): from tools/doc_templates/python-api.md" in index
