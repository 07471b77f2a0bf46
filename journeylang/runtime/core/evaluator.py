"""Compile AST expressions and conditions into Python closures over an evaluation context.

Consumes: checked AST expressions (segment bodies, conditions, keys, patterns).
Produces: closures `fn(ctx) -> value`; conjunctions return the bindings they found
(`has PATTERN as A` is an existential quantifier over the rest of its conjunction).
Guarantees: evaluation never raises on data (null semantics from `values.py`); time comes
only from `ctx.now`; history is read in log order, so results are deterministic.
"""
from __future__ import annotations

from bisect import bisect_left, bisect_right
from itertools import islice
from typing import Callable, Optional

from ...compile.now_terms import comparison_slope, flip_instants
from ...program.builtins import CONSENT_PATHS
from ...syntax import ast as A
from . import state
from .functions import FUNCTIONS
from .values import (Duration, Event, Timestamp, arithmetic, coerce_pair, compare, contains, get_attr, get_index, star,
                     truthy)


class Ctx:
    """What an expression can see: the profile, the clock, bound names, the current event."""
    __slots__ = ("profile", "now", "bind", "event", "journey", "runtime")

    def __init__(self, profile, now: int, bind: dict, event: Optional[Event], journey: Optional[dict],
                 runtime) -> None:
        self.profile, self.now, self.bind, self.event, self.journey, self.runtime = (
            profile, now, bind, event, journey, runtime)

    def with_candidate(self, event: Event, alias: Optional[str]) -> "Ctx":
        bind = self.bind
        if alias is not None:
            bind = dict(bind)
            bind[alias] = event
        return Ctx(self.profile, self.now, bind, event, self.journey, self.runtime)

    def with_bindings(self, extra: dict) -> "Ctx":
        if not extra:
            return self
        bind = dict(self.bind)
        bind.update(extra)
        return Ctx(self.profile, self.now, bind, self.event, self.journey, self.runtime)


def consented(attrs: dict, channel: str) -> bool:
    path = CONSENT_PATHS.get(channel)
    if path is None:
        return False
    value = attrs
    for step in path:
        value = value.get(step) if isinstance(value, dict) else None
    return isinstance(value, str) and value.lower() == "y"


Fn = Callable[[Ctx], object]


