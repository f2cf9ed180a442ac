"""The repository layout table of development.md names every folder a contributor meets: every
top-level folder git tracks, every test folder, every package of the core. A folder added later
without a line in the table fails here."""
import os
import re
import subprocess

from docblocks import DOCS, ROOT


def _layout() -> str:
    with open(os.path.join(DOCS, "development.md"), encoding="utf-8") as f:
        text = f.read()
    match = re.search(r"^\| path \| what \|\n(.*?)\n\n", text, re.M | re.S)
    assert match, "development.md lost its repository layout table"
    return match.group(1)


def _tracked_files():
    return subprocess.run(["git", "ls-files"], cwd=ROOT, check=True, stdout=subprocess.PIPE,
                          universal_newlines=True).stdout.splitlines()


def _tracked_folders():
    """The top-level folders of the repository, as git tracks them."""
    return sorted({path.split("/")[0] for path in _tracked_files() if "/" in path})


def _subfolders(path: str):
    """The folders git tracks directly under ``path`` (not what a build leaves there: an egg-info, caches)."""
    prefix = path + "/"
    inner = [f[len(prefix):] for f in _tracked_files() if f.startswith(prefix)]
    return sorted({rest.split("/")[0] for rest in inner if "/" in rest and not rest.startswith(("_", "."))})


def missing(table: str):
    """The folders the table does not name: a folder is named as `path/` (or by a folder inside it),
    a package of the core as `name/` in the core's cell."""
    named = set(re.findall(r"`([\w./-]+)/`", table))
    wanted = ["%s" % name for name in _tracked_folders()]
    wanted += ["tests/python/%s" % name for name in _subfolders("tests/python")]
    wanted += ["python-lib/%s" % name for name in _subfolders("python-lib")]
    core = [name for name in _subfolders("python-lib/dataiku_framework")]
    absent = [path for path in wanted if not any(n == path or n.startswith(path + "/") for n in named)]
    return absent + ["python-lib/dataiku_framework/%s" % name for name in core if name not in named]


def test_the_layout_table_names_every_folder():
    assert missing(_layout()) == []


def test_a_folder_left_out_is_caught():
    assert "tests/python/docs" in missing(_layout().replace("`tests/python/docs/`", "the docs tests"))
