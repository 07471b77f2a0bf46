"""W209 — a streaming segment reads `now` where no timer can follow it.

What it flags
    A `now` in a streaming segment (or a pattern's `where` inside it) that is not part of
    a comparison monotone in `now`: the two sides of the comparison must be `now` plus or
    minus terms that do not read `now` on one side and no `now` on the other
    (`v.timestamp > now - 3d`, `now - v.timestamp >= 2d`, `profile.trialEnds < now` are
    fine). `abs(now - x) < 1d`, `now == x`-style arithmetic inside a function, `now * 2`,
    or `now` passed to a function are flagged.

Why it matters
    The runtime keeps streaming membership exact without polling: windows have
    boundaries, and a monotone comparison has an instant at which it flips, so a timer
    re-evaluates the segment then. For the reads flagged here no such instant can be
    computed, so the segment is re-evaluated at every record of the profile instead: it
    costs more, and a change that happens between two records (an exit, typically) is
    only seen at the profile's next record, or never if none comes.

Example (triggers)::

    segment near_birthday {
      abs(now - profile.birthDate) < 7d        # W209
    }

Fix: write the condition as monotone comparisons (`profile.nextBirthday > now` and
`profile.nextBirthday <= now + 7d`), use a window (`has event X within D`), or make the
segment `evaluation batch` if it is only read at scheduled times.
"""
from __future__ import annotations

from typing import Iterable

from ..compile.now_terms import clock_comparisons
from ..diagnostics.model import Diagnostic

CODE = "W209"


def run(analysis) -> Iterable[Diagnostic]:
    for name in sorted(analysis.program.segments):
        decl = analysis.program.segments[name]
        if decl.evaluation != "streaming":
            continue
        _, loose = clock_comparisons(decl)
        for node in loose:
            yield Diagnostic(CODE, f"streaming segment `{name}` reads `now` where the instant its truth changes "
                             "cannot be computed: it is re-evaluated at every record of a profile, and a change "
                             "between records shows only at the next one", node.span,
                             "compare `now` plus or minus a duration with a timestamp (`x > now - 3d`), use a "
                             "window, or make the segment `evaluation batch`")
