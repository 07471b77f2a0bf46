"""Windows at exact instants, history predicates, streaming membership boundaries, batch reads."""
from __future__ import annotations

import pytest
from harness import ev, message, pid, prof, run, t

AL, BO, CY, DD = pid("al"), pid("bo"), pid("cy"), pid("dd")
YES_NO = message("yes") + message("no")


def probe_program(condition: str) -> str:
    return YES_NO + f"""
journey probe {{
  entry event app.probe
  reentry always
  if {condition} {{ send email yes }} else {{ send email no }}
}}
"""


# An app.x event at 10:00:00 on the 10th; a probe at the given instant evaluates the window.
WINDOW_CASES = [
    # within D: now - D < ts <= now
    ("has event app.x within 1h", t(10, "10:00"), "yes"),
    ("has event app.x within 1h", t(10, "10:59:59.999"), "yes"),
    ("has event app.x within 1h", t(10, "11:00"), "no"),
    # between D1 and D2 ago: now - D1 < ts <= now - D2
    ("has event app.x between 2h and 1h ago", t(10, "10:59:59.999"), "no"),
    ("has event app.x between 2h and 1h ago", t(10, "11:00"), "yes"),
    ("has event app.x between 2h and 1h ago", t(10, "11:59:59.999"), "yes"),
    ("has event app.x between 2h and 1h ago", t(10, "12:00"), "no"),
    # before D ago: ts <= now - D
    ("has event app.x before 1d ago", t(11, "09:59:59.999"), "no"),
    ("has event app.x before 1d ago", t(11, "10:00"), "yes"),
    ("has event app.x before 1d ago", t(20, "10:00"), "yes"),
    # no window: ts <= now
    ("has event app.x", t(10, "10:00"), "yes"),
    ("no event app.x within 1h", t(10, "11:00"), "yes"),
    ("no event app.x within 1h", t(10, "10:30"), "no"),
]


@pytest.mark.parametrize("condition, probe_at, expected", WINDOW_CASES)
def test_window_bounds_at_exact_instants(condition, probe_at, expected):
    records = [prof("al"), ev("al", t(10, "10:00"), "app.x"), ev("al", probe_at, "app.probe")]
    result = run(probe_program(condition), records, until=t(25, "00:00"))
    assert [a["message"] for a in result.actions] == [expected]


def test_probe_at_the_same_instant_sees_the_earlier_line_only():
    # app.x and the probe share a timestamp: log order (line) decides what is history
    records = [prof("al"), ev("al", t(10, "10:00"), "app.probe"), ev("al", t(10, "10:00"), "app.x"),
               ev("al", t(10, "10:00:00"), "app.probe", _id="second")]
    result = run(probe_program("has event app.x within 1h"), records, until=t(11, "00:00"))
    assert [a["message"] for a in result.actions] == ["no", "yes"]


AFTER_SEGMENTS = """
segment b_after_a {
  has event app.a as a
  has event app.b after a
}
segment b_after_a_within {
  has event app.a as a
  has event app.b after a within 1h
}
"""

AFTER_CASES = [
    # (b's time, line order of b relative to a, member of after, member of after-within)
    ("09:00", "b first", False, False),
    ("10:00", "b first", False, False),   # same instant, earlier line: not after a
    ("10:00", "a first", True, True),     # same instant, later line: after a
    ("11:00", "a first", True, True),     # exactly A.ts + D: inside
    ("11:00:00.001", "a first", True, False),
]


@pytest.mark.parametrize("b_at, order, after, after_within", AFTER_CASES)
def test_after_and_after_within(b_at, order, after, after_within):
    a = ev("al", t(10, "10:00"), "app.a")
    b = ev("al", t(10, b_at), "app.b")
    records = [prof("al")] + ([b, a] if order == "b first" else [a, b])
    result = run(AFTER_SEGMENTS, records, until=t(12, "00:00"))
    members = {s: info["members"] for s, info in result.report["segments"].items()}
    assert members == {"b_after_a": int(after), "b_after_a_within": int(after_within)}


def test_after_within_is_not_a_window_on_now():
    # `after a within 1h` bounds b by a's time, not by now: membership does not lapse
    records = [prof("al"), ev("al", t(10, "10:00"), "app.a"), ev("al", t(10, "10:30"), "app.b")]
    result = run(AFTER_SEGMENTS, records, until=t(20, "00:00"))
    assert result.changes() == [(t(10, "10:30"), "b_after_a", AL, "entered"),
                                (t(10, "10:30"), "b_after_a_within", AL, "entered")]


MEMBERSHIP_CASES = [
    ("has event app.x within 1d", [(t(10, "10:00"), "entered"), (t(11, "10:00"), "exited")]),
    ("has event app.x between 2h and 30m ago", [(t(10, "10:30"), "entered"), (t(10, "12:00"), "exited")]),
    ("has event app.x before 3d ago", [(t(13, "10:00"), "entered")]),
    ("no event app.x within 1h", [(t(10, "11:00"), "entered")]),
    ("count event app.x within 1d >= 1", [(t(10, "10:00"), "entered"), (t(11, "10:00"), "exited")]),
]


