"""W206 — unused declaration.

What it flags
    * a segment that no journey enters on (`entry audience S`, `entry read audience S`)
      and that nothing tests with `in_segment(S)` (a use inside the segment's own body
      does not count);
    * a message that no `send` uses;
    * a lookup that no `enrich ... = lookup T` reads.
    Journeys are never unused (they run on their own entry). Uses are counted anywhere
    in the program, including inside declarations that are themselves unused, so
    removing one unused declaration may reveal another.

Why it matters
    Unused declarations are leftovers: a message whose copy is still reviewed and
    translated but never sent, a segment that is evaluated (streaming segments are
    re-evaluated on every event and write `segments.jsonl`) for nobody, a lookup table
    that is loaded for nothing. They also mislead the next reader about what the
    journeys do. Often they signal a typo or a forgotten `send` in a journey.

Example (triggers)::

    message cart_reminder_v1 { channel email subject "..." body "..." }   # W206: never sent

Fix: remove the declaration, or use it. A segment kept on purpose for reporting (its
membership in `segments.jsonl`) can be allowed:
`# journeylang: allow W206 kept for the weekly membership report`.
"""
from __future__ import annotations

from typing import Iterable

from ..diagnostics.model import Diagnostic
from ..syntax import ast as A

CODE = "W206"


def _segment_name(arg: A.Expr) -> str | None:
    if isinstance(arg, A.NameRef):
        return arg.name
    if isinstance(arg, A.StringLit):
        return arg.value
    return None


def collect_uses(program) -> tuple[dict[str, set[int]], set[str], set[str]]:
    """(segment name -> ids of the declarations using it, messages sent, lookups read)."""
    segments: dict[str, set[int]] = {}
    messages: set[str] = set()
    lookups: set[str] = set()
    for decl in program.declarations():
        for node in A.walk(decl):
            if isinstance(node, (A.AudienceEntry, A.ReadAudienceEntry)):
                segments.setdefault(node.segment.name, set()).add(id(decl))
            elif isinstance(node, A.Call) and node.func.name == "in_segment" and node.args:
                name = _segment_name(node.args[0])
                if name is not None:
                    segments.setdefault(name, set()).add(id(decl))
            elif isinstance(node, A.Send):
                messages.add(node.message.name)
            elif isinstance(node, A.Enrich):
                lookups.add(node.table.name)
    return segments, messages, lookups


def run(analysis) -> Iterable[Diagnostic]:
    program = analysis.program
    segment_uses, messages, lookups = collect_uses(program)
    found: list[Diagnostic] = []
    for name, decl in program.segments.items():
        if not (segment_uses.get(name, set()) - {id(decl)}):
            found.append(Diagnostic(CODE, f"segment `{name}` is never used: no journey enters on it or reads it, "
                                          f"and no `in_segment({name})` tests it", decl.name.span,
                                    "remove it, or use it in a journey"))
    for name, decl in program.messages.items():
        if name not in messages:
            found.append(Diagnostic(CODE, f"message `{name}` is never sent", decl.name.span,
                                    f"remove it, or send it from a journey (`send CHANNEL {name}`)"))
    for name, decl in program.lookups.items():
        if name not in lookups:
            found.append(Diagnostic(CODE, f"lookup `{name}` is never used by an `enrich`", decl.name.span,
                                    f"remove it, or read it with `enrich NAME = lookup {name} by EXPR`"))
    found.sort(key=Diagnostic.sort_key)
    return found
