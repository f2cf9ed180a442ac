"""Contract tests of the recipe endpoints, through the real dataikuapi client (creators + settings)."""
import json
import warnings

import pytest
from dataikuapi.dss.recipe import (CodeRecipeSettings, GroupingRecipeSettings, JoinRecipeSettings,
                                   PrepareRecipeSettings, SplitRecipeSettings, StackRecipeSettings)
from dataikuapi.utils import DataikuException


@pytest.fixture
def flow(project):
    """P1 with datasets a(k, v) and b(k, w)."""
    for name, cols in (("a", [("k", "string"), ("v", "bigint")]), ("b", [("k", "string"), ("w", "double")])):
        project.create_dataset(name, "Filesystem", params={"connection": "filesystem_managed", "path": name},
                               formatType="csv")
        project.get_dataset(name).set_schema({"columns": [{"name": n, "type": t} for n, t in cols]})
    return project


def test_python_recipe_with_script_and_defaults(flow):
    flow.new_managed_dataset("out").with_store_into("filesystem_managed").create()
    r = flow.new_recipe("python", "compute_out").with_input("a").with_output("out").with_script("print(1)").create()
    assert r.name == "compute_out"
    s = r.get_settings()
    assert isinstance(s, CodeRecipeSettings)
    assert s.get_code() == "print(1)" and s.get_code_env_settings() == {"envMode": "INHERIT"}
    d = s.get_recipe_raw_definition()
    assert d["inputs"] == {"main": {"items": [{"ref": "a", "deps": []}]}}
    assert d["outputs"] == {"main": {"items": [{"ref": "out", "appendMode": False}]}}
    for key, value in (("optionalDependencies", False), ("redispatchPartitioning", False),
                       ("maxRunningActivities", 0), ("neverRecomputeExistingPartitions", False),
                       ("customMeta", {"kv": {}}), ("checklists", {"checklists": []}), ("tags", []),
                       ("projectKey", "P1"), ("type", "python")):
        assert d[key] == value, key
    assert d["creationTag"]["lastModifiedBy"]["login"] == "admin" and d["versionTag"]["versionNumber"] == 0
    assert r.type == "python"


def test_code_recipe_with_new_output_dataset(flow):
    r = flow.new_recipe("python").with_input("a").with_new_output_dataset("o", "filesystem_managed").create()
    assert r.name == "compute_o"
    o = flow.get_dataset("o").get_settings().get_raw()
    assert o["managed"] is True and o["params"]["path"] == "${projectKey}/o"
    code = r.get_settings().get_code()
    assert 'dataiku.Dataset("a")' in code and 'dataiku.Dataset("o")' in code   # DSS-like starter script
    s = r.get_settings()
    s.set_code("x = 2")
    s.set_code_env(code_env="py39")
    s.save()
    s2 = r.get_settings()
    assert s2.get_code() == "x = 2" and s2.get_code_env_settings() == {"envMode": "EXPLICIT_ENV", "envName": "py39"}
    assert s2.get_recipe_raw_definition()["versionTag"]["versionNumber"] == 1


def test_grouping_with_new_output_and_settings_helpers(flow):
    g = flow.new_recipe("grouping").with_input("a").with_new_output("g", "filesystem_managed", format="CSV_EXCEL_GZIP") \
        .with_group_key("k").create()
    assert g.name == "compute_g"
    assert flow.get_dataset("g").get_settings().get_raw()["formatParams"]["style"] == "excel"
    s = g.get_settings()
    assert isinstance(s, GroupingRecipeSettings)
    assert s.obj_payload["keys"] == [{"column": "k"}] and s.obj_payload["values"] == []
    s.add_grouping_key("v")
    s.set_column_aggregations("v", sum=True, max=True)
    s.set_global_count_enabled(False)
    s.save()
    p = g.get_settings().get_json_payload()
    assert p["keys"] == [{"column": "k"}, {"column": "v"}] and p["values"][0]["sum"] is True
    updates = g.compute_schema_updates()
    assert updates.any_action_required()
    updates.apply()
    assert [c["name"] for c in flow.get_dataset("g").get_schema()["columns"]] == ["k", "v", "v_max", "v_sum"]
    assert not g.compute_schema_updates().any_action_required()


