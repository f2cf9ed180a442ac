"""The project's default code environments (``project.code_envs``), as DSS stores them in the
project settings (``settings.codeEnvs``).

Why a kind of its own rather than raw ``project.settings``: the raw block is DSS's shape, which
changed between versions (``useBuiltinEnv`` before DSS 12, ``mode`` since), so a configuration
written against one version planned false changes against the other. Here the configuration says
``python: my_env`` (or ``builtin``, ``inherit``) and both live shapes read as that.

Rules: read from the project settings the plan reads anyway (no request of its own); written
through ``ApplyContext.settings_update`` (one read-modify-write of the project settings, under the
lock the project and sharing kinds share), keeping what DSS holds beside the mode (``preventOverride``);
never deleted: removing ``code_envs`` (or a language) stops managing it, DSS keeps its setting.
The project kind leaves ``settings.codeEnvs`` to this kind (``claims_settings``).
"""
from typing import Any, Dict, Iterable, List, Optional, Tuple

from .kind import ApplyContext, Kind, SettingsSlot
from .tables import Bimap

#: the languages the configuration names, in schema order
LANGUAGES = ("python", "r")
#: configuration words that are DSS modes rather than environment names
MODES = Bimap((("builtin", "USE_BUILTIN_MODE"), ("inherit", "INHERIT")))
EXPLICIT = "EXPLICIT_ENV"
NAME = "code_envs"


def env_term(entry: Any) -> Optional[str]:
    """One language's DSS entry in configuration terms: the env name, ``builtin`` or ``inherit``
    (None when DSS holds nothing). Reads both DSS shapes: ``mode`` (DSS 12+) and, when it has none,
    ``useBuiltinEnv`` (older versions: the fixtures ``Dataiku-Titanic`` vs ``ENVERUSdatathon``)."""
    if not isinstance(entry, dict):
        return None
    mode = entry.get("mode")
    if mode == EXPLICIT:
        return entry.get("envName")
    if mode is not None:
        return MODES.to_config(mode, missing=str(mode))
    if entry.get("useBuiltinEnv") is True:
        return "builtin"
    return entry.get("envName") if entry.get("useBuiltinEnv") is False else None


def env_entry(term: str, held: Any) -> Dict[str, Any]:
    """The DSS entry for ``term``, over what DSS holds (``preventOverride`` and other keys stay):
    the same keys ``DSSProjectSettings.set_python_code_env`` writes, so both DSS shapes agree."""
    out = dict(held) if isinstance(held, dict) else {}
    if term in MODES.config_values():
        out["mode"] = MODES.to_dss(term)
        out["useBuiltinEnv"] = term == "builtin"
    else:
        out.update({"mode": EXPLICIT, "envName": term, "useBuiltinEnv": False})
    return out


def is_default(entry: Any) -> bool:
    """Whether a live entry is what DSS gives a new project (left out on import: not managed):
    ``INHERIT`` (DSS 12+), or ``useBuiltinEnv`` without a mode (older versions)."""
    if not isinstance(entry, dict):
        return True
    return entry.get("mode") == "INHERIT" or ("mode" not in entry and entry.get("useBuiltinEnv") is True)


def live_envs(settings: Any) -> Dict[str, Any]:
    """``settings.codeEnvs`` of a project settings document (empty when absent)."""
    inner = settings.get("settings") if isinstance(settings, dict) else None
    envs = inner.get("codeEnvs") if isinstance(inner, dict) else None
    return envs if isinstance(envs, dict) else {}


def check_not_twice(ck: Any) -> None:
    """``project.code_envs`` and raw ``project.settings.codeEnvs`` both set: the two would fight over
    one DSS setting (each apply writing its own), so the configuration must choose one."""
    project = ck.doc.get("project") if isinstance(ck.doc, dict) else None
    if not isinstance(project, dict) or not project.get("code_envs"):
        return
    settings = project.get("settings")
    if isinstance(settings, dict) and "codeEnvs" in settings:
        ck.report(("project", "settings", "codeEnvs"), "project.settings.codeEnvs and project.code_envs both set "
                  "the default code environments", hint="keep project.code_envs and remove codeEnvs from "
                  "project.settings", at_key=True, code="project.code_envs_twice")


class CodeEnvsKind(SettingsSlot, Kind):
    # -- declarations (issue 17: the registry derives the rest from these)
    kind = NAME
    definition = "CodeEnvs"
    section = ("project", "code_envs")
    include_names = ("code_envs",)
    claims_settings = ("codeEnvs",)
    checks = (check_not_twice,)

    # -- config
    def configured(self, config: Any) -> List[Tuple[str, Any]]:
        """Managed only when the config has ``project.code_envs`` with at least one language."""
        envs = config.project.code_envs
        return [(NAME, envs)] if envs and any(envs.get(lang) for lang in LANGUAGES) else []

    def desired(self, envs: Any, ctx: Any) -> Dict[str, Any]:
        """In the configuration's terms (``{python: my_env}``): a language left out is DSS's."""
        return {lang: envs[lang] for lang in LANGUAGES if envs.get(lang)}

    def created_fields(self, envs: Any) -> List[Dict[str, Any]]:
        return [{"path": lang, "before": None, "after": value} for lang, value in self.desired(envs, None).items()]

    def depends_on(self, envs: Any, ctx: Any) -> List[str]:
        return ["project"]

    # -- read
    def live_form(self, live: Dict[str, Any], ctx: Any, desired: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
        """The project settings as ``{python: term, r: term}`` (both DSS shapes read alike)."""
        envs = live_envs(live)
        return {lang: env_term(envs.get(lang)) for lang in LANGUAGES}

    def config_form(self, form: Dict[str, Any], name: str, obj: Any = None) -> Optional[Dict[str, Any]]:
        """The desired and live forms are already in the configuration's terms."""
        return {k: v for k, v in form.items() if v is not None}

    # -- inverse (import)
    def to_config(self, snap: Any, ictx: Any) -> Iterable[Tuple[str, Any]]:
        """``{python: ..., r: ...}`` of the languages DSS does not hold at a new project's default
        (those stay unmanaged, so a plain project imports without ``code_envs``)."""
        live = self.read(snap).get(NAME)
        envs = live_envs(live)
        doc = {lang: env_term(envs.get(lang)) for lang in LANGUAGES
               if not is_default(envs.get(lang)) and env_term(envs.get(lang))}
        return [(NAME, doc)] if doc else []

    # -- write (apply)
    def create(self, ctx: ApplyContext, name: str, obj: Any, desired: Dict[str, Any]) -> None:
        """The defaults come with the project: creating them is writing them."""

    def write(self, ctx: ApplyContext, name: str, obj: Any, desired: Dict[str, Any], keys: Iterable[str]) -> int:
        """Every changed language in one read-modify-write of the project settings."""
        langs = [lang for lang in LANGUAGES if lang in set(keys) and lang in desired]

        def change(raw: Dict[str, Any]) -> None:
            envs = raw.setdefault("settings", {}).setdefault("codeEnvs", {})
            for lang in langs:
                envs[lang] = env_entry(desired[lang], envs.get(lang))
        return ctx.settings_update(change) if langs else 0

    def delete(self, ctx: ApplyContext, name: str, drop_data: bool) -> None:
        raise ValueError("project code envs are not deleted; removing project.code_envs stops managing them "
                         "(DSS keeps its setting)")
