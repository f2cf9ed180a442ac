"""Refresh reads the per-object details of the detailed kinds from the registry (``Kind.detailed``,
``Kind.detail``), only for the objects the configuration names (issue 17: moved from the engine to
``plan.refresh``). A real refresh over HTTP; a kind is made detailed for the test."""
from dataiku_framework import FrameworkConfig
from dataiku_framework.plan.refresh import kind_details, refresh
from dataiku_framework.resources import registry

CONFIG = ('version: "1.0"\nproject: {key: P1, name: One}\n'
          'libraries: [{path: shared, repository: "https://h/r.git", checkout: main}]\n')


def test_a_detailed_kind_is_read_per_configured_object_in_the_refresh(client, project, monkeypatch):
    kind = registry.get("git_library")
    monkeypatch.setattr(kind, "detailed", True)
    monkeypatch.setattr(kind, "detail", lambda project, name, snap: {"read": name, "label": project.get_metadata()["label"]})
    calls = kind_details(client, "P1", FrameworkConfig.from_yaml(CONFIG))
    # recipes and scenarios: read by the refresh itself; folder: not set; git_refs: the libraries' list,
    # read only because the configuration names one
    assert set(calls) == {"git_library", "git_refs"}
    snap = refresh(client, "P1", extra=calls)
    assert snap.extra["git_library"] == {"shared": {"read": "shared", "label": "Project one"}}


def test_a_detailed_kind_the_config_does_not_name_is_not_read(client, project):
    config = FrameworkConfig.from_yaml('version: "1.0"\nproject: {key: P1, name: One}\n')
    assert kind_details(client, "P1", config) == {}
    with_folder = FrameworkConfig.from_yaml('version: "1.0"\nproject: {key: P1, name: One, folder: /T}\n')
    assert set(kind_details(client, "P1", with_folder)) == {"project_folder"}
