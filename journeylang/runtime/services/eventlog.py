"""Read event logs: JSONL / .jsonl.gz files (and Parquet, `parquet_log.py`), validated, in log order.

Consumes: log file paths (command-line order). Produces: a stream of `LogRecord`s in log
order — by timestamp, then file order, then line number — and `Rejection`s for lines that
are not valid records (not JSON, no `_id`, no zoned timestamp, no identity, duplicate
`_id`, too large or too deeply nested).
Guarantees: every line is either yielded or rejected with its file, line and reason,
never dropped. A file already in timestamp order is streamed (memory independent of its
length); an unsorted file is sorted in memory as raw lines keyed by time.
"""
from __future__ import annotations

import gzip
import heapq
import re
from dataclasses import dataclass
from typing import Iterator, Optional, Union

import orjson

from ...syntax.literals import parse_timestamp
from .idset import IdSet
from .parquet_log import is_parquet, open_rows

MAX_LINE_BYTES = 1_000_000
MAX_DEPTH = 64
MAX_IDENTITIES = 100     # per record: more is a broken or hostile identity map
_TS_PEEK = re.compile(rb'"timestamp"\s*:\s*"([^"]*)"')
_FAST_TS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
_ENDUSER_NAMESPACES = {"mcid": "ECID", "emailid": "Email"}


@dataclass(slots=True)
class LogRecord:
    ts: int
    file_index: int
    line: int
    data: dict
    identities: list[str]  # "Namespace:id", primary first, then by namespace and id


@dataclass
class Rejection:
    file: str
    line: int
    reason: str
    text: str


# recent timestamps: a line's is parsed by the order check and again by validation, and
# records of one instant repeat it; small, because a parse costs about half a microsecond
# and a process holds one (a 200,000-entry cache was 28 MB of a worker's peak)
TS_CACHE_MAX = 8192
_ts_cache: dict[str, int] = {}


def timestamp_ms(text: str) -> int:
    cached = _ts_cache.get(text)
    if cached is None:
        cached = parse_timestamp(text)
        if len(_ts_cache) >= TS_CACHE_MAX:
            _ts_cache.clear()
        _ts_cache[text] = cached
    return cached


def _open(path: str):
    if path.endswith(".gz"):
        return gzip.open(path, "rb")
    if is_parquet(path):   # a .parquet file or a folder of them: its rows as JSON lines
        return open_rows(path)
    return open(path, "rb")


def _too_deep(value, depth: int = 0) -> bool:
    if depth > MAX_DEPTH:
        return True
    if isinstance(value, dict):
        return any(_too_deep(v, depth + 1) for v in value.values() if isinstance(v, (dict, list)))
    if isinstance(value, list):
        return any(_too_deep(v, depth + 1) for v in value if isinstance(v, (dict, list)))
    return False


def record_identities(data: dict) -> Union[list[str], str]:
    """The record's identities in canonical order (primary first, then by namespace and
    id; each once), or a rejection reason."""
    found: list[tuple[int, str, str]] = []
    identity_map = data.get("identityMap")
    if identity_map is not None:
        if not isinstance(identity_map, dict):
            return "identityMap is not an object"
        for namespace, entries in identity_map.items():
            if not isinstance(entries, list):
                return f"identityMap.{namespace} is not a list"
            for entry in entries:
                ident = entry.get("id") if isinstance(entry, dict) else None
                if not isinstance(ident, str) or not ident:
                    return f"identityMap.{namespace} has an entry without a string id"
                found.append((0 if entry.get("primary") is True else 1, namespace, ident))
    end_users = data.get("endUserIDs")
    if isinstance(end_users, dict) and isinstance(end_users.get("_experience"), dict):
        for key, entry in end_users["_experience"].items():
            if isinstance(entry, dict) and isinstance(entry.get("id"), str) and entry["id"]:
                namespace = _ENDUSER_NAMESPACES.get(key, key)
                primary = 0 if entry.get("primary") is True else 1
                found.append((primary, namespace, entry["id"]))
    if len(found) == 1:
        _, namespace, ident = found[0]
        return [f"{namespace}:{ident}"]
    if not found:
        return "no identity (identityMap or endUserIDs._experience.*.id)"
    if len(found) > MAX_IDENTITIES:
        return f"more than {MAX_IDENTITIES} identities"
    found.sort()
    ordered = [f"{namespace}:{ident}" for _, namespace, ident in found]
    if len(set(ordered)) != len(ordered):
        ordered = list(dict.fromkeys(ordered))   # each once, at its first place
    return ordered


def validate(raw: bytes) -> Union[tuple[int, dict, list[str]], str]:
    """Parse and validate one line: (ts, record, identities) or a rejection reason."""
    if len(raw) > MAX_LINE_BYTES:
        return f"record larger than {MAX_LINE_BYTES} bytes"
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        return f"not JSON: {str(exc).split(':')[0]}"
    except RecursionError:
        return "record nested too deeply"
    if not isinstance(data, dict):
        return "not a JSON object"
    record_id = data.get("_id")
    if not isinstance(record_id, str) or not record_id:
        return "missing _id (a non-empty string)"
    stamp = data.get("timestamp")
    if not isinstance(stamp, str):
        return "missing timestamp"
    try:
        ts = timestamp_ms(stamp)
    except ValueError:
        return f"timestamp {stamp!r} is not RFC 3339 with Z or an offset"
    if data.get("recordType") != "profile":
        event_type = data.get("eventType")
        if not isinstance(event_type, str) or not event_type:
            return "neither an experience event (eventType) nor a profile record (recordType: profile)"
    identities = record_identities(data)
    if isinstance(identities, str):
        return identities
    if raw.count(b"{") + raw.count(b"[") > MAX_DEPTH and _too_deep(data):
        return f"record nested deeper than {MAX_DEPTH} levels"
    return ts, data, identities


