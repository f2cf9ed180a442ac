"""``sources.fetch_folder`` against the emulator: the real client, real files, hostile paths, cleanup."""
import os
import tempfile

import pytest

from dataiku_framework.plugin.validate import params_from_config, validate_from_folder
from dataiku_framework.sources import FolderError, UnsafePath, fetch_folder
from dataiku_framework.sources.folder import safe_relative_path


def test_copies_every_file_with_its_subfolders(client, configs, tmp_path):
    copy = fetch_folder(client, "P1", "configs", str(tmp_path))
    assert copy.folder_id == configs.folder_id and copy.name == "configs"
    assert sorted(copy.files) == ["datasets/sources.yaml", "project.yaml", "recipes/clean_customers.py"]
    assert (tmp_path / "recipes" / "clean_customers.py").read_text().startswith("import dataiku")


def test_binary_content_is_copied_byte_for_byte(client, project, tmp_path):
    folder = project.create_managed_folder("bin")
    data = bytes(range(256)) * 4
    folder.put_file("/blob.bin", data)
    fetch_folder(client, "P1", "bin", str(tmp_path))
    assert (tmp_path / "blob.bin").read_bytes() == data


@pytest.mark.parametrize("path", ["/../evil.txt", "/a/../../evil.txt", "..\\evil.txt", "C:/evil.txt", "/", ""])
def test_unsafe_paths_are_refused(path):
    with pytest.raises(UnsafePath):
        safe_relative_path(path)


def test_safe_paths_are_normalised():
    assert safe_relative_path("/sub//a.yaml") == "sub/a.yaml"
    assert safe_relative_path("./project.yaml") == "project.yaml"


def test_a_listing_escaping_the_folder_writes_nothing(client, configs, emulator, tmp_path):
    """A DSS that listed ``/../evil.txt`` (not reachable through HTTP, so put in the emulator's state)."""
    files = emulator.instance.projects["P1"].folder_files[configs.folder_id]
    files["/../evil.txt"] = {"data": b"owned", "lastModified": 0}
    dest = tmp_path / "dest"
    dest.mkdir()
    with pytest.raises(UnsafePath, match="evil.txt"):
        fetch_folder(client, "P1", "configs", str(dest))
    assert list(dest.iterdir()) == [] and not (tmp_path / "evil.txt").exists()


def test_size_limit(client, configs, tmp_path):
    with pytest.raises(FolderError, match="more than the 10 allowed"):
        fetch_folder(client, "P1", "configs", str(tmp_path), max_bytes=10)


def test_temporary_copies_are_always_removed(client, configs, emulator, tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    assert validate_from_folder(client, "P1", "configs", online=False, target="CUSTOMER_ANALYTICS").valid
    with pytest.raises(FolderError):
        validate_from_folder(client, "P1", "nope")
    emulator.instance.projects["P1"].folder_files[configs.folder_id]["/../x"] = {"data": b"", "lastModified": 0}
    with pytest.raises(UnsafePath):
        validate_from_folder(client, "P1", "configs", target="CUSTOMER_ANALYTICS")
    assert os.listdir(str(tmp_path)) == []


def test_params_from_config_defaults():
    assert params_from_config({"folder": "f"}) == {"folder_ref": "f", "config_path": "project.yaml", "env": None,
                                                   "online": True, "target": None}
    assert params_from_config({"folder": "f", "config_path": " a.yaml ", "environment": "prod", "online": False}) \
        == {"folder_ref": "f", "config_path": "a.yaml", "env": "prod", "online": False, "target": None}
    assert params_from_config(None)["folder_ref"] is None
