"""The whole Spark job: read, prepare, replay in barrier partitions, write, merge.

Consumes: a SparkSession, a checked `Analysis` (or a program path: `replay_program`), the
events (paths / globs / folders / a DataFrame), `--until` and an output folder.
Produces: the outputs of `journeylang replay` — the single files in a local `out`
(written through `OutputFolder`: lock, partial folder, report.json last), or the
partitioned form (`manifest.py`) in `out` (any Hadoop path) — and the report.
Guarantees: byte-identical to `journeylang replay --workers 1` (the per-partition work is the
local engines' own, `executor.py`; the order of lines is the order keys' and identity
components never span partitions, `stages.py`). The plan (docs/scale.md):
  the log files -> mapInArrow (each file read by eventlog.LogReader) -> persist
    -> window by _id (first in log order)       -> rejected lines (mapInArrow)
    -> distinct identity links (collected)      -> union-find on the driver -> broadcast join
    -> repartition(N, component) -> sortWithinPartitions(ts, file, line)
    -> mapInArrow(barrier: replay, allGather dedup questions and the end instant)
    -> sortWithinPartitions(name, value) -> text files partitioned by output name.
When dedup does not settle in `MAX_ROUNDS` rounds the replay stage runs again as one
partition (exact, slower), as the local engine falls back to one process.
"""
from __future__ import annotations

import os
import pickle
import re
import shutil
import tempfile
from collections import Counter
from typing import Optional

import orjson

from ..runtime.services.outputs import JourneyStats, report_document
from ..syntax.literals import format_timestamp, parse_timestamp
from .errors import SparkReplayError
from .executor import OUT_SCHEMA, REPORT, replay_partitions
from .inputs import LogFile, log_files
from ..runtime.services.annotate import annotate_outputs
from .manifest import MANIFEST, annotation_of, local_parts, manifest_bytes, manifest_document, merge_into
from .reading import read_lines
from .stages import prepare

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


def is_local(path: str) -> bool:
    """A plain local folder. A URI — `file:` ones too — is written through Hadoop's
    FileSystem API (partitioned form only), as on a cluster."""
    return not _SCHEME.match(path)


def replay_program(spark, program_path, events, out: str, *, until=None, partitions=None, partitioned=None) -> dict:
    from ..pipeline import analyse
    paths = [program_path] if isinstance(program_path, (str, os.PathLike)) else list(program_path)
    analysis = analyse([os.fspath(p) for p in paths])
    if analysis.diagnostics.has_errors:
        first = next(d for d in analysis.diagnostics.items if d.severity == "error")
        raise SparkReplayError(f"the program has errors; `journeylang check` shows them (first: {first.code} "
                               f"{first.message})")
    if isinstance(until, str):
        try:
            until = parse_timestamp(until)
        except ValueError as exc:
            raise SparkReplayError(f"until: {exc}") from None
    return run(spark, analysis, events, until, out, partitions=partitions, partitioned=partitioned)[0]


def run(spark, analysis, events, until: Optional[int], out: str, *, partitions: Optional[int] = None,
        partitioned: Optional[bool] = None) -> tuple[dict, dict]:
    """(report, facts about the run: partitions, dedup rounds, links, single-partition fallback).
    Nodes are labelled and the program recorded as `journeylang replay` does
    (`services/annotate.py`): in the merged files before they are moved into place, or by
    the merge of the partitioned form (the manifest carries what it needs)."""
    local = is_local(out)
    if partitioned is None:
        partitioned = not local
    annotation = annotation_of(analysis) if partitioned else None
    if not local and not partitioned:
        raise SparkReplayError(f"{out} is not a local folder: write the partitioned form there "
                               "(partitioned=True) and merge a local copy (journeylang merge-outputs)")
    if local:
        from ..runtime.engines.outputs_folder import OutputFolder
        folder = out
        with OutputFolder(folder) as work:
            parts = os.path.join(os.path.abspath(work.path), "parts")
            report, facts = _job(spark, analysis, events, until, "file://" + parts, partitions, work.path)
            files = local_parts(parts, work.path)
            document = manifest_document(files, report, facts["partitions"], facts["rounds"],
                                         annotation if partitioned else None)
            if partitioned:
                _commit_partitioned(folder, work.path, document)
            else:
                merge_into(work.path, document, work.path)
                annotate_outputs(work.path, analysis, relative_to=folder)
                with open(os.path.join(work.path, "report.json"), "rb") as handle:
                    report = orjson.loads(handle.read())
                work.commit()
        return report, facts
    parts = out.rstrip("/") + "/parts"
    scratch = out.rstrip("/") + "/_input"      # a DataFrame's records, where the executors can read them
    try:
        report, facts = _job(spark, analysis, events, until, parts, partitions, scratch)
    finally:
        _hadoop_delete(spark, scratch)
    files = _hadoop_parts(spark, parts, out.rstrip("/"))
    _hadoop_write(spark, out.rstrip("/") + "/" + MANIFEST,
                  manifest_bytes(manifest_document(files, report, facts["partitions"], facts["rounds"],
                                                   annotation)))
    return report, facts


