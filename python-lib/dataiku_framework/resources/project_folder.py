"""Which DSS project folder the project lives in (``project.folder``, a path from the root).
Stub (issue 17 P0): declared, manages nothing yet (N4)."""
from typing import Any, Dict, List, Tuple

from .kind import Kind


class ProjectFolderKind(Kind):
    kind = "project_folder"
    definition = None  # a field of ``$defs.Project`` (``folder``), not a definition of its own
    section = ("project", "folder")
    singleton = True
    include_names = ("project_folder",)
    list_calls = {}  # N4: {"project_folder": ...} (only when project.folder is set)

    def configured(self, config: Any) -> List[Tuple[str, Any]]:
        return []

    def desired(self, obj: Any, ctx: Any) -> Dict[str, Any]:
        return {}

    def read(self, snapshot: Any) -> Dict[str, Dict[str, Any]]:
        return {}
