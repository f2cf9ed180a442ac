"""Ctrl-C outside an apply's own handling (while a command plans, before any write) ends the command
with one line and exit 130, never a traceback; the line carries its catalogue code, as every
command error does. (Ctrl-C and SIGTERM during an apply:
``tests/python/apply/test_apply_kill.py``.)"""
import os
import signal
import subprocess
import sys
import time

from emusupport import ADMIN_KEY, ROOT


def test_ctrl_c_while_planning_exits_130_with_one_line(emulator, tmp_path):
    path = tmp_path / "c.yaml"
    lines = ['version: "1.0"', "project: {key: CTRLC, name: Interrupted plan}", "datasets:"]
    lines += ["  - {name: ds_%d, type: Filesystem, managed: true, format_type: csv}" % i for i in range(5)]
    path.write_text("\n".join(lines) + "\n")
    emulator.faults.configure({"latency_ms": 300})  # every request is slow: the plan is surely under way
    env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "python-lib"))
    child = subprocess.Popen([sys.executable, "-m", "dataiku_framework.cli", "plan", str(path), "--host",
                              emulator.url, "--api-key", ADMIN_KEY], env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, universal_newlines=True)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and child.poll() is None and not emulator.stats.snapshot()["log"]:
            time.sleep(0.05)
        assert child.poll() is None, "the plan ended before it could be interrupted: %s" % (child.communicate(),)
        child.send_signal(signal.SIGINT)
        out, err = child.communicate(timeout=60)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        emulator.faults.clear()
    assert child.returncode == 130, (child.returncode, err[-2000:])
    assert "Traceback" not in err and err.strip().splitlines() == ["dss-framework: error[usage.interrupted]: interrupted"], \
        err[-2000:]
