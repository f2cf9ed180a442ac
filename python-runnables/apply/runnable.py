"""Macro "Apply": plan the configuration stored in a managed folder and apply that plan, as HTML.

Acts on this project, or on the "Target project" parameter's (``dataiku_framework.plugin.scope``);
needs administrator rights (declared in runnable.json, checked again in code on that project).
Progress is the percentage of resources done. Resources that failed are shown in the result; a lock
held by another apply, missing rights, a configuration naming another project or an unusable folder
fail the macro. All logic lives in ``dataiku_framework.plugin.apply``.
"""
import dataiku
from dataiku.runnables import Runnable

from dataiku_framework.plugin.faces import coded_errors
from dataiku_framework.plugin.apply import PROGRESS_TARGET, apply_from_folder, apply_params_from_config, macro_progress


class MyRunnable(Runnable):
    def __init__(self, project_key, config, plugin_config):
        self.project_key = project_key
        self.config = config or {}
        self.plugin_config = plugin_config or {}

    def get_progress_target(self):
        return PROGRESS_TARGET

    def run(self, progress_callback):
        with coded_errors():  # a failure reads error[CODE]: message, as on the command line
            report = apply_from_folder(dataiku.api_client(), self.project_key,
                                       on_progress=macro_progress(progress_callback),
                                       **apply_params_from_config(self.config))
            return report.html()
