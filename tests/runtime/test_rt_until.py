"""`--until` versus draining: what fires after the last record."""
from __future__ import annotations

import pytest
from harness import ev, message, pid, prof, run, t

AL = pid("al")

SOURCE = message("later") + message("read") + """
segment everyone { evaluation batch  exists(profile.personalEmail.address) }
journey waiter {
  entry event app.go
  reentry always
  wait 2d
  send email later
}
journey reader {
  entry read audience everyone at 2026-10-11T09:00:00Z every 1d
  reentry always
  send email read
}
segment recent { has event app.go within 1d }
"""
RECORDS = [prof("al"), ev("al", t(10, "10:00"), "app.go")]


def test_drain_runs_waits_and_timeouts_but_no_reads_after_the_last_record():
    result = run(SOURCE, RECORDS)
    assert result.sends() == [(t(12, "10:00"), "waiter", AL, "email", "later", "sent")]
    assert result.changes() == [(t(10, "10:00"), "recent", AL, "entered"), (t(11, "10:00"), "recent", AL, "exited")]
    assert result.report["end"] == t(12, "10:00")


def test_drain_fires_reads_up_to_the_last_record():
    result = run(SOURCE, RECORDS + [ev("al", t(12, "09:00"), "app.tick")])
    assert [(a["time"], a["message"]) for a in result.actions] == [
        (t(11, "09:00"), "read"), (t(12, "09:00"), "read"), (t(12, "10:00"), "later")]


@pytest.mark.parametrize("until, expected", [
    (t(10, "10:00"), []),
    (t(11, "08:59:59.999"), []),
    (t(11, "09:00"), [(t(11, "09:00"), "read")]),                        # timers due at T fire
    (t(12, "10:00"), [(t(11, "09:00"), "read"), (t(12, "09:00"), "read"), (t(12, "10:00"), "later")]),
    (t(14, "00:00"), [(t(11, "09:00"), "read"), (t(12, "09:00"), "read"), (t(12, "10:00"), "later"),
                      (t(13, "09:00"), "read")]),                       # reads fire after the log with --until
])
def test_until(until, expected):
    result = run(SOURCE, RECORDS, until=until)
    assert [(a["time"], a["message"]) for a in result.actions] == expected
    assert result.report["end"] == until


def test_until_stops_records_after_it():
    records = RECORDS + [ev("al", t(10, "12:00"), "app.go", _id="late")]
    result = run(SOURCE, records, until=t(10, "11:00"))
    assert result.report["records"]["processed"] == 2
    assert result.entries("waiter") == [(t(10, "10:00"), AL)]
    assert result.report["segments"]["recent"]["members"] == 1


def test_until_keeps_read_equal_to_processed_plus_rejected():
    records = RECORDS + [ev("al", t(10, "12:00"), "app.go", _id="late"), ev("al", t(10, "13:00"), "app.go")]
    result = run(SOURCE, records, until=t(10, "11:00"))
    counts = result.report["records"]
    assert counts["read"] == counts["processed"] + counts["rejected"]
