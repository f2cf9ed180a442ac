"""Macro "Plan project configuration": the HTML plan of a configuration stored in a managed folder.

Reads only, unless "Store the plan" is set: the plan is then saved in the plan store of the project it
plans (pending review), and the result names its id. An invalid configuration gives its problems instead of a plan; an unknown folder or an
unusable DSS connection fails the macro. All logic lives in ``dataiku_framework.plugin.plan``.
"""
import dataiku
from dataiku.runnables import Runnable

from dataiku_framework.plugin.faces import coded_errors
from dataiku_framework.plugin.plan import plan_from_folder, plan_params_from_config, store_report, store_requested


class MyRunnable(Runnable):
    def __init__(self, project_key, config, plugin_config):
        self.project_key = project_key
        self.config = config or {}
        self.plugin_config = plugin_config or {}

    def get_progress_target(self):
        return None

    def run(self, progress_callback):
        with coded_errors():  # a failure reads error[CODE]: message, as on the command line
            client, params = dataiku.api_client(), plan_params_from_config(self.config)
            report = plan_from_folder(client, self.project_key, **params)
            if store_requested(self.config):
                store_report(client, report, self.project_key, params["folder_ref"], params["config_path"],
                             params["env"])
            return report.html()
