"""The project library's imports from git (top-level ``libraries:``), as ``lib-git-refs`` exposes
them (``gitReferences``). Stub (issue 17 P0): declared, manages nothing yet (N2)."""
from .kind import StubKind


class GitLibraryKind(StubKind):
    kind = "git_library"
    definition = "GitLibrary"
    section = ("libraries",)
    include_names = ("libraries", "git_library", "library", "git_libraries")
    list_calls = {}  # N2: {"libraries": ...} (one list call, only when libraries are configured or known)
    delete_order = 5  # before scenarios
    keeps_data = True  # drop_data_on_destroy: remove_library(delete_directory=...)
