"""The core package's modules as syntax trees, for the tests that check where a name is defined,
called or imported (one creation path, one read per kind, no forwarding module)."""
import ast
import os
from typing import Iterator, Tuple

from emusupport import ROOT

PACKAGE = os.path.join(ROOT, "python-lib", "dataiku_framework")


def package_trees() -> Iterator[Tuple[str, ast.AST]]:
    """``(path relative to the package, parsed module)`` for every module of ``dataiku_framework``."""
    for folder, _, files in sorted(os.walk(PACKAGE)):
        for name in sorted(files):
            if name.endswith(".py"):
                path = os.path.join(folder, name)
                with open(path, encoding="utf-8") as handle:
                    yield os.path.relpath(path, PACKAGE), ast.parse(handle.read(), path)
