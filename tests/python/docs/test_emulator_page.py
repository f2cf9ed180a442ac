"""The emulator page's `serve` example works from a fresh clone as printed: every path it names is in
the repository (no ``../shared``), it prints the ready line the page quotes, seeds the export as the
project it names, adds the connection and accepts the key. Run from the repository root as the page
says, with the port and data folder the test chooses (parallel workers must not collide, and the
user's ``.emulator-data`` is never touched)."""
import os
import re
import shlex
import subprocess
import sys

import dataikuapi

from docblocks import DOCS, ROOT, blocks
from test_getting_started import free_port

PAGE = os.path.join(DOCS, "reference", "emulator.md")


def serve_example() -> str:
    with open(PAGE, encoding="utf-8") as f:
        found = [b.text for b in blocks(f.read()) if b.lang == "sh" and "dss_emulator serve" in b.text]
    assert found, "emulator.md lost its serve example"
    return found[0]


def test_the_serve_example_runs_from_a_clone(tmp_path):
    text = serve_example()
    ready = re.search(r"# prints: (.*)$", text, re.M).group(1)
    argv = shlex.split(text.split("\n# prints:")[0].replace("\\\n", " "))
    assert argv[0] == ".venv/bin/python" and argv[1:4] == ["-m", "dss_emulator", "serve"]
    port = free_port()
    args = argv[4:]
    args[args.index("--port") + 1] = str(port)
    args[args.index("--data-dir") + 1] = str(tmp_path / "data")
    key, login = args[args.index("--api-key") + 1].split(":")
    seeded = args[args.index("--seed-export") + 1].split("=", 1)
    assert os.path.isdir(os.path.join(ROOT, seeded[1])), "the page seeds an export a clone does not have"
    env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "python-lib"))
    proc = subprocess.Popen([sys.executable, "-m", "dss_emulator", "serve"] + args, cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True)
    try:
        line = proc.stdout.readline().strip()
        assert line == ready.replace("11200", str(port)), line
        client = dataikuapi.DSSClient("http://127.0.0.1:%d" % port, key)
        assert seeded[0] in client.list_project_keys()
        connection = args[args.index("--connection") + 1].split(":")[0]
        assert connection in client.list_connections()
        assert client.get_auth_info()["authIdentifier"] == login
    finally:
        proc.kill()
        proc.wait()


def documented_options() -> set:
    with open(PAGE, encoding="utf-8") as f:
        return set(re.findall(r"^\| `(--[\w-]+)", f.read(), re.M))


def serve_options() -> set:
    """The options ``python -m dss_emulator serve --help`` lists."""
    env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "python-lib"))
    out = subprocess.run([sys.executable, "-m", "dss_emulator", "serve", "--help"], env=env, check=True,
                         stdout=subprocess.PIPE, universal_newlines=True).stdout
    return set(re.findall(r"^\s+(--[\w-]+)", out, re.M)) - {"--help"}


def test_the_option_table_lists_every_serve_option():
    assert documented_options() == serve_options()
