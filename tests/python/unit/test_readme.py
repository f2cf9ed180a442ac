"""The README is what a first user (or an AI agent) copies from: what it names must exist.

Every `make` target it names is a target of the Makefile; every repository path it names exists
(a folder it promises, such as a `webapps/` that was never built, fails here); and `make demo`
never deletes the folder the README's `serve` example keeps emulator projects in.
"""
import glob
import os
import re
import shutil
import subprocess
import sys
import uuid

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

# Where a path the README names may be relative to: the repository, the core package's parent and
# the core package (the layout table names `config/`, `dss/`, ...), and examples/ (its galleries, and
# the `code_file` of the example configuration).
BASES = ["", "python-lib", os.path.join("python-lib", "dataiku_framework"), "examples"]
# Paths the README names that are not in the repository on purpose: outputs of `make bench`, and a
# folder of a DSS project export (`--seed-export` loads one).
NOT_IN_REPO = {"bench/results/", "project_config/"}
PATH_TOKEN = re.compile(r"^[a-z][\w.-]*(/[\w.*-]*)+$")
PATH_IN_CODE = re.compile(r"(?<![\w./~$=-])((?:[a-z][\w.-]*/)+[\w.*-]*)")


def _readme():
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as f:
        return f.read()


def _split(text):
    """(prose, code): the README's text outside fenced code blocks, and inside them."""
    parts = re.split(r"^```[^\n]*\n", text, flags=re.M)
    return "".join(parts[0::2]), "".join(parts[1::2])


def _named_paths(text):
    prose, code = _split(text)
    spans = re.findall(r"`([^`\n]+)`", prose)
    return sorted({s for s in spans if PATH_TOKEN.match(s)} | set(PATH_IN_CODE.findall(code)))


def _exists(path):
    return any(glob.glob(os.path.join(ROOT, base, path.rstrip("/"))) for base in BASES)


def _makefile_targets():
    with open(os.path.join(ROOT, "Makefile"), encoding="utf-8") as f:
        return set(re.findall(r"^([A-Za-z][\w-]*)\s*:(?!=)", f.read(), re.M))


def _named_make_targets(text):
    return sorted(set(re.findall(r"(?:^|`)make ([a-z][\w-]*)", text, re.M)))


def test_readme_names_paths_and_targets():
    """The extraction itself finds what the README is known to name (so the checks below bite)."""
    text = _readme()
    assert {"examples/customer_analytics.yaml", "python-runnables/validate-config", "tests/python/unit/"} <= set(
        _named_paths(text))
    assert {"demo", "test", "plugin", "bench"} <= set(_named_make_targets(text))


def test_every_path_the_readme_names_exists():
    missing = [p for p in _named_paths(_readme()) if p not in NOT_IN_REPO and not _exists(p)]
    assert missing == [], "README.md names paths that are not in the repository: %s" % missing


def test_a_promised_folder_that_does_not_exist_is_caught():
    text = "| `plugin.json`, `webapps/` | the plugin |\n```sh\ncat python-lib/dataiku_framework/nothing_here.py\n```\n"
    missing = [p for p in _named_paths(text) if not _exists(p)]
    assert missing == ["python-lib/dataiku_framework/nothing_here.py", "webapps/"] or os.path.isdir(
        os.path.join(ROOT, "webapps"))


def test_every_make_target_the_readme_names_exists():
    targets = _makefile_targets()
    missing = [t for t in _named_make_targets(_readme()) if t not in targets]
    assert missing == [], "README.md names make targets the Makefile lacks: %s" % missing


def _serve_data_dir():
    match = re.search(r"dss_emulator serve [^\n]*--data-dir (\S+)", _readme())
    assert match, "README.md's `dss_emulator serve` example has no --data-dir"
    return os.path.join(ROOT, match.group(1))


def test_demo_never_deletes_the_serve_examples_data_dir(tmp_path):
    """`make demo` once wiped the folder the README's serve example keeps emulator projects in."""
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
    assert fragment not in _readme()


def test_the_python_api_the_readme_lists_is_importable():
    """The opening's **Python API** bullet names classes a user imports from `dataiku_framework`."""
    sys.path.insert(0, os.path.join(ROOT, "python-lib"))
    import dataiku_framework

    bullet = re.search(r"^- a \*\*Python API\*\*(.*)$", _readme(), re.M)
    assert bullet, "README.md's opening lost its **Python API** bullet"
    names = re.findall(r"`(\w+)`", bullet.group(1))
    assert "FrameworkConfig" in names
    assert [n for n in names if not hasattr(dataiku_framework, n)] == []
