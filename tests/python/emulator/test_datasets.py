"""Contract tests of the dataset endpoints, through the real dataikuapi client."""
import pytest
import requests
from dataikuapi.dss.dataset import FSLikeDatasetSettings, SQLDatasetSettings
from dataikuapi.utils import DataikuException

from emusupport import ADMIN_KEY


def fs_dataset(project, name="ds", columns=(("a", "string"),)):
    project.create_dataset(name, "Filesystem", params={"connection": "filesystem_managed", "path": "/P1/" + name},
                           formatType="csv", formatParams={"separator": ","})
    ds = project.get_dataset(name)
    if columns:
        ds.set_schema({"columns": [{"name": n, "type": t} for n, t in columns]})
    return ds


def grant(client, project, login, **flags):
    perms = project.get_permissions()
    perms["permissions"].append(dict({"user": login}, **flags))
    project.set_permissions(perms)


# -- creation shapes ----------------------------------------------------------------------------
def test_create_dataset_fills_every_field_dss_fills(project):
    fs_dataset(project, columns=())
    d = project.get_dataset("ds").get_settings().get_raw()
    assert (d["projectKey"], d["name"], d["type"], d["managed"]) == ("P1", "ds", "Filesystem", False)
    fp = d["formatParams"]
    assert fp["separator"] == "," and fp["style"] == "excel" and fp["parseHeaderRow"] is True
    assert fp["quoteChar"] == '"' and fp["compress"] == "" and len(fp["hiveSeparators"]) == 7
    assert d["params"]["notReadyIfEmpty"] is False
    assert d["params"]["filesSelectionRules"] == {"mode": "ALL", "excludeRules": [], "includeRules": [],
                                                  "explicitFiles": []}
    assert d["schema"] == {"columns": [], "userModified": False}
    assert d["partitioning"]["dimensions"] == []
    assert d["flowOptions"]["rebuildBehavior"] == "NORMAL"
    assert d["readWriteOptions"]["writeBuckets"] == 1
    assert [p["type"] for p in d["metrics"]["probes"]] == ["basic", "records"]
    assert d["metricsChecks"]["checks"] == [] and d["checks"] == []
    assert d["customMeta"] == {"kv": {}} and d["customFields"] == {} and d["tags"] == []
    assert d["checklists"] == {"checklists": []}
    assert d["creationTag"]["lastModifiedBy"]["login"] == "admin" and d["versionTag"]["versionNumber"] == 0


def test_create_helpers_of_the_client(project):
    project.create_upload_dataset("up")
    project.create_s3_dataset("s3", "filesystem_root", "/x", bucket="bkt")
    project.create_gcs_dataset("gcs", "filesystem_root", "/y")
    project.create_azure_blob_dataset("az", "filesystem_root", "/z", container="c")
    project.create_sql_table_dataset("sq", "PostgreSQL", "pg", "tbl", "public")
    up = project.get_dataset("up").get_settings()
    assert isinstance(up, FSLikeDatasetSettings)
    assert up.get_raw_params()["uploadConnection"] == "Default (in DSS data dir.)"
    assert up.get_raw()["formatType"] == "csv"
    s3 = project.get_dataset("s3").get_settings().get_raw()
    assert (s3["type"], s3["params"]["bucket"], s3["params"]["path"]) == ("S3", "bkt", "/x")
    assert project.get_dataset("az").get_settings().get_raw()["params"]["container"] == "c"
    sq = project.get_dataset("sq").get_settings()
    assert isinstance(sq, SQLDatasetSettings)
    p = sq.get_raw_params()
    assert (p["mode"], p["table"], p["schema"], p["tableCreationMode"]) == ("table", "tbl", "public", "auto")
    assert "formatType" not in sq.get_raw()
    names = [d["name"] for d in project.list_datasets()]
    assert names == sorted(names) and set(names) == {"up", "s3", "gcs", "az", "sq"}


def test_files_in_folder_needs_an_existing_folder(project):
    with pytest.raises(DataikuException, match="does not exist"):
        project.create_dataset("fif", "FilesInFolder", params={"folderSmartId": "nope1234"})
    folder = project.create_managed_folder("f")
    ds = folder.create_dataset_from_files("fif")
    d = ds.get_settings().get_raw()
    assert d["params"]["folderSmartId"] == folder.id and d["formatType"] == "csv"
    assert d["params"]["filesSelectionRules"]["mode"] == "ALL"


