"""The reference replay: the driver with every segment shortcut replaced by brute force.

Consumes: a checked `Analysis` and an output sink, like `runtime.replay.Runtime`.
Produces: `ReferenceRuntime`, a `Runtime` whose streaming memberships come from
`ReferenceSegments` evaluated for every streaming segment at every record of a profile
and at every *candidate instant*: each time found in the profile's events and attributes
(event times, and timestamp values inside events and attributes) plus or minus each
duration in the segments, and the millisecond after each (where a strict comparison
flips). History is kept whole: no projection, no pruning; `in_segment` and scheduled reads
ask the reference evaluator too.
Guarantees: no shortcut of the fast path (relevance, polarity, boundary tables,
latest-only timers, flip instants, projection, pruning, bisection) is used, so its
`segments.jsonl` and `actions.jsonl` are what the fast path must equal. Cost grows with
history × durations per evaluation: for tests and small logs.
"""
from __future__ import annotations

from typing import Optional

from ...syntax import ast as A
from ...syntax.literals import format_timestamp, parse_timestamp
from ..core.state import own
from ..replay import Runtime
from .evaluator import ReferenceSegments


class _EveryType(dict):
    """A look-back table that keeps every type forever."""

    def __contains__(self, key) -> bool:
        return True

    def __getitem__(self, key):
        return None

    def get(self, key, default=None):
        return None


class _Whole:
    def store(self, event):
        return event

    def project(self, update):
        return update


def _timestamps_in(value, out: set) -> None:
    if isinstance(value, dict):
        for item in value.values():
            _timestamps_in(item, out)
    elif isinstance(value, list):
        for item in value:
            _timestamps_in(item, out)
    elif isinstance(value, str) and len(value) >= 20 and value[4:5] == "-" and "T" in value:
        try:
            out.add(parse_timestamp(value))
        except ValueError:
            pass


class ReferenceRuntime(Runtime):
    def __init__(self, analysis, sink) -> None:
        super().__init__(analysis, sink)
        program = analysis.program
        self.reference = ReferenceSegments(program)
        self.horizon, self.star_horizon, self.keep_all = _EveryType(), None, True
        self.projection = self.attributes = _Whole()
        streaming = list(self.segments.streaming)
        engine = self.segments
        self.one_pass_arrivals = False   # records go through the overridden `_update_segments`
        engine.relevant = lambda event_type: streaming          # every record re-evaluates them all
        engine.on_arrival = lambda names, profile, event: names
        engine.evaluate = lambda name, profile, now, runtime: self.reference.holds(name, profile, now)
        self.streaming = streaming
        durations = {0}
        literals = set()
        for decl in program.segments.values():
            for node in A.walk(decl):
                if isinstance(node, A.DurationLit):
                    durations.add(node.ms)
                elif isinstance(node, A.TimestampLit):
                    literals.add(node.ms)
        self.offsets = sorted({sign * d + extra for d in durations for sign in (1, -1) for extra in (0, 1)})
        self.literal_times = literals
        self.event_times: dict[int, set] = {}   # id(event) -> times in it

    def in_segment(self, name: str, profile, now: int) -> bool:
        return self.reference.holds(name, profile, now)

    def _times_of(self, profile) -> set:
        times = set(self.literal_times)
        for event in profile.all_events:
            found = self.event_times.get(id(event))
            if found is None:
                found = {event.ts}
                _timestamps_in(event.data, found)
                self.event_times[id(event)] = found
            times |= found
        _timestamps_in(profile.attrs, times)
        return times

    def _next_candidate(self, profile, now: int) -> Optional[int]:
        best = None
        for base in self._times_of(profile):
            for offset in self.offsets:
                at = base + offset
                if at > now and (best is None or at < best):
                    best = at
        return best

    def _boundaries(self, profile, due: int) -> None:
        profile.timer_due = None
        profile.segment_token += 1
        self._update_segments(profile, due, self.streaming)

    def _update_segments(self, profile, now: int, names, event=None, rescan=(), boundary_names=None) -> None:
        """Evaluate every streaming segment, then time the next candidate instant."""
        profile.dirty = False
        for name in self.streaming:
            member = self.reference.holds(name, profile, now)
            if member != profile.membership.get(name, False):
                own(profile, "membership")[name] = member
                self.sink.write("segments", {"time": format_timestamp(now), "segment": name, "profile": profile.id,
                                             "change": "entered" if member else "exited"})
                if member:
                    for journey in self.audience_entries.get(name, ()):
                        self.pending_audience.append((journey, profile))
        due = self._next_candidate(profile, now)
        if due is not None and (profile.timer_due is None or due < profile.timer_due):
            profile.timer_due = due
            profile.segment_token += 1
            self.schedule(due, "segments", profile, profile.segment_token, profile)
