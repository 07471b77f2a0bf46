"""Segments whose truth moves with `now` outside window clauses (issue: the `now` hole).

A comparison monotone in `now` (`v.timestamp > now - 3d`, `now - v.timestamp > 2d`,
`profile.trialEnds < now`) flips at an instant computed from its values; the segment is
re-evaluated then, like at a window boundary, and not only at records it names.
"""
from __future__ import annotations

from harness import ev, pid, prof, run, t

LATEST = """
segment browsed_lately {
  has last event commerce.productViews as v
  v.timestamp > now - 3d
}
"""


def test_the_latest_event_idiom_leaves_at_the_instant_the_comparison_turns_false():
    records = [prof("al"), ev("al", t(10, "10:00"), "commerce.productViews")]
    result = run(LATEST, records, until=t(20, "00:00"))
    assert result.changes() == [(t(10, "10:00"), "browsed_lately", pid("al"), "entered"),
                                (t(13, "10:00"), "browsed_lately", pid("al"), "exited")]


def test_a_later_view_moves_the_exit():
    records = [prof("al"), ev("al", t(10, "10:00"), "commerce.productViews"),
               ev("al", t(12, "09:00"), "app.launch"),               # a type the segment does not name
               ev("al", t(12, "10:00"), "commerce.productViews")]
    result = run(LATEST, records, until=t(20, "00:00"))
    assert result.changes() == [(t(10, "10:00"), "browsed_lately", pid("al"), "entered"),
                                (t(15, "10:00"), "browsed_lately", pid("al"), "exited")]


def test_strict_and_inclusive_comparisons_flip_one_millisecond_apart():
    source = """
segment stale { has last event app.open as v
  now - v.timestamp > 2d }
segment stale_or_due { has last event app.open as v
  now - v.timestamp >= 2d }
"""
    records = [prof("al"), ev("al", t(10, "10:00"), "app.open")]
    result = run(source, records, until=t(20, "00:00"))
    assert result.changes() == [(t(12, "10:00"), "stale_or_due", pid("al"), "entered"),
                                (t(12, "10:00:00.001"), "stale", pid("al"), "entered")]


def test_an_attribute_deadline_against_now():
    source = """
segment trial_over { profile.trialEnds < now }
"""
    records = [prof("al", trialEnds=t(11, "12:00"))]
    result = run(source, records, until=t(20, "00:00"))
    assert result.changes() == [(t(11, "12:00:00.001"), "trial_over", pid("al"), "entered")]


def test_inside_or_and_not():
    source = """
segment quiet { not (has last event app.open as v and v.timestamp > now - 1d) or profile.vip == true }
"""
    records = [prof("al"), ev("al", t(10, "10:00"), "app.open"), ev("al", t(12, "08:00"), "app.open")]
    result = run(source, records, until=t(20, "00:00"))
    assert result.changes() == [(t(1, "00:00"), "quiet", pid("al"), "entered"),
                                (t(10, "10:00"), "quiet", pid("al"), "exited"),
                                (t(11, "10:00"), "quiet", pid("al"), "entered"),
                                (t(12, "08:00"), "quiet", pid("al"), "exited"),
                                (t(13, "08:00"), "quiet", pid("al"), "entered")]


def test_a_now_read_without_a_computable_instant_is_re_evaluated_at_every_record():
    source = """
segment odd { abs(now - profile.since) < 1d }
"""
    records = [prof("al", since=t(10, "12:00")), ev("al", t(10, "13:00"), "app.anything"),
               ev("al", t(12, "13:00"), "app.anything")]
    result = run(source, records, until=t(20, "00:00"))
    assert result.changes() == [(t(10, "13:00"), "odd", pid("al"), "entered"),
                                (t(12, "13:00"), "odd", pid("al"), "exited")]
