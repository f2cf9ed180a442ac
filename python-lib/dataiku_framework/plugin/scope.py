"""Which project a plugin component acts on, and who may make it act on another one.

Why: a macro or a scenario step runs *in* a project (DSS gives its key), but the configuration it
reads is a file in a managed folder that any writer of that project can edit. If the component
applied to whatever project the file names, a writer of project A could put a configuration naming
project B (``permissions: [{user: me, level: admin}]``) into A's folder and wait for an
administrator, or a scheduled step run as one, to apply it. So every component acts on the project
it runs in; acting on another one takes the explicit component parameter "Target project", chosen
by the caller, who must administer that project; and the configuration's ``project.key`` must then
be that target. A mismatch is refused, naming both keys, before any request about the other project.

The rights are read through the caller's own client (``dataiku.api_client()``): DSS shows a
project's permissions to its administrators only, which is itself the answer.

Who administers a project is a DSS question answered in ``dss.rights`` (``check_project_admin``), which
the plan store asks too.
"""
from typing import Any, Dict, Optional

from ..dss.rights import NotProjectAdmin, check_project_admin  # noqa: F401 (the components' refusal)

#: The component parameter naming another project to act on (empty: the project the component runs in).
TARGET_PARAM = "target_project"
#: Its label in the descriptors, as messages name it.
TARGET_LABEL = "Target project"


class ForeignProject(ValueError):
    """The configuration names a project other than the one this component acts on: nothing was done."""

    code = "plugin.foreign_project"  #: its ``errors.CATALOGUE`` code, shown in the error line and in --json


def target_from_config(config: Optional[Dict[str, Any]]) -> Optional[str]:
    """The "Target project" parameter (None when DSS leaves it out or empty)."""
    value = (config or {}).get(TARGET_PARAM)
    return value.strip() or None if isinstance(value, str) else None


# -- scope -----------------------------------------------------------------------------------------

def acting_on(client: Any, project_key: str, target: Optional[str], what: str) -> str:
    """The key of the project a component run in ``project_key`` acts on: ``project_key`` itself,
    or ``target`` (the "Target project" parameter) when the caller administers it, else
    ``NotProjectAdmin``.

    DSS answers "does not exist or you may not read it" alike for a missing and a forbidden
    project, so a target that does not exist yet passes only for a DSS administrator."""
    target = (target or "").strip()
    if not target or target == project_key:
        return project_key
    check_project_admin(client, target, "%s on project %s from project %s (parameter '%s')"
                        % (what, target, project_key, TARGET_LABEL))
    return target


def check_configured_key(configured: Any, acting: str, project_key: str, where: str) -> None:
    """``ForeignProject`` unless the configuration's project key (``configured``) is ``acting``, the
    project this component acts on. ``where`` names the field and the file, for the message."""
    if configured == acting:
        return
    if acting == project_key:
        raise ForeignProject(
            "%s names project %s, but this component runs in project %s and acts only on it: refused, nothing "
            "was done. Set project.key to %s, or, to act on project %s, set the parameter '%s' to %s (you must "
            "administer it)" % (where, configured, project_key, project_key, configured, TARGET_LABEL, configured))
    raise ForeignProject(
        "%s names project %s, but the parameter '%s' of this component (run in project %s) is %s: refused, "
        "nothing was done. The configuration must name the target project" % (
            where, configured, TARGET_LABEL, project_key, acting))


def on_instance(project_key: Optional[str], dss_url: Optional[str], capital: bool = False) -> str:
    """``project K on http://dss``: which project on which DSS instance a run is about, the first
    line of every face (as ``render.model.heading`` titles a plan); ``Project ...`` when ``capital``."""
    return "%s %s%s" % ("Project" if capital else "project", project_key or "?", " on %s" % dss_url if dss_url else "")


def describe_field(config_path: str, folder_name: str, env: Optional[str]) -> str:
    """``project.key in configuration 'x.yaml' of managed folder 'f' (environment prod)``: the field
    the key check is about, in the configuration's terms."""
    return "project.key in configuration '%s' of %s%s" % (
        config_path, place(folder_name), " (environment %s)" % env if env else "")


def place(folder_name: str) -> str:
    """How messages name where a configuration was read: ``managed folder 'f'``, or for a git source
    (``folder_name`` is then ``git+URL@COMMIT``) ``git repository git+URL@COMMIT``."""
    if folder_name.startswith("git+"):
        return "git repository %s" % folder_name
    return "managed folder '%s'" % folder_name
