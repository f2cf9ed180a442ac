"""No module forwards names to another one (issue 17: each name has one home, and its callers import
it from there): no module-level ``__getattr__`` anywhere in the core package, and the names that
moved to the kind modules are not served a second time by ``dss.translate`` (``importer.convert``, which
served some, is gone: no module only re-exports)."""
import ast
import glob
import importlib.util
import os
import re

from sourcetrees import package_trees

import dataiku_framework
from dataiku_framework.dss import translate

PACKAGE = os.path.dirname(dataiku_framework.__file__)


def _module_getattrs():
    """Package-relative paths of the modules defining a module-level ``__getattr__``."""
    found = []
    for path in sorted(glob.glob(os.path.join(PACKAGE, "**", "*.py"), recursive=True)):
        with open(path, encoding="utf-8") as handle:
            if re.search(r"^def __getattr__\(", handle.read(), re.MULTILINE):
                found.append(os.path.relpath(path, PACKAGE))
    return found


def test_no_module_forwards_names_through_getattr():
    """The package's own lazy ``Engine``/``Plan`` (public API, loaded on first use so that importing
    the package never imports ``dataikuapi``) is the one module ``__getattr__`` allowed."""
    assert _module_getattrs() == ["__init__.py"]


def test_the_moved_names_are_served_by_their_kinds_only():
    for name in ("dataset_definition", "dataset_params", "folder_params", "trigger_definition", "step_definition",
                 "scenario_definition", "TRIGGER_TYPES", "JOB_TYPES", "permission_entry"):
        assert not hasattr(translate, name), name
    assert importlib.util.find_spec("dataiku_framework.importer.convert") is None  # nor trigger, step...


def _reexport_only():
    """Package-relative paths of the modules (packages' ``__init__`` apart) whose body is imports
    alone, besides the docstring: a module that only serves names living elsewhere."""
    found = []
    for path, tree in package_trees():
        body = tree.body
        if body and isinstance(body[0], ast.Expr) and isinstance(getattr(body[0], "value", None), ast.Constant):
            body = body[1:]
        if os.path.basename(path) != "__init__.py" and body and all(
                isinstance(node, (ast.Import, ast.ImportFrom)) for node in body):
            found.append(path)
    return found


def test_no_module_only_re_exports_names_of_others():
    """Each name has one home and its callers import it from there: no module that only re-exports
    (``importer.convert`` and ``importer.defaults`` served the kinds' inverses and defaults)."""
    assert _reexport_only() == []
    for gone in ("dataiku_framework.importer.convert", "dataiku_framework.importer.defaults"):
        assert importlib.util.find_spec(gone) is None, gone
