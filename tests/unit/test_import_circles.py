"""No import circle among the project's modules, counting what an import really runs: importing
``a.b.c`` first runs ``a/__init__`` and ``a/b/__init__``. import-linter's layers see only the
imports written out, so a circle through a package's ``__init__`` passed them while importing
``persistence.sqlite`` on its own failed (it needed ``persistence.monitoring`` half made)."""

from __future__ import annotations

import grimp

PACKAGES = (
    "domain",
    "integrity",
    "persistence",
    "planfile",
    "rules",
    "ledger",
    "projections",
    "replay",
    "reports",
    "httpkit",
    "cli",
    "api",
    "web",
    "service",
)


def _edges() -> dict[str, set[str]]:
    graph = grimp.build_graph(*PACKAGES, exclude_type_checking_imports=True)
    edges: dict[str, set[str]] = {}
    for module in graph.modules:
        targets = set(graph.find_modules_directly_imported_by(module))
        # An import of a.b.c runs a.b's __init__ first (and a's, which runs before anything).
        for target in list(targets):
            parent = target.rpartition(".")[0]
            while "." in parent:
                targets.add(parent)
                parent = parent.rpartition(".")[0]
        targets.discard(module)
        # A package's own __init__ runs before its modules: not an edge back to it.
        edges[module] = {t for t in targets if not module.startswith(t + ".")}
    return edges


def _circles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in sorted(edges):
        if root in index:
            continue
        work = [(root, iter(sorted(edges[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_no_import_circle_through_packages() -> None:
    assert _circles(_edges()) == []


def test_the_check_finds_a_circle_through_an_init() -> None:
    # The shape of the circle it was written for: a -> b.c, whose package b imports a.
    edges = {"a": {"b.c", "b"}, "b": {"a"}, "b.c": set()}
    assert _circles(edges) == [["a", "b"]]
