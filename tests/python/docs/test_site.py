"""The documentation site builds offline with ``--strict`` and no warning, and its generated
reference pages are the ones the generator writes now (a key or an option added without
regenerating them fails here)."""
import os
import subprocess
import sys

import pytest

from docblocks import DOCS, ROOT

sys.path.insert(0, os.path.join(ROOT, "tools"))
import gen_docs  # noqa: E402


try:
    import mkdocs  # noqa: F401
    HAS_MKDOCS = True
except ImportError:  # requirements-dev.txt installs MkDocs on Python 3.11 and later only
    HAS_MKDOCS = False
needs_mkdocs = pytest.mark.skipif(not HAS_MKDOCS, reason="MkDocs is installed for Python 3.11 and later only "
                                  "(requirements-dev.txt): the site is built by the main suite")


def build(site_dir: str, config: str = os.path.join(ROOT, "mkdocs.yml")) -> subprocess.CompletedProcess:
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")
    return subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-f", config, "-d", site_dir],
                          cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          universal_newlines=True, timeout=120)


@needs_mkdocs
def test_site_builds_strict_without_warnings(tmp_path):
    proc = build(str(tmp_path / "site"))
    assert proc.returncode == 0, proc.stdout
    assert "WARNING" not in proc.stdout, proc.stdout
    assert (tmp_path / "site" / "getting-started" / "index.html").exists()
    assert (tmp_path / "site" / "reference" / "configuration" / "index.html").exists()
    served = gen_docs.schema_files()
    assert sorted(served) == ["schema/config-1.0.schema.json", "schema/plan-1.0.schema.json"]
    for rel, path in served.items():  # each schema at its $id's path, byte for byte the package's
        with open(path, "rb") as shipped:
            assert (tmp_path / "site" / rel).read_bytes() == shipped.read(), rel


def test_both_schemas_have_their_id_on_one_host():
    """The modeline the docs show names the configuration schema's ``$id``; the plan schema is served
    beside it, on the same host and folder (``SCHEMA_BASE_URL``), so that one hosted site serves both."""
    import json
    from urllib.parse import urlparse
    from dataiku_framework.config.schema_check import SCHEMA_BASE_URL
    ids = []
    for path in sorted(gen_docs.schema_files().values()):
        with open(path, encoding="utf-8") as f:
            ids.append(json.load(f)["$id"])
    assert ids == [SCHEMA_BASE_URL + name for name in ("config-1.0.schema.json", "plan-1.0.schema.json")]
    assert len({urlparse(i).netloc for i in ids}) == 1, ids


@needs_mkdocs
def test_a_broken_link_fails_the_strict_build(tmp_path):
    """The build the test above runs does catch a mistake: a page linking to an anchor that does not exist."""
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "index.md").write_text("# Home\n\n[nowhere](other.md#no-such-heading)\n")
    (docs / "other.md").write_text("# Other\n")
    with open(os.path.join(ROOT, "mkdocs.yml"), encoding="utf-8") as f:
        config = f.read().split("\nnav:")[0] + "\nnav:\n  - index.md\n  - other.md\n"
    config = config.replace("docs_dir: docs", "docs_dir: %s" % docs)
    (tmp_path / "mkdocs.yml").write_text(config.replace("- tools/gen_docs.py", "- %s" % os.path.join(ROOT, "tools", "gen_docs.py")))
    proc = build(str(tmp_path / "site"), str(tmp_path / "mkdocs.yml"))
    assert proc.returncode != 0 and "no-such-heading" in proc.stdout, proc.stdout


def test_theme_loads_no_web_font():
    """Offline builds: Material fetches Google fonts unless ``theme.font`` is false."""
    import yaml
    with open(os.path.join(ROOT, "mkdocs.yml"), encoding="utf-8") as f:
        config = yaml.safe_load(f)
    assert config["theme"]["font"] is False
    assert [p if isinstance(p, str) else next(iter(p)) for p in config.get("plugins", [])] == ["search"]


def test_generated_pages_are_current():
    assert gen_docs.stale() == [], "run `make docs` (tools/gen_docs.py) and commit docs/reference/"


@pytest.mark.parametrize("rel", sorted(gen_docs.pages()))
def test_a_changed_generated_page_is_reported_stale(rel, tmp_path):
    gen_docs.write(str(tmp_path))
    path = tmp_path / rel
    path.write_text(path.read_text(encoding="utf-8") + "edited by hand\n", encoding="utf-8")
    assert gen_docs.stale(str(tmp_path)) == [rel]


def test_the_configuration_page_names_every_key_of_the_schema():
    import json
    with open(gen_docs.SCHEMA_PATH, encoding="utf-8") as f:
        schema = json.load(f)
    page = gen_docs.pages()["reference/configuration.md"]
    for name, definition in schema["$defs"].items():
        assert "\n## %s\n" % name in page
        for key in definition.get("properties", {}):
            assert "| `%s` |" % key in page, (name, key)


def test_the_cli_page_names_every_command_and_option():
    page = gen_docs.pages()["reference/cli.md"]
    parser = gen_docs.build_parser()
    for name, sub, _ in gen_docs._subcommands(parser):
        assert "## `%s`" % name in page
        for action in sub._actions:
            for option in action.option_strings:
                if option not in ("-h", "--help") and action.help != "==SUPPRESS==":
                    assert "`%s" % option in page, (name, option)
