"""The "Validate project configuration" macro, run as DSS runs it, on a real managed folder in the emulator."""
import pytest

from plugin_support import DATASETS_YAML, PROJECT_YAML, line_col
from dataiku_framework.sources import FolderNotFound

COLUMN_IDS = ["severity", "location", "object", "message", "hint", "code"]


def _cells(table):
    return [cell for record in table.records for cell in record]


def test_valid_config_gives_one_ok_row(run_macro, configs):
    table = run_macro({"folder": configs.folder_id, "config_path": "project.yaml", "online": True})
    assert [c["id"] for c in table.columns] == COLUMN_IDS
    assert [c["type"] for c in table.columns] == ["STRING"] * 6
    [row] = table.records
    assert row[:3] == ["ok", "project.yaml", ""] and row[4:] == ["", ""]
    assert "is valid" in row[3] and "3 file(s) read" in row[3] and "online" in row[3]


def test_defaults_apply_when_dss_leaves_params_out(run_macro, configs):
    """Only the mandatory folder is set: config_path defaults to project.yaml, online to true."""
    [row] = run_macro({"folder": configs.folder_id, "environment": "", "config_path": None}).records
    assert row[0] == "ok" and "offline and online checks" in row[3]


def test_invalid_config_gives_error_rows_with_folder_relative_locations(run_macro, configs):
    configs.upload("project.yaml", PROJECT_YAML.replace("inputs: [RAW_CUSTOMERS]", "inputs: [RAW_CUSTOMER]"))
    broken = DATASETS_YAML.replace("managed: true", "managed: sometimes")
    configs.upload("datasets/sources.yaml", broken)
    table = run_macro({"folder": configs.folder_id, "online": True})
    errors = [r for r in table.records if r[0] == "error"]
    by_file = {r[1].split(":")[0]: r for r in errors}
    assert set(by_file) == {"project.yaml", "datasets/sources.yaml"}, table.records
    line, col = line_col(PROJECT_YAML, "inputs:", "RAW_CUSTOMERS")
    recipe_row = by_file["project.yaml"]
    assert recipe_row[1] == "project.yaml:%d:%d" % (line, col)
    assert recipe_row[2] == "recipes[0].inputs[0]"
    assert "RAW_CUSTOMER" in recipe_row[3] and recipe_row[4] == "did you mean 'RAW_CUSTOMERS'?"
    assert recipe_row[5] == "ref.unknown"  # the catalogue code, as the CLI shows it: error[ref.unknown]
    assert by_file["datasets/sources.yaml"][5] == "schema.type"
    line, col = line_col(broken, "sometimes", "sometimes")
    assert by_file["datasets/sources.yaml"][1] == "datasets/sources.yaml:%d:%d" % (line, col)
    assert not any(r[0] == "ok" for r in table.records)
    assert not any("dkuframework-" in cell or "/tmp" in cell for cell in _cells(table))


def test_folder_by_name_or_id(run_macro, configs):
    by_id = run_macro({"folder": configs.folder_id}).records
    by_name = run_macro({"folder": "configs"}).records
    qualified = run_macro({"folder": "P1." + configs.folder_id}).records
    assert by_id == by_name == qualified and by_id[0][0] == "ok"


def test_unknown_folder_is_a_clear_error(run_macro, configs):
    with pytest.raises(FolderNotFound) as info:
        run_macro({"folder": "nope"})
    message = str(info.value)
    assert "managed folder 'nope' not found in project 'P1'" in message
    assert "'configs' (id %s)" % configs.folder_id in message
    with pytest.raises(FolderNotFound, match="no managed folder given"):
        run_macro({})


def test_missing_config_file_names_it_and_lists_yaml_files(run_macro, configs):
    [row] = run_macro({"folder": "configs", "config_path": "prod.yaml"}).records
    assert row[0] == "error" and row[1] == "prod.yaml"
    assert "configuration file 'prod.yaml' not found in managed folder 'configs'" in row[3]
    assert "datasets/sources.yaml, project.yaml" in row[3]
    assert "clean_customers.py" not in row[3]


