"""References between declarations: duplicates, undefined names, segment cycles.

Consumes: `analysis.program` (declarations indexed per kind, `duplicates`).
Produces: E110 duplicate declaration (at the later one; the hint names the first);
E101 undefined segment (`entry audience`, `entry read audience`, `in_segment(NAME)`),
E102 undefined message (`send`), E103 undefined lookup (`enrich`), E105 undefined
journey (`jump`), E106 duplicate split label within one journey, E131 segment cycle
through `in_segment` (once per cycle, at its first segment in source order).
Side table: `analysis.sends_of_message[message] -> [Send, ...]` in source order, for
every `send` whose message is declared.
Guarantees: every "undefined" diagnostic points at the misspelt name and carries a
did-you-mean hint drawn from the declared names of that kind when one is close.
"""
from __future__ import annotations

from typing import Optional

import networkx as nx

from ..diagnostics.model import did_you_mean
from ..program.analysis import Analysis
from ..syntax import ast as A
from .common import iter_statements, kind_of, named_decls, position_key


def check_names(analysis: Analysis) -> None:
    program = analysis.program
    _duplicates(analysis)
    for decl in program.declarations():
        for call in _segment_calls(decl):
            _segment_ref(analysis, *call)
        if isinstance(decl, A.JourneyDecl):
            _journey_refs(analysis, decl)
    _segment_cycles(analysis)


# ---------------------------------------------------------------- duplicates
def _duplicates(analysis: Analysis) -> None:
    for later, first in analysis.program.duplicates:
        kind = kind_of(later)
        analysis.diagnostics.add(
            "E110", f"{kind} `{later.name.name}` is declared twice", later.name.span,
            f"the first `{later.name.name}` is declared at {first.name.span.at()}; "
            f"each {kind} name may be declared once")


# ---------------------------------------------------------------- segments
def _segment_calls(decl: A.Decl) -> list[tuple[A.Span, str]]:
    """(span of the name, segment name) for every `in_segment(NAME)` in a declaration."""
    found = []
    for node in A.walk(decl):
        if isinstance(node, A.Call) and node.func.name == "in_segment" and len(node.args) == 1:
            name = segment_argument(node.args[0])
            if name is not None:
                found.append((node.args[0].span, name))
    return found


def segment_argument(arg: A.Expr) -> Optional[str]:
    """The segment an `in_segment` argument names (a bare name or a string), else None."""
    if isinstance(arg, A.NameRef):
        return arg.name
    if isinstance(arg, A.StringLit):
        return arg.value
    return None


def _segment_ref(analysis: Analysis, span: A.Span, name: str) -> None:
    segments = analysis.program.segments
    if name not in segments:
        analysis.diagnostics.add("E101", f"undefined segment `{name}`", span,
                                 did_you_mean(name, segments) or _declared("segment", segments))


def _declared(kind: str, table: dict) -> str:
    if not table:
        return f"no {kind} is declared; declare it with `{kind} NAME {{ ... }}`"
    names = sorted(table)
    shown = ", ".join(f"`{n}`" for n in names[:8]) + (", ..." if len(names) > 8 else "")
    return f"declared {kind}s: {shown}"


# ---------------------------------------------------------------- journeys
def _journey_refs(analysis: Analysis, journey: A.JourneyDecl) -> None:
    program = analysis.program
    bag = analysis.diagnostics
    entry = journey.entry
    if isinstance(entry, (A.AudienceEntry, A.ReadAudienceEntry)):
        _segment_ref(analysis, entry.segment.span, entry.segment.name)
    labels: dict[str, A.Ident] = {}
    for stmt in iter_statements(journey.body):
        if isinstance(stmt, A.Send):
            name = stmt.message.name
            if name in program.messages:
                analysis.sends_of_message.setdefault(name, []).append(stmt)
            else:
                bag.add("E102", f"undefined message `{name}`", stmt.message.span,
                        did_you_mean(name, program.messages) or _declared("message", program.messages))
        elif isinstance(stmt, A.Enrich):
            name = stmt.table.name
            if name not in program.lookups:
                bag.add("E103", f"undefined lookup `{name}`", stmt.table.span,
                        did_you_mean(name, program.lookups) or _declared("lookup", program.lookups))
        elif isinstance(stmt, A.Jump):
            name = stmt.journey.name
            if name not in program.journeys:
                bag.add("E105", f"undefined journey `{name}`", stmt.journey.span,
                        did_you_mean(name, program.journeys) or _declared("journey", program.journeys))
        elif isinstance(stmt, A.Split):
            for branch in stmt.branches:
                if branch.label is None:
                    continue
                first = labels.get(branch.label.name)
                if first is not None:
                    bag.add("E106", f"split label `{branch.label.name}` is used twice in journey "
                                    f"`{journey.name.name}`", branch.label.span,
                            f"the first `{branch.label.name}` is on line {first.span.line}; "
                            "labels name branches in reports, so they must be unique within a journey")
                else:
                    labels[branch.label.name] = branch.label


# ---------------------------------------------------------------- cycles
def _segment_cycles(analysis: Analysis) -> None:
    segments = analysis.program.segments
    order = {name: index for index, name in enumerate(
        decl.name.name for decl in named_decls(analysis.program) if isinstance(decl, A.SegmentDecl))}
    graph = nx.DiGraph()
    first_call: dict[tuple[str, str], A.Span] = {}
    for name, decl in segments.items():
        graph.add_node(name)
        for span, target in _segment_calls(decl):
            if target in segments:
                graph.add_edge(name, target)
                key = (name, target)
                if key not in first_call or position_key(span) < position_key(first_call[key]):
                    first_call[key] = span
    reported: set[frozenset] = set()
    cycles = []
    for cycle in nx.simple_cycles(graph):
        start = min(range(len(cycle)), key=lambda i: order.get(cycle[i], 0))
        cycles.append(cycle[start:] + cycle[:start])
    for cycle in sorted(cycles, key=lambda c: [order.get(n, 0) for n in c]):
        key = frozenset(zip(cycle, cycle[1:] + cycle[:1]))
        if key in reported:
            continue
        reported.add(key)
        head, nxt = cycle[0], cycle[1 % len(cycle)]
        path = " → ".join(f"`{n}`" for n in (*cycle, head))
        if len(cycle) == 1:
            message = f"segment `{head}` uses itself through `in_segment`"
        else:
            message = f"segment cycle through `in_segment`: {path}"
        analysis.diagnostics.add("E131", message, first_call[(head, nxt)],
                                 "a segment cannot depend on itself; break the cycle by "
                                 "repeating the condition instead of referring to the segment")
