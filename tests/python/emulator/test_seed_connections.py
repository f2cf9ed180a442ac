"""Issue 14 §12: seeding an export declares the connections its datasets and folders sit on, with
the type DSS gives a connection of that kind (an S3 dataset sits on an ``EC2`` connection:
the shared reference dss-rest-api.md, ``set_connection_and_path``, "EC2 -> S3, SSH -> SCP/SFTP"),
because the instance the export came from had them. A small export of our own, written here."""
import json
import os

from emusupport import ADMIN_KEY, make_emulator

OBJECTS = {
    "datasets/LAKE.json": {"type": "S3", "managed": False,
                           "params": {"connection": "s3_lake", "bucket": "b", "path": "/lake"}},
    "datasets/DW.json": {"type": "PostgreSQL", "managed": False,
                         "params": {"connection": "pg_dw", "mode": "table", "table": "t"}},
    "datasets/REMOTE.json": {"type": "SFTP", "managed": False, "params": {"connection": "sftp_in", "path": "/"}},
    "datasets/FILES.json": {"type": "Filesystem", "managed": True,
                            "params": {"connection": "filesystem_managed", "path": "/x"}},
    "managed_folders/abcd1234.json": {"name": "models", "type": "S3",
                                      "params": {"connection": "s3_models", "path": "/m"}},
}


def _export(root):
    """A minimal export folder (``project_config/``) holding the objects above."""
    config = os.path.join(str(root), "project_config")
    for rel, obj in dict(OBJECTS, **{"params.json": {"name": "Seeded", "owner": "admin"}}).items():
        path = os.path.join(config, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as handle:
            json.dump(obj, handle)
    return str(root)


def test_seeding_declares_the_connections_of_datasets_and_folders(tmp_path):
    emu = make_emulator(seed_exports={"SEEDED": _export(tmp_path)})
    try:
        listed = emu.client(ADMIN_KEY).list_connections()
    finally:
        emu.stop()
    types = {name: listed[name]["type"] for name in ("s3_lake", "pg_dw", "sftp_in", "s3_models") if name in listed}
    assert types == {"s3_lake": "EC2", "pg_dw": "PostgreSQL", "sftp_in": "SSH", "s3_models": "EC2"}
    assert listed["filesystem_managed"]["type"] == "Filesystem"  # the built-in one is kept as it is


def test_seeding_keeps_a_connection_the_instance_already_has(tmp_path):
    emu = make_emulator(connections={"pg_dw": "Snowflake"}, seed_exports={"SEEDED": _export(tmp_path)})
    try:
        listed = emu.client(ADMIN_KEY).list_connections()
    finally:
        emu.stop()
    assert listed["pg_dw"]["type"] == "Snowflake"
