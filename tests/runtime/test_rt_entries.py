"""Re-entry rules, refusals in report.json, dedup by key within D and per scheduled read."""
from __future__ import annotations

import pytest
from harness import ev, message, pid, prof, run, t

AL, BO, CY = pid("al"), pid("bo"), pid("cy")


def reentry_program(rule: str, body: str = "send email m") -> str:
    return message("m") + f"""
journey j {{
  entry event app.go
  {rule}
  {body}
}}
"""


GO_TIMES = [t(10, "10:00"), t(10, "10:30"), t(10, "10:59:59.999"), t(10, "11:00"), t(12, "00:00")]


@pytest.mark.parametrize("rule, admitted, refusals", [
    ("reentry never", [t(10, "10:00")], {"no reentry": 4}),
    ("", [t(10, "10:00")], {"no reentry": 4}),   # default never
    ("reentry always", GO_TIMES, {}),
    ("reentry after 1h", [t(10, "10:00"), t(10, "11:00"), t(12, "00:00")], {"reentry too soon": 2}),
])
def test_reentry_rules(rule, admitted, refusals):
    records = [prof("al")] + [ev("al", at, "app.go") for at in GO_TIMES]
    result = run(reentry_program(rule), records)
    assert [time for time, _ in result.entries("j")] == admitted
    stats = result.journey_stats("j")
    assert stats["entries"] == len(admitted)
    assert stats["refusals"] == refusals
    assert stats["actions"] == {"email/sent": len(admitted)}
    assert [(time, reason) for time, _, reason in result.refusals("j")] == [
        (at, reason) for at in GO_TIMES if at not in admitted for reason in refusals]


@pytest.mark.parametrize("rule", ["reentry always", "reentry after 10m"])
def test_an_active_instance_refuses_entry(rule):
    # the instance ends at 11:00 by its timer; the record at 11:00 is processed before that timer
    times = (t(10, "10:00"), t(10, "10:30"), t(10, "11:00"), t(10, "11:00:00.001"))
    records = [prof("al")] + [ev("al", at, "app.go") for at in times]
    result = run(reentry_program(rule, "wait 1h\n  send email m"), records)
    assert [time for time, _ in result.entries("j")] == [t(10, "10:00"), t(10, "11:00:00.001")]
    assert result.journey_stats("j")["refusals"] == {"already active": 2}
    assert result.refusals("j") == [(t(10, "10:30"), AL, "already active"), (t(10, "11:00"), AL, "already active")]


def test_reentry_after_counts_from_the_last_admitted_entry_not_the_exit():
    # each instance lasts 30m; `after 2h` counts from the entry at 10:00, not the exit at 10:30
    times = (t(10, "10:00"), t(10, "11:00"), t(10, "11:59:59.999"), t(10, "12:00"), t(10, "13:00"))
    records = [prof("al")] + [ev("al", at, "app.go") for at in times]
    result = run(reentry_program("reentry after 2h", "wait 30m\n  send email m"), records)
    assert [time for time, _ in result.entries("j")] == [t(10, "10:00"), t(10, "12:00")]
    assert result.journey_stats("j")["refusals"] == {"reentry too soon": 3}
    assert result.journey_stats("j")["exits"] == {"completed": 2}


def test_refusals_are_per_profile():
    records = [prof("al"), prof("bo"), ev("al", t(10, "10:00"), "app.go"), ev("bo", t(10, "10:00"), "app.go"),
               ev("al", t(10, "10:01"), "app.go")]
    result = run(reentry_program("reentry never"), records)
    assert result.entries("j") == [(t(10, "10:00"), AL), (t(10, "10:00"), BO)]
    assert result.refusals("j") == [(t(10, "10:01"), AL, "no reentry")]


DEDUP = message("m") + """
journey shared_cart {
  entry event commerce.productListAdds as add
  reentry always
  dedup by add.commerce.cart.cartID within 1d
  send email m
}
"""


def add(name, at, cart_id):
    return ev(name, at, "commerce.productListAdds", commerce={"cart": {"cartID": cart_id}})


