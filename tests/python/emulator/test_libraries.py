"""Project libraries through the real client: tree, read/write, add/rename/move/delete, git."""
import pytest
from dataikuapi.utils import DataikuException

from emusupport import ANALYST_KEY


def _names(items):
    return sorted(i.name for i in items)


def test_new_project_has_python_and_r_folders(project):
    library = project.get_library()
    assert _names(library.list()) == ["R", "python"]
    assert library.get_folder("/python").list() == []


def test_add_write_read(project):
    library = project.get_library()
    f = library.get_folder("/python").add_file("mod.py")
    assert f.path == "/python/mod.py"
    f.write("x = 1\n")
    fresh = project.get_library()
    assert fresh.get_file("/python/mod.py").read() == "x = 1\n"
    assert fresh.get_file("/python/mod.py").read(as_type="bytes") == b"x = 1\n"
    root_file = fresh.add_file("notes.txt")
    assert root_file.path == "/notes.txt"
    assert "notes.txt" in _names(project.get_library().list())


def test_add_existing_file_is_refused(project):
    library = project.get_library()
    library.get_folder("/python").add_file("mod.py").write("x")
    with pytest.raises(DataikuException, match="already exists"):
        project.get_library().get_folder("/python").add_file("mod.py")


def test_missing_file_is_404(project, emulator):
    client = emulator.client("test-admin-key")
    with pytest.raises(DataikuException) as e:
        client._perform_json("GET", "/projects/P1/libraries/contents//python/missing.py")
    assert "NotFoundException" in str(e.value) and "does not exist" in str(e.value)
    with pytest.raises(DataikuException, match="IllegalArgument"):    # no escaping the library
        client._perform_empty("POST", "/projects/P1/libraries/contents-actions/move",
                              body={"oldPath": "/python/../../etc", "newPath": "/R"})


def test_folders_rename_move_delete(project):
    library = project.get_library()
    pkg = library.get_folder("/python").add_folder("pkg")
    sub = pkg.add_folder("sub")
    f = sub.add_file("util.py")
    f.write("u = 2\n")
    tree = project.get_library()
    assert tree.get_file("/python/pkg/sub/util.py").read() == "u = 2\n"
    tree.get_folder("/python/pkg").rename("pkg2")
    tree = project.get_library()
    assert tree.get_file("/python/pkg2/sub/util.py").read() == "u = 2\n"
    assert tree.get_folder("/python/pkg") is None
    tree.get_file("/python/pkg2/sub/util.py").move_to(tree.get_folder("/R"))
    tree = project.get_library()
    assert tree.get_file("/R/util.py").read() == "u = 2\n"
    tree.get_folder("/python/pkg2").delete()
    assert project.get_library().get_folder("/python").list() == []
    tree.get_file("/R/util.py").delete()
    assert project.get_library().get_folder("/R").list() == []


def test_rename_and_move_errors(project):
    library = project.get_library()
    library.get_folder("/python").add_file("a.py").write("a")
    library.get_folder("/python").add_file("b.py").write("b")
    tree = project.get_library()
    with pytest.raises(DataikuException, match="already exists"):
        tree.get_file("/python/a.py").rename("b.py")
    with pytest.raises(DataikuException, match="IllegalArgument"):
        tree.get_file("/python/a.py").rename("x/y.py")
    stale = tree.get_file("/python/a.py")
    stale.delete()
    tree.get_folder("/python").add_folder("tmp")
    tree.get_file("/python/b.py").move_to(tree.get_folder("/python/tmp"))
    project.get_library().get_file("/python/tmp/b.py").rename("c.py")
    assert project.get_library().get_file("/python/tmp/c.py").read() == "b"
    with pytest.raises(DataikuException, match="does not exist"):
        stale.move_to(tree.get_folder("/R"))


