"""The schema modeline the pages show works: its URL is the schema's ``$id`` (which the built site
serves), the relative path language-rules.md gives resolves from ``examples/`` (where a clone's
configurations live) to the schema the package ships, and ``dss-framework schema``, which the page
offers for a local copy, prints that same schema."""
import json
import os
import re
import subprocess
import sys

from docblocks import DOCS, ROOT
from dataiku_framework.config import SCHEMA_PATH

MODELINE = re.compile(r"# yaml-language-server: \$schema=(\S+)")


def _page(name: str) -> str:
    with open(os.path.join(DOCS, name), encoding="utf-8") as f:
        return f.read()


def test_every_modeline_url_is_the_schemas_id():
    with open(SCHEMA_PATH, encoding="utf-8") as f:
        schema_id = json.load(f)["$id"]
    for page in ("getting-started.md", "reference/language-rules.md"):
        urls = [m for m in MODELINE.findall(_page(page)) if "://" in m]
        assert urls and set(urls) == {schema_id}, page


def test_the_relative_modeline_resolves_from_examples():
    paths = [m for m in MODELINE.findall(_page("reference/language-rules.md")) if "://" not in m]
    assert paths, "language-rules.md lost its relative modeline"
    for path in paths:
        assert os.path.samefile(os.path.join(ROOT, "examples", path), SCHEMA_PATH), path


def test_the_schema_command_prints_the_shipped_schema():
    env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "python-lib"))
    out = subprocess.run([sys.executable, "-m", "dataiku_framework.cli", "schema"], env=env, check=True,
                         stdout=subprocess.PIPE).stdout
    with open(SCHEMA_PATH, encoding="utf-8") as f:
        assert json.loads(out.decode("utf-8")) == json.load(f)
    assert "dss-framework schema >" in _page("reference/language-rules.md")
