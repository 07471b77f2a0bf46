"""W204 — waits on a path add up to more than the journey's timeout.

What it flags
    A journey in which some path from the entry waits longer, in total, than the
    journey's `timeout` (91d when not given). `wait D` counts D; `wait for event ...
    within D` counts D (the longest it can hold the instance). `wait until ...` cannot be
    bounded statically and counts 0 (as do quiet-hours deferrals). Reported once per
    journey, at the wait where the longest path first goes over the timeout.

Why it matters
    An instance still active `timeout` after its entry exits with reason `timeout`. The
    steps after the crossing point never run for the profiles that take that path: the
    last reminder of a sequence, or the `on timeout` follow-up of a `wait for event`,
    quietly never happens, and the report shows `timeout` exits instead of sends.

How it decides
    The compiled graph is a DAG; the longest path from the entry node, weighting each
    node by `journeylang.compile.graph.wait_bounds_ms`, is computed in topological order (only
    nodes reachable from the entry take part).

Example (triggers)::

    journey winback {
      entry audience lapsed
      timeout 7d
      send email winback_1
      wait 5d
      send email winback_2
      wait 5d                      # W204: 10d of waiting, timeout 7d
      send email winback_3
    }

Fix: raise the `timeout` (at most 91d), or shorten the waits.
"""
from __future__ import annotations

from typing import Iterable, Optional

import networkx as nx

from ..compile.graph import reachable_nodes, wait_bounds_ms
from ..diagnostics.model import Diagnostic
from ..syntax import ast as A
from ..syntax.literals import format_duration

CODE = "W204"
DEFAULT_TIMEOUT_MS = 91 * 24 * 3600 * 1000


def _days(ms: int) -> str:
    day = 24 * 3600 * 1000
    return f"{ms // day}d" if ms % day == 0 else format_duration(ms)


def _wait_text(graph: nx.DiGraph, node: str) -> str:
    stmt = graph.nodes[node]["stmt"]
    if isinstance(stmt, A.Wait):
        return stmt.duration.text
    if isinstance(stmt, A.WaitForEvent) and stmt.pattern.within is not None:
        return stmt.pattern.within.text
    return _days(wait_ms(graph, node))


def wait_ms(graph: nx.DiGraph, node: str) -> int:
    """The longest a node can hold an instance (0 for non-waits and `wait until`).
    Only wait nodes count: a `join` node carries its `wait for event` as payload too."""
    if graph.nodes[node].get("kind") not in ("wait", "wait_for_event"):
        return 0
    return wait_bounds_ms(graph, node) or 0


def longest_waits(graph: nx.DiGraph) -> tuple[dict[str, int], dict[str, Optional[str]]]:
    """For each reachable node: the longest total wait of a path ending at (and
    including) it, and the predecessor on that path."""
    reachable = reachable_nodes(graph)
    sub = graph.subgraph(reachable)
    total: dict[str, int] = {}
    previous: dict[str, Optional[str]] = {}
    for node in nx.lexicographical_topological_sort(sub, key=lambda n: int(n[1:]) if n[1:].isdigit() else 0):
        best, best_pred = 0, None
        for pred in sub.predecessors(node):
            if best_pred is None or total[pred] > best:
                best, best_pred = total[pred], pred
        total[node] = best + wait_ms(graph, node)
        previous[node] = best_pred
    return total, previous


def run(analysis) -> Iterable[Diagnostic]:
    for name in sorted(analysis.program.journeys):
        graph = analysis.graphs.get(name)
        journey = analysis.program.journeys[name]
        if graph is None or graph.graph.get("entry", "n0") not in graph:
            continue
        timeout = journey.timeout.ms if journey.timeout is not None else DEFAULT_TIMEOUT_MS
        total, previous = longest_waits(graph)
        if not total:
            continue
        end = max(total, key=lambda n: (total[n], -int(n[1:]) if n[1:].isdigit() else 0))
        if total[end] <= timeout:
            continue
        path = [end]
        while previous[path[-1]] is not None:
            path.append(previous[path[-1]])
        path.reverse()
        waits = [n for n in path if wait_ms(graph, n)]
        crossing = next(n for n in path if total[n] > timeout)
        parts = " + ".join(f"{_wait_text(graph, n)} (line {graph.nodes[n]['span'].line})"
                           for n in waits)
        limit = f"timeout {journey.timeout.text}" if journey.timeout is not None else "default timeout 91d"
        yield Diagnostic(CODE, f"waits on a path of journey `{name}` add up to {_days(total[end])}, "
                               f"more than its {limit}: {parts}", graph.nodes[crossing]["span"],
                         "the instance exits with reason `timeout` before the steps after this wait; "
                         "raise `timeout` (at most 91d) or shorten the waits")
