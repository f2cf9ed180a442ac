"""``dataiku.scenario``: only what custom steps use; variables are recorded in ``VARIABLES`` for the test."""

#: Scenario variables set by the code under test (the test clears and reads it).
VARIABLES = {}


class Scenario(object):
    def set_scenario_variables(self, **kwargs):
        VARIABLES.update(kwargs)
