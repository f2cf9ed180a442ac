"""The credentials page names every command that connects to DSS (the issue found it naming three of
them while apply, history, rollback, unlock and import used the same credentials): a command takes
``--host`` exactly when it connects, so the list is read from the parser."""
import argparse
import os
import re
from typing import List

from docblocks import DOCS
from dataiku_framework import cli

PAGE = os.path.join(DOCS, "reference", "credentials.md")


def _connects(parser: argparse.ArgumentParser) -> bool:
    """The parser, or one of its subcommands, takes --host."""
    for action in parser._actions:
        if "--host" in action.option_strings:
            return True
        if isinstance(action, argparse._SubParsersAction) and any(_connects(p) for p in action.choices.values()):
            return True
    return False


def connecting_commands() -> List[str]:
    commands = cli.build_parser()._subparsers._group_actions[0].choices
    return sorted(name for name, parser in commands.items() if _connects(parser))


def named_in_first_paragraph(text: str) -> List[str]:
    body = text.split("\n\n", 2)[1]
    return sorted(set(re.findall(r"`([a-z]+)(?: --[a-z-]+)?`", body)))


def test_every_command_that_connects_is_named():
    found = connecting_commands()
    assert {"plan", "apply", "rollback", "unlock", "import"} <= set(found), found
    with open(PAGE, encoding="utf-8") as f:
        named = named_in_first_paragraph(f.read())
    assert [c for c in found if c not in named] == []


def test_a_missing_command_is_caught():
    text = "# Credentials\n\nCommands that talk to DSS (`plan`, `drift`, `validate --online`) look for ...\n"
    assert [c for c in connecting_commands() if c not in named_in_first_paragraph(text)]
