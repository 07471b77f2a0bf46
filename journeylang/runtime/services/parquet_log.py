"""Read Parquet event logs as the JSON lines the log reader validates.

Consumes: a `.parquet` file, read with pyarrow one record batch at a time; `expand_logs`
turns a folder (as Adobe Experience Platform exports datasets: `part-*.parquet`, with
`_`- and `.`-prefixed files such as `_SUCCESS` skipped) into its log files, in name order.
Produces: one JSON line per row (bytes ending in `\\n`), so `eventlog.LogReader` applies
the very same validation, log order, `_id` dedup and rejections to Parquet as to JSONL.
A record's "line number" is its row number in its file: 1-based, counted over the file's
row groups in order.
Guarantees: the same record as the JSONL reader for the same data —
- structs are JSON objects and lists are lists; Arrow maps (AEP's `identityMap` is
  `map<string, list<struct>>`) are objects, their keys as text, in stored order;
- a null column or struct field is an absent field (a Parquet schema is the union of its
  records' fields, so a null cannot be told from a field the record did not have); nulls
  inside lists are kept;
- timestamps with a time zone are RFC 3339 in UTC (`2026-11-20T10:30:00Z`, `.250Z` when
  the fraction is non-zero: `syntax.literals.format_timestamp`); a timestamp column without
  a zone ("naive") is written without one, so such a record is rejected as a JSONL record
  with a zoneless timestamp is; dates and times are ISO 8601 text, decimals numbers, binary
  values base64 text, NaN and infinities null.
Memory: one record batch (`BATCH_ROWS` rows) at a time. pyarrow is imported only when a
Parquet log is read (`pip install 'journeylang[parquet]'`).
"""
from __future__ import annotations

import base64
import math
import os
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from typing import Callable, Iterator

import orjson

from ...syntax.literals import format_timestamp

BATCH_ROWS = 8_192
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_MS = timedelta(milliseconds=1)


LOG_SUFFIXES = (".parquet", ".jsonl", ".jsonl.gz", ".json", ".json.gz")


def is_parquet(path: str) -> bool:
    """A Parquet log: a path ending in `.parquet` (any case)."""
    return path.lower().endswith(".parquet")


def expand_logs(paths: list[str]) -> list[str]:
    """Log paths with folders replaced by their log files (`LOG_SUFFIXES`), found at any
    depth and in name order (of the path below the folder); names starting with `_` or `.`
    (`_SUCCESS`, `.crc` files, hidden folders) are skipped. Files stay as they are. So an
    AEP export folder of `part-*.parquet` files is one log per file, each numbered by row.
    Raises OSError for a folder without log files."""
    out: list[str] = []
    for path in paths:
        if not os.path.isdir(path):
            out.append(path)
            continue
        found = []
        for folder, subfolders, names in os.walk(path):
            subfolders[:] = [name for name in subfolders if not name.startswith((".", "_"))]
            found.extend(os.path.join(folder, name) for name in names
                         if not name.startswith((".", "_")) and name.lower().endswith(LOG_SUFFIXES))
        if not found:
            raise OSError(f"no event logs (.parquet, .jsonl, .jsonl.gz) in the folder {path}")
        out.extend(sorted(found, key=lambda name: os.path.relpath(name, path).split(os.sep)))
    return out


def _pyarrow():
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise OSError("reading Parquet needs pyarrow: pip install 'journeylang[parquet]'") from None
    return pq


def _timestamp_text(value: datetime, zoned: bool) -> str:
    if not zoned:
        return value.isoformat()
    delta = value - _EPOCH
    ms, rest = divmod(delta, _MS)
    if rest:   # sub-millisecond precision: keep it rather than round
        return value.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")
    return format_timestamp(ms)


def _converter(arrow_type) -> Callable:
    """A function from pyarrow's Python value of `arrow_type` to the JSON value."""
    import pyarrow.types as t
    if t.is_struct(arrow_type):
        fields = [(arrow_type.field(i).name, _converter(arrow_type.field(i).type))
                  for i in range(arrow_type.num_fields)]
        return lambda value: {name: convert(value[name]) for name, convert in fields if value[name] is not None}
    if t.is_map(arrow_type):
        convert_item = _converter(arrow_type.item_type)
        return lambda value: {str(key): (None if item is None else convert_item(item)) for key, item in value}
    if t.is_list(arrow_type) or t.is_large_list(arrow_type) or t.is_fixed_size_list(arrow_type) or \
            getattr(t, "is_list_view", lambda _: False)(arrow_type):
        convert_item = _converter(arrow_type.value_type)
        return lambda value: [None if item is None else convert_item(item) for item in value]
    if t.is_timestamp(arrow_type):
        zoned = arrow_type.tz is not None
        return lambda value: _timestamp_text(value, zoned)
    if t.is_floating(arrow_type):
        return lambda value: None if math.isnan(value) or math.isinf(value) else value
    if t.is_decimal(arrow_type):
        return lambda value: int(value) if value == value.to_integral_value() and value.as_tuple().exponent >= 0 \
            else float(value)
    if t.is_date(arrow_type) or t.is_time(arrow_type):
        return lambda value: value.isoformat()
    if t.is_binary(arrow_type) or t.is_large_binary(arrow_type) or t.is_fixed_size_binary(arrow_type):
        return lambda value: base64.b64encode(value).decode("ascii")
    if t.is_dictionary(arrow_type):
        return _converter(arrow_type.value_type)
    return _plain


def _plain(value):
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, timedelta):
        return value // _MS
    return value


def row_converter(schema) -> Callable[[dict], dict]:
    """A function from a row of `schema` (as `to_pylist` gives it) to the JSON record."""
    return _converter(_struct_of(schema))


def _struct_of(schema):
    import pyarrow as pa
    return pa.struct([schema.field(i) for i in range(len(schema.names))])


def batch_lines(batch, convert: Callable[[dict], dict]) -> list[bytes]:
    """A record batch's rows as JSON lines."""
    dumps = orjson.dumps
    lines = []
    for row in batch.to_pylist():
        try:
            lines.append(dumps(convert(row), option=orjson.OPT_APPEND_NEWLINE))
        except (TypeError, orjson.JSONEncodeError) as exc:   # a value JSON cannot hold
            lines.append(b'{"_unreadable_row": %s}\n' % dumps(str(exc)))
    return lines


def file_lines(path: str) -> Iterator[bytes]:
    """One Parquet file's rows as JSON lines, a batch at a time."""
    pq = _pyarrow()
    try:
        handle = pq.ParquetFile(path)
    except Exception as exc:   # pyarrow raises ArrowInvalid / ArrowIOError / OSError
        raise OSError(f"{path} is not a readable Parquet file: {exc}") from None
    with handle:
        convert = row_converter(handle.schema_arrow)
        for batch in handle.iter_batches(batch_size=BATCH_ROWS):
            yield from batch_lines(batch, convert)


class ParquetLines:
    """What `eventlog._open` returns for a Parquet log: a context manager iterating the rows
    as JSON lines; `read()` checks the files can be opened (`check_readable`)."""

    def __init__(self, path: str) -> None:
        self.path = path

    def __enter__(self) -> "ParquetLines":
        return self

    def __exit__(self, *exc) -> None:
        return None

    def read(self, size: int = -1) -> bytes:
        pq = _pyarrow()
        try:
            pq.ParquetFile(self.path).close()
        except Exception as exc:
            raise OSError(f"{self.path} is not a readable Parquet file: {exc}") from None
        return b""

    def __iter__(self) -> Iterator[bytes]:
        return file_lines(self.path)


def open_rows(path: str) -> ParquetLines:
    return ParquetLines(path)
