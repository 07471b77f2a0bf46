"""The replay driver: a discrete-event simulation of the program over event logs.

Consumes: a checked `Analysis` (graphs, segments, messages, lookups, policies) and a
`LogReader`. Produces: the outputs of RUNTIME.md section 5 through `OutputSink`.
Guarantees (RUNTIME.md section 3): records in log order; timers by due time then creation
order; at one instant all records before any timer; per record: identity and profile
upsert or history append, streaming segments, exit criteria then waiting instances
(journeys by name), then entries (journeys by name). No wall clock, no unseeded
randomness, no iteration over unordered sets: the same inputs give the same bytes.

Scale-out boundary: per-profile state is `ProfileState` (history, attributes, instances,
membership, sends, segment timers). Cross-profile state is only `IdentityGraph` (routing
and merges), `DedupRegistry` (`dedup.py`, journey dedup keys) and the scheduled audience reads — a
partitioned replay keeps those three as shared services and runs the rest per profile.
"""
from __future__ import annotations

import gc
import hashlib
import heapq
from sys import intern
from typing import Optional

from ..syntax import ast as A
from ..syntax.literals import format_timestamp
from .core.attributes import AttributeProjection
from .core.content import LookupTable
from .core.evaluator import Compiler, Ctx
from .core.pysource import SourceCompiler
from .core.interpreter import LoweredJourney, context, resume_after_wait, resume_wait_for, step
from .core.projection import HistoryProjection
from .core.segment_polarity import DOWN, UP, can_change
from .core.segments import SegmentEngine, boundary_from_entries, lookback_by_type
from .core.sends import SendPolicy
from .core.state import EMPTY, Instance, ProfileState, deep_merge, own
from .core.values import Event, to_json_value
from .services.dedup import DedupRegistry
from .services.eventlog import LogReader
from .services.identity import IdentityGraph
from .services.annotate import node_table
from .services.outputs import JourneyStats, OutputSink, rejection_record, report_document

YOUNG_GC_EVERY = 200_000
# conditions compiled to Python source (`core/pysource.py`); the fast-path tests swap in the
# closure compiler (`core/evaluator.py`) and expect the same bytes
COMPILER: type[Compiler] = SourceCompiler
ONE_PASS_ARRIVALS = True
# the timer heap drops its dead entries when it has grown by half since the last sweep, and
# past this floor (`Runtime._sweep_timers`); the tests set it low
TIMER_SWEEP_MIN = 65_536


