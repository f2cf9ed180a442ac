"""A live import reads a kind read once per object (``Kind.detailed``) through the kind's own
``Kind.detail``, one read per object its list gives (issue 17 §1): a detailed kind added to the
registry is read with no edit in the importer, and an object whose read fails is named as unread,
not fatal. Real reads over HTTP against the emulator."""
import pytest

from dataiku_framework.importer.read import read_live
from dataiku_framework.resources import registry
from dataiku_framework.resources.kind import StubKind


class GadgetKind(StubKind):
    """A stand-in detailed kind: its list is the project's datasets; its per-object read, the dataset's."""
    kind = "gadget"
    section = ("gadgets",)
    include_names = ("gadgets", "gadget")
    detailed = True
    list_calls = {"gadgets": lambda client, project: [{"name": d["name"]} for d in project.list_datasets()]}

    def detail(self, project, name, snap):
        if name == "broken":
            raise ValueError("no gadget here")
        return {"name": name, "type": project.get_dataset(name).get_settings().get_raw()["type"]}


@pytest.fixture
def key(client):
    project = client.create_project("IMPREAD", "Reads", "admin")
    for name in ("orders", "broken"):
        project.create_dataset(name, "Filesystem", params={"connection": "filesystem_managed", "path": "/" + name})
    project.create_scenario("nightly", "step_based")
    return "IMPREAD"


@pytest.fixture
def gadgets(monkeypatch):
    kinds = registry.kinds() + (GadgetKind(),)
    monkeypatch.setattr(registry, "kinds", lambda: kinds)


def test_a_detailed_kind_added_to_the_registry_is_read_per_object_with_no_importer_edit(client, key, gadgets):
    snap = read_live(client, key, include=["gadgets", "scenarios"])
    assert snap.extra["gadget"] == {"orders": {"name": "orders", "type": "Filesystem"}}
    assert snap.extra["unread"] == {("gadget", "broken"): "no gadget here"}
    assert list(snap.scenarios) == ["nightly"] and snap.scenarios["nightly"]["name"] == "nightly"