def test_sql_dataset_on_unknown_connection_is_refused(project):
    with pytest.raises(DataikuException, match="Connection nope does not exist"):
        project.create_sql_table_dataset("sq", "PostgreSQL", "nope", "t", "s")
    assert not project.get_dataset("sq").exists()


def test_duplicate_and_invalid_names(project):
    fs_dataset(project)
    with pytest.raises(DataikuException, match="already exists"):
        fs_dataset(project)
    with pytest.raises(DataikuException, match="DSSIllegalArgumentException.*Invalid dataset name"):
        project.create_dataset("bad name", "Filesystem")
    with pytest.raises(DataikuException, match="Invalid dataset name"):
        project.create_dataset("bad.name", "Filesystem")
    with pytest.raises(DataikuException, match="already exists"):
        project.new_managed_dataset("ds").with_store_into("filesystem_managed").create()


# -- managed ------------------------------------------------------------------------------------
def test_managed_dataset_synthesis_defaults(project):
    ds = project.new_managed_dataset("mds").with_store_into("filesystem_managed").create()
    d = ds.get_settings().get_raw()
    assert d["managed"] is True and d["type"] == "Filesystem"
    assert d["params"]["connection"] == "filesystem_managed"
    assert d["params"]["path"] == "${projectKey}/mds"          # kept unexpanded, as DSS stores it
    fp = d["formatParams"]
    assert (d["formatType"], fp["style"], fp["separator"], fp["compress"], fp["parseHeaderRow"]) == \
        ("csv", "unix", "\t", "gz", False)


def test_managed_dataset_on_an_s3_connection_takes_type_s3(emulator, project):
    """DSS types an S3 connection EC2; a managed dataset stored into it is of type S3."""
    emulator.add_connection("lake", "EC2", {"bucket": "b"})
    ds = project.new_managed_dataset("on_s3").with_store_into("lake").create()
    d = ds.get_settings().get_raw()
    assert (d["type"], d["managed"], d["params"]["connection"]) == ("S3", True, "lake")


@pytest.mark.parametrize("option,ftype,check", [
    ("CSV_EXCEL_GZIP", "csv", lambda fp: fp["style"] == "excel" and fp["compress"] == "gz"),
    ("CSV_ESCAPING_NOGZIP_FORHIVE", "csv", lambda fp: fp["style"] == "escape_only_no_quote" and fp["compress"] == ""),
    ("PARQUET_HIVE", "parquet", lambda fp: fp["parquetFlavor"] == "HIVE"),
])
def test_managed_format_options(project, option, ftype, check):
    ds = project.new_managed_dataset("m").with_store_into("filesystem_managed", format_option_id=option).create()
    d = ds.get_settings().get_raw()
    assert d["formatType"] == ftype and check(d["formatParams"])


def test_managed_sql_and_partitioning_copy(project):
    src = fs_dataset(project, "src")
    s = src.get_settings()
    s.add_time_partitioning_dimension("day")
    s.save()
    b = project.new_managed_dataset("m_sql").with_store_into("pg").with_copy_partitioning_from("src")
    d = b.create().get_settings().get_raw()
    assert d["type"] == "PostgreSQL" and d["params"]["table"] == "${projectKey}_m_sql"
    assert d["partitioning"]["dimensions"] == [{"name": "day", "type": "time", "params": {"period": "DAY"}}]
    fsd = project.new_managed_dataset("m_fs").with_store_into("filesystem_managed") \
        .with_copy_partitioning_from("src").create().get_settings().get_raw()
    assert fsd["partitioning"]["filePathPattern"] == "%Y/%M/%D/.*"
    with pytest.raises(DataikuException, match="does not exist"):
        project.new_managed_dataset("m3").with_store_into("filesystem_managed") \
            .with_copy_partitioning_from("nope").create()


def test_managed_errors(project):
    with pytest.raises(DataikuException, match="Connection nope does not exist"):
        project.new_managed_dataset("m").with_store_into("nope").create()
    with pytest.raises(DataikuException, match="Unknown formatOptionId"):
        project.new_managed_dataset("m").with_store_into("filesystem_managed", format_option_id="XX").create()
    assert not project.get_dataset("m").exists()


