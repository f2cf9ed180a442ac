"""Project git history, as DSS keeps it for every project.

DSS versions each project's configuration in a git repository; in the default AUTO commit mode
every save is a commit. We keep the same model without a git binary: a commit stores only the
files it changed (``None`` for a removed file), and any revision is rebuilt by replaying changes.
Commit ids are SHA-1 hex strings, like git's, derived from the content and the parent.
"""
import hashlib

from .stamps import now_ms


class GitHistory:
    def __init__(self):
        self.commits = []        # oldest first: {id, parents, author, message, time, changes}
        self.head_files = {}     # files at HEAD
        self.tags = {}           # name -> {name, commit, message}
        self.branch = "master"
        self.branches = {}       # name -> commit id it was created at (other than the first branch)
        self.remotes = {}        # name -> {name, url}
        self.pending = False     # saves not yet committed (non-AUTO commit modes)

    @property
    def head(self):
        return self.commits[-1]["id"] if self.commits else None

    def changes_from(self, files):
        """The changes that turn HEAD into ``files`` (path -> text, or None for removal)."""
        changes = {p: t for p, t in files.items() if self.head_files.get(p) != t}
        changes.update({p: None for p in self.head_files if p not in files})
        return changes

    def commit(self, files, author, message, changes=None):
        """Record a commit turning HEAD into ``files``; returns its id, or None when nothing changed."""
        changes = self.changes_from(files) if changes is None else changes
        if not changes:
            return None
        parent = self.head
        digest = hashlib.sha1()
        digest.update((parent or "").encode())
        digest.update(("%s\n%s\n%d\n" % (author, message, now_ms())).encode())
        for path in sorted(changes):
            digest.update(path.encode())
            digest.update((changes[path] if changes[path] is not None else "\0deleted").encode())
        digest.update(str(len(self.commits)).encode())
        cid = digest.hexdigest()
        self.commits.append({"id": cid, "parents": [parent] if parent else [], "author": author,
                             "message": message, "time": now_ms(), "changes": changes})
        for path, text in changes.items():
            if text is None:
                self.head_files.pop(path, None)
            else:
                self.head_files[path] = text
        return cid

    def branch_names(self):
        """Local branches. They are names over one shared, linear history: the emulator does not
        keep diverging branches (see docs/reference/emulator.md's list of what is simulated)."""
        return sorted(set(self.branches) | {self.branch})

    def switch_to(self, name, create=False):
        """Make ``name`` the current branch (``create``: a new one at HEAD), remembering the one left."""
        self.branches.setdefault(self.branch, self.head)
        if create:
            self.branches[name] = self.head
        self.branch = name

    def index_of(self, ref):
        """Position of a commit given its id, an unambiguous prefix, a tag or HEAD."""
        if ref in (None, "", "HEAD"):
            return len(self.commits) - 1
        if ref in self.tags:
            ref = self.tags[ref]["commit"]
        hits = [i for i, c in enumerate(self.commits) if c["id"].startswith(ref)]
        return hits[0] if len(hits) == 1 else None

    def files_at(self, index):
        files = {}
        for c in self.commits[:index + 1]:
            for path, text in c["changes"].items():
                if text is None:
                    files.pop(path, None)
                else:
                    files[path] = text
        return files

    def log_entry(self, c):
        return {"commit": c["id"], "shortCommit": c["id"][:7], "parents": list(c["parents"]),
                "author": c["author"], "authorEmail": "%s@dss.local" % c["author"],
                "committer": c["author"], "committerEmail": "%s@dss.local" % c["author"],
                "time": c["time"], "timestamp": c["time"], "message": c["message"],
                "changedFiles": sorted(c["changes"])}

    def to_json(self):
        return {"commits": self.commits, "tags": self.tags, "branch": self.branch, "branches": self.branches,
                "remotes": self.remotes, "pending": self.pending}

    @classmethod
    def from_json(cls, data):
        g = cls()
        g.commits = data.get("commits", [])
        g.tags = data.get("tags", {})
        g.branch = data.get("branch", "master")
        g.branches = data.get("branches", {})
        g.remotes = data.get("remotes", {})
        g.pending = data.get("pending", False)
        g.head_files = g.files_at(len(g.commits) - 1) if g.commits else {}
        return g
