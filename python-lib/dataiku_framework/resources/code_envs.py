"""The project's default code environments (``project.code_envs``), as DSS stores them in the
project settings (``settings.codeEnvs``). Stub (issue 17 P0): declared, manages nothing yet (N1)."""
from .kind import StubKind


class CodeEnvsKind(StubKind):
    kind = "code_envs"
    definition = "CodeEnvs"
    section = ("project", "code_envs")
    singleton = True
    include_names = ("code_envs",)
    #: read from the project settings, a slot the project kind already lists (no new call)
    list_calls = {"settings": lambda client, project: project.get_settings().get_raw()}
    claims_settings = ()  # N1: ("codeEnvs",) once import and the project kind honour it
