"""The "Validate project configuration" scenario step, run as a script the way DSS runs custom steps."""
import pytest

from plugin_support import DATASETS_YAML, PROJECT_YAML, line_col


def test_valid_config_sets_scenario_variables(run_step, configs, capsys):
    variables = run_step({"folder": "configs", "config_path": "project.yaml", "online": True})
    assert variables == {"framework_config_valid": True, "framework_error_count": 0}
    assert "Configuration is valid" in capsys.readouterr().out  # the report goes to the step log


def test_invalid_config_fails_the_step_with_the_first_errors(run_step, configs, dss):
    configs.upload("project.yaml", PROJECT_YAML.replace("inputs: [RAW_CUSTOMERS]", "inputs: [RAW_CUSTOMER]"))
    configs.upload("datasets/sources.yaml", DATASETS_YAML.replace("managed: true", "managed: sometimes"))
    with pytest.raises(Exception) as info:
        run_step({"folder": configs.folder_id})
    message = str(info.value)
    assert message.splitlines()[0] == ("error[config.invalid]: Configuration 'project.yaml' in managed folder "
                                       "'configs' is invalid: "
                                       "2 error(s), 0 warning(s)")
    line, col = line_col(PROJECT_YAML, "inputs:", "RAW_CUSTOMERS")
    assert "project.yaml:%d:%d: unknown dataset or folder 'RAW_CUSTOMER' in recipe input" % (line, col) in message
    line, col = line_col(DATASETS_YAML, "managed:", "true")
    assert "datasets/sources.yaml:%d:%d: expected boolean" % (line, col) in message
    assert dss.scenario.VARIABLES == {"framework_config_valid": False, "framework_error_count": 2}


def test_online_problem_fails_the_step(run_step, configs):
    configs.upload("datasets/sources.yaml", DATASETS_YAML.replace("snowflake_prod", "snowflake_dev"))
    with pytest.raises(Exception, match="connection 'snowflake_dev' does not exist on the DSS instance"):
        run_step({"folder": "configs"})
    assert run_step({"folder": "configs", "online": False})["framework_config_valid"] is True


def test_step_uses_the_current_project(run_step, configs, client, monkeypatch):
    """The folder is looked up in ``dataiku.default_project_key()``, not in any other project."""
    client.create_project("P2", "Project two", "admin")
    monkeypatch.setenv("DKU_CURRENT_PROJECT_KEY", "P2")
    with pytest.raises(Exception, match="managed folder 'configs' not found in project 'P2'"):
        run_step({"folder": "configs"})
