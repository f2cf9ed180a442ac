"""The objects this project exposes to other projects (top-level ``exposed:``), as DSS stores them in
the project settings (``exposedObjects.objects``). Stub (issue 17 P0): declared, manages nothing yet (N3)."""
from .kind import StubKind


class SharingKind(StubKind):
    kind = "sharing"
    definition = "Exposed"
    section = ("exposed",)
    singleton = True
    include_names = ("exposed", "sharing")
    #: read from the project settings, a slot the project kind already lists (no new call)
    list_calls = {"settings": lambda client, project: project.get_settings().get_raw()}
