"""The reference evaluator: segment bodies interpreted straight from the AST, by brute force.

Consumes: segment declarations, a profile's whole history (every event, in log order,
never projected or pruned), its attributes and an instant.
Produces: `ReferenceSegments.holds(name, profile, now)` -> is the profile a member.
Guarantees: deliberately simple and separate from the fast path (`core/evaluator.py`):
no compiled closures, no bisection, no per-type lists, no polarity, no relevance — every
pattern scans the whole history. Only the value operators (`core/values.py`, the
definition of `==`, `<`, arithmetic and null semantics) and the built-in functions are
shared, because they *are* the language's semantics. Slow on purpose: for tests and
`journeylang replay --reference`.
"""
from __future__ import annotations

from typing import Optional

from ...program.builtins import CONSENT_PATHS
from ...syntax import ast as A
from ..core.functions import FUNCTIONS
from ..core.values import (Duration, Event, Timestamp, arithmetic, compare, contains, get_attr, get_index, star,
                           truthy)


class _Scope:
    """What an expression sees: the profile, the instant, bound names, the candidate."""

    def __init__(self, segments: "ReferenceSegments", profile, now: int, bind: dict, event: Optional[Event]):
        self.segments, self.profile, self.now, self.bind, self.event = segments, profile, now, bind, event

    def but(self, *, bind: Optional[dict] = None, event: Optional[Event] = None) -> "_Scope":
        return _Scope(self.segments, self.profile, self.now, self.bind if bind is None else bind,
                      self.event if event is None else event)


class ReferenceSegments:
    def __init__(self, program) -> None:
        self.decls = dict(sorted(program.segments.items()))

    def holds(self, name: str, profile, now: int) -> bool:
        decl = self.decls.get(name)
        if decl is None:
            return False
        return _conjunction(list(decl.conditions), _Scope(self, profile, now, {}, None)) is not None


def _conjunction(operands: list, scope: _Scope) -> Optional[dict]:
    """The bindings made when the conjunction holds (`has P as A` is an existential over
    the rest of it), else None."""
    if not operands:
        return {}
    first, rest = operands[0], operands[1:]
    if isinstance(first, A.HistoryPred) and first.kind == "has" and first.pattern.alias is not None:
        alias = first.pattern.alias.name
        for event in _matches(first.pattern, scope, first.quantifier):
            bind = dict(scope.bind)
            bind[alias] = event
            found = _conjunction(rest, scope.but(bind=bind))
            if found is not None:
                return {alias: event, **found}
        return None
    if isinstance(first, A.BoolChain) and first.op == "and":
        inner = _conjunction(list(first.operands), scope)
        if inner is None:
            return None
        bind = {**scope.bind, **inner}
        found = _conjunction(rest, scope.but(bind=bind))
        return None if found is None else {**inner, **found}
    if not truthy(_value(first, scope)):
        return None
    return _conjunction(rest, scope)


def _in_window(pattern: A.EventPattern, event: Event, now: int, anchor: Optional[Event]) -> bool:
    ts = event.ts
    if ts > now:
        return False
    if pattern.between is not None:
        return now - pattern.between[0].ms < ts <= now - pattern.between[1].ms
    if pattern.before is not None:
        return ts <= now - pattern.before.ms
    if pattern.after is not None:
        if (ts, event.seq) <= (anchor.ts, anchor.seq):
            return False
        return pattern.within is None or ts <= anchor.ts + pattern.within.ms
    if pattern.within is not None:
        return ts > now - pattern.within.ms
    return True


def _matches(pattern: A.EventPattern, scope: _Scope, quantifier: Optional[str] = None) -> list[Event]:
    anchor = None
    if pattern.after is not None:
        anchor = scope.bind.get(pattern.after.name)
        if not isinstance(anchor, Event):
            return []
    alias = pattern.alias.name if pattern.alias else None
    found = []
    for event in scope.profile.all_events:
        if pattern.types and event.type not in pattern.types:
            continue
        if pattern.dataset is not None and event.dataset != pattern.dataset:
            continue
        if not _in_window(pattern, event, scope.now, anchor):
            continue
        if pattern.where is not None:
            bind = dict(scope.bind)
            if alias is not None:
                bind[alias] = event
            if not truthy(_value(pattern.where, scope.but(bind=bind, event=event))):
                continue
        found.append(event)
    found.sort(key=lambda e: (e.ts, e.seq))
    if quantifier == "first":
        return found[:1]
    if quantifier == "last":
        return found[-1:]
    return found


