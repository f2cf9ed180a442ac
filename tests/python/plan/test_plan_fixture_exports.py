"""Real DSS exports seeded into the emulator, planned against a configuration describing them.

The description is the one tests/python/unit/config/test_fixture_exports.py writes (datasets and
recipes through raw params/payload). What it describes plans as no-op; what it cannot describe
(zones, scenarios, folders...) is listed as unmanaged; a one-field edit on either side is exactly
that difference."""
import glob
import json
import os
import sys

import pytest

from dss_edits import desired_of, edit, edited, get_in, leaf_paths
from plan_support import client_of, examples_emulator, not_noop, only_change, plan

from dataiku_framework import FrameworkConfig
from dataiku_framework.resources import handler

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "unit", "config"))
from test_fixture_exports import EXPORTS, describe  # noqa: E402

CODE_TYPES = ("python", "r", "sql_query", "shell", "pyspark")


def description(folder):
    """``describe(folder)``, completed with what it leaves out and DSS holds: the exports carry no
    code files (DSS holds an empty script) and some outputs append."""
    doc = describe(folder)
    for recipe in doc["recipes"]:
        with open(os.path.join(folder, "recipes", recipe["name"] + ".json"), encoding="utf-8") as handle:
            raw = json.load(handle)
        if recipe["type"] in CODE_TYPES:
            recipe["code"] = ""
        appended = {i["ref"] for block in raw.get("outputs", {}).values() for i in block.get("items", [])
                    if i.get("appendMode")}
        for out in recipe["outputs"]:
            if out["ref"] in appended:
                out["append"] = True
    return doc


def _live_names(folder, kind):
    return sorted(os.path.basename(p)[:-5] for p in glob.glob(os.path.join(folder, kind, "*.json")))


@pytest.fixture(params=EXPORTS, ids=lambda p: os.path.basename(os.path.dirname(p)))
def seeded(request):
    emu = examples_emulator(seed_exports={"IMPORTED": os.path.dirname(request.param)})
    yield emu, client_of(emu), request.param
    emu.stop()


def test_described_export_plans_no_change_and_the_rest_is_unmanaged(seeded):
    emu, dss, folder = seeded
    config = FrameworkConfig.from_dict(description(folder))
    emu.stats.reset()
    result = plan(dss, config)
    assert [(rc.address, rc.changes) for rc in not_noop(result)] == []
    described = {"dataset.%s" % d.name for d in config.datasets} | {"recipe.%s" % r.name for r in config.recipes}
    assert described <= {rc.address for rc in result.resource_changes}
    project = dss.get_project("IMPORTED")
    in_dss = {"zone.%s" % z.name for z in project.get_flow().list_zones() if z.id != "default"}
    in_dss |= {"managed_folder.%s" % f["name"] for f in project.list_managed_folders()}
    in_dss |= {"scenario.%s" % s.id for s in project.list_scenarios()}
    assert {u["address"] for u in result.doc["unmanaged"]} == in_dss
    requests = emu.stats.snapshot(with_log=False)["requests"]
    assert requests <= len(config.recipes) + len(config.scenarios) + 15


def test_export_one_field_changed_in_yaml_and_in_dss(seeded):
    _, dss, folder = seeded
    doc = description(folder)
    dataset = doc["datasets"][0]
    doc["datasets"][0] = dict(dataset, tags=sorted(set(dataset.get("tags", [])) | {"edited_in_yaml"}))
    rc = only_change(plan(dss, FrameworkConfig.from_dict(doc)))
    assert (rc.address, [c["path"] for c in rc.changes]) == ("dataset.%s" % dataset["name"], ["tags"])

    config = FrameworkConfig.from_dict(description(folder))
    for kind, name in (("dataset", config.datasets[0].name), ("recipe", config.recipes[0].name)):
        desired, obj = desired_of(config, dss, kind, name)
        path = next(leaf_paths(desired))
        old = get_in(desired, path)
        edit(dss, "IMPORTED", kind, name, path, edited(old))
        rc = only_change(plan(dss, config))
        assert (rc.address, rc.action) == ("%s.%s" % (kind, name), "update")
        assert [(c["path"], c["before"], c["after"]) for c in rc.changes] == [
            (handler(kind).config_path(path, obj), edited(old), old)]
        edit(dss, "IMPORTED", kind, name, path, old)
