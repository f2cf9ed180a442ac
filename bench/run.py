"""Run every ``bench/bench_*.py`` in turn (``make bench``).

Each benchmark prints its own table and writes JSON under ``bench/results/``; a failing benchmark
makes the whole run fail.
"""
import glob
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def main():
    env = dict(os.environ)
    env["PYTHONPATH"] = os.path.join(ROOT, "python-lib") + os.pathsep + env.get("PYTHONPATH", "")
    os.makedirs(os.path.join(HERE, "results"), exist_ok=True)
    failed = []
    for script in sorted(glob.glob(os.path.join(HERE, "bench_*.py"))):
        print("== %s" % os.path.basename(script), flush=True)
        if subprocess.call([sys.executable, script], env=env, cwd=ROOT) != 0:
            failed.append(os.path.basename(script))
    if failed:
        print("failed: %s" % ", ".join(failed))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
