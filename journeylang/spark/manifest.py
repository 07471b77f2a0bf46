"""The partitioned form of a replay's outputs, and its merge into the single files.

Consumes: a folder holding `manifest.json` and `parts/` (what a Spark replay writes with
`partitioned=True`: `parts/name=FILE/part-*` files whose lines are `KEY<TAB>JSON`, each file
sorted by KEY, the order key of `runtime/engines/order.py`; `name=rejected` keyed by the
rejected line's place in reading order).
Produces: `actions.jsonl`, `trace.jsonl`, `segments.jsonl`, `identities.jsonl`,
`rejected.jsonl` and `report.json` in a target folder — byte-identical to a one-process
replay of the same program and log — by a k-way merge of each file's parts
(`order.merge_keyed`: streaming, one line per part in memory).
When the manifest carries an `annotation` (a replay from the command line or the API),
the merged files get the node locations and labels and report.json the program record,
as `journeylang replay` writes them (`runtime/services/annotate.py`).
Guarantees: the target is written through `engines.outputs_folder.OutputFolder` (lock,
partial folder, report.json last), so it never looks complete when it is not; a missing
part or a manifest of another format is a `SparkReplayError`, and the target keeps its
previous outputs. No pyspark: the merge runs anywhere the files are (a local copy of the
parts, a mounted bucket such as /dbfs/...).
"""
from __future__ import annotations

import json
import os
from types import SimpleNamespace
from typing import Optional

from ..runtime.engines.order import merge_keyed
from ..runtime.engines.outputs_folder import OutputFolder
from ..runtime.services.annotate import annotate_outputs, node_table
from ..runtime.services.outputs import FILES, write_report
from .errors import SparkReplayError

FORMAT = "journeylang partitioned outputs"
VERSION = 1
MANIFEST = "manifest.json"


def manifest_document(files: dict[str, list[str]], report: dict, partitions: int, rounds: int,
                      annotation: Optional[dict] = None) -> dict:
    """`files`: output name -> part paths relative to the folder, in name order.
    `annotation` (`annotation_of`): what the merge needs to label nodes as `replay` does."""
    document = {"format": FORMAT, "version": VERSION, "files": {name: files.get(name, []) for name in FILES},
                "partitions": partitions, "dedup_rounds": rounds, "report": report}
    if annotation is not None:
        document["annotation"] = annotation
    return document


def annotation_of(analysis) -> dict:
    """The node table and the program's files (paths and texts) that `annotate_outputs`
    reads, so the merge labels nodes and records the program exactly as `replay` does."""
    table = node_table(analysis)
    return {"nodes": [[journey, node, where] for (journey, node), where in sorted(table.items())],
            "files": [[source.path, source.text] for source in sorted(analysis.program.files, key=lambda f: f.path)]}


def _annotate(folder: str, annotation: dict, relative_to: str) -> None:
    table = {(journey, node): where for journey, node, where in annotation["nodes"]}
    files = [SimpleNamespace(path=path, text=text) for path, text in annotation["files"]]
    annotate_outputs(folder, SimpleNamespace(program=SimpleNamespace(files=files)), table, relative_to=relative_to)


def manifest_bytes(document: dict) -> bytes:
    return (json.dumps(document, indent=2) + "\n").encode()   # key order kept: the annotation's objects


def read_manifest(folder: str) -> dict:
    path = os.path.join(folder, MANIFEST)
    try:
        with open(path, "rb") as handle:
            document = json.loads(handle.read())
    except FileNotFoundError:
        raise SparkReplayError(f"{folder} has no {MANIFEST}: not the partitioned outputs of a replay "
                               "(replay --engine spark --partitioned writes them)") from None
    except (OSError, ValueError) as exc:
        raise SparkReplayError(f"cannot read {path}: {exc}") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise SparkReplayError(f"{path} is not a journeylang manifest")
    if document.get("version") != VERSION:
        raise SparkReplayError(f"{path} has version {document.get('version')!r}; this journeylang reads {VERSION}")
    files = document.get("files")
    if not isinstance(files, dict) or not isinstance(document.get("report"), dict) or \
            any(not isinstance(files.get(name), list) for name in FILES):
        raise SparkReplayError(f"{path} lacks its file lists or its report")
    for name in FILES:
        for part in files[name]:
            if not isinstance(part, str) or part.startswith("/") or ".." in part.split("/"):
                raise SparkReplayError(f"{path}: part {part!r} is not a path inside the folder")
            if not os.path.isfile(os.path.join(folder, part)):
                raise SparkReplayError(f"{path} lists {part}, which is missing")
    return document


def merge_into(folder: str, document: dict, target_folder: str) -> None:
    """Write the single files into `target_folder` (a plain folder: no lock, no commit)."""
    for name in FILES:
        merge_keyed([os.path.join(folder, part) for part in document["files"][name]],
                    os.path.join(target_folder, f"{name}.jsonl"))
    write_report(target_folder, document["report"])


def merge_partitioned(folder: str, target: str) -> dict:
    """Merge into `target`; returns the report as written (with the annotation's additions)."""
    document = read_manifest(folder)
    with OutputFolder(target) as work:
        merge_into(folder, document, work.path)
        if isinstance(document.get("annotation"), dict):   # before the move: a folder with report.json is whole
            _annotate(work.path, document["annotation"], target)
        with open(os.path.join(work.path, "report.json"), "rb") as handle:
            report = json.loads(handle.read())
        work.commit()
    return report


def local_parts(parts_folder: str, base: str) -> dict[str, list[str]]:
    """name -> part files under `parts_folder` (`name=NAME/part-*`), relative to `base`, in
    name order; Spark's `_SUCCESS` and `.crc` files are left out."""
    files: dict[str, list[str]] = {}
    if not os.path.isdir(parts_folder):
        return files
    for entry in sorted(os.listdir(parts_folder)):
        if not entry.startswith("name="):
            continue
        sub = os.path.join(parts_folder, entry)
        files[entry[len("name="):]] = [os.path.relpath(os.path.join(sub, f), base) for f in sorted(os.listdir(sub))
                                       if not f.startswith((".", "_"))]
    return files