def _history(node: A.HistoryPred, scope: _Scope) -> bool:
    events = _matches(node.pattern, scope, node.quantifier)
    if node.kind == "has":
        return bool(events)
    if node.kind == "no":
        return not events
    target = _value(node.value, scope)
    if node.kind == "count":
        return compare(node.cmp, len(events), target)
    total = 0
    for event in events:
        item = _value(node.field, scope.but(event=event), relative=True)
        if isinstance(item, (int, float)) and not isinstance(item, bool):
            total += item
    return compare(node.cmp, total, target)


def _value(node, scope: _Scope, relative: bool = False):
    kind = type(node).__name__
    if kind in ("StringLit", "NumberLit", "BoolLit"):
        return node.value
    if kind == "NullLit":
        return None
    if kind == "DurationLit":
        return Duration(node.ms)
    if kind == "TimestampLit":
        return Timestamp(node.ms)
    if kind == "ClockLit":
        return node.text
    if kind == "PercentLit":
        return node.value / 100.0
    if kind == "ListLit":
        return [_value(item, scope, relative) for item in node.items]
    if kind == "NameRef":
        return _name(node.name, scope, relative)
    if kind == "Attr":
        return get_attr(_value(node.target, scope, relative), node.name)
    if kind == "Index":
        return get_index(_value(node.target, scope, relative), _value(node.index, scope, relative))
    if kind == "Star":
        return star(_value(node.target, scope, relative))
    if kind == "Unary":
        operand = _value(node.operand, scope, relative)
        if node.op == "not":
            return not truthy(operand)
        if isinstance(operand, Duration):
            return Duration(-int(operand))
        if isinstance(operand, (int, float)) and not isinstance(operand, (bool, Timestamp)):
            return -operand
        return None
    if kind == "Binary":
        left, right = _value(node.left, scope, relative), _value(node.right, scope, relative)
        if node.op in ("==", "!=", "<", "<=", ">", ">="):
            return compare(node.op, left, right)
        if node.op == "in":
            return contains(right, left)
        if node.op == "not in":
            return not contains(right, left)
        return arithmetic(node.op, left, right)
    if kind == "BoolChain":
        if node.op == "or":
            return any(truthy(_value(operand, scope, relative)) for operand in node.operands)
        return _conjunction(list(node.operands), scope) is not None
    if kind == "HistoryPred":
        if node.kind == "has" and node.pattern.alias is not None:
            return _conjunction([node], scope) is not None
        return _history(node, scope)
    if kind == "Call":
        return _call(node, scope, relative)
    raise TypeError(f"the reference evaluator has no rule for {kind}")


def _name(name: str, scope: _Scope, relative: bool):
    if relative:
        return scope.event.field(name) if scope.event is not None else None
    if name == "profile":
        return scope.profile.attrs
    if name == "now":
        return Timestamp(scope.now)
    if name == "event":
        return scope.bind["event"] if "event" in scope.bind else scope.event
    if name == "journey":
        return None
    return scope.bind.get(name)


def _call(node: A.Call, scope: _Scope, relative: bool):
    name = node.func.name
    if name in ("consented", "in_segment"):
        arg = node.args[0]
        target = arg.name if isinstance(arg, A.NameRef) else getattr(arg, "value", "")
        if name == "in_segment":
            return scope.segments.holds(target, scope.profile, scope.now)
        value = scope.profile.attrs
        for step in CONSENT_PATHS.get(target, ("-",)):
            value = value.get(step) if isinstance(value, dict) else None
        return isinstance(value, str) and value.lower() == "y" and target in CONSENT_PATHS
    return FUNCTIONS[name](*(_value(arg, scope, relative) for arg in node.args))
