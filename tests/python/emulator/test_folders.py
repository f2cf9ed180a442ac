"""Managed folders through the real client: ids, defaults, files with DSS's path rules, uploads."""
import io
import re

import pytest
import requests
from dataikuapi.utils import DataikuException

from emusupport import ADMIN_KEY, ANALYST_KEY, assert_put_replaces
from dss_emulator.multipart import file_part


def _contents_url(emulator, fid, path):
    return "%s/dip/publicapi/projects/P1/managedfolders/%s/contents/%s" % (emulator.url, fid, path)


def test_create_gives_8_char_id_and_dss_defaults(project):
    folder = project.create_managed_folder("f1")
    assert re.match(r"^[A-Za-z0-9]{8}$", folder.id)
    raw = folder.get_settings().get_raw()
    assert raw["id"] == folder.id and raw["projectKey"] == "P1" and raw["name"] == "f1"
    assert raw["type"] == "Filesystem"                                   # type null -> the connection's type
    assert raw["params"]["connection"] == "filesystem_folders"
    assert raw["params"]["path"] == "/${projectKey}/${odbId}"           # kept unexpanded
    assert raw["partitioning"]["dimensions"] == [] and raw["tags"] == []
    assert raw["metrics"]["probes"][0]["type"] == "basic"
    assert raw["versionTag"]["versionNumber"] == 0 and raw["creationTag"]["lastModifiedBy"]["login"] == "admin"
    listed = project.list_managed_folders()
    assert [f["id"] for f in listed] == [folder.id] and listed[0]["params"]["path"] == "/${projectKey}/${odbId}"


def test_create_errors(project):
    project.create_managed_folder("f1")
    with pytest.raises(DataikuException, match="already exists"):
        project.create_managed_folder("f1")
    with pytest.raises(DataikuException, match="does not exist"):
        project.create_managed_folder("f2", connection_name="nope")
    with pytest.raises(DataikuException, match="IllegalArgument"):
        project.create_managed_folder("  ")


def test_settings_save_rename_and_delete(project):
    folder = project.create_managed_folder("f1")
    settings = folder.get_settings()
    settings.add_discrete_partitioning_dimension("country")
    settings.get_raw()["id"] = "hijacked"
    settings.save()
    raw = folder.get_settings().get_raw()
    assert raw["id"] == folder.id and raw["partitioning"]["dimensions"][0]["name"] == "country"
    assert raw["versionTag"]["versionNumber"] == 1
    folder.rename("renamed")
    assert folder.get_settings().get_raw()["name"] == "renamed"
    with pytest.raises(DataikuException, match="IllegalArgument"):
        folder.rename("   ")
    assert isinstance(folder.delete(drop_data=True), dict)
    with pytest.raises(DataikuException) as e:
        folder.get_settings()
    assert "NotFoundException" in str(e.value) and "does not exist" in str(e.value)
    assert project.list_managed_folders() == []


def test_unknown_folder_is_404(project):
    folder = project.get_managed_folder("nope1234")
    for call in (folder.get_settings, folder.list_contents, lambda: folder.get_file("/a"), folder.delete):
        with pytest.raises(DataikuException, match="does not exist"):
            call()


def test_files_round_trip_with_dss_path_rules(project):
    folder = project.create_managed_folder("f1")
    up = folder.put_file("/dir/a b.txt", io.BytesIO(b"abc"))
    assert up["path"] == "/dir/a b.txt" and up["size"] == 3 and up["lastModified"] > 0
    assert folder.put_file("x.txt", "string content")["path"] == "/x.txt"   # no leading slash -> /x.txt
    items = folder.list_contents()["items"]
    assert [(i["path"], i["size"]) for i in items] == [("/dir/a b.txt", 3), ("/x.txt", 14)]
    assert folder.get_file("/dir/a b.txt").content == b"abc"
    assert folder.get_file("x.txt").content == b"string content"
    folder.put_file("/x.txt", b"\x00\xffbinary")
    assert folder.get_file("/x.txt").content == b"\x00\xffbinary"
    with pytest.raises(DataikuException, match="does not exist"):
        folder.get_file("/missing.txt")
    folder.delete_file("/dir/a b.txt")
    folder.delete_file("/never-existed.txt")          # no error for a missing file
    assert [i["path"] for i in folder.list_contents()["items"]] == ["/x.txt"]


