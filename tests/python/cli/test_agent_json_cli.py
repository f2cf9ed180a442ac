"""``--json`` on ``import``, ``rollback`` and ``unlock`` (issue 18): one JSON document on stdout, the
text for people on stderr, so an agent can parse what a command did without scraping sentences."""
import json
import os

from dataiku_framework import exitcodes
from dataiku_framework.apply.rollback import NOT_RESTORED
from dataiku_framework.state import ProjectLock
from test_apply_cli import KEY, _hour, applied, config_path, dss  # noqa: F401  (fixtures)
from test_plan_cli import _edit, _run


def test_rollback_json_prints_the_result_alone_on_stdout(applied, config_path, capsys, client):
    _edit(config_path, "hour: 2", "hour: 3")
    assert _run(capsys, "apply", config_path, "--auto-approve")[0] == exitcodes.OK
    code, out, err = _run(capsys, "rollback", KEY, "--auto-approve", "--json")
    assert code == exitcodes.OK, err
    result = json.loads(out)
    assert result["operation"] == "rollback" and result["project_key"] == KEY and result["succeeded"] is True
    assert [r["address"] for r in result["resources"]] == ["scenario.daily_refresh"] and result["apply_id"]
    assert NOT_RESTORED in err.splitlines() and _hour(client) == 2  # the plan went to stderr


def test_rollback_json_with_nothing_to_roll_back_is_the_empty_result(applied, capsys):
    _run(capsys, "rollback", KEY, "--auto-approve")  # undoes the only apply
    code, out, err = _run(capsys, "rollback", KEY, "--auto-approve", "--json")  # the same apply again: no change
    assert code == exitcodes.OK and err.rstrip("\n").endswith("Nothing to roll back.")
    result = json.loads(out)
    assert result["resources"] == [] and result["apply_id"] is None and result["operation"] == "rollback"


def test_unlock_json_names_the_released_lock(applied, capsys, client):
    held = ProjectLock(client, KEY, operation="apply", settle=0).acquire()
    code, out, err = _run(capsys, "unlock", KEY, held.id, "--json")
    assert code == exitcodes.OK, err
    document = json.loads(out)
    assert document["project_key"] == KEY
    assert document["released"]["id"] == held.id and document["released"]["operation"] == "apply"
    assert document["released"]["user"] == "admin"
    code, out, err = _run(capsys, "unlock", KEY, held.id, "--json")  # released already: an error, stdout empty
    assert code == exitcodes.INVALID and out == "" and "is not locked" in err


def test_import_json_lists_the_files_written_and_the_summary_goes_to_stderr(applied, capsys, tmp_path):
    out_dir = str(tmp_path / "imported")
    code, out, err = _run(capsys, "import", KEY, "--out", out_dir, "--json")
    assert code == exitcodes.OK, err
    document = json.loads(out)
    assert document["project_key"] == KEY and document["summary"] in err
    assert document["main_file"] == document["files"][0] and os.path.isfile(document["main_file"])
    assert all(os.path.isfile(path) for path in document["files"])
    assert isinstance(document["left_out"], list) and document["adopted"] is None
    assert set(document) == {"project_key", "summary", "files", "main_file", "left_out", "kept_in_dss_only",
                             "not_listed", "adopted"}
