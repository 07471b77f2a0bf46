"""Shared immutable subtrees: one copy of a small JSON object that many profiles hold.

Consumes: JSON objects (dicts) built for a profile's attributes (`state.deep_merge`;
stored events' projected data is not shared: most of it is unique per event, and the
table lookups cost more than they saved). Produces: `shared(d)` -> `d` itself, or an equal object built earlier
that is kept in a process-wide table (`{"val": "y"}` of a consent, a loyalty tier, a
product category): at 100,000 profiles most of the nested objects of the profiles'
attributes are one of a few dozen values, each a 184-byte dict per profile otherwise.
Guarantees: a shared object is equal to the one given in keys, key order and the exact
type of every value (`1`, `1.0` and `True` are never shared for one another; objects
holding floats or lists are not shared at all), so no output can tell which one a
profile holds. Shared objects are never mutated: every writer of nested profile state
copies on write (`state.deep_merge`, `interpreter._set_path`), and readers (conditions,
templates through the data-only sandbox) cannot mutate. The table is a pure memory
saving: its contents depend on which profiles a process saw first, never what any
output says, so partitioned replays still write the same bytes. It stops growing at
`MAX_SHARED` objects (common values are seen early); strings longer than
`MAX_SHARED_TEXT` (addresses, ids) are not shared.
"""
from __future__ import annotations

MAX_SHARED = 8192
MAX_SHARED_TEXT = 24

_BY_KEY: dict[tuple, dict] = {}
_BY_ID: dict[int, dict] = {}     # id -> the shared object: shared objects live as long as the table
_LEAF_TYPES = (str, int, bool, type(None))


def shared(d: dict) -> dict:
    """An equal shared object, or `d` when it cannot or need not be shared."""
    key = []
    for name, value in d.items():
        kind = type(value)
        if kind is str:
            if len(value) > MAX_SHARED_TEXT:
                return d
            key.append((name, kind, value))
        elif kind is dict:
            if _BY_ID.get(id(value)) is not value:
                return d    # only objects made of shared objects are shared
            key.append((name, kind, id(value)))
        elif kind in _LEAF_TYPES:
            key.append((name, kind, value))
        else:
            return d
    key = tuple(key)
    found = _BY_KEY.get(key)
    if found is not None:
        return found
    if len(_BY_KEY) < MAX_SHARED:
        _BY_KEY[key] = d
        _BY_ID[id(d)] = d
    return d