def _commit_partitioned(out: str, work: str, document: dict) -> None:
    """Move parts/ into `out`, manifest.json last (an old manifest is removed first)."""
    manifest = os.path.join(out, MANIFEST)
    if os.path.exists(manifest):
        os.remove(manifest)
    shutil.rmtree(os.path.join(out, "parts"), ignore_errors=True)
    os.replace(os.path.join(work, "parts"), os.path.join(out, "parts"))
    with open(os.path.join(work, MANIFEST), "wb") as handle:
        handle.write(manifest_bytes(document))
    os.replace(os.path.join(work, MANIFEST), manifest)


def _files_for(spark, events, scratch: str) -> list[LogFile]:
    """The log files; a DataFrame of records is first written as Parquet under `scratch` (a
    local folder, or a Hadoop URI) and read back as files (row numbers per part file)."""
    from pyspark.sql import DataFrame
    if not isinstance(events, DataFrame):
        return log_files(spark, events)
    local = not _SCHEME.match(scratch)
    target = ("file://" + os.path.abspath(os.path.join(scratch, "dataframe"))) if local else scratch + "/dataframe"
    previous = spark.conf.get("spark.sql.parquet.outputTimestampType", None)
    spark.conf.set("spark.sql.parquet.outputTimestampType", "TIMESTAMP_MICROS")   # zoned, not INT96
    try:
        events.write.mode("overwrite").parquet(target)
    finally:
        if previous is None:
            spark.conf.unset("spark.sql.parquet.outputTimestampType")
        else:
            spark.conf.set("spark.sql.parquet.outputTimestampType", previous)
    found = log_files(spark, os.path.join(scratch, "dataframe") if local else target)
    return [LogFile("dataframe/" + f.uri.rstrip("/").rsplit("/", 1)[-1], f.uri) for f in found]


def _job(spark, analysis, events, until, parts_uri: str, partitions: Optional[int], scratch: str):
    files = _files_for(spark, events, scratch)
    names = [f.name for f in files]
    sc = spark.sparkContext
    count = partitions or sc.defaultParallelism
    prepared = None
    try:
        prepared = prepare(spark, read_lines(spark, files), until, names)
        payload = sc.broadcast(pickle.dumps(analysis, protocol=pickle.HIGHEST_PROTOCOL))
        facts = {"partitions": count, "rounds": 0, "links": prepared.links, "single_partition": False,
                 "records": prepared.records}
        prepared.rejected.sortWithinPartitions("value").write.mode("overwrite").text(parts_uri + "/name=rejected")
        if prepared.records == 0:
            parts = [_empty_part(analysis, until)]
        else:
            parts = _replay_stage(spark, prepared, payload, until, count, parts_uri)
            if parts is None:     # dedup did not settle: one partition, exact
                facts["single_partition"] = True
                facts["partitions"] = 1
                parts = _replay_stage(spark, prepared, payload, until, 1, parts_uri)
            facts["rounds"] = max(p["rounds"] for p in parts)
    except SparkReplayError:
        raise
    except Exception as exc:   # a failed stage: its Python error, in one line
        raise SparkReplayError(_failure_text(exc)) from None
    finally:
        if prepared is not None:
            prepared.release()
    return _report(analysis, prepared, parts), facts


def replay_frame(prepared, payload, until, count: int):
    """The replay stage's DataFrame (not yet computed): the accepted records in `count`
    partitions by component, in log order within each, through the barrier task, each
    task's lines sorted by (output name, order key)."""
    task = replay_partitions(payload, until, prepared.last_ts)
    return (prepared.accepted.repartition(count, "comp").sortWithinPartitions("ts", "file", "line")
            .mapInArrow(task, OUT_SCHEMA, barrier=True).sortWithinPartitions("name", "value"))


def _replay_stage(spark, prepared, payload, until, count: int, parts_uri: str) -> Optional[list[dict]]:
    replayed = replay_frame(prepared, payload, until, count)
    (replayed.write.mode("overwrite").option("partitionOverwriteMode", "dynamic")
     .partitionBy("name").text(parts_uri))
    parts = [orjson.loads(line) for line in _report_lines(spark, parts_uri + f"/name={REPORT}")]
    if any(p.get("unsettled") for p in parts):
        return None
    return sorted(parts, key=lambda p: p["partition"])


