"""The total order of a replay's output lines, and the sink a partition writes them to.

Consumes: the driver's step announcements (`begin_step` for a record or a profile's timer,
`begin_read_step` for one member of a scheduled read) and its output records.
Produces: per-partition JSONL files whose every line is `KEY<TAB>JSON`, where KEY is a
string whose byte order is the order the single-process replay writes lines in.
Guarantees: KEY depends only on the step that wrote the line and the line's place within
that step, never on how profiles were split, so a k-way merge of the partitions' files by
KEY gives exactly the single-process bytes (docs/runtime.md, "Order").

A step key is (instant, phase, ...): phase 0 a record (file index, line number), phase 1 a
scheduled read (journey index, member profile id), phase 2 a profile's timer (owner profile
id, the owner's timer count). Integers are fixed-width hex; profile ids are the hex of their
UTF-8 bytes followed by `!` (below every hex digit), so a shorter id that is a prefix of a
longer one sorts first, as Python compares strings.
"""
from __future__ import annotations

import os

import orjson

from ..services.outputs import FILES

_OFFSET = 1 << 62            # instants may precede 1970: keep the hex non-negative
_DUMPS = orjson.dumps


def id_key(profile_id: str) -> str:
    return profile_id.encode("utf-8").hex() + "!"


def step_key(ts: int, phase: int, a, b) -> str:
    if phase == 0:
        return f"{ts + _OFFSET:016x}0{a:04x}{b:010x}"
    return f"{ts + _OFFSET:016x}{phase}{id_key(a)}{b:010x}"


def read_step_key(ts: int, journey_index: int, profile_id: str) -> str:
    return f"{ts + _OFFSET:016x}1{journey_index:04x}{id_key(profile_id)}"


class KeyedSink:
    """An `OutputSink` for one partition: each line carries its order key."""

    keyed = True

    def __init__(self, folder: str, buffer_bytes: int = 1 << 20) -> None:
        os.makedirs(folder, exist_ok=True)
        self.folder = folder
        self.handles = {name: open(os.path.join(folder, f"{name}.jsonl"), "wb", buffering=buffer_bytes)
                        for name in FILES if name != "rejected"}
        self.prefix = ""
        self.count = 0          # lines and dedup queries so far in this step

    def begin_step(self, ts: int, phase: int, a, b) -> None:
        self.prefix = step_key(ts, phase, a, b)
        self.count = 0

    def begin_read_step(self, ts: int, journey_index: int, profile_id: str) -> None:
        self.prefix = read_step_key(ts, journey_index, profile_id)
        self.count = 0

    def next_key(self) -> str:
        """The order key of the next line or dedup query of the current step."""
        self.count += 1
        return f"{self.prefix}{self.count:06x}"

    def write(self, name: str, record: dict) -> None:
        self.count += 1
        self.handles[name].write(f"{self.prefix}{self.count:06x}\t".encode() + _DUMPS(record) + b"\n")

    def close(self, report=None) -> None:
        for handle in self.handles.values():
            handle.close()


def merge_keyed(sources: list[str], target: str) -> None:
    """Merge sorted `KEY<TAB>JSON` files into `target` in key order, keys dropped."""
    import heapq
    handles = [open(path, "rb") for path in sources if os.path.exists(path)]
    try:
        with open(target, "wb", buffering=1 << 20) as out:
            write = out.write
            if len(handles) == 1:
                for line in handles[0]:
                    write(line[line.index(b"\t") + 1:])
            else:
                for line in heapq.merge(*handles):
                    write(line[line.index(b"\t") + 1:])
    finally:
        for handle in handles:
            handle.close()
