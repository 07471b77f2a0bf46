"""W205 — two journeys entered by the same event type without dedup.

What it flags
    Two journeys with `entry event` patterns that share an event type (or where one of
    them uses `*`), when neither journey has a `dedup` clause. Patterns restricted with
    `from DATASET` to two different datasets cannot match the same event and are not
    flagged (`where` conditions are not compared). Reported on the later journey in name
    order, naming the earlier one(s) it collides with; one diagnostic per journey.

Why it matters
    Every event of that type starts both journeys for the same profile at the same
    instant, so the customer gets two messages about one action (message collisions):
    two "thanks for your order" emails, a discount and a full-price reminder. Often one
    journey was copied from the other, or two teams own overlapping journeys; `dedup`
    on at least one of them shows the overlap was considered.

Example (triggers)::

    journey order_thanks   { entry event commerce.purchases  reentry always  send email thanks }
    journey review_request { entry event commerce.purchases  reentry always  ... }   # W205

Fix: merge the journeys (a `split` or an `if` in one journey), narrow one entry (`from`,
`where`), add `dedup by ...` to one of them, or, when both messages are intended,
suppress with `# journeylang: allow W205 <why both are fine>` above the later journey.
"""
from __future__ import annotations

from typing import Iterable, Optional

from ..diagnostics.model import Diagnostic
from ..syntax import ast as A

CODE = "W205"


def _shared(a: A.EventPattern, b: A.EventPattern) -> Optional[list[str]]:
    """The event types both patterns can match (['*'] for a wildcard), or None."""
    if a.dataset is not None and b.dataset is not None and a.dataset != b.dataset:
        return None
    if not a.types and not b.types:
        return ["*"]
    if not a.types:
        return list(b.types)
    if not b.types:
        return list(a.types)
    common = [t for t in b.types if t in set(a.types)]
    return common or None


def run(analysis) -> Iterable[Diagnostic]:
    journeys = analysis.program.journeys
    candidates = [name for name in sorted(journeys)
                  if isinstance(journeys[name].entry, A.EventEntry) and journeys[name].dedup is None]
    for position, later in enumerate(candidates):
        pattern = journeys[later].entry.pattern
        clashes = []
        for earlier in candidates[:position]:
            shared = _shared(journeys[earlier].entry.pattern, pattern)
            if shared:
                clashes.append(f"`{earlier}` (on {', '.join(f'`{t}`' for t in shared)})")
        if clashes:
            others = clashes[0] if len(clashes) == 1 else ", ".join(clashes[:-1]) + " and " + clashes[-1]
            nobody, all_of = ("neither has", "both") if len(clashes) == 1 else ("none of them has", "them all")
            yield Diagnostic(CODE, f"journey `{later}` is entered by the same events as {others}, and {nobody} "
                                   f"`dedup`: one event can start {all_of} for the same profile (message collisions)",
                             journeys[later].entry.span,
                             "merge the journeys, narrow an entry (`from`, `where`), add `dedup by ...`, or "
                             "allow it with `# journeylang: allow W205 <reason>`")
