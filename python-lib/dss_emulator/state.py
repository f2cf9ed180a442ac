"""The emulator's stored state: one :class:`Instance` holding users, connections and projects.

Objects are kept as the plain JSON dicts DSS would serve, so handlers read and write them directly
and persistence is a JSON dump. A project's *configuration* (what DSS versions in the project's
git repository) is also viewable as a set of files, see :meth:`Project.config_files`; the git
emulation diffs those files. Data (folder files, job logs, scenario runs) is not configuration.
"""
import base64
import json
import os
import tempfile
import threading

from . import defaults
from .gitlog import GitHistory
from .stamps import now_ms, stamp_new

CODE_EXTENSIONS = {
    "python": "py", "pyspark": "py", "cpython": "py", "r": "R", "sparkr": "R", "sql_query": "sql",
    "sql_script": "sql", "spark_sql_query": "sql", "shell": "sh", "spark_scala": "scala",
    "streaming_spark_scala": "scala", "ksql": "ksql",
}


def dumps(obj):
    """Canonical JSON text of a configuration object (stable across runs)."""
    return json.dumps(obj, indent=2, sort_keys=True, ensure_ascii=False)


def library_parents(paths):
    """Every folder above the given library files (``/python/a/m.py`` -> ``/python``, ``/python/a``):
    git stores files only, so a restored file's folders must be derived to show in the tree."""
    out = set()
    for path in paths:
        parts = path.strip("/").split("/")[:-1]
        out.update("/" + "/".join(parts[:i]) for i in range(1, len(parts) + 1))
    return out


