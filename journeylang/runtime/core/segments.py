"""Segment evaluation: streaming membership, window-boundary timers, batch reads, look-back.

Consumes: segment declarations and the program's journeys (for look-back), profiles.
Produces: `SegmentEngine.update(profile, now, names)` -> membership changes;
`on_arrival(profile, event)` -> the segments a new event can change at its own instant;
`next_boundary(profile, now)` -> the next instant at which a windowed pattern's contents
can change (an event entering or leaving a window) with the polarity of that change, so
membership is exact at every instant without polling. `lookback_by_type()` tells the
history how long to keep events.
Guarantees: membership is a pure function of the profile's history and attributes at
`now`; segments are visited in name order; changes are reported in name order. An
evaluation is skipped only when static polarity (`segment_polarity.py`) proves the change
cannot move the stored membership.
"""
from __future__ import annotations

from bisect import bisect_right
from typing import Optional

from ...compile.now_terms import clock_comparisons
from ...syntax import ast as A
from . import state
from .evaluator import Compiler, Ctx, window_boundaries
from .segment_polarity import BOTH, SegmentPolarity, can_change

UNBOUNDED = None
MAX_PLANS = 4096   # event types whose arrival plan is kept


def _patterns_in(node) -> list[A.EventPattern]:
    return [n for n in A.walk(node) if isinstance(n, A.EventPattern)]


def _segment_refs(node) -> list[str]:
    refs = []
    for n in A.walk(node):
        if isinstance(n, A.Call) and n.func.name == "in_segment" and n.args:
            arg = n.args[0]
            refs.append(arg.name if isinstance(arg, A.NameRef) else getattr(arg, "value", ""))
    return refs


def pattern_lookback(pattern: A.EventPattern, journey_timeout: Optional[int]) -> Optional[int]:
    """How far back from `now` a pattern can look, in ms (None: unbounded)."""
    if pattern.between is not None:
        return pattern.between[0].ms
    if pattern.within is not None and pattern.after is None:
        return pattern.within.ms
    if pattern.after is not None and journey_timeout is not None:
        return journey_timeout + (pattern.within.ms if pattern.within else 0)
    return UNBOUNDED


