"""CLI commands beyond ``validate``, one module each; ``cli.COMMANDS`` appends ``REGISTRARS``.

Why separate modules: each command (plan, drift, apply, ...) is built and reviewed on its own, and
``cli.py`` stays the one place for what every command shares (exit codes, connection failures).
"""

from .apply import add_apply, add_history, add_rollback, add_unlock
from .importing import add_import
from .plan import add_drift, add_plan

#: Subparser registrars, in the order ``dss-framework --help`` lists them.
REGISTRARS = [add_plan, add_drift, add_apply, add_history, add_rollback, add_unlock, add_import]