def test_join_builds_inputs_from_virtual_inputs(flow, client):
    client.create_project("OTHER", "Other", "admin")
    j = flow.new_recipe("join").with_input("a").with_input("b").with_input("c", project_key="OTHER") \
        .with_new_output("j", "filesystem_managed").create()
    s = j.get_settings()
    assert isinstance(s, JoinRecipeSettings)
    assert s.get_flat_input_refs() == ["a", "b", "OTHER.c"]
    vis = s.raw_virtual_inputs
    assert [v["index"] for v in vis] == [0, 1, 2] and vis[0]["originLabel"] == "a"
    joins = s.raw_joins
    assert joins[0]["table1"] == 0 and joins[0]["table2"] == 1 and joins[0]["type"] == "LEFT"
    assert joins[0]["on"][0]["column1"] == {"name": "k", "table": 0}            # guessed on the shared column
    join = s.add_join("INNER", 0, 2)
    s.add_condition_to_join(join, column1="k", column2="k")
    s.add_pre_join_computed_column(0, {"mode": "GREL", "name": "x", "type": "string", "expr": "1"})
    s.add_post_join_computed_column({"mode": "GREL", "name": "y", "type": "string", "expr": "2"})
    s.set_post_filter({"enabled": False})
    s.save()
    assert len(j.get_settings().raw_joins) == 3


def test_vstack_and_prepare_and_split(flow):
    v = flow.new_recipe("vstack").with_input("a").with_input("b").with_new_output("st", "filesystem_managed").create()
    sv = v.get_settings()
    assert isinstance(sv, StackRecipeSettings)
    assert sv.columns_selection_mode == "UNION" and len(sv.raw_virtual_inputs) == 2
    sv.set_from_dataset_input_schema_mode("b")
    sv.add_origin_column("origin", {0: "A"})
    sv.save()
    assert v.get_settings().obj_payload["copySchemaFromDatasetWithName"] == "b"
    pr = flow.new_recipe("prepare").with_input("a").with_new_output("prep", "filesystem_managed").create()
    sp = pr.get_settings()
    assert isinstance(sp, PrepareRecipeSettings) and sp.type == "shaker"
    assert "engineParams" in sp.raw_params
    sp.add_processor_step("ColumnRenamer", {"renamings": [{"from": "k", "to": "key"}]})
    sp.save()
    assert pr.get_settings().raw_steps[0]["type"] == "ColumnRenamer"
    sr = flow.new_recipe("split").with_input("a").with_new_output("s1", "filesystem_managed") \
        .with_new_output("s2", "filesystem_managed").create()
    assert sr.name == "split_a"
    ss = sr.get_settings()
    assert isinstance(ss, SplitRecipeSettings)
    ss.set_split_on_random_ratio([{"output": {"mode": "dataset", "value": "s1"}, "share": 70}], default_output="s2")
    ss.save()
    p = sr.get_settings().obj_payload
    assert p["mode"] == "RANDOM" and p["defaultOutputIndex"] == 1
    assert flow.get_dataset("s1").get_settings().get_raw()["managed"] is True


@pytest.mark.parametrize("rtype,keys", [
    ("sort", ("orders", "rowNumber", "rank", "denseRank")),
    ("window", ("windows", "values")),
    ("distinct", ("keys",)),
    ("pivot", ("pivots",)),
    ("sampling", ("selection",)),
    ("upsert", ("keys", "computedColumns")),
])
def test_default_visual_payloads(flow, rtype, keys):
    r = flow.new_recipe(rtype).with_input("a").with_new_output("o_" + rtype, "filesystem_managed").create()
    payload = r.get_settings().get_json_payload()
    for key in keys:
        assert key in payload, key


def test_sort_and_topn_helpers(flow):
    r = flow.new_recipe("sort").with_input("a").with_new_output("so", "filesystem_managed").create()
    s = r.get_settings()
    s.add_sorting_key("v", ascending=False)
    s.row_number_column_enabled = True
    s.save()
    p = r.get_settings().obj_payload
    assert p["orders"] == [{"column": "v", "desc": True}] and p["rowNumber"] is True
    flow.new_managed_dataset("top").with_store_into("filesystem_managed").create()
    t = flow.new_recipe("topn").with_input("a").with_output("top").create()     # not a SingleOutput creator
    assert t.name == "compute_top" and t.get_settings().obj_payload["firstRows"] == 10


