"""The HTML result of the Apply, Rollback and Unlock macros (``render.result``): escaped, no script,
one row per resource, the title's tone from the outcome."""
import html.parser

from dataiku_framework.apply.result import ResourceResult, Result
from dataiku_framework.render.result import render_result_html

EVIL = "<script>alert('x')</script>"


class _Page(html.parser.HTMLParser):
    def __init__(self, page):
        html.parser.HTMLParser.__init__(self)
        self.texts, self.tags, self.classes = [], [], []
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.classes += [value for name, value in attrs if name == "class"]

    def handle_data(self, data):
        if data.strip():
            self.texts.append(data.strip())


def _result(error=EVIL):
    return Result("P1", "apply", "a1", [
        ResourceResult("dataset.%s" % EVIL, "dataset", EVIL, "create", "succeeded", duration=0.5),
        ResourceResult("scenario.s", "scenario", "s", "update", "failed", error=error, duration=1.25),
        ResourceResult("recipe.r", "recipe", "r", "update", "skipped")], writes=3, notes=["note %s" % EVIL])


def test_every_value_is_escaped_and_no_script_is_added():
    page = render_result_html("Title %s" % EVIL, failed=True, result=_result().to_dict(),
                              facts=[("user", EVIL)], details=EVIL, notices=[EVIL])
    parsed = _Page(page)
    assert EVIL not in page and "script" not in parsed.tags and "<html" not in page
    assert "Title %s" % EVIL in parsed.texts and parsed.texts.count(EVIL) >= 4


def test_counts_rows_and_meta():
    result = _result(error="boom").to_dict()
    parsed = _Page(render_result_html(Result.summary(_result()), failed=True, result=result))
    texts = parsed.texts
    assert "project P1 · apply id a1 · 3 write request(s) to DSS" in texts
    row = texts.index("scenario.s")
    assert texts[row:row + 5] == ["scenario.s", "update", "failed", "1.25 s", "boom"]
    counts = texts.index("created")
    assert texts[counts:counts + 12] == ["created", "updated", "replaced", "deleted", "failed", "skipped",
                                         "1", "0", "0", "0", "1", "1"]
    assert "note %s" % EVIL in texts and "dkf-failed" in parsed.classes


def test_tone_follows_the_outcome_and_the_plan_is_folded_below():
    ok = Result("P1", "apply", "a2", [ResourceResult("project", "project", "P1", "update", "succeeded")])
    assert "dkf-succeeded" in _Page(render_result_html(ok.summary(), result=ok.to_dict())).classes
    plain = _Page(render_result_html("Project P1 is not locked"))
    assert "dkf-info" in plain.classes and "dkf-succeeded" not in plain.classes
    doc = {"format_version": "1.0", "metadata": {"project_key": "P1"}, "resource_changes": [], "drift": [],
           "conflicts": [], "unmanaged": [], "execution_groups": [], "summary": {}}
    page = render_result_html("t", plan_doc=doc, plan_label="The plan that was applied")
    parsed = _Page(page)
    assert "details" in parsed.tags and "The plan that was applied" in parsed.texts
    assert "dkf-plan" in parsed.classes and "<details open>" not in page