def test_managed_overwrite_deletes_then_recreates(project):
    b = project.new_managed_dataset("m").with_store_into("filesystem_managed")
    first = b.create().get_settings().get_raw()["creationTag"]
    again = project.new_managed_dataset("m").with_store_into("filesystem_managed", format_option_id="PARQUET_HIVE")
    d = again.create(overwrite=True).get_settings().get_raw()
    assert d["formatType"] == "parquet" and d["creationTag"]["lastModifiedOn"] >= first["lastModifiedOn"]


# -- list ---------------------------------------------------------------------------------------
def test_list_is_full_definitions_with_tag_filter(project):
    for name, tags in (("a", ["x"]), ("b", ["y", "x"]), ("c", [])):
        ds = fs_dataset(project, name)
        s = ds.get_settings()
        s.tags = tags
        s.save()
    items = project.list_datasets()
    assert [i.name for i in items] == ["a", "b", "c"]
    assert items[0].connection == "filesystem_managed" and items[0].type == "Filesystem"
    assert items[0].schema["columns"] == [{"name": "a", "type": "string"}]
    assert items[1].tags == ["x", "y"]                      # DSS sorts tags
    raw = project.client._perform_json("GET", "/projects/P1/datasets/")
    assert "formatParams" in raw[0] and "metrics" in raw[0]
    assert [i.name for i in project.list_datasets(tags=["y"])] == ["b"]
    assert [i.name for i in project.list_datasets(tags=["x", "y"])] == ["a", "b"]
    objs = project.list_datasets(as_type="objects")
    assert [o.name for o in objs] == ["a", "b", "c"]


def test_list_foreign_includes_exposed_datasets(project, client):
    fs_dataset(project, "shared_ds")
    settings = project.get_settings()
    settings.get_raw()["exposedObjects"] = {"objects": [
        {"type": "DATASET", "localName": "shared_ds", "rules": [{"targetProject": "P2", "appearOnFlow": True}]}]}
    settings.save()
    client.create_project("P2", "Two", "admin")
    p2 = client.get_project("P2")
    assert p2.list_datasets() == []
    foreign = p2.list_datasets(include_shared=True)
    assert [(d["projectKey"], d.name) for d in foreign] == [("P1", "shared_ds")]


# -- settings -----------------------------------------------------------------------------------
def test_settings_save_keeps_server_stamps_and_bumps_version(project):
    ds = fs_dataset(project, columns=())
    s = ds.get_settings()
    raw = s.get_raw()
    created = raw["creationTag"]
    raw["versionTag"] = {"versionNumber": 99, "lastModifiedBy": {"login": "mallory"}, "lastModifiedOn": 1}
    raw["creationTag"] = {"versionNumber": 7, "lastModifiedBy": {"login": "mallory"}, "lastModifiedOn": 1}
    s.set_csv_format(separator=";")
    s.add_discrete_partitioning_dimension("country")
    s.description = "hello"
    s.tags = ["z", "a", "z"]
    s.save()
    d = ds.get_settings().get_raw()
    assert d["creationTag"] == created
    assert d["versionTag"]["versionNumber"] == 1 and d["versionTag"]["lastModifiedBy"]["login"] == "admin"
    assert d["formatParams"]["separator"] == ";" and d["partitioning"]["dimensions"][0]["name"] == "country"
    assert d["description"] == "hello" and d["tags"] == ["a", "z"]


def test_put_replaces_the_definition(project):
    """Issue 6 §3: DSS deserialises a PUT into a fresh definition: keys left out are gone."""
    ds = fs_dataset(project)
    s = ds.get_settings()
    s.description = "d"
    s.get_raw()["customFields"] = {"k": "v"}
    s.save()
    raw = ds.get_settings().get_raw()
    for key in ("description", "customFields", "schema"):
        del raw[key]
    assert ds.set_definition(raw)   # a J call: JSON answer
    d = ds.get_settings().get_raw()
    assert d["type"] == "Filesystem"
    assert "description" not in d and "customFields" not in d and "schema" not in d


