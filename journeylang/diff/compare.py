"""Build the diff document from the two sides' replay outputs and programs.

Consumes: both `Analysis` objects, both output folders (`shared_log.py` wrote them), the
labels to show for each side, the log paths and `--until`, the number of examples per
pattern. Produces: the diff as one plain, JSON-ready dict (the shape `--format json`
prints and docs/diff.md documents): the log, per journey counts, per-profile patterns
with examples and their first divergence, the structural diff, segment membership
differences and changed declarations; `behavioural_difference` says whether any output
differs.
Guarantees: a pure function of its inputs: every list has a fixed order (journeys and
segments by name, patterns by size then summary, examples by profile id).
"""
from __future__ import annotations

from collections import Counter
from typing import Optional

from ..syntax.literals import format_timestamp
from .actions import action_name, compare_actions, compare_steps
from .divergence import Divergence
from .graphs import declaration_changes, journey_structure, structure_is_empty, whole_journey
from .membership import segment_changes
from .outputs import SideOutputs, profile_trace, read_side
from .patterns import journey_patterns

FORMAT_VERSION = 1


def _trio(old: int, new: int) -> dict:
    return {"old": old, "new": new, "change": new - old}


def _table(old: dict, new: dict) -> dict:
    return {key: _trio(old.get(key, 0), new.get(key, 0)) for key in sorted(set(old) | set(new))}


def _action_counts(side: SideOutputs, journey: str) -> dict[str, int]:
    counts: Counter = Counter()
    for (name, _), records in side.actions.items():
        if name == journey:
            for record in records:
                counts[f"{record['channel']} {action_name(record)} {record['status']}"] += 1
    return dict(counts)


def _counts(old: SideOutputs, new: SideOutputs, journey: str) -> dict:
    empty = {"entries": 0, "refusals": {}, "exits": {}}
    before = old.report["journeys"].get(journey, empty)
    after = new.report["journeys"].get(journey, empty)
    return {"entries": _trio(before["entries"], after["entries"]),
            "refusals": _table(before["refusals"], after["refusals"]),
            "exits": _table(before["exits"], after["exits"]),
            "actions": _table(_action_counts(old, journey), _action_counts(new, journey))}


def counts_differ(counts: dict) -> bool:
    if counts["entries"]["change"]:
        return True
    return any(row["change"] for part in ("refusals", "exits", "actions") for row in counts[part].values())


def build(old_analysis, new_analysis, old_folder: str, new_folder: str, labels: tuple[str, str],
          events: list[str], until: Optional[int], examples: int) -> dict:
    old, new = read_side(old_folder), read_side(new_folder)
    actions, steps = compare_actions(old, new), compare_steps(old, new)
    names_old, names_new = set(old_analysis.graphs), set(new_analysis.graphs)
    journeys = []
    for name in sorted(names_old | names_new):
        status = "added" if name not in names_old else "removed" if name not in names_new else None
        patterns = journey_patterns([c for c in actions if c.journey == name],
                                    [c for c in steps if c.journey == name], examples)
        counts = _counts(old, new, name)
        if status is None:
            structure = journey_structure(old_analysis, new_analysis, name)
            status = "unchanged" if structure_is_empty(structure) else "changed"
        else:
            structure = whole_journey(new_analysis if status == "added" else old_analysis, name)
        differing = {c.profile for c in actions if c.journey == name} | \
            {c.profile for c in steps if c.journey == name}
        journeys.append({"name": name, "status": status,
                         "behaviour_changed": bool(patterns) or counts_differ(counts),
                         "profiles_differing": len(differing), "counts": counts, "patterns": patterns,
                         "structure": structure})
    _add_divergences(journeys, old_analysis, new_analysis, old, new)
    declarations = declaration_changes(old_analysis, new_analysis)
    segment_status = {d["name"]: d["status"] for d in declarations if d["kind"] == "segment"}
    segments = segment_changes(old, new, set(old_analysis.program.segments), set(new_analysis.program.segments),
                               segment_status, examples)
    behavioural = any(j["behaviour_changed"] for j in journeys) or any(s["profiles_differing"] or
                                                                         s["members_at_end"]["change"]
                                                                         for s in segments)
    all_profiles = {c.profile for c in actions} | {c.profile for c in steps}
    kinds = Counter(c.kind for c in actions)
    return {"format": "journeylang-diff", "version": FORMAT_VERSION,
            "old": labels[0], "new": labels[1],
            "log": {"events": list(events), "until": format_timestamp(until) if until is not None else None,
                    "records": {key: old.report["records"][key] for key in ("read", "processed", "rejected")},
                    "profiles": old.report["profiles"]},
            "behavioural_difference": behavioural,
            "summary": {"journeys_changed": sum(1 for j in journeys if j["status"] != "unchanged"),
                        "journeys_behaving_differently": sum(1 for j in journeys if j["behaviour_changed"]),
                        "profiles_differing": len(all_profiles),
                        "actions": {kind: kinds.get(kind, 0) for kind in ("added", "removed", "changed")},
                        "segments_differing": sum(1 for s in segments if s["profiles_differing"])},
            "journeys": journeys, "segments": segments, "declarations": declarations}


def _add_divergences(journeys: list[dict], old_analysis, new_analysis, old: SideOutputs, new: SideOutputs) -> None:
    """Each example profile of each pattern gets `divergence`: where its way first differs."""
    wanted = {example["profile"] for journey in journeys for pattern in journey["patterns"]
              for example in pattern["examples"]}
    if not wanted:
        return
    traces = (profile_trace(old.folder, wanted, old.merges), profile_trace(new.folder, wanted, new.merges))
    finder = Divergence(old_analysis, new_analysis, old.merges, new.merges)
    for journey in journeys:
        for pattern in journey["patterns"]:
            for example in pattern["examples"]:
                profile = example["profile"]
                example["divergence"] = finder.first(profile, journey["name"], traces[0][profile], traces[1][profile])
