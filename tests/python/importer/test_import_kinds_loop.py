"""The import converts every section through the kinds of the registry (issue 17 §1): one loop in
plan order, so a kind added to ``registry.kinds`` with a flow-like list section is converted, placed
in the zones the import keeps and named when it leaves an object out, with no edit in the importer;
the zone rule ("its objects stay, without the zone") is the zone kind's declaration, so it reaches
that new section too. The snapshot is a real read over HTTP against the emulator."""
import pytest

from dataiku_framework.importer import assemble
from dataiku_framework.importer.read import read_live, wanted
from dataiku_framework.resources import registry
from dataiku_framework.resources.inverse import LeftOut
from dataiku_framework.resources.kind import StubKind


class WidgetKind(StubKind):
    """A stand-in kind: one widget per dataset, in the dataset's zone; one refused, one that breaks."""
    kind = "widget"
    section = ("widgets",)
    include_names = ("widgets", "widget")

    def to_config(self, snap, ictx):
        out = []
        for name in sorted(snap.datasets):
            if name == "refused":
                out.append((name, LeftOut("widgets cannot say it")))
            elif name == "broken":
                out.append((name, KeyError("params")))
            else:
                out.append((name, {"name": name, "zone": ictx.zone_of("DATASET", name)}))
        return out


@pytest.fixture
def snap(client):
    project = client.create_project("IMPLOOP", "Loop", "admin")
    for name in ("orders", "refused", "broken"):
        project.create_dataset(name, "Filesystem", params={"connection": "filesystem_managed", "path": "/" + name})
    project.get_flow().create_zone("raw").add_item(project.get_dataset("orders"))
    return read_live(client, "IMPLOOP")


@pytest.fixture
def widgets(monkeypatch):
    kinds = registry.kinds() + (WidgetKind(),)
    monkeypatch.setattr(registry, "kinds", lambda: kinds)


def test_a_kind_added_to_the_registry_is_converted_with_no_importer_edit(snap, widgets):
    left_out = []
    sections = assemble.convert_sections(snap, wanted(None) + ("widgets",), left_out)
    assert sections["widgets"] == [{"name": "orders", "zone": "raw"}]
    assert ("widget", "refused", "widgets cannot say it") in left_out
    assert ("widget", "broken", "could not be converted (KeyError: 'params')") in left_out
    assert [d["name"] for d in sections["zones"]] == ["raw"]


def test_the_zone_kind_s_rule_keeps_any_section_s_objects_without_the_zone(snap, widgets):
    left_out = []
    sections = assemble.convert_sections(snap, wanted(None) + ("widgets",), left_out)
    result = assemble.Imported("IMPLOOP")
    assert assemble._drop("zone", "raw", "why", [], {"key": "IMPLOOP"}, sections, result)
    assert sections["widgets"] == [{"name": "orders"}] and "zone" not in sections["datasets"][0]
    assert sections["zones"] == [] and ("zone", "raw", "why") in result.left_out


def test_objects_are_not_placed_in_a_zone_the_import_does_not_keep(snap, widgets):
    sections = assemble.convert_sections(snap, ("datasets", "widgets"), [])
    assert sections["widgets"] == [{"name": "orders", "zone": None}] and "zone" not in sections["datasets"][0]


def test_the_importer_keeps_no_conversion_of_its_own_for_the_flow_kinds():
    """Every flow kind is converted by its ``to_config``: ``importer.convert``, which served conversions
    (zone, folder, dataset, recipe...), is gone."""
    import importlib.util
    assert importlib.util.find_spec("dataiku_framework.importer.convert") is None
    assert not hasattr(assemble, "_zone") and not hasattr(assemble, "_convert_others")


class GadgetKind(StubKind):
    """A stand-in kind filling a field of the project (as ``code_envs`` and ``folder`` do), whose inverse
    asks the import context, or leaves its value out, or breaks, as ``behaviour`` says."""
    kind = "gadget"
    section = ("project", "gadget")
    include_names = ("gadget",)
    behaviour = "notes"

    def to_config(self, snap, ictx):
        if self.behaviour == "breaks":
            raise KeyError("gadgetParams")
        if self.behaviour == "refused":
            return [("gadget", LeftOut("gadgets cannot say it"))]
        ictx.notes.append(("gadget", "gadget", "its schedule is kept in DSS only"))
        return [("gadget", "on")]


@pytest.fixture
def gadget(monkeypatch):
    one = GadgetKind()
    kinds = registry.kinds() + (one,)
    monkeypatch.setattr(registry, "kinds", lambda: kinds)
    return one


def test_a_project_field_kind_gets_the_import_context_as_a_section_kind_does(snap, gadget):
    """``Kind.to_config``'s ``ictx`` is the import's context for every kind, a project field's too: its
    notes reach the result."""
    result = assemble.build(snap, wanted(None) + ("gadget",))
    assert ("gadget", "gadget", "its schedule is kept in DSS only") in result.notes


@pytest.mark.parametrize("behaviour, reason", [
    ("refused", "gadgets cannot say it"),
    ("breaks", "could not be converted (KeyError: 'gadgetParams')"),
])
def test_a_project_field_its_kind_cannot_convert_is_left_out_not_fatal(snap, gadget, behaviour, reason):
    """As for a section's objects: named with the reason, never written, never fatal."""
    gadget.behaviour = behaviour
    result = assemble.build(snap, wanted(None) + ("gadget",))
    assert "gadget" not in result.doc["project"]
    assert ("project gadget", "IMPLOOP", reason) in result.left_out
