"""Write a generated log as Parquet (`journeylang generate -o events.parquet`).

Consumes: the generator's JSON lines (`xdm_log._log_lines`), in log order.
Produces: one Parquet file, one row per record, rows in log order, in row groups of
`ROW_GROUP` rows. The columns are the union of the records' fields as nested structs and
lists (pyarrow's inference over every record, so a field seen in any record is a column;
fields a record lacks are null); the top-level `timestamp` is a
`timestamp[ms, tz=UTC]` column, as Adobe Experience Platform exports experience events.
Guarantees: deterministic (no wall clock; the same lines give the same file); reading it
back with `runtime/services/parquet_log.py` gives the same records as the JSONL (nulls are
absent fields, and the generator writes no nulls). Memory: one chunk of records at a time,
in two passes over a temporary JSONL (the first finds the schema, the second writes).
"""
from __future__ import annotations

import os
import tempfile
from datetime import datetime
from typing import Iterable, Iterator

import orjson

CHUNK = 20_000
ROW_GROUP = 50_000


def _pyarrow():
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise ValueError("writing Parquet needs pyarrow: pip install 'journeylang[parquet]'") from None
    return pa, pq


def _chunks(path: str) -> Iterator[list[dict]]:
    chunk: list[dict] = []
    with open(path, "rb") as handle:
        for line in handle:
            record = orjson.loads(line)
            stamp = record.get("timestamp")
            if isinstance(stamp, str):
                record["timestamp"] = datetime.fromisoformat(stamp)
            chunk.append(record)
            if len(chunk) == CHUNK:
                yield chunk
                chunk = []
    if chunk:
        yield chunk


def _schema(pa, path: str):
    schemas = []
    for chunk in _chunks(path):
        schemas.append(pa.schema(list(pa.array(chunk).type)))
    if not schemas:
        return pa.schema([("_id", pa.string()), ("timestamp", pa.timestamp("ms", tz="UTC"))])
    try:
        schema = pa.unify_schemas(schemas, promote_options="permissive")
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        raise ValueError(f"the records' fields have types Parquet cannot hold in one column: {exc}") from None
    index = schema.get_field_index("timestamp")
    if index >= 0:
        schema = schema.set(index, pa.field("timestamp", pa.timestamp("ms", tz="UTC")))
    return schema


def write_parquet(path: str, lines: Iterable[bytes]) -> tuple[int, int]:
    """Write the JSON lines to `path` as Parquet; returns (records, events)."""
    pa, pq = _pyarrow()
    records = events = 0
    folder = os.path.dirname(os.path.abspath(path))
    with tempfile.NamedTemporaryFile("wb", dir=folder, prefix=".generate-", suffix=".jsonl",
                                     delete=False) as spill:
        for line, is_event in lines:
            spill.write(line)
            records += 1
            events += is_event
    try:
        schema = _schema(pa, spill.name)
        struct = pa.struct(list(schema))
        with pq.ParquetWriter(path, schema, compression="zstd") as writer:
            for chunk in _chunks(spill.name):
                writer.write_table(pa.Table.from_struct_array(pa.array(chunk, type=struct)),
                                   row_group_size=ROW_GROUP)
            if records == 0:
                writer.write_table(schema.empty_table())
    finally:
        os.remove(spill.name)
    return records, events
