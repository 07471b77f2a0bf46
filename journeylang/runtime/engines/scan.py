"""The parallel partitioning pass: scan byte ranges of the logs in every worker, join
identities in the coordinator, and let each partition read its own lines from the logs.

Consumes: the event log paths, `--until`, the number of scan processes, a spill folder.
Produces: `ScanSplit` — per log file the partition of every line (`line_part`: one byte per
line, `NOT_TAKEN` for blank, rejected, duplicate and after-`--until` lines), the accepted
record count and last record time, and the `LogReader` holding the rejections and the
read count — or None when a file is not in timestamp order (or is compressed: a gzip
stream cannot be cut into ranges), for which the serial pass (`split.py`) stays the way.
Guarantees: the same decisions, rejections (same order, same reasons) and identity
components as `LogReader` + `LogSplit`: every line of a range is peeked and validated by
the same functions (`eventlog.py`), and the coordinator takes the ranges' results in log
order — by key, then file, then line — through one union-find, exactly as the serial pass.
Memory: the join runs in a scan process, which holds the `_id` set (`idset.py`), the
union-find over identities and 5 bytes per line, and exits; the coordinator receives 1 byte
per line and the rejections, so the replay workers it forks next inherit none of the rest.
The per-range results stream through spill files that are removed.
"""
from __future__ import annotations

import gc
import heapq
import multiprocessing
import os
import pickle
import zlib
from array import array
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Iterator, Optional

from ..services.eventlog import LogReader, _peek_ts, rejection_text, validate
from ..services.identity import find_root
from ..services.idset import IdSet
from ..services.parquet_log import is_parquet
from .errors import EngineError
from .worker import die_with_parent

NOT_TAKEN = 255
CHUNK = 20_000                 # results per pickled chunk
MIN_RANGE_BYTES = 1 << 20      # smaller files are one range


@dataclass
class ScanSplit:
    paths: list[str]
    line_part: list[bytearray]      # per file: line number -> partition (NOT_TAKEN: not a record of any)
    records: int
    last_ts: Optional[int]
    reader: LogReader


