"""Getting started is run as written: every shell block marked runnable, in order, in an empty
folder, against an emulator the page itself starts on the port the test gives it in ``DSS_PORT``."""
import os
import signal
import socket
import subprocess
import sys

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
    env["HOME"] = os.environ.get("HOME", "/tmp")
    return env


@pytest.mark.parametrize("page", PAGES)
def test_runnable_blocks_run_in_order(page, tmp_path):
    with open(os.path.join(DOCS, page), encoding="utf-8") as f:
        markdown = f.read()
    assert runnable_shell(markdown), "%s has no block marked runnable" % page
    proc = subprocess.Popen(["bash", "-c", script(page, markdown)], cwd=str(tmp_path), env=page_env(free_port()),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        out, _ = proc.communicate(timeout=300)
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)  # an emulator left behind by a failed block
        except ProcessLookupError:
            pass
    assert proc.returncode == 0, out.decode("utf-8", "replace")[-6000:]