def test_files_are_versioned_in_git(project):
    project.get_library().get_folder("/python").add_file("mod.py").write("x = 1\n")
    entries = project.get_project_git().log()["entries"]
    assert entries[0]["message"] == "Updated library file /python/mod.py"
    assert entries[0]["changedFiles"] == ["lib/python/mod.py"]
    project.get_library().get_file("/python/mod.py").delete()
    assert project.get_project_git().log()["entries"][0]["changedFiles"] == ["lib/python/mod.py"]


def test_permissions(project, emulator):
    project.get_library().get_folder("/python").add_file("mod.py").write("x")
    analyst = emulator.client(ANALYST_KEY).get_project("P1")
    with pytest.raises(DataikuException, match="Failed to read project permissions"):
        analyst.get_library()
    perms = project.get_permissions()
    perms["permissions"].append({"group": "data_team", "readProjectContent": True})
    project.set_permissions(perms)
    library = analyst.get_library()
    assert library.get_file("/python/mod.py").read() == "x"
    with pytest.raises(DataikuException, match="forbidden"):
        library.get_file("/python/mod.py").write("y")


def _tree_paths(library):
    out = []

    def walk(items):
        for item in items:
            out.append(item.path)
            if hasattr(item, "list"):
                walk(item.list())
    walk(library.list())
    return sorted(out)


def test_restored_library_files_show_with_their_folders(client, project):
    """Git stores files only: after a revert or a duplication, nested files keep their folders."""
    library = project.get_library()
    library.get_folder("/python").add_folder("pkg").add_folder("sub").add_file("m.py").write("x = 1\n")
    expected = ["/R", "/python", "/python/pkg", "/python/pkg/sub", "/python/pkg/sub/m.py"]
    git = project.get_project_git()
    with_file = git.log()["entries"][0]["commit"]
    library.get_folder("/python/pkg").delete()
    assert _tree_paths(library) == ["/R", "/python"]
    git.revert_to_revision(with_file)
    assert _tree_paths(project.get_library()) == expected
    assert project.get_library().get_file("/python/pkg/sub/m.py").read() == "x = 1\n"
    project.duplicate("P2", "Copy")
    assert _tree_paths(client.get_project("P2").get_library()) == expected


def test_git_library_references_are_stored_without_cloning(project, emulator):
    """Issue 6 §4: ``lib-git-refs`` list/add/edit/remove, kept in the library's
    ``external-libraries.json`` (as DSS keeps them), versioned in project git."""
    git = project.get_project_git()
    empty = git.list_libraries()
    assert empty["gitReferences"] == {} and empty["pythonPath"] == ["python"]
    future = git.add_library("https://example.com/repo.git", "shared_utils", "main", path_in_git_repository="src",
                             password="hunter2", as_type="object")
    assert future.wait_for_result() is not None
    refs = git.list_libraries()
    assert refs["gitReferences"]["shared_utils"] == {"remote": "https://example.com/repo.git", "remotePath": "src",
                                                     "checkout": "main", "isDirty": False}
    assert refs["pythonPath"] == ["python", "shared_utils"]
    assert "hunter2" not in str(emulator.instance.projects["P1"].library)
    assert "external-libraries.json" in [i.name for i in project.get_library().list()]
    assert "lib/external-libraries.json" in git.log()["entries"][0]["changedFiles"]
    with pytest.raises(DataikuException, match="already"):
        git.add_library("https://example.com/other.git", "shared_utils", "main")
    git.set_library("shared_utils", "https://example.com/repo2.git", "", "v2")
    ref = git.list_libraries()["gitReferences"]["shared_utils"]
    assert ref["remote"] == "https://example.com/repo2.git" and ref["checkout"] == "v2" and ref["remotePath"] == ""
    git.reset_library("shared_utils").wait_for_result()
    git.remove_library("shared_utils", delete_directory=True)
    after = git.list_libraries()
    assert after["gitReferences"] == {} and after["pythonPath"] == ["python"]
    with pytest.raises(DataikuException, match="does not exist"):
        git.remove_library("shared_utils", delete_directory=False)
    with pytest.raises(DataikuException, match="repository"):
        git.add_library("", "x", "main")