@pytest.mark.parametrize("body, expected", MEMBERSHIP_CASES)
def test_membership_changes_at_boundary_instants(body, expected):
    source = f"segment s {{ {body} }}"
    # a profile record creates the profile at 10:00 with the event: "no ..." starts false
    result = run(source, [ev("al", t(10, "10:00"), "app.x")], until=t(20, "00:00"))
    assert [(time, change) for time, _, _, change in result.changes()] == expected


def test_window_boundary_with_two_events_extends_membership():
    source = "segment s { has event app.x within 1h }"
    records = [ev("al", t(10, "10:00"), "app.x"), ev("al", t(10, "10:30"), "app.x")]
    result = run(source, records, until=t(11, "00:00"))
    assert result.changes() == [(t(10, "10:00"), "s", AL, "entered"), (t(10, "11:30"), "s", AL, "exited")]


ABANDONED_CART = """
segment abandoned_cart {
  description "Added to cart 30 minutes to 24 hours ago; no purchase and no removal of that cart since."
  has event commerce.productListAdds as add between 24h and 30m ago
  no event commerce.purchases after add
  no event commerce.productListRemovals after add where event.commerce.cart.cartID == add.commerce.cart.cartID
}
"""


def cart(name, at, event_type, cart_id):
    return ev(name, at, event_type, commerce={"cart": {"cartID": cart_id}})


def test_normative_example_1_abandoned_cart():
    records = [
        prof("al"), prof("bo"), prof("cy"), prof("dd"),
        cart("al", t(10, "10:00"), "commerce.productListAdds", "c1"),
        cart("bo", t(10, "10:00"), "commerce.productListAdds", "c1"),
        cart("bo", t(10, "10:05"), "commerce.productListRemovals", "c2"),  # another cart: no effect
        cart("cy", t(10, "10:00"), "commerce.productListAdds", "c1"),
        cart("cy", t(10, "10:10"), "commerce.productListRemovals", "c1"),  # that cart: never qualifies
        cart("dd", t(10, "10:00"), "commerce.productListAdds", "c1"),
        cart("dd", t(10, "11:00"), "commerce.purchases", "c9"),            # purchase after the add
    ]
    result = run(ABANDONED_CART, records, until=t(12, "00:00"))
    assert sorted(result.changes()) == sorted([
        (t(10, "10:30"), "abandoned_cart", AL, "entered"),
        (t(11, "10:00"), "abandoned_cart", AL, "exited"),
        (t(10, "10:30"), "abandoned_cart", BO, "entered"),
        (t(11, "10:00"), "abandoned_cart", BO, "exited"),
        (t(10, "10:30"), "abandoned_cart", DD, "entered"),
        (t(10, "11:00"), "abandoned_cart", DD, "exited"),
    ])


def test_abandoned_cart_purchase_before_the_add_does_not_disqualify():
    records = [prof("al"), cart("al", t(10, "09:00"), "commerce.purchases", "c0"),
               cart("al", t(10, "10:00"), "commerce.productListAdds", "c1")]
    result = run(ABANDONED_CART, records, until=t(12, "00:00"))
    assert result.changes() == [(t(10, "10:30"), "abandoned_cart", AL, "entered"),
                                (t(11, "10:00"), "abandoned_cart", AL, "exited")]


FIRST_LAST = """
segment any_a { has event app.view as v  v.item == "A" }
segment first_a { has first event app.view as v  v.item == "A" }
segment last_a { has last event app.view as v  v.item == "A" }
segment last_in_window_a { has last event app.view as v within 1h  v.item == "A" }
"""


def test_has_first_and_last_bind_only_the_earliest_and_latest():
    records = [ev("al", t(10, "10:00"), "app.view", item="A"), ev("al", t(10, "10:30"), "app.view", item="B")]
    result = run(FIRST_LAST, records, until=t(10, "12:00"))
    assert result.changes() == [
        (t(10, "10:00"), "any_a", AL, "entered"),
        (t(10, "10:00"), "first_a", AL, "entered"),
        (t(10, "10:00"), "last_a", AL, "entered"),
        (t(10, "10:00"), "last_in_window_a", AL, "entered"),
        (t(10, "10:30"), "last_a", AL, "exited"),
        (t(10, "10:30"), "last_in_window_a", AL, "exited"),
    ]


