"""The read stage: every log line validated in the executors, exactly as the local reader does.

Consumes: the `LogFile`s (`inputs.py`). A local file (`file:`, as in local mode or on a
file system every node mounts) is read by one task from its path, streaming; a file
behind another URI (`hdfs://`, `s3a://`, ...) comes through Spark's `binaryFile` source,
its bytes in one row (so it must be under 2 GB, and a task holds it whole).
Produces: a DataFrame with one row per non-blank line (a Parquet row counts as a line):
`key` (the line's place in log order: its timestamp, or for a line that is rejected the
reader's placement of it), `file` (position in the file list), `line` (line or row number),
`raw` (the line's bytes), `reason` (why it is rejected, or null) and its `kind`
(`outputs.reason_kind`: the reason without the values it quotes), and for accepted lines
`rid` (`_id`), `ts`, `first` (the first identity) and `idents` (all, canonical order).
Guarantees: each file is read by `eventlog.LogReader` itself (a remote one from a
temporary local copy in the executor), so ordering, validation and reasons are the local replay's; only the
cross-file parts (log order across files, `_id` duplicates, `--until`) are left to the
stages after this one (`stages.py`), which order by (key, file, line) as the local
reader's merge of its files does.
"""
from __future__ import annotations

import os
import tempfile

LINES_SCHEMA = ("key long, file int, line long, raw binary, reason string, kind string, rid string, ts long, "
                "first string, idents array<string>")
_ROWS = 8_192


def normal_uri(uri: str) -> str:
    """`file:///x`, `file:/x` -> one spelling (Spark's binaryFile source writes `file:/x`)."""
    if uri.startswith("file:"):
        return "file:/" + uri[len("file:"):].lstrip("/")
    return uri


def _suffix(name: str) -> str:
    lower = name.lower()
    if lower.endswith(".parquet"):
        return ".parquet"
    if lower.endswith(".gz"):
        return ".jsonl.gz"
    return ".jsonl"


def local_path(uri: str):
    """The local path of a `file:` URI, or None."""
    if uri.startswith("file:"):
        return "/" + uri[len("file:"):].lstrip("/")
    return None


def read_lines(spark, files, *, through_spark: bool = False):
    """The lines DataFrame (not yet computed). Local files (`file:`) are read by the
    executors from their paths, streaming; other URIs through Spark's `binaryFile` source
    (`through_spark`: every file so, for tests of that path)."""
    is_local = (lambda f: False) if through_spark else (lambda f: local_path(f.uri) is not None)
    local = [(n, local_path(f.uri)) for n, f in enumerate(files) if is_local(f)]
    remote = [f for f in files if not is_local(f)]
    frames = []
    if local:
        listing = spark.createDataFrame(local, "file int, path string")
        frames.append(listing.repartition(min(len(local), spark.sparkContext.defaultParallelism * 4))
                      .mapInArrow(_read_local, LINES_SCHEMA))
    if remote:
        index = {normal_uri(f.uri): (files.index(f), f.name) for f in remote}
        content = spark.read.format("binaryFile").load([f.uri for f in remote]).select("path", "content")
        frames.append(content.mapInArrow(_remote_reader(index), LINES_SCHEMA))
    frame = frames[0]
    for other in frames[1:]:
        frame = frame.unionByName(other)
    return frame


def _read_local(batches):
    import pyarrow as pa
    from ..runtime.services.eventlog import LogReader
    schema = _arrow_schema(pa)
    for batch in batches:
        for number, path in zip(batch.column(0).to_pylist(), batch.column(1).to_pylist()):
            yield from _file_rows(pa, schema, LogReader([path]), number)


def _remote_reader(index: dict):
    def lines(batches):
        import pyarrow as pa
        from ..runtime.services.eventlog import LogReader
        schema = _arrow_schema(pa)
        for batch in batches:
            for path, content in zip(batch.column(0).to_pylist(), batch.column(1).to_pylist()):
                number, name = index[normal_uri(path)]
                with tempfile.TemporaryDirectory(prefix="journeylang-read-") as folder:
                    local = os.path.join(folder, "log" + _suffix(name))
                    with open(local, "wb") as handle:
                        handle.write(content)
                    del content
                    yield from _file_rows(pa, schema, LogReader([local]), number)
    return lines


def _arrow_schema(pa):
    return pa.schema([("key", pa.int64()), ("file", pa.int32()), ("line", pa.int64()), ("raw", pa.binary()),
                      ("reason", pa.string()), ("kind", pa.string()), ("rid", pa.string()), ("ts", pa.int64()), ("first", pa.string()),
                      ("idents", pa.list_(pa.string()))])


def _file_rows(pa, schema, reader, number: int):
    columns: dict[str, list] = {name: [] for name in schema.names}
    from ..runtime.services.outputs import reason_kind
    key, file_, line, raw_, reason, kind, rid, ts_, first, idents = (columns[n] for n in schema.names)
    for k, _, line_number, raw, result in reader._stream(0):   # the local reader's own file pass
        key.append(k)
        file_.append(number)
        line.append(line_number)
        raw_.append(raw)
        if type(result) is str:
            reason.append(result)
            kind.append(reason_kind(result))
            rid.append(None)
            ts_.append(None)
            first.append(None)
            idents.append(None)
        else:
            ts, data, identities = result
            reason.append(None)
            kind.append(None)
            rid.append(data["_id"])
            ts_.append(ts)
            first.append(identities[0])
            idents.append(identities)
        if len(key) == _ROWS:
            yield pa.RecordBatch.from_pydict(columns, schema=schema)
            for values in columns.values():
                values.clear()
    if key:
        yield pa.RecordBatch.from_pydict(columns, schema=schema)