class Project:
    """One DSS project: settings, variables, flow objects and the git history of its configuration."""

    def __init__(self, key, name, owner, description=None):
        self.key = key
        self.params = defaults.project_params(owner)
        self.metadata = defaults.metadata(label=name, description=description or "")
        self.summary_tags = stamp_new({}, owner)
        self.variables = {"standard": {}, "local": {}}
        self.tags = {"tags": {}}
        self.datasets = {}
        self.recipes = {}            # name -> {"recipe": def, "payload": str or None}
        self.scenarios = {}          # id -> def
        self.scenario_scripts = {}   # id -> script of custom_python scenarios
        self.scenario_runs = {}      # id -> [run, ...] newest last
        self.folders = {}            # id -> def
        self.folder_files = {}       # id -> {path: {"data": bytes, "lastModified": ms}}
        self.library = {}            # "/python/mod.py" -> text
        self.library_dirs = {"/python", "/R"}
        self.zones = {}              # id -> zone (the default zone is implicit)
        self.jobs = {}               # id -> job status
        self.dataset_data = {}       # dataset name -> {"partitions": {id: [[cell, ...]]}, "lastBuild": {...}} (data)
        self.job_logs = {}
        self.git = GitHistory()

    # -- summary --------------------------------------------------------------------------
    @property
    def name(self):
        return self.metadata.get("label") or self.key

    def summary(self):
        owner = self.params.get("owner")
        return {
            "projectKey": self.key,
            "name": self.name,
            "description": self.metadata.get("description", ""),
            "shortDesc": self.metadata.get("shortDesc", ""),
            "tags": list(self.metadata.get("tags", [])),
            "ownerLogin": owner,
            "projectStatus": self.params.get("projectStatus"),
            "projectType": self.params.get("projectType", "REGULAR"),
            "creationTag": self.summary_tags.get("creationTag"),
            "versionTag": self.summary_tags.get("versionTag"),
        }

    # -- configuration as files (what project git versions) --------------------------------
    def object_files(self, kind, oid):
        """The files one configuration object is stored as; empty when the object is gone."""
        if kind == "project":
            return {
                "params.json": dumps(self.params),
                "metadata.json": dumps(self.metadata),
                "variables.json": dumps(self.variables.get("standard", {})),
                "tags.json": dumps(self.tags),
            }
        if kind == "dataset":
            d = self.datasets.get(oid)
            return {} if d is None else {"datasets/%s.json" % oid: dumps(d)}
        if kind == "recipe":
            r = self.recipes.get(oid)
            if r is None:
                return {}
            files = {"recipes/%s.json" % oid: dumps(r["recipe"])}
            if r.get("payload") is not None:
                rtype = r["recipe"].get("type", "")
                files["recipes/%s.%s" % (oid, CODE_EXTENSIONS.get(rtype, rtype))] = r["payload"]
            return files
        if kind == "scenario":
            s = self.scenarios.get(oid)
            if s is None:
                return {}
            files = {"scenarios/%s.json" % oid: dumps(s)}
            if oid in self.scenario_scripts:
                files["scenarios/%s.py" % oid] = self.scenario_scripts[oid]
            return files
        if kind == "folder":
            f = self.folders.get(oid)
            return {} if f is None else {"managed_folders/%s.json" % oid: dumps(f)}
        if kind == "zone":
            z = self.zones.get(oid)
            return {} if z is None else {"zones/%s.json" % oid: dumps(z)}
        if kind == "library":
            text = self.library.get(oid)
            return {} if text is None else {"lib" + oid: text}
        raise ValueError("unknown configuration kind %r" % kind)

    def object_prefixes(self, kind, oid):
        """File name prefixes that belong to one object (to drop stale files on change)."""
        if kind == "project":
            return ["params.json", "metadata.json", "variables.json", "tags.json"]
        pattern = {"dataset": "datasets/%s.json", "recipe": "recipes/%s.", "scenario": "scenarios/%s.",
                   "folder": "managed_folders/%s.json", "zone": "zones/%s.json", "library": "lib%s"}[kind]
        return [pattern % oid]

    def all_objects(self):
        yield "project", None
        for kind, coll in (("dataset", self.datasets), ("recipe", self.recipes), ("scenario", self.scenarios),
                           ("folder", self.folders), ("zone", self.zones), ("library", self.library)):
            for oid in coll:
                yield kind, oid

    def config_files(self):
        files = {}
        for kind, oid in self.all_objects():
            files.update(self.object_files(kind, oid))
        return files

    def apply_files(self, files):
        """Restore the configuration from files (a git revision). Data and local variables stay."""
        self.params = json.loads(files["params.json"]) if "params.json" in files else self.params
        if "metadata.json" in files:
            self.metadata = json.loads(files["metadata.json"])
        if "variables.json" in files:
            self.variables["standard"] = json.loads(files["variables.json"])
        if "tags.json" in files:
            self.tags = json.loads(files["tags.json"])
        self.datasets, self.recipes, self.scenarios, self.scenario_scripts = {}, {}, {}, {}
        self.folders, self.zones, self.library = {}, {}, {}
        payloads = {}
        for path, text in files.items():
            folder, _, fname = path.partition("/")
            if folder == "datasets":
                self.datasets[fname[:-5]] = json.loads(text)
            elif folder == "recipes" and fname.endswith(".json"):
                self.recipes[fname[:-5]] = {"recipe": json.loads(text), "payload": None}
            elif folder == "recipes":
                payloads[fname.rsplit(".", 1)[0]] = text
            elif folder == "scenarios" and fname.endswith(".json"):
                self.scenarios[fname[:-5]] = json.loads(text)
            elif folder == "scenarios":
                self.scenario_scripts[fname.rsplit(".", 1)[0]] = text
            elif folder == "managed_folders":
                self.folders[fname[:-5]] = json.loads(text)
            elif folder == "zones":
                self.zones[fname[:-5]] = json.loads(text)
            elif folder == "lib":
                self.library["/" + fname] = text
        for name, text in payloads.items():
            if name in self.recipes:
                self.recipes[name]["payload"] = text
        for fid in self.folders:
            self.folder_files.setdefault(fid, {})
        self.library_dirs |= library_parents(self.library)

    # -- permissions ----------------------------------------------------------------------
    def permission_levels(self, user, groups_admin):
        """The set of levels ("read", "write", "admin") ``user`` has on this project."""
        if groups_admin or self.params.get("owner") == user["login"]:
            return {"read", "write", "admin"}
        levels = set()
        for p in self.params.get("permissions", []):
            if p.get("user") == user["login"] or (p.get("group") and p.get("group") in user.get("groups", [])):
                if p.get("admin"):
                    levels |= {"read", "write", "admin"}
                if p.get("writeProjectContent"):
                    levels |= {"read", "write"}
                if p.get("readProjectContent"):
                    levels.add("read")
        return levels

    # -- persistence ----------------------------------------------------------------------
    STORED = ("params", "metadata", "summary_tags", "variables", "tags", "datasets", "recipes", "scenarios",
              "scenario_scripts", "scenario_runs", "folders", "library", "zones", "jobs", "job_logs", "dataset_data")

    def to_json(self):
        out = {name: getattr(self, name) for name in self.STORED}
        out["key"] = self.key
        out["library_dirs"] = sorted(self.library_dirs)
        out["folder_files"] = {
            fid: {p: {"data": base64.b64encode(f["data"]).decode("ascii"), "lastModified": f["lastModified"]}
                  for p, f in files.items()}
            for fid, files in self.folder_files.items()}
        out["git"] = self.git.to_json()
        return out

    @classmethod
    def from_json(cls, data):
        p = cls(data["key"], data["key"], data["params"].get("owner", "admin"))
        for name in cls.STORED:
            if name in data:
                setattr(p, name, data[name])
        p.library_dirs = set(data.get("library_dirs", []))
        p.folder_files = {
            fid: {path: {"data": base64.b64decode(f["data"]), "lastModified": f["lastModified"]}
                  for path, f in files.items()}
            for fid, files in data.get("folder_files", {}).items()}
        p.git = GitHistory.from_json(data.get("git") or {})
        return p


