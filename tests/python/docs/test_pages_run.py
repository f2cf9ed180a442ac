"""Getting started and the Concepts pages, run as a reader runs them, and checked against what they
show: every block marked runnable runs in order (the Concepts pages one after another in one shell,
in the site's order, from a folder laid out like the repository's root, since they work on
``examples/``), and every ``text`` block right after a runnable block, which
the page presents as that command's output, is what the command printed today (``...`` on a line of
its own stands for lines left out; the port, apply ids and times may differ). A page that drifts from
what the tool prints fails here, not in a reader's shell."""
import os
import re
import shutil
from typing import Dict, List, Optional, Tuple

import pytest

from docblocks import DOCS, ROOT, Block, blocks, runnable_shell, script
from test_getting_started import free_port, run_script

CONCEPTS = [  # in the site's order, which a reader follows in one shell
    "concepts/configuration-plan-apply-state.md",
    "concepts/drift-and-ownership.md",
    "concepts/locking-and-rollback.md",
    "concepts/deletion.md",
    "concepts/secrets.md",
]
STOP_PREVIOUS = "stop the one already on\nthat port first: `kill %1`"
DOC_PORT = "11200"
BLOCK_START = re.compile(r"^>>> (\S+):(\d+)$")
VARYING = [  # what differs from one run to the next, and stands for itself on both sides
    (re.compile(r"\d{8}T\d{6}Z-[0-9a-f]{8}"), "<APPLY-ID>"),
    (re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z"), "<TIME>"),
    (re.compile(r"\(git [0-9a-f]{12}\)"), "(git <COMMIT>)"),
]


def shown_outputs(markdown: str) -> List[Tuple[Block, Block]]:
    """Each ``text`` block that follows a runnable block with no other block between them, with that
    runnable block: what the page says the block prints."""
    found = blocks(markdown)
    return [(run, shown) for run, shown in zip(found, found[1:]) if run.expect is not None and shown.lang == "text"]


def outputs_by_block(page: str, output: str) -> Dict[int, str]:
    """The output of a page's run cut at the ``>>> PAGE:LINE`` line the script prints before each
    block: block line -> what that block printed."""
    parts = {}  # type: Dict[int, List[str]]
    current = None  # type: Optional[int]
    for line in output.splitlines():
        start = BLOCK_START.match(line)
        if start and start.group(1) == page:
            current = int(start.group(2))
            parts[current] = []
        elif current is not None:
            parts[current].append(line)
    return {line: "\n".join(text) for line, text in parts.items()}


def normalise(text: str, port: str) -> List[str]:
    """The lines of an output with what varies between runs replaced, and trailing spaces dropped."""
    text = text.replace("127.0.0.1:%s" % port, "127.0.0.1:<PORT>")
    for pattern, stand_in in VARYING:
        text = pattern.sub(stand_in, text)
    return [line.rstrip() for line in text.splitlines()]


def mismatch(shown: str, printed: str, port: str) -> Optional[str]:
    """None when ``shown`` is what was ``printed``: its runs of lines between ``...`` lines appear
    whole, in order; else the first run of lines that does not."""
    actual = normalise(printed, port)
    segments = [[]]  # type: List[List[str]]
    for line in normalise(shown, DOC_PORT):
        if line.strip() == "...":
            segments.append([])
        else:
            segments[-1].append(line)
    position = 0
    for segment in [s for s in segments if s]:
        found = next((i for i in range(position, len(actual) - len(segment) + 1)
                      if actual[i:i + len(segment)] == segment), None)
        if found is None:
            return "\n".join(segment)
        position = found + len(segment)
    return None


def repository_like(folder: str) -> None:
    """Lay ``folder`` out as the repository's root, as far as the pages use it: ``examples/``."""
    shutil.copytree(os.path.join(ROOT, "examples"), os.path.join(folder, "examples"))


def _read(page: str) -> str:
    with open(os.path.join(DOCS, page), encoding="utf-8") as f:
        return f.read()


def check_outputs(page: str, markdown: str, out: str, port: int) -> None:
    """Every output the page shows after a runnable block is what that block printed in ``out``."""
    printed = outputs_by_block(page, out)
    for run, shown in shown_outputs(markdown):
        wrong = mismatch(shown.text, printed.get(run.line, ""), str(port))
        assert wrong is None, "%s:%d shows lines the block at line %d did not print:\n%s\n--- it printed:\n%s" % (
            page, shown.line, run.line, wrong, printed.get(run.line, ""))


def test_getting_started_prints_what_it_shows(tmp_path):
    page = "getting-started.md"
    markdown = _read(page)
    port = free_port()
    code, out = run_script(script(page, markdown), str(tmp_path), port)
    assert code == 0, out[-6000:]
    check_outputs(page, markdown, out, port)


def concepts_script(pages: Dict[str, str]) -> str:
    """The Concepts pages' runnable blocks as a reader runs them in one shell, page after page, from
    the repository's root: a page that starts an emulator first says to stop the previous one with
    ``kill %1``, which is typed (and waited for) before its blocks."""
    parts = []
    for page, markdown in pages.items():
        if "dss_emulator serve" in markdown:
            assert STOP_PREVIOUS in markdown, "%s starts an emulator without saying to stop the previous one" % page
            parts.append("kill %1 2>/dev/null && wait %1 2>/dev/null || true\n")
            parts.append('if curl -s "http://127.0.0.1:$DSS_PORT/" >/dev/null; then\n'
                         '  echo "%s: the previous emulator still answers" >&2; exit 1\nfi\n' % page)
        parts.append(script(page, markdown))
    return "".join(parts)


def test_the_concepts_pages_run_one_after_another_and_print_what_they_show(tmp_path):
    pages = {page: _read(page) for page in CONCEPTS}
    for page, markdown in pages.items():
        assert runnable_shell(markdown), "%s has no block marked runnable" % page
    repository_like(str(tmp_path))
    port = free_port()
    code, out = run_script(concepts_script(pages), str(tmp_path), port)
    assert code == 0, out[-6000:]
    for page, markdown in pages.items():
        check_outputs(page, markdown, out, port)


PRINTED = """dss-framework plan for project P on http://127.0.0.1:40001

  ~ dataset.d  (1 field differs)
      description: "a" -> "b"

Apply id: 20261205T011409Z-8d966056
Plan: 0 to create, 1 to update, 0 to delete."""


@pytest.mark.parametrize("shown", [
    "dss-framework plan for project P on http://127.0.0.1:11200\n...\nPlan: 0 to create, 1 to update, 0 to delete.",
    "  ~ dataset.d  (1 field differs)\n      description: \"a\" -> \"b\"\n...\nApply id: 20261201T161824Z-b1eb5eb2",
])
def test_a_shown_output_matches_with_gaps_port_and_ids(shown):
    assert mismatch(shown, PRINTED, "40001") is None


@pytest.mark.parametrize("shown", [
    "Plan: 0 to create, 2 to update, 0 to delete.",  # a figure the command no longer prints
    "  ~ dataset.d  (1 field differs)\n      description: \"b\" -> \"a\"",  # a line changed
    "Plan: 0 to create, 1 to update, 0 to delete.\n...\n  ~ dataset.d  (1 field differs)",  # out of order
    "  ~ dataset.d  (1 field differs)\n\nApply id: 20261201T161824Z-b1eb5eb2",  # a line left out without ...
])
def test_a_stale_shown_output_is_caught(shown):
    assert mismatch(shown, PRINTED, "40001") is not None


def test_outputs_are_cut_per_block_and_paired_with_the_block_before():
    page = "<!-- runnable -->\n```sh\necho one\n```\n\n```text\none\n```\n\n```sh\necho two\n```\n\n```text\ntwo\n```\n"
    pairs = shown_outputs(page)
    assert [(run.line, shown.text) for run, shown in pairs] == [(3, "one\n")]  # the second sh block is not run
    assert outputs_by_block("p.md", "noise\n>>> p.md:3\none\n>>> p.md:11\ntwo\n") == {3: "one", 11: "two"}


def test_the_concepts_run_in_the_sites_order():
    """A reader goes through the pages as the Concepts index lists them; every one with commands is run."""
    listed = ["concepts/" + name for name in re.findall(r"\]\(([\w-]+\.md)\)", _read("concepts/index.md"))]
    assert CONCEPTS == [page for page in listed if runnable_shell(_read(page))]
