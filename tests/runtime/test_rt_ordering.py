"""Records before timers at one instant; timers at one instant in creation order."""
from __future__ import annotations

import pytest
from harness import ev, message, pid, prof, run, t

AL, BO = pid("al"), pid("bo")

WAIT_FOR = message("thanks") + message("reminder") + """
journey verify {
  entry event app.signup
  reentry never
  wait for event app.verify within 1h {
    on event { send email thanks }
    on timeout { send email reminder }
  }
}
"""


@pytest.mark.parametrize("verify_at, expected", [
    (t(10, "10:00"), (t(10, "10:00"), "thanks")),          # same instant as entry, later line
    (t(10, "10:59:59.999"), (t(10, "10:59:59.999"), "thanks")),
    (t(10, "11:00"), (t(10, "11:00"), "thanks")),          # at the deadline: the record goes first
    (t(10, "11:00:00.001"), (t(10, "11:00"), "reminder")),
])
def test_wait_for_event_boundary(verify_at, expected):
    records = [prof("al"), ev("al", t(10, "10:00"), "app.signup"), ev("al", verify_at, "app.verify")]
    result = run(WAIT_FOR, records)
    assert [(a["time"], a["message"]) for a in result.actions] == [expected]


def test_event_before_the_wait_starts_does_not_resume_it():
    records = [prof("al"), ev("al", t(10, "10:00"), "app.verify"), ev("al", t(10, "10:00"), "app.signup")]
    result = run(WAIT_FOR, records)
    assert [(a["time"], a["message"]) for a in result.actions] == [(t(10, "11:00"), "reminder")]


def test_record_at_a_timer_instant_is_processed_before_the_timer():
    source = message("yes") + message("no") + """
journey j {
  entry event app.start
  reentry never
  wait 1h
  if has event app.x within 1m { send email yes } else { send email no }
}
"""
    records = [prof("al"), prof("bo"), ev("al", t(10, "10:00"), "app.start"),
               ev("bo", t(10, "10:00"), "app.start"), ev("al", t(10, "11:00"), "app.x"),
               ev("bo", t(10, "11:00:00.001"), "app.x")]
    result = run(source, records)
    assert result.sends() == [(t(10, "11:00"), "j", AL, "email", "yes", "sent"),
                              (t(10, "11:00"), "j", BO, "email", "no", "sent")]


TIMERS = message("a") + message("b") + """
journey j {
  entry event app.start
  reentry never
  wait until 2026-10-10T12:00:00Z
  send email a
}
journey k {
  entry event app.go
  reentry never
  wait 1h
  send email b
}
"""


@pytest.mark.parametrize("first, second", [("al", "bo"), ("bo", "al")])
def test_timers_due_at_one_instant_fire_in_creation_order_within_a_profile(first, second):
    """Creation order is per profile; across profiles, timers due at one instant fire in
    profile-id order, whichever was created first (no partitioning can change that)."""
    records = [prof("al"), prof("bo"), ev(first, t(10, "10:00"), "app.start"),
               ev(second, t(10, "10:30"), "app.start"),
               ev(second, t(10, "11:00"), "app.go")]  # k's wait of 1h also ends at 12:00, created last
    result = run(TIMERS, records)
    expected = {first: [("j", "a")], second: [("j", "a"), ("k", "b")]}
    assert result.sends() == [(t(10, "12:00"), journey, pid(who), "email", message, "sent")
                              for who in sorted((first, second), key=pid) for journey, message in expected[who]]


def test_per_record_steps_order_exit_resume_then_entries_by_name():
    # one event: b_exit's exit criterion, then a_wait's resume, then entries of c_enter and d_enter
    source = message("m") + """
journey a_wait { entry event app.start reentry never
  wait for event app.x within 1d { on event { send email m } } }
journey b_exit { entry event app.start reentry never
  exit on event app.x "stop"
  wait 1d }
journey d_enter { entry event app.x reentry never send email m }
journey c_enter { entry event app.x reentry never send email m }
"""
    records = [prof("al"), ev("al", t(10, "10:00"), "app.start"), ev("al", t(10, "11:00"), "app.x")]
    result = run(source, records)
    at_11 = [(r["journey"], r["event"]) for r in result.trace if r["time"] == t(10, "11:00")]
    assert at_11 == [("a_wait", "resumed"), ("a_wait", "send"), ("a_wait", "exited"),
                     ("b_exit", "exited"),
                     ("c_enter", "entered"), ("c_enter", "send"), ("c_enter", "exited"),
                     ("d_enter", "entered"), ("d_enter", "send"), ("d_enter", "exited")]
