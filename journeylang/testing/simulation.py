"""Test journeys by simulation, from pytest: `Simulation`, queries and assertions.

Consumes: a program (paths, or source text with its data files) and profiles and timed
events added through the API. Produces: the same actions, trace, segment changes and
report as `journeylang replay`, kept in memory, plus assertions that explain themselves
(expected vs actual, and the timeline of the profiles involved).
Guarantees: the simulation runs the real runtime (`runtime/replay.py`) record by record
on a virtual clock; nothing depends on the wall clock; records go through the same
validation as log lines (bad ones land in `rejected`).

    sim = Simulation.from_paths("journeys", start="2026-11-20T09:00:00Z")
    sim.profile("ann", consents={"marketing": {"email": {"val": "y"}}})
    sim.event("commerce.productListAdds", "ann", at="+1h", commerce={"cart": {"cartID": "c1"}})
    sim.run(until="+1d")
    sim.assert_action(profile="ann", channel="email", message="cart_reminder", status="sent", at="+1h30m")
"""
from __future__ import annotations

import hashlib
import os
import tempfile
from typing import Optional

import orjson

from ..diagnostics.render import render_text
from ..pipeline import analyse
from ..runtime.replay import Runtime
from ..runtime.services.eventlog import LogRecord, validate
from ..runtime.services.outputs import OutputSink
from ..syntax.literals import format_timestamp, parse_duration, parse_timestamp
from . import why

ACTION_KEYS = ("journey", "profile", "channel", "message", "audience", "op", "status", "reason", "to")


class SimulationError(Exception):
    """The program does not check, or the simulation was used wrongly."""


class _Reader:
    """Stands in for a LogReader in reports: counts and rejections of fed records."""

    def __init__(self) -> None:
        self.read = 0
        self.rejections: list = []