def _report_lines(spark, uri: str) -> list[bytes]:
    """The partitions' `_report` rows (one per partition): read directly from a local folder,
    through Spark from any other."""
    if uri.startswith("file://"):
        folder = uri[len("file://"):]
        lines = []
        for name in sorted(os.listdir(folder)):
            if not name.startswith((".", "_")):
                with open(os.path.join(folder, name), "rb") as handle:
                    lines.extend(line for line in handle.read().splitlines() if line)
        return lines
    return [row["value"].encode() for row in spark.read.text(uri).collect()]


def _empty_part(analysis, until) -> dict:
    """No record to replay: the driver runs the empty replay itself (scheduled reads do not
    fire without records; `--until` still moves the clock)."""
    from ..runtime.engines.worker import report_part
    from .executor import _run, _stats_json
    with tempfile.TemporaryDirectory(prefix="journeylang-empty-") as folder:
        runtime = _run(analysis, folder, iter(()), until, None, None)
        part = report_part(runtime, runtime.now)
    return {"partition": 0, "rounds": 0, "processed": part["processed"], "profiles": part["profiles"],
            "members": part["members"], "end": runtime.now, "stats": _stats_json(part["stats"])}


class _Rejections:
    """What report.json needs of the rejections: their number and reason kinds."""

    class _One:
        __slots__ = ("reason",)

        def __init__(self, reason: str) -> None:
            self.reason = reason

    def __init__(self, kinds: dict) -> None:
        self.kinds = kinds

    def __len__(self) -> int:
        return sum(self.kinds.values())

    def __iter__(self):
        for kind, count in sorted(self.kinds.items()):
            one = self._One(kind)
            for _ in range(count):
                yield one


class _Reader:
    def __init__(self, read: int, kinds: dict) -> None:
        self.read = read
        self.rejections = _Rejections(kinds)


def _report(analysis, prepared, parts: list[dict]) -> dict:
    stats = {name: JourneyStats() for name in sorted(analysis.graphs)}
    for part in parts:
        for name, (entries, refusals, exits, visits, actions) in part["stats"].items():
            mine = stats[name]
            mine.entries += entries
            for counter, theirs in ((mine.refusals, refusals), (mine.exits, exits), (mine.visits, visits),
                                    (mine.actions, actions)):
                counter.update(Counter(theirs))
    segments = {name: (evaluation, sum(part["members"][name][1] for part in parts))
                for name, (evaluation, _) in parts[0]["members"].items()}
    end = max(part["end"] for part in parts)
    return report_document(_Reader(prepared.read, prepared.reason_kinds), sum(p["processed"] for p in parts),
                           sum(p["profiles"] for p in parts), format_timestamp(end), stats, segments)


def _failure_text(exc: Exception) -> str:
    """One line for a failed stage: the Python worker's exception line (the first line
    at the margin after the last `Traceback`, its module path dropped), else an error
    line of the text, else its first line."""
    text = str(exc)
    start = text.rfind("Traceback (most recent call last):")
    if start >= 0:
        for line in text[start:].splitlines()[1:]:
            if line.strip() and not line[0].isspace():
                return "a Spark stage failed: " + re.sub(r"^(?:\w+\.)+(?=\w+:)", "", line.strip())
    for pattern in (r"(LookupFileError: [^\n]+)", r"(\w+Error: [^\n]+)\n(?![\s\S]*\w+Error: )"):
        found = re.search(pattern, text)
        if found:
            return f"a Spark stage failed: {found.group(1).strip()}"
    return f"a Spark stage failed: {text.strip().splitlines()[0] if text.strip() else type(exc).__name__}"


def _hadoop_parts(spark, parts: str, base: str) -> dict[str, list[str]]:
    jvm = spark.sparkContext._jvm
    path = jvm.org.apache.hadoop.fs.Path(parts)
    fs = path.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration())
    files: dict[str, list[str]] = {}
    for status in sorted(fs.listStatus(path), key=lambda s: s.getPath().getName()):
        name = status.getPath().getName()
        if not status.isDirectory() or not name.startswith("name="):
            continue
        found = sorted(s.getPath().getName() for s in fs.listStatus(status.getPath())
                       if not s.getPath().getName().startswith((".", "_")))
        files[name[len("name="):]] = [f"parts/{name}/{f}" for f in found]
    return files


def _hadoop_delete(spark, target: str) -> None:
    jvm = spark.sparkContext._jvm
    path = jvm.org.apache.hadoop.fs.Path(target)
    fs = path.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration())
    if fs.exists(path):
        fs.delete(path, True)


def _hadoop_write(spark, target: str, data: bytes) -> None:
    jvm = spark.sparkContext._jvm
    path = jvm.org.apache.hadoop.fs.Path(target)
    fs = path.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration())
    stream = fs.create(path, True)
    try:
        stream.write(bytearray(data))
    finally:
        stream.close()


__all__ = ["run", "replay_program", "is_local"]
