"""The README is what a first user (or an AI agent) reads and copies from: short, and true.

It stays short (the long text lives in docs/, where it is tested); its set-up is exactly the two
commands of a fresh machine; its tour names real commands; every link into the site resolves; every
`make` target and repository path it names exists. That its plan example is what `plan` prints, and
that its tour runs as typed and its Python block as written, is checked against the emulator in
``tests/python/docs/test_readme_runs.py``.

The emulator's `serve` example moved to docs/reference/emulator.md: `make demo` must never delete the
folder that example keeps emulator projects in.
"""
import glob
import os
import re
import shutil
import subprocess
import sys
import uuid
from typing import List

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
sys.path.insert(0, os.path.join(ROOT, "python-lib"))

from dataiku_framework import cli  # noqa: E402

MAX_LINES = 160
EMULATOR_PAGE = os.path.join(ROOT, "docs", "reference", "emulator.md")

# Where a path the README names may be relative to: the repository, the core package's parent and
# the core package, and examples/.
BASES = ["", "python-lib", os.path.join("python-lib", "dataiku_framework"), "examples"]
PATH_TOKEN = re.compile(r"^[a-z][\w.-]*(/[\w.*-]*)+$")
PATH_IN_CODE = re.compile(r"(?<![\w./~$=-])((?:[a-z][\w.-]*/)+[\w.*-]*)")
LINK = re.compile(r"\]\(([^)\s]+)\)")


def _read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def _readme():
    return _read(os.path.join(ROOT, "README.md"))


def _section(text, title):
    """The body of the README's `## title` section (up to the next `## `)."""
    match = re.search(r"^## %s\n(.*?)(?=^## |\Z)" % re.escape(title), text, re.M | re.S)
    assert match, "README.md lost its section '## %s'" % title
    return match.group(1)


def _code_lines(section, lang="sh"):
    """The non-empty lines of a section's fenced blocks of one language, comments dropped."""
    blocks = re.findall(r"^```%s\n(.*?)^```" % lang, section, re.M | re.S)
    lines = [line.split("#", 1)[0].strip() for block in blocks for line in block.splitlines()]
    return [line for line in lines if line]


def _split(text):
    """(prose, code): the text outside fenced code blocks, and inside them."""
    parts = re.split(r"^```[^\n]*\n", text, flags=re.M)
    return "".join(parts[0::2]), "".join(parts[1::2])


def _named_paths(text):
    prose, code = _split(text)
    spans = re.findall(r"`([^`\n]+)`", prose)
    return sorted({s for s in spans if PATH_TOKEN.match(s)} | set(PATH_IN_CODE.findall(code)))


def _exists(path):
    return any(glob.glob(os.path.join(ROOT, base, path.rstrip("/"))) for base in BASES)


def _makefile_targets():
    return set(re.findall(r"^([A-Za-z][\w-]*)\s*:(?!=)", _read(os.path.join(ROOT, "Makefile")), re.M))


def _named_make_targets(text):
    return sorted(set(re.findall(r"(?:^|`)make ([a-z][\w-]*)", text, re.M)))


def _broken_links(text, base):
    """The relative links of a Markdown text (anchors dropped) that name no file under ``base``."""
    targets = [t.split("#", 1)[0] for t in LINK.findall(text) if not re.match(r"^[a-z]+:", t)]
    return [t for t in targets if t and not os.path.isfile(os.path.join(base, t))]


def _subcommands() -> List[str]:
    return sorted(cli.build_parser()._subparsers._group_actions[0].choices)


def test_the_readme_is_short():
    lines = _readme().count("\n")
    assert lines <= MAX_LINES, "README.md has %d lines; the long text belongs in docs/" % lines


def test_set_up_is_exactly_the_two_commands():
    assert _code_lines(_section(_readme(), "Set up on a fresh machine")) == ["make demo", "make test"]


def test_the_tour_is_five_real_commands():
    lines = _code_lines(_section(_readme(), "The five-command tour"))
    commands = [re.match(r"^dss-framework ([a-z]+)\b", line) for line in lines]
    assert len(lines) == 5 and all(commands), lines
    names = [m.group(1) for m in commands]
    assert len(set(names)) == 5 and {"validate", "plan", "apply"} <= set(names), names
    assert [n for n in names if n not in _subcommands()] == []


def test_the_tour_check_bites():
    """An invented command is not among the parser's subcommands (the check above can fail)."""
    assert "plan" in _subcommands() and "deploy" not in _subcommands()


def test_every_link_resolves_to_a_file():
    text = _readme()
    docs_links = [t for t in LINK.findall(text) if t.startswith("docs/")]
    assert len(docs_links) >= 15, "the README links into the site: %s" % docs_links
    assert _broken_links(text, ROOT) == []


