"""``dataiku.runnables``: the macro base class and the RESULT_TABLE result, as DSS documents them."""


class Runnable(object):
    """The base interface for a Python runnable (DSS: constructor(project_key, config, plugin_config), run(cb))."""

    def __init__(self, project_key, config, plugin_config):
        self.project_key = project_key
        self.config = config
        self.plugin_config = plugin_config

    def get_progress_target(self):
        return None

    def run(self, progress_callback):
        raise Exception("unimplemented")


class ResultTable(object):
    """Columns ``{"id", "label", "type"}`` and records as lists in column order (what DSS serialises)."""

    def __init__(self):
        self.columns = []
        self.records = []

    def add_column(self, column_id, label, column_type):
        if column_type not in ("STRING", "STRING_LIST"):
            raise ValueError("undocumented ResultTable column type %r" % column_type)
        self.columns.append({"id": column_id, "label": label, "type": column_type})

    def add_record(self, record):
        if len(record) != len(self.columns):
            raise ValueError("record has %d values for %d columns" % (len(record), len(self.columns)))
        self.records.append(list(record))