@pytest.mark.parametrize("third_at, admitted", [
    (t(11, "09:59:59.999"), False),   # earlier entry (10:00) is after now - 1d: duplicate
    (t(11, "10:00"), True),           # exactly 1d later: no longer within
])
def test_dedup_within_d(third_at, admitted):
    records = [prof("al"), prof("bo"), prof("cy"), add("al", t(10, "10:00"), "c1"),
               add("bo", t(10, "20:00"), "c1"),     # duplicate, refused: does not count later
               add("bo", t(10, "20:00:01"), "c2"),  # other key
               add("cy", third_at, "c1")]
    result = run(DEDUP, records)
    expected = [(t(10, "10:00"), AL), (t(10, "20:00:01"), BO)] + ([(third_at, CY)] if admitted else [])
    assert result.entries("shared_cart") == expected
    refused = [(t(10, "20:00"), BO, "duplicate")] + ([] if admitted else [(third_at, CY, "duplicate")])
    assert result.refusals("shared_cart") == refused
    assert result.journey_stats("shared_cart")["refusals"] == ({"duplicate": len(refused)})


def test_dedup_null_key_is_never_a_duplicate():
    records = [prof("al"), prof("bo"), ev("al", t(10, "10:00"), "commerce.productListAdds"),
               ev("bo", t(10, "10:01"), "commerce.productListAdds")]
    result = run(DEDUP, records)
    assert len(result.entries("shared_cart")) == 2


READ_DEDUP = message("m") + """
segment everyone { evaluation batch  exists(profile.personalEmail.address) }
journey weekly {
  entry read audience everyone at 2026-10-10T09:00:00Z every 1d
  reentry always
  dedup by profile.personalEmail.address
  send email m
}
"""


def test_dedup_per_scheduled_read_keeps_the_first_profile_by_id():
    shared = {"address": "family@example.org"}
    records = [prof("zz", personalEmail=shared), prof("mm", personalEmail=shared), prof("aa", personalEmail=shared),
               prof("bo"), ev("bo", t(11, "12:00"), "app.tick")]
    result = run(READ_DEDUP, records)
    # created zz, mm, aa in that order, but profiles are read in order of id: aa wins each read
    assert result.entries("weekly") == [(t(10, "09:00"), pid("aa")), (t(10, "09:00"), BO),
                                        (t(11, "09:00"), pid("aa")), (t(11, "09:00"), BO)]
    assert result.refusals("weekly") == [(t(10, "09:00"), pid("mm"), "duplicate"),
                                         (t(10, "09:00"), pid("zz"), "duplicate"),
                                         (t(11, "09:00"), pid("mm"), "duplicate"),
                                         (t(11, "09:00"), pid("zz"), "duplicate")]
    assert result.journey_stats("weekly")["refusals"] == {"duplicate": 4}


def test_history_predicates_in_entry_and_exit_patterns_see_history():
    # b.seen and c.seen are read only inside the `where` of an entry and an exit pattern:
    # the history must still keep them (look-back) with the fields those wheres read
    source = message("hi") + """
journey j {
  entry event a.go where has event b.seen where event.k == 1 within 1d
  reentry always
  send email hi
}
journey k {
  entry event a.start
  reentry always
  exit on event a.stop where has event c.seen where event.k == 2 within 1d
  wait 1d
  send email hi
}
"""
    records = [prof("al"), ev("al", t(10, "10:00"), "b.seen", k=1), ev("al", t(10, "11:00"), "a.go"),
               ev("al", t(11, "10:00"), "a.go"),   # b.seen is exactly 1d old by then: no entry
               ev("al", t(11, "10:00"), "a.start"), ev("al", t(11, "10:30"), "c.seen", k=2),
               ev("al", t(11, "11:00"), "a.stop")]
    result = run(source, records, until=t(15, "00:00"))
    assert result.sends("j") == [(t(10, "11:00"), "j", AL, "email", "hi", "sent")]
    assert result.exits("k") == [(t(11, "11:00"), AL, "exit criteria")]
