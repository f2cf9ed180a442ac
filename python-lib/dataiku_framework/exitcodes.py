"""Process exit codes shared by every ``dss-framework`` command.

Why one table: CI pipelines and agents branch on these numbers, so ``validate``, ``plan``,
``drift``, ``apply`` and ``import`` must mean the same thing by each. ``CHANGES`` follows
``terraform plan -detailed-exitcode``; a usage error therefore cannot also be 2 (argparse's
default) and uses ``EX_USAGE`` from sysexits.h instead.
"""

OK = 0             #: success; with --detailed-exitcode / drift: no changes
INVALID = 1        #: the configuration is invalid, or the command failed
CHANGES = 2        #: success, and there are changes (plan --detailed-exitcode) or drift (drift)
UNREACHABLE = 3    #: DSS could not be reached (DNS, refused connection, TLS, timeout, not a DSS)
AUTH_REFUSED = 4   #: DSS answered but refused the API key (unknown, expired, or not allowed)
USAGE = 64         #: bad command-line arguments

DESCRIPTIONS = {
    OK: "success (no changes)",
    INVALID: "invalid configuration, or the command failed",
    CHANGES: "success with changes (plan --detailed-exitcode, drift)",
    UNREACHABLE: "cannot reach DSS",
    AUTH_REFUSED: "DSS refused the API key",
    USAGE: "usage error (bad arguments)",
}
