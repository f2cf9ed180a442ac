"""The emulator's stored state: one :class:`Instance` holding users, connections and projects.

Objects are kept as the plain JSON dicts DSS would serve, so handlers read and write them directly
and :mod:`dss_emulator.persistence` stores them as JSON files. A project's *configuration* (what
DSS versions in the project's git repository) is also viewable as a set of files, see
:meth:`Project.config_files`; the git emulation diffs those files. Data (folder files, job logs,
scenario runs) is not configuration.
"""
import base64
import copy
import json
import os
import threading

from . import defaults
from .gitlog import GitHistory
from .persistence import Store
from .stamps import now_ms, stamp_new

CODE_EXTENSIONS = {
    "python": "py", "pyspark": "py", "cpython": "py", "r": "R", "sparkr": "R", "sql_query": "sql",
    "sql_script": "sql", "spark_sql_query": "sql", "shell": "sh", "spark_scala": "scala",
    "streaming_spark_scala": "scala", "ksql": "ksql",
}


# metadata view key -> params.json key (the project's metadata lives in params.json, as in DSS)
METADATA_IN_PARAMS = (("label", "name"), ("description", "description"), ("shortDesc", "shortDesc"),
                      ("tags", "tags"), ("checklists", "checklists"), ("customFields", "customFields"))
