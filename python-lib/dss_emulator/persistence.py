"""``--data-dir`` storage: one file per stored object, an append-only git log, writes by difference.

A write must cost what it changed, not what the project holds: rewriting a whole project file
(git history included) made every save slower as history grew. So the :class:`Store` keeps, per
project, the text it last wrote for every entry and only rewrites entries whose text changed.

Layout under ``<data-dir>``::

    instance.json                               users, groups, keys, connections... (when changed)
    projects/<KEY>/project.json                 format, key, the kind of each stored section
    projects/<KEY>/sections/<name>.json         a section that is not a dict ({"value": ...})
    projects/<KEY>/sections/<name>/<id>.json    one entry of a dict section ({"key", "seq", "value"})
    projects/<KEY>/folder_files/<fid>/.folder   a managed folder's file store exists
    projects/<KEY>/folder_files/<fid>/<path>    one folder file: a JSON header line, then the bytes
    projects/<KEY>/git/log.jsonl                commits, one per line, appended
    projects/<KEY>/git/state.json               tags, branches, remotes, pending flag

Sections are whatever :attr:`Project.STORED` lists, plus ``library_dirs``: a dict section is stored
entry by entry, anything else as one file. ``seq`` keeps each dict's key order across restarts.
Each file is replaced atomically; a save that stops half-way leaves every file whole.

Finding what changed serialises the project's entries, which costs O(project) CPU (no I/O). When
the server knows which configuration objects a request touched (the same ``ctx.touched`` that
project git commits rely on), the sections of those kinds (:data:`KIND_SECTIONS`) re-serialise
only the touched entries; every other section (project-level, data, and any section this module
does not know) is still compared in full, so an unlisted change is never lost.
A project stored in the previous single-file layout (``projects/<KEY>.json``) is read and
converted on load; its separate ``metadata`` and ``summary_tags`` are folded into ``params``
(:meth:`Project.from_json`), where the project record lives now.
"""
import hashlib
import json
import os
import shutil
import tempfile
from urllib.parse import quote

from .gitlog import GitHistory

FORMAT = 2
# configuration kinds (as in ``ctx.touch(kind, id)``) -> the dict sections keyed by that id
KIND_SECTIONS = {"dataset": ("datasets",), "recipe": ("recipes",), "scenario": ("scenarios", "scenario_scripts"),
                 "folder": ("folders",), "zone": ("zones",), "library": ("library",),
                 "saved_model": ("saved_models",), "evaluation_store": ("evaluation_stores",)}


def touched_entries(touched):
    """{section: set of ids} that a request touched, or None (compare everything) when it touched
    nothing or something outside :data:`KIND_SECTIONS` (project settings, a revert...)."""
    if not touched or any(kind not in KIND_SECTIONS for kind, _ in touched):
        return None
    out = {name: set() for names in KIND_SECTIONS.values() for name in names}
    for kind, oid in touched:
        for name in KIND_SECTIONS[kind]:
            out[name].add(oid)
    return out


def file_name(key):
    """A file name for any id (ids may hold ``/``, start with ``.`` or be very long); injective."""
    name = quote(str(key), safe="")
    if len(name) > 150:
        return "%h-" + hashlib.sha1(name.encode("utf-8")).hexdigest()   # quote() never yields "%h"
    if name.startswith("."):
        name = "%2E" + name[1:]
    return name


def _dumps(value):
    return json.dumps(value, ensure_ascii=False)


def _write_bytes(path, data):
    """Replace ``path`` atomically (readers and crashes see the old or the new file, never half)."""
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".tmp-")
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


