"""The Python API page's example is run as written: its runnable blocks, in order, in an empty folder,
against an emulator the page starts on the port the test gives it (the runner Getting started uses)."""
import os

from docblocks import DOCS, runnable
from test_getting_started import run_page


def test_the_python_api_example_runs(tmp_path):
    with open(os.path.join(DOCS, "reference", "python-api.md"), encoding="utf-8") as f:
        markdown = f.read()
    assert [b.lang for b in runnable(markdown)] == ["sh", "python"]
    code, out = run_page("reference/python-api.md", markdown, str(tmp_path))
    assert code == 0, out[-6000:]
