"""W203 — event entry without an explicit `reentry`.

What it flags
    A journey entered by an event (`entry event PATTERN`) that has no `reentry` clause.

Why it matters
    The default is `reentry never`: each profile goes through the journey once in its
    life. For an event entry that is rarely what the team expects — a cart-abandonment
    or post-purchase journey silently stops working for returning customers after their
    first cart or first order, and the report only shows refusals (reason `reentry`).
    Audience entries are not flagged: entering once per qualification is what people
    usually mean there, and a scheduled read states its own cadence.

Example (triggers)::

    journey abandoned_cart {
      entry event commerce.productListAdds as add      # W203
      wait 30m
      ...
    }

Fix: say what you mean — `reentry always`, `reentry after 1d`, or `reentry never` to
confirm the default.
"""
from __future__ import annotations

from typing import Iterable

from ..diagnostics.model import Diagnostic
from ..syntax import ast as A

CODE = "W203"


def run(analysis) -> Iterable[Diagnostic]:
    for name in sorted(analysis.program.journeys):
        journey = analysis.program.journeys[name]
        if isinstance(journey.entry, A.EventEntry) and journey.reentry is None:
            yield Diagnostic(CODE, f"journey `{name}` is entered by an event but has no `reentry` clause: "
                                   f"by default (`reentry never`) each profile enters it only once",
                             journey.entry.span,
                             "add `reentry always`, `reentry after D`, or `reentry never` to confirm the default")
