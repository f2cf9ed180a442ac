"""Control characters never reach a terminal or a page (issue 14 §5).

A code line made of ``ESC[2K ESC[1A`` erased the plan lines printed before it, so a change could
hide itself at the apply prompt. Every view (text, Markdown, HTML, the apply result, ``history``)
shows C0/C1 control characters other than newline and tab visibly, as ``\\x1b``.
"""
import json
import re

import pytest

from emusupport import ADMIN_KEY
from dataiku_framework import exitcodes
from dataiku_framework.apply.result import ResourceResult, Result
from dataiku_framework.cli import main
from dataiku_framework.commands.apply import history_table
from dataiku_framework.render import render_html, render_markdown, render_text
from dataiku_framework.render.result import render_result_html
from dataiku_framework.state import ProjectLock
from dataiku_framework.state.dssfiles import LibraryDocument

ERASE = "\x1b[2K\x1b[1A"   # erase the line, move up: repeated, it hides what was printed before
#: Every kind of character that must not reach a terminal raw: C0 (ESC, CR, BEL, BS, NUL), DEL, C1 (CSI), and the
#: Unicode line separator and right-to-left override.
HOSTILE = ["\x1b", "\r", "\x07", "\x08", "\x00", "\x7f", "\x9b", "\u2028", "\u202e"]
#: What a view may still contain: newline, tab, and (coloured text only) its own SGR colour codes.
_RAW = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_OWN_COLOURS = re.compile("\x1b\\[[0-9;]*m")


def _assert_no_raw_control(text, colored=False):
    if colored:
        text = _OWN_COLOURS.sub("", text)
    found = _RAW.search(text)
    assert found is None, "raw %r at %d: %r" % (found.group(0), found.start(), text[found.start() - 40:found.end() + 40])


def _doc():
    code_before = "import dataiku\nprint(1)\n"
    code_after = "import dataiku\n# " + ERASE * 6 + "\nprint(2)\n"
    entries = [
        {"address": "recipe.compute", "kind": "recipe", "name": "compute", "action": "update",
         "reason": "1 field differs\r\x1b[2K", "depends_on": [], "before": None, "after": None,
         "changes": [{"path": "code", "before": code_before, "after": code_after, "origin": "config"}]},
        {"address": "dataset.D", "kind": "dataset", "name": "D", "action": "update", "reason": "", "depends_on": [],
         "before": None, "after": None, "changes": [
             {"path": "description", "before": "a", "after": "".join("x%sy" % c for c in HOSTILE), "origin": "config"},
             {"path": "params.long", "before": "short", "after": "z" * 90 + "\x9b2J", "origin": "config"}]},
        {"address": "dataset.N\x1b[2K", "kind": "dataset", "name": "N\x1b[2K", "action": "create", "reason": "new",
         "depends_on": [], "before": None, "after": {"type": "Filesystem", "description": "\x1b]0;title\x07"},
         "changes": []},
    ]
    return {"format_version": "1.1",
            "metadata": {"tool_version": "0", "dss_url": "http://dss\x1b[2K:1", "project_key": "P\x1b[1A",
                         "environment": "prod\r", "created_by": "admin\x1b[2K", "config_source": "c\x07.yaml",
                         "config_digest": "sha256:00", "live_digest": "sha256:11", "created_at": "t", "targets": []},
            "resource_changes": entries, "unmanaged": [{"address": "dataset.U\x1b[1A"}],
            "not_deleted": [{"address": "dataset.Z", "reason": "kept\x1b[2K"}],
            "drift": [{"address": "recipe.compute", "path": "code", "before": "a\n", "after": "b\x1b[2K\n"}],
            "conflicts": [], "execution_groups": [], "summary": {"create": 1, "update": 2, "delete": 0, "replace": 0}}


@pytest.mark.parametrize("view", ["text", "color", "markdown", "html", "fragment"])
def test_every_plan_view_shows_control_characters_escaped(view):
    render = {"text": render_text, "color": lambda d: render_text(d, color=True), "markdown": render_markdown,
              "html": render_html, "fragment": lambda d: render_html(d, fragment=True)}[view]
    out = render(_doc())
    _assert_no_raw_control(out, colored=view == "color")
    assert "\\x1b[2K\\x1b[1A" in out  # the hostile code line is visible, not obeyed
    assert "\\x9b" in out and "\\u202e" in out
    lines = out.splitlines()
    assert any("print(2)" in line for line in lines)


def test_the_apply_result_page_shows_control_characters_escaped():
    result = Result("P1", "apply", "a1", [
        ResourceResult("dataset.D", "dataset", "D", "update", "failed", error="DSS said: \x1b[2Kbad\x9b", duration=1.0)],
        writes=1, notes=["note \x1b[1A"])
    page = render_result_html("Apply \x1b[2K", failed=True, result=result.to_dict(), notices=["n\x07"],
                              facts=[("holder", "u\x1b[2K")], details="line\x1b[1A", plan_doc=_doc())
    _assert_no_raw_control(page)
    assert "\\x1b[2Kbad\\x9b" in page and "u\\x1b[2K" in page


def test_the_history_table_shows_control_characters_escaped():
    table = history_table([{"apply_id": "a1\x1b[1A", "operation": "apply", "result": "succeeded", "started_at": "t",
                            "user": "mallory\x1b[2K\x1b[1A", "counts": {}, "config_source": "c\r.yaml",
                            "host": "h\x9b"}])
    _assert_no_raw_control(table)
    assert "mallory\\x1b[2K\\x1b[1A" in table