class SegmentEngine:
    def __init__(self, program, compiler: Compiler) -> None:
        self.decls: dict[str, A.SegmentDecl] = dict(sorted(program.segments.items()))
        self.tests = {name: compiler.conjunction(decl.conditions) for name, decl in self.decls.items()}
        self.streaming = [name for name, decl in self.decls.items() if decl.evaluation == "streaming"]
        # event types each segment depends on, through in_segment too ("*" = any type)
        direct = {name: {t for p in _patterns_in(decl) for t in (p.types or ("*",))}
                  for name, decl in self.decls.items()}
        refs = {name: [r for c in decl.conditions for r in _segment_refs(c)] for name, decl in self.decls.items()}
        self.types: dict[str, set[str]] = {}
        for name in self.decls:
            seen, stack, types = set(), [name], set()
            while stack:
                current = stack.pop()
                if current in seen or current not in self.decls:
                    continue
                seen.add(current)
                types |= direct[current]
                stack.extend(refs[current])
            self.types[name] = types
        self.by_type: dict[str, list[str]] = {}
        self.any_type: list[str] = []
        for name in self.streaming:
            if "*" in self.types[name]:
                self.any_type.append(name)
            for event_type in sorted(self.types[name] - {"*"}):
                self.by_type.setdefault(event_type, []).append(name)
        # windowed patterns each streaming segment reads (through in_segment too), for boundary timers
        self.windowed: dict[str, list[A.EventPattern]] = {}
        for name in self.streaming:
            patterns: list[A.EventPattern] = []
            for member in self._closure(name, refs):
                for pattern in _patterns_in(self.decls[member]):
                    if window_boundaries(pattern, 0) and pattern not in patterns:
                        patterns.append(pattern)
            self.windowed[name] = patterns
        # a standalone filter for every pattern whose `where` reads only the candidate event
        self.standalone: dict[int, object] = {}
        for decl in self.decls.values():
            for pattern in _patterns_in(decl):
                if _reads_only_candidate(pattern):
                    self.standalone[id(pattern)] = _standalone_matcher(pattern, compiler)
        # patterns whose truth only the latest matching event's window exit can change
        self.latest_only: dict[int, object] = {}
        for name in self.streaming:
            for node in A.walk(self.decls[name]):
                if _latest_only(node):
                    self.latest_only[id(node.pattern)] = _standalone_matcher(node.pattern, compiler)
        # `has last P as A` over a window: of the events leaving the window only the latest
        # match can change what the pattern returns, so the other exits need no timer
        self.last_exit: dict[int, object] = {}
        for name in self.streaming:
            for node in A.walk(self.decls[name]):
                if _last_in_window(node):
                    self.last_exit[id(node.pattern)] = _standalone_matcher(node.pattern, compiler)
        # segments whose truth moves with `now` through comparisons whose flip instants can be
        # computed (`compile/now_terms.py`): each evaluation schedules the next flip; and the
        # segments that read `now` in other ways: re-evaluated at every record of the profile
        timed = {name: clock_comparisons(decl) for name, decl in self.decls.items()}
        self.clocked = {name for name in self.streaming
                        if any(timed[m][0] for m in self._closure(name, refs))}
        self.record_bound = [name for name in self.streaming if any(timed[m][1] for m in self._closure(name, refs))]
        for name in self.record_bound:
            if name not in self.any_type:
                self.any_type.append(name)
        self.any_type.sort()
        self.polarity = {name: SegmentPolarity(self.decls[name], [self.decls[m] for m in self._closure(name, refs)
                                                                  if m != name])
                         for name in self.streaming}
        # segments that read no event and nothing of the profile: true or false from the start
        self.constant = [name for name in self.streaming
                         if not self.types[name] and not self.polarity[name].reads_state]
        # profile records (and `set profile`) can only change segments that read attributes or
        # `now` (and a constant segment is settled by the profile's first record)
        self.state_readers = [name for name in self.streaming
                              if self.polarity[name].reads_state or name in self.constant]
        # per segment and event type: (arrival polarity, matchers) for `on_arrival`
        self.arrival_table: dict[str, dict[str, tuple[int, Optional[tuple]]]] = {}
        for name in self.streaming:
            read = [p for member in self._closure(name, refs) for p in _patterns_in(self.decls[member])]
            table = {}
            for event_type, patterns in _group_by_type(read).items():
                entry = self._arrival_entry(name, patterns, event_type)
                if entry is not None:
                    table[event_type] = entry
            self.arrival_table[name] = table
        # per segment and event type: what an arriving event does to the next boundary
        # (`boundary_from_event`): (latest-only matcher, mask if the segment has no other
        # windowed pattern, within) or (None, 0, ((edge offset, polarity), ...))
        self._plans: dict[str, tuple] = {}      # event type -> `arrival_plan`
        self.boundary_table: dict[str, dict[str, tuple]] = {}
        for name in self.streaming:
            polarity, sole = self.polarity[name], len(self.windowed[name]) == 1
            table = {}
            for event_type, patterns in _group_by_type(self.windowed[name]).items():
                entries = []
                for pattern in patterns:
                    matcher = self.latest_only.get(id(pattern))
                    if matcher is not None:
                        entries.append((matcher, polarity.boundary_mask(pattern, False) if sole else 0,
                                        pattern.within.ms))
                    else:
                        entries.append((None, 0, tuple((offset, polarity.boundary_mask(pattern, is_enter))
                                                       for offset, is_enter in window_boundaries(pattern, 0))))
                table[event_type] = tuple(entries)
            self.boundary_table[name] = table

    def _closure(self, name: str, refs: dict) -> list[str]:
        seen, stack, order = set(), [name], []
        while stack:
            current = stack.pop()
            if current in seen or current not in self.decls:
                continue
            seen.add(current)
            order.append(current)
            stack.extend(refs[current])
        return order

    def _arrival_entry(self, name: str, patterns: list, event_type: str):
        """(polarity, matchers) for a newly arrived event of `event_type`: it can change the
        segment now only if one of these patterns can take it as a candidate at its own
        instant (`matchers` None: any event of the type can). None: it cannot."""
        candidates = []
        for pattern in patterns:
            if pattern.between is not None and pattern.between[1].ms > 0:
                continue  # it enters the window later, at a boundary that has a timer
            if pattern.before is not None and pattern.before.ms > 0:
                continue
            candidates.append(pattern)
        if not candidates:
            return None
        mask = self.polarity[name].arrival_mask(event_type) if event_type != "*" else BOTH
        matchers = [self.standalone.get(id(pattern)) for pattern in candidates]
        return mask, (None if any(m is None for m in matchers) else tuple(matchers))

    def arrival_plan(self, event_type: str) -> tuple:
        """What a record of this type does to the streaming segments, decided once per type:
        per segment of `relevant(event_type)`, in that order, (name, reads `now` where no
        flip instant can be computed, `on_arrival`'s (polarity, matchers) or None,
        `boundary_from_event`'s entries). The driver's one-pass arrival (`Runtime._arrive`)
        walks it instead of calling `relevant`, `on_arrival` and `boundary_from_event`."""
        plan = self._plans.get(event_type)
        if plan is None:
            rows = []
            for name in self.relevant(event_type):
                arrivals = self.arrival_table[name]
                arrival = arrivals.get(event_type) or arrivals.get("*")
                rows.append((name, name in self.record_bound, arrival, self._boundary_entries(name, event_type)))
            plan = tuple(rows)
            if len(self._plans) < MAX_PLANS:   # event types come from the log: keep the table bounded
                self._plans[event_type] = plan
        return plan

    def evaluate(self, name: str, profile, now: int, runtime) -> bool:
        ctx = Ctx(profile, now, {}, None, None, runtime)
        return self.tests[name](ctx) is not None

    def relevant(self, event_type: Optional[str]) -> list[str]:
        """Streaming segments whose truth a record of this type can change (None: a profile
        record or `set profile`, which can only change segments that read attributes or `now`)."""
        if event_type is None:
            return self.state_readers
        named = self.by_type.get(event_type, [])
        if not self.any_type:
            return named
        return sorted(set(named) | set(self.any_type))

    def on_arrival(self, names: list[str], profile, event) -> list[str]:
        """Of `names` (the segments reading this event's type), those the newly arrived
        event can change at its own instant: it is a candidate of one of their patterns now
        (type, dataset, a `where` that reads only the event, a window that can contain
        `now`), and the change's polarity can move the stored membership."""
        out = []
        membership = profile.membership
        event_type = event.type
        record_bound = self.record_bound
        for name in names:
            if name in record_bound:   # reads `now` where no flip instant can be computed
                out.append(name)
                continue
            table = self.arrival_table[name]
            entry = table.get(event_type) or table.get("*")
            if entry is None:
                continue
            mask, matchers = entry
            if not can_change(mask, membership.get(name, False)):
                continue
            if matchers is None or any(matcher(profile, event) for matcher in matchers):
                out.append(name)
        return out

    def update(self, profile, now: int, names: list[str], runtime) -> list[tuple[str, bool]]:
        changes = []
        clocked = self.clocked
        for name in names:
            if name in clocked:
                member = self._evaluate_clocked(name, profile, now, runtime)
            else:
                member = self.evaluate(name, profile, now, runtime)
            if member != profile.membership.get(name, False):
                state.own(profile, "membership")[name] = member
                changes.append((name, member))
        return changes

    def _evaluate_clocked(self, name: str, profile, now: int, runtime) -> bool:
        """Evaluate, collecting the instants at which a `now` comparison it read can flip;
        keep the earliest as the segment's next flip."""
        runtime.flips = flips = []
        try:
            member = self.evaluate(name, profile, now, runtime)
        finally:
            runtime.flips = None
        if flips:
            state.own(profile, "flip_due")[name] = min(flips)
        elif name in profile.flip_due:
            del profile.flip_due[name]
        return member

    def next_boundary(self, name: str, profile, now: int) -> Optional[tuple[int, int]]:
        """The next instant after `now` at which an event enters or leaves one of the
        segment's windows, with the polarity of the changes due then (a full scan of the
        relevant history; for latest-only patterns, only the latest matching event counts)."""
        best, mask = None, 0
        polarity = self.polarity[name]
        for pattern in self.windowed.get(name, ()):
            lists = profile.type_lists(pattern.types)
            matcher = self.latest_only.get(id(pattern))
            if matcher is not None:
                latest = None
                for events in lists:
                    for index in range(len(events) - 1, -1, -1):
                        event = events[index]
                        if latest is not None and event.ts <= latest.ts:
                            break
                        if matcher(profile, event):
                            latest = event
                            break
                if latest is not None:
                    instant = latest.ts + pattern.within.ms
                    if instant > now and (best is None or instant <= best):
                        change = polarity.boundary_mask(pattern, False)
                        mask = change if best is None or instant < best else mask | change
                        best = instant
                continue
            last_matcher = self.last_exit.get(id(pattern))
            # per window edge: the first event (lists are sorted by time) whose edge is still ahead
            for offset, is_enter in window_boundaries(pattern, 0):
                if last_matcher is not None and not is_enter:
                    instant = _latest_exit(lists, last_matcher, profile, now, pattern, offset)
                    if instant is not None and (best is None or instant <= best):
                        change = polarity.boundary_mask(pattern, False)
                        mask = change if best is None or instant < best else mask | change
                        best = instant
                    continue
                for events in lists:
                    edge = now - offset
                    if len(events) >= state.BISECT_MIN_LEN:
                        index = bisect_right(events, edge, key=_ts)
                    else:
                        index = 0
                        while index < len(events) and events[index].ts <= edge:
                            index += 1
                    if index < len(events):
                        instant = events[index].ts + offset
                        if best is None or instant <= best:
                            change = polarity.boundary_mask(pattern, is_enter)
                            mask = change if best is None or instant < best else mask | change
                            best = instant
        return None if best is None else (best, mask)

    def boundary_from_event(self, name: str, profile, event, now: int) -> tuple[Optional[tuple[int, int]], str]:
        """What a newly arrived event does to the segment's next boundary (instant,
        polarity): ("min", b) — b is a new candidate (None: none); ("set", b) — b replaces
        it (the event is the new latest match of the segment's only windowed pattern,
        a latest-only one); ("rescan", None) — the event replaced the latest match of a
        latest-only pattern among others, so the boundaries must be recomputed."""
        return boundary_from_entries(self._boundary_entries(name, event.type), profile, event, now)

    def _boundary_entries(self, name: str, event_type: str) -> tuple:
        """The segment's `boundary_table` entries for an event of this type (`*` ones when
        no pattern names the type)."""
        table = self.boundary_table[name]
        entries = table.get(event_type)
        return table.get("*", ()) if entries is None else entries


