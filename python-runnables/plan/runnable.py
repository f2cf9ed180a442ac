"""Macro "Plan project configuration": the HTML plan of a configuration stored in a managed folder.

Reads only. An invalid configuration gives its problems instead of a plan; an unknown folder or an
unusable DSS connection fails the macro. All logic lives in ``dataiku_framework.plugin.plan``.
"""
import dataiku
from dataiku.runnables import Runnable

from dataiku_framework.plugin.plan import plan_from_folder, plan_params_from_config


class MyRunnable(Runnable):
    def __init__(self, project_key, config, plugin_config):
        self.project_key = project_key
        self.config = config or {}
        self.plugin_config = plugin_config or {}

    def get_progress_target(self):
        return None

    def run(self, progress_callback):
        report = plan_from_folder(dataiku.api_client(), self.project_key, **plan_params_from_config(self.config))
        return report.html()
