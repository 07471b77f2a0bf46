"""Shared vocabulary of the check passes: channels, fields, functions, traversals.

Consumes: the AST (`journeylang.syntax.ast`) and a `Program`.
Produces: the check passes' view of the built-in vocabulary (`program.builtins`, re-exported
here), `ROOTS`, and small pure helpers: statement traversal,
span arithmetic, "where is this name bound" indexes, and human-readable locations.
Guarantees: no diagnostics are produced here and nothing is mutated; every helper is
deterministic (source order in, source order out).
"""
from __future__ import annotations

import os
from typing import Iterable, Iterator, Optional

from ..program.builtins import CHANNELS, CONSENT_CHANNELS, CONSENT_PATHS, FUNCTIONS, NAME_ARGUMENT_FUNCTIONS  # noqa: F401
from ..syntax import ast as A

# path roots that are always available (where they make sense; see scope.py)
ROOTS: tuple[str, ...] = ("profile", "journey", "now", "event")

# a journey's timeout may not exceed this (LANGUAGE.md section 5)
MAX_TIMEOUT_MS = 91 * 24 * 3600 * 1000


def arity_text(name: str) -> str:
    low, high = FUNCTIONS[name]
    if high == low:
        return f"{low} argument{'s' if low != 1 else ''}"
    if high is None:
        return f"at least {low} argument{'s' if low != 1 else ''}"
    return f"{low} to {high} arguments"


def iter_statements(body: Optional[Iterable[A.Stmt]]) -> Iterator[A.Stmt]:
    """Every statement of a block and of its nested blocks, in source pre-order."""
    for stmt in body or ():
        yield stmt
        yield from iter_statements(child_blocks_flat(stmt))


def child_blocks(stmt: A.Stmt) -> list[tuple[A.Stmt, ...]]:
    """The nested statement blocks of one statement (branches, handlers), in source order."""
    if isinstance(stmt, A.If):
        blocks = [branch.body for branch in stmt.branches]
        if stmt.else_body is not None:
            blocks.append(stmt.else_body)
        return blocks
    if isinstance(stmt, A.Split):
        return [branch.body for branch in stmt.branches]
    if isinstance(stmt, A.WaitForEvent):
        return [block for block in (stmt.on_event, stmt.on_timeout) if block is not None]
    return []


def child_blocks_flat(stmt: A.Stmt) -> list[A.Stmt]:
    return [inner for block in child_blocks(stmt) for inner in block]


def named_decls(program) -> Iterator[A.Decl]:
    """Every declaration except policies, in source order (duplicates included)."""
    for decl in program.declarations():
        if not isinstance(decl, A.PolicyDecl):
            yield decl


def kind_of(decl: A.Decl) -> str:
    return {A.SegmentDecl: "segment", A.JourneyDecl: "journey", A.MessageDecl: "message",
            A.LookupDecl: "lookup", A.PolicyDecl: "policy"}[type(decl)]


def join_spans(first: A.Span, last: A.Span) -> A.Span:
    """A span from the start of `first` to the end of `last`."""
    return A.Span(file=first.file, line=first.line, column=first.column,
                  end_line=last.end_line, end_column=last.end_column)


def position_key(span: A.Span) -> tuple[int, int]:
    return span.line, span.column


def where(span: A.Span, relative_to: Optional[A.Span] = None) -> str:
    """`line N` when in the same file as `relative_to`, else `path:line:col`."""
    if relative_to is not None and relative_to.file == span.file:
        return f"line {span.line}"
    return span.at()


def backticked(names: Iterable[str]) -> str:
    return ", ".join(f"`{name}`" for name in names)


def declaring_dir(span: A.Span) -> str:
    return os.path.dirname(span.file)


def binding_sites(decl: A.Decl) -> dict[str, tuple[str, A.Span]]:
    """Every name a segment or journey binds anywhere -> (how, span of the first binding).

    `how` is one of: "entry" (the entry alias), "has" (a `has ... as A` predicate),
    "pattern" (the alias of a `no`/`count`/`sum`/`exit on` pattern, visible only in its own
    `where`), "wait" (a `wait for event ... as A`), "enrich", "send"."""
    sites: dict[str, tuple[str, A.Span]] = {}

    def note(name: A.Ident, how: str) -> None:
        sites.setdefault(name.name, (how, name.span))

    if isinstance(decl, A.JourneyDecl) and isinstance(decl.entry, A.EventEntry) and decl.entry.pattern.alias:
        note(decl.entry.pattern.alias, "entry")
    wait_patterns = set()
    if isinstance(decl, A.JourneyDecl):
        for stmt in iter_statements(decl.body):
            if isinstance(stmt, A.WaitForEvent) and stmt.pattern.alias is not None:
                wait_patterns.add(id(stmt.pattern))
    for node in A.walk(decl):
        if isinstance(node, A.HistoryPred) and node.pattern.alias is not None:
            note(node.pattern.alias, "has" if node.kind == "has" else "pattern")
        elif isinstance(node, A.EventPattern) and node.alias is not None and id(node) in wait_patterns:
            note(node.alias, "wait")
        elif isinstance(node, A.ExitOn) and node.pattern.alias is not None:
            note(node.pattern.alias, "pattern")
        elif isinstance(node, A.Enrich):
            note(node.name, "enrich")
        elif isinstance(node, A.Send) and node.alias is not None:
            note(node.alias, "send")
    return sites