def test_config_path_outside_the_folder_is_refused(run_macro, configs):
    [row] = run_macro({"folder": "configs", "config_path": "../etc/passwd"}).records
    assert row[:2] == ["error", "../etc/passwd"]
    assert row[3].startswith("configuration file '../etc/passwd' escapes the configuration folder 'configs'")


def test_code_file_outside_the_folder_names_the_folder_not_the_temp_copy(run_macro, configs):
    configs.upload("project.yaml", PROJECT_YAML.replace("recipes/clean", "../clean"))
    [row] = run_macro({"folder": "configs"}).records
    line, col = line_col(PROJECT_YAML, "code_file", "recipes/")
    assert row[:3] == ["error", "project.yaml:%d:%d" % (line, col), "recipes[0].code_file"]
    assert row[3] == "code_file '../clean_customers.py' escapes the configuration folder 'configs'"


def test_leading_slash_in_config_path_is_accepted(run_macro, configs):
    """DSS writes folder paths with a leading '/'; users copy them."""
    assert run_macro({"folder": "configs", "config_path": "/project.yaml"}).records[0][0] == "ok"


def test_online_check_reports_connection_missing_on_the_instance(run_macro, configs):
    configs.upload("datasets/sources.yaml", DATASETS_YAML.replace("snowflake_prod", "snowflake_dev"))
    rows = run_macro({"folder": "configs", "online": True}).records
    [row] = [r for r in rows if r[0] == "error"]
    line, col = line_col(DATASETS_YAML, "snowflake_prod", "snowflake_prod")
    assert row[1] == "datasets/sources.yaml:%d:%d" % (line, col)
    assert row[2] == "datasets[0].connection"
    assert "connection 'snowflake_dev' does not exist on the DSS instance" in row[3]
    assert row[4] == "did you mean 'snowflake_prod'?"
    assert run_macro({"folder": "configs", "online": False}).records[0][0] == "ok"


def test_environment_overlay_applies_before_online_check(run_macro, configs):
    configs.upload("datasets/sources.yaml", DATASETS_YAML.replace("snowflake_prod", "snowflake_dev"))
    configs.upload("project.yaml", PROJECT_YAML + "environments:\n  prod:\n    connections:\n"
                                                  "      snowflake_dev: snowflake_prod\n")
    assert run_macro({"folder": "configs", "environment": "prod"}).records[0][0] == "ok"
    rows = run_macro({"folder": "configs", "environment": "prd"}).records
    assert rows[0][0] == "error" and rows[0][4] == "did you mean 'prod'?"


def test_online_check_works_with_an_ordinary_users_rights(run_macro, emulator, monkeypatch, dss):
    """Inside DSS the macro runs with the user's rights: without admin listings, the online check
    falls back to what any user may read (connection names and info, public user info)."""
    from emusupport import ANALYST_KEY
    analyst = emulator.client(ANALYST_KEY)
    analyst.create_project("A1", "Analyst project", "analyst")
    folder = analyst.get_project("A1").create_managed_folder("configs")
    folder.put_file("project.yaml", 'version: "1.0"\nproject: {key: A1, name: A1}\n' + DATASETS_YAML)
    monkeypatch.setenv("DKU_STANDIN_API_KEY", ANALYST_KEY)
    rows = run_macro({"folder": "configs", "online": True, "target_project": ""}, project_key="A1").records
    assert rows[0][0] == "ok", rows
    folder.put_file("project.yaml", 'version: "1.0"\nproject: {key: A1, name: A1}\n'
                    + DATASETS_YAML.replace("snowflake_prod", "snowflake_missing"))
    rows = run_macro({"folder": "configs", "online": True, "target_project": ""}, project_key="A1").records
    [row] = [r for r in rows if r[0] == "error"]
    assert "connection 'snowflake_missing' does not exist" in row[3]
    assert ANALYST_KEY not in " ".join(row)
