"""Test harness for the replay runtime: program from text, log from dicts, replay, outputs.

`run(source, records, until=...)` writes the program (and any data/template files) to a
temporary folder, checks it (failing the test on errors), writes the records as a JSONL
log, replays it with outputs kept in memory and returns a `Result`.

Records are plain dicts. A short profile name under the key "profile" ("al") stands for
the identity `Email:al@example.org`: it fills a missing `identityMap` and is removed from
the record; a missing `_id` is numbered (`r1`, `r2`, ...). `ev(...)` builds events and
`prof(...)` profile records with consents for every channel.
"""
from __future__ import annotations

import gzip
import json
import os
import tempfile
from dataclasses import dataclass
from typing import Iterable, Optional

from journeylang.pipeline import analyse
from journeylang.runtime.replay import run_replay
from journeylang.syntax.literals import parse_timestamp

DAY0 = "2026-10-01T00:00:00Z"


def email_of(name: str) -> str:
    return f"{name}@example.org"


def pid(name: str) -> str:
    """The profile id of a short profile name."""
    return f"Email:{email_of(name)}"


def identity_map(name: str) -> dict:
    return {"Email": [{"id": email_of(name), "primary": True, "authenticatedState": "authenticated"}]}


def ev(name: Optional[str], ts: str, event_type: str, **fields) -> dict:
    """An experience event of profile `name` (None: give an identityMap yourself)."""
    record = {"timestamp": ts, "eventType": event_type}
    if name is not None:
        record["profile"] = name
    record.update(fields)
    return record


CONSENTED = {"marketing": {"email": {"val": "y"}, "sms": {"val": "y"}, "push": {"val": "y"}},
             "share": {"val": "y"}}


def prof(name: str, ts: str = DAY0, *, consents=CONSENTED, email: bool = True, phone: Optional[str] = "+46700000001",
         **attrs) -> dict:
    """A profile record: email address, phone number and consents (all `y` by default)."""
    record: dict = {"profile": name, "timestamp": ts, "recordType": "profile"}
    if email:
        record["personalEmail"] = {"address": email_of(name)}
    if phone:
        record["mobilePhone"] = {"number": phone}
    if consents is not None:
        record["consents"] = json.loads(json.dumps(consents))
    record.update(attrs)
    return record


def complete(records: Iterable[dict], prefix: str = "r") -> list[dict]:
    """Fill `_id` and `identityMap` from the short profile name."""
    out = []
    for number, record in enumerate(records, start=1):
        record = dict(record)
        name = record.pop("profile", None)
        if "_id" not in record:
            record["_id"] = f"{prefix}{number}"
        if name is not None and "identityMap" not in record:
            record["identityMap"] = identity_map(name)
        out.append(record)
    return out


def write_log(path: str, records: Iterable[dict], prefix: str = "r") -> str:
    """Write the records (completed) as JSONL; gzip when the path ends with .gz."""
    text = "".join(json.dumps(r) + "\n" for r in complete(records, prefix))
    if path.endswith(".gz"):
        with gzip.open(path, "wt", encoding="utf-8") as handle:
            handle.write(text)
    else:
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(text)
    return path


