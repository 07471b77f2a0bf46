"""Static polarity of segment conditions: which way a change can move a segment's truth.

Consumes: segment declarations (the AST). Produces, per segment, `SegmentPolarity`:
  * `arrival[type]` — can a newly arrived event of that type make the segment true (UP),
    false (DOWN), or either (BOTH)?
  * `boundary(pattern, is_enter)` — the same for an event entering or leaving one of the
    segment's windows;
  * `reads_state` — does the truth depend on profile attributes or on `now` outside of
    windows (then profile records re-evaluate it and no skipping is done)?
Guarantees: the answer is conservative. The runtime skips an evaluation only when the
change cannot move the truth away from the stored membership: an UP change for a member,
a DOWN change for a non-member. That is sound because a segment body is an existential
conjunction (`has P as a` binds over the rest): a top-level `has P` gains a candidate when
an event arrives or enters its window (UP) and loses one when it leaves (DOWN); a
top-level `no P` is the opposite. `has first P` / `has last P` bind the earliest / latest
match in the window: an entering event cannot displace an earlier first (UP) and a leaving
event is the last one only when the window empties (DOWN). Everything else — `count`,
`sum`, `or`, `not`, patterns inside a `where`, `in_segment` — is BOTH.
"""
from __future__ import annotations

from ...syntax import ast as A

UP, DOWN, BOTH = 1, 2, 3

# role -> (arrival, enter, leave)
_ROLE_MASKS = {
    "has": (UP, UP, DOWN),
    "no": (DOWN, DOWN, UP),
    "first": (UP, UP, BOTH),
    "last": (BOTH, BOTH, DOWN),
    "other": (BOTH, BOTH, BOTH),
}


def _top_level(conditions) -> list:
    """The operands of a conjunction, nested `and` chains flattened."""
    out = []
    for cond in conditions:
        if isinstance(cond, A.BoolChain) and cond.op == "and":
            out.extend(_top_level(cond.operands))
        else:
            out.append(cond)
    return out


def _patterns(node) -> list[A.EventPattern]:
    return [n for n in A.walk(node) if isinstance(n, A.EventPattern)]


def _reads_state(node) -> bool:
    for n in A.walk(node):
        if isinstance(n, A.NameRef) and n.name in ("profile", "now"):
            return True
        if isinstance(n, A.Call) and n.func.name == "consented":
            return True
    return False


class SegmentPolarity:
    def __init__(self, decl: A.SegmentDecl, referenced: list[A.SegmentDecl]) -> None:
        """`referenced`: the segments `decl` reads through `in_segment` (transitively)."""
        self.roles: dict[int, str] = {}
        self._by_id: dict[int, A.EventPattern] = {}
        for cond in _top_level(decl.conditions):
            if isinstance(cond, A.HistoryPred) and cond.kind in ("has", "no"):
                role = cond.quantifier or cond.kind
                self._note(cond.pattern, role)
                if cond.pattern.where is not None:
                    for inner in _patterns(cond.pattern.where):
                        self._note(inner, "other")
            else:
                for pattern in _patterns(cond):
                    self._note(pattern, "other")
        for other in referenced:
            for pattern in _patterns(other):
                self._note(pattern, "other")
        self.reads_state = any(_reads_state(d) for d in [decl, *referenced])
        self.arrival: dict[str, int] = {}
        self.arrival_any = 0  # from `*` patterns: applies to every type
        for pattern_id, role in self.roles.items():
            pattern = self._by_id[pattern_id]
            mask = _ROLE_MASKS[role][0]
            if not pattern.types:
                self.arrival_any |= mask
            for event_type in pattern.types:
                self.arrival[event_type] = self.arrival.get(event_type, 0) | mask

    def _note(self, pattern: A.EventPattern, role: str) -> None:
        key = id(pattern)
        self._by_id[key] = pattern
        previous = self.roles.get(key)
        self.roles[key] = role if previous is None or previous == role else "other"

    def arrival_mask(self, event_type: str) -> int:
        if self.reads_state:
            return BOTH
        return self.arrival.get(event_type, 0) | self.arrival_any

    def boundary_mask(self, pattern: A.EventPattern, is_enter: bool) -> int:
        if self.reads_state:
            return BOTH
        masks = _ROLE_MASKS[self.roles.get(id(pattern), "other")]
        return masks[1] if is_enter else masks[2]


def can_change(mask: int, member: bool) -> bool:
    """May a change with this polarity move a segment whose stored membership is `member`?"""
    return bool(mask & (DOWN if member else UP))