def test_sync_existing_output_append_and_sql_query(flow):
    flow.new_managed_dataset("b2").with_store_into("filesystem_managed").create()
    r = flow.new_recipe("sync").with_input("a").with_existing_output("b2", append=True).create()
    assert r.name == "compute_b2"
    assert r.get_settings().get_recipe_outputs()["main"]["items"] == [{"ref": "b2", "appendMode": True}]
    flow.new_managed_dataset("sq_out").with_store_into("pg").create()
    q = flow.new_recipe("sql_query").with_input("a").with_output("sq_out").create()
    assert q.get_settings().get_payload() == ""
    assert q.get_status().get_selected_engine_details()["type"] == "SQL"


def test_raw_creation_skips_checks_and_uses_raw_payload(flow):
    proto = {"type": "python", "name": "rr", "inputs": {"main": {"items": [{"ref": "ghost"}]}}, "outputs": {}}
    r = flow.create_recipe(proto, {"rawCreation": True, "rawPayload": "raw!", "script": "x"})
    assert r.name == "rr"
    s = r.get_settings()
    assert s.get_payload() == "raw!" and s.get_flat_input_refs() == ["ghost"]
    assert s.get_recipe_raw_definition()["inputs"]["main"]["items"][0]["deps"] == []
    status = r.get_status()
    assert status.get_status_severity() == "ERROR"
    assert any("ghost" in m["message"] for m in status.get_status_messages())


def test_unknown_refs_and_second_producer_are_refused(flow):
    with pytest.raises(DataikuException, match="does not exist"):
        flow.new_recipe("sync").with_input("ghost").with_output("b").create()
    with pytest.raises(DataikuException, match="does not exist"):
        flow.new_recipe("sync").with_input("a").with_output("ghost").create()
    flow.new_recipe("sync", "first").with_input("a").with_output("b").create()
    with pytest.raises(DataikuException, match="already has a producing recipe"):
        flow.new_recipe("python", "second").with_input("a").with_output("b").create()
    with pytest.raises(DataikuException, match="already exists"):
        flow.new_recipe("sync", "first").with_input("b").with_new_output("zz", "filesystem_managed").create()
    assert not flow.get_dataset("zz").exists()           # nothing half-created
    with pytest.raises(DataikuException, match="already exists"):
        flow.new_recipe("sync").with_input("a").with_new_output("b", "filesystem_managed").create()
    with pytest.raises(DataikuException, match="Invalid recipe name"):
        flow.new_recipe("sync", "bad name").with_input("a").with_new_output("c", "filesystem_managed").create()
    with pytest.raises(DataikuException, match="Connection nope does not exist"):
        flow.new_recipe("sync").with_input("a").with_new_output("c", "nope").create()
    assert [r.name for r in flow.list_recipes()] == ["first"]


def test_generated_names_are_unique(flow):
    r1 = flow.new_recipe("python").with_input("a").with_script("").create()
    r2 = flow.new_recipe("python").with_input("a").with_script("").create()
    assert (r1.name, r2.name) == ("compute_a", "compute_a_1")


def test_list_recipes_has_definitions_without_payload(flow):
    flow.new_recipe("sync", "r").with_input("a").with_output("b").create()
    items = flow.list_recipes()
    assert [(i.name, i.type) for i in items] == [("r", "sync")]
    raw = flow.client._perform_json("GET", "/projects/P1/recipes/")
    assert "payload" not in raw[0] and raw[0]["inputs"]["main"]["items"][0]["ref"] == "a"
    assert [o.name for o in flow.list_recipes(as_type="objects")] == ["r"]


def test_save_keeps_payload_when_absent_and_stamps(flow, emulator):
    r = flow.new_recipe("python", "r").with_input("a").with_output("b").with_script("code").create()
    data = flow.client._perform_json("GET", "/projects/P1/recipes/r")
    data["recipe"]["versionTag"] = {"versionNumber": 50, "lastModifiedBy": {"login": "x"}, "lastModifiedOn": 1}
    data["recipe"]["description"] = "d"
    del data["payload"]
    flow.client._perform_json("PUT", "/projects/P1/recipes/r", body=data)
    s = r.get_settings()
    assert s.get_payload() == "code" and s.description == "d"
    assert s.get_recipe_raw_definition()["versionTag"]["versionNumber"] == 1
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        dap = r.get_definition_and_payload()
        dap.set_payload("new")
        assert r.set_definition_and_payload(dap)
    assert r.get_settings().get_payload() == "new"
    assert "Updated recipe r" in [c["message"] for c in emulator.instance.projects["P1"].git.commits]