class Simulation:
    def __init__(self, analysis, start: str = "2026-01-01T00:00:00Z") -> None:
        if analysis.diagnostics.has_errors:
            sources = {s.path: s.text for s in analysis.program.files}
            errors = [d for d in analysis.sorted_diagnostics() if d.severity == "error"]
            raise SimulationError("the program has errors:\n" + render_text(errors, sources))
        self.analysis = analysis
        self.start = parse_timestamp(start)
        self.clock = self.start
        self.sink = OutputSink(None)
        self.runtime = Runtime(analysis, self.sink)
        self.reader = _Reader()
        self.pending: list[tuple[int, int, dict]] = []
        self.names: dict[str, str] = {}
        self.counter = 0
        self.finished = False

    # ------------------------------------------------------------------ building
    @classmethod
    def from_paths(cls, *paths: str, start: str = "2026-01-01T00:00:00Z") -> "Simulation":
        return cls(analyse(list(paths)), start)

    @classmethod
    def from_source(cls, text: str, *, files: Optional[dict[str, str]] = None,
                    start: str = "2026-01-01T00:00:00Z") -> "Simulation":
        """A program from source text; `files` are data/template files relative to it."""
        sources = {"main.journey": text, **(files or {})}
        # a folder named by the sources' hash: the same program gets the same paths, so the
        # `where` written beside node ids is the same on every run
        digest = hashlib.sha256(repr(sorted(sources.items())).encode()).hexdigest()[:20]
        folder = os.path.join(tempfile.gettempdir(), f"journeylang-sim-{digest}")
        for name, content in sources.items():
            path = os.path.join(folder, name)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w", encoding="utf-8") as handle:
                handle.write(content)
        return cls(analyse([folder]), start)

    def time(self, when) -> int:
        """`+30m` (from the current clock), an RFC 3339 timestamp, or epoch ms."""
        if when is None:
            return self.clock
        if isinstance(when, int):
            return when
        text = str(when).strip()
        if text.startswith("+"):
            return self.clock + parse_duration(text[1:])
        return parse_timestamp(text)

    def identity(self, name: str) -> str:
        """The profile id a short name stands for (`ann` -> `Email:ann@example.com`)."""
        if name in self.names:
            return self.names[name]
        if ":" in name:
            return name
        return f"Email:{name if '@' in name else name + '@example.com'}"

    def profile_id(self, name: str) -> str:
        """The current id of a profile (after merges, the surviving profile's id)."""
        wanted = self.identity(name)
        profile = self.runtime.identities.owner.get(wanted)
        return profile.id if profile is not None else wanted

    def _identity_map(self, name: str, extra: Optional[dict] = None) -> dict:
        namespace, ident = self.identity(name).split(":", 1)
        identity_map = {namespace: [{"id": ident, "primary": True, "authenticatedState": "authenticated"}]}
        for other_namespace, other_id in (extra or {}).items():
            identity_map.setdefault(other_namespace, []).append({"id": other_id})
        return identity_map

    def _add(self, record: dict, at: int) -> dict:
        if at < self.clock and self.reader.read:
            raise SimulationError(f"{format_timestamp(at)} is before the simulation clock {format_timestamp(self.clock)}")
        self.counter += 1
        record.setdefault("_id", f"sim-{self.counter}")
        record.setdefault("timestamp", format_timestamp(at))
        self.pending.append((at, self.counter, record))
        return record

    def profile(self, name: str, *, email: Optional[str] = None, at=None, identities: Optional[dict] = None,
                **attributes) -> dict:
        """A profile record: identity `Email:<email>` (default `<name>@example.com`), with
        `personalEmail.address` set to it unless given; `identities` adds more (e.g. ECID)."""
        if email is not None:
            self.names[name] = f"Email:{email}"
        record = {"recordType": "profile", "identityMap": self._identity_map(name, identities)}
        namespace, ident = self.identity(name).split(":", 1)
        if namespace == "Email":
            record["personalEmail"] = {"address": ident}
        record.update(attributes)
        return self._add(record, self.time(at))

    def event(self, event_type: str, profile: str, *, at=None, dataset: Optional[str] = None,
              identities: Optional[dict] = None, **fields) -> dict:
        record = {"eventType": event_type, "identityMap": self._identity_map(profile, identities)}
        if dataset is not None:
            record["dataset"] = dataset
        record.update(fields)
        return self._add(record, self.time(at))

    def record(self, record: dict) -> dict:
        """A raw log record (it is validated like a log line)."""
        at = parse_timestamp(record["timestamp"]) if isinstance(record.get("timestamp"), str) else self.clock
        return self._add(dict(record), at)

    # ------------------------------------------------------------------ running
    def _take_until(self, limit: Optional[int]) -> None:
        self.pending.sort(key=lambda item: (item[0], item[1]))
        keep = []
        for at, number, record in self.pending:
            if limit is not None and at > limit:
                keep.append((at, number, record))
                continue
            self.reader.read += 1
            raw = orjson.dumps(record)
            result = validate(raw)
            if isinstance(result, str):
                self.reader.rejections.append({"record": record, "reason": result})
                continue
            ts, data, identities = result
            self.runtime.take(LogRecord(ts, 0, number, data, identities))
        self.pending = keep

    def advance(self, duration: str) -> "Simulation":
        """Move the clock forward, processing records and timers up to the new time."""
        return self.run(until="+" + duration)

    def run(self, until=None) -> "Simulation":
        """Process everything up to `until` (inclusive); without it, drain like a replay."""
        limit = self.time(until) if until is not None else None
        self._take_until(limit)
        self.runtime.advance(limit)
        if limit is not None:
            self.clock = max(self.clock, limit)
        else:
            self.clock = max(self.clock, self.runtime.now)
            self.finished = True
        return self

    # ------------------------------------------------------------------ queries
    @property
    def trace(self) -> list[dict]:
        return self.sink.memory["trace"]

    @property
    def rejected(self) -> list[dict]:
        return self.reader.rejections

    def report(self) -> dict:
        return self.runtime.report(self.reader)

    def _match(self, record: dict, criteria: dict) -> bool:
        for key, wanted in criteria.items():
            if wanted is None:
                continue
            if key == "profile":
                # Both sides resolve to the current profile: a record written before a
                # merge carries the absorbed profile's id, and still belongs to the person.
                recorded = record.get("profile")
                if recorded is None or self.profile_id(recorded) != self.profile_id(wanted):
                    return False
            elif key == "at":
                if record.get("time") != format_timestamp(self.time_from_start(wanted)):
                    return False
            elif record.get(key) != wanted:
                return False
        return True

    def time_from_start(self, when) -> int:
        if isinstance(when, str) and when.strip().startswith("+"):
            return self.start + parse_duration(when.strip()[1:])
        return self.time(when)

    def actions(self, **criteria) -> list[dict]:
        return [a for a in self.sink.memory["actions"] if self._match(a, criteria)]

    def exits(self, **criteria) -> list[dict]:
        return [t for t in self.trace if t["event"] == "exited" and self._match(t, criteria)]

    def refusals(self, **criteria) -> list[dict]:
        return [t for t in self.trace if t["event"] == "refused" and self._match(t, criteria)]

    def segment_changes(self, **criteria) -> list[dict]:
        return [s for s in self.sink.memory["segments"] if self._match(s, criteria)]

    def explain(self, profile: str, journey: Optional[str] = None) -> str:
        """The profile's timeline; steps written before a merge under the absorbed
        profile's id are included, marked with that id."""
        wanted = self.profile_id(profile)
        return why.render(self.trace, wanted, journey, self.analysis.graphs, self.sink.memory["identities"])

    # ------------------------------------------------------------------ assertions
    def _failure(self, what: str, criteria: dict, found: list[dict], candidates: list[dict]) -> str:
        lines = [what, "  expected: " + _criteria_text(criteria)]
        if found:
            lines.append("  but found:")
            lines.extend("    " + action_line(a) for a in found)
        lines.append("  actual actions of the profile:" if candidates else "  the profile has no actions")
        lines.extend("    " + action_line(a) for a in candidates)
        profile = criteria.get("profile")
        if profile:
            lines.append(self.explain(profile, criteria.get("journey")))
        return "\n".join(lines)

    def _profile_actions(self, criteria: dict) -> list[dict]:
        profile = criteria.get("profile")
        return self.actions(profile=profile) if profile else list(self.sink.memory["actions"])

    def assert_action(self, **criteria) -> dict:
        found = self.actions(**criteria)
        if not found:
            raise AssertionError(self._failure("no matching action", criteria, [], self._profile_actions(criteria)))
        return found[0]

    def assert_no_action(self, **criteria) -> None:
        found = self.actions(**criteria)
        if found:
            raise AssertionError(self._failure("an action that should not exist", criteria, found,
                                               self._profile_actions(criteria)))

    def assert_exit(self, **criteria) -> dict:
        found = self.exits(**criteria)
        if not found:
            actual = self.exits(profile=criteria.get("profile"), journey=criteria.get("journey"))
            lines = ["no matching exit", "  expected: " + _criteria_text(criteria), "  actual exits:"]
            lines.extend(f"    {e['time']} {e['journey']} {e['profile']}: {e.get('reason')}" for e in actual)
            if criteria.get("profile"):
                lines.append(self.explain(criteria["profile"], criteria.get("journey")))
            raise AssertionError("\n".join(lines))
        return found[0]

    def assert_segment(self, **criteria) -> dict:
        found = self.segment_changes(**criteria)
        if not found:
            actual = self.segment_changes(profile=criteria.get("profile"))
            lines = ["no matching segment change", "  expected: " + _criteria_text(criteria), "  actual changes:"]
            lines.extend(f"    {s['time']} {s['segment']} {s['profile']}: {s['change']}" for s in actual)
            raise AssertionError("\n".join(lines))
        return found[0]


def _criteria_text(criteria: dict) -> str:
    return ", ".join(f"{k}={v}" for k, v in criteria.items() if v is not None)


def action_line(action: dict) -> str:
    target = action.get("message") or action.get("audience")
    status = action.get("status") if action.get("channel") != "audience" else action.get("op")
    reason = f" ({action['reason']})" if action.get("reason") else ""
    return f"{action['time']} {action['journey']} {action['profile']} {action['channel']} {target} {status}{reason}"
