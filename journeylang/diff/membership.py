"""Segment membership differences between the two sides.

Consumes: both sides' segment changes per (segment, profile) (`segments.jsonl`) and
their reports (members at the end). Produces: per segment either version declares,
entered / exited counts and members at the end (old, new, change), the profiles whose
membership history differs, grouped into patterns (in the old version only, in the new
version only, the same changes at other times, other changes), each with example profiles
and their first differing change.
Guarantees: ordered by segment name; examples are the first N profiles by id.
"""
from __future__ import annotations

from ..syntax.literals import parse_timestamp
from .patterns import signed_duration

PATTERNS = {"old only": "member in the old version only", "new only": "member in the new version only",
            "moved": "the same changes at other times", "other": "other membership changes"}


def _classify(old: list, new: list) -> tuple[str, list[int]]:
    if not new:
        return "old only", []
    if not old:
        return "new only", []
    if len(old) == len(new) and [c for _, c in old] == [c for _, c in new]:
        return "moved", [parse_timestamp(b[0]) - parse_timestamp(a[0]) for a, b in zip(old, new) if a != b]
    return "other", []


def _first_difference(old: list, new: list) -> dict:
    at = 0
    while at < len(old) and at < len(new) and old[at] == new[at]:
        at += 1
    view = lambda changes: ({"time": changes[at][0], "change": changes[at][1]} if at < len(changes) else None)  # noqa: E731
    return {"change": at + 1, "old": view(old), "new": view(new)}


def segment_changes(old_side, new_side, old_names: set[str], new_names: set[str], definitions: dict[str, str],
                    examples: int) -> list[dict]:
    """`definitions`: segment name -> added | removed | changed, for segments whose text changed."""
    result = []
    for name in sorted(old_names | new_names):
        old_members = old_side.report["segments"].get(name, {}).get("members", 0)
        new_members = new_side.report["segments"].get(name, {}).get("members", 0)
        counts = {"entered": [0, 0], "exited": [0, 0]}
        groups: dict[str, dict] = {}
        profiles = sorted({p for s, p in old_side.segments if s == name} | {p for s, p in new_side.segments if s == name})
        for profile in profiles:
            old, new = old_side.segments.get((name, profile), []), new_side.segments.get((name, profile), [])
            for index, changes in enumerate((old, new)):
                for _, change in changes:
                    counts[change][index] += 1
            if old == new:
                continue
            kind, deltas = _classify(old, new)
            group = groups.setdefault(kind, {"profiles": [], "deltas": []})
            group["profiles"].append(profile)
            group["deltas"].extend(deltas)
            if len(group["profiles"]) <= examples:
                group.setdefault("examples", []).append({"profile": profile, **_first_difference(old, new)})
        patterns = []
        for kind, group in groups.items():
            summary = PATTERNS[kind]
            if kind == "moved" and group["deltas"]:
                low, high = min(group["deltas"]), max(group["deltas"])
                summary += f" ({signed_duration(low)})" if low == high else \
                    f" ({signed_duration(low)} to {signed_duration(high)})"
            patterns.append({"kind": kind, "summary": summary, "profiles": len(group["profiles"]),
                             "examples": group.get("examples", [])})
        patterns.sort(key=lambda p: (-p["profiles"], p["summary"]))
        status = definitions.get(name, "unchanged")
        differing = sum(p["profiles"] for p in patterns)
        if status == "unchanged" and not differing and old_members == new_members:
            continue
        result.append({"name": name, "status": status,
                       "members_at_end": _trio(old_members, new_members),
                       "entered": _trio(*counts["entered"]), "exited": _trio(*counts["exited"]),
                       "profiles_differing": differing, "patterns": patterns})
    return result


def _trio(old: int, new: int) -> dict:
    return {"old": old, "new": new, "change": new - old}
