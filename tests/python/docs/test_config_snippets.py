"""Every configuration the docs show is valid: a YAML block marked ``<!-- config -->`` is validated
as a whole configuration (its code files read from ``examples/``, which the pages point to), one marked
``<!-- config partial -->`` inside a minimal whole configuration; and a YAML block that is a whole
configuration (it has ``version:``) cannot escape by carrying no marker."""
import glob
import os
from typing import Any, Dict, List

import pytest
import yaml

from docblocks import DOCS, ROOT, blocks, config_blocks
from dataiku_framework.config.validate import validate_document

MINIMAL = {"version": "1.0", "project": {"key": "DOCS_SNIPPET"}}
EXAMPLES = os.path.join(ROOT, "examples")


def pages() -> List[str]:
    return sorted(os.path.relpath(p, DOCS) for p in glob.glob(os.path.join(DOCS, "**", "*.md"), recursive=True))


def read(page: str) -> str:
    with open(os.path.join(DOCS, page), encoding="utf-8") as f:
        return f.read()


def errors(text: str, partial: bool) -> List[str]:
    """The error diagnostics of a snippet, as one line each."""
    doc = yaml.safe_load(text) or {}  # type: Dict[str, Any]
    if partial:
        doc = dict(MINIMAL, **doc)
    return ["%s: %s" % (d.path, d.summary) for d in validate_document(doc, root_dir=EXAMPLES) if d.is_error]


SNIPPETS = [(page, block, partial) for page in pages() for block, partial in config_blocks(read(page))]


def test_the_docs_mark_configurations():
    assert SNIPPETS, "no YAML block of docs/ is marked <!-- config -->"


@pytest.mark.parametrize("page, block, partial", SNIPPETS, ids=["%s:%d" % (p, b.line) for p, b, _ in SNIPPETS])
def test_marked_configuration_validates(page, block, partial):
    assert errors(block.text, partial) == [], "%s:%d" % (page, block.line)


#: Pages whose configurations are validated elsewhere, with the files they name: the templates page
#: shows each template of ``init``, which tests/python/cli/test_init.py validates, plans and applies.
CHECKED_ELSEWHERE = ("reference/templates.md",)


@pytest.mark.parametrize("page", [p for p in pages() if p not in CHECKED_ELSEWHERE])
def test_every_whole_configuration_is_marked(page):
    marked = {b.line for b, _ in config_blocks(read(page))}
    for block in blocks(read(page)):
        if block.lang in ("yaml", "yml") and "version" in (yaml.safe_load(block.text) or {}):
            assert block.line in marked, "%s:%d shows a configuration without <!-- config -->" % (page, block.line)


def test_an_invalid_snippet_is_caught():
    assert errors("datasets:\n  - {name: a, type: Filesystem, managd: true}\n", partial=True)
