"""Refresh's list calls and rollback's address table come from the kinds' declarations (issue 17 §1).

Why: a new kind must be one module; refresh and rollback no longer list the kinds by hand, so a kind
that declares a list call (``Kind.list_calls``) or where it lives in the project git
(``Kind.git_paths``) is read and addressed with no edit to either.
"""
from dataiku_framework.apply.rollback import _address
from dataiku_framework.plan.refresh import refresh
from dataiku_framework.resources import registry


def test_a_list_call_a_kind_declares_is_read_by_refresh_and_digested(client, project, monkeypatch):
    """Real refresh over HTTP: the slot is read once, stored by the kind, and part of the live digest."""
    project.set_variables({"standard": {"region": "eu"}, "local": {}})
    monkeypatch.setattr(registry.get("git_library"), "list_calls",
                        {"probe": lambda client, project: project.get_variables()})
    snap = refresh(client, "P1")
    assert snap.slots["probe"]["standard"] == {"region": "eu"}
    assert snap.raw()["slots"] == {"probe": snap.slots["probe"]}


def test_without_new_slots_the_live_digest_keeps_its_shape(client, project):
    """The seven first kinds keep their snapshot attributes: a plan made before still compares equal."""
    snap = refresh(client, "P1")
    assert snap.slots["datasets"] == [] and "slots" not in snap.raw()
    assert set(snap.raw()) == {"metadata", "settings", "variables", "datasets", "folders", "zones", "recipes",
                               "scenarios", "recipe_names"}


def test_rollback_addresses_follow_the_kinds_git_paths(monkeypatch):
    monkeypatch.setattr(registry.get("git_library"), "git_paths", (("lib_git_refs", True),))
    assert _address("lib_git_refs/REF1.json", '{"name": "shared/utils"}') == "git_library.shared/utils"
    assert _address("lib_git_refs/REF1.json", None, {"REF1": "tools"}) == "git_library.tools"


def test_rollback_addresses_of_the_first_kinds_and_of_what_no_kind_manages():
    assert _address("params.json", None) == "project" and _address("tags.json", None) == "project"
    assert _address("variables.json", None) == "variables"
    assert _address("datasets/RAW.json", None) == "dataset.RAW"
    assert _address("scenarios/AB12.json", '{"name": "daily"}') == "scenario.daily"
    assert _address("zones/z1.json", None, {"z1": "raw_zone"}) == "zone.raw_zone"
    assert _address("lib/python/helpers.py", None) == "library.python/helpers.py"
    assert _address("saved_models/M1.json", None) == "saved_model.M1"


def test_every_kind_hears_once_after_an_apply_what_succeeded(client, monkeypatch):
    """``Kind.after_apply`` (git_library's refresh-on-apply) runs once per apply, after the graph, with
    the entries that succeeded; a real apply on the emulator."""
    from dataiku_framework import Engine, FrameworkConfig
    heard = []
    monkeypatch.setattr(registry.get("git_library"), "after_apply",
                        lambda ctx, entries: heard.append((ctx.project_key, sorted(e["address"] for e in entries))))
    config = FrameworkConfig.from_yaml('version: "1.0"\nproject: {key: AFTER, name: After}\n'
                                       'datasets: [{name: raw, type: Filesystem, managed: true, format_type: csv}]\n')
    assert Engine(client=client).apply(config).succeeded
    assert heard == [("AFTER", ["dataset.raw"])]  # (a new project is created before the graph)


def test_an_unknown_target_names_every_kind_s_address_form(client):
    import pytest
    from dataiku_framework import Engine, FrameworkConfig
    config = FrameworkConfig.from_yaml('version: "1.0"\nproject: {key: TARGETS, name: Targets}\n')
    with pytest.raises(ValueError) as error:
        Engine(client=client).plan(config, targets=["dataset.nope"])
    assert "--target dataset.nope: no such resource" in str(error.value)
    for kind in registry.kinds():
        assert kind.address("NAME") in str(error.value)
    assert "git_library.NAME" in str(error.value) and "code_envs" in str(error.value)
