"""Every command's parser is built the same way (``commands.plan.command_parser`` and
``add_connection_options``): its ``--help`` ends with the exit codes every command shares, and a
command that talks to DSS words ``--host`` and ``--api-key`` alike (the key's warning about process
listings included). Walks the real ``build_parser()``, subcommands of subcommands too."""
import argparse

from dataiku_framework.cli import build_parser, exit_codes_text


def _commands(parser, path=()):
    """(command path, parser) of every subcommand below ``parser``, depth first."""
    for action in parser._actions:  # argparse offers no public way to list subparsers
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield path + (name,), sub
                yield from _commands(sub, path + (name,))


def _option(parser, flag):
    return next((a for a in parser._actions if flag in a.option_strings), None)


def test_every_command_help_ends_with_the_exit_codes():
    missing = [" ".join(path) for path, sub in _commands(build_parser()) if exit_codes_text() not in sub.format_help()]
    assert missing == []


def test_every_command_that_talks_to_dss_words_its_credentials_alike():
    """The reference wording is plan's; ``validate`` (``--online``) may say what it needs them for."""
    commands = dict(_commands(build_parser()))
    reference = {flag: _option(commands[("plan",)], flag).help for flag in ("--host", "--api-key")}
    assert "process listings" in reference["--api-key"]
    differing = []
    for path, sub in commands.items():
        for flag, text in reference.items():
            option = _option(sub, flag)
            if option is not None and option.help.replace(" for --online", "") != text:
                differing.append("%s %s" % (" ".join(path), flag))
    assert differing == []


def test_import_help_names_every_kind_include_accepts():
    """The kinds come from the registry (``importer.read.importable``): a kind added there is named
    in ``import --help`` too, not only in the error for an unknown one."""
    from dataiku_framework.importer.read import importable
    include = _option(dict(_commands(build_parser()))[("import",)], "--include")
    assert [kind for kind in importable() if kind not in include.help] == []