def test_a_broken_link_is_caught():
    text = "[a](docs/index.md) [b](docs/no-such-page.md#x) [c](https://example.com/x.md)"
    assert _broken_links(text, ROOT) == ["docs/no-such-page.md"]


def test_the_exit_codes_the_readme_sums_up_are_the_codes():
    """The tour's one sentence on exit statuses names each code of ``exitcodes.DESCRIPTIONS``."""
    from dataiku_framework import exitcodes
    sentence = re.search(r"^Every command exits (.*?)\.\n\n", _section(_readme(), "The five-command tour"),
                         re.M | re.S).group(1)
    named = sorted(int(c) for c in re.findall(r"\b(\d+)\b", sentence))
    assert named == sorted(exitcodes.DESCRIPTIONS)


def test_readme_names_paths_and_targets():
    """The extraction itself finds what the README is known to name (so the checks below bite)."""
    text = _readme()
    assert {"python-lib/dataiku_framework", "python-lib/dss_emulator", "docs/"} <= set(_named_paths(text))
    assert {"demo", "test", "docs", "plugin", "bench"} <= set(_named_make_targets(text))


def test_every_path_the_readme_names_exists():
    missing = [p for p in _named_paths(_readme()) if not _exists(p)]
    assert missing == [], "README.md names paths that are not in the repository: %s" % missing


def test_a_promised_folder_that_does_not_exist_is_caught():
    text = "| `plugin.json`, `nowhere/` | the plugin |\n```sh\ncat python-lib/dataiku_framework/nothing_here.py\n```\n"
    missing = [p for p in _named_paths(text) if not _exists(p)]
    assert missing == ["nowhere/", "python-lib/dataiku_framework/nothing_here.py"]


def test_every_make_target_the_readme_names_exists():
    targets = _makefile_targets()
    missing = [t for t in _named_make_targets(_readme()) if t not in targets]
    assert missing == [], "README.md names make targets the Makefile lacks: %s" % missing


def _serve_data_dir():
    match = re.search(r"dss_emulator serve [^\n]*--data-dir (\S+)", _read(EMULATOR_PAGE))
    assert match, "docs/reference/emulator.md's `dss_emulator serve` example has no --data-dir"
    return os.path.join(ROOT, match.group(1))


def test_demo_never_deletes_the_serve_examples_data_dir(tmp_path):
    """`make demo` once wiped the folder the documented serve example keeps emulator projects in."""
    data_dir = _serve_data_dir()
    created = not os.path.isdir(data_dir)
    os.makedirs(data_dir, exist_ok=True)
    marker = os.path.join(data_dir, "kept-by-user-%s.txt" % uuid.uuid4().hex)
    with open(marker, "w", encoding="utf-8") as f:
        f.write("a project the user keeps")
    try:
        done = subprocess.run([sys.executable, os.path.join(ROOT, "tools", "demo.py")], cwd=ROOT,
                              env=dict(os.environ, TMPDIR=str(tmp_path)), stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, universal_newlines=True, timeout=300)
        assert done.returncode == 0, done.stdout[-3000:]
        assert os.path.isfile(marker)
        assert os.listdir(str(tmp_path)) == []  # the demo's own state folder is gone too
    finally:
        if created:
            shutil.rmtree(data_dir, ignore_errors=True)
        elif os.path.exists(marker):
            os.remove(marker)


@pytest.mark.parametrize("fragment", ["--data-dir .demo", "--data-dir ./.demo"])
def test_serve_example_is_outside_what_the_demo_used_to_wipe(fragment):
    assert fragment not in _read(EMULATOR_PAGE) and fragment not in _readme()


def test_the_python_api_the_readme_lists_is_importable():
    """The opening's **Python API** bullet names classes a user imports from `dataiku_framework`."""
    import dataiku_framework

    bullet = re.search(r"^- a \*\*Python API\*\*(.*)$", _readme(), re.M)
    assert bullet, "README.md's opening lost its **Python API** bullet"
    names = re.findall(r"`(\w+)`", bullet.group(1))
    assert {"FrameworkConfig", "Engine"} <= set(names)
    assert [n for n in names if not hasattr(dataiku_framework, n)] == []


def _all_help() -> str:
    """The --help text of the parser and of every subcommand (and sub-subcommand)."""
    import argparse

    def walk(parser):
        yield parser.format_help()
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for sub in action.choices.values():
                    yield from walk(sub)
    return "\n".join(walk(cli.build_parser()))


def test_help_points_at_pages_that_exist_not_at_readme_sections():
    """The long README sections that --help used to cite moved into docs/: the help names the page."""
    text = re.sub(r"\s+", " ", _all_help())
    assert "README" not in text
    pages = re.findall(r"docs/[\w/.-]+?\.md", text)
    assert pages, "no --help text names a docs page"
    assert [p for p in pages if not os.path.isfile(os.path.join(ROOT, p))] == []
