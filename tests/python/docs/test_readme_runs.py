"""The README's examples, run as written against an emulator the README's own command starts: its
plan example is what ``dss-framework plan`` prints for the configuration it shows (byte for byte, but
for the port, which the test chooses so that parallel workers do not collide); its five-command tour
runs as typed, on a terminal that answers ``yes`` to the two questions (apply, rollback); and its
Python block runs as a user copies it, after that configuration is saved as ``project.yaml``."""
import os
import pty
import re
from typing import Optional, Tuple

from docblocks import ROOT, blocks
from test_getting_started import free_port, run_script

README_PORT = "11200"


def _readme() -> str:
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as f:
        return f.read()


def _section(text: str, title: str) -> str:
    match = re.search(r"^## %s\n(.*?)(?=^## |\Z)" % re.escape(title), text, re.M | re.S)
    assert match, "README.md lost its section '## %s'" % title
    return match.group(1)


def _one(section: str, lang: str) -> str:
    found = [b.text for b in blocks(section) if b.lang == lang]
    assert len(found) == 1, "expected one %s block, found %d" % (lang, len(found))
    return found[0]


def _start_lines(section: str) -> str:
    """The README's commands that start the emulator and export the credentials, as typed, but for
    activating the virtualenv (the test's environment has it on PATH) and the port."""
    lines = [line for line in _one(section, "sh").splitlines() if "bin/activate" not in line]
    assert any("dss_emulator serve" in line for line in lines) and any("export DSS_HOST" in line for line in lines)
    return "\n".join(lines).replace(README_PORT, '"$DSS_PORT"') + "\n"


def _run(script: str, folder: str, port: int, stdin: Optional[int] = None) -> Tuple[int, str]:
    """The README's start commands, a wait until the emulator answers (a reader types slower than
    the emulator starts), then ``script``; its exit status and output."""
    wait = 'until curl -s "http://127.0.0.1:$DSS_PORT/" >/dev/null; do sleep 0.2; done\n'
    lines = _start_lines(_section(_readme(), "A configuration and its plan"))
    head, tail = lines.split("export", 1)
    full = "set -e\ntrap 'kill $(jobs -p) 2>/dev/null || true' EXIT\n" + head + wait + "export" + tail + script
    return run_script(full, folder, port, stdin)


def test_the_plan_example_is_what_plan_prints(tmp_path):
    section = _section(_readme(), "A configuration and its plan")
    (tmp_path / "project.yaml").write_text(_one(section, "yaml"), encoding="utf-8")
    port = free_port()
    code, out = _run("dss-framework plan project.yaml > plan.txt\n", str(tmp_path), port)
    assert code == 0, out[-4000:]
    expected = _one(section, "text").replace("127.0.0.1:%s" % README_PORT, "127.0.0.1:%d" % port)
    assert (tmp_path / "plan.txt").read_text(encoding="utf-8") == expected


def test_the_tour_runs_as_typed(tmp_path):
    text = _readme()
    (tmp_path / "project.yaml").write_text(_one(_section(text, "A configuration and its plan"), "yaml"),
                                           encoding="utf-8")
    tour = _one(_section(text, "The five-command tour"), "sh")
    master, slave = pty.openpty()  # apply and rollback ask on a terminal; the user types yes to both
    try:
        os.write(master, b"yes\nyes\n")
        code, out = _run(tour, str(tmp_path), free_port(), stdin=slave)
    finally:
        os.close(slave)
        os.close(master)
    assert code == 0, out[-4000:]
    for line in ("Configuration is valid", "Apply complete: 4 created", "No drift: DSS matches the configuration.",
                 "Rollback complete:"):
        assert line in out, out[-4000:]


def test_the_python_block_runs_as_written(tmp_path):
    text = _readme()
    (tmp_path / "project.yaml").write_text(_one(_section(text, "A configuration and its plan"), "yaml"),
                                           encoding="utf-8")
    code = _one(_section(text, "From Python"), "python")
    status, out = _run("python - <<'README_PYTHON_EOF'\n%sREADME_PYTHON_EOF\n" % code, str(tmp_path), free_port())
    assert status == 0, out[-4000:]
    assert "dss-framework plan for project SALES_DEV" in out and "Plan: 4 to create" in out
    saved = (tmp_path / "sales_dev.yaml").read_text(encoding="utf-8")
    assert "key: SALES_DEV" in saved and "Orders without duplicates" in saved
