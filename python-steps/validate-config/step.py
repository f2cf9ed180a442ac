"""Scenario step "Validate project configuration": fails the step when the configuration is invalid.

Sets ``framework_config_valid`` and ``framework_error_count`` as scenario
variables (so later steps or reporters can use them), prints the full report
to the step log, and raises with the first errors (``file:line:col message``)
when invalid. All logic lives in ``dataiku_framework.plugin.validate``.
"""
import dataiku
from dataiku.customstep import get_plugin_config, get_step_config
from dataiku.scenario import Scenario

from dataiku_framework.plugin.faces import coded_errors
from dataiku_framework.plugin.validate import params_from_config, step_config, validate_from_folder

with coded_errors():  # the step's failure reads error[CODE]: message, as on the command line
    report = validate_from_folder(dataiku.api_client(), dataiku.default_project_key(),
                                  **params_from_config(step_config(get_step_config(), get_plugin_config())))
    print(report.render())
    Scenario().set_scenario_variables(framework_config_valid=report.valid, framework_error_count=len(report.errors))
    if not report.valid:
        raise report.failure()
