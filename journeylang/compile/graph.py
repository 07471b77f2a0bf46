"""Compile a journey's statements into a `networkx.DiGraph`.

Consumes: a `JourneyDecl` (checked or not: the compiler never fails on names).
Produces: one DiGraph per journey. Nodes have stable ids `n0`, `n1`, ... in source
pre-order (`n0` is the entry); attributes: `kind` (entry, wait, wait_for_event, condition,
split, send, enrich, set, audience, exit, join, jump), `stmt` (the AST node: the typed
payload), `span`, `label` (a one-line description). Edges have `label` (`next`, `true`,
`false`, `elif N`, `else`, `on event`, `on timeout`, a split label) and `labels` (all of
them, when two labelled edges join the same pair of nodes, e.g. an empty branch).
Graph attributes: `journey`, `entry` (node id), `decl`.
Guarantees: falling off the end of the journey reaches an `exit` node with
`implicit=True` (reason `completed`); every branching statement has a `join` node where
its branches rejoin; the graph is acyclic; the same source gives the same ids.
"""
from __future__ import annotations

from typing import Optional

import networkx as nx

from ..syntax import ast as A

COMPLETED = "completed"


def describe(stmt: object) -> str:
    """A one-line human label for a node's payload."""
    if isinstance(stmt, A.JourneyDecl):
        entry = stmt.entry
        if isinstance(entry, A.EventEntry):
            return "entry event " + (", ".join(entry.pattern.types) or "*")
        if isinstance(entry, A.AudienceEntry):
            return f"entry audience {entry.segment.name}"
        if isinstance(entry, A.ReadAudienceEntry):
            return f"entry read audience {entry.segment.name} at {entry.at.text}"
        return "entry"
    if isinstance(stmt, A.Wait):
        return f"wait {stmt.duration.text}"
    if isinstance(stmt, A.WaitUntil):
        return "wait until"
    if isinstance(stmt, A.WaitUntilNext):
        return f"wait until next {stmt.clock.text}"
    if isinstance(stmt, A.WaitForEvent):
        limit = f" within {stmt.pattern.within.text}" if stmt.pattern.within else ""
        return "wait for event " + (", ".join(stmt.pattern.types) or "*") + limit
    if isinstance(stmt, A.If):
        return "if" + (f" (+{len(stmt.branches) - 1} elif)" if len(stmt.branches) > 1 else "")
    if isinstance(stmt, A.Split):
        return "split " + " / ".join(b.percent.text for b in stmt.branches)
    if isinstance(stmt, A.Send):
        return f"send {stmt.channel.name} {stmt.message.name}"
    if isinstance(stmt, A.Enrich):
        return f"enrich {stmt.name.name} = lookup {stmt.table.name}"
    if isinstance(stmt, A.SetProfile):
        return "set " + ".".join((stmt.root, *stmt.path))
    if isinstance(stmt, A.AudienceAction):
        return f"{stmt.op} {'to' if stmt.op == 'add' else 'from'} audience {stmt.audience.name}"
    if isinstance(stmt, A.Exit):
        return f'exit "{stmt.reason}"' if stmt.reason else "exit"
    if isinstance(stmt, A.Jump):
        return f"jump to journey {stmt.journey.name}"
    return type(stmt).__name__.lower()


_KIND = {A.Wait: "wait", A.WaitUntil: "wait", A.WaitUntilNext: "wait", A.WaitForEvent: "wait_for_event",
         A.If: "condition", A.Split: "split", A.Send: "send", A.Enrich: "enrich", A.SetProfile: "set",
         A.AudienceAction: "audience", A.Exit: "exit", A.Jump: "jump"}


def split_branch_label(index: int, branch: A.SplitBranch) -> str:
    return branch.label.name if branch.label else f"branch {index + 1}"


