"""Project variables (standard and local): each scope owned whole once the config sets it."""
from typing import Any, Dict, List, Optional, Tuple

from .kind import ApplyContext, Kind, Writes


class VariablesResource(Writes, Kind):
    # -- declarations (issue 17: the registry derives the rest from these)
    section = ("project", "variables")
    singleton = True
    include_names = ("variables",)
    list_calls = {"variables": lambda client, project: project.get_variables()}
    git_paths = (("variables.json", False),)
    kind = "variables"
    exact_paths = (("standard",), ("local",))

    def address(self, name: str) -> str:
        return "variables"

    def configured(self, config: Any) -> List[Tuple[str, Any]]:
        """Managed only when the config has ``project.variables``."""
        variables = config.project.variables
        return [("variables", variables)] if variables else []

    def desired(self, variables: Any, ctx: Any) -> Dict[str, Any]:
        """Each scope the config sets, owned whole; a scope it leaves out is DSS's (local variables
        are per instance: a config giving only ``standard`` does not clear them)."""
        return {scope: dict(variables.get(scope) or {}) for scope in ("standard", "local")
                if variables.get(scope) is not None}

    def created_fields(self, variables: Any) -> List[Dict[str, Any]]:
        return [{"path": "%s.%s" % (scope, name), "before": None, "after": value}
                for scope in ("standard", "local") for name, value in (variables.get(scope) or {}).items()]

    def read(self, snapshot: Any) -> Dict[str, Dict[str, Any]]:
        return {"variables": snapshot.variables} if snapshot.exists and snapshot.variables is not None else {}

    def live_form(self, live: Dict[str, Any], ctx: Any, desired: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
        return {"standard": live.get("standard") or {}, "local": live.get("local") or {}}

    # -- write (apply)
    def fetch(self, ctx: ApplyContext, name: str, keep: bool = False) -> Optional[Dict[str, Any]]:
        return ctx.call(ctx.project.get_variables)

    def create(self, ctx: ApplyContext, name: str, obj: Any, desired: Dict[str, Any]) -> None:
        """Variables come with the project: creating them is writing them."""

    def save(self, ctx: ApplyContext, name: str, obj: Any, desired: Dict[str, Any], keys: List[str]) -> int:
        """Each scope written is replaced whole (the config owns it); one write."""
        variables = ctx.call(ctx.project.get_variables) or {}
        for scope in keys:
            variables[scope] = desired[scope]
        ctx.call(lambda: ctx.project.set_variables(variables))
        return 1

    def delete(self, ctx: ApplyContext, name: str, drop_data: bool) -> None:
        raise ValueError("project variables are not deleted; remove each variable from its scope instead")
