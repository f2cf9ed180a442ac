"""Issue 18: one catalogue of error codes (``dataiku_framework.errors``), generated into the
troubleshooting page. The catalogue holds exactly the codes the package uses: a code used but not
listed would be an error a user meets with no documented cause or fix; an entry used nowhere would
document an error nobody can meet.

The package is scanned with ``ast``: a string constant of the form ``area.what`` whose area is one of
the catalogue's is a code; file names and ``${...}`` variable names of DSS, which share the form, are
told apart by ``NOT_CODES``. Every place that makes a diagnostic names its code (``code=``).
"""
import ast
import os
import re

from sourcetrees import PACKAGE, package_trees
from dataiku_framework import errors
from dataiku_framework.errors import AREAS, CATALOGUE, CODE_FORM

DOTTED = re.compile(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")
#: Constants of the dotted form that are not codes: DSS's own variable names (``${dss.version}``).
NOT_CODES = {"dss.version"}
FILE_SUFFIXES = (".json", ".yaml", ".yml", ".py", ".j2", ".sh", ".md", ".txt", ".html")


def _constants():
    """(constant, file:line) of every string constant in the package, the catalogue module excepted."""
    for rel, tree in package_trees():
        if os.path.join(PACKAGE, rel) == os.path.abspath(errors.__file__):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                yield node.value, "%s:%d" % (rel, node.lineno), node, tree


def _calls():
    """(name called, call node, file:line) of every call in the package (``f(...)`` or ``x.f(...)``)."""
    for rel, tree in package_trees():
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                func = node.func
                called = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
                yield called, node, "%s:%d" % (rel, node.lineno)


def _used_codes():
    used = {}
    for value, where, _, _ in _constants():
        if (DOTTED.match(value) and value.split(".")[0] in AREAS and value not in NOT_CODES
                and not value.endswith(FILE_SUFFIXES)):
            used.setdefault(value, where)
    return used


def test_every_code_the_package_uses_is_in_the_catalogue():
    unknown = {code: where for code, where in _used_codes().items() if code not in CATALOGUE}
    assert not unknown, "codes used but not catalogued (add them to errors.py): %s" % unknown


def test_every_catalogue_entry_is_used_somewhere():
    constants = {value for value, _, _, _ in _constants()}
    dead = sorted(code for code in CATALOGUE if code not in constants)
    assert not dead, "catalogue entries no code path uses (remove them): %s" % dead


def test_every_diagnostic_and_every_command_error_names_its_code():
    """``Diagnostic(...)``, the checker's ``report``/``warn`` and the loader's ``_diag`` get ``code=``;
    the command error line ``_error(command, message, code)`` gets its third argument."""
    missing = []
    for called, node, where in _calls():
        keywords = {k.arg for k in node.keywords}
        checker = isinstance(node.func, ast.Attribute) and called in ("report", "warn")  # not a progress report()
        positional = called == "report" and len(node.args) >= 6  # report(path, summary, hint, sev, at_key, code)
        if (called in ("Diagnostic", "_diag") or checker) and "code" not in keywords and not positional:
            missing.append(where)
        starred = any(isinstance(a, ast.Starred) for a in node.args)
        if called in ("_error", "report_error") and len(node.args) < 3 and not starred:
            missing.append(where)
    assert not missing, "made without a code: %s" % missing


def test_codes_are_well_formed_unique_and_documented():
    assert len(CATALOGUE) == len(errors._ENTRIES), "a code listed twice"
    for entry in CATALOGUE.values():
        assert CODE_FORM.match(entry.code), entry.code
        assert entry.area in AREAS, entry.code
        assert entry.summary and entry.cause and entry.fix, entry.code
        assert isinstance(entry.exit_status, int), entry.code


def test_exception_classes_carry_catalogue_codes():
    """Every exception class that declares a dotted ``code`` names a catalogue entry (``code_of`` relies on it)."""
    from dataiku_framework.apply.run import StalePlanError
    from dataiku_framework.dss.failures import DSSAuthRefused, DSSUnreachable
    from dataiku_framework.state import LockHeld
    assert [c.code for c in (DSSUnreachable, DSSAuthRefused, LockHeld, StalePlanError)] == [
        "dss.unreachable", "dss.key_refused", "lock.held", "plan.stale"]
    import inspect
    from dataiku_framework.dss import failures
    from dataiku_framework.sources import git
    with_status = [c for module in (failures, git) for _, c in inspect.getmembers(module, inspect.isclass)
                   if isinstance(c.__dict__.get("code"), str) and hasattr(c, "exit_code")]
    assert len(with_status) == 8, with_status  # DSS's 3 and git's 5: the exit status the CLI returns is theirs
    for cls in with_status:
        assert CATALOGUE[cls.code].exit_status == cls.exit_code, cls
    from dataiku_framework.cli import EXIT_INTERRUPTED
    assert CATALOGUE["apply.interrupted"].exit_status == errors.INTERRUPTED == EXIT_INTERRUPTED


def test_java_class_names_are_dropped_from_messages():
    text = ("DSS refused a request: com.dataiku.dip.exceptions.UnauthorizedException: Failed to read project "
            "permissions: project P does not exist or you may not read it")
    assert errors.in_user_terms(text) == ("DSS refused a request: Failed to read project permissions: project P "
                                          "does not exist or you may not read it")
    assert errors.in_user_terms("dataset.RAW: unknown key") == "dataset.RAW: unknown key"


def test_a_failed_resource_says_dss_words_without_the_java_class():
    from dataiku_framework.apply.result import ResourceResult
    failed = ResourceResult("dataset.A", "dataset", "A", "create", "failed",
                            error="com.dataiku.dip.exceptions.UnauthorizedException: Action forbidden")
    assert failed.error == "Action forbidden" and failed.to_dict()["code"] == "apply.resource_failed"
    assert ResourceResult("dataset.A", "dataset", "A", "create", "succeeded").to_dict()["code"] is None


def test_an_import_reason_says_dss_words_without_the_java_class():
    from dataikuapi.utils import DataikuException
    from dataiku_framework.importer.read import _why
    refused = DataikuException("com.dataiku.dip.exceptions.UnauthorizedException: you may not list webapps")
    assert _why(refused) == "you may not list webapps"


def _diagnostic_codes():
    """(code, is_warning, where) of every diagnostic made with a literal code: ``warn(..., code=C)`` and
    ``Diagnostic(WARNING, ..., code=C)`` are warnings; ``report``, ``_diag`` and ``Diagnostic(ERROR, ...)`` errors."""
    for called, node, where in _calls():
        code = next((k.value for k in node.keywords if k.arg == "code"), None)
        if not (isinstance(code, ast.Constant) and isinstance(code.value, str)):
            continue
        first = node.args[0] if node.args else None
        if called == "Diagnostic" and isinstance(first, ast.Name) and first.id in ("ERROR", "WARNING"):
            warning = first.id == "WARNING"
        elif called in ("warn", "report", "_diag"):
            warning = called == "warn"
        else:
            continue
        yield code.value, warning, where


def test_a_warning_code_exits_0_and_an_error_code_does_not():
    found = list(_diagnostic_codes())
    assert len(found) > 60, len(found)
    wrong = [(code, where) for code, warning, where in found if (CATALOGUE[code].exit_status == 0) != warning]
    assert not wrong, "the catalogue's exit status contradicts the severity: %s" % wrong
