"""Macro "Unlock": release this project's apply lock left by a holder that is gone, as HTML.

Without a lock id it shows who holds the lock and releases nothing. Needs administrator rights
(declared in runnable.json, checked again in code). All logic lives in ``dataiku_framework.plugin.apply``.
"""
import dataiku
from dataiku.runnables import Runnable

from dataiku_framework.plugin.faces import coded_errors
from dataiku_framework.plugin.apply import unlock_params_from_config, unlock_project


class MyRunnable(Runnable):
    def __init__(self, project_key, config, plugin_config):
        self.project_key = project_key
        self.config = config or {}
        self.plugin_config = plugin_config or {}

    def get_progress_target(self):
        return None

    def run(self, progress_callback):
        with coded_errors():  # a failure reads error[CODE]: message, as on the command line
            return unlock_project(dataiku.api_client(), self.project_key, **unlock_params_from_config(self.config))
