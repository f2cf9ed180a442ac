"""The project library's imports from git (top-level ``libraries:``), as ``lib-git-refs`` exposes them.

Why a kind of its own: a project that imports shared code from git (``lib-git-refs``) must get the
same references on every instance it is deployed to. DSS keeps them in the library's
``external-libraries.json`` (``gitReferences``: path in the library -> ``{remote, remotePath,
checkout}``), served whole by one GET (``DSSProjectGit.list_libraries``); the configuration names
each by its path in the library (``git_library.<path>``) and says ``repository``, ``checkout`` and
``path_in_repository``.

Rules: one list call per refresh; a create is one POST (``add_library``, which pulls), a change one
PUT (``set_library``); deleted only as every kind is (the state knows it, deletion allowed), its
folder removed from the library only with ``lifecycle.drop_data_on_destroy``. Credentials are never
part of the configuration (DSS does not serve them back, so they could not be compared): a private
repository uses the instance's git settings. ``refresh_on_apply`` is no DSS field and never a plan
change: after an apply that changed something, the references asking for it are pulled again
(``reset_library``, in ``after_apply``).
"""
import logging
from typing import Any, Dict, Iterable, List, Optional, Tuple

from .kind import ApplyContext, Kind, each_converted

log = logging.getLogger(__name__)

#: configuration key <-> DSS key of one reference (``gitReferences[path]``)
FIELDS = (("repository", "remote"), ("checkout", "checkout"), ("path_in_repository", "remotePath"))


def ref_path(path: str) -> str:
    """The one spelling of a path in the library, as DSS files it (no leading or trailing ``/``)."""
    return (path or "").strip().strip("/")


def references(listing: Any) -> Dict[str, Dict[str, Any]]:
    """``gitReferences`` of a ``lib-git-refs`` answer, by path (empty when DSS answered nothing)."""
    found = listing.get("gitReferences") if isinstance(listing, dict) else None
    return {ref_path(path): ref for path, ref in found.items()} if isinstance(found, dict) else {}


def config_terms(ref: Dict[str, Any]) -> Dict[str, Any]:
    """One DSS reference in the configuration's terms (``path_in_repository`` ``""``: the whole repository)."""
    out = {key: ref.get(dss) for key, dss in FIELDS}
    out["path_in_repository"] = out["path_in_repository"] or ""
    return out


def to_config_doc(path: str, ref: Dict[str, Any]) -> Dict[str, Any]:
    """The ``libraries:`` entry standing for one DSS reference (defaults left out); ``LeftOut`` when
    DSS holds an empty repository or checkout, which the configuration language refuses."""
    from .inverse import LeftOut
    terms = config_terms(ref)
    missing = [key for key in ("repository", "checkout") if not terms.get(key)]
    if missing:
        raise LeftOut("DSS holds no %s for it" % " and no ".join(missing))
    doc = {"path": path, "repository": terms["repository"], "checkout": terms["checkout"]}
    if terms["path_in_repository"]:
        doc["path_in_repository"] = terms["path_in_repository"]
    return doc


def check_unique_paths(ck: Any) -> None:
    """Two ``libraries`` entries at one path would be one DSS reference written twice (each apply
    writing its own): the second is an error naming the first."""
    libraries = ck.doc.get("libraries") if isinstance(ck.doc, dict) else None
    seen = {}  # type: Dict[str, Tuple[Any, ...]]
    for index, lib in enumerate(libraries if isinstance(libraries, list) else []):
        path = lib.get("path") if isinstance(lib, dict) else None
        if not isinstance(path, str):
            continue
        here = ("libraries", index, "path")
        if ref_path(path) in seen:
            ck.report(here, "duplicate library path '%s' (already used by libraries[%d] at %s)"
                      % (path, seen[ref_path(path)][1], ck.where(seen[ref_path(path)], here)),
                      hint="give each git library its own path in the library", code="libraries.duplicate")
        else:
            seen[ref_path(path)] = here


def pull(ctx: ApplyContext, git: Any, name: str) -> None:
    """Pull one reference again (``reset_library``). A refusal (the remote down, say) is a warning: the
    configuration was applied and recorded already, so the apply stands."""
    from ..config.secrets import redact
    try:
        ctx.call(lambda: git.reset_library(name).wait_for_result())
    except Exception as error:  # noqa: BLE001 - reported, never fatal once the apply is recorded
        text = (str(error).strip().splitlines() or [type(error).__name__])[0]
        log.warning("git library %s: pull after the apply failed (%s); the apply stands: pull it from the DSS "
                    "library editor", name, redact(text))


