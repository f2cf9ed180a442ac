"""Where configuration files come from when they are not on the local disk.

Why a package: inside DSS a configuration lives in a managed folder (later
maybe in a project library or a git remote). Each source copies its files into
a local directory, so the loader keeps working on real paths and ``include:``
and ``code_file:`` resolve exactly as they do from the CLI.
"""

from .folder import FolderCopy, FolderError, FolderNotFound, UnsafePath, fetch_folder, resolve_folder

__all__ = ["FolderCopy", "FolderError", "FolderNotFound", "UnsafePath", "fetch_folder", "resolve_folder"]
