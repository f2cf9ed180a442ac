"""Issue 18: "``--json`` output on every command, with one documented shape per command".

Every command is run for real through ``cli.main`` against the emulator (the real ``dataikuapi``
over HTTP), with ``--json``; its stdout is validated against its schema in ``output_schemas.SCHEMAS``
(the reference page is generated from the same table). On an error stdout is empty and the last
line of stderr is the command's error line with its code.
"""
import json
import os
import re
import shutil

import jsonschema
import pytest

from emusupport import ADMIN_KEY, ROOT
from dataiku_framework.cli import main
from dataiku_framework.errors import CATALOGUE
from dataiku_framework.output_schemas import SCHEMAS, plan_schema
from dataiku_framework.state import ProjectLock
from test_messages import _closed_port_url  # a URL nothing listens on

KEY = "SIMPLE_PROJECT"
CODED = re.compile(r"^dss-framework[a-z \-]*: error\[([a-z0-9_.]+)\]: ")
#: a diagnostic's line, when the error is an invalid configuration (one line per problem, each coded)
DIAGNOSTIC = re.compile(r"^\S+:\d+:\d+: error\[([a-z0-9_.]+)\]: ")


@pytest.fixture
def dss(emulator, monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    for name in ("DKU_DSS_URL", "DKU_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DSS_HOST", emulator.url)
    monkeypatch.setenv("DSS_API_KEY", ADMIN_KEY)
    monkeypatch.setenv("NO_COLOR", "1")
    return emulator


@pytest.fixture
def config_path(tmp_path):
    path = str(tmp_path / "simple.yaml")
    shutil.copy(os.path.join(ROOT, "examples", "simple_project.yaml"), path)
    return path


class Checked(object):
    """Runs commands with --json and validates their stdout; remembers which schemas were exercised."""

    def __init__(self, capsys):
        self.capsys = capsys
        self.seen = set()

    def run(self, shape, *argv, status=0):
        code = main(list(argv) + ["--json"])
        out, err = self.capsys.readouterr()
        assert code == status, (argv, code, err)
        document = json.loads(out)
        jsonschema.validate(document, SCHEMAS[shape])
        self.seen.add(shape)
        return document

    def fails(self, *argv):
        code = main(list(argv) + ["--json"])
        out, err = self.capsys.readouterr()
        assert out == "", (argv, out)
        lines = err.strip().splitlines()
        match = CODED.match(lines[-1]) or next(filter(None, (DIAGNOSTIC.match(line) for line in lines)), None)
        assert match and code == CATALOGUE[match.group(1)].exit_status, (argv, code, err)
        return match.group(1)


def _edit(path, old, new):
    with open(path) as handle:
        text = handle.read()
    with open(path, "w") as handle:
        handle.write(text.replace(old, new))


def test_every_command_prints_its_documented_shape(dss, config_path, capsys, tmp_path):
    check = Checked(capsys)
    assert check.run("validate", "validate", config_path)["valid"] is True
    applied = check.run("apply", "apply", config_path, "--auto-approve")
    assert applied["succeeded"] and applied["counts"]["created"] == 4
    assert check.run("apply", "apply", config_path, "--auto-approve")["resources"] == []  # nothing to do
    _edit(config_path, "name: Simple project", "name: Simple project 2")
    jsonschema.validate(check.run("plan", "plan", config_path), plan_schema())
    jsonschema.validate(check.run("drift", "drift", config_path), plan_schema())
    check.run("plan", "plan", config_path, "--store")
    [stored] = check.run("plans list", "plans", "list", KEY)
    record = check.run("plans show", "plans", "show", KEY, stored["id"])
    jsonschema.validate(record["plan"], plan_schema())
    assert main(["plans", "approve", KEY, stored["id"]]) == 0
    capsys.readouterr()
    assert check.run("plans apply", "plans", "apply", KEY, stored["id"], "--auto-approve")["succeeded"]
    history = check.run("history", "history", KEY)
    assert [e["operation"] for e in history] == ["apply", "apply"]
    assert check.run("rollback", "rollback", KEY, "--auto-approve")["operation"] == "rollback"
    held = ProjectLock(dss.client(ADMIN_KEY), KEY, operation="apply", settle=0).acquire()
    assert check.run("unlock", "unlock", KEY, held.id)["released"]["id"] == held.id
    imported = check.run("import", "import", KEY, "--out", str(tmp_path / "imported"))
    assert imported["main_file"] == str(tmp_path / "imported" / ("%s.yaml" % KEY))
    assert check.run("init --from-project", "init", str(tmp_path / "from"), "--from-project", KEY)["files"]
    assert check.run("init", "init", str(tmp_path / "new"))["main_file"].startswith(str(tmp_path / "new"))
    assert check.run("init --list", "init", "--list")["templates"]
    other = os.path.join(ROOT, "examples", "customer_analytics.yaml")
    several = check.run("several projects", "plan", config_path, other)
    assert [p["project_key"] for p in several["projects"]] == [KEY, "CUSTOMER_ANALYTICS"]
    assert check.run("several projects", "validate", config_path, other)["exit_code"] == 0
    assert check.seen == set(SCHEMAS), "shapes no run checked: %s" % (set(SCHEMAS) - check.seen)


def test_an_invalid_configuration_is_validates_document_and_the_other_commands_error(dss, config_path, capsys):
    check = Checked(capsys)
    _edit(config_path, "format_type: parquet", "format_typ: parquet")
    result = check.run("validate", "validate", config_path, status=1)
    assert [d["code"] for d in result["diagnostics"]] == ["schema.unknown_key"]
    for argv in (["plan", config_path], ["drift", config_path], ["apply", config_path, "--auto-approve"]):
        assert check.fails(*argv) == "schema.unknown_key", argv
    several = check.run("several projects", "plan", config_path, os.path.join(ROOT, "examples",
                                                                              "customer_analytics.yaml"), status=1)
    assert [p["code"] for p in several["projects"]] == ["config.invalid", None]
    main(["plan", config_path, os.path.join(ROOT, "examples", "customer_analytics.yaml")])  # the text shows it too
    assert "Error[config.invalid]: invalid configuration:" in capsys.readouterr().out


def test_every_command_fails_with_empty_stdout_and_a_coded_line(dss, config_path, capsys, tmp_path, monkeypatch):
    check = Checked(capsys)
    assert check.fails("history", "NOPE") == "project.not_found"
    assert check.fails("rollback", "NOPE", "--auto-approve") == "project.not_found"
    assert check.fails("import", "NOPE", "--out", str(tmp_path / "i")) == "project.not_found"
    assert check.fails("unlock", "NOPE", "x") == "project.not_found"
    assert check.fails("plans", "show", KEY, "no-such-plan") == "plans.refused"
    assert main(["init", str(tmp_path / "t")]) == 0
    capsys.readouterr()
    assert check.fails("init", str(tmp_path / "t")) == "init.refused"  # never overwrites
    assert check.fails("init", "--template", "nope") == "usage.arguments"
    assert check.fails("apply", config_path) == "usage.no_terminal"
    assert check.fails("plan", config_path, config_path) == "usage.project_set"
    monkeypatch.setenv("DSS_HOST", _closed_port_url())
    for argv in (["plan", config_path], ["drift", config_path], ["apply", config_path, "--auto-approve"],
                 ["history", KEY], ["rollback", KEY, "--auto-approve"], ["unlock", KEY, "x"],
                 ["import", KEY, "--out", str(tmp_path / "j")], ["plans", "list", KEY],
                 ["plans", "apply", KEY, "x", "--auto-approve"], ["validate", config_path, "--online"]):
        assert check.fails(*argv) == "dss.unreachable", argv