class Compiler:
    """Compiles expressions; `relative_roots` makes bare names read the candidate event
    (for `sum(FIELD) of ...`)."""

    def __init__(self, runtime_segments=None) -> None:
        self.segments = runtime_segments

    # ---------------------------------------------------------------- expressions
    def expr(self, node, relative: bool = False) -> Fn:
        method = getattr(self, "_" + type(node).__name__)
        return method(node, relative)

    def _StringLit(self, node, relative):
        value = node.value
        return lambda ctx: value

    def _NumberLit(self, node, relative):
        value = node.value
        return lambda ctx: value

    def _BoolLit(self, node, relative):
        value = node.value
        return lambda ctx: value

    def _NullLit(self, node, relative):
        return lambda ctx: None

    def _DurationLit(self, node, relative):
        value = Duration(node.ms)
        return lambda ctx: value

    def _TimestampLit(self, node, relative):
        value = Timestamp(node.ms)
        return lambda ctx: value

    def _ClockLit(self, node, relative):
        value = node.text
        return lambda ctx: value

    def _PercentLit(self, node, relative):
        value = node.value / 100.0
        return lambda ctx: value

    def _ListLit(self, node, relative):
        items = [self.expr(item, relative) for item in node.items]
        return lambda ctx: [item(ctx) for item in items]

    def _NameRef(self, node, relative):
        name = node.name
        if relative:
            return lambda ctx: ctx.event.field(name) if ctx.event is not None else None
        if name == "profile":
            return lambda ctx: ctx.profile.attrs
        if name == "now":
            return lambda ctx: Timestamp(ctx.now)
        if name == "event":
            return lambda ctx: ctx.bind["event"] if "event" in ctx.bind else ctx.event
        if name == "journey":
            return lambda ctx: ctx.journey
        return lambda ctx: ctx.bind.get(name)

    def _Attr(self, node, relative):
        target = self.expr(node.target, relative)
        name = node.name
        return lambda ctx: get_attr(target(ctx), name)

    def _Index(self, node, relative):
        target, index = self.expr(node.target, relative), self.expr(node.index, relative)
        return lambda ctx: get_index(target(ctx), index(ctx))

    def _Star(self, node, relative):
        target = self.expr(node.target, relative)
        return lambda ctx: star(target(ctx))

    def _Unary(self, node, relative):
        operand = self.expr(node.operand, relative)
        if node.op == "not":
            return lambda ctx: not truthy(operand(ctx))

        def negate(ctx):
            value = operand(ctx)
            if isinstance(value, Duration):
                return Duration(-int(value))
            if isinstance(value, (int, float)) and not isinstance(value, (bool, Timestamp)):
                return -value
            return None
        return negate

    def _Binary(self, node, relative):
        left, right, op = self.expr(node.left, relative), self.expr(node.right, relative), node.op
        if op in ("==", "!=", "<", "<=", ">", ">="):
            slope = None if relative else comparison_slope(node)
            if slope is not None:
                return _clock_comparison(op, left, right, slope)
            return lambda ctx: compare(op, left(ctx), right(ctx))
        if op == "in":
            return lambda ctx: contains(right(ctx), left(ctx))
        if op == "not in":
            return lambda ctx: not contains(right(ctx), left(ctx))
        return lambda ctx: arithmetic(op, left(ctx), right(ctx))

    def _BoolChain(self, node, relative):
        if node.op == "or":
            parts = [self.expr(op, relative) for op in node.operands]
            return lambda ctx: any(truthy(part(ctx)) for part in parts)
        conj = self.conjunction(node.operands)
        return lambda ctx: conj(ctx) is not None

    def _HistoryPred(self, node, relative):
        conj = self.conjunction((node,))
        return lambda ctx: conj(ctx) is not None

    def _Call(self, node, relative):
        name = node.func.name
        if name == "consented":
            channel = _name_arg(node.args[0])
            return lambda ctx: consented(ctx.profile.attrs, channel)
        if name == "in_segment":
            segment = _name_arg(node.args[0])
            return lambda ctx: ctx.runtime.in_segment(segment, ctx.profile, ctx.now)
        args = [self.expr(arg, relative) for arg in node.args]
        impl = FUNCTIONS[name]
        return lambda ctx: impl(*(arg(ctx) for arg in args))

    # ---------------------------------------------------------------- conjunctions
    def conjunction(self, operands) -> Callable[[Ctx], Optional[dict]]:
        """Returns fn(ctx) -> the bindings made (a dict, possibly empty) when true, else None."""
        steps = []
        for operand in operands:
            if isinstance(operand, A.HistoryPred) and operand.kind == "has" and operand.pattern.alias is not None:
                steps.append(("bind", self.pattern(operand.pattern, operand.quantifier or "all"),
                              operand.quantifier, operand.pattern.alias.name))
            elif isinstance(operand, A.BoolChain) and operand.op == "and":
                steps.append(("nested", self.conjunction(operand.operands), None, None))
            else:
                steps.append(("test", self.condition(operand), None, None))

        def run(ctx: Ctx, index: int, found: dict) -> Optional[dict]:
            while index < len(steps):
                kind, fn, quantifier, alias = steps[index]
                if kind == "test":
                    if not fn(ctx):
                        return None
                elif kind == "nested":
                    inner = fn(ctx)
                    if inner is None:
                        return None
                    if inner:
                        ctx = ctx.with_bindings(inner)
                        found = {**found, **inner}
                else:
                    for event in fn(ctx):
                        inner_ctx = ctx.with_bindings({alias: event})
                        result = run(inner_ctx, index + 1, {**found, alias: event})
                        if result is not None:
                            return result
                    return None
                index += 1
            return found

        return lambda ctx: run(ctx, 0, {})

    def condition(self, node) -> Callable[[Ctx], bool]:
        if isinstance(node, A.HistoryPred):
            return self.history(node)
        fn = self.expr(node)
        return lambda ctx: truthy(fn(ctx))

    def history(self, node: A.HistoryPred) -> Callable[[Ctx], bool]:
        if node.kind == "has":
            any_match = self.pattern(node.pattern, "any")
            return lambda ctx: bool(any_match(ctx))
        if node.kind == "no":
            any_match = self.pattern(node.pattern, "any")
            return lambda ctx: not any_match(ctx)
        matches = self.pattern(node.pattern, "count")
        value, op = self.expr(node.value), node.cmp
        if node.kind == "count":
            return lambda ctx: compare(op, len(matches(ctx)), value(ctx))
        field = self.expr(node.field, relative=True)

        def total(ctx):
            amount = 0
            for event in matches(ctx):
                item = field(ctx.with_candidate(event, None))
                if isinstance(item, (int, float)) and not isinstance(item, bool):
                    amount += item
            return compare(op, amount, value(ctx))
        return total

    # ---------------------------------------------------------------- patterns
    def pattern(self, pattern: A.EventPattern, mode: str = "all") -> Callable[[Ctx], list[Event]]:
        """fn(ctx) -> matching events of ctx.profile's history. `mode`: "all" (in log
        order), "any" (at most one match, any one: for has/no), "first" / "last" (at most
        the earliest / latest match), "count" (all matches, in no particular order).

        Each per-type history list is sorted by time, so the window's first event is found
        by bisection and the scan stops at the window's end."""
        types = pattern.types
        dataset = pattern.dataset
        alias = pattern.alias.name if pattern.alias else None
        where = self.condition(pattern.where) if pattern.where is not None else None
        window = window_bounds(pattern)
        after = pattern.after.name if pattern.after else None
        after_within = pattern.within.ms if (after is not None and pattern.within is not None) else None

        def accept(ctx: Ctx, event: Event, anchor: Optional[Event]) -> bool:
            if anchor is not None and event.seq <= anchor.seq:
                return False
            if dataset is not None and event.dataset != dataset:
                return False
            return where is None or bool(where(ctx.with_candidate(event, alias)))

        def run(ctx: Ctx) -> list[Event]:
            low, high = window(ctx.now)  # low exclusive, high inclusive
            anchor = None
            if after is not None:
                anchor = ctx.bind.get(after)
                if not isinstance(anchor, Event):
                    return []
                if after_within is not None:
                    high = min(high, anchor.ts + after_within)
            lists = ctx.profile.type_lists(types)
            if not lists:
                return []
            found: list[Event] = []
            for events in lists:
                # bisection pays off only on longer lists; short ones are scanned from the start
                start = 0
                if low is not None and len(events) >= state.BISECT_MIN_LEN:
                    start = bisect_right(events, low, key=_ts)
                if anchor is not None and len(events) >= state.BISECT_MIN_LEN:
                    start = max(start, bisect_left(events, anchor.ts, key=_ts))
                if mode == "last":
                    for index in range(len(events) - 1, start - 1, -1):
                        event = events[index]
                        if event.ts > high:
                            continue
                        if low is not None and event.ts <= low:
                            break
                        if accept(ctx, event, anchor):
                            found.append(event)
                            break
                    continue
                for event in (islice(events, start, None) if start else events):
                    ts = event.ts
                    if ts > high:
                        break
                    if low is not None and ts <= low:
                        continue
                    if anchor is not None and event.seq <= anchor.seq:
                        continue
                    if dataset is not None and event.dataset != dataset:
                        continue
                    if where is not None and not where(ctx.with_candidate(event, alias)):
                        continue
                    found.append(event)
                    if mode == "any":
                        return found
                    if mode == "first":
                        break
            if len(lists) > 1 and found:
                if mode == "first":
                    return [min(found, key=_log_order)]
                if mode == "last":
                    return [max(found, key=_log_order)]
                if mode == "all":
                    found.sort(key=_log_order)
            return found
        return run


