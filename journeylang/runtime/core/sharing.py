"""Shared immutable subtrees: one copy of a small JSON object that many profiles hold.

Consumes: JSON objects (dicts) built for a profile's attributes (`state.deep_merge`), and
the projected data of stored events (`projection.py`). Produces: `shared(d)` -> `d`
itself, or an equal object built earlier that is kept in a process-wide table (`{"val": "y"}` of a consent, a loyalty tier, a
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
`MAX_SHARED_TEXT` (addresses, ids) are not shared. `shared_text` does the same for the
short strings of attribute values (`"Europe/Berlin"` once, not once per profile).

`shared_data(d)` does the same for a stored event's projected data, keyed by its exact
JSON bytes (one C call; equal bytes mean equal keys, key order and value types: `1`,
`1.0` and `true` encode differently). Most stored events project to a few distinct values
(`{}` for a pattern that reads no field, `{"productListItems": [{"category": ...}]}`): at
100,000 profiles this keeps about 150 MB of history data as a few thousand objects. A value
is kept on its second sighting (a unique cart id is not held after its event is pruned);
the table stops growing at `MAX_SHARED_DATA` values; larger projections are not shared.
"""
from __future__ import annotations

import orjson

MAX_SHARED = 8192
MAX_SHARED_TEXT = 24
MAX_SHARED_DATA = 16384
MAX_SHARED_DATA_BYTES = 256

_BY_KEY: dict[tuple, dict] = {}
_BY_ID: dict[int, dict] = {}     # id -> the shared object: shared objects live as long as the table
_LEAF_TYPES = (str, int, bool, type(None))
_TEXT: dict[str, str] = {}
_DATA: dict[bytes, dict] = {}
_SEEN_ONCE: set[bytes] = set()   # admitted to `_DATA` on a second sighting only


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


def shared_text(text: str) -> str:
    """One string object for an attribute's short text value (a time zone, a tier)."""
    found = _TEXT.get(text)
    if found is not None:
        return found
    if len(_TEXT) < MAX_SHARED and len(text) <= MAX_SHARED_TEXT:
        _TEXT[text] = text
    return text


def shared_data(d: dict) -> dict:
    """An equal shared object for a stored event's projected data, or `d` itself."""
    try:
        key = orjson.dumps(d)
    except orjson.JSONEncodeError:   # e.g. an integer beyond 64 bits: kept as it is
        return d
    found = _DATA.get(key)
    if found is not None:
        return found
    if len(_DATA) < MAX_SHARED_DATA and len(key) <= MAX_SHARED_DATA_BYTES:
        key = memoryview(key).tobytes()   # orjson's buffer keeps its spare capacity: copy it
        if key in _SEEN_ONCE:
            _SEEN_ONCE.discard(key)
            _DATA[key] = d
        else:
            if len(_SEEN_ONCE) >= MAX_SHARED_DATA:
                _SEEN_ONCE.clear()
            _SEEN_ONCE.add(key)
    return d
