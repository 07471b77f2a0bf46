"""W207 — long look-back in a streaming segment.

What it flags
    A segment evaluated `streaming` (the default) with a `count` or `sum(...) of`
    predicate whose window reaches more than 30 days back:

    * `within D` with D > 30d; `between D1 and D2 ago` with D1 > 30d;
    * `before D ago`, or no window at all: unbounded (all history);
    * `after A [within D]`: as far back as the pattern that binds A in the same segment
      reaches (not flagged when A cannot be resolved there).

    `has` / `no` predicates are not flagged: they stop at the first match, and their
    cost does not grow with the number of events in the window.

Why it matters
    A streaming segment is kept current at every record and every window boundary:
    counting or summing over a long window means keeping (and re-scanning) months of
    events for every profile, and history cannot be pruned below the longest look-back.
    Long-window aggregates ("3 purchases in 90 days") rarely need to be real-time;
    evaluated in batch where a journey reads the audience, they give the same answer at
    a fraction of the cost. (Adobe's streaming segmentation has the same restriction.)

Example (triggers)::

    segment loyal_buyers {
      count event commerce.purchases within 90d >= 3       # W207
    }

Fix: add `evaluation batch` (and read the audience with `entry read audience ... at`),
or shorten the window to 30d or less.
"""
from __future__ import annotations

from typing import Iterable, Optional

from ..diagnostics.model import Diagnostic
from ..syntax import ast as A

CODE = "W207"
LIMIT_MS = 30 * 24 * 3600 * 1000
UNBOUNDED = -1


def _aliases(segment: A.SegmentDecl) -> dict[str, A.EventPattern]:
    found: dict[str, A.EventPattern] = {}
    for node in A.walk(segment):
        if isinstance(node, A.EventPattern) and node.alias is not None:
            found.setdefault(node.alias.name, node)
    return found


def reach(pattern: A.EventPattern, aliases: dict[str, A.EventPattern],
          seen: frozenset = frozenset()) -> Optional[tuple[int, str]]:
    """How far back from `now` the pattern's window reaches, as (ms, source text), with
    ms UNBOUNDED for all of history; None when it cannot be told."""
    if pattern.after is not None:
        anchor = aliases.get(pattern.after.name)
        if anchor is None or anchor.alias is None or anchor.alias.name in seen or anchor is pattern:
            return None
        return reach(anchor, aliases, seen | {anchor.alias.name})
    if pattern.between is not None:
        far = max(pattern.between, key=lambda d: d.ms)
        return far.ms, far.text
    if pattern.within is not None:
        return pattern.within.ms, pattern.within.text
    return UNBOUNDED, "all of history"  # `before D ago`, or no window


def run(analysis) -> Iterable[Diagnostic]:
    for name in sorted(analysis.program.segments):
        segment = analysis.program.segments[name]
        if segment.evaluation != "streaming":
            continue
        aliases = _aliases(segment)
        for node in A.walk(segment):
            if not isinstance(node, A.HistoryPred) or node.kind not in ("count", "sum"):
                continue
            found = reach(node.pattern, aliases)
            if found is None or (found[0] != UNBOUNDED and found[0] <= LIMIT_MS):
                continue
            what = "counts" if node.kind == "count" else "sums"
            types = ", ".join(f"`{t}`" for t in node.pattern.types) or "all events"
            span_text = found[1]
            yield Diagnostic(CODE, f"streaming segment `{name}` {what} {types} over {span_text}, "
                                   f"more than 30d", node.span,
                             "add `evaluation batch` to the segment (and read it with `entry read audience`), "
                             "or shorten the window to 30d or less")
