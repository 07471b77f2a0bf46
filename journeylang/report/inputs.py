"""Read a replay's output folder for the HTML report, and check it against the program.

Consumes: a folder written by `journeylang replay --out DIR` (`report.json`,
`trace.jsonl`, `actions.jsonl`, `segments.jsonl`, `rejected.jsonl`, and the optional
`identities.jsonl`), and the program's compiled graphs (`Analysis.graphs`).
Produces: a `ReplayOutputs` record holding the parsed files, with the trace also
grouped by journey instance and by profile.
Guarantees: anything that is not a replay output folder of this program (a missing
folder or file, a line that is not JSON, a report.json without its keys, a journey or
node the program does not have) raises `ReportInputError` with a one-line message naming
the file; nothing else is raised for bad input. Instance ids are used as opaque keys.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field

import orjson

REQUIRED = ("report.json", "trace.jsonl", "actions.jsonl", "segments.jsonl", "rejected.jsonl")
OPTIONAL = ("identities.jsonl",)
TRACE_KEYS = ("time", "journey", "node", "event")


class ReportInputError(Exception):
    """The folder is not a replay's output folder (or not one of this program)."""


@dataclass
class ReplayOutputs:
    folder: str
    report: dict
    trace: list[dict]
    actions: list[dict]
    segments: list[dict]
    rejected: list[dict]
    identities: list[dict]
    by_instance: dict[tuple[str, str], list[dict]] = field(default_factory=dict)
    by_profile: dict[str, list[int]] = field(default_factory=dict)  # indices into trace


def _read_jsonl(folder: str, name: str) -> list[dict]:
    path = os.path.join(folder, name)
    records = []
    try:
        with open(path, "rb") as handle:
            for number, line in enumerate(handle, 1):
                if not line.strip():
                    continue
                try:
                    record = orjson.loads(line)
                except orjson.JSONDecodeError as exc:
                    raise ReportInputError(f"{path}:{number}: not JSON ({exc})") from None
                if not isinstance(record, dict):
                    raise ReportInputError(f"{path}:{number}: not a JSON object")
                records.append(record)
    except OSError as exc:
        raise ReportInputError(f"cannot read {path}: {exc.strerror or exc}") from None
    return records


def _read_report(folder: str) -> dict:
    path = os.path.join(folder, "report.json")
    try:
        with open(path, "rb") as handle:
            report = orjson.loads(handle.read())
    except OSError as exc:
        raise ReportInputError(f"cannot read {path}: {exc.strerror or exc}") from None
    except orjson.JSONDecodeError as exc:
        raise ReportInputError(f"{path}: not JSON ({exc})") from None
    if not isinstance(report, dict):
        raise ReportInputError(f"{path}: not a replay report (expected a JSON object)")
    for key in ("journeys", "segments", "records"):
        if not isinstance(report.get(key), dict):
            raise ReportInputError(f"{path}: not a replay report (no `{key}` object)")
    for key in ("read", "processed", "rejected"):
        if not isinstance(report["records"].get(key), int):
            raise ReportInputError(f"{path}: not a replay report (no records.{key} count)")
    for name, stats in report["journeys"].items():
        if not isinstance(stats, dict) or not all(isinstance(stats.get(k), dict)
                                                  for k in ("refusals", "exits", "visits", "actions")):
            raise ReportInputError(f"{path}: journey `{name}` lacks refusals/exits/visits/actions")
        if not isinstance(stats.get("entries"), int):
            raise ReportInputError(f"{path}: journey `{name}` lacks its entries count")
    return report


def read_outputs(folder: str) -> ReplayOutputs:
    """Parse the output folder; `ReportInputError` when it is not a replay's outputs."""
    if not os.path.isdir(folder):
        raise ReportInputError(f"{folder}: no such folder (give a replay's --out folder)")
    missing = [name for name in REQUIRED if not os.path.isfile(os.path.join(folder, name))]
    if missing:
        raise ReportInputError(f"{folder} is not a replay output folder: missing {', '.join(missing)} "
                               "(write one with `journeylang replay PATH... --events LOG --out DIR`)")
    report = _read_report(folder)
    trace = _read_jsonl(folder, "trace.jsonl")
    for number, record in enumerate(trace, 1):
        if not all(isinstance(record.get(key), str) for key in TRACE_KEYS):
            raise ReportInputError(f"{os.path.join(folder, 'trace.jsonl')}: record {number} lacks "
                                   f"one of {', '.join(TRACE_KEYS)}")
    actions = _read_jsonl(folder, "actions.jsonl")
    for number, record in enumerate(actions, 1):
        if not all(isinstance(record.get(key), str) for key in ("time", "journey", "node", "channel", "status")):
            raise ReportInputError(f"{os.path.join(folder, 'actions.jsonl')}: record {number} lacks "
                                   "time, journey, node, channel or status")
    segments = _read_jsonl(folder, "segments.jsonl")
    for number, record in enumerate(segments, 1):
        if not all(isinstance(record.get(key), str) for key in ("time", "segment", "profile", "change")):
            raise ReportInputError(f"{os.path.join(folder, 'segments.jsonl')}: record {number} lacks "
                                   "time, segment, profile or change")
    outputs = ReplayOutputs(folder, report, trace, actions, segments, _read_jsonl(folder, "rejected.jsonl"),
                            _read_jsonl(folder, "identities.jsonl")
                            if os.path.isfile(os.path.join(folder, "identities.jsonl")) else [])
    for index, record in enumerate(trace):
        instance = record.get("instance")
        if instance is not None:
            outputs.by_instance.setdefault((record["journey"], instance), []).append(record)
        outputs.by_profile.setdefault(record.get("profile") or "", []).append(index)
    return outputs


def check_program(outputs: ReplayOutputs, graphs: dict) -> None:
    """The outputs must come from this program: every journey and node they name exists."""
    for name, stats in outputs.report["journeys"].items():
        if name not in graphs:
            raise ReportInputError(f"{outputs.folder}/report.json names journey `{name}`, which the program "
                                   "does not have: give the program that was replayed")
        unknown = sorted(node for node in stats["visits"] if node not in graphs[name].nodes)
        if unknown:
            raise ReportInputError(f"{outputs.folder}/report.json: journey `{name}` has nodes "
                                   f"{', '.join(unknown)} the program's graph lacks: the program changed "
                                   "since the replay; replay it again")
    for record in outputs.trace:
        graph = graphs.get(record["journey"])
        if graph is None or record["node"] not in graph.nodes:
            raise ReportInputError(f"{outputs.folder}/trace.jsonl: step at {record['journey']}/{record['node']} "
                                   "is not in the program: give the program that was replayed")
    missing = sorted(set(graphs) - set(outputs.report["journeys"]))
    if missing:
        raise ReportInputError(f"{outputs.folder}/report.json has no journey {', '.join(missing)}: "
                               "the program is not the one that was replayed")
