"""The partitioning pass: read the log once, join identities, spill records to disk.

Consumes: a `LogReader` (which validates, orders and rejects lines, and keeps the exact
`_id` set). Produces: one spill file of the accepted records in log order, each line
`IDENTITY<TAB>TS<TAB>FILE<TAB>LINE<TAB>RAW` (IDENTITY is the record's first identity,
`unicode_escape`-encoded), and, once the whole log is read, `partition_of`: identity -> partition.
Guarantees: every identity a record carries lands in the same identity component
(union-find over all records), and a component is one partition, so no profile merge ever
spans partitions; the pass streams (memory grows with the number of identities, not with
the log's length); the assignment depends only on the log, never on timing.
"""
from __future__ import annotations

import os
import zlib
from typing import Callable, Optional

from ..services.eventlog import LogReader
from ..services.identity import find_root


class LogSplit:
    def __init__(self, reader: LogReader, folder: str, buffer_bytes: int = 1 << 20) -> None:
        self.reader = reader
        self.path = os.path.join(folder, "records.spill")
        self.buffer_bytes = buffer_bytes
        self.parent: dict[bytes, bytes] = {}
        self.records = 0
        self.last_ts: Optional[int] = None

    def _find(self, item: bytes) -> bytes:
        return find_root(self.parent, item)

    def run(self, progress: Optional[Callable[[int], None]] = None) -> None:
        parent, find = self.parent, self._find
        with open(self.path, "wb", buffering=self.buffer_bytes) as out:
            write = out.write
            for record, raw in self.reader.with_lines():
                # `unicode_escape` bytes: no tab or newline inside, and sized to the text
                # (orjson's output keeps a 4 KB buffer per object: 0.9 GB at 200k identities)
                keys = [identity.encode("unicode_escape") for identity in record.identities]
                first = keys[0]
                if first not in parent:
                    parent[first] = first
                if len(keys) > 1:
                    root = find(first)
                    for key in keys[1:]:
                        if key not in parent:
                            parent[key] = root
                        else:
                            other = find(key)
                            if other != root:   # the older root stays: deterministic by log order
                                parent[other] = root
                write(b"%s\t%d\t%d\t%d\t%s" % (first, record.ts, record.file_index, record.line,
                                               raw if raw.endswith(b"\n") else raw + b"\n"))
                self.records += 1
                self.last_ts = record.ts
                if progress is not None and self.records % 50_000 == 0:
                    progress(self.records)

    def partition_of(self, partitions: int) -> dict[bytes, int]:
        """identity (escaped bytes) -> partition: a hash of the component's root identity."""
        roots: dict[bytes, int] = {}
        result = {}
        for identity in self.parent:
            root = self._find(identity)
            part = roots.get(root)
            if part is None:
                part = roots[root] = zlib.crc32(root) % partitions
            result[identity] = part
        return result
