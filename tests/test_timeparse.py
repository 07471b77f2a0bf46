"""Timestamps, durations and clock times: the fast paths agree with the general ones."""
import random
from datetime import datetime, timedelta, timezone

import pytest

from journeylang.syntax import literals as T

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def test_fast_utc_parse_and_format_agree_with_datetime():
    rng = random.Random(7)
    for _ in range(20_000):
        ms = rng.randrange(0, 4 * 10**12) // 1000 * 1000
        text = (EPOCH + timedelta(milliseconds=ms)).strftime("%Y-%m-%dT%H:%M:%SZ")
        assert T.parse_timestamp(text) == ms
        assert T.format_timestamp(ms) == text


@pytest.mark.parametrize("text, expected", [
    ("2024-02-29T12:00:00Z", 1709208000000),
    ("2026-11-20T10:00:00+01:00", 1795165200000),
    ("2026-11-20T09:00:00.250Z", 1795165200250),
    ("1969-12-31T23:59:59Z", -1000),
])
def test_parse_timestamp(text, expected):
    assert T.parse_timestamp(text) == expected


@pytest.mark.parametrize("text", ["2026-02-29T00:00:00Z", "2026-13-01T00:00:00Z", "2026-04-31T00:00:00Z",
                                  "2026-01-01T24:00:00Z", "2026-01-01 00:00:00Z", "2026-01-01T00:00:00",
                                  "２０２６-01-01T00:00:00Z"])
def test_impossible_or_naive_timestamps_are_rejected(text):
    with pytest.raises(ValueError):
        T.parse_timestamp(text)


def test_format_fraction_only_when_non_zero():
    assert T.format_timestamp(1795165200250) == "2026-11-20T09:00:00.250Z"
    assert T.format_timestamp(1795165200000) == "2026-11-20T09:00:00Z"


@pytest.mark.parametrize("text, ms", [("30m", 1_800_000), ("1h30m", 5_400_000), ("100ms", 100), ("2w", 1_209_600_000)])
def test_durations_round_trip(text, ms):
    assert T.parse_duration(text) == ms
    assert T.parse_duration(T.format_duration(ms)) == ms
