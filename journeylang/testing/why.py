"""Explain one profile's way through one journey: a readable timeline.

Consumes: trace records and merge records (`identities.jsonl`) from a replay's output
folder, or in memory; optionally the compiled graphs for node labels and source lines.
Produces: text — entries and refusals, each step, each branch with the values that
decided it, each send with its status and reason, the exit. Steps written under a
profile id that later merged into the asked profile (or that the asked id merged into)
are part of its timeline, marked with the id they were written under.
Guarantees: pure formatting of recorded data; the same records give the same text.
"""
from __future__ import annotations

import os
from typing import Iterable, Optional

import orjson


def read_jsonl(path: str) -> list[dict]:
    if not os.path.exists(path):
        return []
    with open(path, "rb") as handle:
        return [orjson.loads(line) for line in handle if line.strip()]


def matches_profile(record_profile: Optional[str], wanted: str) -> bool:
    """`Email:ann@example.com` matches `Email:ann@example.com` and `ann@example.com`."""
    if record_profile is None:
        return False
    return record_profile == wanted or record_profile.split(":", 1)[-1] == wanted


def _node_label(graphs, journey: str, node: Optional[str], where: Optional[dict] = None) -> str:
    """`n6 send email browse_reminder (line 28)`: from the record's own `where` (written at
    replay time, so right even when the program changed since), else from the graphs."""
    if isinstance(where, dict) and where.get("label") is not None:
        return f"{node} {where['label']} (line {where.get('line')})"
    if not graphs or journey not in graphs or node not in graphs[journey].nodes:
        return node or ""
    data = graphs[journey].nodes[node]
    return f"{node} {data['label']} (line {data['span'].line})"


def known_profiles(trace: Iterable[dict], merges: Iterable[dict]) -> list[str]:
    ids = {r.get("profile") for r in trace if r.get("profile")}
    for record in merges:
        ids.update((record.get("profile"), record.get("absorbed")))
    return sorted(i for i in ids if isinstance(i, str))


def profile_suggestions(wanted: str, known: list[str], limit: int = 5) -> list[str]:
    """Known ids the asked one may have meant: those it is a prefix of (whole id or its
    value after `Namespace:`), then close spellings."""
    import difflib
    lowered = wanted.lower()
    prefixed = [pid for pid in known if pid.lower().startswith(lowered) or pid.split(":", 1)[-1].lower().startswith(lowered)]
    values = {pid.split(":", 1)[-1]: pid for pid in known}
    close = difflib.get_close_matches(wanted, known, n=limit, cutoff=0.6)
    close += [values[v] for v in difflib.get_close_matches(wanted, list(values), n=limit, cutoff=0.6)]
    return list(dict.fromkeys(prefixed + close))[:limit]


def profile_known(trace: Iterable[dict], merges: Iterable[dict], wanted: str) -> bool:
    return any(matches_profile(pid, wanted) for pid in known_profiles(trace, merges))


def merged_group(merges: Iterable[dict], wanted: str) -> tuple[Optional[str], dict[str, str]]:
    """(the final profile id of `wanted`, {absorbed id: merge time}) for every id merged
    into that profile, following chains of merges; (None, {}) when no merge involves it."""
    parent: dict[str, tuple[str, str]] = {}
    for record in merges:
        parent[record["absorbed"]] = (record["profile"], record["time"])
    known = set(parent) | {survivor for survivor, _ in parent.values()}
    target = next((pid for pid in sorted(known) if matches_profile(pid, wanted)), None)
    if target is None:
        return None, {}

    def final(pid: str) -> str:
        seen = set()
        while pid in parent and pid not in seen:
            seen.add(pid)
            pid = parent[pid][0]
        return pid
    root = final(target)
    return root, {pid: parent[pid][1] for pid in sorted(parent) if final(pid) == root}