class GitLibraryKind(Kind):
    # -- declarations (issue 17: the registry derives the rest from these)
    kind = "git_library"
    definition = "GitLibrary"
    section = ("libraries",)
    include_names = ("libraries", "git_library", "library", "git_libraries")
    list_calls = {"git_refs": lambda client, project: project.get_project_git().list_libraries()}
    #: a plan lists them only when the configuration names libraries or the state knows some (a project
    #: without any pays no request); an import lists them as any list (``plan.refresh.named_slots``)
    read_when_named = ("git_refs",)
    listed_unmanaged = True
    delete_order = 5  # before scenarios (a scenario's code may import it)
    keeps_data = True  # drop_data_on_destroy: remove_library(delete_directory=True)
    checks = (check_unique_paths,)

    # -- config
    def configured(self, config: Any) -> List[Tuple[str, Any]]:
        return [(ref_path(lib.path), lib) for lib in getattr(config, "libraries", None) or []]

    def desired(self, lib: Any, ctx: Any) -> Dict[str, Any]:
        """In the configuration's terms; ``refresh_on_apply`` is an apply switch, not a DSS field."""
        return {"repository": lib.repository, "checkout": lib.checkout,
                "path_in_repository": lib.path_in_repository or ""}

    def created_fields(self, lib: Any) -> List[Dict[str, Any]]:
        return [{"path": key, "before": None, "after": value} for key, value in self.desired(lib, None).items()
                if value != ""]

    def depends_on(self, lib: Any, ctx: Any) -> List[str]:
        return ["project"]

    # -- read
    def store(self, snap: Any, results: Dict[str, Any]) -> None:
        """The listing only when it holds references: a project without any keeps the live digest
        it had before this kind (``Snapshot.raw``), so a plan saved then still applies."""
        kept = dict(results)
        if not references(kept.get("git_refs")):
            kept.pop("git_refs", None)
        Kind.store(self, snap, kept)

    def read(self, snapshot: Any) -> Dict[str, Dict[str, Any]]:
        if not getattr(snapshot, "exists", False):
            return {}
        return references((getattr(snapshot, "slots", None) or {}).get("git_refs"))

    def live_form(self, live: Dict[str, Any], ctx: Any, desired: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
        return config_terms(live)

    def config_form(self, form: Dict[str, Any], name: str, obj: Any = None) -> Optional[Dict[str, Any]]:
        """The desired and live forms are already in the configuration's terms; the name is the path."""
        out = {k: v for k, v in form.items() if v != "" or k != "path_in_repository"}
        return dict(out, path=name)

    # -- inverse (import)
    def to_config(self, snap: Any, ictx: Any) -> Iterable[Tuple[str, Any]]:
        return each_converted(self.read(snap), to_config_doc)

    # -- write (apply)
    def fetch(self, ctx: ApplyContext, name: str, keep: bool = False) -> Optional[Dict[str, Any]]:
        return references(ctx.call(self.handle(ctx, name).list_libraries)).get(name)

    def create(self, ctx: ApplyContext, name: str, obj: Any, desired: Dict[str, Any]) -> None:
        """One POST; DSS pulls the reference (a future, waited for: a failed pull fails the create)."""
        git = self.handle(ctx, name)
        ctx.call(lambda: git.add_library(desired["repository"], name, desired["checkout"],
                                         desired["path_in_repository"], as_type="object").wait_for_result())

    def write(self, ctx: ApplyContext, name: str, obj: Any, desired: Dict[str, Any], keys: Iterable[str]) -> int:
        """The whole reference in one PUT (DSS's call takes every field)."""
        git = self.handle(ctx, name)
        ctx.call(lambda: git.set_library(name, desired["repository"], desired["path_in_repository"],
                                         desired["checkout"]))
        return 1

    def handle(self, ctx: ApplyContext, name: str) -> Any:
        return ctx.project.get_project_git()

    def delete(self, ctx: ApplyContext, name: str, drop_data: bool) -> None:
        """The reference; its folder in the library too only with ``drop_data_on_destroy``."""
        ctx.call(lambda: self.handle(ctx, name).remove_library(name, bool(drop_data)))

    def after_apply(self, ctx: ApplyContext, entries: List[Any]) -> None:
        """Pull again (``reset_library``) each reference whose ``refresh_on_apply`` is set, once, after
        an apply that changed something; not one just created (its create pulled it) nor deleted."""
        if not entries:
            return
        fresh = {e.get("name") for e in entries if e.get("kind") == self.kind and e.get("action") != "update"}
        held = self.read(ctx.snapshot)  # what DSS had before the apply (a failed create is not pulled)
        git = ctx.project.get_project_git()
        for name, lib in self.configured(ctx.config):
            if getattr(lib, "refresh_on_apply", False) and name in held and name not in fresh:
                pull(ctx, git, name)
