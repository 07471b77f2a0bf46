"""Chart data for the report: per-day activity, segment membership over time, time to send.

Consumes: `inputs.ReplayOutputs` (trace, actions, segments, report.json) and a journey's
flow (`flows.journey_flow`, for its send nodes' labels).
Produces: JSON-ready chart specifications (`labels` on the x axis, `datasets` of
`{label, stack, data}`), drawn by the vendored Chart.js in the page; and the summary
tables (record counts, top rejection reasons with an example line each, segments).
Guarantees: days are UTC calendar days from the first recorded instant to report.json's
`end`; membership is sampled at the end of each bucket (an hour, or a longer bucket so
that there are at most `MAX_POINTS`); histogram bins come from a fixed ladder of widths;
series and stacks are sorted, so the same outputs give the same specification.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime, timedelta, timezone

from ..syntax.literals import parse_timestamp
from .inputs import ReportInputError

DAY_MS = 86_400_000
HOUR_MS = 3_600_000
MAX_POINTS = 400
BIN_WIDTHS_MS = (60_000, 300_000, 900_000, 1_800_000, HOUR_MS, 2 * HOUR_MS, 3 * HOUR_MS, 6 * HOUR_MS,
                 12 * HOUR_MS, DAY_MS, 2 * DAY_MS, 7 * DAY_MS)
MAX_BINS = 24
TOP_REJECTIONS = 5


def _ms(text: str) -> int:
    try:
        return parse_timestamp(text)
    except (ValueError, TypeError):
        raise ReportInputError(f"not an RFC 3339 time in the outputs: {text!r}") from None


def _day(text: str) -> str:
    return text[:10] if text.endswith("Z") else _iso(_ms(text), False)


def _iso(ms: int, with_time: bool) -> str:
    moment = datetime.fromtimestamp(ms / 1000, tz=timezone.utc)
    return moment.strftime("%Y-%m-%d %H:%M" if with_time else "%Y-%m-%d")


def time_range(outputs) -> tuple[int, int]:
    """(first, last) instant the outputs cover, in epoch ms; (0, 0) when empty."""
    times = [_ms(r["time"]) for r in (*outputs.trace, *outputs.segments, *outputs.actions)]
    end = outputs.report.get("end")
    if not times:
        return 0, 0
    return min(times), max(times + ([_ms(end)] if isinstance(end, str) else []))


def days_between(first: int, last: int) -> list[str]:
    start = datetime.fromtimestamp(first / 1000, tz=timezone.utc).date()
    stop = datetime.fromtimestamp(last / 1000, tz=timezone.utc).date()
    days = []
    while start <= stop:
        days.append(start.isoformat())
        start += timedelta(days=1)
    return days


def daily_activity(name: str, outputs, days: list[str]) -> dict:
    """Entries, sends (by channel and status) and exits (by reason) per day: three stacks."""
    index = {day: i for i, day in enumerate(days)}
    series: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0] * len(days))
    for record in outputs.trace:
        if record["journey"] != name:
            continue
        day = _day(record["time"])
        if record["event"] == "entered":
            series[("entries", "entered")][index[day]] += 1
        elif record["event"] == "exited":
            series[("exits", f"exit: {record.get('reason') or 'exit'}")][index[day]] += 1
    for action in outputs.actions:
        if action["journey"] == name:
            channel = action["channel"] if action["channel"] != "audience" else f"audience {action.get('op', '')}"
            series[("sends", f"{channel} {action['status']}")][index[_day(action["time"])]] += 1
    order = {"entries": 0, "sends": 1, "exits": 2}
    datasets = [{"label": label, "stack": stack, "data": data}
                for (stack, label), data in sorted(series.items(), key=lambda kv: (order[kv[0][0]], kv[0][1]))]
    return {"labels": days, "datasets": datasets}


def segment_membership(outputs, first: int, last: int) -> dict:
    """Members of each streaming segment at the end of each time bucket (merges applied)."""
    bucket = HOUR_MS
    while (last - first) // bucket + 1 > MAX_POINTS:
        bucket *= 2
    start = first - first % bucket
    count = (last - start) // bucket + 1 if outputs.segments else 0
    labels = [_iso(start + i * bucket, True) for i in range(count)]
    members: dict[str, set] = defaultdict(set)
    values: dict[str, list[int]] = {}
    names = sorted({r["segment"] for r in outputs.segments})
    for name in names:
        values[name] = [0] * count
    # a merged-away profile leaves every segment at its merge (identities.jsonl), without
    # an `exited` line; at one instant, membership changes come before merges
    changes = sorted([(_ms(r["time"]), 0, i, r) for i, r in enumerate(outputs.segments)]
                     + [(_ms(r["time"]), 1, i, r) for i, r in enumerate(outputs.identities)],
                     key=lambda item: item[:3])
    position = 0
    for i in range(count):
        bucket_end = start + (i + 1) * bucket
        while position < len(changes) and changes[position][0] < bucket_end:
            _, kind, _, record = changes[position]
            if kind == 1:
                for group in members.values():
                    group.discard(record.get("absorbed"))
            elif record["change"] == "entered":
                members[record["segment"]].add(record["profile"])
            else:
                members[record["segment"]].discard(record["profile"])
            position += 1
        for name in names:
            values[name][i] = len(members[name])
    return {"labels": labels, "bucket_minutes": bucket // 60_000,
            "datasets": [{"label": name, "data": values[name]} for name in names]}


def _bin_width(longest: int) -> int:
    for width in BIN_WIDTHS_MS:
        if longest // width + 1 <= MAX_BINS:
            return width
    return BIN_WIDTHS_MS[-1]


def _duration(ms: int) -> str:
    """`3d6h`, `45m`, `0`: whole units, largest first."""
    parts = []
    for unit, size in (("d", DAY_MS), ("h", HOUR_MS), ("m", 60_000), ("s", 1000)):
        if ms >= size:
            parts.append(f"{ms // size}{unit}")
            ms %= size
    return "".join(parts) or "0"


def time_to_send(name: str, outputs, flow: dict) -> dict:
    """Histogram of the time from an instance's entry to each send at each send node."""
    labels_of = {node["id"]: node["label"] for node in flow["nodes"]}
    entered: dict[str, int] = {}
    for (journey, instance), records in outputs.by_instance.items():
        if journey == name and records[0]["event"] == "entered":
            entered[instance] = _ms(records[0]["time"])
    delays: dict[str, list[int]] = defaultdict(list)
    for action in outputs.actions:
        if action["journey"] == name and action["channel"] != "audience" and action.get("instance") in entered:
            delays[action["node"]].append(_ms(action["time"]) - entered[action["instance"]])
    if not delays:
        return {"labels": [], "datasets": [], "bin": ""}
    width = _bin_width(max(max(v) for v in delays.values()))
    bins = max(max(v) for v in delays.values()) // width + 1
    labels = [f"{_duration(i * width)}–{_duration((i + 1) * width)}" for i in range(bins)]
    datasets = []
    for node in sorted(delays, key=lambda n: int(n[1:])):
        counts = Counter(delay // width for delay in delays[node])
        datasets.append({"label": f"{node} {labels_of.get(node, '')}", "data": [counts[i] for i in range(bins)]})
    return {"labels": labels, "datasets": datasets, "bin": _duration(width)}


def summary(outputs) -> dict:
    """Record counts, the top rejection reasons with an example line each, segments."""
    reasons: Counter = Counter(r.get("reason") or "?" for r in outputs.rejected)
    examples: dict[str, dict] = {}
    for record in outputs.rejected:
        examples.setdefault(record.get("reason") or "?", record)
    top = []
    for reason, count in sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_REJECTIONS]:
        example = examples[reason]
        text = str(example.get("record", ""))
        top.append({"reason": reason, "count": count, "file": str(example.get("file", "")),
                    "line": example.get("line"), "example": text[:300] + ("..." if len(text) > 300 else "")})
    segments = [{"name": name, "evaluation": info.get("evaluation", ""), "members": info.get("members", 0)}
                for name, info in sorted(outputs.report["segments"].items())]
    journeys = [{"name": name, "entries": stats["entries"], "refused": sum(stats["refusals"].values()),
                 "exited": sum(stats["exits"].values()), "actions": sum(stats["actions"].values())}
                for name, stats in sorted(outputs.report["journeys"].items())]
    return {"records": outputs.report["records"], "profiles": outputs.report.get("profiles"),
            "end": outputs.report.get("end"), "rejections": top,
            "other_rejections": len(reasons) - len(top), "segments": segments, "journeys": journeys}
