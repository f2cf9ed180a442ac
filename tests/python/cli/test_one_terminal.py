"""The CLI tests share one standard-input stand-in (``cli_support.Terminal``): a second copy would
answer the prompts by rules of its own (a reviewer's mend, issue 17)."""
import ast
import os

TESTS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_only_cli_support_stands_in_for_standard_input():
    copies = []
    for root, _, files in os.walk(TESTS):
        for name in files:
            path = os.path.join(root, name)
            if not name.endswith(".py") or name == "cli_support.py":
                continue
            with open(path, encoding="utf-8") as handle:
                tree = ast.parse(handle.read(), path)
            for node in ast.walk(tree):
                if isinstance(node, ast.ClassDef) and any(
                        isinstance(f, ast.FunctionDef) and f.name == "readline" for f in node.body):
                    copies.append("%s:%s" % (os.path.relpath(path, TESTS), node.name))
    assert copies == []