def boundary_from_entries(entries: tuple, profile, event, now: int) -> tuple[Optional[tuple[int, int]], str]:
    """`SegmentEngine.boundary_from_event` over one segment's entries for the event's type."""
    best, mask = None, 0
    ts = event.ts
    for matcher, set_mask, edges in entries:
        if matcher is not None:
            if matcher(profile, event):
                if set_mask:
                    return (ts + edges, set_mask), "set"
                return None, "rescan"
            continue
        for offset, change in edges:
            instant = ts + offset
            if instant > now and (best is None or instant <= best):
                mask = change if best is None or instant < best else mask | change
                best = instant
    return (None if best is None else (best, mask)), "min"


def _group_by_type(patterns: list[A.EventPattern]) -> dict[str, list[A.EventPattern]]:
    """Event type -> the patterns that can match it, `*` patterns included in every type's
    list (and under "*" for the types no pattern names)."""
    by_type: dict[str, list[A.EventPattern]] = {}
    for pattern in patterns:
        for event_type in pattern.types or ("*",):
            by_type.setdefault(event_type, []).append(pattern)
    star = by_type.get("*", [])
    return {t: (found if t == "*" else found + star) for t, found in by_type.items()}


def _ts(event) -> int:
    return event.ts


def _last_in_window(node) -> bool:
    """`has last P [as A]` with `between` or `within` (no `after`, no `before`) and a
    `where` that reads only the candidate event."""
    if not isinstance(node, A.HistoryPred) or node.kind != "has" or node.quantifier != "last":
        return False
    pattern = node.pattern
    if pattern.after is not None or pattern.before is not None:
        return False
    if pattern.between is None and pattern.within is None:
        return False
    return _reads_only_candidate(pattern)


