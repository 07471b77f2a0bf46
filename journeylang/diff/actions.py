"""Compare the actions of the two sides, profile by profile.

Consumes: the two sides' `SideOutputs`. Produces: `ActionChange`s — an action only the
new side has (added), only the old side has (removed), or one both have that moved in
time, changed status or changed content (changed) — and `ProfileSteps`, the journeys a
profile entered, was refused or exited differently.
Guarantees: actions are matched within (journey, profile, channel, message — or
audience and operation) only, never by node or instance id (both shift when a journey is
edited or one is added); first the actions at the same instant are paired, then the rest
in time order, and what is left over is added or removed. The result is sorted by
journey, profile and time: the same outputs give the same changes.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Optional

from ..syntax.literals import parse_timestamp

MAX_DIFF_LINES = 12


def action_name(record: dict) -> str:
    """The message, or `add AUDIENCE` / `remove AUDIENCE` for audience actions."""
    if record["channel"] == "audience":
        return f"{record['op']} {record['audience']}"
    return record["message"]


def status_text(record: dict) -> str:
    reason = record.get("reason")
    return f"{record['status']} ({reason})" if reason else record["status"]


@dataclass
class ActionChange:
    journey: str
    profile: str
    kind: str                      # added | removed | changed
    channel: str
    name: str
    old: Optional[dict] = None
    new: Optional[dict] = None
    delta_ms: Optional[int] = None          # changed: new time - old time (0: same instant)
    cause: Optional[str] = None             # moved: why the later side's instance was held (deferred)
    status: Optional[tuple[str, str]] = None   # changed: (old status text, new status text)
    fields: tuple[str, ...] = ()            # changed: content fields (and `to`) that differ
    content_diff: list[str] = field(default_factory=list)

    @property
    def time(self) -> str:
        return (self.old or self.new)["time"]


def _pair(old: list[dict], new: list[dict]) -> tuple[list[tuple[dict, dict]], list[dict], list[dict]]:
    """(pairs, old left over, new left over): same instant first, then in time order."""
    pairs, rest_old, rest_new = [], [], []
    by_time: dict[str, list[dict]] = {}
    for record in new:
        by_time.setdefault(record["time"], []).append(record)
    taken = set()
    for record in old:
        same = by_time.get(record["time"])
        if same:
            partner = same.pop(0)
            taken.add(id(partner))
            pairs.append((record, partner))
        else:
            rest_old.append(record)
    rest_new = [record for record in new if id(record) not in taken]
    count = min(len(rest_old), len(rest_new))
    pairs.extend(zip(rest_old[:count], rest_new[:count]))
    return pairs, rest_old[count:], rest_new[count:]


def content_diff(old: Optional[dict], new: Optional[dict]) -> tuple[tuple[str, ...], list[str]]:
    """(the content fields that differ, a short unified diff of them)."""
    old, new = old or {}, new or {}
    fields = tuple(name for name in sorted(set(old) | set(new)) if old.get(name) != new.get(name))
    lines: list[str] = []
    for name in fields:
        before = "" if old.get(name) is None else str(old.get(name))
        after = "" if new.get(name) is None else str(new.get(name))
        lines.extend(difflib.unified_diff(before.splitlines(), after.splitlines(), f"old {name}", f"new {name}",
                                          n=1, lineterm=""))
    if len(lines) > MAX_DIFF_LINES:
        lines = lines[:MAX_DIFF_LINES] + [f"... ({len(lines) - MAX_DIFF_LINES} more diff lines)"]
    return fields, lines


def _compare_pair(journey: str, profile: str, old: dict, new: dict, old_side, new_side) -> Optional[ActionChange]:
    delta = parse_timestamp(new["time"]) - parse_timestamp(old["time"])
    status = None if status_text(old) == status_text(new) else (status_text(old), status_text(new))
    fields, diff = content_diff(old.get("content"), new.get("content"))
    if old.get("to") != new.get("to"):
        fields = (*fields, "to")
        diff = diff + [f"-to {old.get('to')}", f"+to {new.get('to')}"]
    if delta == 0 and status is None and not fields:
        return None
    cause = None
    if delta:
        later, side = (new, new_side) if delta > 0 else (old, old_side)
        # the instance's sends deferred before this action (quiet hours hold the instance)
        reasons = [reason for time, reason in side.deferred.get(later["instance"], ()) if time <= later["time"]]
        cause = reasons[-1] if reasons else None
    return ActionChange(journey, profile, "changed", old["channel"], action_name(old), old, new, delta, cause,
                        status, fields, diff)


def compare_actions(old_side, new_side) -> list[ActionChange]:
    changes: list[ActionChange] = []
    for key in sorted(set(old_side.actions) | set(new_side.actions)):
        journey, profile = key
        groups: dict[tuple[str, str], tuple[list, list]] = {}
        for index, records in enumerate((old_side.actions.get(key, ()), new_side.actions.get(key, ()))):
            for record in records:
                groups.setdefault((record["channel"], action_name(record)), ([], []))[index].append(record)
        found: list[ActionChange] = []
        for (channel, name), (old, new) in sorted(groups.items()):
            pairs, removed, added = _pair(old, new)
            for before, after in pairs:
                change = _compare_pair(journey, profile, before, after, old_side, new_side)
                if change is not None:
                    found.append(change)
            found.extend(ActionChange(journey, profile, "removed", channel, name, old=r) for r in removed)
            found.extend(ActionChange(journey, profile, "added", channel, name, new=r) for r in added)
        found.sort(key=lambda c: (c.time, c.channel, c.name, c.kind))
        changes.extend(found)
    return changes


@dataclass
class StepChange:
    """A profile whose entries, refusals or exits in a journey differ."""
    journey: str
    profile: str
    old: tuple
    new: tuple


def compare_steps(old_side, new_side) -> list[StepChange]:
    changes = []
    for key in sorted(set(old_side.steps) | set(new_side.steps)):
        old, new = tuple(old_side.steps.get(key, ())), tuple(new_side.steps.get(key, ()))
        if old != new:
            changes.append(StepChange(key[0], key[1], old, new))
    return changes
