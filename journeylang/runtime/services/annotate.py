"""Readable replay outputs: every node id with its source location and a short label, and
the program a replay ran recorded in its `report.json`.

Consumes: a replay's finished output folder and the compiled graphs of the program it
ran (the `Analysis`). Produces, in place:
* `actions.jsonl` and `trace.jsonl`: right after each line's `"node"`, a `"where"`
  object `{"file": F, "line": L, "label": "send email cart_reminder"}`;
* `report.json`: per journey a `"nodes"` table (node id -> the same object), and a
  `"program"` record — the program's `.journey` files (paths relative to the output
  folder, so the record does not depend on where the checkout lives) and a SHA-256 over
  their paths and texts — so `why --out DIR` can find and label the program and tell
  when it changed since the replay.
The replay driver (`runtime/replay.py`) writes the same `where` on its lines as it writes
them, from `node_table`; the engines then only call `annotate_report`. The line pass stays
for outputs written without it (older folders) and is idempotent: a line that already has
its `where` is kept as is.
Guarantees: a pure function of the folder's bytes and the program, so outputs stay
byte-identical for every `--workers` and every run; files are rewritten through a
temporary file and `os.replace`, never left half-written; lines are edited as bytes
(the writers' fixed key order puts `"journey"` before `"node"`), so the pass costs a few
byte searches per line, not a JSON round trip. A line without a node id is kept as is.
"""
from __future__ import annotations

import hashlib
import os
from typing import Optional

import orjson

ANNOTATED = ("actions", "trace")


def node_table(analysis) -> dict[tuple[str, str], dict]:
    """(journey, node id) -> {"file", "line", "label"} for every node of every graph. The
    file is relative to the folder that holds the program's root folder
    (`journeys/abandoned_cart.journey`), so the outputs do not depend on how the program's
    path was spelled on the command line or where the checkout lives."""
    base = os.path.dirname(os.path.abspath(analysis.program.root))
    files: dict[str, str] = {}
    table = {}
    for journey, graph in analysis.graphs.items():
        for node, data in graph.nodes(data=True):
            span = data.get("span")
            file = None
            if span is not None:
                file = files.get(span.file)
                if file is None:
                    file = files[span.file] = os.path.relpath(os.path.abspath(span.file), base).replace(os.sep, "/")
            table[(journey, node)] = {"file": file, "line": span.line if span else None,
                                      "label": data.get("label") or data.get("kind") or node}
    return table


def program_record(analysis, out_dir: str) -> dict:
    """The program a replay ran: its files (relative to `out_dir`) and a content hash."""
    files = sorted(source.path for source in analysis.program.files)
    return {"files": [os.path.relpath(path, out_dir).replace(os.sep, "/") for path in files],
            "sha256": program_hash({source.path: source.text for source in analysis.program.files})}


def program_hash(texts: dict[str, str]) -> str:
    """SHA-256 over the files' names (not their folders) and texts, in name order."""
    digest = hashlib.sha256()
    for path in sorted(texts, key=lambda p: (os.path.basename(p), p)):
        digest.update(os.path.basename(path).encode() + b"\0" + texts[path].encode() + b"\0")
    return digest.hexdigest()


def _decorate_line(line: bytes, encoded: dict[tuple[bytes, bytes], bytes]) -> bytes:
    start = line.find(b'"journey":"')
    node_at = line.find(b'"node":"', start if start >= 0 else 0)
    if start < 0 or node_at < 0:
        return line
    journey_start = start + 11
    journey_end = line.find(b'"', journey_start)
    node_start = node_at + 8
    node_end = line.find(b'"', node_start)
    if line.startswith(b',"where":', node_end + 1):
        return line       # annotated already: the pass is idempotent
    where = encoded.get((line[journey_start:journey_end], line[node_start:node_end]))
    if where is None:
        return line
    return line[:node_end + 1] + b',"where":' + where + line[node_end + 1:]


def _rewrite(path: str, encoded: dict) -> None:
    temporary = path + ".annotating"
    with open(path, "rb") as source, open(temporary, "wb", buffering=1 << 20) as target:
        write = target.write
        for line in source:
            write(_decorate_line(line, encoded))
    os.replace(temporary, path)


def annotate_outputs(out_dir: str, analysis, table: Optional[dict] = None, relative_to: Optional[str] = None) -> None:
    """Add node locations and labels to the folder's outputs and the program to its report.
    `relative_to`: the folder the program's paths are recorded relative to, when the
    outputs are still in a partial folder inside it (default `out_dir`)."""
    table = table if table is not None else node_table(analysis)
    encoded = {(journey.encode(), node.encode()): orjson.dumps(where) for (journey, node), where in table.items()}
    for name in ANNOTATED:
        path = os.path.join(out_dir, f"{name}.jsonl")
        if os.path.exists(path):
            _rewrite(path, encoded)
    annotate_report(out_dir, analysis, table, relative_to)


def annotate_report(out_dir: str, analysis, table: Optional[dict] = None, relative_to: Optional[str] = None) -> None:
    """The report half of `annotate_outputs`: per journey its node table, and the program.
    The replay driver writes `where` on its trace and action lines itself."""
    table = table if table is not None else node_table(analysis)
    report_path = os.path.join(out_dir, "report.json")
    if not os.path.exists(report_path):
        return
    with open(report_path, "rb") as handle:
        report = orjson.loads(handle.read())
    for journey, stats in report.get("journeys", {}).items():
        stats["nodes"] = {node: where for (name, node), where in
                          sorted(table.items(), key=lambda kv: (kv[0][0], int(kv[0][1][1:])
                                                                if kv[0][1][1:].isdigit() else 0))
                          if name == journey}
    report["program"] = program_record(analysis, relative_to or out_dir)
    temporary = report_path + ".annotating"
    with open(temporary, "wb") as handle:
        handle.write(orjson.dumps(report, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS) + b"\n")
    os.replace(temporary, report_path)


def read_program_record(out_dir: str) -> Optional[dict]:
    """The `program` record of a replay's report.json, or None (older outputs, no report)."""
    try:
        with open(os.path.join(out_dir, "report.json"), "rb") as handle:
            record = orjson.loads(handle.read()).get("program")
    except (OSError, orjson.JSONDecodeError, AttributeError):
        return None
    return record if isinstance(record, dict) and isinstance(record.get("files"), list) else None