def _latest_exit(lists, matcher, profile, now: int, pattern: A.EventPattern, offset: int) -> Optional[int]:
    """The instant the latest match that has entered the window by `now` leaves it, when
    that is after `now` (a later match enters the window at its own enter boundary)."""
    near = pattern.between[1].ms if pattern.between is not None else 0
    edge = now - near
    latest = None
    for events in lists:
        for index in range(len(events) - 1, -1, -1):
            event = events[index]
            if event.ts > edge:
                continue
            if latest is not None and (event.ts, event.seq) <= (latest.ts, latest.seq):
                break
            if matcher(profile, event):
                latest = event
                break
    if latest is None or latest.ts + offset <= now:
        return None
    return latest.ts + offset


def _latest_only(node) -> bool:
    """`has P` / `no P` with `within D`, no alias, no quantifier, and a `where` that reads
    only the candidate event: true exactly while the latest match is inside the window."""
    if not isinstance(node, A.HistoryPred) or node.kind not in ("has", "no") or node.quantifier is not None:
        return False
    pattern = node.pattern
    if pattern.alias is not None or pattern.within is None or pattern.after is not None:
        return False
    if pattern.between is not None or pattern.before is not None:
        return False
    return _reads_only_candidate(pattern)


def _reads_only_candidate(pattern: A.EventPattern) -> bool:
    """The pattern's `where` (if any) reads only the candidate event (`event` or the
    pattern's own alias): no other alias, no profile, no clock, no history or consent."""
    if pattern.where is None:
        return True
    nodes = list(A.walk(pattern.where))
    names = {n.name for n in nodes if isinstance(n, A.NameRef)}
    own = {"event"} | ({pattern.alias.name} if pattern.alias else set())
    reads_profile = any(isinstance(n, A.HistoryPred)
                        or (isinstance(n, A.Call) and n.func.name in ("consented", "in_segment")) for n in nodes)
    return names <= own and not reads_profile