class _Builder:
    def __init__(self, journey: A.JourneyDecl) -> None:
        self.graph = nx.DiGraph(journey=journey.name.name, entry="n0", decl=journey)
        self.counter = 0
        self.journey = journey

    def node(self, kind: str, stmt: object, span: A.Span, **extra) -> str:
        node_id = f"n{self.counter}"
        self.counter += 1
        self.graph.add_node(node_id, kind=kind, stmt=stmt, span=span, label=describe(stmt), **extra)
        return node_id

    def edge(self, source: str, target: str, label: str) -> None:
        if self.graph.has_edge(source, target):
            data = self.graph.edges[source, target]
            data["labels"] = (*data["labels"], label)
            data["label"] = ", ".join(data["labels"])
        else:
            self.graph.add_edge(source, target, label=label, labels=(label,))

    def block(self, stmts: tuple, pending: list[tuple[str, str]]) -> list[tuple[str, str]]:
        """Compile statements; `pending` are (node, label) edges waiting for the next node.
        Returns the edges that leave the block (empty when every path exited)."""
        for stmt in stmts:
            pending = self.statement(stmt, pending)
        return pending

    def connect(self, pending: list[tuple[str, str]], target: str) -> None:
        for source, label in pending:
            self.edge(source, target, label)

    def statement(self, stmt, pending):
        kind = _KIND[type(stmt)]
        if kind == "exit":
            node = self.node(kind, stmt, stmt.span, reason=stmt.reason or "exit")
            self.connect(pending, node)
            return []
        node = self.node(kind, stmt, stmt.span)
        self.connect(pending, node)
        if isinstance(stmt, A.If):
            exits: list[tuple[str, str]] = []
            for index, branch in enumerate(stmt.branches):
                label = "true" if index == 0 else f"elif {index}"
                exits += self.block(branch.body, [(node, label)])
            if stmt.else_body is not None:
                exits += self.block(stmt.else_body, [(node, "else")])
            else:
                exits.append((node, "false" if len(stmt.branches) == 1 else "else"))
            return self.join(stmt, exits)
        if isinstance(stmt, A.Split):
            exits = []
            for index, branch in enumerate(stmt.branches):
                exits += self.block(branch.body, [(node, split_branch_label(index, branch))])
            return self.join(stmt, exits)
        if isinstance(stmt, A.WaitForEvent):
            exits = self.block(stmt.on_event or (), [(node, "on event")])
            exits += self.block(stmt.on_timeout or (), [(node, "on timeout")])
            return self.join(stmt, exits)
        return [(node, "next")]

    def join(self, stmt, exits: list[tuple[str, str]]) -> list[tuple[str, str]]:
        node = self.node("join", stmt, stmt.span)
        self.graph.nodes[node]["label"] = "join"
        self.connect(exits, node)
        return [(node, "next")]


def compile_journey(journey: A.JourneyDecl) -> nx.DiGraph:
    builder = _Builder(journey)
    entry_span = journey.entry.span if journey.entry is not None else journey.span
    entry = builder.node("entry", journey, entry_span)
    leaving = builder.block(journey.body, [(entry, "next")])
    end_span = A.Span(file=journey.span.file, line=journey.span.end_line, column=max(1, journey.span.end_column - 1),
                      end_line=journey.span.end_line, end_column=journey.span.end_column)
    end = builder.node("exit", None, end_span, reason=COMPLETED, implicit=True)
    builder.graph.nodes[end]["label"] = "end (completed)"
    builder.connect(leaving, end)
    return builder.graph


def reachable_nodes(graph: nx.DiGraph) -> set[str]:
    entry = graph.graph["entry"]
    return {entry} | nx.descendants(graph, entry)


def wait_bounds_ms(graph: nx.DiGraph, node: str) -> Optional[int]:
    """The longest time a node can hold an instance (None when not a timed wait)."""
    data = graph.nodes[node]
    if data["kind"] not in ("wait", "wait_for_event"):
        return None
    stmt = data["stmt"]
    if isinstance(stmt, A.Wait):
        return stmt.duration.ms
    if isinstance(stmt, A.WaitForEvent) and stmt.pattern.within is not None:
        return stmt.pattern.within.ms
    return None
