"""Replay outputs: the JSONL writers, per-journey statistics, report.json and the summary.

Consumes: effect records produced by the interpreter and the driver.
Produces: `actions.jsonl`, `trace.jsonl`, `segments.jsonl`, `rejected.jsonl`,
`report.json` in the output folder, `identities.jsonl` (an extension: one line per
profile merge, so explanations can follow a profile across merges), and the human
summary table.
Guarantees: lines are written in processing order with a fixed key order, so the same
replay gives byte-identical files; counters are plain dicts sorted when written.
"""
from __future__ import annotations

import os
import re
from collections import Counter

import orjson

FILES = ("actions", "trace", "segments", "rejected", "identities")
WRITE_BUFFER = 1 << 18   # per output file: 256 KiB writes; five 1 MiB buffers were 4 MB of a replay's peak


class JourneyStats:
    __slots__ = ("entries", "refusals", "exits", "visits", "actions")

    def __init__(self) -> None:
        self.entries = 0
        self.refusals: Counter = Counter()
        self.exits: Counter = Counter()
        self.visits: Counter = Counter()
        self.actions: Counter = Counter()

    def visit(self, node: str) -> None:
        self.visits[node] += 1

    def to_json(self) -> dict:
        return {"entries": self.entries, "refusals": dict(sorted(self.refusals.items())),
                "exits": dict(sorted(self.exits.items())),
                "visits": dict(sorted(self.visits.items(), key=lambda kv: int(kv[0][1:]))),
                "actions": dict(sorted(self.actions.items()))}


class OutputSink:
    """Buffered JSONL writers (or in-memory lists when `folder` is None, for tests)."""

    def __init__(self, folder) -> None:
        self.folder = folder
        self.handles = {}
        self.memory: dict[str, list[dict]] = {name: [] for name in FILES}
        self.keep = folder is None
        if folder is not None:
            os.makedirs(folder, exist_ok=True)
            for name in FILES:
                self.handles[name] = open(os.path.join(folder, f"{name}.jsonl"), "wb", buffering=WRITE_BUFFER)

    def write(self, name: str, record: dict) -> None:
        if self.keep:
            self.memory[name].append(record)
        else:
            self.handles[name].write(orjson.dumps(record, option=orjson.OPT_APPEND_NEWLINE))

    def close(self, report: dict) -> None:
        for handle in self.handles.values():
            handle.close()
        if self.folder is not None:
            write_report(self.folder, report)


def report_document(reader, processed: int, profiles: int, end: str, stats: dict, segments: dict) -> dict:
    """report.json: one shape for the single-process replay and the merged partitions.
    `stats`: journey -> JourneyStats (in journey order); `segments`: name -> (evaluation, members)."""
    return {"complete": True,   # written only at the end of a run that finished
            "records": {"read": reader.read, "processed": processed, "rejected": len(reader.rejections)},
            "rejection_reasons": rejection_reasons(reader.rejections),
            "profiles": profiles,
            "end": end,
            "journeys": {name: journey.to_json() for name, journey in stats.items()},
            "segments": {name: {"evaluation": evaluation, "members": members}
                         for name, (evaluation, members) in segments.items()}}


def write_report(folder: str, report: dict) -> None:
    with open(os.path.join(folder, "report.json"), "wb") as handle:
        handle.write(orjson.dumps(report, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS) + b"\n")


def write_rejections(folder: str, rejections) -> None:
    with open(os.path.join(folder, "rejected.jsonl"), "wb") as handle:
        for rejection in rejections:
            handle.write(orjson.dumps(rejection_record(rejection), option=orjson.OPT_APPEND_NEWLINE))


def rejection_record(rejection) -> dict:
    return {"file": rejection.file, "line": rejection.line, "reason": rejection.reason, "record": rejection.text}


def reason_kind(reason: str) -> str:
    """A rejection reason without the values it quotes (`timestamp '…' is not RFC 3339 ...`),
    so reasons that differ only in the offending value count together."""
    return re.sub(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"", "'…'", reason)


def rejection_reasons(rejections) -> dict[str, int]:
    """Reason kind -> count, the most frequent first (ties by reason)."""
    counts = Counter(reason_kind(r.reason) for r in rejections)
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


TOP_REASONS = 5


def summary_text(report: dict) -> str:
    """The human summary: record counts (with the top rejection reasons), one table per
    journey, then segments with the instant their members are counted at."""
    lines = []
    records = report["records"]
    lines.append(f"records: {records['read']} read, {records['processed']} processed, "
                 f"{records['rejected']} rejected")
    reasons = sorted((report.get("rejection_reasons") or {}).items(), key=lambda kv: (-kv[1], kv[0]))
    for reason, count in reasons[:TOP_REASONS]:   # report.json keeps keys sorted: order by count here
        lines.append(f"  {count:>8}  {reason}")
    if len(reasons) > TOP_REASONS:
        lines.append(f"  {sum(count for _, count in reasons[TOP_REASONS:]):>8}  other reasons "
                     "(rejected.jsonl has them all)")
    lines.append(f"ended at {report['end']} (--until, else the last record or timer processed)")
    for name, stats in report["journeys"].items():
        lines.append("")
        lines.append(f"journey {name}")
        lines.append(f"  entered   {stats['entries']}")
        refused = ", ".join(f"{k} {v}" for k, v in stats["refusals"].items()) or "-"
        lines.append(f"  refused   {refused}")
        exits = ", ".join(f"{k} {v}" for k, v in stats["exits"].items()) or "-"
        lines.append(f"  exited    {exits}")
        if stats["actions"]:
            width = max(len(k) for k in stats["actions"])
            lines.append("  actions")
            for key, count in stats["actions"].items():
                lines.append(f"    {key.ljust(width)}  {count}")
        else:
            lines.append("  actions   -")
    if report["segments"]:
        lines.append("")
        lines.append(f"segments (members at {report['end']}, when the replay ended: a replay has no later "
                     "instant to count them at)")
        width = max(len(k) for k in report["segments"])
        for name, info in report["segments"].items():
            lines.append(f"  {name.ljust(width)}  {info['members']}")
    return "\n".join(lines)
