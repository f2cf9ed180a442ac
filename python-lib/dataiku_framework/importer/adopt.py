"""``--adopt``: record the imported objects in the apply state as managed, changing nothing else.

Why through the plan: the state's ``canonical`` of a resource is what the plan calls its ``after``
(the DSS JSON the configuration stands for), so the import's configuration is planned once (no
change expected: the import plans clean) and each planned resource is recorded from it, with
``created_by_tool`` false (DSS had it before the tool). The state is written under the project
lock, as an apply writes it; DSS objects are never touched.
"""
from typing import Any, Dict

from ..state import ProjectLock, StateStore, new_apply_id


def adopt(client: Any, imported: Any, lock_timeout: float = 0.0) -> Dict[str, Any]:
    """Record ``imported``'s resources in the state of its project; ``{"adopted": n, "apply_id": id,
    "serial": serial}``. Raises ``state.LockHeld`` when another apply holds the project."""
    from ..engine import Engine
    plan = Engine(client=client).plan(imported.config)
    key = imported.project_key
    with ProjectLock(client, key, operation="adopt", timeout=lock_timeout):
        store = StateStore(client, key)
        state = store.read()
        adoption = new_apply_id()
        for rc in plan.resource_changes:
            if rc.action == "delete":
                continue
            lifecycle = _lifecycle(imported.config, rc.kind, rc.name)
            state.record_resource(rc.address, rc.kind, rc.name, rc.after, adoption, created_by_tool=False,
                                  prevent_destroy=bool(getattr(lifecycle, "prevent_destroy", False)))
        written = store.write(state)
    return {"adopted": len([rc for rc in plan.resource_changes if rc.action != "delete"]), "apply_id": adoption,
            "serial": written.serial}


def _lifecycle(config: Any, kind: str, name: str) -> Any:
    """The ``lifecycle`` of the object the configuration names (a kind of objects filed in a section);
    None for the project and its fields."""
    from ..resources import registry
    handler = registry.get(kind)
    if handler.singleton:
        return None
    found = [obj for named, obj in handler.configured(config) if named == name]
    return getattr(found[0], "lifecycle", None) if found else None