def timeline(trace: Iterable[dict], profile: str, journey: Optional[str], graphs, root: Optional[str],
             absorbed: dict[str, str]) -> list[str]:
    """The lines of a profile's timeline (all journeys when `journey` is None); with a
    merge group (`merged_group`), also the steps written under its absorbed ids."""
    lines: list[str] = []
    for record in trace:
        written_as = record.get("profile")
        if root is not None:
            if written_as != root and written_as not in absorbed:
                continue
        elif not matches_profile(written_as, profile):
            continue
        if journey is not None and record.get("journey") != journey:
            continue
        described = _describe(record, graphs, with_journey=journey is None)
        if root is not None and written_as != root:
            described[0] += f"  (as {written_as})"
        lines.extend(described)
    return lines


def _describe(record: dict, graphs, with_journey: bool) -> list[str]:
    time, what = record["time"], record["event"]
    where = _node_label(graphs, record["journey"], record.get("node"), record.get("where"))
    prefix = f"{time}  " + (f"[{record['journey']}] " if with_journey else "")
    detail = record.get("detail") or {}
    if what == "entered":
        via = f" (jumped from {detail['via']})" if detail.get("via") else ""
        return [f"{prefix}entered as {record['instance']}{via}"]
    if what == "refused":
        return [f"{prefix}entry refused: {record.get('reason')}"]
    if what == "exited":
        return [f"{prefix}exited: {record.get('reason')}  at {where}"]
    if what == "waiting":
        until = f" until {detail['until']}" if detail.get("until") else " (no time limit)"
        return [f"{prefix}{where}: waiting{until}"]
    if what == "resumed":
        label = f" ({record['label']})" if record.get("label") else ""
        event = f" by {detail['eventType']}" if detail.get("eventType") else ""
        return [f"{prefix}{where}: resumed{label}{event}"]
    if what == "deferred":
        return [f"{prefix}{where}: send deferred ({record.get('reason')})"]
    if what == "branch":
        out = [f"{prefix}{where}: took `{record.get('label')}`" + _because(detail.get("tested", []))]
        for tested in detail.get("tested", []):
            verdict = "true" if tested["result"] else "false"
            out.append(f"{' ' * 24}{tested['label']}: {tested['condition']}  -> {verdict}")
            for text, value in tested.get("values", {}).items():
                if text != tested["condition"]:
                    out.append(f"{' ' * 28}{text} = {orjson.dumps(value).decode()}")
        return out
    if what == "send":
        reason = f" ({record['reason']})" if record.get("reason") else ""
        return [f"{prefix}{where}: {detail.get('channel')} {detail.get('message')} -> {detail.get('status')}{reason}"]
    if what == "audience":
        return [f"{prefix}{where}: {detail.get('op')} audience {detail.get('audience')}"]
    if what == "enriched":
        return [f"{prefix}{where}: enrichment {'found' if detail.get('found') else 'found no row (null)'}"]
    if what == "set":
        return [f"{prefix}{where}: set to {orjson.dumps(detail.get('value')).decode()}"]
    if what == "jump":
        return [f"{prefix}{where}: jump to journey {detail.get('journey')}"]
    return [f"{prefix}{where}: {what}"]


def _because(tested: list[dict]) -> str:
    """`: consented(sms) was false` — each condition tested, in order, with its verdict."""
    if not tested:
        return ""
    return ": " + ", then ".join(f"{t['condition']} was {'true' if t['result'] else 'false'}" for t in tested)


def render(trace: list[dict], profile: str, journey: Optional[str], graphs=None, merges: list[dict] = ()) -> str:
    root, absorbed = merged_group(merges, profile)
    lines = timeline(trace, profile, journey, graphs, root, absorbed)
    shown = root or profile
    if journey:
        head = f"{shown} in journey {journey}"
    else:
        reached = sorted({r.get("journey") for r in trace if r.get("journey") and
                          (r.get("profile") == root or r.get("profile") in absorbed if root is not None
                           else matches_profile(r.get("profile"), profile))})
        head = f"{shown} in every journey" + (f" (it reached {', '.join(reached)}; each line names its journey)"
                                              if reached else "")
    for pid, time in absorbed.items():
        head += f"\n  ({pid} merged into it at {time})"
    if not lines:
        return head + "\n  (no trace: the profile never reached this journey's entry)"
    return head + "\n" + "\n".join("  " + line for line in lines)