def test_save_validation(flow):
    r = flow.new_recipe("sync", "r").with_input("a").with_output("b").create()
    base = flow.client._perform_json("GET", "/projects/P1/recipes/r")
    for change, msg in (({"name": "x"}, "use rename"), ({"type": "python"}, "Cannot change the type"),
                        ({"inputs": {"main": {"items": [{"nope": 1}]}}}, "must be"),
                        ({"tags": "x"}, "tags")):
        body = json.loads(json.dumps(base))
        body["recipe"].update(change)
        with pytest.raises(DataikuException, match=msg):
            flow.client._perform_json("PUT", "/projects/P1/recipes/r", body=body)
    with pytest.raises(DataikuException, match="payload"):
        flow.client._perform_json("PUT", "/projects/P1/recipes/r", body={"recipe": base["recipe"], "payload": 3})
    flow.new_recipe("sync", "r2").with_input("b").with_new_output("c", "filesystem_managed").create()
    s = flow.get_recipe("r2").get_settings()
    s.replace_output("c", "b")
    with pytest.raises(DataikuException, match="already has a producing recipe"):
        s.save()
    s = r.get_settings()
    s.add_input("main", "b")
    s.save()
    assert r.get_settings().get_recipe_inputs()["main"]["items"][1] == {"ref": "b", "deps": []}


def test_rename_delete_and_not_found(flow, emulator):
    r = flow.new_recipe("sync", "r").with_input("a").with_output("b").create()
    r.rename("r_new")
    assert r.recipe_name == "r_new" and r.get_settings().get_recipe_raw_definition()["name"] == "r_new"
    with pytest.raises(DataikuException, match="NotFoundException: Recipe P1.r does not exist"):
        flow.get_recipe("r").get_settings()
    flow.new_recipe("sync", "other").with_input("b").with_new_output("c", "filesystem_managed").create()
    with pytest.raises(DataikuException, match="already exists"):
        flow.get_recipe("other").rename("r_new")
    r.delete()
    assert [x.name for x in flow.list_recipes()] == ["other"]
    assert flow.get_dataset("b").exists()                   # outputs survive their recipe
    for call in (r.get_status, r.get_metadata, r.delete, lambda: r.rename("zz")):
        with pytest.raises(DataikuException, match="does not exist"):
            call()
    messages = [c["message"] for c in emulator.instance.projects["P1"].git.commits]
    assert "Renamed recipe r to r_new" in messages and "Deleted recipe r_new" in messages


def test_metadata_status_and_schema_update_errors(flow):
    r = flow.new_recipe("python", "r").with_input("a").with_output("b").with_script("").create()
    md = r.get_metadata()
    assert md["tags"] == [] and md["custom"] == {"kv": {}} and md["checklists"] == {"checklists": []}
    md["tags"] = ["y", "x"]
    md["custom"]["kv"]["k"] = "v"
    r.set_metadata(md)
    d = r.get_settings().get_recipe_raw_definition()
    assert d["tags"] == ["x", "y"] and d["customMeta"] == {"kv": {"k": "v"}}
    st = r.get_status()
    assert st.get_status_severity() is None and st.get_engines_details()[0]["type"] == "DSS"
    assert st.get_status_messages() == []
    with pytest.raises(DataikuException, match="code recipe"):
        r.compute_schema_updates()


def test_dataset_rename_updates_recipe_refs_and_usages(flow):
    flow.new_recipe("join", "j").with_input("a").with_input("b").with_new_output("jo", "filesystem_managed").create()
    flow.get_dataset("b").rename("b_renamed")
    s = flow.get_recipe("j").get_settings()
    assert s.get_flat_input_refs() == ["a", "b_renamed"]
    assert flow.get_dataset("b_renamed").get_usages()[0]["objectId"] == "j"