CONFIG = """\
version: "1.0"
project:
  key: CTRL
  name: control characters
"""


def _run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def ctrl(emulator, monkeypatch, tmp_path, capsys):
    """Project CTRL applied once through the CLI, with the emulator's administrator credentials in DSS_*;
    the configuration's path."""
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("DSS_HOST", emulator.url)
    monkeypatch.setenv("DSS_API_KEY", ADMIN_KEY)
    path = tmp_path / "c.yaml"
    path.write_text(CONFIG)
    code, out, err = _run(capsys, "apply", str(path), "--auto-approve")
    assert code == exitcodes.OK, err
    return path


def test_history_from_an_edited_state_is_printed_escaped(ctrl, client, capsys):
    """Any project writer can edit state.json: the user and host it records are data, never terminal commands."""
    path = ctrl
    path.write_text(CONFIG + "  description: changed\n")
    code, out, err = _run(capsys, "apply", str(path), "--auto-approve")  # an apply with a git checkpoint
    assert code == exitcodes.OK, err
    state = LibraryDocument(client, "CTRL", "state.json")
    doc = state.read_document()
    doc["history"][-1]["user"] = "mallory" + ERASE * 3
    doc["history"][-1]["host"] = "box\x9b2J"
    doc["history"][-1]["apply_id"] += "\x1b[2K"
    state.write_document(doc)
    code, out, err = _run(capsys, "rollback", "CTRL")  # shows its plan, then refuses: no terminal
    assert "rollback of project CTRL" in out, err
    _assert_no_raw_control(out + err)
    code, out, err = _run(capsys, "history", "CTRL")
    assert code == exitcodes.OK, err
    _assert_no_raw_control(out + err)
    assert "mallory" + "\\x1b[2K\\x1b[1A" * 3 in out
    code, out, err = _run(capsys, "history", "CTRL", "--json")
    assert code == exitcodes.OK, err
    _assert_no_raw_control(out + err)
    entries = json.loads(out)  # still the same JSON values
    assert entries[0]["user"] == "mallory" + ERASE * 3 and entries[0]["host"] == "box\x9b2J"
    assert entries[0]["apply_id"].endswith(ERASE[:4])


def test_validation_messages_show_control_characters_escaped():
    from dataiku_framework.config.api import load_and_validate
    from dataiku_framework.config.diagnostics import render_human
    text = CONFIG + 'datasets:\n  - {name: D, type: Filesystem, managed: true, zone: "z\\e[2K\\e[1A"}\n' \
                    'recipes:\n  - {name: r, type: sync, inputs: ["X\\e[1A"], outputs: [D]}\n'
    diags = load_and_validate(text)[1]
    assert len(diags) >= 2
    out = render_human(diags)
    _assert_no_raw_control(out)
    assert "\\x1b[1A" in out


def test_a_lock_holder_from_an_edited_lock_file_is_shown_escaped(ctrl, client, capsys):
    """lock.json is any project writer's to edit: the holder named by apply's refusal and by unlock is data."""
    path = ctrl
    held = ProjectLock(client, "CTRL", operation="apply", settle=0).acquire()
    record = LibraryDocument(client, "CTRL", "lock.json")
    doc = record.read_document()
    doc["host"] = "box" + ERASE * 4
    record.write_document(doc)
    path.write_text(CONFIG + "  description: changed\n")
    code, out, err = _run(capsys, "apply", str(path), "--auto-approve")
    assert code == exitcodes.INVALID and "is locked" in err
    _assert_no_raw_control(out + err)
    assert "box" + "\\x1b[2K\\x1b[1A" * 4 in err
    code, out, err = _run(capsys, "unlock", "CTRL", held.id)
    assert code == exitcodes.OK, err
    _assert_no_raw_control(out + err)
    assert "box\\x1b[2K" in out


def test_command_error_lines_show_control_characters_escaped_and_secrets_redacted(capsys):
    """Every command's error line goes through ``commands.plan._error``: it quotes names read from DSS
    and the state (any project writer can edit them), and DSS errors that echo what they were sent."""
    from dataiku_framework.commands.plan import _error
    _error("plan", "unknown zone 'z\x1b[2K\x1b[1A' on jdbc:postgresql://db/x?user=u&password=Hunter2Secret9",
           "dss.refused")
    err = capsys.readouterr().err
    assert err.startswith("dss-framework plan: error[dss.refused]: ")
    assert "\x1b" not in err and "\\x1b[2K\\x1b[1A" in err
    assert "Hunter2Secret9" not in err


def test_the_rollback_preview_page_shows_control_characters_escaped():
    """The Rollback macro's preview lists paths read from the project's git, which any writer shapes."""
    from dataiku_framework.apply.rollback import RollbackPlan
    preview = RollbackPlan("P1", {"apply_id": "20261204T000000Z-abcd"}, "c0ffee",
                           [{"action": "update", "address": "dataset.a\x1b[2K", "managed": True,
                             "files": [{"change": "M", "path": "datasets/a\x9b1A.json"}]}])
    page = preview.to_html()
    assert "\x1b" not in page and "\x9b" not in page
    assert "dataset.a\\x1b[2K" in page and "\\x9b1A" in page