def test_file_writes_are_data_not_configuration(project):
    folder = project.create_managed_folder("f1")
    git = project.get_project_git()
    before = len(git.log()["entries"])
    folder.put_file("/a.txt", b"a")
    folder.delete_file("/a.txt")
    assert len(git.log()["entries"]) == before


def test_upload_15_1_shape_from_installed_client(project, emulator):
    """The installed client (15.2) sends the part header ``Expires: 0`` (MultipartEncoder)."""
    folder = project.create_managed_folder("f1")
    folder.put_file("/big.bin", io.BytesIO(b"x" * 300000))
    assert folder.get_file("/big.bin").content == b"x" * 300000


def test_upload_15_0_and_older_shape(project, emulator):
    """<=15.0 clients (``requests`` files=) send the bogus part header Content-Type: {'Expires': '0'}."""
    folder = project.create_managed_folder("f1")
    boundary = "66eef465f032f01966cc58d59f6137a3"
    body = ("--%s\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\"\r\n"
            "Content-Type: {'Expires': '0'}\r\n\r\nabc\r\n--%s--\r\n" % (boundary, boundary)).encode()
    resp = requests.post(_contents_url(emulator, folder.id, "/dir/a.txt"), data=body, auth=(ADMIN_KEY, ""),
                         headers={"Content-Type": "multipart/form-data; boundary=%s" % boundary})
    assert resp.status_code == 200
    assert resp.json()["path"] == "/dir/a.txt" and resp.json()["size"] == 3
    assert folder.get_file("/dir/a.txt").content == b"abc"


def test_upload_without_file_part_is_400(project, emulator):
    folder = project.create_managed_folder("f1")
    resp = requests.post(_contents_url(emulator, folder.id, "a.txt"), data=b"raw", auth=(ADMIN_KEY, ""))
    assert resp.status_code == 400 and "multipart" in resp.json()["message"]
    body = b"--b\r\nContent-Disposition: form-data; name=\"other\"\r\n\r\nx\r\n--b--\r\n"
    resp = requests.post(_contents_url(emulator, folder.id, "a.txt"), data=body, auth=(ADMIN_KEY, ""),
                         headers={"Content-Type": "multipart/form-data; boundary=b"})
    assert resp.status_code == 400 and "'file'" in resp.json()["message"]


def test_multipart_parser_keeps_bytes_exact():
    payload = b"line1\r\n--notaboundary\r\n\r\nend\n"
    body = (b"--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\"\r\nExpires: 0\r\n\r\n"
            + payload + b"\r\n--XyZ--\r\n")
    assert file_part(body, 'multipart/form-data; boundary="XyZ"') == payload


def test_copy_to(project):
    source = project.create_managed_folder("src")
    target = project.create_managed_folder("dst")
    source.put_file("/a.txt", b"a")
    target.put_file("/old.txt", b"old")
    future = source.copy_to(target, write_mode="APPEND")
    assert future.wait_for_result() is not None
    assert [i["path"] for i in target.list_contents()["items"]] == ["/a.txt", "/old.txt"]
    source.copy_to(target).wait_for_result()
    assert [i["path"] for i in target.list_contents()["items"]] == ["/a.txt"]


def test_copy_to_itself_keeps_the_files(project):
    folder = project.create_managed_folder("src")
    folder.put_file("/a.txt", b"a")
    folder.put_file("/dir/b.txt", b"b")
    folder.copy_to(folder).wait_for_result()                     # OVERWRITE onto itself
    assert [i["path"] for i in folder.list_contents()["items"]] == ["/a.txt", "/dir/b.txt"]
    assert folder.get_file("/dir/b.txt").content == b"b"