def build(folder: str, source: str, files: Optional[dict[str, str]] = None):
    """Write the program and its files into `folder`, check it; the Analysis."""
    os.makedirs(folder, exist_ok=True)
    for rel, text in (files or {}).items():
        path = os.path.join(folder, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(text)
    main = os.path.join(folder, "main.journey")
    with open(main, "w", encoding="utf-8") as handle:
        handle.write(source)
    analysis = analyse([folder])
    if analysis.diagnostics.has_errors:
        raise AssertionError("program has errors:\n" + "\n".join(
            f"{d.span.line}:{d.span.column} {d.code} {d.message}" for d in analysis.sorted_diagnostics()
            if d.severity == "error"))
    return analysis


@dataclass
class Result:
    actions: list[dict]
    trace: list[dict]
    segments: list[dict]
    rejected: list[dict]
    report: dict
    folder: str = ""

    def sends(self, journey: Optional[str] = None) -> list[tuple]:
        """(time, journey, profile, channel, message-or-audience, status-or-op) per action."""
        rows = []
        for a in self.actions:
            if journey is not None and a["journey"] != journey:
                continue
            if a["channel"] == "audience":
                rows.append((a["time"], a["journey"], a["profile"], "audience", a["audience"], a["op"]))
            else:
                rows.append((a["time"], a["journey"], a["profile"], a["channel"], a["message"], a["status"]))
        return rows

    def statuses(self) -> list[tuple]:
        """(time, message, status, reason) per send."""
        return [(a["time"], a.get("message"), a["status"], a["reason"]) for a in self.actions]

    def changes(self) -> list[tuple]:
        """(time, segment, profile, change) per segment membership change."""
        return [(s["time"], s["segment"], s["profile"], s["change"]) for s in self.segments]

    def events(self, what: str, journey: Optional[str] = None) -> list[dict]:
        return [t for t in self.trace if t["event"] == what and (journey is None or t["journey"] == journey)]

    def exits(self, journey: Optional[str] = None) -> list[tuple]:
        """(time, profile, reason) per `exited` trace line."""
        return [(t["time"], t["profile"], t["reason"]) for t in self.events("exited", journey)]

    def entries(self, journey: Optional[str] = None) -> list[tuple]:
        return [(t["time"], t["profile"]) for t in self.events("entered", journey)]

    def refusals(self, journey: Optional[str] = None) -> list[tuple]:
        return [(t["time"], t["profile"], t["reason"]) for t in self.events("refused", journey)]

    def journey_stats(self, journey: str) -> dict:
        return self.report["journeys"][journey]


def replay_files(analysis, logs: list[str], until: Optional[str] = None) -> Result:
    until_ms = parse_timestamp(until) if until is not None else None
    report, sink = run_replay(analysis, logs, until_ms, None)
    memory = sink.memory
    return Result(memory["actions"], memory["trace"], memory["segments"], memory["rejected"], report)


def run(source: str, records: Iterable[dict], until: Optional[str] = None, *,
        files: Optional[dict[str, str]] = None, folder: Optional[str] = None) -> Result:
    """Build the program, write the log, replay it in memory."""
    if folder is None:
        with tempfile.TemporaryDirectory() as tmp:
            return run(source, records, until, files=files, folder=tmp)
    analysis = build(os.path.join(folder, "program"), source, files)
    log = write_log(os.path.join(folder, "events.jsonl"), records)
    result = replay_files(analysis, [log], until)
    result.folder = folder
    return result


def message(name: str, channel: str = "email", *, transactional: bool = True, subject: str = "s",
            body: Optional[str] = None, title: str = "t") -> str:
    """A message declaration with simple fixed content."""
    lines = [f"message {name} {{", f"  channel {channel}"]
    if transactional:
        lines.append("  transactional")
    body = name if body is None else body
    if channel == "email":
        lines.append(f"  subject {json.dumps(subject)}")
    if channel in ("push", "inapp"):
        lines.append(f"  title {json.dumps(title)}")
    if channel == "ads":
        lines.append('  destination "dest"')
    elif channel == "webhook":
        lines.append('  url "https://example.org/hook"')
        lines.append(f"  body {json.dumps(body)}")
    else:
        lines.append(f"  body {json.dumps(body)}")
    lines.append("}")
    return "\n".join(lines) + "\n"


def t(day: int, clock: str, month: int = 10, year: int = 2026) -> str:
    """`t(10, "10:30")` -> "2026-10-10T10:30:00Z"; clock may be HH:MM, HH:MM:SS or HH:MM:SS.fff."""
    if clock.count(":") == 1:
        clock += ":00"
    return f"{year:04d}-{month:02d}-{day:02d}T{clock}Z"
