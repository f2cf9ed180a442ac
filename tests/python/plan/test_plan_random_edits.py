"""A hundred random single-field edits over the examples, each planned as exactly that edit.

Deterministic: a fixed seed picks the example, the object and the edit, so CI sees the same hundred
edits every run. Each edit is one readable config key of one object; the plan must hold exactly one
changed resource, an update, listing exactly that key's path (in the config's terms)."""
import random

import pytest

from plan_support import EXAMPLE_FILES, bootstrap, load_example, only_change, plan

from dataiku_framework import DatasetConfig
from dataiku_framework.resources import handler

SEED = 20261201
EDITS = 100


def _common(obj):
    out = [("description", lambda o: setattr(o, "description", "edited %d" % id(o))),
           ("tags", lambda o: setattr(o, "tags", ["edited", "zz_%s" % (o.tags or [""])[0]]))]
    if hasattr(obj, "short_desc"):
        out.append(("short_desc", lambda o: setattr(o, "short_desc", "edited short")))
    return out


def _dataset_edits(ds):
    out = _common(ds)
    if ds.format_type == "csv":
        out.append(("format_params.separator", lambda o: o.format_params.update(
            separator="|" if o.format_params.get("separator") != "|" else ";")))
    for field in ("table", "sql_schema", "path"):  # named as the file writes them (issue 14 §11)
        if getattr(ds, field):
            out.append((field if field in ds.to_dict() else "params." + DatasetConfig.PARAM_FIELDS[field],
                        lambda o, f=field: setattr(o, f, getattr(o, f) + "_x")))
    if ds.schema:
        out.append(("schema[0].comment", lambda o: setattr(o.schema[0], "comment", "edited comment")))
        out.append(("schema[0].type", lambda o: setattr(o.schema[0], "type",
                                                          "bigint" if o.schema[0].type != "bigint" else "string")))
    return out


def _recipe_edits(rc):
    out = _common(rc)
    if rc.code is not None:
        out.append(("code", lambda o: setattr(o, "code", o.code + "\n# edited\n")))
    return out


def _scenario_edits(sc):
    out = _common(sc)
    out.append(("active", lambda o: setattr(o, "active", o.active is False)))
    for i, tr in enumerate(sc.triggers or []):
        if tr.type == "temporal" and tr.frequency != "minutely":
            out.append(("triggers[%d].hour" % i, lambda o, i=i: setattr(o.triggers[i], "hour",
                                                                       ((o.triggers[i].hour or 0) + 1) % 24)))
            out.append(("triggers[%d].minute" % i, lambda o, i=i: setattr(o.triggers[i], "minute",
                                                                         ((o.triggers[i].minute or 0) + 7) % 60)))
        if tr.type != "manual":
            out.append(("triggers[%d].active" % i, lambda o, i=i: setattr(o.triggers[i], "active",
                                                                         o.triggers[i].active is False)))
    for i, st in enumerate(sc.steps or []):
        out.append(("steps[%d].max_retries" % i, lambda o, i=i: setattr(o.steps[i], "max_retries",
                                                                       (o.steps[i].max_retries or 0) + 2)))
        out.append(("steps[%d].enabled" % i, lambda o, i=i: setattr(o.steps[i], "enabled",
                                                                   o.steps[i].enabled is False)))
        if (st.run_condition or "if_previous_ok") != "always":
            out.append(("steps[%d].run_condition" % i, lambda o, i=i: setattr(o.steps[i], "run_condition", "always")))
    return out


def _folder_edits(mf):
    out = _common(mf)
    if mf.path and "path" not in (mf.params or {}):
        out.append(("path", lambda o: setattr(o, "path", o.path + "_x")))
    return out


def candidates(config):
    """(kind, name, config path, edit) for every editable key of every object of ``config``."""
    out = [("project", config.project.key, p, e) for p, e in _common(config.project)]
    out += [("zone", z.name, "color", lambda o: setattr(o, "color", "#0a0b0c")) for z in config.zones]
    for kind, objects, edits in (("dataset", config.datasets, _dataset_edits),
                                 ("recipe", config.recipes, _recipe_edits),
                                 ("scenario", config.scenarios, _scenario_edits),
                                 ("managed_folder", config.managed_folders, _folder_edits)):
        out += [(kind, obj.name, path, edit) for obj in objects for path, edit in edits(obj)]
    if config.project.variables:
        out.append(("variables", "variables", "standard.random_edit",
                    lambda o: o.setdefault("standard", {}).update(random_edit="1")))
    return out


def _target(config, kind, name):
    return dict(handler(kind).configured(config))[name]


@pytest.fixture(scope="module")
def created():
    from plan_support import client_of, examples_emulator
    emu = examples_emulator()
    dss = client_of(emu)
    for name in EXAMPLE_FILES:
        bootstrap(dss, load_example(name))
    yield dss
    emu.stop()


def test_hundred_random_single_field_edits_are_each_planned_as_exactly_that_edit(created):
    rng = random.Random(SEED)
    seen_paths = set()
    for _ in range(EDITS):
        name = rng.choice(EXAMPLE_FILES)
        config = load_example(name)
        kind, obj_name, path, edit = rng.choice(candidates(config))
        edit(_target(config, kind, obj_name))
        rc = only_change(plan(created, config))
        where = "%s: %s %s %s" % (name, kind, obj_name, path)
        assert (rc.address, rc.action) == (handler(kind).address(obj_name), "update"), where
        assert [c["path"] for c in rc.changes] == [path], (where, rc.changes)
        seen_paths.add((kind, path.split("[")[0].split(".")[0]))
    assert len(seen_paths) >= 15, "the seed exercises a variety of fields: %s" % sorted(seen_paths)
