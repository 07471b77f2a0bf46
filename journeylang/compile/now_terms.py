"""Where an expression reads the clock, and whether the instant its truth flips can be
computed.

Consumes: AST expressions (segment bodies, with their patterns' `where` clauses).
Produces: `now_coefficient(expr)` — how an expression moves as `now` moves: 0 (it does
not read `now`), +1 / -1 (it is `now` plus or minus terms that do not read it), None
(anything else: `abs(now - x)`, `now * 2`, a function of `now`); and
`clock_comparisons(node)` -> (the comparisons monotone in `now`, the places where `now` is
read in a way no instant can be computed for).
Guarantees: a comparison `L op R` with coefficient(L) - coefficient(R) = ±1 is monotone
in `now`, so the instant at which it flips follows from the two sides' values at one
instant (`flip_instants`); the runtime schedules it like a window boundary, and the lint
rule W209 reports the other reads.
"""
from __future__ import annotations

from typing import Optional

from ..syntax import ast as A

COMPARISONS = ("==", "!=", "<", "<=", ">", ">=")


def reads_now(node) -> bool:
    return any(isinstance(n, A.NameRef) and n.name == "now" for n in A.walk(node))


def now_coefficient(node) -> Optional[int]:
    if isinstance(node, A.NameRef):
        return 1 if node.name == "now" else 0
    if isinstance(node, A.Binary) and node.op in ("+", "-"):
        left, right = now_coefficient(node.left), now_coefficient(node.right)
        if left is None or right is None:
            return None
        total = left + right if node.op == "+" else left - right
        return total if total in (-1, 0, 1) else None
    if isinstance(node, A.Unary) and node.op == "-":
        inner = now_coefficient(node.operand)
        return None if inner is None else -inner
    return None if reads_now(node) else 0


def comparison_slope(node) -> Optional[int]:
    """±1 for a comparison monotone in `now` (how left - right moves), else None."""
    if not (isinstance(node, A.Binary) and node.op in COMPARISONS):
        return None
    left, right = now_coefficient(node.left), now_coefficient(node.right)
    if left is None or right is None or left - right not in (-1, 1):
        return None
    return left - right


def clock_comparisons(node) -> tuple[list[A.Binary], list[A.NameRef]]:
    """(comparisons whose flip instant can be computed, `now` reads outside them)."""
    timed: list[A.Binary] = []
    covered: set[int] = set()
    for n in A.walk(node):
        if comparison_slope(n) is not None:
            timed.append(n)
            covered.update(id(m) for m in A.walk(n) if isinstance(m, A.NameRef) and m.name == "now")
    loose = [n for n in A.walk(node) if isinstance(n, A.NameRef) and n.name == "now" and id(n) not in covered]
    return timed, loose


def flip_instants(slope: int, difference: int, now: int) -> tuple[int, ...]:
    """The instants after `now` at which `left - right` (worth `difference` at `now`, moving
    by `slope` per ms) reaches 0 or leaves it: every ordering comparison of the two sides
    keeps its truth between them. At most two; a truth that never changes again gives ()."""
    zero = now - slope * difference          # the instant left - right == 0
    return tuple(t for t in (zero, zero + 1) if t > now)