def _clock_comparison(op: str, left: Fn, right: Fn, slope: int) -> Fn:
    """A comparison monotone in `now`: while the runtime collects flip instants (it does
    while it evaluates a streaming segment), it also records when this comparison's truth
    can next change, so a timer can re-evaluate the segment then."""
    def run(ctx):
        a, b = left(ctx), right(ctx)
        runtime = ctx.runtime
        if runtime is not None and runtime.flips is not None:
            x, y = coerce_pair(a, b)
            if isinstance(x, int) and isinstance(y, int) and type(x) is type(y) and type(x) in (Timestamp, Duration):
                runtime.flips.extend(flip_instants(slope, int(x) - int(y), ctx.now))
        return compare(op, a, b)
    return run


def _ts(event: Event) -> int:
    return event.ts


def _log_order(event: Event) -> tuple[int, int]:
    return event.ts, event.seq


def window_bounds(pattern: A.EventPattern) -> Callable[[int], tuple[Optional[int], int]]:
    """now -> (exclusive lower bound or None, inclusive upper bound) of event times."""
    if pattern.between is not None:
        far, near = pattern.between[0].ms, pattern.between[1].ms
        return lambda now: (now - far, now - near)
    if pattern.before is not None:
        gap = pattern.before.ms
        return lambda now: (None, now - gap)
    if pattern.within is not None and pattern.after is None:
        span = pattern.within.ms
        return lambda now: (now - span, now)
    return lambda now: (None, now)


def window_boundaries(pattern: A.EventPattern, event_ts: int) -> tuple[tuple[int, bool], ...]:
    """(instant, is_enter) at which an event at `event_ts` enters or leaves the pattern's window."""
    if pattern.between is not None:
        return ((event_ts + pattern.between[1].ms, True), (event_ts + pattern.between[0].ms, False))
    if pattern.before is not None:
        return ((event_ts + pattern.before.ms, True),)
    if pattern.within is not None and pattern.after is None:
        return ((event_ts + pattern.within.ms, False),)
    return ()


def _name_arg(node) -> str:
    if isinstance(node, A.NameRef):
        return node.name
    if isinstance(node, A.StringLit):
        return node.value
    return ""
