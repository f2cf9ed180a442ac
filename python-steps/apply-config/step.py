"""Scenario step "Apply project configuration": plan the configuration in a managed folder and,
per the mode, apply it.

Prints the plan (before any write), progress and the outcome to the step log, sets the scenario
variables (counts per action, apply id, drift count: see ``step_variables``), then fails when the
configuration is invalid, the apply failed, or on changes or drift as ``fail_on`` says. All logic
lives in ``dataiku_framework.plugin.apply``.
"""
import dataiku
from dataiku.customstep import get_plugin_config, get_step_config
from dataiku.scenario import Scenario

from dataiku_framework.plugin.apply import (apply_from_folder, macro_progress, step_failure, step_params_from_config,
                                            step_variables)
from dataiku_framework.plugin.validate import step_config

params = step_params_from_config(step_config(get_step_config(), get_plugin_config()))
fail_on = params.pop("fail_on")
report = apply_from_folder(dataiku.api_client(), dataiku.default_project_key(), **params,
                           on_planned=lambda planned: print(planned.text()), on_progress=macro_progress(None, print))
print(report.outcome())
Scenario().set_scenario_variables(**step_variables(report))
failure = step_failure(report, fail_on)
if failure:
    raise Exception(failure)
