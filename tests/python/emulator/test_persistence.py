"""``--data-dir``: a restart restores everything exactly, and a write costs what it changed.

Writes are stored per object (one file per stored entry) with an append-only git log, so a save
rewrites only the files of what changed, whatever the size and history of the project.
"""
import json
import os

import pytest

from emusupport import ADMIN_KEY, export_dir, fs_dataset, make_emulator
from dss_emulator import Emulator
from dss_emulator.state import Instance, Project

TITANIC = export_dir("Dataiku-Titanic")


def _snapshot(emulator):
    """The whole stored state, key order included (the order DSS lists objects in)."""
    inst = emulator.instance
    return json.dumps({"instance": {n: getattr(inst, n) for n in inst.INSTANCE_FIELDS},
                       "projects": [p.to_json() for p in inst.projects.values()]})


def _restart(data_dir):
    """An emulator on ``data_dir`` with no start options: everything it has comes from the disk
    (``make_emulator`` would re-add its connections, with fresh stamps)."""
    return Emulator(data_dir=data_dir).start()


def _files(data_dir):
    """path -> (inode, mtime_ns, size) of every stored file: a rewritten file changes inode or mtime."""
    out = {}
    for root, _, names in os.walk(data_dir):
        for name in names:
            st = os.stat(os.path.join(root, name))
            out[os.path.relpath(os.path.join(root, name), data_dir)] = (st.st_ino, st.st_mtime_ns, st.st_size)
    return out


def _build(client):
    """Objects of every kind, data, and a history with a tag, through the real client."""
    p = client.create_project("KEEP", "Kept project", "admin")
    for name in ("zeta", "alpha", "mid"):           # not sorted: stored key order must survive
        fs_dataset(p, name)
    p.set_variables({"standard": {"env": "prod", "n": 1.5}, "local": {"mine": "é"}})
    folder = p.create_managed_folder("landing")
    folder.put_file("in/raw.bin", bytes(range(256)) + b"\n\x00tail")
    folder.put_file("notes.txt", b"hello")
    p.get_library().get_folder("/python").add_folder("pkg").add_file("m.py").write("x = 1\n")
    settings = p.get_dataset("alpha").get_settings()
    settings.get_raw()["description"] = "first"
    settings.save()
    git = p.get_project_git()
    git.create_tag("v1")
    settings.get_raw()["description"] = "second"
    settings.save()
    git.revert_to_revision(git.list_tags()[0]["commit"])     # changes objects it does not "touch"
    p.get_dataset("mid").delete()
    return p


def _reads(project):
    """What a client sees: listings, contents, library, git log."""
    folder = project.get_managed_folder(project.list_managed_folders()[0]["id"])
    return {
        "datasets": [d["name"] for d in project.list_datasets()],
        "alpha": project.get_dataset("alpha").get_settings().get_raw(),
        "variables": project.get_variables(),
        "files": sorted((f["path"], f["size"]) for f in folder.list_contents()["items"]),
        "raw": folder.get_file("in/raw.bin").content,
        "module": project.get_library().get_file("/python/pkg/m.py").read(),
        "log": project.get_project_git().log()["entries"],
        "tags": project.get_project_git().list_tags(),
    }


def test_restart_restores_everything_exactly(tmp_path):
    data_dir = str(tmp_path)
    first = make_emulator(data_dir=data_dir)
    try:
        before = _reads(_build(first.client(ADMIN_KEY)))
        state = _snapshot(first)
        # what the running server wrote, request by request (stop() adds a full save of its own)
        on_disk = Instance()
        assert on_disk.load(data_dir)
        assert [p.to_json() for p in on_disk.projects.values()] == json.loads(state)["projects"]
    finally:
        first.stop()
    second = _restart(data_dir)
    try:
        assert _snapshot(second) == state
        after = _reads(second.client(ADMIN_KEY).get_project("KEEP"))
        assert after == before
        assert sorted(before["datasets"]) == ["alpha", "zeta"] and len(before["log"]) >= 8
        assert before["alpha"]["description"] == "first"          # the revert is what was kept
    finally:
        second.stop()


