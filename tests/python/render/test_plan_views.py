"""The three views of a plan document (text, Markdown, HTML) on hand-written documents of the agreed shape.

The documents here are written by hand on purpose: the views must render any valid document (one
saved by an older run, one from another tool), not only what today's engine produces. Documents
produced by the engine are rendered in tests/python/cli/.
"""
import copy
import html.parser
import re

import pytest

from dataiku_framework.render import render_html, render_markdown, render_text
from dataiku_framework.render.model import summary_line

XSS = "<script>alert(1)</script>"
SECRET_KEY = "dkuaps-Zq3k9LmN4pQ7rS2tV5wX8yB1"  # looks like a Dataiku API key
PASSWORD = "correct-horse-battery"
CODE_BEFORE = "import dataiku\ndf = dataiku.Dataset('A').get_dataframe()\nprint(1)\n"
CODE_AFTER = "import dataiku\ndf = dataiku.Dataset('A').get_dataframe()\nprint(2)\n"
SCHEMA = [{"name": "column_%d" % i, "type": "string"} for i in range(8)]


def _entry(address, action, reason="", changes=(), before=None, after=None):
    kind, _, name = address.partition(".")
    return {"address": address, "kind": kind, "name": name or kind, "action": action, "reason": reason,
            "changes": [dict(c, origin="config") for c in changes], "before": before, "after": after,
            "depends_on": []}


def _doc(entries, **extra):
    summary = {"create": 0, "update": 0, "replace": 0, "delete": 0, "no-op": 0}
    for entry in entries:
        summary[entry["action"]] += 1
    doc = {"format_version": "1.0",
           "metadata": {"tool_version": "0.1.0", "dss_url": "http://dss.example:11200", "project_key": "CUSTOMER",
                        "config_digest": "sha256:00", "live_digest": "sha256:11",
                        "created_at": "2026-12-01T13:00:00Z", "created_by": "admin",
                        "config_source": "examples/customer_analytics.yaml", "environment": None, "targets": []},
           "resource_changes": entries, "drift": [], "conflicts": [], "unmanaged": [],
           "execution_groups": [[e["address"] for e in entries]], "summary": summary}
    doc.update(extra)
    return doc


@pytest.fixture
def doc():
    """Every action, a code change, a long value, a user-written description and a no-op."""
    return _doc([
        _entry("dataset.RAW", "create", "not in DSS", after={"type": "Filesystem", "description": XSS}),
        _entry("dataset.MOVED", "replace", "type cannot change in place (Filesystem -> Snowflake)",
               [{"path": "type", "before": "Filesystem", "after": "Snowflake"}]),
        _entry("dataset.SCHEMAED", "update", "1 field differs",
               [{"path": "params.schema", "before": SCHEMA[:7], "after": SCHEMA}]),
        _entry("dataset.UNCHANGED", "no-op", "matches"),
        _entry("recipe.compute", "update", "1 field differs", [{"path": "code", "before": CODE_BEFORE,
                                                                "after": CODE_AFTER}]),
        _entry("scenario.daily_refresh", "update", "1 field differs",
               [{"path": "triggers[0].hour", "before": 2, "after": 3}]),
        _entry("scenario.gone", "delete", "not in the configuration any more", before={"active": True}),
    ], unmanaged=[{"address": "dataset.FOO", "kind": "dataset", "name": "FOO"}])


def _no_changes():
    return _doc([_entry("dataset.A", "no-op"), _entry("scenario.s", "no-op")])


# -- the summary line ------------------------------------------------------------------------------------------

def test_summary_line_names_replace_only_when_there_is_one():
    assert summary_line({"create": 2, "update": 1}) == "Plan: 2 to create, 1 to update, 0 to delete."
    assert summary_line({"create": 0, "update": 1, "replace": 1, "delete": 0}) == \
        "Plan: 0 to create, 1 to update, 0 to delete, 1 to replace."
    assert summary_line({"no-op": 12}) == "No changes. DSS matches the configuration."


# -- text ------------------------------------------------------------------------------------------------------

def test_text_one_block_per_changed_resource_and_the_summary_last(doc):
    text = render_text(doc)
    lines = text.splitlines()
    assert lines[-1] == "Plan: 1 to create, 3 to update, 1 to delete, 1 to replace."
    titles = [line.strip() for line in lines if re.match(r"^  (\+|~|-/\+|-) ", line)]
    assert titles[0] == "+ dataset.RAW  (not in DSS)"
    assert titles[1] == "-/+ dataset.MOVED  (type cannot change in place (Filesystem -> Snowflake))"
    assert [t.split()[1] for t in titles] == ["dataset.RAW", "dataset.MOVED", "dataset.SCHEMAED", "recipe.compute",
                                              "scenario.daily_refresh", "scenario.gone"]
    assert "dataset.UNCHANGED" not in text and "1 resource(s) unchanged." in text
    assert "      triggers[0].hour: 2 -> 3" in lines
    assert '      type: "Filesystem" -> "Snowflake"' in lines
    assert "dataset.FOO" in text and "never touched" in text
    assert "\x1b[" not in text


