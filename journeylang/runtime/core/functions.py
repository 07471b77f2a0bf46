"""The built-in functions of expressions (LANGUAGE.md), as the runtime computes them.

Consumes: runtime values (`values.py`). Produces: `FUNCTIONS`, name -> implementation.
Guarantees: every function is total over data: a wrong type gives null, never an
exception; `sha256` is the one hash of the language (hex of UTF-8).
"""
from __future__ import annotations

import hashlib

from .values import StarList, Timestamp, contains


def _numbers(values):
    if not isinstance(values, list):
        return None
    return [v for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)]


def _sum(values):
    numbers = _numbers(values)
    return sum(numbers) if numbers is not None else None


def _min(values):
    numbers = _numbers(values)
    return min(numbers) if numbers else None


def _max(values):
    numbers = _numbers(values)
    return max(numbers) if numbers else None


def _len(value):
    return len(value) if isinstance(value, (str, list, dict)) else None


def _str_fn(fn):
    return lambda value: fn(value) if isinstance(value, str) else None


def _contains(container, item):
    return contains(container, item)


def _startswith(text, prefix):
    return isinstance(text, str) and isinstance(prefix, str) and text.startswith(prefix)


def _endswith(text, suffix):
    return isinstance(text, str) and isinstance(suffix, str) and text.endswith(suffix)


def _coalesce(*values):
    return next((v for v in values if v is not None), None)


def _round(value, digits=0):
    if isinstance(value, (int, float)) and not isinstance(value, bool) and isinstance(digits, int):
        return round(value, digits)
    return None


def _abs(value):
    return abs(value) if isinstance(value, (int, float)) and not isinstance(value, (bool, Timestamp)) else None


def _sha256(value):
    return hashlib.sha256(value.encode("utf-8")).hexdigest() if isinstance(value, str) else None


FUNCTIONS = {
    "exists": lambda value: value is not None and not (isinstance(value, StarList) and not value),
    "len": _len, "lower": _str_fn(str.lower), "upper": _str_fn(str.upper), "contains": _contains,
    "startswith": _startswith, "endswith": _endswith, "sum": _sum, "min": _min, "max": _max,
    "coalesce": _coalesce, "round": _round, "abs": _abs, "sha256": _sha256,
}
