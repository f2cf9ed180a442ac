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


def step_choices_named(text: str):
    """The (field label, choice label) pairs a page names as **Field** "Choice"."""
    return re.findall(r"\*\*([^*]+)\*\*\s+\"([^\"]+)\"", text.replace("\n", " "))


def _apply_step_choices():
    import json
    from docblocks import ROOT
    with open(os.path.join(ROOT, "python-steps", "apply-config", "step.json"), encoding="utf-8") as f:
        params = json.load(f)["params"]
    return {(p["label"], c["label"]) for p in params for c in p.get("selectChoices", [])}


def test_the_apply_steps_settings_the_threat_model_names_are_its_labels():
    """A user sets the step in DSS's form, by labels: the page names them, not the internal values."""
    named = step_choices_named(_page("threat-model.md"))
    assert named, "threat-model.md no longer names the step's settings"
    choices = _apply_step_choices()
    for field, choice in named:
        assert any(f == field and c.startswith(choice) for f, c in choices), (field, choice)


def test_an_internal_value_for_a_label_is_caught():
    stale = step_choices_named('**Mode** "plan_only"')
    assert not any(f == "Mode" and c.startswith("plan_only") for f, c in _apply_step_choices()) and stale


LIFECYCLE_NAMES = {"Project": "the project", "Dataset": "datasets", "ManagedFolder": "managed folders",
                   "Recipe": "recipes", "Scenario": "scenarios", "GitLibrary": "git library references",
                   "Zone": "zones"}


def documented_lifecycle(text: str):
    """(what accepts ``lifecycle``, what adds ``drop_data_on_destroy``) as a page lists them."""
    flat = re.sub(r"\s+", " ", text)
    accept = re.search(r"The (project, .*?) accept `lifecycle: \{prevent_destroy, ignore_changes\}`", flat)
    add = re.search(r"; ([\w ,]+?) add `drop_data_on_destroy`", flat)
    assert accept and add, "the page lost its sentence on which resources accept lifecycle"
    split = lambda names: {n.strip() for n in re.split(r", | and ", names)}
    return split("the " + accept.group(1)), split(add.group(1))


def schema_lifecycle():
    """The same two sets, from the configuration's JSON Schema."""
    import json
    from dataiku_framework.config import SCHEMA_PATH
    with open(SCHEMA_PATH, encoding="utf-8") as f:
        defs = json.load(f)["$defs"]
    refs = {name: defs[name]["properties"].get("lifecycle", {}).get("$ref", "") for name in LIFECYCLE_NAMES}
    return ({LIFECYCLE_NAMES[n] for n, ref in refs.items() if ref},
            {LIFECYCLE_NAMES[n] for n, ref in refs.items() if ref.endswith("/DataLifecycle")})


def test_the_resources_that_take_lifecycle_are_the_schemas():
    from docblocks import DOCS as docs
    for page in ("concepts/deletion.md", "reference/language-rules.md"):
        with open(os.path.join(docs, page), encoding="utf-8") as f:
            assert documented_lifecycle(f.read()) == schema_lifecycle(), page


def test_every_resource_is_not_the_schemas_list():
    """The sentence the pages had ("every resource accepts ...") would fail: zones take no lifecycle."""
    stale = ("The project, datasets, managed folders, recipes, scenarios, zones and git library references accept"
             " `lifecycle: {prevent_destroy, ignore_changes}`; datasets and managed folders add `drop_data_on_destroy`.")
    assert documented_lifecycle(stale) != schema_lifecycle()


def _core_source() -> str:
    from docblocks import ROOT
    core = os.path.join(ROOT, "python-lib", "dataiku_framework")
    texts = []
    for folder, _, files in os.walk(core):
        for name in files:
            if name.endswith(".py"):
                with open(os.path.join(folder, name), encoding="utf-8") as f:
                    texts.append(f.read())
    return "\n".join(texts)


def quoted_messages(text: str):
    """The fragments of the error messages a page quotes ("the state of project P moved since it was
    read"): each quote cut at its placeholders (P, ...), fragments of three words or more."""
    fragments = []
    for quote in re.findall(r"\(\"([^\"]+)\"\)", re.sub(r"\s+", " ", text)):
        fragments += [f.strip() for f in re.split(r"\bP\b|\.\.\.", quote) if len(f.split()) >= 3]
    return fragments


def test_the_messages_the_threat_model_quotes_are_the_codes():
    fragments = quoted_messages(_page("threat-model.md"))
    assert len(fragments) >= 3
    source = _core_source()
    assert [f for f in fragments if f not in source] == []


def test_a_message_the_code_does_not_print_is_caught():
    assert "the state was stolen by" not in _core_source()
    assert quoted_messages('stops ("the state was stolen by P") when') == ["the state was stolen by"]


def documented_result_keys(text: str):
    """The keys of ``apply --json``'s result as the page lists them: (top level, per resource)."""
    flat = re.sub(r"\s+", " ", text)
    sentence = re.search(r"The result's keys: (.*?);", flat)
    assert sentence, "configuration-plan-apply-state.md lost the keys of apply --json"
    inner = re.search(r"\(one per resource run, each with (.*?)\)", sentence.group(1))
    top = re.sub(r"\(.*?\)", "", sentence.group(1))
    return set(re.findall(r"`(\w+)`", top)), set(re.findall(r"`(\w+)`", inner.group(1)))


def test_the_apply_result_keys_are_what_to_dict_writes():
    from dataiku_framework.apply.result import ResourceResult, Result
    one = ResourceResult("dataset.d", "dataset", "d", "create", "succeeded")
    written = Result("P", "apply", "id", [one]).to_dict()
    assert documented_result_keys(_page("configuration-plan-apply-state.md")) == (
        set(written), set(written["resources"][0]))