def test_put_missing_required_fields_is_a_dss_400(project, emulator):
    fs_dataset(project)
    url = emulator.url + "/dip/publicapi/projects/P1/datasets/ds"
    resp = requests.put(url, json={"name": "ds", "description": "d"}, auth=(ADMIN_KEY, ""))
    body = resp.json()
    assert resp.status_code == 400 and "type" in body["detailedMessage"]
    assert {"errorType", "message", "detailedMessage"} <= set(body)
    assert project.get_dataset("ds").get_settings().get_raw()["type"] == "Filesystem"


def test_client_sent_stamps_are_ignored(project):
    ds = fs_dataset(project)
    raw = ds.get_settings().get_raw()
    before = raw["versionTag"]["versionNumber"]
    raw["versionTag"] = {"versionNumber": 99, "lastModifiedBy": {"login": "mallory"}, "lastModifiedOn": 1}
    ds.set_definition(raw)
    tag = ds.get_settings().get_raw()["versionTag"]
    assert tag["versionNumber"] == before + 1 and tag["lastModifiedBy"] == {"login": "admin"}


def test_create_keeps_managed_true(project):
    """Issue 6 §4: ``POST /datasets`` with ``managed: true`` keeps it, as DSS does."""
    project.client._perform_json("POST", "/projects/P1/datasets/", body={
        "name": "m", "projectKey": "P1", "type": "Filesystem", "managed": True,
        "params": {"connection": "filesystem_managed", "path": "P1/m"}, "formatType": "csv"})
    assert project.get_dataset("m").get_settings().get_raw()["managed"] is True
    project.create_dataset("plain", "Filesystem", params={"connection": "filesystem_managed", "path": "x"})
    assert project.get_dataset("plain").get_settings().get_raw()["managed"] is False


def test_upload_datasets_read_back_unmanaged(project):
    """peers-and-lessons §J: DSS reads an UploadedFiles dataset back ``managed: false``, even one
    created as managed (Titanic's ``Titanic.json``); other types keep ``managed: true``."""
    project.client._perform_json("POST", "/projects/P1/datasets/", body={
        "name": "up", "projectKey": "P1", "type": "UploadedFiles", "managed": True,
        "params": {"uploadConnection": "filesystem_managed", "path": "P1/up"}, "formatType": "csv"})
    assert project.get_dataset("up").get_settings().get_raw()["managed"] is False
    ds = project.get_dataset("up")
    raw = ds.get_settings().get_raw()
    raw["managed"] = True
    ds.set_definition(raw)
    assert project.get_dataset("up").get_settings().get_raw()["managed"] is False
    assert project.create_upload_dataset("up2").get_settings().get_raw()["managed"] is False


def test_save_refuses_name_or_type_change(project):
    ds = fs_dataset(project)
    raw = ds.get_settings().get_raw()
    with pytest.raises(DataikuException, match="use rename"):
        ds.set_definition(dict(raw, name="other"))
    with pytest.raises(DataikuException, match="Cannot change the type"):
        ds.set_definition(dict(raw, type="S3"))
    with pytest.raises(DataikuException, match="must be an object"):
        ds.set_definition(dict(raw, params="oops"))
    with pytest.raises(DataikuException, match="schema column"):
        ds.set_definition(dict(raw, schema={"columns": [{"name": 1}]}))
    assert ds.get_settings().get_raw()["versionTag"]["versionNumber"] == 1


def test_managed_dataset_may_change_connection(project):
    ds = project.new_managed_dataset("m").with_store_into("filesystem_managed").create()
    raw = ds.get_settings().get_raw()
    raw["type"] = "PostgreSQL"
    raw["params"] = {"connection": "pg", "mode": "table", "table": "${projectKey}_m"}
    ds.set_definition(raw)
    assert ds.get_settings().type == "PostgreSQL"


def test_schema_get_set(project):
    ds = fs_dataset(project, columns=())
    assert ds.get_schema() == {"columns": [], "userModified": False}
    ds.set_schema({"columns": [{"name": "x", "type": "int"}], "userModified": True})
    assert ds.get_schema() == {"columns": [{"name": "x", "type": "int"}], "userModified": True}
    assert ds.get_settings().schema_columns == [{"name": "x", "type": "int"}]
    with pytest.raises(DataikuException, match="must be a list"):
        ds.set_schema({"columns": "x"})


