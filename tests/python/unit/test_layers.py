"""The layering rules of issue 17 §1, checked on the source (AST), imports inside functions included.

Why a static test: the breaks it guards against were lazy imports inside functions (``plan.document``
importing ``render``, ``config`` importing ``dss`` and the importer), which no import-time check sees,
and private names reached across modules (``handler._walk``, ``engine._plan``...), which run fine
until the owner renames them.
"""
import ast
import os
from typing import Iterator, List, Optional, Tuple

import pytest

import dataiku_framework

PACKAGE = "dataiku_framework"
ROOT = os.path.dirname(dataiku_framework.__file__)

#: layer (module prefix) -> the modules it must never import, even lazily
FORBIDDEN = {
    "config": ("dss", "resources", "plan", "importer", "apply", "render", "engine", "commands", "cli", "wiring",
               "plugin", "preview", "projects"),
    "plan.document": ("render",),
    # the state, lock and plan-store files are a layer below planning and applying (issue 15: the
    # store's plan-and-apply steps live above it, in ``stored_plans``)
    "state": ("apply", "engine", "commands", "cli", "wiring", "plugin", "preview", "projects", "importer",
              "render", "stored_plans"),
}
#: private names that were reached across modules; their owners now offer public ones
PRIVATE = ("_walk", "_plan", "_classified", "_raw")


def _modules() -> Iterator[Tuple[str, str]]:
    """(dotted name below the package, file path) of every module of the package."""
    for folder, _, files in os.walk(ROOT):
        for name in sorted(files):
            if not name.endswith(".py"):
                continue
            rel = os.path.relpath(os.path.join(folder, name), ROOT)[:-3].replace(os.sep, ".")
            yield (rel[: -len(".__init__")] if rel.endswith(".__init__") else rel), os.path.join(folder, name)


def _absolute(module: str, is_package: bool, node: ast.ImportFrom) -> Optional[str]:
    """The imported module of ``from ... import`` relative to the package root ('' = the package itself),
    None when outside the package."""
    if node.level == 0:
        name = node.module or ""
        if name != PACKAGE and not name.startswith(PACKAGE + "."):
            return None
        return name[len(PACKAGE) + 1:]
    parts = module.split(".") if module else []
    base = parts if is_package else parts[:-1]
    base = base[: len(base) - (node.level - 1)] if node.level > 1 else base
    return ".".join(base + ([node.module] if node.module else []))


def _imports(module: str, path: str) -> Iterator[Tuple[str, List[str], int]]:
    """(imported module below the package, names imported from it, line) for every import of the file."""
    is_package = path.endswith("__init__.py")
    with open(path, encoding="utf-8") as handle:
        tree = ast.parse(handle.read(), path)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith(PACKAGE + "."):
                    yield alias.name[len(PACKAGE) + 1:], [], node.lineno
        elif isinstance(node, ast.ImportFrom):
            target = _absolute(module, is_package, node)
            if target is None:
                continue
            names = [a.name for a in node.names]
            yield target, names, node.lineno
            if node.module is None or target == "":  # ``from . import x``: x may be a submodule
                for name in names:
                    yield (target + "." if target else "") + name, [], node.lineno


def _within(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


def layer_violations() -> List[str]:
    found = []
    for module, path in _modules():
        for layer, banned in FORBIDDEN.items():
            if not _within(module, layer):
                continue
            for target, _, line in _imports(module, path):
                for other in banned:
                    if _within(target, other):
                        found.append("%s:%d imports %s (layer %s must not import %s)"
                                     % (module, line, target, layer, other))
    return found


def private_violations() -> List[str]:
    found = []
    for module, path in _modules():
        for target, names, line in _imports(module, path):
            for name in names:
                if name in PRIVATE:
                    found.append("%s:%d imports %s from %s" % (module, line, name, target))
        with open(path, encoding="utf-8") as handle:
            tree = ast.parse(handle.read(), path)
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr in PRIVATE:
                owner = node.value
                if isinstance(owner, ast.Name) and owner.id in ("self", "cls"):
                    continue
                found.append("%s:%d reaches %s.%s" % (module, node.lineno, ast.unparse(owner), node.attr))
    return found


def test_layers_import_only_downwards():
    assert layer_violations() == []


def test_no_private_names_across_modules():
    assert private_violations() == []


@pytest.mark.parametrize("source, where", [
    ("from ..render.text import render_text", ("plan", "document.py")),
    ("from dataiku_framework.dss import failures", ("config", "api.py")),
    ("from .. import importer", ("config", "schema.py")),
])
def test_the_checker_sees_a_lazy_import(tmp_path, monkeypatch, source, where):
    """The check itself can fail: a lazy import planted in a function of a copy of the package is found."""
    target = tmp_path.joinpath(PACKAGE, *where)
    target.parent.mkdir(parents=True)
    target.write_text("def view():\n    %s\n" % source)
    monkeypatch.setitem(globals(), "ROOT", str(tmp_path / PACKAGE))
    assert len(layer_violations()) == 1


def test_the_checker_sees_a_private_reach(tmp_path, monkeypatch):
    folder = tmp_path / PACKAGE / "apply"
    folder.mkdir(parents=True)
    (folder / "resource.py").write_text("def f(handler):\n    return handler._walk(1, 2, (), [])\n"
                                        "def g():\n    from ..engine import _classified\n")
    monkeypatch.setitem(globals(), "ROOT", str(tmp_path / PACKAGE))
    assert len(private_violations()) == 2