def test_seeded_export_survives_restart_exactly(tmp_path):
    first = make_emulator(data_dir=str(tmp_path), seed_exports={"TITANIC": TITANIC})
    state = _snapshot(first)
    first.stop()
    second = _restart(str(tmp_path))
    try:
        assert _snapshot(second) == state
    finally:
        second.stop()


def test_a_write_rewrites_only_what_changed(tmp_path):
    data_dir = str(tmp_path)
    emulator = make_emulator(data_dir=data_dir)
    try:
        p = _build(emulator.client(ADMIN_KEY))
        files = _files(data_dir)
        settings = p.get_dataset("zeta").get_settings()
        settings.get_raw()["description"] = "changed"
        settings.save()
        after = _files(data_dir)
        changed = sorted(path for path in after if after[path] != files.get(path))
        assert changed == [os.path.join("projects", "KEEP", "git", "log.jsonl"),
                           os.path.join("projects", "KEEP", "sections", "datasets", "zeta.json")]
        log = os.path.join(data_dir, "projects", "KEEP", "git", "log.jsonl")
        assert after[changed[0]][0] == files[changed[0]][0]        # the log was appended, not rewritten
        with open(log, encoding="utf-8") as f:
            lines = f.read().splitlines()
        assert len(lines) == len(p.get_project_git().log()["entries"])
        assert json.loads(lines[-1])["message"] == p.get_project_git().log()["entries"][0]["message"]
    finally:
        emulator.stop()


def test_deleted_objects_and_projects_leave_no_files(tmp_path):
    data_dir = str(tmp_path)
    emulator = make_emulator(data_dir=data_dir)
    try:
        p = _build(emulator.client(ADMIN_KEY))
        folder_id = p.list_managed_folders()[0]["id"]
        assert not os.path.exists(os.path.join(data_dir, "projects", "KEEP", "sections", "datasets", "mid.json"))
        p.get_managed_folder(folder_id).delete_file("notes.txt")
        assert sorted(os.listdir(os.path.join(data_dir, "projects", "KEEP", "folder_files", folder_id))) \
            == ["%2Fin%2Fraw.bin", ".folder"]
        p.delete()
        assert os.listdir(os.path.join(data_dir, "projects")) == []
    finally:
        emulator.stop()


def test_a_log_line_cut_by_a_crash_is_dropped_on_load(tmp_path):
    data_dir = str(tmp_path)
    first = make_emulator(data_dir=data_dir)
    try:
        entries = _reads(_build(first.client(ADMIN_KEY)))["log"]
    finally:
        first.stop()
    with open(os.path.join(data_dir, "projects", "KEEP", "git", "log.jsonl"), "a", encoding="utf-8") as f:
        f.write('{"id": "cut sho')
    second = make_emulator(data_dir=data_dir)
    try:
        p = second.client(ADMIN_KEY).get_project("KEEP")
        assert p.get_project_git().log()["entries"] == entries
        p.set_variables({"standard": {}, "local": {}})      # appends after the repaired log
        assert len(p.get_project_git().log()["entries"]) == len(entries) + 1
    finally:
        second.stop()
    third = make_emulator(data_dir=data_dir)
    try:
        assert len(third.client(ADMIN_KEY).get_project("KEEP").get_project_git().log()["entries"]) \
            == len(entries) + 1
    finally:
        third.stop()


def test_the_previous_single_file_layout_is_converted(tmp_path):
    first = make_emulator()
    try:
        _build(first.client(ADMIN_KEY))
        old = first.instance.projects["KEEP"].to_json()
        state = _snapshot(first)
    finally:
        first.stop()
    os.makedirs(str(tmp_path / "projects"))
    with open(str(tmp_path / "instance.json"), "w", encoding="utf-8") as f:
        json.dump({n: getattr(first.instance, n) for n in first.instance.INSTANCE_FIELDS}, f)
    with open(str(tmp_path / "projects" / "KEEP.json"), "w", encoding="utf-8") as f:
        json.dump(old, f)
    second = _restart(str(tmp_path))
    try:
        assert _snapshot(second) == state
        assert sorted(os.listdir(str(tmp_path / "projects"))) == ["KEEP"]
        assert Project.from_json(old).key == "KEEP"
    finally:
        second.stop()