def _ranges(paths: list[str], pieces: int) -> Optional[list[tuple[int, int, int]]]:
    """(file index, start, end) byte ranges that begin at line starts, in log-file order."""
    out = []
    for index, path in enumerate(paths):
        if path.endswith(".gz") or is_parquet(path):   # no byte ranges in gzip or Parquet
            return None
        size = os.path.getsize(path)
        count = max(1, min(pieces, size // MIN_RANGE_BYTES))
        cuts = [0]
        with open(path, "rb") as handle:
            for k in range(1, count):
                handle.seek(max(cuts[-1], size * k // count))
                handle.readline()           # to the start of the next line
                position = handle.tell()
                if position < size and position > cuts[-1]:
                    cuts.append(position)
        cuts.append(size)
        out.extend((index, a, b) for a, b in zip(cuts, cuts[1:]) if b > a)
    return out


def _scan_range(path: str, start: int, end: int, spill: str) -> tuple[int, bool, Optional[int], Optional[int]]:
    """In a scan process: peek and validate every line of [start, end); write the results
    in chunks to `spill`. Returns (lines, in order by peeked time, first peek, last peek)."""
    lines, ordered, first, last = 0, True, None, None
    chunk: list = []
    with open(path, "rb") as handle, open(spill, "wb") as out:
        handle.seek(start)
        position = start
        while position < end:
            raw = handle.readline()
            if not raw:
                break
            position += len(raw)
            lines += 1
            if not raw.strip():
                continue
            peek = _peek_ts(raw)
            if peek is not None:
                if last is not None and peek < last:
                    ordered = False
                if first is None:
                    first = peek
                last = peek
            result = validate(raw)
            if type(result) is tuple:
                ts, data, identities = result
                chunk.append((lines, peek, ts, data["_id"], identities))
            else:
                chunk.append((lines, peek, None, result, raw))
            if len(chunk) >= CHUNK:
                pickle.dump(chunk, out, protocol=pickle.HIGHEST_PROTOCOL)
                chunk = []
        if chunk:
            pickle.dump(chunk, out, protocol=pickle.HIGHEST_PROTOCOL)
    return lines, ordered, first, last


def _results(spill: str) -> Iterator[tuple]:
    with open(spill, "rb") as handle:
        while True:
            try:
                chunk = pickle.load(handle)
            except EOFError:
                return
            yield from chunk


def _file_stream(index: int, parts: list[tuple[str, int]]) -> Iterator[tuple]:
    """One file's lines in file order as (key, file index, line number, result), keyed as
    `LogReader._stream` keys them (a rejected line keeps its place by its peeked time)."""
    last = -(1 << 62)
    for spill, offset in parts:
        for local, peek, ts, a, b in _results(spill):
            if ts is not None:
                last = ts
            elif peek is not None:
                last = peek
            yield last, index, offset + local, ts, a, b


def scan_split(paths: list[str], until: Optional[int], processes: int, partitions: int,
               folder: str) -> Optional[ScanSplit]:
    ranges = _ranges(paths, processes)
    if ranges is None or partitions >= NOT_TAKEN:
        return None
    spills = [os.path.join(folder, f"scan-{n}.spill") for n in range(len(ranges))]
    try:
        with ProcessPoolExecutor(max_workers=processes, mp_context=multiprocessing.get_context("fork"),
                                 initializer=die_with_parent, initargs=(os.getpid(),)) as pool:
            futures = [pool.submit(_scan_range, paths[i], a, b, spill) for (i, a, b), spill in zip(ranges, spills)]
            summaries = [_result(future) for future in futures]
            per_file: dict[int, list] = {}
            for (index, _, _), spill, summary in zip(ranges, spills, summaries):
                per_file.setdefault(index, []).append((spill, summary))
            plan, sizes = [], {}
            for index in range(len(paths)):
                parts, offset, last = [], 0, None
                for spill, (lines, ordered, first, final) in per_file.get(index, []):
                    if not ordered or (first is not None and last is not None and first < last):
                        return None        # not in timestamp order: sorted in memory by the serial pass
                    if final is not None:
                        last = final
                    parts.append((spill, offset))
                    offset += lines
                sizes[index] = offset
                plan.append(parts)
            # the join runs in a scan process too: the `_id` set and the union-find live and
            # die there, so the coordinator stays small and the replay workers it forks next
            # inherit none of it; what comes back is one byte per line and the rejections
            return _result(pool.submit(_join_in_child, paths, until, partitions, plan, sizes))
    finally:
        for spill in spills:
            if os.path.exists(spill):
                os.remove(spill)


def _result(future):
    try:
        return future.result()
    except BrokenProcessPool:
        raise EngineError("a scan process of the partitioning pass died") from None
    except OSError as exc:
        raise EngineError(f"the partitioning pass could not read the logs: {exc}") from None
    except Exception as exc:   # a scan process failed: the run fails with its reason, never a traceback
        raise EngineError(f"a scan process of the partitioning pass failed: {type(exc).__name__}: {exc}") from None


def _join_in_child(paths, until, partitions, plan, sizes) -> ScanSplit:
    gc.disable()      # millions of small long-lived containers: see `Runtime.run`
    streams = [_file_stream(index, parts) for index, parts in enumerate(plan)]
    return _join(paths, until, partitions, streams, sizes)


def _join(paths, until, partitions, streams, sizes) -> ScanSplit:
    """The coordinator's serial part, in log order: `--until`, rejections, duplicate ids,
    and the union-find of `LogSplit.run` (the same roots, so the same partitions)."""
    reader = LogReader(paths, until)
    merged = streams[0] if len(streams) == 1 else heapq.merge(*streams, key=lambda item: (item[0], item[1], item[2]))
    seen_ids = reader.seen_ids
    first_of = [array("i", [-1]) * (sizes[i] + 1) for i in range(len(paths))]
    names: dict[str, int] = {}
    parent: list[int] = []

    def find(item: int) -> int:
        return find_root(parent, item)

    records, last_ts = 0, None
    duplicates: dict[int, dict[int, int]] = {}     # file -> line -> its place among the rejections
    for key, index, number, ts, a, b in merged:
        if until is not None and key > until:
            break
        reader.read += 1
        if ts is None:
            reader.reject(index, number, a, b)
            continue
        if not seen_ids.add(a):
            duplicates.setdefault(index, {})[number] = len(reader.rejections)
            reader.reject(index, number, "duplicate id", b"")
            continue
        ids = []
        for identity in b:
            found = names.get(identity)
            if found is None:
                found = names[identity] = len(parent)
                parent.append(-1)
            ids.append(found)
        head = ids[0]
        if parent[head] == -1:
            parent[head] = head
        if len(ids) > 1:
            root = find(head)
            for other in ids[1:]:
                if parent[other] == -1:
                    parent[other] = root
                else:
                    other_root = find(other)
                    if other_root != root:
                        parent[other_root] = root
        first_of[index][number] = head
        records += 1
        last_ts = ts
    _duplicate_texts(reader, duplicates)
    reader.seen_ids = IdSet()   # not needed past the join (and not sent back)
    text = list(names)
    part_of_root: dict[int, int] = {}
    part = bytearray(len(parent))
    for item in range(len(parent)):
        root = find(item)
        value = part_of_root.get(root)
        if value is None:
            value = part_of_root[root] = zlib.crc32(text[root].encode("unicode_escape")) % partitions
        part[item] = value
    line_part = []
    for firsts in first_of:
        row = bytearray([NOT_TAKEN]) * len(firsts)
        for number, head in enumerate(firsts):
            if head >= 0:
                row[number] = part[head]
        line_part.append(row)
    return ScanSplit(list(paths), line_part, records, last_ts, reader)


def _duplicate_texts(reader: LogReader, duplicates: dict[int, dict[int, int]]) -> None:
    """Fill in the text of the rejected duplicates: one more read of the files that have any."""
    for index, wanted in sorted(duplicates.items()):
        with open(reader.paths[index], "rb") as handle:
            for number, raw in enumerate(handle, start=1):
                slot = wanted.get(number)
                if slot is not None:
                    reader.rejections[slot].text = rejection_text(raw)
