"""Which DSS project folder the project lives in (``project.folder``, a path from the root).
Stub (issue 17 P0): declared, manages nothing yet (N4)."""
from .kind import StubKind


class ProjectFolderKind(StubKind):
    kind = "project_folder"
    definition = None  # a field of ``$defs.Project`` (``folder``), not a definition of its own
    section = ("project", "folder")
    singleton = True
    include_names = ("project_folder",)
    list_calls = {}  # N4: {"project_folder": ...} (only when project.folder is set)