class Runtime:
    def __init__(self, analysis, sink: OutputSink) -> None:
        program = analysis.program
        self.compiler = COMPILER()
        sources = {source.path: source.text for source in program.files}
        self.journeys = {name: LoweredJourney(analysis.graphs[name], self.compiler, sources)
                         for name in sorted(analysis.graphs)}
        self.stats = {name: JourneyStats() for name in self.journeys}
        self.segments = SegmentEngine(program, self.compiler)
        self.sends = SendPolicy(program)
        self.lookups = {name: LookupTable(decl) for name, decl in sorted(program.lookups.items())}
        self.identities = IdentityGraph(self._on_merge)
        self.dedup = DedupRegistry()
        self.sink = sink
        # journey -> node -> {"file", "line", "label"}: written beside every node id (`services/annotate.py`)
        self.where: dict[str, dict[str, dict]] = {}
        for (journey, node), where in node_table(analysis).items():
            self.where.setdefault(journey, {})[node] = where
        self.timers: list = []
        self.sweep_at = TIMER_SWEEP_MIN          # heap size that triggers `_sweep_timers`
        self.keyed = getattr(sink, "keyed", False)   # a partition writes order keys with its lines
        self.global_last_ts: Optional[int] = None     # a partition: the whole log's last record time
        self.horizon, self.star_horizon, self.keep_all = lookback_by_type(program)
        self.projection = HistoryProjection(program)
        self.attributes = AttributeProjection(program)
        self.seq = 0
        self.now = 0
        self.last_record_ts: Optional[int] = None
        self.processed = 0
        self.pending_audience: list[tuple[str, ProfileState]] = []
        # a record's segments in one pass over its type's plan (`_arrive`); the reference
        # runtime and the shortcuts-off tests take the general path
        self.one_pass_arrivals = ONE_PASS_ARRIVALS
        self.flips: Optional[list[int]] = None    # collects `now`-comparison flips while a segment evaluates
        self.entry_by_type: dict[str, list[str]] = {}
        self.entry_any: list[str] = []
        self.audience_entries: dict[str, list[str]] = {}
        for index, (name, lowered) in enumerate(self.journeys.items()):
            entry = lowered.decl.entry
            if isinstance(entry, A.EventEntry):
                if not entry.pattern.types:
                    self.entry_any.append(name)
                for event_type in entry.pattern.types:
                    self.entry_by_type.setdefault(event_type, []).append(name)
            elif isinstance(entry, A.AudienceEntry):
                self.audience_entries.setdefault(entry.segment.name, []).append(name)
            elif isinstance(entry, A.ReadAudienceEntry):
                self.schedule_read(entry.at.ms, name, index, 0)

    # ------------------------------------------------------------------ effects as data
    def trace(self, now: int, instance: Instance, node: str, what: str, *, reason=None, label=None,
              detail=None) -> None:
        record = {"time": format_timestamp(now), "journey": instance.journey, "instance": instance.id,
                  "profile": instance.profile.id, "node": node}
        where = self.where[instance.journey].get(node)
        if where is not None:
            record["where"] = where
        record["event"] = what
        if reason is not None:
            record["reason"] = reason
        if label is not None:
            record["label"] = label
        if detail is not None:
            record["detail"] = detail
        self.sink.write("trace", record)

    def _action_id(self, journey: str, instance: str, node: str, now: int) -> str:
        return hashlib.sha256(f"{journey}|{instance}|{node}|{now}".encode()).hexdigest()[:20]

    def action(self, instance: Instance, node, now: int, channel: str, message: str, to, status: str,
               reason, content) -> dict:
        record = {"id": self._action_id(instance.journey, instance.id, node.id, now), "time": format_timestamp(now),
                  "journey": instance.journey, "instance": instance.id, "profile": instance.profile.id,
                  "node": node.id, "where": self.where[instance.journey][node.id], "channel": channel,
                  "message": message, "to": to, "status": status, "reason": reason, "content": content}
        self.sink.write("actions", record)
        self.stats[instance.journey].actions[f"{channel}/{status}"] += 1
        self.trace(now, instance, node.id, "send", reason=reason, detail={"channel": channel, "message": message,
                                                                         "status": status})
        return record

    def audience_action(self, instance: Instance, node, now: int) -> None:
        stmt = node.stmt
        record = {"id": self._action_id(instance.journey, instance.id, node.id, now), "time": format_timestamp(now),
                  "journey": instance.journey, "instance": instance.id, "profile": instance.profile.id,
                  "node": node.id, "where": self.where[instance.journey][node.id], "channel": "audience",
                  "audience": stmt.audience.name, "op": stmt.op,
                  "status": "applied", "reason": None}
        self.sink.write("actions", record)
        self.stats[instance.journey].actions[f"audience/{stmt.op}"] += 1
        self.trace(now, instance, node.id, "audience", detail={"audience": stmt.audience.name, "op": stmt.op})

    # ------------------------------------------------------------------ timers
    def schedule(self, due: int, kind: str, subject, token, profile: ProfileState) -> None:
        """A timer of `profile` (an instance's or its segments'). Timers due at one instant
        fire segment boundaries first, then the others, each by (owner profile id at
        creation, that profile's creation count): the order of creation within a profile,
        and an order across profiles that no partitioning can change (docs/runtime.md,
        "Order")."""
        profile.timer_seq += 1
        phase = 2 if kind == "segments" else 3   # memberships first, then waits and timeouts
        heapq.heappush(self.timers, (due, phase, profile.id, profile.timer_seq, kind, subject, token))
        if len(self.timers) > self.sweep_at:
            self._sweep_timers()

    def _sweep_timers(self) -> None:
        """Drop the timers that can no longer do anything when they fire (`_alive`, which
        `fire` asks too): an instance that ended or has moved on to another wait, a profile
        whose segment timer was replaced or that was merged away. Each of those is dead for
        good (tokens only grow, an ended instance never runs again, a merge is final), and a
        dead timer writes nothing and moves no clock, so the outputs and the order of the
        rest are unchanged; what goes is memory — an ended instance's timeout timer held
        the instance for up to its journey's timeout (most of the heap at 100,000 profiles).
        Amortised: a sweep runs when the heap has grown by half since the last one (at
        100,000 profiles, 15 sweeps, about 1 s of 85, for 8 MB less at the peak than
        sweeping at twice)."""
        timers = self.timers
        timers[:] = [timer for timer in timers if _alive(timer)]
        heapq.heapify(timers)
        self.sweep_at = max(TIMER_SWEEP_MIN, len(timers) * 3 // 2)

    def schedule_read(self, due: int, journey: str, index: int, occurrence: int) -> None:
        """A scheduled audience read: a global timer; at its instant it fires before every
        profile's timers, reads of several journeys in journey-name order."""
        heapq.heappush(self.timers, (due, 1, "", index, "read", journey, occurrence))

    def wait(self, instance: Instance, node: str, due: Optional[int], now: int, for_event: bool = False) -> None:
        instance.node = node
        instance.token += 1
        detail = {"until": format_timestamp(due)} if due is not None else None
        self.trace(now, instance, node, "waiting", detail=detail)
        if due is not None:
            self.schedule(due, "wait_for" if for_event else "resume", instance, instance.token, instance.profile)

    def fire(self, timer) -> None:
        due, phase, owner, seq, kind, subject, token = timer
        if self.keyed and kind != "read":
            self.sink.begin_step(due, phase, owner, seq)
        if not _alive(timer):     # its instance ended or moved on, its profile's timer was replaced
            return
        self.now = due
        if kind == "resume":
            resume_after_wait(self, subject, due)
        elif kind == "wait_for":
            resume_wait_for(self, subject, due, None)
        elif kind == "timeout":
            self.end(subject, due, "timeout")
        elif kind == "segments":
            self._boundaries(subject, due)
            self._enter_audiences(due)
        else:
            self._scheduled_read(subject, seq, token, due)

    def _due_now(self, profile: ProfileState, due: int) -> tuple[list[str], list[str]]:
        """Take the profile's segment boundaries and `now` flips due at `due`: (the segments
        whose boundaries to rescan, the segments to evaluate), and retire its pending timer."""
        profile.timer_due = None
        profile.segment_token += 1      # a pending timer for this instant is now stale
        names, changing = [], []
        membership = profile.membership
        for name, (at, mask) in sorted(profile.segment_due.items()):
            if at <= due:
                names.append(name)
                # polarity: a boundary that cannot move the stored membership is not evaluated
                if at < due or can_change(mask, membership.get(name, False)):
                    changing.append(name)
        flipping = [name for name, at in profile.flip_due.items() if at <= due]
        if flipping:
            changing = sorted(set(changing) | set(flipping))
        return names, changing

    def _boundaries(self, profile: ProfileState, due: int) -> None:
        """Apply the profile's segment boundaries and `now` flips due at `due`."""
        rescan, changing = self._due_now(profile, due)
        self._update_segments(profile, due, changing, rescan=rescan)

    # ------------------------------------------------------------------ journeys
    def end(self, instance: Instance, now: int, reason: str, node: Optional[str] = None) -> None:
        instance.active = False
        instance.exit_reason = reason
        instance.token += 1
        instance.wait = None
        instance.bindings = {}      # pending timers may still hold the instance: free its events
        instance.entry_event = None
        profile = instance.profile
        if profile.instances.get(instance.journey) is instance:
            del profile.instances[instance.journey]
            if not profile.instances:
                profile.instances = EMPTY
        self.stats[instance.journey].exits[reason] += 1
        self.trace(now, instance, node or instance.node, "exited", reason=reason)

    def refuse(self, journey: str, profile: ProfileState, now: int, reason: str) -> None:
        self.stats[journey].refusals[reason] += 1
        self.sink.write("trace", {"time": format_timestamp(now), "journey": journey, "instance": None,
                                  "profile": profile.id, "node": "n0", "where": self.where[journey]["n0"],
                                  "event": "refused", "reason": reason})

    def try_enter(self, name: str, profile: ProfileState, now: int, event: Optional[Event], via=None,
                  read_id: Optional[str] = None) -> Optional[Instance]:
        lowered = self.journeys.get(name)
        if lowered is None:
            return None
        decl = lowered.decl
        if name in profile.instances:
            self.refuse(name, profile, now, "already active")
            return None
        previous = profile.entries.get(name)
        if previous is not None:
            mode = decl.reentry.mode if decl.reentry else "never"
            if mode == "never":
                self.refuse(name, profile, now, "no reentry")
                return None
            if mode == "after" and now < previous + decl.reentry.after.ms:
                self.refuse(name, profile, now, "reentry too soon")
                return None
        bindings = {}
        if event is not None and lowered.entry_alias:
            bindings[lowered.entry_alias] = event
        key_text = None
        if lowered.dedup_key is not None:
            journey_info = {"name": name, "entered_at": None}
            key = lowered.dedup_key(Ctx(profile, now, bindings, event, journey_info, self))
            if key is not None:
                key_text = repr(to_json_value(key))
                within = decl.dedup.within.ms if decl.dedup.within else None
                if self.dedup.seen(name, key_text, now, within, read_id):
                    self.refuse(name, profile, now, "duplicate")
                    return None
                self.dedup.admit(name, key_text, now, within, read_id)
        profile.instance_seq += 1
        instance = Instance(f"{name}/{profile.id}/{profile.instance_seq}", name, profile, now, self.seq, event)
        instance.bindings.update(bindings)
        own(profile, "instances")[name] = instance
        own(profile, "entries")[name] = now
        self.stats[name].entries += 1
        detail = {"via": via} if via else None
        self.trace(now, instance, "n0", "entered", detail=detail)
        self.schedule(now + lowered.timeout, "timeout", instance, now, profile)
        step(self, instance, now)
        return instance

    def in_segment(self, name: str, profile: ProfileState, now: int) -> bool:
        if name not in self.segments.decls:
            return False
        return self.segments.evaluate(name, profile, now, self)

    def _scheduled_read(self, name: str, index: int, occurrence: int, due: int) -> None:
        entry = self.journeys[name].decl.entry
        read_id = f"{name}@{format_timestamp(due)}"
        keyed = self.keyed
        for profile in self.identities.live_profiles():
            if keyed:   # members in profile-id order: each member is a step of its own
                self.sink.begin_read_step(due, index, profile.id)
            if self.segments.evaluate(entry.segment.name, profile, due, self):
                self.try_enter(name, profile, due, None, read_id=read_id)
        if entry.every is not None and entry.every.ms > 0:
            self.schedule_read(due + entry.every.ms, name, index, occurrence + 1)

    # ------------------------------------------------------------------ records
    def _on_merge(self, survivor: ProfileState, other: ProfileState) -> None:
        """Move the absorbed profile's instances over; of two active instances of one
        journey, the one that entered first stays and the other exits `merged`."""
        self.sink.write("identities", {"time": format_timestamp(self.now), "profile": survivor.id,
                                       "absorbed": other.id})
        for journey in sorted(other.instances):
            theirs = other.instances[journey]
            theirs.profile = survivor
            mine = survivor.instances.get(journey)
            if mine is None:
                own(survivor, "instances")[journey] = theirs
                continue
            older, younger = sorted((mine, theirs), key=lambda i: (i.entered_at, i.entry_seq, i.id))
            survivor.instances[journey] = older
            self.end(younger, self.now, "merged")
        other.instances = EMPTY

    def _update_segments(self, profile: ProfileState, now: int, names: list[str], event: Optional[Event] = None,
                         rescan=(), boundary_names: Optional[list[str]] = None) -> None:
        """Re-evaluate `names`; keep each segment's next window boundary and its polarity
        (for the segments in `boundary_names`, default `names`, when an event arrived) and
        one timer per profile."""
        engine = self.segments
        if boundary_names is None:
            boundary_names = names
        if profile.dirty:
            profile.dirty = False
            names = boundary_names = rescan = engine.streaming
        for name in rescan:
            found = engine.next_boundary(name, profile, now)
            if found is not None:
                own(profile, "segment_due")[name] = found
            elif name in profile.segment_due:
                del profile.segment_due[name]
        if event is not None:
            for name in boundary_names:
                found, action = engine.boundary_from_event(name, profile, event, now)
                self._note_boundary(profile, now, name, found, action)
        self._settle(profile, now, names)

    def _note_boundary(self, profile: ProfileState, now: int, name: str, found, action: str) -> None:
        """Keep what an arrived event did to the segment's next boundary (`boundary_from_event`)."""
        dues = profile.segment_due
        if action == "set":
            own(profile, "segment_due")[name] = found
        elif action == "rescan":
            found = self.segments.next_boundary(name, profile, now)
            if found is not None:
                own(profile, "segment_due")[name] = found
            elif name in dues:
                del dues[name]
        elif found is not None:
            current = dues.get(name)
            if current is None or found[0] < current[0]:
                own(profile, "segment_due")[name] = found
            elif found[0] == current[0]:
                dues[name] = (current[0], current[1] | found[1])

    def _arrive(self, profile: ProfileState, now: int, event: Event, plan: tuple) -> None:
        """The segments' part of an event that is not its profile's first, with no merged
        history to rescan and no boundary due at its instant, in one pass over the type's
        `arrival_plan`: the same as `_update_segments(profile, now, on_arrival(names),
        event, boundary_names=names)` with `names = relevant(type)`."""
        membership = profile.membership
        affected = []
        for name, record_bound, arrival, entries in plan:
            if entries:
                found, action = boundary_from_entries(entries, profile, event, now)
                if found is not None or action == "rescan":
                    self._note_boundary(profile, now, name, found, action)
            if record_bound:                                # `on_arrival`
                affected.append(name)
            elif arrival is not None:
                polarity, matchers = arrival
                if polarity & (DOWN if membership.get(name, False) else UP) and (
                        matchers is None or any(matcher(profile, event) for matcher in matchers)):
                    affected.append(name)
        self._settle(profile, now, affected)

    def _settle(self, profile: ProfileState, now: int, names: list[str]) -> None:
        """Evaluate `names`, write the membership changes, and keep one timer per profile at
        its earliest segment boundary or `now` flip."""
        for segment, member in self.segments.update(profile, now, names, self):
            self.sink.write("segments", {"time": format_timestamp(now), "segment": segment, "profile": profile.id,
                                         "change": "entered" if member else "exited"})
            if member:
                for journey in self.audience_entries.get(segment, ()):
                    self.pending_audience.append((journey, profile))
        dues = profile.segment_due
        flips = profile.flip_due
        if dues or flips:
            due = min([at for at, _ in dues.values()] + list(flips.values()))
            if profile.timer_due is None or due < profile.timer_due:
                profile.timer_due = due
                profile.segment_token += 1
                self.schedule(due, "segments", profile, profile.segment_token, profile)
        elif dues is not EMPTY:     # emptied: give the dict back
            profile.segment_due = EMPTY

    def profile_changed(self, profile: ProfileState, now: int) -> None:
        """Attributes changed inside a journey (`set profile`): streaming membership follows."""
        self._update_segments(profile, now, self.segments.relevant(None))
        self._enter_audiences(now)

    def _enter_audiences(self, now: int) -> None:
        if not self.pending_audience:
            return
        pending = sorted(self.pending_audience, key=lambda item: item[0])
        self.pending_audience = []
        for journey, profile in pending:
            while profile.merged_into is not None:
                profile = profile.merged_into
            self.try_enter(journey, profile, now, None)

    def process(self, record) -> None:
        now = self.now = record.ts
        self.seq += 1
        self.processed += 1
        created = self.identities.created
        profile = self.identities.profile_for(record.identities)
        # a new profile's first record settles every streaming segment (after its data)
        new = self.identities.created != created
        data = record.data
        if data.get("recordType") == "profile":
            update = {k: v for k, v in data.items() if k not in ("_id", "timestamp", "recordType")}
            deep_merge(profile.attrs, self.attributes.project(update))
            names, rescan = (self.segments.streaming if new else self.segments.relevant(None)), ()
            if profile.timer_due is not None and profile.timer_due <= now:
                # boundaries due now are applied with the record's own changes, in one pass
                rescan, changing = self._due_now(profile, now)
                names = sorted(set(names) | set(changing))
            self._update_segments(profile, now, names, rescan=rescan)
            self._enter_audiences(now)
            return
        # one string object per distinct type and dataset: stored events hold them for days
        event_type = intern(data["eventType"])
        dataset = data.get("dataset")
        event = Event(now, self.seq, event_type, intern(dataset) if type(dataset) is str else None, data)
        keep_type = event_type in self.horizon
        if keep_type or self.keep_all:
            profile.add_event(self.projection.store(event), keep_type, self.keep_all)
        if keep_type:
            horizon = self.horizon[event_type]
            if horizon is not None:
                events = profile.history[event_type]
                if events[0].ts <= now - horizon:
                    profile.prune(self.horizon, now, self.star_horizon)
        due_now = profile.timer_due is not None and profile.timer_due <= now
        if self.one_pass_arrivals and not (new or due_now or profile.dirty):
            plan = self.segments.arrival_plan(event_type)
            if plan:
                self._arrive(profile, now, event, plan)
        elif (names := self.segments.relevant(event_type)) or profile.dirty or due_now or new:
            affected, rescan = self.segments.on_arrival(names, profile, event), ()
            if new:
                affected = self.segments.streaming
            if due_now:   # boundaries due now are applied with the record's own changes, in one pass
                rescan, changing = self._due_now(profile, now)
                affected = sorted(set(affected) | set(changing))
            self._update_segments(profile, now, affected, event, rescan=rescan, boundary_names=names)
        # step 3: exit criteria, then waiting instances (journeys by name)
        for journey in sorted(profile.instances):
            instance = profile.instances.get(journey)
            if instance is None or not instance.active:
                continue
            lowered = self.journeys[journey]
            # static relevance: skip instances neither an exit criterion nor their wait can hear
            listens, wait = lowered.exit_listens, instance.wait
            if (listens is not None and event_type not in listens) and (
                    wait is None or (wait.listens is not None and event_type not in wait.listens)):
                continue
            ctx = context(self, instance, now)
            for matcher, alias, reason in lowered.exit_matchers:
                if matcher(ctx, event):
                    self.end(instance, now, reason)
                    break
            if not instance.active or instance.wait is None:
                continue
            if instance.deadline >= 0 and now > instance.deadline:
                continue
            if instance.wait.matcher(ctx, event):
                resume_wait_for(self, instance, now, event)
        # step 4: entries (audience entries from step 2 first, then event entries; each by name)
        self._enter_audiences(now)
        candidates = self.entry_by_type.get(event_type, [])
        if self.entry_any:
            candidates = sorted(set(candidates) | set(self.entry_any))
        for journey in candidates:
            lowered = self.journeys[journey]
            probe = Ctx(profile, now, {}, event, {"name": journey, "entered_at": None}, self)
            if lowered.entry_matcher(probe, event):
                self.try_enter(journey, profile, now, event)

    def take(self, record) -> None:
        """Take one record in log order: first the timers due strictly before it."""
        while self.timers and self.timers[0][0] < record.ts:
            self.fire(heapq.heappop(self.timers))
        if self.keyed:
            self.sink.begin_step(record.ts, 0, record.file_index, record.line)
        self.process(record)
        self.last_record_ts = record.ts

    def advance(self, until: Optional[int]) -> None:
        """Fire the timers due up to `until` (inclusive); None drains them all, except
        scheduled reads after the last record's time."""
        last = self.last_record_ts if self.global_last_ts is None else self.global_last_ts
        while self.timers:
            due, phase = self.timers[0][:2]
            if until is not None and due > until:
                break
            timer = heapq.heappop(self.timers)
            if phase == 1 and until is None and (last is None or due > last):
                continue
            self.fire(timer)
        if until is not None:
            self.now = max(self.now, until)

    def run(self, reader: LogReader, until: Optional[int], progress=None) -> None:
        """Take every record, then fire the timers up to `until` (or drain).

        CPython's cyclic garbage collector is paused meanwhile: the runtime's long-lived
        state (histories, profiles, instances) is millions of container objects that hold
        no garbage cycles, and full collections that traverse all of them cost about a
        fifth of the replay at 10,000 profiles and more as the state grows. The young
        generations are still collected every `YOUNG_GC_EVERY` records, so a short-lived
        cycle (a template error's traceback, say) is freed soon after."""
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            for record in reader:
                self.take(record)
                if self.processed % YOUNG_GC_EVERY == 0:
                    gc.collect(1)
                if progress is not None and self.processed % 50_000 == 0:
                    progress(self.processed)
            self.advance(until)
        finally:
            if was_enabled:
                gc.enable()

    def segment_members(self, end: int) -> dict[str, tuple[str, int]]:
        """segment -> (evaluation, members among live profiles at `end`): streaming ones as
        kept, batch ones evaluated then."""
        live = self.identities.live_profiles()
        members = {}
        for name, decl in self.segments.decls.items():
            if decl.evaluation == "streaming":
                count = sum(1 for p in live if p.membership.get(name))
            else:
                count = sum(1 for p in live if self.segments.evaluate(name, p, end, self))
            members[name] = (decl.evaluation, count)
        return members

    def report(self, reader) -> dict:
        return report_document(reader, self.processed, len(self.identities.profiles), format_timestamp(self.now),
                               {name: self.stats[name] for name in self.journeys}, self.segment_members(self.now))


def _alive(timer: tuple) -> bool:
    """Whether a timer can still do something when it fires (`Runtime.fire` runs only those)."""
    _, _, _, _, kind, subject, token = timer
    if kind == "resume" or kind == "wait_for":
        return subject.active and subject.token == token
    if kind == "timeout":
        return subject.active and subject.entered_at == token
    if kind == "segments":
        return subject.merged_into is None and subject.segment_token == token
    return True


def run_replay(analysis, events: list[str], until: Optional[int], out_dir: Optional[str], progress=None,
               runtime_class=None):
    """Replay and write the outputs; returns (report, sink). `runtime_class` replaces the
    driver (the reference replay's brute-force `ReferenceRuntime`)."""
    sink = OutputSink(out_dir)
    runtime = (runtime_class or Runtime)(analysis, sink)
    reader = LogReader(events, until)
    runtime.run(reader, until, progress)
    for rejection in reader.rejections:
        sink.write("rejected", rejection_record(rejection))
    report = runtime.report(reader)
    sink.close(report)
    return report, sink
