"""Getting started is run as written: every shell and Python block marked runnable, in order, in an
empty folder, against an emulator the page itself starts on the port the test gives it in ``DSS_PORT``.
The runner itself is tested on small pages: a failing block, or a block ending with another status
than the page says, fails the run naming the page and line."""
import os
import signal
import socket
import subprocess
import sys
from typing import Optional, Tuple

import pytest

from docblocks import DOCS, ROOT, runnable_shell, script

PAGES = ["getting-started.md"]


def free_port() -> int:
    """A port nobody listens on now, so that parallel workers' emulators do not collide."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def page_env(port: int) -> dict:
    """The environment a reader has after the page's set-up: the virtualenv's commands on PATH (the
    one running the tests), this checkout's code first, and the port. No DSS credentials are
    inherited: the page must set its own."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DSS_", "DKU_"))}
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    env["PYTHONPATH"] = os.path.join(ROOT, "python-lib")
    env["DSS_PORT"] = str(port)
    return env


def run_script(text: str, folder: str, port: int, stdin: Optional[int] = None) -> Tuple[int, str]:
    """Run a bash script in ``folder`` as a reader of the docs would (``page_env``); its exit status and
    output. Whatever it left running in the background (the emulator) is ended with the whole process
    group. ``stdin``: a file descriptor to read from (a terminal, for a command that asks)."""
    proc = subprocess.Popen(["bash", "-c", text], cwd=folder, env=page_env(port), stdin=stdin,
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


@pytest.mark.parametrize("page", PAGES)
def test_runnable_blocks_run_in_order(page, tmp_path):
    with open(os.path.join(DOCS, page), encoding="utf-8") as f:
        markdown = f.read()
    assert runnable_shell(markdown), "%s has no block marked runnable" % page
    code, out = run_page(page, markdown, str(tmp_path))
    assert code == 0, out[-6000:]


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