# configuration kinds stored as one JSON file each: kind -> (Project attribute, folder in project git)
JSON_KINDS = {"dataset": ("datasets", "datasets"), "folder": ("folders", "managed_folders"),
              "zone": ("zones", "zones"), "saved_model": ("saved_models", "saved_models"),
              "evaluation_store": ("evaluation_stores", "model_evaluation_stores")}


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
    """One DSS project: settings, variables, flow objects and the git history of its configuration.

    ``params`` is the one project record DSS keeps (``params.json``): settings, permissions, and
    also the name, tags, shortDesc, checklists, customFields and the creation/version stamps. The
    metadata view (``GET /metadata``) and the summary are derived from it, never stored apart, so a
    field has one value through settings, metadata, summary, export and git."""

    def __init__(self, key, name, owner, description=None):
        self.key = key
        self.params = defaults.project_params(owner, name, description)
        stamp_new(self.params, owner)
        self.variables = {"standard": {}, "local": {}}
        self.tags = {"tags": {}}
        self.datasets = {}
        self.recipes = {}            # name -> {"recipe": def, "payload": str or None}
        self.scenarios = {}          # id -> def
        self.scenario_scripts = {}   # id -> script of custom_python scenarios
        self.scenario_runs = {}      # id -> [run, ...] newest last
        self.folders = {}            # id -> def
        # id -> {path: {"data": bytes, "lastModified": ms}}; files of a folder deleted without
        # dropData stay here (DSS leaves them on disk), so a git revert of the deletion finds them.
        self.folder_files = {}
        self.saved_models = {}       # id -> def (served with id and projectKey)
        self.evaluation_stores = {}  # id -> def of a model evaluation store
        self.library = {}            # "/python/mod.py" -> text
        self.library_dirs = {"/python", "/R"}
        self.zones = {}              # id -> zone (the default zone is implicit)
        self.jobs = {}               # id -> job status
        self.dataset_data = {}       # dataset name -> {"partitions": {id: [[cell, ...]]}, "lastBuild": {...}} (data)
        self.job_logs = {}
        self.git = GitHistory()

    # -- summary and metadata: views of params --------------------------------------------
    @property
    def name(self):
        return self.params.get("name") or self.key

    def summary(self):
        p = self.params
        return {
            "projectKey": self.key,
            "name": self.name,
            "description": p.get("description") or "",
            "shortDesc": p.get("shortDesc") or "",
            "tags": list(p.get("tags") or []),
            "ownerLogin": p.get("owner"),
            "projectStatus": p.get("projectStatus"),
            "projectType": p.get("projectType", "REGULAR"),
            "creationTag": copy.deepcopy(p.get("creationTag")),
            "versionTag": copy.deepcopy(p.get("versionTag")),
        }

    def metadata_view(self):
        """``GET /metadata``: the metadata fields of params (``customMeta`` shown as ``custom``)."""
        md = defaults.metadata(label=self.name)
        for md_key, params_key in METADATA_IN_PARAMS:
            if md_key != "label" and params_key in self.params:
                md[md_key] = copy.deepcopy(self.params[params_key])
        if isinstance(self.params.get("customMeta"), dict):
            md["custom"] = copy.deepcopy(self.params["customMeta"])
        return md

    def apply_metadata(self, md):
        """``PUT /metadata`` replaces the metadata fields of params. An empty value is not added
        where params never had the key, so a no-op save leaves params.json byte-identical."""
        empty = defaults.metadata()
        for md_key, params_key in METADATA_IN_PARAMS + (("custom", "customMeta"),):
            value = copy.deepcopy(md.get(md_key, empty.get(md_key)))
            if md_key == "label":
                if value:
                    self.params[params_key] = value
                continue
            if value in (None, "", [], {}, {"kv": {}}, {"checklists": []}) and params_key not in self.params:
                continue
            self.params[params_key] = value

    # -- configuration as files (what project git versions) --------------------------------
    def object_files(self, kind, oid):
        """The files one configuration object is stored as; empty when the object is gone."""
        if kind == "project":
            return {
                "params.json": dumps(self.params),
                "variables.json": dumps(self.variables.get("standard", {})),
                "tags.json": dumps(self.tags),
            }
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
        if kind == "library":
            text = self.library.get(oid)
            return {} if text is None else {"lib" + oid: text}
        if kind not in JSON_KINDS:
            raise ValueError("unknown configuration kind %r" % kind)
        attr, folder = JSON_KINDS[kind]
        obj = getattr(self, attr).get(oid)
        return {} if obj is None else {"%s/%s.json" % (folder, oid): dumps(obj)}

    def object_prefixes(self, kind, oid):
        """File name prefixes that belong to one object (to drop stale files on change)."""
        if kind == "project":       # metadata.json: committed by the previous emulator, now in params.json
            return ["params.json", "metadata.json", "variables.json", "tags.json"]
        if kind in JSON_KINDS:
            return ["%s/%s.json" % (JSON_KINDS[kind][1], oid)]
        pattern = {"recipe": "recipes/%s.", "scenario": "scenarios/%s.", "library": "lib%s"}[kind]
        return [pattern % oid]

    def all_objects(self):
        yield "project", None
        for kind, coll in (("recipe", self.recipes), ("scenario", self.scenarios), ("library", self.library)):
            for oid in coll:
                yield kind, oid
        for kind, (attr, _) in JSON_KINDS.items():
            for oid in getattr(self, attr):
                yield kind, oid

    def config_files(self):
        files = {}
        for kind, oid in self.all_objects():
            files.update(self.object_files(kind, oid))
        return files

    def apply_files(self, files):
        """Restore the configuration from files (a git revision). Data and local variables stay."""
        if "params.json" in files:
            current, self.params = self.params, json.loads(files["params.json"])
            if "metadata.json" in files:    # a revision committed by the previous emulator
                self.apply_metadata(json.loads(files["metadata.json"]))
                for stamp in ("creationTag", "versionTag"):
                    if stamp not in self.params and stamp in current:
                        self.params[stamp] = current[stamp]
        if "variables.json" in files:
            self.variables["standard"] = json.loads(files["variables.json"])
        if "tags.json" in files:
            self.tags = json.loads(files["tags.json"])
        self.recipes, self.scenarios, self.scenario_scripts, self.library = {}, {}, {}, {}
        by_folder = {}
        for attr, folder in JSON_KINDS.values():
            setattr(self, attr, {})
            by_folder[folder] = getattr(self, attr)
        payloads = {}
        for path, text in files.items():
            folder, _, fname = path.partition("/")
            if folder in by_folder and fname.endswith(".json"):
                by_folder[folder][fname[:-5]] = json.loads(text)
            elif folder == "recipes" and fname.endswith(".json"):
                self.recipes[fname[:-5]] = {"recipe": json.loads(text), "payload": None}
            elif folder == "recipes":
                payloads[fname.rsplit(".", 1)[0]] = text
            elif folder == "scenarios" and fname.endswith(".json"):
                self.scenarios[fname[:-5]] = json.loads(text)
            elif folder == "scenarios":
                self.scenario_scripts[fname.rsplit(".", 1)[0]] = text
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
    STORED = ("params", "variables", "tags", "datasets", "recipes", "scenarios", "scenario_scripts",
              "scenario_runs", "folders", "saved_models", "evaluation_stores", "library", "zones", "jobs",
              "job_logs", "dataset_data")

    def sections(self):
        """The stored sections: every :attr:`STORED` field, plus the library folders."""
        out = {name: getattr(self, name) for name in self.STORED}
        out["library_dirs"] = sorted(self.library_dirs)
        return out

    def to_json(self):
        out = self.sections()
        out["key"] = self.key
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
        p._fold_previous_layout(data)
        p.library_dirs = set(data.get("library_dirs", []))
        p.folder_files = {
            fid: {path: {"data": base64.b64decode(f["data"]), "lastModified": f["lastModified"]}
                  for path, f in files.items()}
            for fid, files in data.get("folder_files", {}).items()}
        p.git = GitHistory.from_json(data.get("git") or {})
        return p

    def _fold_previous_layout(self, data):
        """The previous emulator kept the name, description, tags... in a separate ``metadata``
        object and the project's stamps in ``summary_tags``: fold both into params, where they
        live now, so a ``--data-dir`` written by that version keeps them."""
        if isinstance(data.get("metadata"), dict):
            self.apply_metadata(data["metadata"])
        stamps = data.get("summary_tags")
        if isinstance(stamps, dict):
            for stamp in ("creationTag", "versionTag"):
                if stamps.get(stamp) is not None and stamp not in data["params"]:
                    self.params[stamp] = copy.deepcopy(stamps[stamp])


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
        self.store = None           # the --data-dir writer, which remembers what it last wrote
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

    def save(self, data_dir, project_keys=None, touched=None):
        """Write the instance and the given projects (all when None) under ``data_dir``. Only what
        changed since the last save is rewritten (see :mod:`dss_emulator.persistence`);
        ``touched`` ({project key: ctx.touched}) narrows the search for what changed."""
        keys = list(self.projects) if project_keys is None else project_keys
        self._store(data_dir).save(self, keys, touched)

    def load(self, data_dir):
        """Read a ``data_dir`` back; False when it holds no saved instance."""
        return self._store(data_dir).load(self, Project)

    def _store(self, data_dir):
        if self.store is None or self.store.root != data_dir:
            self.store = Store(data_dir)
        return self.store
