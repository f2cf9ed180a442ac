"""Read the fenced code blocks of a documentation page, and the markers that say which ones to run.

A block is runnable when the line just before its opening fence is the HTML comment
``<!-- runnable -->`` (invisible in the built site), optionally ``<!-- runnable exit=N -->`` when the
command documents a non-zero exit status (``drift`` exits 2 when DSS differs). The docs tests run
exactly those blocks, so what a page shows is what was run."""
import os
import re
from typing import List, NamedTuple, Optional, Tuple

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
DOCS = os.path.join(ROOT, "docs")

MARKER = re.compile(r"^<!--\s*runnable(?:\s+exit=(\d+))?\s*-->\s*$")
FENCE = re.compile(r"^(```+|~~~+)\s*([\w+-]*)")


class Block(NamedTuple):
    """One fenced block: its language, its text, the line its text starts on, and, when it is
    marked runnable, the exit status it must end with (None when it is not runnable)."""
    lang: str
    text: str
    line: int
    expect: Optional[int]


def blocks(markdown: str) -> List[Block]:
    """Every fenced block of a Markdown text, in order, with its runnable marker."""
    lines = markdown.splitlines()
    found = []
    i = 0
    while i < len(lines):
        opening = FENCE.match(lines[i])
        if not opening:
            i += 1
            continue
        fence, lang = opening.group(1), opening.group(2)
        marker = MARKER.match(lines[i - 1]) if i > 0 else None
        end = i + 1
        while end < len(lines) and not lines[end].startswith(fence):
            end += 1
        expect = int(marker.group(1) or 0) if marker else None
        found.append(Block(lang, "\n".join(lines[i + 1:end]) + "\n", i + 2, expect))
        i = end + 1
    return found


SHELL = ("sh", "bash", "shell")
PYTHON = ("python", "py")


def runnable(markdown: str) -> List[Block]:
    """The shell and Python blocks marked runnable, in page order."""
    return [b for b in blocks(markdown) if b.expect is not None and b.lang in SHELL + PYTHON]


def runnable_shell(markdown: str) -> List[Block]:
    """The shell blocks marked runnable, in page order."""
    return [b for b in runnable(markdown) if b.lang in SHELL]


def _command(block: Block) -> str:
    """A block as shell text: a shell block as it is, a Python block fed to the ``python`` on PATH
    (the virtualenv's), in the same folder and environment as the shell blocks around it."""
    if block.lang in PYTHON:
        return "python - <<'DOCS_PYTHON_EOF'\n%sDOCS_PYTHON_EOF\n" % block.text
    return block.text


def script(page: str, markdown: str) -> str:
    """One bash script running a page's runnable blocks in order, in one shell (so that an
    ``export`` or a background server of one block serves the next): each block must end with its
    expected status, else the script stops (a block expected to succeed stops at its first failing
    command, as ``set -e`` does); the line ``>>> PAGE:LINE`` on stderr says which block ran last.
    Background jobs are ended at exit."""
    parts = ["set -e", "trap 'kill $(jobs -p) 2>/dev/null || true' EXIT"]
    for block in runnable(markdown):
        parts.append("echo '>>> %s:%d' >&2" % (page, block.line))
        if block.expect == 0:
            parts.append(_command(block))
            continue
        parts.append("set +e\n{\n%s}\nrc=$?\nset -e" % _command(block))
        parts.append('if [ "$rc" != %d ]; then echo "%s:%d: the block exited $rc, the page says %d" >&2; exit 1; fi'
                     % (block.expect, page, block.line, block.expect))
    return "\n".join(parts) + "\n"


CONFIG_MARKER = re.compile(r"^<!--\s*config(\s+partial)?\s*-->\s*$")


def config_blocks(markdown: str) -> List[Tuple[Block, bool]]:
    """The YAML blocks marked ``<!-- config -->`` (a whole configuration) or ``<!-- config partial -->``
    (top-level keys to validate inside a minimal whole configuration), each with whether it is partial."""
    lines = markdown.splitlines()
    out = []
    for block in blocks(markdown):
        marker_index = block.line - 3  # the line before the opening fence
        marker = CONFIG_MARKER.match(lines[marker_index]) if marker_index >= 0 else None
        if marker and block.lang in ("yaml", "yml"):
            out.append((block, bool(marker.group(1))))
    return out
