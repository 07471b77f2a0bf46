"""Runtime values: events, timestamps, durations, and the null-safe operators on them.

Consumes: JSON values from log records and literals from the AST.
Produces: `Event` (one history entry), `Timestamp` and `Duration` (int subclasses in
epoch milliseconds / milliseconds, so they sort and hash as ints), and the operator
functions the evaluator calls.
Guarantees: a missing field is None; any ordering comparison with None (or between
incomparable types) is False; arithmetic with None is None; no operator raises.
"""
from __future__ import annotations

from ...syntax.literals import format_duration, format_timestamp, parse_timestamp


class Timestamp(int):
    __slots__ = ()

    def __repr__(self) -> str:
        return format_timestamp(int(self))

    __str__ = __repr__


class Duration(int):
    __slots__ = ()

    def __repr__(self) -> str:
        return format_duration(int(self))

    __str__ = __repr__


class Event:
    """One experience event in a profile's history."""
    __slots__ = ("ts", "seq", "type", "dataset", "data")

    def __init__(self, ts: int, seq: int, type_: str, dataset, data: dict) -> None:
        self.ts, self.seq, self.type, self.dataset, self.data = ts, seq, type_, dataset, data

    def field(self, name: str):
        if name == "timestamp":
            return Timestamp(self.ts)
        return self.data.get(name)


class StarList(list):
    """The result of `x[*]`: later path steps map over its elements."""
    __slots__ = ()


def get_attr(value, name: str):
    if isinstance(value, dict):
        return value.get(name)
    if isinstance(value, Event):
        return value.field(name)
    if isinstance(value, StarList):
        return StarList(get_attr(item, name) for item in value)
    return None


def get_index(value, index):
    if isinstance(value, StarList):
        return StarList(get_index(item, index) for item in value)
    if isinstance(value, list) and isinstance(index, int) and not isinstance(index, bool):
        if -len(value) <= index < len(value):
            return value[index]
        return None
    if isinstance(value, dict) and isinstance(index, str):
        return value.get(index)
    if isinstance(value, Event) and isinstance(index, str):
        return value.field(index)
    return None


def star(value):
    if isinstance(value, StarList):
        flat = StarList()
        for item in value:
            if isinstance(item, list):
                flat.extend(item)
        return flat
    return StarList(value) if isinstance(value, list) else None


def as_timestamp(value):
    if isinstance(value, Timestamp):
        return value
    if isinstance(value, str):
        try:
            return Timestamp(parse_timestamp(value))
        except ValueError:
            return None
    return None


def coerce_pair(a, b):
    """Make a timestamp comparable with a timestamp string from a record."""
    if isinstance(a, Timestamp) and isinstance(b, str):
        return a, as_timestamp(b)
    if isinstance(b, Timestamp) and isinstance(a, str):
        return as_timestamp(a), b
    return a, b


def equals(a, b) -> bool:
    a, b = coerce_pair(a, b)
    if isinstance(a, bool) != isinstance(b, bool):
        return False
    return a == b


def compare(op: str, a, b) -> bool:
    if op == "==":
        return equals(a, b)
    if op == "!=":
        return not equals(a, b)
    a, b = coerce_pair(a, b)
    if a is None or b is None or isinstance(a, bool) or isinstance(b, bool):
        return False
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        if isinstance(a, Timestamp) != isinstance(b, Timestamp):
            return False
    elif type(a) is not type(b) and not (isinstance(a, str) and isinstance(b, str)):
        return False
    try:
        if op == "<":
            return a < b
        if op == "<=":
            return a <= b
        if op == ">":
            return a > b
        if op == ">=":
            return a >= b
    except TypeError:
        return False
    return False


def contains(container, item) -> bool:
    if container is None:
        return False
    if isinstance(container, str):
        return isinstance(item, str) and item in container
    if isinstance(container, (list, tuple)):
        return any(equals(item, element) for element in container)
    if isinstance(container, dict):
        return isinstance(item, str) and item in container
    return False


def _number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def arithmetic(op: str, a, b):
    if a is None or b is None:
        return None
    a, b = coerce_pair(a, b) if isinstance(a, Timestamp) or isinstance(b, Timestamp) else (a, b)
    if a is None or b is None:
        return None
    ta, tb = type(a), type(b)
    if op == "+":
        if ta is Timestamp and tb is Duration or ta is Duration and tb is Timestamp:
            return Timestamp(int(a) + int(b))
        if ta is Duration and tb is Duration:
            return Duration(int(a) + int(b))
        if isinstance(a, str) and isinstance(b, str):
            return a + b
        if isinstance(a, list) and isinstance(b, list):
            return a + b
    elif op == "-":
        if ta is Timestamp and tb is Timestamp:
            return Duration(int(a) - int(b))
        if ta is Timestamp and tb is Duration:
            return Timestamp(int(a) - int(b))
        if ta is Duration and tb is Duration:
            return Duration(int(a) - int(b))
    if ta in (Timestamp, Duration) or tb in (Timestamp, Duration):
        if op == "*" and ta is Duration and _number(b) and tb is not Timestamp:
            return Duration(int(a * b))
        return None
    if not (_number(a) and _number(b)):
        return None
    try:
        if op == "+":
            return a + b
        if op == "-":
            return a - b
        if op == "*":
            return a * b
        if op == "/":
            return a / b if b != 0 else None
        if op == "%":
            return a % b if b != 0 else None
    except (OverflowError, ValueError):
        return None
    return None


def truthy(value) -> bool:
    if isinstance(value, (StarList, list, dict, str)):
        return len(value) > 0
    return bool(value)


def to_json_value(value):
    """Values as they appear in outputs (trace details, report)."""
    if isinstance(value, Timestamp):
        return format_timestamp(int(value))
    if isinstance(value, Duration):
        return format_duration(int(value))
    if isinstance(value, Event):
        return {"eventType": value.type, "timestamp": format_timestamp(value.ts)}
    if isinstance(value, (list, tuple)):
        return [to_json_value(v) for v in value]
    return value