def _previous_layout(project_json):
    """A project file as the previous emulator wrote it: the name, description, tags... in a
    separate ``metadata`` object and the project's stamps in ``summary_tags`` (not in params)."""
    old = json.loads(json.dumps(project_json))
    params = old["params"]
    old["metadata"] = {"label": params.pop("name"), "description": params.pop("description", ""),
                       "shortDesc": params.pop("shortDesc", ""), "tags": params.pop("tags", []),
                       "checklists": params.pop("checklists", {"checklists": []}),
                       "custom": params.pop("customMeta", {"kv": {}}),
                       "customFields": params.pop("customFields", {})}
    old["summary_tags"] = {"creationTag": params.pop("creationTag"), "versionTag": params.pop("versionTag")}
    for commit in old["git"]["commits"]:       # its git history versioned a metadata.json beside params.json
        text = commit["changes"].get("params.json")
        if text is not None:
            committed = {"params": json.loads(text), "key": old["key"], "git": {"commits": []}}
            converted = _previous_layout(committed)
            commit["changes"]["params.json"] = json.dumps(converted["params"], indent=2, sort_keys=True)
            commit["changes"]["metadata.json"] = json.dumps(converted["metadata"], indent=2, sort_keys=True)
    return old


def test_the_previous_layout_keeps_the_project_name_tags_and_stamps(tmp_path):
    """Issue 6 §7: a ``--data-dir`` of the previous version (metadata kept apart from params) loads
    with its name, description, tags, custom metadata and stamps."""
    first = make_emulator()
    try:
        p = first.client(ADMIN_KEY).create_project("OLD", "Old project", "admin", description="kept")
        md = p.get_metadata()
        md.update({"tags": ["t1", "t2"], "shortDesc": "short", "custom": {"kv": {"team": "data"}},
                   "customFields": {"f": 1}})
        p.set_metadata(md)
        summary = p.get_summary()
        metadata = p.get_metadata()
        old = _previous_layout(first.instance.projects["OLD"].to_json())
        assert "name" not in old["params"] and "tags" not in old["params"]
    finally:
        first.stop()
    os.makedirs(str(tmp_path / "projects"))
    with open(str(tmp_path / "instance.json"), "w", encoding="utf-8") as f:
        json.dump({n: getattr(first.instance, n) for n in first.instance.INSTANCE_FIELDS}, f)
    with open(str(tmp_path / "projects" / "OLD.json"), "w", encoding="utf-8") as f:
        json.dump(old, f)
    for _ in range(2):      # converted on the first load, then read back from the new layout
        emu = _restart(str(tmp_path))
        try:
            loaded = emu.client(ADMIN_KEY).get_project("OLD")
            assert loaded.get_summary() == summary
            assert loaded.get_metadata() == metadata
            settings = loaded.get_settings().get_raw()
            assert (settings["name"], settings["tags"]) == ("Old project", ["t1", "t2"])
        finally:
            emu.stop()
    # the next project-level commit drops the old metadata.json: one project record from now on;
    # a revision the previous version committed (params.json + metadata.json) restores its name
    emu = _restart(str(tmp_path))
    try:
        loaded = emu.client(ADMIN_KEY).get_project("OLD")
        git = loaded.get_project_git()
        first = git.log()["entries"][-1]["commit"]
        loaded.get_settings().save()
        head = git.log(count=1)["entries"][0]["commit"]
        changes = {e["path"]: e["changeType"] for e in git.diff(commit_from=head)["entries"]}
        assert changes == {"params.json": "MODIFY", "metadata.json": "DELETE"}
        git.revert_to_revision(first)
        reverted = loaded.get_summary()
        assert (reverted["name"], reverted["description"], reverted["tags"]) == ("Old project", "kept", [])
        assert reverted["creationTag"] == summary["creationTag"] and reverted["versionTag"] is not None
        head = git.log(count=1)["entries"][0]["commit"]
        changes = {e["path"]: e["changeType"] for e in git.diff(commit_from=head)["entries"]}
        assert changes.get("params.json") == "MODIFY" and "metadata.json" not in changes
    finally:
        emu.stop()