def _write_text(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    _write_bytes(path, text.encode("utf-8"))


def _remove(path):
    if os.path.isdir(path):
        shutil.rmtree(path)
    elif os.path.exists(path):
        os.remove(path)


def _read_json(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


class ProjectFiles:
    """What was last written for one project: the basis of write-by-difference."""

    def __init__(self, root, key):
        self.root = root
        self.key = key
        self.kinds = {}         # section name -> "dict" or "value"
        self.values = {}        # "value" section -> text
        self.entries = {}       # "dict" section -> {key: (seq, text)}
        self.next_seq = {}      # "dict" section -> next free seq
        self.folders = {}       # folder id -> {path: (bytes object, lastModified)}
        self.git_count = 0
        self.git_last = None
        self.git_state = None

    def path(self, *parts):
        return os.path.join(self.root, *parts)

    # -- sections ------------------------------------------------------------------------
    def save_sections(self, sections, only=None):
        """Write what changed; ``only`` ({section: ids}) limits which entries of those sections
        are re-serialised (the others are known unchanged)."""
        kinds = {name: "dict" if isinstance(v, dict) else "value" for name, v in sections.items()}
        if kinds != self.kinds:
            for name in set(self.kinds) - set(kinds) | {n for n in kinds if self.kinds.get(n, kinds[n]) != kinds[n]}:
                self._drop_section(name)
            _write_text(self.path("project.json"), _dumps({"format": FORMAT, "key": self.key, "sections": kinds}))
            self.kinds = kinds
        for name, value in sections.items():
            if kinds[name] == "dict":
                self._save_dict(name, value, None if only is None else only.get(name))
            else:
                text = _dumps(value)
                if self.values.get(name) != text:
                    _write_text(self.path("sections", name + ".json"), '{"value": %s}' % text)
                    self.values[name] = text

    def _drop_section(self, name):
        _remove(self.path("sections", name))
        _remove(self.path("sections", name + ".json"))
        self.values.pop(name, None)
        self.entries.pop(name, None)
        self.next_seq.pop(name, None)

    def _save_dict(self, name, d, ids=None):
        """Rewrite only entries whose text or position changed; delete the removed ones. With
        ``ids``, entries outside it keep their last written text without being serialised."""
        old = self.entries.setdefault(name, {})
        folder = self.path("sections", name)
        if not old:
            os.makedirs(folder, exist_ok=True)
        seq = self.next_seq.get(name, 1)
        last = 0
        new = {}
        for key, value in d.items():
            prev = old.get(key)
            text = prev[1] if (ids is not None and prev is not None and key not in ids) else _dumps(value)
            if prev is not None and prev[0] > last:     # still in order: keeps its place
                s = prev[0]
            else:                                        # new, or moved behind a later key
                s, seq = seq, seq + 1
            last = s
            new[key] = (s, text)
            if prev != (s, text):
                _write_text(os.path.join(folder, file_name(key) + ".json"),
                            '{"key": %s, "seq": %d, "value": %s}' % (_dumps(key), s, text))
        for key in old:
            if key not in new:
                _remove(os.path.join(folder, file_name(key) + ".json"))
        self.entries[name] = new
        self.next_seq[name] = seq

    def load_sections(self):
        meta = _read_json(self.path("project.json"))
        out = {}
        for name, kind in meta.get("sections", {}).items():
            self.kinds[name] = kind
            if kind == "value":
                value = _read_json(self.path("sections", name + ".json"))["value"]
                self.values[name] = _dumps(value)
                out[name] = value
                continue
            folder = self.path("sections", name)
            items = [_read_json(os.path.join(folder, f)) for f in os.listdir(folder)
                     if f.endswith(".json") and not f.startswith(".tmp-")] if os.path.isdir(folder) else []
            items.sort(key=lambda item: item["seq"])
            out[name] = {item["key"]: item["value"] for item in items}
            self.entries[name] = {item["key"]: (item["seq"], _dumps(item["value"])) for item in items}
            self.next_seq[name] = (items[-1]["seq"] + 1) if items else 1
        return out

    # -- managed folder files --------------------------------------------------------------
    def save_folder_files(self, folder_files):
        for fid in [f for f in self.folders if f not in folder_files]:
            _remove(self.path("folder_files", file_name(fid)))
            del self.folders[fid]
        for fid, files in folder_files.items():
            base = self.path("folder_files", file_name(fid))
            old = self.folders.get(fid)
            if old is None:
                _write_text(os.path.join(base, ".folder"), _dumps({"folder": fid}))
                old = {}
            for path, f in files.items():
                prev = old.get(path)
                if prev is not None and prev[1] == f["lastModified"] and (prev[0] is f["data"] or prev[0] == f["data"]):
                    continue
                header = _dumps({"path": path, "lastModified": f["lastModified"]}).encode("utf-8")
                _write_bytes(os.path.join(base, file_name(path)), header + b"\n" + f["data"])
            for path in [x for x in old if x not in files]:
                _remove(os.path.join(base, file_name(path)))
            self.folders[fid] = {path: (f["data"], f["lastModified"]) for path, f in files.items()}

    def load_folder_files(self):
        out = {}
        base = self.path("folder_files")
        for entry in sorted(os.listdir(base)) if os.path.isdir(base) else []:
            folder = os.path.join(base, entry)
            fid = _read_json(os.path.join(folder, ".folder"))["folder"]
            files = {}
            for fname in sorted(os.listdir(folder)):
                if fname == ".folder" or fname.startswith(".tmp-"):
                    continue
                with open(os.path.join(folder, fname), "rb") as f:
                    header, _, data = f.read().partition(b"\n")
                meta = json.loads(header.decode("utf-8"))
                files[meta["path"]] = {"data": data, "lastModified": meta["lastModified"]}
            out[fid] = files
            self.folders[fid] = {path: (f["data"], f["lastModified"]) for path, f in files.items()}
        return out

    # -- git ----------------------------------------------------------------------------------
    def save_git(self, git):
        """Append new commits; rewrite the log only when history itself was rewritten."""
        commits = git.commits
        log = self.path("git", "log.jsonl")
        extends = (self.git_count <= len(commits)
                   and (self.git_count == 0 or commits[self.git_count - 1]["id"] == self.git_last))
        if extends and self.git_count < len(commits):
            os.makedirs(os.path.dirname(log), exist_ok=True)
            with open(log, "a", encoding="utf-8") as f:
                f.write("".join(_dumps(c) + "\n" for c in commits[self.git_count:]))
        elif not extends:
            _write_text(log, "".join(_dumps(c) + "\n" for c in commits))
        self.git_count = len(commits)
        self.git_last = commits[-1]["id"] if commits else None
        state = git.to_json()
        state.pop("commits", None)
        text = _dumps(state)
        if text != self.git_state:
            _write_text(self.path("git", "state.json"), text)
            self.git_state = text

    def load_git(self):
        commits = []
        log = self.path("git", "log.jsonl")
        torn = False
        if os.path.exists(log):
            with open(log, encoding="utf-8") as f:
                for line in f:
                    try:
                        commits.append(json.loads(line))
                    except ValueError:      # an append cut short by a crash: drop the tail
                        torn = True
                        break
        state_path = self.path("git", "state.json")
        state = _read_json(state_path) if os.path.exists(state_path) else {}
        self.git_state = _dumps(state)
        state["commits"] = commits
        git = GitHistory.from_json(state)
        if torn:
            _write_text(log, "".join(_dumps(c) + "\n" for c in commits))
        self.git_count = len(commits)
        self.git_last = commits[-1]["id"] if commits else None
        return git


class Store:
    """An instance's ``--data-dir``: writes by difference against what it last wrote or read."""

    def __init__(self, root):
        self.root = root
        self.instance_text = None
        self.projects = {}      # key -> ProjectFiles

    def project_dir(self, key):
        return os.path.join(self.root, "projects", file_name(key))

    def save(self, instance, project_keys, touched=None):
        """Save the instance file and ``project_keys``; ``touched`` maps a project key to the
        configuration objects a request touched in it (see :func:`touched_entries`)."""
        os.makedirs(os.path.join(self.root, "projects"), exist_ok=True)
        text = _dumps({name: getattr(instance, name) for name in instance.INSTANCE_FIELDS})
        if text != self.instance_text:
            _write_text(os.path.join(self.root, "instance.json"), text)
            self.instance_text = text
        for key in project_keys:
            if key in instance.projects:
                self.save_project(instance.projects[key], touched_entries((touched or {}).get(key)))
            else:
                self.projects.pop(key, None)
                _remove(self.project_dir(key))
                _remove(os.path.join(self.root, "projects", key + ".json"))

    def save_project(self, project, only=None):
        files = self.projects.get(project.key)
        if files is None:
            only = None
            files = self.projects[project.key] = ProjectFiles(self.project_dir(project.key), project.key)
            os.makedirs(files.root, exist_ok=True)
        files.save_sections(project.sections(), only)
        files.save_folder_files(project.folder_files)
        files.save_git(project.git)

    def load(self, instance, project_class):
        """Read everything back; returns False when the directory holds no instance yet."""
        path = os.path.join(self.root, "instance.json")
        if not os.path.exists(path):
            return False
        with open(path, encoding="utf-8") as f:
            self.instance_text = f.read()
        data = json.loads(self.instance_text)
        for name in instance.INSTANCE_FIELDS:
            if name in data:
                setattr(instance, name, data[name])
        base = os.path.join(self.root, "projects")
        for entry in sorted(os.listdir(base)) if os.path.isdir(base) else []:
            full = os.path.join(base, entry)
            if os.path.isdir(full) and os.path.exists(os.path.join(full, "project.json")):
                project = self._load_project(full, project_class)
                instance.projects[project.key] = project
            elif entry.endswith(".json") and os.path.isfile(full):     # the previous single-file layout
                project = project_class.from_json(_read_json(full))
                instance.projects[project.key] = project
                self.save_project(project)
                os.remove(full)
        return True

    def _load_project(self, root, project_class):
        key = _read_json(os.path.join(root, "project.json"))["key"]
        files = ProjectFiles(root, key)
        data = files.load_sections()
        data["key"] = key
        data.setdefault("params", {})
        project = project_class.from_json(data)
        project.folder_files = files.load_folder_files()
        project.git = files.load_git()
        self.projects[key] = files
        return project
