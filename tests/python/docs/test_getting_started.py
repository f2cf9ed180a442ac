"""Every how-to guide is run as written (Getting started too, by test_pages_run.py with this runner): every shell and Python block marked
runnable, in order, each page in its own empty folder, against an emulator the page itself starts on
the port the test gives it in ``DSS_PORT`` (and a second one on ``DSS_PORT_2``, for the page that moves
a project between instances). Every how-to page runs but the plugin's, which needs a real DSS and says so.
The runner itself is tested on small pages: a failing block, or a block ending with another status
than the page says, fails the run naming the page and line."""
import os
import signal
import socket
import subprocess
import sys
import time
from typing import Optional, Tuple

import pytest

from docblocks import DOCS, ROOT, runnable, runnable_shell, script

HOW_TO = os.path.join(DOCS, "how-to")
#: The how-to pages that cannot run here: they need a real DSS (each says so once).
NEEDS_DSS = ("plugin.md",)
#: Getting started itself runs in test_pages_run.py, which also checks the outputs it shows.
PAGES = ["how-to/%s" % name for name in sorted(os.listdir(HOW_TO))
         if name.endswith(".md") and name not in NEEDS_DSS + ("index.md",)]


def free_port() -> int:
    """A port nobody listens on now, so that parallel workers' emulators do not collide."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def page_env(port: int, port_2: int) -> dict:
    """The environment a reader has after the page's set-up: the virtualenv's commands on PATH (the
    one running the tests), this checkout's code first, and the ports. No DSS credentials are
    inherited: the page must set its own."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DSS_", "DKU_", "GIT_"))}
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    env["PYTHONPATH"] = os.path.join(ROOT, "python-lib")
    env["DSS_PORT"], env["DSS_PORT_2"] = str(port), str(port_2)
    return env


def run_script(text: str, folder: str, port: int, stdin: Optional[int] = None,
               port_2: Optional[int] = None) -> Tuple[int, str]:
    """Run a bash script in ``folder`` as a reader of the docs would (``page_env``); its exit status and
    output. ``HOME`` is the folder: no ~/.dataiku/config.json, no git identity of the machine (a page
    that commits sets its own). Whatever it left running in the background (the emulator) is ended with
    the whole process group. ``stdin``: a file descriptor to read from (a terminal, for a command that
    asks)."""
    env = page_env(port, port_2 or free_port())
    env["HOME"] = folder
    proc = subprocess.Popen(["bash", "-c", text], cwd=folder, env=env, stdin=stdin,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        out, _ = proc.communicate(timeout=300)
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    return proc.returncode, out.decode("utf-8", "replace")


def run_page(page: str, markdown: str, folder: str) -> Tuple[int, str]:
    """Run a page's runnable blocks in ``folder``; its exit status and output."""
    return run_script(script(page, markdown), folder, free_port())


def _read(page: str) -> str:
    with open(os.path.join(DOCS, page), encoding="utf-8") as f:
        return f.read()


@pytest.mark.parametrize("page", PAGES)
def test_runnable_blocks_run_in_order(page, tmp_path, record_property):
    markdown = _read(page)
    assert runnable_shell(markdown), "%s has no block marked runnable" % page
    started = time.monotonic()
    code, out = run_page(page, markdown, str(tmp_path))
    seconds = time.monotonic() - started
    record_property("page_seconds", round(seconds, 2))  # each page's duration, in the junit report
    print("%s: %d runnable blocks in %.1f s" % (page, len(runnable(markdown)), seconds))
    assert code == 0, out[-6000:]


def test_every_how_to_page_runs_or_says_why_not():
    """A how-to page added later is run (it is in PAGES) or listed as needing DSS, and then says so."""
    pages = sorted(n for n in os.listdir(HOW_TO) if n.endswith(".md") and n != "index.md")
    assert pages and all("how-to/" + n in PAGES or n in NEEDS_DSS for n in pages)
    for name in NEEDS_DSS:
        markdown = _read("how-to/" + name)
        assert not runnable(markdown) and "not run by the tests" in markdown, name


SMALL = """# A page

<!-- runnable -->
```sh
echo "$DSS_PORT" > port.txt
```

<!-- runnable -->
```python
import os
open("from_python.txt", "w").write(os.environ["DSS_PORT"])
```

<!-- runnable exit=3 -->
```sh
sh -c 'exit 3'
```

```sh
touch not_run.txt
```
"""


def test_runner_runs_marked_shell_and_python_blocks_only(tmp_path):
    code, out = run_page("small.md", SMALL, str(tmp_path))
    assert code == 0, out
    assert (tmp_path / "port.txt").read_text().strip() == (tmp_path / "from_python.txt").read_text()
    assert not (tmp_path / "not_run.txt").exists()


@pytest.mark.parametrize("old, new, line", [
    ("echo \"$DSS_PORT\" > port.txt", "false\necho after > after.txt", 5),  # a failing command stops its block
    ("sh -c 'exit 3'", "true", 16),  # a block documented as exiting 3 that succeeds
    ("open(\"from_python.txt\"", "open(\"missing/x.txt\"", 10),  # a Python block that raises
])
def test_runner_fails_naming_the_block(tmp_path, old, new, line):
    code, out = run_page("small.md", SMALL.replace(old, new), str(tmp_path))
    assert code != 0
    started = [text for text in out.splitlines() if text.startswith(">>> ")]
    assert started[-1] == ">>> small.md:%d" % line, out  # the block that failed is the last one started
    assert not (tmp_path / "after.txt").exists()
