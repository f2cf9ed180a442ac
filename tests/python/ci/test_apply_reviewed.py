"""``Engine.apply_reviewed`` and ``apply CONFIG --expect-plan REVIEWED`` against the emulator: the plan
made now is applied only when its resource changes equal the reviewed plan's; what merely records
how a plan was made (time, source file, commit, digests) does not count."""
import json
import os
import subprocess
import sys

import pytest

from emusupport import ADMIN_KEY, ROOT
from dataiku_framework import FrameworkConfig
from dataiku_framework.engine import Engine
from dataiku_framework.apply import NotReviewedError
from dataiku_framework.plan.compare_plans import compare_plans

KEY = "REVIEWED"
BASE = ('version: "1.0"\nproject: {key: %s, name: Reviewed}\n'
        "datasets:\n  - {name: RAW, type: Filesystem, managed: true}\n" % KEY)
CLEAN = BASE + "  - {name: CLEAN, type: Filesystem, managed: true}\n"
OTHER = CLEAN + "  - {name: OTHER, type: Filesystem, managed: true}\n"


def _config(tmp_path, text, name="project.yaml"):
    path = tmp_path / name
    path.write_text(text)
    return FrameworkConfig.from_yaml(str(path)), str(path)


def _names(client):
    return sorted(d["name"] for d in client.get_project(KEY).list_datasets())


@pytest.fixture
def engine(client, tmp_path):
    engine = Engine(client=client)
    engine.apply(_config(tmp_path, BASE)[0])
    return engine


def test_a_plan_of_another_file_and_time_compares_equal_and_is_applied(engine, client, tmp_path):
    reviewed = engine.plan(_config(tmp_path, CLEAN, "reviewed.yaml")[0]).doc
    metadata = dict(reviewed["metadata"], created_at="2000-01-01T00:00:00Z", config_source="elsewhere.yaml")
    reviewed = json.loads(json.dumps(dict(reviewed, metadata=metadata)))
    config = _config(tmp_path, CLEAN + "# a comment: another digest, the same changes\n")[0]
    assert compare_plans(reviewed, engine.plan(config)) == []
    result = engine.apply_reviewed(config, reviewed)
    assert result.succeeded and _names(client) == ["CLEAN", "RAW"]


def test_a_configuration_changed_after_review_is_refused_and_nothing_written(engine, client, tmp_path):
    reviewed = engine.plan(_config(tmp_path, CLEAN)[0])
    with pytest.raises(NotReviewedError) as caught:
        engine.apply_reviewed(_config(tmp_path, OTHER)[0], reviewed, reviewed_name="plan.json")
    assert caught.value.changed == ["dataset.OTHER (planned now, not in the plan: create)"]
    assert "differs from the reviewed plan (plan.json)" in str(caught.value)
    assert _names(client) == ["RAW"]


def test_a_plan_of_another_instance_or_project_is_never_equal(engine, tmp_path):
    plan = engine.plan(_config(tmp_path, CLEAN)[0])
    moved = dict(plan.doc, metadata=dict(plan.doc["metadata"], dss_url="https://other-dss:11200"))
    assert [line.split(" (")[0] for line in compare_plans(moved, plan)] == ["the DSS instance"]
    renamed = dict(plan.doc, metadata=dict(plan.doc["metadata"], project_key="ELSEWHERE"))
    assert [line.split(" (")[0] for line in compare_plans(renamed, plan)] == ["the project"]


def test_many_differences_are_listed_ten_at_most(engine, tmp_path):
    many = BASE + "".join("  - {name: D%02d, type: Filesystem, managed: true}\n" % i for i in range(13))
    reviewed = engine.plan(_config(tmp_path, BASE)[0])
    with pytest.raises(NotReviewedError) as caught:
        engine.apply_reviewed(_config(tmp_path, many)[0], reviewed)
    assert len(caught.value.changed) == 13 and str(caught.value).count("planned now") == 10
    assert "and 3 more" in str(caught.value)


def _cli(tmp_path, emulator, *args):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DKU_", "DSS_"))}
    env.update(DKU_DSS_URL=emulator.url, DKU_API_KEY=ADMIN_KEY, HOME=str(tmp_path),
               PYTHONPATH=os.path.join(ROOT, "python-lib"))
    script = os.path.join(os.path.dirname(sys.executable), "dss-framework")
    done = subprocess.run([script] + list(args), cwd=str(tmp_path), env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, universal_newlines=True, stdin=subprocess.DEVNULL)
    return done.returncode, done.stdout, done.stderr


def test_cli_expect_plan_refuses_what_is_not_a_reviewed_plan(engine, emulator, tmp_path):
    path = _config(tmp_path, CLEAN)[1]
    assert _cli(tmp_path, emulator, "plan", path, "--out", "plan.json")[0] == 0
    doc = json.loads((tmp_path / "plan.json").read_text())
    doc["resource_changes"] = doc["resource_changes"][:1]  # edited after review: the digest no longer matches
    (tmp_path / "edited.json").write_text(json.dumps(doc))
    code, _, err = _cli(tmp_path, emulator, "apply", path, "--auto-approve", "--expect-plan", "edited.json")
    assert code == 1 and err.startswith("dss-framework apply: error[plan.format]: --expect-plan edited.json: ") and "digest" in err
    code, _, err = _cli(tmp_path, emulator, "apply", path, "--auto-approve", "--expect-plan", "missing.json")
    assert code == 1 and "cannot read it" in err and len(err.strip().splitlines()) == 1
    code, _, err = _cli(tmp_path, emulator, "apply", "plan.json", "--auto-approve", "--expect-plan", "plan.json")
    assert code == 64 and "give the configuration instead" in err
    code, out, err = _cli(tmp_path, emulator, "apply", path, "--auto-approve", "--expect-plan", "plan.json")
    assert code == 0 and "Apply complete: 1 created" in out, err


def test_cli_expect_plan_of_an_already_applied_change_is_a_no_op_only_if_reviewed_so(engine, emulator, tmp_path):
    """Reviewed "no changes", still no changes: exit 0 without a write. Reviewed a change that is
    now already made (applied by hand meanwhile): not what was reviewed, exit 1."""
    path = _config(tmp_path, BASE)[1]
    assert _cli(tmp_path, emulator, "plan", path, "--out", "same.json")[0] == 0
    code, out, _ = _cli(tmp_path, emulator, "apply", path, "--auto-approve", "--expect-plan", "same.json", "--json")
    assert code == 0 and json.loads(out)["apply_id"] is None and json.loads(out)["writes"] == 0
    path = _config(tmp_path, CLEAN)[1]
    assert _cli(tmp_path, emulator, "plan", path, "--out", "clean.json")[0] == 0
    assert _cli(tmp_path, emulator, "apply", path, "--auto-approve")[0] == 0
    code, _, err = _cli(tmp_path, emulator, "apply", path, "--auto-approve", "--expect-plan", "clean.json")
    assert code == 1 and "dataset.CLEAN (action: the plan's create, now no-op)" in err