def test_permissions_for_analyst(flow, client, analyst):
    flow.new_recipe("sync", "r").with_input("a").with_output("b").create()
    p = analyst.get_project("P1")
    with pytest.raises(DataikuException, match="Failed to read project permissions"):
        p.list_recipes()
    perms = flow.get_permissions()
    perms["permissions"].append({"user": "analyst", "readProjectContent": True})
    flow.set_permissions(perms)
    assert [x.name for x in p.list_recipes()] == ["r"]
    assert p.get_recipe("r").get_settings().type == "sync"
    with pytest.raises(DataikuException, match="UnauthorizedException"):
        p.get_recipe("r").get_settings().save()
    with pytest.raises(DataikuException, match="UnauthorizedException"):
        p.new_recipe("sync", "r2").with_input("b").with_new_output("c", "filesystem_managed").create()
    assert not flow.get_dataset("c").exists()


def test_output_folder_creation(flow, emulator):
    r = flow.new_recipe("export").with_input("a").with_new_output("exported", "filesystem_folders",
                                                                  object_type="MANAGED_FOLDER").create()
    folders = emulator.instance.projects["P1"].folders
    assert len(folders) == 1
    fid, folder = next(iter(folders.items()))
    assert len(fid) == 8 and folder["name"] == "exported" and folder["params"]["connection"] == "filesystem_folders"
    assert r.get_settings().get_flat_output_refs() == [fid]
    assert r.name == "compute_exported"


@pytest.mark.parametrize("columns", [[1], [{"name": 1, "type": "string"}], [{"name": "k"}], "k"])
def test_update_output_schema_validates_columns_like_the_schema_endpoint(flow, columns):
    r = flow.new_recipe("sync", "s").with_input("a").with_new_output("a_copy", "filesystem_managed").create()
    updates = r.compute_schema_updates()
    assert updates.any_action_required()
    updates.data["computables"][0]["newSchema"]["columns"] = columns
    with pytest.raises(DataikuException, match="IllegalArgument"):
        updates.apply()
    assert flow.get_dataset("a_copy").get_schema()["columns"] == []


@pytest.mark.parametrize("tags", [[1, "a"], [{}], "t"])
def test_non_string_tags_are_400_on_create_save_and_metadata(flow, tags):
    builder = flow.new_recipe("python", "r").with_input("a").with_output("b").with_script("")
    builder.recipe_proto["tags"] = tags
    with pytest.raises(DataikuException, match="must be a list of strings"):
        builder.create()
    r = flow.new_recipe("python", "r").with_input("a").with_output("b").with_script("").create()
    settings = r.get_settings()
    settings.get_recipe_raw_definition()["tags"] = tags
    with pytest.raises(DataikuException, match="must be a list of strings"):
        settings.save()
    md = r.get_metadata()
    md["tags"] = tags
    with pytest.raises(DataikuException, match="must be a list of strings"):
        r.set_metadata(md)
    assert r.get_settings().get_recipe_raw_definition()["tags"] == []


def test_put_replaces_the_recipe_definition(flow, emulator):
    """Issue 6 §3: keys the body leaves out are gone; client stamps are ignored; a body without
    the recipe's type is a DSS 400."""
    flow.new_recipe("sync", "r").with_input("a").with_output("b").create()
    data = flow.client._perform_json("GET", "/projects/P1/recipes/r")
    data["recipe"]["description"] = "d"
    data["recipe"]["customFields"] = {"k": 1}
    flow.client._perform_json("PUT", "/projects/P1/recipes/r", body=data)
    data = flow.client._perform_json("GET", "/projects/P1/recipes/r")
    del data["recipe"]["description"], data["recipe"]["customFields"]
    data["recipe"]["versionTag"] = {"versionNumber": 99, "lastModifiedBy": {"login": "mallory"}}
    flow.client._perform_json("PUT", "/projects/P1/recipes/r", body=data)
    stored = flow.client._perform_json("GET", "/projects/P1/recipes/r")["recipe"]
    assert "description" not in stored and "customFields" not in stored
    assert stored["versionTag"]["versionNumber"] == 2 and stored["versionTag"]["lastModifiedBy"] == {"login": "admin"}
    del data["recipe"]["type"]
    with pytest.raises(DataikuException, match="type"):
        flow.client._perform_json("PUT", "/projects/P1/recipes/r", body=data)