def test_deleted_folder_leaves_items_and_shared_of_every_zone(project):
    folder = project.create_managed_folder("f")
    flow = project.get_flow()
    home, other = flow.create_zone("Home"), flow.create_zone("Other")
    home.add_item(folder)
    other.add_shared(folder)
    project.get_managed_folder(folder.id).delete()
    assert flow.get_zone(home.id)._raw["items"] == [] and flow.get_zone(other.id)._raw["shared"] == []
    git = project.get_project_git()
    assert "zones/%s.json" % other.id in git.log()["entries"][0]["changedFiles"]
    assert git.get_status()["clean"] is True


@pytest.mark.parametrize("body", [{"id": [1], "newName": "x"}, {"id": {"a": 1}, "newName": "x"}])
def test_rename_with_a_non_string_id_is_400(project, emulator, body):
    resp = requests.post(emulator.url + "/dip/publicapi/projects/P1/actions/renameManagedFolder", json=body,
                         auth=(ADMIN_KEY, ""))
    assert resp.status_code == 400 and "must be a non-empty string" in resp.json()["detailedMessage"]


def test_permissions(project, emulator):
    folder = project.create_managed_folder("f1")
    folder.put_file("/a.txt", b"a")
    analyst = emulator.client(ANALYST_KEY).get_project("P1")
    with pytest.raises(DataikuException, match="Failed to read project permissions"):
        analyst.list_managed_folders()
    perms = project.get_permissions()
    perms["permissions"].append({"group": "data_team", "readProjectContent": True})
    project.set_permissions(perms)
    assert analyst.get_managed_folder(folder.id).get_file("/a.txt").content == b"a"
    with pytest.raises(DataikuException, match="forbidden"):
        analyst.get_managed_folder(folder.id).put_file("/b.txt", b"b")


@pytest.mark.parametrize("tags", [[1, "a"], [{}], "t"])
def test_folder_and_zone_settings_with_non_string_tags_are_400(project, tags):
    folder = project.create_managed_folder("f")
    settings = folder.get_settings()
    settings.get_raw()["tags"] = tags
    with pytest.raises(DataikuException, match="must be a list of strings"):
        settings.save()
    assert folder.get_settings().get_raw()["tags"] == []
    zone = project.get_flow().create_zone("Z").get_settings()
    zone.get_raw()["tags"] = tags
    with pytest.raises(DataikuException, match="must be a list of strings"):
        zone.save()


def test_put_replaces_the_folder_definition(project, emulator):
    """Issue 6 §3: keys the body leaves out are gone; client stamps are ignored; a body without a
    name is a DSS 400."""
    folder = project.create_managed_folder("f")
    stored = assert_put_replaces(project, folder.get_settings, "/projects/P1/managedfolders/%s" % folder.id)
    resp = requests.put(emulator.url + "/dip/publicapi/projects/P1/managedfolders/%s" % folder.id,
                        json={"params": stored["params"]}, auth=(ADMIN_KEY, ""))
    assert resp.status_code == 400 and "name" in resp.json()["detailedMessage"]


def test_delete_without_drop_data_keeps_the_files(project, emulator):
    """Issue 6 §4: ``dropData=false`` keeps the files where the folder kept them (the emulator's
    data store for that folder id, as DSS leaves them on disk); ``dropData=true`` removes them."""
    kept = project.create_managed_folder("kept")
    kept.put_file("a.txt", io.BytesIO(b"data"))
    dropped = project.create_managed_folder("dropped")
    dropped.put_file("b.txt", io.BytesIO(b"data"))
    kept.delete(drop_data=False)
    dropped.delete(drop_data=True)
    files = emulator.instance.projects["P1"].folder_files
    assert files[kept.id]["/a.txt"]["data"] == b"data"
    assert dropped.id not in files
    # reverting the deletion through project git brings the folder back with its files
    git = project.get_project_git()
    delete_commit = [e for e in git.log()["entries"] if e["message"] == "Deleted managed folder %s" % kept.id][0]
    git.revert_commit(delete_commit["commit"])
    assert project.get_managed_folder(kept.id).get_file("a.txt").content == b"data"