class Instance:
    """Instance-wide state: users, groups, API keys, connections, global variables, projects."""

    def __init__(self):
        self.lock = threading.RLock()
        self.projects = {}
        self.users = {}
        self.groups = {}
        self.api_keys = {}
        self.connections = {}
        self.global_variables = {}
        self.futures = {}
        self.code_envs = []
        self.project_folders = defaults.root_project_folder()
        defaults.install_builtin_security(self)
        defaults.install_builtin_connections(self)

    def user_for_key(self, key):
        login = self.api_keys.get(key)
        return self.users.get(login) if login else None

    def is_admin(self, user):
        return any(self.groups.get(g, {}).get("admin") for g in user.get("groups", []))

    def add_future(self, result, login):
        fid = "f" + base64.b32encode(os.urandom(5)).decode("ascii").lower()
        self.futures[fid] = {"jobId": fid, "hasResult": True, "alive": False, "result": result,
                             "progress": {"states": []}, "owner": login, "startTime": now_ms(),
                             "endTime": now_ms(), "aborted": False}
        return self.futures[fid]

    # -- persistence ----------------------------------------------------------------------
    INSTANCE_FIELDS = ("users", "groups", "api_keys", "connections", "global_variables", "project_folders",
                       "code_envs")

    def save(self, data_dir, project_keys=None):
        """Write the instance file and the given projects (all when None), atomically each."""
        os.makedirs(os.path.join(data_dir, "projects"), exist_ok=True)
        _atomic_write(os.path.join(data_dir, "instance.json"),
                      {name: getattr(self, name) for name in self.INSTANCE_FIELDS})
        keys = list(self.projects) if project_keys is None else project_keys
        for key in keys:
            path = os.path.join(data_dir, "projects", key + ".json")
            if key in self.projects:
                _atomic_write(path, self.projects[key].to_json())
            elif os.path.exists(path):
                os.remove(path)

    def load(self, data_dir):
        path = os.path.join(data_dir, "instance.json")
        if not os.path.exists(path):
            return False
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
        for name in self.INSTANCE_FIELDS:
            if name in data:
                setattr(self, name, data[name])
        pdir = os.path.join(data_dir, "projects")
        for fname in sorted(os.listdir(pdir)) if os.path.isdir(pdir) else []:
            if fname.endswith(".json"):
                with open(os.path.join(pdir, fname), encoding="utf-8") as f:
                    proj = Project.from_json(json.load(f))
                self.projects[proj.key] = proj
        return True


def _atomic_write(path, obj):
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".tmp-")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(obj, f)
    os.replace(tmp, path)
