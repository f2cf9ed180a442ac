"""Macro "Export project to YAML": this project's configuration written into a managed folder.

Reads the project (the import's requests) and writes the files into the folder chosen or created;
nothing else is changed. All logic lives in ``dataiku_framework.plugin.export``.
"""
import dataiku
from dataiku.runnables import Runnable

from dataiku_framework.plugin.faces import coded_errors
from dataiku_framework.plugin.export import export_params_from_config, export_to_folder


class MyRunnable(Runnable):
    def __init__(self, project_key, config, plugin_config):
        self.project_key = project_key
        self.config = config or {}
        self.plugin_config = plugin_config or {}

    def get_progress_target(self):
        return None

    def run(self, progress_callback):
        with coded_errors():  # a failure reads error[CODE]: message, as on the command line
            report = export_to_folder(dataiku.api_client(), self.project_key, **export_params_from_config(self.config))
            return report.html()
