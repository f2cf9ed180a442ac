"""No data loss: nothing is deleted without permission, data goes only when a lifecycle says so, and
only what the state says the tool manages is ever deleted.

Data is given to a managed dataset (rows) and to a managed folder (a file) through the emulator, as a
build or an upload would leave them, then the objects are removed from the configuration.
"""
from dss_emulator.api.datasets import write_rows

from apply_support import fresh_key, live_names
from dataiku_framework import FrameworkConfig
from dataiku_framework.state import StateStore

ROWS = [["1", "alice"], ["2", "bob"]]


def _config(key, datasets=("orders", "customers"), folders=("landing",), drop=(), prune=False):
    lines = ['version: "1.0"', "project: {key: %s, name: Safety}" % key]
    if prune:
        lines.append("settings: {prune: true}")
    lines.append("datasets:")
    for name in datasets:
        lifecycle = ", lifecycle: {drop_data_on_destroy: true}" if name in drop else ""
        lines.append("  - {name: %s, type: Filesystem, managed: true, format_type: csv, "
                     "schema: [{name: id, type: string}, {name: name, type: string}]%s}" % (name, lifecycle))
    if folders:
        lines.append("managed_folders:")
        for name in folders:
            lifecycle = ", lifecycle: {drop_data_on_destroy: true}" if name in drop else ""
            lines.append("  - {name: %s%s}" % (name, lifecycle))
    return FrameworkConfig.from_yaml("\n".join(lines) + "\n")


def _give_data(emu, client, key):
    """Rows in both datasets, a file in the folder."""
    with emu.instance.lock:
        project = emu.instance.projects[key]
        write_rows(project, "orders", ROWS)
        write_rows(project, "customers", ROWS)
    folder = _folder(client, key, "landing")
    folder.put_file("in/data.csv", b"id,name\n1,alice\n")


def _folder(client, key, name):
    project = client.get_project(key)
    found = [f for f in project.list_managed_folders() if f["name"] == name]
    return project.get_managed_folder(found[0]["id"]) if found else None


def _rows(client, key, name):
    return [list(r) for r in client.get_project(key).get_dataset(name).iter_rows()]


def _stored_rows(emu, key, name):
    """The rows DSS still keeps for ``name`` (a deleted definition leaves its data behind)."""
    with emu.instance.lock:
        data = emu.instance.projects[key].dataset_data.get(name) or {}
    return [row for rows in (data.get("partitions") or {}).values() for row in rows]


def _stored_folder_files(emu, key):
    with emu.instance.lock:
        return {path for files in emu.instance.projects[key].folder_files.values() for path in files}


def _set_up(emu, client, engine, **kwargs):
    key = fresh_key("SAFE")
    result = engine.apply(_config(key, **kwargs))
    assert result.succeeded, result.summary()
    _give_data(emu, client, key)
    assert _rows(client, key, "orders") == ROWS
    return key


def test_removed_without_allow_delete_survives_with_its_data(emu, client, engine):
    key = _set_up(emu, client, engine)
    config = _config(key, datasets=("customers",), folders=())
    plan = engine.plan(config)
    assert not plan.has_changes
    kept = {e["address"]: e["reason"] for e in plan.doc["not_deleted"]}
    assert set(kept) == {"dataset.orders", "managed_folder.landing"}
    assert all("--allow-delete" in reason for reason in kept.values())
    result = engine.apply(config)
    assert result.results == [] and result.writes == 0
    names = live_names(client, key)
    assert "orders" in names["dataset"] and "landing" in names["managed_folder"]
    assert _rows(client, key, "orders") == ROWS
    assert _folder(client, key, "landing").get_file("in/data.csv").content == b"id,name\n1,alice\n"
    # still managed: the state keeps them (a later allow_delete may delete them)
    assert {"dataset.orders", "managed_folder.landing"} <= set(StateStore(client, key).read().resources)