def _standalone_matcher(pattern: A.EventPattern, compiler: Compiler):
    """fn(profile, event) -> does the event match the pattern's types, dataset and where."""
    types = frozenset(pattern.types)
    dataset = pattern.dataset
    where = compiler.condition(pattern.where) if pattern.where is not None else None
    alias = pattern.alias.name if pattern.alias else None

    def matches(profile, event) -> bool:
        if types and event.type not in types:
            return False
        if dataset is not None and event.dataset != dataset:
            return False
        return where is None or where(Ctx(profile, event.ts, {alias: event} if alias else {}, event, None, None))
    return matches


def lookback_by_type(program) -> tuple[dict[str, Optional[int]], Optional[int], bool]:
    """For every event type any pattern reads: the longest look-back (None: unbounded).
    Also the look-back for `*` patterns and whether any pattern uses `*`.

    `after A` looks back no further than the pattern that bound A (events after A are
    newer than A); in a journey, an alias bound at entry or by a wait is bounded by the
    journey's timeout instead."""
    horizon: dict[str, Optional[int]] = {}
    star_horizon: Optional[int] = 0
    uses_star = False

    def note(pattern: A.EventPattern, back: Optional[int]) -> None:
        nonlocal star_horizon, uses_star
        if not pattern.types:
            uses_star = True
            star_horizon = None if back is None or star_horizon is None else max(star_horizon, back)
            return
        for event_type in pattern.types:
            if event_type in horizon and horizon[event_type] is None:
                continue
            horizon[event_type] = None if back is None else max(horizon.get(event_type) or 0, back)

    def note_all(root, timeout: Optional[int]) -> None:
        patterns = _patterns_in(root)
        bound = {p.alias.name: p for p in patterns if p.alias is not None}
        for pattern in patterns:
            back = pattern_lookback(pattern, timeout)
            if pattern.after is not None and pattern.after.name in bound and bound[pattern.after.name] is not pattern:
                anchor = pattern_lookback(bound[pattern.after.name], timeout)
                if anchor is not None:
                    back = anchor if back is None else min(back, anchor)
            note(pattern, back)

    for decl in program.segments.values():
        note_all(decl, None)
    for journey in program.journeys.values():
        timeout = journey.timeout.ms if journey.timeout else 91 * 86_400_000
        # everywhere in the journey: body, dedup key, and the `where` of entry, wait and exit patterns
        history = [n for n in A.walk(journey) if isinstance(n, A.HistoryPred)]
        for node in history:
            note_all(node, timeout)
    if uses_star:
        # a `*` pattern reads every type: keep each stored type at least as long
        for event_type in list(horizon):
            if horizon[event_type] is not None:
                horizon[event_type] = None if star_horizon is None else max(horizon[event_type], star_horizon)
    return horizon, star_horizon, uses_star