def _peek_ts(raw: bytes) -> Optional[int]:
    """The record's top-level `timestamp` without parsing the line: the first
    `"timestamp": "..."` outside any nested object or list (XDM events often carry nested
    timestamps, in any key order). Brackets are counted without regard to strings, so a
    line with brackets inside a string before its timestamp may find no candidate: that
    line is parsed instead. None when there is no readable timestamp."""
    position = 0
    while True:
        match = _TS_PEEK.search(raw, position)
        if match is None:
            break
        start = match.start()
        if raw.count(b"{", 0, start) - raw.count(b"}", 0, start) == 1 and \
                raw.count(b"[", 0, start) == raw.count(b"]", 0, start):
            try:
                return timestamp_ms(match.group(1).decode("utf-8", "replace"))
            except ValueError:
                return None
        position = match.end()
    try:
        data = orjson.loads(raw)
    except (orjson.JSONDecodeError, RecursionError):
        return None
    stamp = data.get("timestamp") if isinstance(data, dict) else None
    if not isinstance(stamp, str):
        return None
    try:
        return timestamp_ms(stamp)
    except ValueError:
        return None


class LogReader:
    """Merges the files into one stream in log order; collects rejections as it goes."""

    def __init__(self, paths: list[str], until: Optional[int] = None) -> None:
        self.paths = paths
        self.until = until  # records after this instant are not taken (nor counted as read)
        self.rejections: list[Rejection] = []
        self.seen_ids = IdSet()   # `_id` dedup by 127-bit fingerprints (`idset.py`)
        self.read = 0

    def _lines(self, index: int) -> Iterator[tuple]:
        """An unsorted file: (ts key, file index, line number, raw, validation result),
        sorted by (ts, line) in memory as raw lines; each line is validated as it is taken."""
        path = self.paths[index]
        with _open(path) as handle:
            lines = [line for line in handle]
        keyed, last, ordered = [], None, True
        for number, raw in enumerate(lines, start=1):
            if not raw.strip():
                continue
            ts = _peek_ts(raw)
            if ts is None:
                ts = last if last is not None else -(1 << 62)
            if last is not None and ts < last:
                ordered = False
            last = ts if last is None or ts > last else last
            keyed.append((ts, index, number, raw))
        if not ordered:
            keyed.sort(key=lambda item: (item[0], item[2]))
        for ts, index, number, raw in keyed:
            yield ts, index, number, raw, validate(raw)

    def _stream(self, index: int) -> Iterator[tuple]:
        """Streams a file line by line (parsed and validated once) when a cheap first pass
        over its timestamps shows it is in order; else sorts it in memory (`_lines`)."""
        path = self.paths[index]
        ordered, last = True, None
        with _open(path) as handle:
            for raw in handle:
                ts = _peek_ts(raw)
                if ts is None:
                    continue
                if last is not None and ts < last:
                    ordered = False
                    break
                last = ts
        if not ordered:
            yield from self._lines(index)
            return
        last = -(1 << 62)
        with _open(path) as handle:
            number = 0
            for raw in handle:
                number += 1
                if not raw.strip():
                    continue
                result = validate(raw)
                if type(result) is tuple:
                    last = result[0]
                else:
                    # a rejected line keeps its place: its own timestamp when one can be read
                    peeked = _peek_ts(raw)
                    if peeked is not None:
                        last = peeked
                yield last, index, number, raw, result

    def __iter__(self) -> Iterator[LogRecord]:
        return self._accepted(False)

    def with_lines(self) -> Iterator[tuple[LogRecord, bytes]]:
        """Every accepted record in log order with its raw line (the partitioning pass
        forwards the line instead of re-encoding the record)."""
        return self._accepted(True)

    def _accepted(self, with_raw: bool) -> Iterator:
        streams = [self._stream(i) for i in range(len(self.paths))]
        if len(streams) == 1:
            merged = streams[0]
        else:
            merged = heapq.merge(*streams, key=lambda item: (item[0], item[1], item[2]))
        until, add_id = self.until, self.seen_ids.add
        for key, index, number, raw, result in merged:
            if until is not None and key > until:
                return
            self.read += 1
            if type(result) is str:
                self.reject(index, number, result, raw)
                continue
            ts, data, identities = result
            if not add_id(data["_id"]):
                self.reject(index, number, "duplicate id", raw)
                continue
            record = LogRecord(ts, index, number, data, identities)
            yield (record, raw) if with_raw else record

    def reject(self, index: int, number: int, reason: str, raw: bytes) -> None:
        self.rejections.append(Rejection(self.paths[index], number, reason, rejection_text(raw)))


def rejection_text(raw: bytes) -> str:
    """A rejected line as rejected.jsonl shows it: decoded, at most 2,000 characters."""
    text = raw.decode("utf-8", "replace").rstrip("\n")
    return text[:2000] + "..." if len(text) > 2000 else text


def check_readable(paths: list[str]) -> Optional[str]:
    for path in paths:
        try:
            with _open(path) as handle:
                handle.read(1)
        except (OSError, EOFError) as exc:
            return f"cannot read event log {path}: {exc}"
    return None