def test_text_shows_code_as_a_diff(doc):
    lines = render_text(doc).splitlines()
    start = lines.index("      code:")
    assert lines[start + 1].strip().startswith("@@")
    assert "        -print(1)" in lines[start:] and "        +print(2)" in lines[start:]


def test_text_colour_only_when_asked(doc):
    coloured = render_text(doc, color=True)
    assert "\x1b[32m+ dataset.RAW\x1b[0m" in coloured and "\x1b[33m~ scenario.daily_refresh\x1b[0m" in coloured
    assert coloured.splitlines()[-1] == "Plan: 1 to create, 3 to update, 1 to delete, 1 to replace."
    assert re.sub(r"\x1b\[[0-9;]*m", "", coloured) == render_text(doc)


def test_text_without_changes():
    text = render_text(_no_changes())
    assert text.splitlines()[-1] == "No changes. DSS matches the configuration."
    assert "dataset.A" not in text


# -- markdown --------------------------------------------------------------------------------------------------

def test_markdown_summary_table_and_only_what_changed(doc):
    md = render_markdown(doc)
    assert "| create | update | replace | delete | unchanged |\n|---:|---:|---:|---:|---:|\n| 1 | 3 | 1 | 1 | 1 |" in md
    assert "**Plan: 1 to create, 3 to update, 1 to delete, 1 to replace.**" in md
    assert "UNCHANGED" not in md
    assert "#### \\~ update `scenario.daily_refresh`" in md
    assert "| `triggers[0].hour` | `2` | `3` |" in md


def test_markdown_code_as_unified_diff_and_long_values_folded(doc):
    md = render_markdown(doc)
    block = re.search(r"`code`:\n\n```diff\n(.*?)\n```", md, re.S)
    assert block, md
    assert block.group(1).splitlines()[:2] == ["--- code (DSS)", "+++ code (config)"]
    assert "-print(1)" in block.group(1) and "+print(2)" in block.group(1)
    folded = re.search(r"<details><summary>params.schema \((\d+) diff lines\)</summary>\n\n```diff\n(.*?)\n```\n\n"
                       r"</details>", md, re.S)
    assert folded, md
    assert '+    "name": "column_7",' in folded.group(2)


def test_markdown_cannot_be_broken_by_values():
    nasty = "a|b`c```d"
    doc = _doc([_entry("dataset.N", "update", "*bold* <b>x</b> | pipe", [{"path": "description", "before": "x",
                                                                          "after": nasty}])])
    md = render_markdown(doc)
    row = [line for line in md.splitlines() if line.startswith("| ``description``") or "description" in line][0]
    assert row.count(" | ") == 2 and "a\\|b" in row  # the pipe cannot open a new cell
    assert "\\*bold\\* &lt;b&gt;x&lt;/b&gt; \\| pipe" in md
    assert "<b>" not in md


def test_markdown_without_changes():
    md = render_markdown(_no_changes())
    assert "**No changes. DSS matches the configuration.**" in md and "####" not in md


# -- html ------------------------------------------------------------------------------------------------------

