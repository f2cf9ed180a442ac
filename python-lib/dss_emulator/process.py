"""Run the emulator as a child process (demo, benchmarks, CLI tests): start, wait ready, stop."""
import os
import re
import subprocess
import sys
import time

READY = re.compile(r"DSS emulator listening on (http://\S+)")


class EmulatorProcess:
    """``python -m dss_emulator serve`` in a subprocess; ``url`` is known once it printed its ready line."""

    def __init__(self, args, timeout=30.0, env=None):
        self.args = list(args)
        self.timeout = timeout
        self.env = env
        self.proc = None
        self.url = None

    def start(self):
        cmd = [sys.executable, "-m", "dss_emulator", "serve"] + self.args
        env = dict(os.environ if self.env is None else self.env)
        here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        env["PYTHONPATH"] = here + os.pathsep + env.get("PYTHONPATH", "")
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                                     universal_newlines=True)
        deadline = time.time() + self.timeout
        while time.time() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                break
            m = READY.search(line)
            if m:
                self.url = m.group(1)
                return self
        err = self.proc.stderr.read() if self.proc.poll() is not None else ""
        self.stop()
        raise RuntimeError("the DSS emulator did not start: %s" % (err.strip() or "no ready line"))

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        if self.proc:
            for stream in (self.proc.stdout, self.proc.stderr):
                if stream:
                    stream.close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
