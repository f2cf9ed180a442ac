"""No module forwards names to another one (issue 17: each name has one home, and its callers import
it from there): no module-level ``__getattr__`` anywhere in the core package, and the names that
moved to the kind modules are not served a second time by ``dss.translate`` or ``importer.convert``."""
import ast
import os

import dataiku_framework
from dataiku_framework.dss import translate
from dataiku_framework.importer import convert

PACKAGE = os.path.dirname(dataiku_framework.__file__)


def _module_getattrs():
    found = []
    for root, _, files in os.walk(PACKAGE):
        for name in files:
            if name.endswith(".py"):
                path = os.path.join(root, name)
                with open(path, encoding="utf-8") as handle:
                    tree = ast.parse(handle.read(), path)
                if any(isinstance(node, ast.FunctionDef) and node.name == "__getattr__" for node in tree.body):
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
    for name in ("trigger", "step"):
        assert not hasattr(convert, name), name
