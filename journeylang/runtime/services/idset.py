"""The set of record `_id`s seen so far, kept compact: 128-bit fingerprints in flat arrays.

Consumes: record `_id` strings, in log order. Produces: `IdSet.add(id) -> bool` (False:
the id was seen before: the record is a duplicate).
Guarantees: deterministic (BLAKE2b fingerprints, no per-process hash salt), and exact up
to a collision of two different ids' 127-bit fingerprints — about 10^-18 for ten billion
records — at 16 bytes per table slot: with the table kept between 35% and 70% full, 23 to
46 bytes per distinct id (a Python `set` of the id strings takes about 100 for the short
ids of the bundled generator and 130 for UUIDs). Memory grows with the number of distinct
ids, which is the one structure of a replay that grows with the log's length.
"""
from __future__ import annotations

from array import array
from hashlib import blake2b

_MAX_LOAD = 0.7
_LOW64 = (1 << 64) - 1


class IdSet:
    __slots__ = ("_high", "_low", "_mask", "_count", "_limit")

    def __init__(self, capacity: int = 1 << 12) -> None:
        size = 1
        while size < capacity:
            size <<= 1
        self._allocate(size)
        self._count = 0

    def _allocate(self, size: int) -> None:
        self._high = array("Q", bytes(8 * size))   # 0 marks an empty slot
        self._low = array("Q", bytes(8 * size))
        self._mask = size - 1
        self._limit = int(size * _MAX_LOAD)

    def __len__(self) -> int:
        return self._count

    def nbytes(self) -> int:
        return 2 * 8 * (self._mask + 1)

    def add(self, record_id: str) -> bool:
        """Add the id; True when it is new, False when it was already there."""
        value = int.from_bytes(blake2b(record_id.encode("utf-8", "surrogatepass"), digest_size=16).digest(), "little")
        high = (value & _LOW64) | 1
        low = value >> 64
        table, lows, mask = self._high, self._low, self._mask
        slot = high & mask
        while True:
            found = table[slot]
            if found == 0:
                break
            if found == high and lows[slot] == low:
                return False
            slot = (slot + 1) & mask
        table[slot] = high
        lows[slot] = low
        self._count += 1
        if self._count > self._limit:
            self._grow()
        return True

    def _grow(self) -> None:
        old_high, old_low = self._high, self._low
        self._allocate(2 * (self._mask + 1))
        table, lows, mask = self._high, self._low, self._mask
        for high, low in zip(old_high, old_low):
            if high:
                slot = high & mask
                while table[slot]:
                    slot = (slot + 1) & mask
                table[slot] = high
                lows[slot] = low
