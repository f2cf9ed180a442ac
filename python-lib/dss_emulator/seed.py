"""Seeding a project from a DSS project export, and the reverse (the files of an export).

A DSS export stores each configuration object as the JSON DSS keeps on disk, which lacks a few
fields DSS adds when it serves the object (the object's own name or id and its project key).
:data:`ADDED_ON_READ` lists them, per kind; seeding adds them, exporting strips them again, so
export -> seed -> export round-trips and what the client reads matches what a DSS loaded from
the same export would serve.

Accepted inputs: a folder holding ``project_config/``, the ``project_config`` folder itself, or a
zip of either (optionally under one top folder), which is what DSS's "Export project" produces.
"""
import io
import json
import logging
import os
import zipfile

from . import defaults, errors
from .checks import normalise_tags
from .state import CODE_EXTENSIONS, Project, library_parents
from .stamps import stamp_new

LOG = logging.getLogger("dss_emulator")
CONFIG_DIR = "project_config"
IMPORTER = "admin"
COMMIT_MESSAGE = "Imported project"

# Fields DSS adds to an object when serving it (absent from the files of an export).
# kind -> (name of the identifying field, also add "projectKey"?)
ADDED_ON_READ = {
    "datasets": ("name", True),
    "recipes": ("name", True),
    "scenarios": ("id", True),
    "managed_folders": ("id", True),
    "zones": ("id", False),
    "saved_models": ("id", True),
    "model_evaluation_stores": ("id", True),
}
# export folder -> Project attribute, for the kinds stored as one JSON object per file
OBJECT_FOLDERS = (("datasets", "datasets"), ("zones", "zones"), ("scenarios", "scenarios"),
                  ("managed_folders", "folders"), ("saved_models", "saved_models"),
                  ("model_evaluation_stores", "evaluation_stores"))


# -- reading an export --------------------------------------------------------------------------
def load_export(instance, project_key, path):
    """Create project ``project_key`` in ``instance`` from the export at ``path``; return it.

    An existing project of that key is kept as is (state loaded from a data dir wins over a seed,
    so ``serve --data-dir D --seed-export K=P`` can be restarted). Raises ValueError on bad input."""
    from .api.projects import PROJECT_KEY_RE   # late: the api package imports this module
    if not isinstance(project_key, str) or not PROJECT_KEY_RE.match(project_key):
        raise ValueError("invalid project key %r for export %s: use only letters, digits and underscores"
                         % (project_key, path))
    if project_key in instance.projects:
        LOG.info("project %s already exists: export %s not loaded again", project_key, path)
        return instance.projects[project_key]
    files = read_export_files(path)
    project = build_project(project_key, files, path)
    _ensure_principals(instance, project)
    _declare_connections(instance, project)
    instance.projects[project_key] = project
    root = instance.project_folders.get("ROOT")
    if root is not None and project_key not in root["projectKeys"]:
        root["projectKeys"].append(project_key)
    project.git.commit(project.config_files(), IMPORTER, COMMIT_MESSAGE)
    return project


def read_export_files(path):
    """The files of an export as ``{path relative to project_config: bytes}``."""
    if os.path.isdir(path):
        return _files_of_folder(path)
    if os.path.isfile(path):
        if not zipfile.is_zipfile(path):
            raise ValueError("%s is neither a folder nor a zip file" % path)
        with open(path, "rb") as f:
            return files_of_zip(f.read(), path)
    raise ValueError("%s: no such file or folder" % path)


def _files_of_folder(path):
    root = path
    if os.path.basename(os.path.normpath(path)) != CONFIG_DIR:
        root = os.path.join(path, CONFIG_DIR)
        if not os.path.isdir(root):
            raise ValueError("%s holds no %s/ folder (expected a DSS project export)" % (path, CONFIG_DIR))
    files = {}
    for folder, _, names in os.walk(root):
        for name in names:
            full = os.path.join(folder, name)
            rel = os.path.relpath(full, root).replace(os.sep, "/")
            with open(full, "rb") as f:
                files[rel] = f.read()
    return files


