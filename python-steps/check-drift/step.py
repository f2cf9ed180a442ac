"""Scenario step "Check drift": fails the step when DSS no longer matches the configuration.

Prints the plan to the step log, sets the scenario variables ``framework_config_valid``, ``framework_drift_detected``,
``framework_drift_count`` and ``framework_drift_<action>`` (create, update, replace, delete), and
raises with what differs; the check is recorded for the review webapp's "Drift" view. An invalid
configuration fails the step with its first errors. All logic lives in ``dataiku_framework.plugin``.
"""
import dataiku
from dataiku.customstep import get_plugin_config, get_step_config
from dataiku.scenario import Scenario

from dataiku_framework.plugin.faces import coded_errors
from dataiku_framework.plugin.plan import drift_variables, plan_from_folder, plan_params_from_config
from dataiku_framework.plugin.review import record_drift_report
from dataiku_framework.plugin.validate import step_config

with coded_errors():  # the step's failure reads error[CODE]: message, as on the command line
    report = plan_from_folder(dataiku.api_client(), dataiku.default_project_key(), drift=True,
                              **plan_params_from_config(step_config(get_step_config(), get_plugin_config())))
    print(report.text())
    Scenario().set_scenario_variables(**drift_variables(report))
    record_drift_report(dataiku.api_client(), report)  # the review webapp's "Drift" view shows the last check
    if not report.valid or report.differences():
        raise report.drift_failure()