def test_has_last_picks_among_events_inside_the_window():
    # A at 10:00, B at 10:30 (both kept): `last ... between 2h and 1h ago` at 11:00 sees only A
    source = 'segment s { has last event app.view as v between 2h and 1h ago  v.item == "A" }'
    records = [ev("al", t(10, "10:00"), "app.view", item="A"), ev("al", t(10, "10:30"), "app.view", item="B")]
    result = run(source, records, until=t(10, "13:00"))
    assert result.changes() == [(t(10, "11:00"), "s", AL, "entered"), (t(10, "11:30"), "s", AL, "exited")]


def test_count_at_exact_instants():
    source = "segment busy { count event app.x within 1h >= 2 }"
    records = [ev("al", t(10, "10:00"), "app.x"), ev("al", t(10, "10:20"), "app.x"),
               ev("al", t(10, "10:50"), "app.x")]
    result = run(source, records, until=t(10, "13:00"))
    assert result.changes() == [(t(10, "10:20"), "busy", AL, "entered"), (t(10, "11:20"), "busy", AL, "exited")]


def test_sum_of_a_field_over_matches():
    source = "segment big { sum(commerce.order.priceTotal) of event commerce.purchases within 1d > 100 }"

    def buy(at, amount):
        return ev("al", at, "commerce.purchases", commerce={"order": {"priceTotal": amount}})
    records = [buy(t(10, "10:00"), 60), buy(t(10, "12:00"), 40), buy(t(10, "13:00"), 0.5),
               ev("al", t(10, "14:00"), "commerce.purchases")]  # no field: adds nothing
    result = run(source, records, until=t(12, "00:00"))
    # 60 + 40 = 100 is not > 100; + 0.5 is; at 10:00 the next day the 60 leaves the window
    assert result.changes() == [(t(10, "13:00"), "big", AL, "entered"), (t(11, "10:00"), "big", AL, "exited")]


def test_in_segment_follows_the_referenced_segment_boundaries():
    source = YES_NO + """
segment engaged { has event app.x within 1d }
segment gold_or_engaged { profile.tier == "gold" or in_segment(engaged) }
journey probe {
  entry event app.probe
  reentry always
  if in_segment(engaged) { send email yes } else { send email no }
}
"""
    records = [prof("al"), ev("al", t(10, "10:00"), "app.x"), ev("al", t(11, "09:59"), "app.probe"),
               ev("al", t(11, "10:00"), "app.probe", _id="p2")]
    result = run(source, records, until=t(12, "00:00"))
    assert [a["message"] for a in result.actions] == ["yes", "no"]
    assert result.changes() == [(t(10, "10:00"), "engaged", AL, "entered"),
                                (t(10, "10:00"), "gold_or_engaged", AL, "entered"),
                                (t(11, "10:00"), "engaged", AL, "exited"),
                                (t(11, "10:00"), "gold_or_engaged", AL, "exited")]


BATCH = message("hi") + """
segment recent {
  evaluation batch
  has event app.x within 1d
}
journey reader {
  entry read audience recent at 2026-10-10T09:00:00Z every 1d
  reentry always
  send email hi
}
"""


def test_batch_segment_read_at_scheduled_instants():
    records = [
        prof("al"), prof("bo"), prof("cy"),
        ev("al", t(9, "09:00"), "app.x"),            # exactly 1d before the first read: outside
        ev("bo", t(9, "09:00:00.001"), "app.x"),     # just inside
        ev("cy", t(10, "09:00"), "app.x"),           # at the read instant: inside (record first);
                                                     # exactly 1d before the second read: outside
        ev("al", t(11, "08:00"), "app.x"),           # read on the 11th only
        ev("al", t(11, "09:00:00.001"), "app.x"),    # read on the 12th only
        ev("al", t(12, "12:00"), "app.y"),           # keeps the log going past the third read
    ]
    result = run(BATCH, records)
    assert result.sends() == [
        (t(10, "09:00"), "reader", BO, "email", "hi", "sent"),
        (t(10, "09:00"), "reader", CY, "email", "hi", "sent"),
        (t(11, "09:00"), "reader", AL, "email", "hi", "sent"),
        (t(12, "09:00"), "reader", AL, "email", "hi", "sent"),
    ]
    assert result.segments == []  # batch segments write no membership changes
    assert result.report["segments"]["recent"] == {"evaluation": "batch", "members": 0}


def test_audience_entry_at_the_qualifying_instant():
    source = ABANDONED_CART + message("nudge") + """
journey nudge {
  entry audience abandoned_cart
  reentry always
  send email nudge
}
"""
    records = [prof("al"), cart("al", t(10, "10:00"), "commerce.productListAdds", "c1"),
               cart("al", t(11, "12:00"), "commerce.productListAdds", "c2")]
    result = run(source, records, until=t(13, "00:00"))
    # qualifies at 10:30, stops at 10:00 the next day, qualifies again at 12:30 with the second cart
    assert result.sends() == [(t(10, "10:30"), "nudge", AL, "email", "nudge", "sent"),
                              (t(11, "12:30"), "nudge", AL, "email", "nudge", "sent")]
