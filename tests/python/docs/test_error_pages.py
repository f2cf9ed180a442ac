"""Issue 18: the Troubleshooting page lists every error code with its cause, fix and exit status, and
the JSON output reference documents every command's shape, both generated (``tools/docs_errors.py``)
from the tables the code uses (``errors.CATALOGUE``, ``output_schemas.SCHEMAS``). Staleness of the
committed pages is ``test_site``'s check (``gen_docs.stale``, which merges these pages)."""
import os
import sys

from docblocks import DOCS, ROOT

sys.path.insert(0, os.path.join(ROOT, "tools"))
import docs_errors  # noqa: E402
import gen_docs  # noqa: E402
from dataiku_framework.errors import CATALOGUE  # noqa: E402
from dataiku_framework.output_schemas import SCHEMAS  # noqa: E402


def _committed(rel):
    with open(os.path.join(DOCS, rel), encoding="utf-8") as handle:
        return handle.read()


def test_the_troubleshooting_page_has_every_code_with_cause_fix_and_status():
    page = _committed("troubleshooting/index.md")
    for code, entry in CATALOGUE.items():
        start = page.index("#### `%s`\n" % code)
        section = page[start:page.find("\n####", start + 1)]
        assert entry.cause in section and entry.fix in section, code
        assert "*Exit status:* `%d`" % entry.exit_status in section and entry.summary in section, code
    assert "| `64` | usage error (bad arguments) |" in page and "DSS_FRAMEWORK_TIMEOUT" in page


def test_the_json_reference_has_every_commands_shape():
    page = _committed("reference/json-output.md")
    for name in SCHEMAS:
        assert "## `%s`" % name in page and "The JSON Schema of `%s --json`" % name in page, name


def test_gen_docs_writes_these_pages():
    assert set(docs_errors.pages()) <= set(gen_docs.pages())
