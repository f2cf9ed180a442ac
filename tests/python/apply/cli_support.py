"""The CLI run in-process against an emulator, for the apply tests (importable as ``cli_support``)."""
import sys

from emusupport import ADMIN_KEY

from dataiku_framework.cli import main

CREDENTIAL_VARS = ("DKU_DSS_URL", "DKU_API_KEY", "DSS_HOST", "DSS_API_KEY")


class Terminal(object):
    """Standard input: a terminal giving ``answers`` in turn (None: not a terminal, nothing to read)."""

    def __init__(self, answers=None, on_read=None):
        self.answers = list(answers) if answers is not None else None
        self.on_read = on_read
        self.prompted = 0

    def isatty(self):
        return self.answers is not None

    def readline(self):
        self.prompted += 1
        if self.on_read is not None:
            self.on_read(self.prompted)
        return self.answers.pop(0) if self.answers else ""


def cli_runner(emu, monkeypatch, tmp_path, capsys, key=ADMIN_KEY):
    """``run(*argv) -> (code, out, err)``: ``cli.main`` with ``key`` on the emulator in DSS_*, a HOME of
    its own, and standard input that is not a terminal (replace ``sys.stdin`` with a ``Terminal``)."""
    monkeypatch.setenv("HOME", str(tmp_path))
    for name in CREDENTIAL_VARS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DSS_HOST", emu.url)
    monkeypatch.setenv("DSS_API_KEY", key)
    monkeypatch.setattr(sys, "stdin", Terminal())

    def run(*argv):
        code = main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err
    return run