def files_of_zip(data, label="zip"):
    """Files under ``project_config/`` in a zip, found at the root or under one top folder."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as e:
        raise ValueError("%s: not a valid zip file (%s)" % (label, e))
    names = [n for n in archive.namelist() if not n.endswith("/")]
    prefix = _config_prefix(names)
    if prefix is None:
        raise ValueError("%s: unknown export layout: no %s/params.json at the root or under one top folder"
                         % (label, CONFIG_DIR))
    return {n[len(prefix):]: archive.read(n) for n in names if n.startswith(prefix) and len(n) > len(prefix)}


def _config_prefix(names):
    for name in names:
        parts = name.split("/")
        if parts[-1] == "params.json" and parts[-2:-1] == [CONFIG_DIR] and len(parts) <= 3:
            return "/".join(parts[:-1]) + "/"
    if "params.json" in names:      # a zip of the project_config folder's content
        return ""
    return None


def build_project(project_key, files, label):
    """A :class:`Project` from export files (see :func:`read_export_files`)."""
    if "params.json" not in files:
        raise ValueError("%s: missing %s/params.json (not a DSS project export?)" % (label, CONFIG_DIR))
    params = _json(files, "params.json", label, dict)
    owner = params.get("owner") or IMPORTER
    name = params.get("name") or project_key
    project = Project(project_key, name, owner)
    project.params = params
    project.params["owner"] = owner
    project.params["name"] = name
    try:
        normalise_tags(params.get("tags"))
    except errors.DSSError as e:
        raise ValueError("%s: %s/params.json: %s" % (label, CONFIG_DIR, e.detailed))
    if "tags.json" in files:
        project.tags = _json(files, "tags.json", label, dict)
        project.tags.setdefault("tags", {})
    if "variables.json" in files:
        project.variables["standard"] = _json(files, "variables.json", label, dict)
    for folder, attr in OBJECT_FOLDERS:
        setattr(project, attr, _objects(files, folder, project_key, label))
    project.folder_files = {fid: {} for fid in project.folders}
    project.recipes = {n: {"recipe": d, "payload": None}
                       for n, d in _objects(files, "recipes", project_key, label).items()}
    _attach_payloads(project, files)
    project.scenario_scripts = {sid: files["scenarios/%s.py" % sid].decode("utf-8", errors="replace")
                                for sid in project.scenarios if "scenarios/%s.py" % sid in files}
    _attach_library(project, files)
    return project


def _json(files, rel, label, kind=None):
    try:
        value = json.loads(files[rel].decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as e:
        raise ValueError("%s: invalid JSON in %s/%s: %s" % (label, CONFIG_DIR, rel, e))
    if kind is not None and not isinstance(value, kind):
        raise ValueError("%s: %s/%s must hold a JSON object" % (label, CONFIG_DIR, rel))
    return value


def _objects(files, folder, project_key, label):
    """``{id: object}`` of the ``folder/*.json`` files, with the fields DSS adds on read."""
    id_field, with_key = ADDED_ON_READ[folder]
    out = {}
    for rel in sorted(files):
        top, _, fname = rel.partition("/")
        if top != folder or "/" in fname or not fname.endswith(".json"):
            continue
        oid = fname[:-len(".json")]
        obj = _json(files, rel, label, dict)
        if with_key:
            obj["projectKey"] = project_key
        obj[id_field] = oid
        out[oid] = obj
    return out


def _attach_payloads(project, files):
    """recipes/NAME.<ext> is the payload of recipe NAME; code recipes without one get ""."""
    for name, entry in project.recipes.items():
        rtype = entry["recipe"].get("type", "")
        prefix = "recipes/%s." % name
        wanted = prefix + CODE_EXTENSIONS.get(rtype, rtype)
        others = sorted(r for r in files if r.startswith(prefix) and r != prefix + "json"
                        and not set(r[len(prefix):]) & {".", "/"})
        rel = wanted if wanted in files else (others[0] if others else None)
        if rel is not None:
            entry["payload"] = files[rel].decode("utf-8", errors="replace")
        elif rtype in CODE_EXTENSIONS:
            entry["payload"] = ""


def _attach_library(project, files):
    for rel, data in files.items():
        if rel.startswith("lib/"):
            path = rel[len("lib"):]
            project.library[path] = data.decode("utf-8", errors="replace")
    project.library_dirs |= library_parents(project.library)


def _ensure_principals(instance, project):
    """The owner and the groups/users named in the permissions exist, so that reading and saving
    the project's permissions back works (DSS keeps unknown principals of an import as they are)."""
    owner = project.params["owner"]
    if owner not in instance.users:
        instance.users[owner] = defaults.user(owner, owner, [])
    for entry in project.params.get("permissions") or []:
        if not isinstance(entry, dict):
            continue
        if entry.get("group") and entry["group"] not in instance.groups:
            instance.groups[entry["group"]] = defaults.group(entry["group"], "Imported with a project export")
        if entry.get("user") and entry["user"] not in instance.users:
            instance.users[entry["user"]] = defaults.user(entry["user"], entry["user"], [])


# The connection type DSS gives a dataset or folder type, where the two differ: an S3 dataset sits
# on an Amazon S3 connection, whose type is "EC2", and SCP/SFTP ones on an "SSH" connection
# (the shared reference dss-rest-api.md, ``set_connection_and_path``: "EC2 -> S3, SSH -> SCP/SFTP").
# Every other type is its connection's type (PostgreSQL, Snowflake, HDFS, Filesystem...).
CONNECTION_TYPE_OF = {"S3": "EC2", "SCP": "SSH", "SFTP": "SSH"}


def connections_used(project):
    """``{connection name: connection type}`` that the project's datasets and folders sit on."""
    used = {}
    for obj in list(project.datasets.values()) + list(project.folders.values()):
        params = obj.get("params") if isinstance(obj.get("params"), dict) else {}
        name = params.get("connection") or params.get("uploadConnection")
        if isinstance(name, str) and name and "${" not in name:
            otype = obj.get("type") or "Filesystem"   # a folder of no type is a Filesystem one
            used.setdefault(name, CONNECTION_TYPE_OF.get(otype, otype))
    return used


def _declare_connections(instance, project):
    """The connections the export's objects use exist, as they did on the instance the export came
    from (an import needs them there too); existing ones are kept as they are."""
    for name, ctype in sorted(connections_used(project).items()):
        if name not in instance.connections:
            instance.connections[name] = defaults.connection(name, ctype)


# -- writing an export --------------------------------------------------------------------------
def export_files(project):
    """The files of a DSS export of ``project`` (paths relative to ``project_config/``)."""
    files = {"params.json": _dumps(project.params), "tags.json": _dumps(project.tags)}
    if project.variables.get("standard"):
        files["variables.json"] = _dumps(project.variables["standard"])
    for folder, attr in OBJECT_FOLDERS:
        for oid, obj in getattr(project, attr).items():
            files["%s/%s.json" % (folder, oid)] = _dumps(strip_added(folder, obj))
    for sid, script in project.scenario_scripts.items():
        files["scenarios/%s.py" % sid] = script
    for name, entry in project.recipes.items():
        files["recipes/%s.json" % name] = _dumps(strip_added("recipes", entry["recipe"]))
        if entry.get("payload") is not None:
            rtype = entry["recipe"].get("type", "")
            files["recipes/%s.%s" % (name, CODE_EXTENSIONS.get(rtype, rtype))] = entry["payload"]
    for path, text in project.library.items():
        files["lib" + path] = text
    return files


def strip_added(folder, obj):
    """``obj`` without the fields DSS adds on read (see :data:`ADDED_ON_READ`)."""
    id_field, with_key = ADDED_ON_READ[folder]
    drop = {id_field, "projectKey"} if with_key else {id_field}
    return {k: v for k, v in obj.items() if k not in drop}


def export_zip(project, login, manifest_extra=None):
    """A DSS-like export zip: ``export-manifest.json`` and ``project_config/...``."""
    buf = io.BytesIO()
    manifest = {"projectKey": project.key, "exportedBy": login, "exportType": "PROJECT",
                "exportedOn": stamp_new({}, login)["creationTag"]["lastModifiedOn"]}
    manifest.update(manifest_extra or {})
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("export-manifest.json", _dumps(manifest))
        for rel, text in sorted(export_files(project).items()):
            archive.writestr("%s/%s" % (CONFIG_DIR, rel), text)
    return buf.getvalue()


def _dumps(obj):
    return json.dumps(obj, indent=2, ensure_ascii=False)
