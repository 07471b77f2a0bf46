"""Durations, timestamps and clock times: parsing and canonical formatting.

Consumes: literal text from the source (`1h30m`, `2026-11-23T09:00:00Z`, `09:00`) or
from log records. Produces: integers (milliseconds; epoch milliseconds UTC; minutes).
Guarantees: pure functions, no wall clock; `format_timestamp` is the one RFC 3339
rendering used by every output (UTC, `Z`, fraction only when non-zero).
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

UNIT_MS = {"ms": 1, "s": 1000, "m": 60_000, "h": 3_600_000, "d": 86_400_000, "w": 604_800_000}
_DURATION_PART = re.compile(r"(\d+)(ms|s|m|h|d|w)", re.ASCII)
_TIMESTAMP = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?([Zz]|[+-]\d{2}:\d{2})$", re.ASCII)
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
MAX_DURATION_MS = 36_500 * 86_400_000


def parse_duration(text: str) -> int:
    """`1h30m` -> 5400000. Raises ValueError on anything else."""
    pos, total = 0, 0
    for match in _DURATION_PART.finditer(text):
        if match.start() != pos:
            raise ValueError(f"invalid duration {text!r}")
        total += int(match.group(1)) * UNIT_MS[match.group(2)]
        pos = match.end()
    if pos != len(text) or pos == 0:
        raise ValueError(f"invalid duration {text!r}")
    if total > MAX_DURATION_MS:
        raise ValueError(f"duration {text!r} is longer than 100 years")
    return total


def format_duration(ms: int) -> str:
    """Canonical duration text: largest units first, e.g. 5400000 -> `1h30m`."""
    if ms == 0:
        return "0s"
    parts = []
    for unit in ("w", "d", "h", "m", "s", "ms"):
        size = UNIT_MS[unit]
        if unit == "w" and ms % size:
            continue  # prefer 10d over 1w3d
        count, ms = divmod(ms, size)
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts)


_MS = timedelta(milliseconds=1)


def _fast_utc(text: str):
    """`YYYY-MM-DDTHH:MM:SSZ`, the form logs use almost always, parsed by the C
    `datetime.fromisoformat` (ASCII only; it checks the digits and the calendar); None
    when the text has another form or is invalid (the general parser decides)."""
    if len(text) != 20 or text[19] != "Z" or text[10] != "T" or text[4] != "-" or text[7] != "-" \
            or text[13] != ":" or text[16] != ":" or not text.isascii():
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return (moment - _EPOCH) // _MS


def parse_timestamp(text: str) -> int:
    """RFC 3339 with `Z` or an offset -> epoch milliseconds. Raises ValueError otherwise
    (naive timestamps, impossible dates)."""
    fast = _fast_utc(text)
    if fast is not None:
        return fast
    match = _TIMESTAMP.match(text)
    if not match:
        raise ValueError(f"not an RFC 3339 timestamp with a zone: {text!r}")
    year, month, day, hour, minute = (int(match.group(i)) for i in range(1, 6))
    second = int(match.group(6) or 0)
    fraction = match.group(7) or ""
    micro = int((fraction + "000000")[:6]) if fraction else 0
    zone = match.group(8)
    if zone in ("Z", "z"):
        tz = timezone.utc
    else:
        sign = 1 if zone[0] == "+" else -1
        hours, minutes = int(zone[1:3]), int(zone[4:6])
        if hours > 23 or minutes > 59:
            raise ValueError(f"invalid zone offset in {text!r}")
        tz = timezone(sign * timedelta(hours=hours, minutes=minutes))
    if second == 60:
        second = 59  # a leap second is taken as the last second of its minute
    try:
        moment = datetime(year, month, day, hour, minute, second, micro, tzinfo=tz)
    except ValueError as exc:
        raise ValueError(f"invalid timestamp {text!r}: {exc}") from None
    delta = moment - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1000 + delta.microseconds // 1000


_FORMATTED: dict[int, str] = {}
_DATES: dict[int, str] = {}


def format_timestamp(ms: int) -> str:
    """Epoch milliseconds -> `2026-11-20T10:30:00Z` (`.250Z` only when the fraction is non-zero)."""
    text = _FORMATTED.get(ms)
    if text is None:
        if len(_FORMATTED) >= 16_384:   # the lines of one step share their instant: a small cache serves them
            _FORMATTED.clear()
        text = _FORMATTED[ms] = _format_timestamp(int(ms))
    return text


def _format_timestamp(ms: int) -> str:
    if ms >= 0 and ms % 1000 == 0:
        days, rest = divmod(ms // 1000, 86_400)
        date = _DATES.get(days)
        if date is None:
            date = _DATES[days] = (_EPOCH + timedelta(days=days)).strftime("%Y-%m-%d")
        hours, rest = divmod(rest, 3600)
        minutes, seconds = divmod(rest, 60)
        return f"{date}T{hours:02d}:{minutes:02d}:{seconds:02d}Z"
    moment = _EPOCH + timedelta(milliseconds=ms)
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    fraction = ms % 1000
    return f"{text}.{fraction:03d}Z" if fraction else text + "Z"


def parse_clock(text: str) -> int:
    """`09:30` -> 570 minutes after midnight. Raises ValueError outside 00:00..23:59."""
    hours, minutes = text.split(":")
    h, m = int(hours), int(minutes)
    if not (0 <= h <= 23 and 0 <= m <= 59):
        raise ValueError(f"invalid clock time {text!r}")
    return h * 60 + m
