"""Read one side's replay outputs into the compact tables the comparison needs.

Consumes: a replay's output folder (`actions.jsonl`, `trace.jsonl`, `segments.jsonl`,
`identities.jsonl`, `report.json`). Produces: `SideOutputs` — actions grouped by
(journey, profile), per (journey, profile) the entries and exit reasons in order, the
sends that were deferred (and why), segment changes per (segment, profile), the merges
and the report — and `profile_trace`, a second pass that takes the trace records of a
few profiles (the examples) only.
Guarantees: the trace is streamed, never held whole (it is the largest output); every
table keeps the files' order, which is the replay's deterministic step order.
"""
from __future__ import annotations

import os
from collections import defaultdict
from dataclasses import dataclass, field

import orjson


def _lines(path: str):
    if not os.path.exists(path):
        return
    with open(path, "rb") as handle:
        for raw in handle:
            if raw.strip():
                yield orjson.loads(raw)


@dataclass
class SideOutputs:
    folder: str
    report: dict
    # (journey, profile) -> [action record, ...] in file order
    actions: dict = field(default_factory=lambda: defaultdict(list))
    # (journey, profile) -> [("entered" | "refused" | "exited", reason or None), ...]
    steps: dict = field(default_factory=lambda: defaultdict(list))
    # instance -> [(time, reason), ...]: its sends that were deferred
    deferred: dict = field(default_factory=lambda: defaultdict(list))
    # (segment, profile) -> [(time, "entered" | "exited"), ...]
    segments: dict = field(default_factory=lambda: defaultdict(list))
    merges: list = field(default_factory=list)


def read_side(folder: str) -> SideOutputs:
    with open(os.path.join(folder, "report.json"), "rb") as handle:
        side = SideOutputs(folder, orjson.loads(handle.read()))
    for record in _lines(os.path.join(folder, "actions.jsonl")):
        side.actions[(record["journey"], record["profile"])].append(record)
    for record in _lines(os.path.join(folder, "trace.jsonl")):
        event = record["event"]
        if event in ("entered", "exited", "refused"):
            side.steps[(record["journey"], record["profile"])].append((event, record.get("reason")))
        elif event == "deferred":
            side.deferred[record["instance"]].append((record["time"], record.get("reason")))
    for record in _lines(os.path.join(folder, "segments.jsonl")):
        side.segments[(record["segment"], record["profile"])].append((record["time"], record["change"]))
    side.merges = list(_lines(os.path.join(folder, "identities.jsonl")))
    return side


def profile_trace(folder: str, profiles: set[str], merges: list[dict]) -> dict[str, list[dict]]:
    """profile -> its trace records, with those written under ids merged into the same
    profile (as `journeylang why` shows them), for the few `profiles` asked."""
    from ..testing.why import merged_group
    belongs: dict[str, list[str]] = defaultdict(list)    # written-as id -> the asked profiles
    for wanted in sorted(profiles):
        root, absorbed = merged_group(merges, wanted)
        for written_as in ({wanted} if root is None else {root, *absorbed}):
            belongs[written_as].append(wanted)
    found: dict[str, list[dict]] = {wanted: [] for wanted in profiles}
    for record in _lines(os.path.join(folder, "trace.jsonl")):
        for wanted in belongs.get(record.get("profile"), ()):
            found[wanted].append(record)
    return found
