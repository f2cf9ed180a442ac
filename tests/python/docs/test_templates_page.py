"""The templates page shows every template ``init`` ships: its description as ``init --list`` prints it,
the command, and each file as ``init`` writes it, in full (tools/docs_templates.py generates it; the
stale-page test of test_site.py checks the committed copy)."""
import os
import sys

import pytest

from docblocks import DOCS, ROOT, blocks

sys.path.insert(0, os.path.join(ROOT, "tools"))
import docs_templates  # noqa: E402
from dataiku_framework.commands import init  # noqa: E402


def _committed() -> str:
    with open(os.path.join(DOCS, docs_templates.PAGE), encoding="utf-8") as f:
        return f.read()


@pytest.mark.parametrize("name", init.template_names())
def test_each_template_is_shown_in_full(name):
    page = _committed()
    section = page.split("\n## %s\n" % name, 1)[1].split("\n## ", 1)[0]
    assert init.describe(name) in section
    assert "dss-framework init DIR --template %s --key KEY" % name in section
    shown = [b.text for b in blocks(section)]
    for rel, text in init.render(name, None):
        assert "`%s`" % rel in section
        assert text.rstrip("\n") + "\n" in shown, "%s of %s is not shown as init writes it" % (rel, name)


def test_a_file_holding_a_fence_cannot_close_its_block():
    text = "x = '''\n```\n'''\n"
    fence = docs_templates._fence(text)
    assert len(fence) == 4 and blocks("%spython\n%s%s\n" % (fence, text, fence))[0].text == text


def test_the_page_is_in_the_site_nav():
    with open(os.path.join(ROOT, "mkdocs.yml"), encoding="utf-8") as f:
        assert docs_templates.PAGE in f.read()
