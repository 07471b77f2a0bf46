"""Group per-profile differences into patterns: "412 profiles: email cart_reminder moved
+2h (quiet hours)".

Consumes: `ActionChange`s and `StepChange`s of one journey (`actions.py`). Produces:
patterns as plain dicts — kind, a one-line summary, the number of profiles and of actions,
and the example profiles (the first N by profile id) with their changes.
Guarantees: a pattern's key leaves out what is particular to one profile (times, the size
of a move, the rendered text), so one edit gives one pattern; patterns are ordered by
profiles (most first), then summary; the same changes give the same patterns.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..syntax.literals import format_duration
from .actions import ActionChange, StepChange, status_text


def signed_duration(ms: int) -> str:
    return ("+" if ms >= 0 else "-") + format_duration(abs(ms))


@dataclass
class _Group:
    kind: str
    key: tuple
    changes: dict = field(default_factory=dict)     # profile -> [change, ...]
    deltas: list = field(default_factory=list)

    def add(self, profile: str, change) -> None:
        self.changes.setdefault(profile, []).append(change)


def _action_key(change: ActionChange) -> tuple:
    if change.kind == "added":
        return ("added", change.channel, change.name, status_text(change.new))
    if change.kind == "removed":
        return ("removed", change.channel, change.name, status_text(change.old))
    moved = None if not change.delta_ms else ("later" if change.delta_ms > 0 else "earlier", change.cause)
    return ("changed", change.channel, change.name, moved, change.status, change.fields)


def _action_summary(group: _Group) -> str:
    key = group.key
    what = f"{key[1]} {key[2]}"
    if key[0] in ("added", "removed"):
        return f"{what} {key[0]} ({key[3]})"
    _, _, _, moved, status, fields = key
    parts = []
    if moved is not None:
        low, high = min(group.deltas), max(group.deltas)
        span = signed_duration(low) if low == high else f"{signed_duration(low)} to {signed_duration(high)}"
        parts.append(f"moved {span}" + (f" ({moved[1]})" if moved[1] else ""))
    if status is not None:
        parts.append(f"{status[0]} -> {status[1]}")
    if fields:
        parts.append("content changed (" + ", ".join(fields) + ")")
    return f"{what} " + ", ".join(parts)


def change_json(change: ActionChange) -> dict:
    doc = {"kind": change.kind, "channel": change.channel, "message": change.name,
           "old": _action_view(change.old), "new": _action_view(change.new)}
    if change.kind == "changed":
        doc["moved_ms"] = change.delta_ms
        doc["moved"] = signed_duration(change.delta_ms) if change.delta_ms else None
        doc["deferred"] = change.cause
        doc["status"] = list(change.status) if change.status else None
        doc["content_fields"] = list(change.fields)
        doc["content_diff"] = change.content_diff
    return doc


def _action_view(record):
    if record is None:
        return None
    return {"time": record["time"], "status": record["status"], "reason": record.get("reason"),
            "instance": record["instance"], "node": record["node"]}


def _steps_key(change: StepChange) -> tuple:
    counts: dict[tuple, list[int]] = {}
    for index, steps in enumerate((change.old, change.new)):
        for step in steps:
            counts.setdefault(step, [0, 0])[index] += 1
    return tuple((event, reason or "", old, new) for (event, reason), (old, new) in
                 sorted(counts.items(), key=lambda kv: (kv[0][0], kv[0][1] or "")) if old != new)


def _steps_summary(key: tuple) -> str:
    words = {"entered": "entered", "refused": "refused", "exited": "exited"}
    parts = []
    for event, reason, old, new in key:
        parts.append(f"{words[event]}{' ' + repr(reason) if reason else ''} {old} -> {new}")
    return ", ".join(parts)


def journey_patterns(actions: list[ActionChange], steps: list[StepChange], examples: int) -> list[dict]:
    groups: dict[tuple, _Group] = {}
    for change in actions:
        key = _action_key(change)
        group = groups.setdefault(("actions", key), _Group("actions", key))
        group.add(change.profile, change)
        if change.kind == "changed" and change.delta_ms:
            group.deltas.append(change.delta_ms)
    for change in steps:
        key = _steps_key(change)
        if not key:          # the same steps in another order: the actions say what differs
            continue
        groups.setdefault(("steps", key), _Group("steps", key)).add(change.profile, change)
    patterns = []
    for group in groups.values():
        if group.kind == "actions":
            summary = _action_summary(group)
            count = sum(len(v) for v in group.changes.values())
        else:
            summary = _steps_summary(group.key)
            count = len(group.changes)
        chosen = sorted(group.changes)[:examples]
        patterns.append({
            "kind": group.kind if group.kind == "steps" else group.key[0],
            "summary": summary,
            "profiles": len(group.changes),
            "actions": count if group.kind == "actions" else 0,
            "examples": [{"profile": profile,
                          "changes": [change_json(c) for c in group.changes[profile]] if group.kind == "actions"
                          else [{"old": [list(s) for s in c.old], "new": [list(s) for s in c.new]}
                                for c in group.changes[profile]]}
                         for profile in chosen]})
    patterns.sort(key=lambda p: (-p["profiles"], p["summary"]))
    return patterns
