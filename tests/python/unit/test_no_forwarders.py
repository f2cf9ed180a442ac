"""No module forwards names to another one (issue 17: each name has one home, and its callers import
it from there): no module-level ``__getattr__`` anywhere in the core package, and the names that
moved to the kind modules are not served a second time by ``dss.translate`` or ``importer.convert``."""
import glob
import os
import re

import dataiku_framework
from dataiku_framework.dss import translate
from dataiku_framework.importer import convert

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
    for name in ("trigger", "step"):
        assert not hasattr(convert, name), name
