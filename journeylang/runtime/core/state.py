"""Per-profile runtime state: attributes, pruned history, instances, membership, sends.

Consumes: records routed to one profile by the identity graph.
Produces: `ProfileState` and `Instance`, the only mutable per-profile structures.
Guarantees: this is the partitioning boundary for scale-out — everything here belongs to
exactly one profile, and nothing here refers to another profile. The cross-profile parts
(identity graph, dedup registry, scheduled audience reads) live in `identity.py` and
`replay.py` behind small interfaces. History lists are sorted by time, then log order (`seq`).
"""
from __future__ import annotations

from bisect import insort
from types import MappingProxyType
from typing import Mapping, Optional

from .sharing import shared, shared_text
from .values import Event

# History lists at least this long are searched by bisection; shorter ones are scanned.
BISECT_MIN_LEN = 16

# The value of a profile's per-journey and per-segment tables while they are empty, as most
# are (at 100,000 profiles: 91% hold no instance, 74% no pending boundary, every one no
# `now` flip): one shared read-only mapping instead of a 64-byte dict each. Writers replace
# it with a dict of their own first (`own`); a write that forgets raises at once.
EMPTY: Mapping = MappingProxyType({})


def own(profile: "ProfileState", field: str) -> dict:
    """The profile's table `field`, made a dict of its own if it is still `EMPTY`."""
    table = getattr(profile, field)
    if table is EMPTY:
        table = {}
        setattr(profile, field, table)
    return table


def _log_order(event: Event) -> tuple[int, int]:
    return event.ts, event.seq


def deep_merge(target: dict, update: dict) -> None:
    """Upsert `update` into `target`: objects merge deeply, later values win, null deletes.
    Only `target` itself is changed in place: a nested object is replaced by a merged copy
    (it may be shared with other profiles, `sharing.py`), and new nested objects are
    shared when they can be."""
    for key, value in update.items():
        if value is None:
            target.pop(key, None)
        elif isinstance(value, dict):
            current = target.get(key)
            fresh: dict = dict(current) if isinstance(current, dict) else {}
            deep_merge(fresh, value)
            target[key] = shared(fresh)
        elif type(value) is str:
            target[key] = shared_text(value)
        else:
            target[key] = value


class Instance:
    """One profile's run through one journey."""
    __slots__ = ("id", "journey", "profile", "node", "entered_at", "entry_seq", "bindings", "entry_event",
                 "active", "token", "wait", "deadline", "exit_reason")

    def __init__(self, id_: str, journey: str, profile: "ProfileState", entered_at: int, entry_seq: int,
                 entry_event: Optional[Event]) -> None:
        self.id = id_
        self.journey = journey
        self.profile = profile
        self.node = "n0"
        self.entered_at = entered_at
        self.entry_seq = entry_seq
        self.bindings: dict = {}
        self.entry_event = entry_event
        self.active = True
        self.token = 0            # bumped whenever a pending timer must be ignored
        self.wait = None          # the wait-for-event node the instance waits in, or None
        self.deadline = 0
        self.exit_reason: Optional[str] = None


class ProfileState:
    __slots__ = ("id", "created_seq", "attrs", "history", "all_events", "instances", "entries",
                 "membership", "sent", "merged_into", "segment_token", "segment_due", "timer_due", "dirty",
                 "timer_seq", "instance_seq", "flip_due")

    def __init__(self, profile_id: str, created_seq: int) -> None:
        self.id = profile_id
        self.created_seq = created_seq
        self.attrs: dict = {}
        self.history: dict[str, list[Event]] = EMPTY  # event type -> events, in log order
        self.all_events: list[Event] = []           # only kept when some pattern uses `*`
        self.instances: dict[str, Instance] = EMPTY  # journey -> active instance (`own` before a write)
        self.entries: dict[str, int] = EMPTY        # journey -> the last admitted entry time
        self.membership: dict[str, bool] = EMPTY    # streaming segment -> member now
        self.sent: dict[str, list[int]] = EMPTY     # capped channel -> sent marketing times within its longest cap
        self.merged_into: Optional["ProfileState"] = None
        self.segment_token = 0
        self.segment_due: dict[str, tuple[int, int]] = EMPTY  # streaming segment -> (next window boundary, polarity)
        self.flip_due: dict[str, int] = EMPTY       # streaming segment -> next instant a `now` comparison flips
        self.timer_due: Optional[int] = None        # when the pending segment timer fires
        self.dirty = False                          # history changed by a merge: rescan boundaries
        # per-profile counters (never global ones: a partitioned replay numbers the same way)
        self.timer_seq = 0                          # timers this profile created: their tie-break
        self.instance_seq = 0                       # instances admitted under this profile id

    def add_event(self, event: Event, keep_type: bool, keep_all: bool) -> None:
        if keep_type:
            events = self.history.get(event.type)
            if events is None:
                own(self, "history")[event.type] = [event]
            elif not events or events[-1].ts <= event.ts:
                events.append(event)
            else:  # taken out of time order (a test driving the runtime by hand): keep lists sorted
                insort(events, event, key=_log_order)
        if keep_all:
            if not self.all_events or self.all_events[-1].ts <= event.ts:
                self.all_events.append(event)
            else:
                insort(self.all_events, event, key=_log_order)

    def type_lists(self, types: tuple[str, ...]) -> tuple[list[Event], ...]:
        """The non-empty history lists for these types (`()`: every event), each sorted by
        time then log order, so windows can be found by bisection."""
        if not types:
            return (self.all_events,) if self.all_events else ()
        history = self.history
        if len(types) == 1:
            events = history.get(types[0])
            return (events,) if events else ()
        return tuple(history[t] for t in types if history.get(t))

    def prune(self, horizon_by_type: dict[str, Optional[int]], now: int, all_horizon: Optional[int]) -> None:
        """Drop events older than the longest look-back any pattern needs for their type."""
        for type_, events in self.history.items():
            horizon = horizon_by_type.get(type_)
            if horizon is None or not events:
                continue
            cutoff = now - horizon
            if events[0].ts <= cutoff:
                keep = 0
                while keep < len(events) and events[keep].ts <= cutoff:
                    keep += 1
                del events[:keep]
        if all_horizon is not None and self.all_events:
            cutoff = now - all_horizon
            keep = 0
            while keep < len(self.all_events) and self.all_events[keep].ts <= cutoff:
                keep += 1
            del self.all_events[:keep]

    def absorb(self, other: "ProfileState") -> None:
        """Merge another profile's history, attributes, entries and sends into this one."""
        for type_, events in other.history.items():
            mine = own(self, "history").setdefault(type_, [])
            for event in events:
                insort(mine, event, key=_log_order)
        for event in other.all_events:
            insort(self.all_events, event, key=_log_order)
        merged_attrs = {}
        deep_merge(merged_attrs, other.attrs)
        deep_merge(merged_attrs, self.attrs)
        self.attrs = merged_attrs
        for journey, last in other.entries.items():
            own(self, "entries")[journey] = max(self.entries.get(journey, last), last)
        for channel, times in other.sent.items():
            own(self, "sent")[channel] = sorted(self.sent.get(channel, []) + times)
        other.merged_into = self
        self.dirty = True
        # the absorbed state lives on only to resolve its old id (`IdentityGraph.retired`)
        other.all_events, other.attrs = [], {}
        other.history = other.entries = other.sent = other.segment_due = other.flip_due = EMPTY
