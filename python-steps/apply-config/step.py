"""Scenario step "Apply project configuration": plan the configuration in a managed folder and,
per the mode, apply it. In mode plan_only, "Store the plan" saves the plan in the plan store (pending
review), its id in the scenario variable framework_stored_plan_id.

Prints the plan (before any write), progress and the outcome to the step log, sets the scenario
variables (counts per action, apply id, drift count: see ``step_variables``), then fails when the
configuration is invalid, the apply failed, or on changes or drift as ``fail_on`` says. In mode
apply_if_no_drift, its drift check is recorded for the review webapp's "Drift" view. All logic
lives in ``dataiku_framework.plugin.apply``.
"""
import dataiku
from dataiku.customstep import get_plugin_config, get_step_config
from dataiku.scenario import Scenario

from dataiku_framework.plugin.apply import (apply_from_folder, macro_progress, step_failure, step_params_from_config,
                                            step_variables, store_step_plan)
from dataiku_framework.plugin.faces import coded_errors
from dataiku_framework.plugin.validate import step_config

with coded_errors():  # the step's failure reads error[CODE]: message, as on the command line
    config = step_config(get_step_config(), get_plugin_config())
    params = step_params_from_config(config)
    fail_on = params.pop("fail_on")
    client, project_key = dataiku.api_client(), dataiku.default_project_key()
    report = apply_from_folder(client, project_key, **params, on_planned=lambda planned: print(planned.text()),
                               on_progress=macro_progress(None, print))
    print(report.outcome())
    Scenario().set_scenario_variables(**step_variables(report),
                                      **store_step_plan(client, report, project_key, config, print))
    failure = step_failure(report, fail_on)
    if failure:
        raise failure
