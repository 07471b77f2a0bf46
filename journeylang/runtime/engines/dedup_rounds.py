"""Exact `dedup by` across partitions: optimistic rounds that reach the single-process answer.

Consumes: each partition's dedup queries — (order key, journey, key, instant, within,
read id, admitted) — recorded while it replays with only its own admissions in view.
Produces: `RecordingDedup` (the registry a partition replays with, optionally seeded with
the other partitions' admissions) and `inconsistent(...)`, the partitions whose answers
differ from the answers one registry would give taking every query in global order.
Guarantees: a query's answer depends only on admissions ordered before it (their order
keys, `order.py`). So if the first query answered wrongly anywhere sits at position p,
every query before p is right; replaying the partitions that were wrong, seeded with the
other partitions' admissions, answers p correctly and keeps everything before it: the
first wrong position only moves later, and the rounds end (docs/runtime.md, "Dedup").
"""
from __future__ import annotations

from bisect import bisect_left
from typing import Iterable, Optional

from ..services.dedup import DedupRegistry

Query = tuple  # (order key, journey, key, now, within, read_id, admitted)


def _slot(key: str, within: Optional[int], read_id: Optional[str]) -> str:
    return f"{read_id}|{key}" if within is None and read_id else key


class ForeignAdmissions:
    """Admissions made in other partitions: per (journey, slot), order keys and instants."""

    def __init__(self, queries: Iterable[Query]) -> None:
        table: dict[tuple[str, str], list[tuple[str, int]]] = {}
        for order, journey, key, now, within, read_id, admitted in queries:
            if admitted:
                table.setdefault((journey, _slot(key, within, read_id)), []).append((order, now))
        for entries in table.values():
            entries.sort()
        self.table = table

    def seen(self, order: str, journey: str, key: str, now: int, within: Optional[int],
             read_id: Optional[str]) -> bool:
        entries = self.table.get((journey, _slot(key, within, read_id)))
        if not entries:
            return False
        before = bisect_left(entries, (order, -(1 << 63)))
        if within is None:
            return before > 0
        return any(at > now - within for _, at in entries[:before])


class RecordingDedup(DedupRegistry):
    """A partition's registry: its own admissions, the others' (when seeded), and a record
    of every question asked, in order."""

    def __init__(self, sink, foreign: Optional[ForeignAdmissions] = None) -> None:
        super().__init__()
        self.sink = sink
        self.foreign = foreign
        self.queries: list[Query] = []

    def seen(self, journey: str, key: str, now: int, within: Optional[int], read_id: Optional[str]) -> bool:
        order = self.sink.next_key()
        found = super().seen(journey, key, now, within, read_id) or (
            self.foreign is not None and self.foreign.seen(order, journey, key, now, within, read_id))
        self.queries.append((order, journey, key, now, within, read_id, not found))
        return found


def inconsistent(queries_by_partition: dict[int, list[Query]]) -> list[int]:
    """The partitions some of whose answers differ from one registry's in global order."""
    return first_wrong(queries_by_partition)[1]


def first_wrong(queries_by_partition: dict[int, list[Query]]) -> tuple[Optional[str], list[int]]:
    """(the order key of the first wrong answer, the partitions with a wrong answer)."""
    merged = sorted((query, partition) for partition, queries in queries_by_partition.items()
                    for query in queries)
    registry = DedupRegistry()
    wrong: set[int] = set()
    first = None
    for (order, journey, key, now, within, read_id, admitted), partition in merged:
        expected = not registry.seen(journey, key, now, within, read_id)
        if expected:
            registry.admit(journey, key, now, within, read_id)
        if expected != admitted:
            wrong.add(partition)
            first = order if first is None else first
    return first, sorted(wrong)


def admissions_outside(queries_by_partition: dict[int, list[Query]], partition: int) -> ForeignAdmissions:
    return ForeignAdmissions(q for p, queries in queries_by_partition.items() if p != partition for q in queries)
