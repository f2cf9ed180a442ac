"""The concepts pages restate a few facts the code decides; each is read back from the code here, so
that the page cannot drift from it."""
import os
import re

from docblocks import DOCS
from dataiku_framework.resources import registry


def _page(name: str) -> str:
    with open(os.path.join(DOCS, "concepts", name), encoding="utf-8") as f:
        return f.read()


def documented_delete_order(text: str):
    """The kinds the deletion page lists, in the order it says deletes run."""
    sentence = re.search(r"one execution group per kind, in this order: (.*?)\(", text, re.S)
    assert sentence, "deletion.md lost the sentence giving the delete order"
    return tuple(re.findall(r"`(\w+)`", sentence.group(1)))


def test_the_delete_order_is_the_registrys():
    assert documented_delete_order(_page("deletion.md")) == registry.delete_order()


def test_a_stale_delete_order_is_caught():
    stale = _page("deletion.md").replace("`git_library`, ", "")
    assert documented_delete_order(stale) != registry.delete_order()


def test_the_concepts_section_is_the_issues_list():
    """Issue 18 names six concepts pages; the index links each, and nothing else."""
    index = _page("index.md")
    linked = re.findall(r"\]\(([\w-]+\.md)\)", index)
    assert linked == ["configuration-plan-apply-state.md", "drift-and-ownership.md", "locking-and-rollback.md",
                      "deletion.md", "secrets.md", "threat-model.md"]
    assert sorted(os.listdir(os.path.join(DOCS, "concepts"))) == sorted(linked + ["index.md"])