def test_metadata_and_definition_are_one_truth(project):
    ds = fs_dataset(project)
    md = ds.get_metadata()
    assert md == {"label": "ds", "description": "", "shortDesc": "", "tags": [], "checklists": {"checklists": []},
                  "custom": {"kv": {}}, "customFields": {}}
    md["custom"]["kv"]["owner"] = "team"
    md["tags"] = ["b", "a"]
    md["description"] = "desc"
    ds.set_metadata(md)
    d = ds.get_settings().get_raw()
    assert d["customMeta"] == {"kv": {"owner": "team"}} and d["tags"] == ["a", "b"] and d["description"] == "desc"
    s = ds.get_settings()
    s.short_description = "short"
    s.get_raw()["customMeta"]["kv"]["x"] = 1
    s.save()
    md2 = ds.get_metadata()
    assert md2["shortDesc"] == "short" and md2["custom"]["kv"] == {"owner": "team", "x": 1}
    with pytest.raises(DataikuException, match="tags"):
        ds.set_metadata({"tags": "nope"})


def test_unknown_dataset_is_a_404_not_found(project, emulator):
    ds = project.get_dataset("missing")
    assert ds.exists() is False
    for call in (ds.get_settings, ds.get_schema, ds.get_metadata, ds.get_info, ds.list_partitions, ds.get_usages,
                 lambda: ds.delete(), lambda: ds.rename("other")):
        with pytest.raises(DataikuException, match="NotFoundException: Dataset P1.missing does not exist"):
            call()
    r = requests.get(emulator.url + "/dip/publicapi/projects/P1/datasets/missing", auth=(ADMIN_KEY, ""))
    assert r.status_code == 404


def test_bad_json_body(project, emulator):
    fs_dataset(project)
    r = requests.put(emulator.url + "/dip/publicapi/projects/P1/datasets/ds", data="{nope", auth=(ADMIN_KEY, ""))
    assert r.status_code == 400 and "JsonParseException" in r.json()["errorType"]
    r = requests.post(emulator.url + "/dip/publicapi/projects/P1/datasets/", data="[1]", auth=(ADMIN_KEY, ""))
    assert r.status_code == 400


# -- delete / rename ----------------------------------------------------------------------------
def test_delete_with_drop_data(project, emulator):
    from dss_emulator.api.datasets import write_rows
    ds = fs_dataset(project)
    write_rows(emulator.instance.projects["P1"], "ds", [["kept"]])
    ds.delete()                                         # files stay without dropData, as on DSS
    fs_dataset(project)
    assert list(ds.iter_rows()) == [["kept"]]
    write_rows(emulator.instance.projects["P1"], "ds", [["x"]])
    ds.delete(drop_data=True)
    assert not ds.exists() and "ds" not in emulator.instance.projects["P1"].dataset_data
    fs_dataset(project)
    assert list(project.get_dataset("ds").iter_rows()) == []     # a new dataset does not see old data


def test_rename_rewrites_recipes_scenarios_and_zones(project, emulator):
    fs_dataset(project, "src")
    fs_dataset(project, "dst")
    project.new_recipe("sync", "r").with_input("src").with_output("dst").create()
    p = emulator.instance.projects["P1"]
    p.scenarios["S"] = {"projectKey": "P1", "id": "S", "name": "S", "type": "step_based", "triggers": [],
                        "params": {"steps": [{"id": "b", "type": "build_flowitem", "params": {"builds": [
                            {"type": "DATASET", "projectKey": "P1", "itemId": "dst"},
                            {"type": "MANAGED_FOLDER", "projectKey": "P1", "itemId": "dst"}]}}]}}
    p.zones["z1"] = {"id": "z1", "name": "Z", "color": "#fff", "items": [{"objectId": "dst", "objectType": "DATASET"}],
                     "shared": []}
    before = p.git.head
    ds = project.get_dataset("dst")
    ds.rename("dst2")
    assert ds.dataset_name == "dst2" and ds.exists() and not project.get_dataset("dst").exists()
    assert ds.get_settings().get_raw()["name"] == "dst2"
    recipe = project.get_recipe("r").get_settings()
    assert recipe.get_flat_output_refs() == ["dst2"] and recipe.get_flat_input_refs() == ["src"]
    builds = p.scenarios["S"]["params"]["steps"][0]["params"]["builds"]
    assert builds[0]["itemId"] == "dst2" and builds[1]["itemId"] == "dst"     # folder ref untouched
    assert p.zones["z1"]["items"] == [{"objectId": "dst2", "objectType": "DATASET"}]
    assert p.git.head != before and p.git.commits[-1]["message"] == "Renamed dataset dst to dst2"
    changed = set(p.git.commits[-1]["changes"])
    assert {"datasets/dst.json", "datasets/dst2.json", "recipes/r.json", "scenarios/S.json"} <= changed
    with pytest.raises(DataikuException, match="already exists"):
        project.get_dataset("src").rename("dst2")
    with pytest.raises(DataikuException, match="Invalid dataset name"):
        project.get_dataset("src").rename("a-b")


