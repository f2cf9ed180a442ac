"""The AI-agent face of the CLI (issue 18): ``schema``, ``reference --compact``.

Why these checks: an agent writes configurations from what these commands print, so the printed
schema must be the one validation uses, and the compact reference must name every key of it while
staying small enough for a model's context.
"""

import json
import os
import subprocess
import sys

import jsonschema
import yaml

from dataiku_framework import cli
from dataiku_framework.config.schema_check import SCHEMA_PATH, load_schema

#: The compact reference's budget: well under the schema's own size, sized for a model's context.
COMPACT_BUDGET_BYTES = 25000


def _cli(*argv):
    """``dss-framework ARGV`` as a real subprocess, with this worktree's code first on the path."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    return subprocess.run([sys.executable, "-m", "dataiku_framework.cli"] + list(argv), env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True, timeout=60)


def test_schema_prints_the_schema_validation_uses():
    done = _cli("schema")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == load_schema()


def test_schema_plan_prints_the_plan_document_schema():
    done = _cli("schema", "--plan")
    assert done.returncode == 0, done.stderr
    with open(os.path.join(os.path.dirname(SCHEMA_PATH), "plan-1.0.schema.json"), encoding="utf-8") as handle:
        assert json.loads(done.stdout) == json.load(handle)


def _objects_with_keys(schema):
    """(section title prefix, properties) of every object of the schema that has keys, walked here
    independently of the generator."""
    yield "Top level", schema["properties"]
    for name, node in schema["$defs"].items():
        if "properties" in node:
            yield name, node["properties"]
        for branch in node.get("anyOf", []):
            if "properties" in branch:
                yield name + " (mapping form", branch["properties"]


def _section(text, title):
    """The lines of the section whose heading starts with ``## TITLE`` (exactly one such heading)."""
    blocks = [block for block in text.split("\n\n")
              if any(block.startswith("## " + title + end) for end in (" ", "\n", ";"))]
    assert len(blocks) == 1, (title, len(blocks))
    return blocks[0].splitlines()[1:]


def test_compact_reference_names_every_key_with_type_and_example_within_budget(capsys):
    assert cli.main(["reference", "--compact"]) == 0
    text = capsys.readouterr().out
    schema = load_schema()
    for title, properties in _objects_with_keys(schema):
        lines = _section(text, title)
        for key, prop in properties.items():
            [line] = [line for line in lines if line.startswith(key + ": ")]
            assert "  e.g. %s: " % key in line, line
            if prop.get("default") is not None:
                assert "= %s" % json.dumps(prop["default"]) in line, line
            if prop.get("description"):
                assert prop["description"] in line, line
    size = len(text.encode("utf-8"))
    print("compact reference: %d bytes (schema: %d)" % (size, os.path.getsize(SCHEMA_PATH)))
    assert size < COMPACT_BUDGET_BYTES, size


def test_the_smallest_configuration_it_shows_validates(capsys, tmp_path):
    assert cli.main(["reference", "--compact"]) == 0
    block = _section(capsys.readouterr().out, "Smallest valid configuration")
    path = tmp_path / "smallest.yaml"
    path.write_text("\n".join(block) + "\n", encoding="utf-8")
    assert cli.main(["validate", str(path)]) == 0, capsys.readouterr().out
    assert "project:" in block and "  key: SALES" in block


def test_every_complete_example_is_valid_yaml_for_its_key(capsys):
    """An example line an agent copies must read back (YAML types included) as a value its key accepts;
    ``...`` marks a placeholder to fill in, which is not checked."""
    assert cli.main(["reference", "--compact"]) == 0
    text = capsys.readouterr().out
    schema = load_schema()
    checked = 0
    for title, properties in _objects_with_keys(schema):
        lines = _section(text, title)
        for key, prop in properties.items():
            [line] = [line for line in lines if line.startswith(key + ": ")]
            example = line.split("  e.g. ", 1)[1]
            if "..." in example:
                continue
            value = yaml.safe_load(example)[key]
            jsonschema.Draft202012Validator(dict(prop, **{"$defs": schema["$defs"]})).validate(value)
            checked += 1
    assert checked > 100, checked
