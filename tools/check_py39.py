"""Parse every Python file of the plugin with a real Python 3.9 interpreter, when one is installed.

vermin (run first by `make check-py39`) reasons about features; this asks the 3.9 grammar itself.
It looks for `python3.9` on PATH, then for a pyenv-installed 3.9; without one it says so and
leaves the check to vermin (the exit code stays 0: not every machine has several Pythons).
`--which` only prints that interpreter's path (nothing when there is none): `make test-py39` uses
it to run the core suite under 3.9, so both find the same interpreter.
"""
import glob
import os
import subprocess
import sys

PARSE = ("import ast, sys\n"
         "bad = []\n"
         "for path in sys.argv[1:]:\n"
         "    try:\n"
         "        ast.parse(open(path, encoding='utf-8').read(), path)\n"
         "    except SyntaxError as e:\n"
         "        bad.append('%s:%s: %s' % (path, e.lineno, e.msg))\n"
         "print('\\n'.join(bad))\n"
         "sys.exit(1 if bad else 0)\n")


def candidates():
    yield "python3.9"
    root = os.environ.get("PYENV_ROOT") or os.path.expanduser("~/.pyenv")
    for path in sorted(glob.glob(os.path.join(root, "versions", "3.9*", "bin", "python3.9"))):
        yield path


def interpreter():
    """The first candidate that really runs as Python 3.9 (pyenv shims may exist but refuse)."""
    for exe in candidates():
        try:
            out = subprocess.run([exe, "-c", "import sys; print(sys.version_info[:2])"], stdout=subprocess.PIPE,
                                 stderr=subprocess.DEVNULL, universal_newlines=True, timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            continue
        if out.returncode == 0 and out.stdout.strip() == "(3, 9)":
            return exe
    return None


def main(dirs):
    files = sorted(f for d in dirs for f in glob.glob(os.path.join(d, "**", "*.py"), recursive=True))
    exe = interpreter()
    if exe is None:
        print("check_py39: no Python 3.9 interpreter here; vermin's check stands alone")
        return 0
    done = subprocess.run([exe, "-c", PARSE] + files)
    if done.returncode == 0:
        print("check_py39: %d files parse with Python 3.9" % len(files))
    return done.returncode


if __name__ == "__main__":
    if sys.argv[1:] == ["--which"]:
        print(interpreter() or "")
        sys.exit(0)
    sys.exit(main(sys.argv[1:] or ["python-lib", "python-runnables", "python-steps", "webapps"]))
