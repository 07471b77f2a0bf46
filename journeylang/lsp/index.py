"""The program's symbol table for the editor: every declaration and every use of a name.

Consumes: the declarations of a program's files (parsed whole, or recovered one by one,
see `recovery.py`). Produces: `Occurrence`s — (kind, name, span, definition or use,
scope) — for segments, messages, lookups, journeys, aliases (event aliases, `enrich`
names, `send ... as` names), split labels and template files (`body file "..."`), and
lookups by position. Guarantees: only reads the immutable AST; declaration kinds have
their own namespaces (as in the language); aliases and labels are scoped to their
declaration, and a use of an alias resolves to the nearest binding of that name before
it in the same declaration (else the first one after it); never raises for a partial AST.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Iterable, Optional

from ..syntax import ast as A

GLOBAL_KINDS = ("segment", "message", "lookup", "journey")
PATH_ROOTS = ("profile", "event", "journey", "now")


@dataclass(frozen=True)
class Occurrence:
    kind: str        # segment message lookup journey alias label template channel function
    name: str
    span: A.Span
    is_def: bool
    scope: str = ""  # "" for program-wide kinds; "file:line" of the declaration otherwise
    quoted: bool = False  # the span includes the quotes of a string (`in_segment("x")`)
    # the declaration (definitions) or the node using the name; not part of equality
    node: object = field(default=None, compare=False, hash=False)

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.kind, self.name, self.scope)


def _contains(span: A.Span, line: int, column: int) -> bool:
    return (span.line, span.column) <= (line, column) <= (span.end_line, span.end_column)


class SymbolIndex:
    def __init__(self) -> None:
        self.occurrences: list[Occurrence] = []

    # ------------------------------------------------------------ queries
    def at(self, path: str, line: int, column: int) -> Optional[Occurrence]:
        """The innermost occurrence under a 1-based position of a file."""
        best = None
        for occ in self.occurrences:
            if occ.span.file == path and _contains(occ.span, line, column):
                if best is None or (occ.span.line, occ.span.column) >= (best.span.line, best.span.column):
                    best = occ
        return best

    def definitions(self, occ: Occurrence) -> list[Occurrence]:
        key = self.resolve(occ)
        return [o for o in self.occurrences if o.is_def and o.key == key[:3] and
                (key[3] is None or o.span == key[3])]

    def references(self, occ: Occurrence, include_def: bool = True) -> list[Occurrence]:
        key = self.resolve(occ)
        found = []
        for other in self.occurrences:
            if other.key != key[:3] or (other.is_def and not include_def):
                continue
            if other.kind == "alias" and key[3] is not None and self.resolve(other)[3] != key[3]:
                continue
            found.append(other)
        return found

    def resolve(self, occ: Occurrence) -> tuple[str, str, str, Optional[A.Span]]:
        """(kind, name, scope, binding span for aliases or None)."""
        if occ.kind != "alias":
            return (*occ.key, None)
        if occ.is_def:
            return (*occ.key, occ.span)
        bindings = [o for o in self.occurrences if o.is_def and o.key == occ.key]
        before = [o for o in bindings if (o.span.line, o.span.column) < (occ.span.line, occ.span.column)]
        chosen = max(before, key=lambda o: (o.span.line, o.span.column)) if before else (
            min(bindings, key=lambda o: (o.span.line, o.span.column)) if bindings else None)
        return (*occ.key, chosen.span if chosen else None)

    def declared(self, kind: str) -> dict[str, Occurrence]:
        """name -> first definition of a program-wide kind."""
        names: dict[str, Occurrence] = {}
        for occ in self.occurrences:
            if occ.kind == kind and occ.is_def:
                names.setdefault(occ.name, occ)
        return names

    def in_file(self, path: str) -> list[Occurrence]:
        return [o for o in self.occurrences if o.span.file == path]


# ---------------------------------------------------------------- building
def build_index(decls_by_file: dict[str, Iterable[A.Decl]]) -> SymbolIndex:
    index = SymbolIndex()
    for path in sorted(decls_by_file):
        for decl in decls_by_file[path]:
            try:
                _Collector(index, path, decl).run()
            except (AttributeError, TypeError, RecursionError):  # a partial tree: keep what was collected
                continue
    return index


class _Collector:
    def __init__(self, index: SymbolIndex, path: str, decl: A.Decl) -> None:
        self.index, self.path, self.decl = index, path, decl
        self.scope = f"{decl.span.file}:{decl.span.line}"

    def add(self, kind: str, ident: Optional[A.Ident], is_def: bool, node: object = None,
            scoped: bool = False) -> None:
        if ident is None:
            return
        self.index.occurrences.append(Occurrence(kind, ident.name, ident.span, is_def,
                                                 self.scope if scoped else "", node=node))

    def run(self) -> None:
        decl = self.decl
        if isinstance(decl, A.SegmentDecl):
            self.add("segment", decl.name, True, decl)
            for condition in decl.conditions:
                self.expr(condition)
        elif isinstance(decl, A.MessageDecl):
            self.add("message", decl.name, True, decl)
            self.add("channel", decl.channel, False, decl)
            folder = os.path.dirname(decl.span.file)
            for fld in decl.fields:
                if fld.is_file and fld.value_span is not None:
                    target = os.path.normpath(os.path.join(folder, fld.value))
                    self.index.occurrences.append(Occurrence("template", target, fld.value_span, False,
                                                             quoted=True, node=fld))
        elif isinstance(decl, A.LookupDecl):
            self.add("lookup", decl.name, True, decl)
        elif isinstance(decl, A.PolicyDecl):
            for cap in decl.caps:
                self.add("channel", cap.channel, False, cap)
            if decl.quiet_hours is not None and decl.quiet_hours.zone is not None:
                self.expr(decl.quiet_hours.zone)
        elif isinstance(decl, A.JourneyDecl):
            self.journey(decl)

    def journey(self, decl: A.JourneyDecl) -> None:
        self.add("journey", decl.name, True, decl)
        entry = decl.entry
        if isinstance(entry, A.EventEntry):
            self.pattern(entry.pattern)
        elif isinstance(entry, (A.AudienceEntry, A.ReadAudienceEntry)):
            self.add("segment", entry.segment, False, entry)
        if decl.dedup is not None:
            self.expr(decl.dedup.key)
        for exit_on in decl.exits:
            self.pattern(exit_on.pattern)
        self.statements(decl.body)

    def statements(self, body: Optional[tuple]) -> None:
        for stmt in body or ():
            self.statement(stmt)

    def statement(self, stmt) -> None:
        if isinstance(stmt, A.Send):
            self.add("channel", stmt.channel, False, stmt)
            self.add("message", stmt.message, False, stmt)
            if stmt.to is not None:
                self.expr(stmt.to)
            self.add("alias", stmt.alias, True, stmt, scoped=True)
        elif isinstance(stmt, A.Enrich):
            self.expr(stmt.key)
            self.add("lookup", stmt.table, False, stmt)
            self.add("alias", stmt.name, True, stmt, scoped=True)
        elif isinstance(stmt, A.Jump):
            self.add("journey", stmt.journey, False, stmt)
        elif isinstance(stmt, A.WaitForEvent):
            self.pattern(stmt.pattern)
            self.statements(stmt.on_event)
            self.statements(stmt.on_timeout)
        elif isinstance(stmt, A.If):
            for branch in stmt.branches:
                self.expr(branch.condition)
                self.statements(branch.body)
            self.statements(stmt.else_body)
        elif isinstance(stmt, A.Split):
            if stmt.by is not None:
                self.expr(stmt.by)
            for branch in stmt.branches:
                self.add("label", branch.label, True, branch, scoped=True)
                self.statements(branch.body)
        elif isinstance(stmt, A.SetProfile):
            self.expr(stmt.value)
        elif isinstance(stmt, A.WaitUntil):
            self.expr(stmt.when)
        elif isinstance(stmt, A.WaitUntilNext) and stmt.zone is not None:
            self.expr(stmt.zone)

    def pattern(self, pattern: A.EventPattern) -> None:
        self.add("alias", pattern.alias, True, pattern, scoped=True)
        if pattern.after is not None:
            self.add("alias", pattern.after, False, pattern, scoped=True)
        if pattern.where is not None:
            self.expr(pattern.where)

    def expr(self, node) -> None:
        stack = [node]
        while stack:
            current = stack.pop()
            if isinstance(current, A.HistoryPred):
                self.pattern(current.pattern)
                stack.extend(x for x in (current.field, current.value) if x is not None)
                continue
            if isinstance(current, A.Call):
                self.call(current)
                continue
            if isinstance(current, A.NameRef) and current.name not in PATH_ROOTS:
                self.index.occurrences.append(Occurrence("alias", current.name, current.span, False,
                                                         self.scope, node=current))
                continue
            stack.extend(A.iter_children(current))

    def call(self, call: A.Call) -> None:
        self.index.occurrences.append(Occurrence("function", call.func.name, call.func.span, False, node=call))
        name = call.func.name
        if name in ("in_segment", "consented") and len(call.args) == 1:
            arg = call.args[0]
            kind = "segment" if name == "in_segment" else "channel"
            if isinstance(arg, A.NameRef):
                self.index.occurrences.append(Occurrence(kind, arg.name, arg.span, False, node=call))
                return
            if isinstance(arg, A.StringLit):
                self.index.occurrences.append(Occurrence(kind, arg.value, arg.span, False, quoted=True, node=call))
                return
        for arg in call.args:
            self.expr(arg)