class _Tags(html.parser.HTMLParser):
    def __init__(self):
        html.parser.HTMLParser.__init__(self)
        self.tags, self.sections, self.texts = [], [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append((tag, attrs))
        if tag == "section":
            self.sections.append(attrs)

    def handle_data(self, data):
        self.texts.append(data)


def _parse(page):
    parser = _Tags()
    parser.feed(page)
    return parser


def test_html_escapes_user_values(doc):
    page = render_html(doc)
    assert XSS not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    parsed = _parse(page)
    assert "script" not in [tag for tag, _ in parsed.tags]
    assert any(XSS in text for text in parsed.texts)  # the reader sees the description as text


def test_html_is_standalone(doc):
    page = render_html(doc)
    assert page.startswith("<!DOCTYPE html>") and "<style>" in page
    for tag, attrs in _parse(page).tags:
        assert tag not in ("script", "link", "img", "iframe"), tag
        assert not any(name in ("src", "href") for name in attrs), (tag, attrs)


def test_html_structure(doc):
    parsed = _parse(render_html(doc))
    assert [(s["class"], s["id"]) for s in parsed.sections] == [
        ("dkf-resource dkf-create", "dataset.RAW"), ("dkf-resource dkf-replace", "dataset.MOVED"),
        ("dkf-resource dkf-update", "dataset.SCHEMAED"), ("dkf-resource dkf-update", "recipe.compute"),
        ("dkf-resource dkf-update", "scenario.daily_refresh"), ("dkf-resource dkf-delete", "scenario.gone")]
    texts = [t.strip() for t in parsed.texts if t.strip()]
    assert "Plan: 1 to create, 3 to update, 1 to delete, 1 to replace." in texts
    assert texts[texts.index("triggers[0].hour") + 1: texts.index("triggers[0].hour") + 3] == ["2", "3"]
    assert "+print(2)" in texts and "-print(1)" in texts
    assert "dataset.FOO" in texts


def test_html_fragment_embeds_without_a_page(doc):
    fragment = render_html(doc, fragment=True)
    assert "<html" not in fragment and fragment.lstrip().startswith('<div class="dkf-plan">')
    assert "No changes. DSS matches the configuration." in render_html(_no_changes(), fragment=True)


# -- secrets ---------------------------------------------------------------------------------------------------

def _secret_doc():
    return _doc([
        _entry("dataset.SECRETS", "update", "2 fields differ", [
            {"path": "params.password", "before": "old-" + PASSWORD, "after": PASSWORD},
            {"path": "description", "before": "key " + SECRET_KEY, "after": "none"}],
            before={"params": {"password": PASSWORD}}, after={"params": {"password": PASSWORD}}),
        _entry("dataset.NEW", "create", "not in DSS", after={"params": {"apiKey": SECRET_KEY, "token": PASSWORD}}),
    ], drift=[{"address": "dataset.SECRETS", "path": "params.token", "before": PASSWORD, "after": "x"}],
        metadata={"dss_url": "https://user:%s@dss.example" % PASSWORD, "project_key": "K"})


@pytest.mark.parametrize("view", [render_text, render_markdown, render_html], ids=lambda v: v.__name__)
def test_a_secret_in_before_or_after_never_appears(view):
    doc = _secret_doc()
    original = copy.deepcopy(doc)
    out = view(doc)
    assert PASSWORD not in out and SECRET_KEY not in out
    assert "redacted" in out
    assert doc == original  # the views never alter the document they are given


def test_views_refuse_what_is_not_a_plan_document():
    with pytest.raises(TypeError, match="a plan document is a dict"):
        render_text("Plan: nothing")


@pytest.mark.parametrize("view", [render_text, render_markdown, render_html], ids=lambda v: v.__name__)
def test_a_secret_named_by_its_sibling_never_appears(view):
    """DSS's name/value lists (``{name: token, value: ...}``) name the secret beside the value."""
    pair = {"properties": [{"name": "db_password", "value": PASSWORD}]}
    doc = _doc([
        _entry("dataset.PAIRS", "update", "1 field differs",
               [{"path": "params.properties[0].value", "before": "old", "after": PASSWORD}],
               before={"params": {"properties": [{"name": "db_password", "value": "old"}]}}, after={"params": pair}),
        _entry("dataset.NEWPAIRS", "create", "not in DSS", after={"params": pair})])
    out = view(doc)
    assert PASSWORD not in out and "redacted" in out


def test_a_short_secret_is_hidden_where_it_is_the_value_not_inside_other_texts():
    doc = _doc([_entry("dataset.PAIRS", "update", "1 field differs",
                       [{"path": "params.properties[0].value", "before": "2", "after": "1"},
                        {"path": "description", "before": "step 1 of 2", "after": "step 1 of 3"}],
                       after={"params": {"properties": [{"name": "pin_password", "value": "1"}]}})])
    out = render_text(doc)
    assert "params.properties[0].value: \"2\" -> \"<redacted>\"" in out
    assert "step 1 of 3" in out


# -- the views register themselves: the plan data never imports them ---------------------------------------------

def test_plan_methods_render_through_the_registered_views_in_a_fresh_process(doc, tmp_path):
    """``Plan(doc).to_markdown()`` (public API) works when a program imports only the plan module: the
    package's wiring registers the views; plan.document itself no longer imports render."""
    import json
    import os
    import subprocess
    import sys
    saved = tmp_path / "plan.json"
    saved.write_text(json.dumps(doc))
    code = ("import json, sys; from dataiku_framework.plan.document import Plan; p = Plan(json.load(open(sys.argv[1]))); "
            "print(p.to_markdown()); print(p.to_text()); print(p.to_html())")
    lib = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(__file__)))), "python-lib")
    out = subprocess.run([sys.executable, "-c", code, str(saved)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         universal_newlines=True, env={"PYTHONPATH": lib})
    assert out.returncode == 0, out.stdout
    assert render_markdown(doc) in out.stdout and render_text(doc) in out.stdout and render_html(doc) in out.stdout


def test_a_view_nobody_registered_is_a_clear_error():
    from dataiku_framework.config import hooks
    with pytest.raises(LookupError, match="nothing registered 'plan view pdf'"):
        hooks.get("plan view pdf")


def test_the_views_are_registered_in_the_hooks_like_every_other_registration():
    """One registry (``config.hooks``), not a second one in ``plan.document``: the views sit under
    ``plan view NAME`` and ``Plan.to_NAME`` uses what is registered there."""
    from dataiku_framework.config import hooks
    from dataiku_framework.plan import document
    assert [hooks.get("plan view %s" % name) for name in ("text", "markdown", "html")] == [
        render_text, render_markdown, render_html]
    assert not hasattr(document, "VIEWS") and not hasattr(document, "register_view")
