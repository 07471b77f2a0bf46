"""The compact `_id` set: duplicates found across table growth, nothing else refused."""
from __future__ import annotations

import uuid
import random

from journeylang.runtime.services.idset import IdSet


def test_every_duplicate_is_found_and_no_new_id_is_refused():
    rng = random.Random(5)
    ids = [str(uuid.UUID(int=rng.getrandbits(128))) for _ in range(20_000)] + [f"r{i}" for i in range(20_000)]
    seen = IdSet(capacity=8)          # grows many times on the way
    assert all(seen.add(i) for i in ids)
    assert len(seen) == len(ids)
    order = list(ids)
    rng.shuffle(order)
    assert not any(seen.add(i) for i in order)
    assert len(seen) == len(ids)


def test_ids_that_differ_only_slightly_or_in_unicode_are_distinct():
    seen = IdSet()
    for text in ("a", "A", "a ", "é", "e\u0301", "\udcff", "", "0" * 5000, "0" * 4999):
        assert seen.add(text), text
    assert not seen.add("e\u0301")


def test_its_size_per_id_stays_within_bounds():
    seen = IdSet()
    for i in range(100_000):
        seen.add(f"id-{i}")
    assert 23 <= seen.nbytes() / len(seen) <= 46
