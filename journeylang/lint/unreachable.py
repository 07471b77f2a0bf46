"""W202 — unreachable statement.

What it flags
    A statement that no path from the journey's entry reaches: it comes after an `exit`
    in the same block, or after a branching statement (`if` with an `else`, `split`,
    `wait for event` with both `on` blocks) all of whose branches exit. Only the first
    statement of each unreachable run is reported (once): the statements after it are
    unreachable for the same reason.

Why it matters
    Unreachable statements are dead content: a reminder email that is designed,
    reviewed and approved but can never be sent. It is almost always a mistake in the
    journey's logic (an `exit` placed one line too early, an `else { exit }` that was
    meant for one branch only), and the journey silently does less than the team
    believes it does.

How it decides
    On the compiled graph: the nodes with no path from the entry node `n0`, ignoring
    `join` nodes (bookkeeping where branches meet) and the implicit end node. A node is
    the *first* of its run when none of its predecessors — looking through `join`
    nodes — is itself an unreachable statement.

Example (triggers)::

    if consented(email) { send email offer }
    exit "done"
    send push offer_push          # W202: after `exit`

Fix: remove the statement, or move it before the `exit` (or into the branch where it
was meant to be).
"""
from __future__ import annotations

from typing import Iterable

import networkx as nx

from ..compile.graph import reachable_nodes
from ..diagnostics.model import Diagnostic

CODE = "W202"


def _is_statement(graph: nx.DiGraph, node: str) -> bool:
    data = graph.nodes[node]
    return data.get("kind") not in ("join", "entry") and not data.get("implicit", False)


def _statement_predecessors(graph: nx.DiGraph, node: str) -> set[str]:
    """Predecessors of `node`, looking through join nodes (and the implicit end)."""
    found: set[str] = set()
    stack = list(graph.predecessors(node))
    seen: set[str] = set()
    while stack:
        current = stack.pop()
        if current in seen:
            continue
        seen.add(current)
        if _is_statement(graph, current) or graph.nodes[current].get("kind") == "entry":
            found.add(current)
        else:
            stack.extend(graph.predecessors(current))
    return found


def run(analysis) -> Iterable[Diagnostic]:
    for name in sorted(analysis.program.journeys):
        graph = analysis.graphs.get(name)
        if graph is None or graph.graph.get("entry", "n0") not in graph:
            continue
        reachable = reachable_nodes(graph)
        for node, data in graph.nodes(data=True):
            if node in reachable or not _is_statement(graph, node):
                continue
            if any(pred not in reachable for pred in _statement_predecessors(graph, node)):
                continue
            yield Diagnostic(CODE, f"unreachable statement `{data.get('label', data.get('kind'))}`: "
                                   f"every path to it has already exited", data["span"],
                             "remove it, or move it before the `exit` that ends the journey first")