def test_git_commit_messages(project, emulator):
    ds = fs_dataset(project, columns=())
    s = ds.get_settings()
    s.description = "x"
    s.save()
    messages = [c["message"] for c in emulator.instance.projects["P1"].git.commits]
    assert "Created dataset ds" in messages and "Updated dataset ds" in messages


# -- info, partitions, data, usages -------------------------------------------------------------
def test_info_partitions_and_clear(project, emulator):
    from dss_emulator.api.datasets import record_build, write_rows
    ds = fs_dataset(project)
    assert ds.list_partitions() == []
    info = ds.get_info()
    assert info.get_raw()["name"] == "ds" and info.last_build_start_time is None
    assert info.is_last_build_successful is False
    s = ds.get_settings()
    s.add_discrete_partitioning_dimension("c")
    s.save()
    p = emulator.instance.projects["P1"]
    write_rows(p, "ds", [["1"]], "fr")
    write_rows(p, "ds", [["2"]], "de")
    record_build(p, "ds", 1700000000000, 1700000001000, True)
    assert ds.list_partitions() == ["de", "fr"]
    info = ds.get_info()
    assert info.is_last_build_successful is True and info.last_build_end_time is not None
    assert ds.clear(partitions="fr") is not None
    assert ds.list_partitions() == ["de"]
    ds.clear()
    assert ds.list_partitions() == []


def test_iter_rows_streams_tsv(project, emulator):
    from dss_emulator.api.datasets import write_rows
    ds = fs_dataset(project, columns=(("name", "string"), ("n", "bigint")))
    assert list(ds.iter_rows()) == []
    write_rows(emulator.instance.projects["P1"], "ds", [["a\tb", 1], ['q"uote', 2], [None, 3]])
    rows = list(ds.iter_rows())
    assert rows == [["a\tb", 1], ['q"uote', 2], ["", 3]]
    assert list(ds.iter_rows(columns=["n"])) == [[1], [2], [3]]


def test_usages(project):
    fs_dataset(project, "a")
    fs_dataset(project, "b")
    project.new_recipe("sync", "r").with_input("a").with_output("b").create()
    usages = project.get_dataset("a").get_usages()
    assert usages == [{"type": "RECIPE", "projectKey": "P1", "objectId": "r", "objectDisplayName": "r",
                       "usageType": "INPUT", "recipeType": "sync"}]
    assert project.get_dataset("b").get_usages()[0]["usageType"] == "OUTPUT"


# -- permissions --------------------------------------------------------------------------------
def test_analyst_needs_rights(project, client, analyst):
    fs_dataset(project)
    p = analyst.get_project("P1")
    with pytest.raises(DataikuException, match="Failed to read project permissions"):
        p.list_datasets()
    assert p.get_dataset("ds").exists() is False
    grant(client, project, "analyst", readProjectContent=True)
    assert [d.name for d in p.list_datasets()] == ["ds"]
    assert p.get_dataset("ds").get_schema()["columns"]
    with pytest.raises(DataikuException, match="UnauthorizedException"):
        p.get_dataset("ds").set_schema({"columns": []})
    with pytest.raises(DataikuException, match="UnauthorizedException"):
        p.create_dataset("x", "Filesystem")
    grant(client, project, "analyst", writeProjectContent=True)
    p.get_dataset("ds").delete()
    assert not project.get_dataset("ds").exists()
    rec = project.client._perform_json("GET", "/projects/P1/datasets/")
    assert rec == []
