"""Macro "Validate project configuration": a table of every problem in a configuration stored in a managed folder.

The table is the report, so it is returned whether the configuration is valid
or not (a single "ok" row, then any warnings, when valid); the macro fails
(raises) only when it cannot validate at all, e.g. an unknown folder, or
when the configuration names another project than this one or its target
project (``dataiku_framework.plugin.scope``). The
scenario step of the same name is the one that fails on an invalid
configuration. All logic lives in ``dataiku_framework.plugin.validate``.
"""
import dataiku
from dataiku.runnables import ResultTable, Runnable

from dataiku_framework.plugin.faces import coded_errors
from dataiku_framework.plugin.validate import COLUMNS, params_from_config, validate_from_folder


class MyRunnable(Runnable):
    def __init__(self, project_key, config, plugin_config):
        self.project_key = project_key
        self.config = config or {}
        self.plugin_config = plugin_config or {}

    def get_progress_target(self):
        return None

    def run(self, progress_callback):
        with coded_errors():  # a failure reads error[CODE]: message, as on the command line
            report = validate_from_folder(dataiku.api_client(), self.project_key, **params_from_config(self.config))
            table = ResultTable()
            for column_id, label in COLUMNS:
                table.add_column(column_id, label, "STRING")
            for row in report.rows():
                table.add_record(row)
            return table
