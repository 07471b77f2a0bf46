"""The lint pass: the warnings of LANGUAGE.md section 6 (codes W201-W207), W209, and W208.

Consumes: an `Analysis` after the check passes (program, compiled graphs).
Produces: warning diagnostics, added to `analysis.diagnostics`.
Guarantees: the rules run in the fixed order of `RULES`, one rule per module (each
module's docstring documents its rule: code, what it flags, why it matters, an example
and the fix); a rule only yields diagnostics, it never prints, raises on a broken
program, or mutates the AST. Output is deterministic (rules iterate in name/source order).

Rules
-----
======  ==========================  ==================================================
code    module                      flags
======  ==========================  ==================================================
W201    `consent_guard`             a marketing `send` not guarded by `consented(C)`
W202    `unreachable`               statements after an `exit`
W203    `explicit_reentry`          an event-entry journey without a `reentry` clause
W204    `waits_exceed_timeout`      waits on a path adding up to more than `timeout`
W205    `entry_collision`           two journeys entered by one event type, no `dedup`
W206    `unused`                    a segment, message or lookup that is never used
W207    `long_lookback`             a streaming segment counting/summing over > 30d
W209    `clock_at_records`          a streaming segment reading `now` with no computable flip
W208    `unused_suppression`        an allow comment that suppresses nothing
======  ==========================  ==================================================

Suppressions
------------
A comment ``# journeylang: allow CODE[, CODE...] REASON`` turns warnings off:

* on a line of its own, it covers the construct that starts on the next line (the
  outermost one: a declaration, or a statement, header clause or segment condition):
  every diagnostic with that code whose start lies inside it is dropped. Several allow
  comments (or other comments) may be stacked above the construct; a blank line ends
  the stack, so an allow comment followed by a blank line covers nothing;
* at the end of a line of code, it covers the diagnostics with that code that start on
  that line.

Codes are comma-separated (`allow W201, W206 kept for reporting`). The reason is
optional syntactically but expected by convention: say why the warning is acceptable
so the next reader does not have to guess. Only warnings can be allowed; errors (the
check passes) cannot. An allow comment that suppresses nothing is itself reported
(W208, after all rules ran). See docs/lint.md.
"""
from __future__ import annotations

from types import ModuleType

from ..diagnostics.model import Diagnostic
from . import (
    clock_at_records,
    consent_guard,
    entry_collision,
    explicit_reentry,
    long_lookback,
    unreachable,
    unused,
    unused_suppression,
    waits_exceed_timeout,
)
from .suppressions import apply_suppressions, program_suppressions

# The rules, in the order they run. Each module has `CODE` and `run(analysis)`.
RULES: tuple[ModuleType, ...] = (
    consent_guard,
    unreachable,
    explicit_reentry,
    waits_exceed_timeout,
    entry_collision,
    unused,
    long_lookback,
    clock_at_records,
)

# Every rule module, documented alike; `unused_suppression` (W208) runs after the others
# and the suppressions, on their results.
ALL_RULES: tuple[ModuleType, ...] = RULES + (unused_suppression,)


def run_rules(analysis) -> list[Diagnostic]:
    """Every rule's diagnostics, before suppressions."""
    found: list[Diagnostic] = []
    for rule in RULES:
        for diag in rule.run(analysis):
            if diag.code != rule.CODE:
                raise AssertionError(f"{rule.__name__} yielded {diag.code}, expected {rule.CODE}")
            found.append(diag)
    return found


def lint_program(analysis) -> None:
    """The lint pass: run `RULES`, drop suppressed diagnostics, add the rest, then report
    the allow comments that dropped nothing (W208, which cannot itself be allowed)."""
    diagnostics: list[Diagnostic] = run_rules(analysis)
    suppressions = program_suppressions(analysis.program)
    analysis.diagnostics.extend(apply_suppressions(diagnostics, suppressions))
    analysis.diagnostics.extend(unused_suppression.run(suppressions, diagnostics))
