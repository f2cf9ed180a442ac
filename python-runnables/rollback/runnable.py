"""Macro "Rollback": restore this project's configuration to before an apply, as HTML.

Shows the rollback plan first ("Preview only", the default, stops there); data is not restored.
Needs administrator rights (declared in runnable.json, checked again in code). All logic lives in
``dataiku_framework.plugin.apply``.
"""
import dataiku
from dataiku.runnables import Runnable

from dataiku_framework.plugin.faces import coded_errors
from dataiku_framework.plugin.apply import (PROGRESS_TARGET, macro_progress, rollback_params_from_config,
                                            rollback_project)


class MyRunnable(Runnable):
    def __init__(self, project_key, config, plugin_config):
        self.project_key = project_key
        self.config = config or {}
        self.plugin_config = plugin_config or {}

    def get_progress_target(self):
        return PROGRESS_TARGET

    def run(self, progress_callback):
        with coded_errors():  # a failure reads error[CODE]: message, as on the command line
            return rollback_project(dataiku.api_client(), self.project_key,
                                    on_progress=macro_progress(progress_callback),
                                    **rollback_params_from_config(self.config))
