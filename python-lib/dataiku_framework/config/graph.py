"""The flow graph of a configuration: objects -> recipes -> objects.

Why: a flow with a cycle can never be built, and the planner needs a
dependency order; both come from the same graph. Cycle detection is an
iterative depth-first search (no recursion limit on long flows), linear in the
number of edges, and reports each cycle with its full path so the user sees
which recipes close the loop.
"""

import heapq
from typing import Any, Dict, List, Tuple

from .references import items, name_of, recipe_io

Node = Tuple[str, Any]  # ("object", name) | ("recipe", index in the recipes list)


def flow_graph(doc):
    # type: (Any) -> Tuple[Dict[Node, List[Node]], Dict[int, str]]
    """Adjacency lists (input object -> recipe -> output object) and recipe index -> name."""
    edges = {}  # type: Dict[Node, List[Node]]
    recipe_names = {}  # type: Dict[int, str]
    for index, recipe in items(doc, "recipes"):
        recipe_names[index] = name_of(recipe) or "#%d" % index
        node = ("recipe", index)
        edges.setdefault(node, [])
        for direction, ref, _, _ in recipe_io(recipe):
            obj = ("object", ref)
            if direction == "inputs":
                edges.setdefault(obj, []).append(node)
            else:
                edges[node].append(obj)
    return edges, recipe_names


def find_cycles(edges):
    # type: (Dict[Node, List[Node]]) -> List[List[Node]]
    """Each elementary cycle found by one DFS pass, as a node list closing on its first node."""
    white, grey, black = 0, 1, 2
    colour = {}  # type: Dict[Node, int]
    cycles = []  # type: List[List[Node]]
    for start in sorted(edges):  # ("object", str) and ("recipe", int) never compare their second items
        if colour.get(start, white) != white:
            continue
        stack = [(start, iter(edges.get(start, ())))]
        path = [start]
        colour[start] = grey
        while stack:
            node, children = stack[-1]
            advanced = False
            for child in children:
                state = colour.get(child, white)
                if state == white:
                    colour[child] = grey
                    stack.append((child, iter(edges.get(child, ()))))
                    path.append(child)
                    advanced = True
                    break
                if state == grey:
                    cycles.append(path[path.index(child):] + [child])
            if not advanced:
                colour[node] = black
                stack.pop()
                path.pop()
    return cycles


def topological_recipes(doc):
    # type: (Any) -> List[str]
    """Recipe names in dependency order (producers first, ties in file order). Cycles are skipped."""
    edges, recipe_names = flow_graph(doc)
    indegree = {}  # type: Dict[Node, int]
    for node, targets in edges.items():
        indegree.setdefault(node, 0)
        for target in targets:
            indegree[target] = indegree.get(target, 0) + 1
    ready = [n for n, d in indegree.items() if d == 0]
    heapq.heapify(ready)
    order = []  # type: List[str]
    while ready:
        node = heapq.heappop(ready)
        if node[0] == "recipe":
            order.append(recipe_names[node[1]])
        for target in edges.get(node, ()):
            indegree[target] -= 1
            if indegree[target] == 0:
                heapq.heappush(ready, target)
    return order