def test_allow_delete_without_drop_data_deletes_the_definition_and_keeps_the_data(emu, client, engine):
    key = _set_up(emu, client, engine)
    config = _config(key, datasets=("customers",), folders=())
    result = engine.apply(config, allow_delete=True)
    assert result.succeeded, result.summary()
    assert sorted((r.address, r.operation) for r in result.results) == [
        ("dataset.orders", "delete"), ("managed_folder.landing", "delete")]
    names = live_names(client, key)
    assert "orders" not in names["dataset"] and "landing" not in names["managed_folder"]
    assert _stored_rows(emu, key, "orders") == ROWS  # the data stays where DSS keeps it
    assert "/in/data.csv" in _stored_folder_files(emu, key)
    assert _rows(client, key, "customers") == ROWS
    state = StateStore(client, key).read()
    assert "dataset.orders" not in state.resources and "managed_folder.landing" not in state.resources
    # the dataset comes back with its data when the configuration names it again
    again = engine.apply(_config(key, folders=()))
    assert [(r.address, r.operation, r.status) for r in again.results] == [("dataset.orders", "create", "succeeded")]
    assert _rows(client, key, "orders") == ROWS
    assert not engine.plan(_config(key, folders=())).has_changes


def test_prune_in_the_file_allows_deletion_and_drop_data_on_destroy_drops_it(emu, client, engine):
    key = _set_up(emu, client, engine, drop=("orders", "landing"))
    result = engine.apply(_config(key, datasets=("customers",), folders=(), prune=True))
    assert result.succeeded and result.counts["deleted"] == 2, result.summary()
    assert _stored_rows(emu, key, "orders") == []  # the lifecycle said so
    assert _stored_folder_files(emu, key) == set()
    assert _rows(client, key, "customers") == ROWS


def test_only_resources_in_the_state_are_deleted(emu, client, engine):
    """Objects made in DSS by hand, or named in no state, are never deleted, even with allow_delete."""
    key = _set_up(emu, client, engine)
    project = client.get_project(key)
    builder = project.new_managed_dataset("hand_made")
    builder.with_store_into("filesystem_managed")
    builder.create()
    with emu.instance.lock:
        write_rows(emu.instance.projects[key], "hand_made", ROWS)
    project.create_managed_folder("hand_folder")
    # a dataset the tool applied, then forgotten by the state (as if it never managed it)
    store = StateStore(client, key)
    state = store.read()
    state.remove_resource("dataset.customers")
    store.write(state)
    plan = engine.plan(_config(key, datasets=("orders",), folders=()), allow_delete=True)
    deletes = sorted(e["address"] for e in plan.doc["resource_changes"] if e["action"] == "delete")
    assert deletes == ["managed_folder.landing"]
    result = engine.apply(_config(key, datasets=("orders",), folders=()), allow_delete=True)
    assert [(r.address, r.operation, r.status) for r in result.results] == [
        ("managed_folder.landing", "delete", "succeeded")]
    names = live_names(client, key)
    assert {"hand_made", "customers", "orders"} <= set(names["dataset"])
    assert "hand_folder" in names["managed_folder"]
    assert _stored_rows(emu, key, "hand_made") == ROWS


def test_prevent_destroy_in_the_state_protects_a_removed_block(emu, client, engine):
    key = fresh_key("SAFE")
    text = ('version: "1.0"\nproject: {key: %s, name: Safety}\ndatasets:\n'
            '  - {name: keep_me, type: Filesystem, managed: true, format_type: csv,\n'
            '     lifecycle: {prevent_destroy: true}}\n'
            '  - {name: other, type: Filesystem, managed: true, format_type: csv}\n' % key)
    assert engine.apply(FrameworkConfig.from_yaml(text)).succeeded
    assert StateStore(client, key).read().resources["dataset.keep_me"]["prevent_destroy"] is True
    removed = FrameworkConfig.from_yaml(text.split("  - {name: keep_me")[0] +
                                        "  - {name: other, type: Filesystem, managed: true, format_type: csv}\n")
    plan = engine.plan(removed, allow_delete=True)
    assert not plan.has_changes
    assert [(e["address"], "prevent_destroy" in e["reason"]) for e in plan.doc["not_deleted"]] == [
        ("dataset.keep_me", True)]
    result = engine.apply(removed, allow_delete=True)
    assert result.results == []
    assert "keep_me" in live_names(client, key)["dataset"]
