"""The dependency graph across kinds, and the execution groups it yields.

Why across kinds: apply must create folders and datasets before the recipes that use them, the
recipes that produce a dataset before the recipes that read it, recipes before the scenarios that
build their outputs, and zones before the objects placed in them. Each execution group holds
addresses whose dependencies are all in earlier groups, so a group can be applied in parallel.
A cycle cannot be ordered: it is an error that names every address on it.
"""
from typing import Dict, Iterable, List, Sequence

from ..config.graph import find_cycles


class DependencyCycleError(ValueError):
    """The configured objects depend on each other in a loop; ``cycle`` lists the addresses."""

    def __init__(self, cycle: Sequence[str]) -> None:
        self.cycle = list(cycle)
        super().__init__("dependency cycle: %s; break it by removing one of these dependencies (a recipe "
                         "cannot, through other recipes, read what it writes)" % " -> ".join(self.cycle))


def with_producers(deps: Dict[str, List[str]], outputs: Dict[str, Iterable[str]]) -> Dict[str, List[str]]:
    """Recipe edges added: a recipe depends on the recipes that write the objects it depends on.

    ``outputs`` maps a recipe address to the object addresses it writes; its own outputs are
    skipped (a recipe depends on its outputs existing, not on itself)."""
    producer = {}  # type: Dict[str, str]
    for recipe, objs in outputs.items():
        for obj in objs:
            producer[obj] = recipe
    out = {}
    for node, needs in deps.items():
        extra = [producer[d] for d in needs if d in producer and producer[d] != node and
                 d not in set(outputs.get(node, ()))]
        out[node] = list(dict.fromkeys(list(needs) + extra))
    return out


def execution_groups(deps: Dict[str, List[str]]) -> List[List[str]]:
    """Addresses in layers (sorted inside each): layer n depends only on layers < n.

    Dependencies on addresses outside ``deps`` (objects the config does not manage) are ignored.
    Kahn's algorithm, linear in nodes + edges; raises ``DependencyCycleError`` on a cycle."""
    known = {n: [d for d in dict.fromkeys(needs) if d in deps and d != n] for n, needs in deps.items()}
    waiting = {n: len(needs) for n, needs in known.items()}
    users = {}  # type: Dict[str, List[str]]
    for node, needs in known.items():
        for dep in needs:
            users.setdefault(dep, []).append(node)
    layer = sorted(n for n, count in waiting.items() if count == 0)
    groups = []  # type: List[List[str]]
    placed = 0
    while layer:
        groups.append(layer)
        placed += len(layer)
        nxt = []
        for node in layer:
            for user in users.get(node, ()):
                waiting[user] -= 1
                if waiting[user] == 0:
                    nxt.append(user)
        layer = sorted(nxt)
    if placed != len(known):
        raise DependencyCycleError(find_cycle({n: needs for n, needs in known.items() if waiting[n] > 0}))
    return groups


def find_cycle(deps: Dict[str, List[str]]) -> List[str]:
    """One cycle among ``deps`` (nodes left over by Kahn's algorithm), closed on its first node,
    found by the configuration's own cycle search (``config.graph.find_cycles``)."""
    cycles = find_cycles({node: [d for d in needs if d in deps] for node, needs in deps.items()})
    return list(cycles[0]) if cycles else sorted(deps)
