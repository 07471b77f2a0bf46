"""Invariants and scenarios of the project's own journeys in journeys/.

Every file checks and lints clean (or carries a documented suppression); scenario tests
replay small hand-written logs through the whole program and state who gets what, when.
"""
import json
import os

import pytest

from journeylang.pipeline import analyse
from journeylang.runtime.replay import run_replay
from journeylang.syntax.literals import parse_timestamp

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
JOURNEYS = os.path.join(ROOT, "journeys")


@pytest.fixture(scope="module")
def program():
    analysis = analyse([JOURNEYS], lint=True)
    return analysis


def test_journeys_check_and_lint_clean(program):
    assert [d.to_json() for d in program.sorted_diagnostics()] == []
    assert len(program.program.journeys) >= 5


def _identity(who):
    return {"Email": [{"id": f"{who}@example.com", "primary": True, "authenticatedState": "authenticated"}]}


def _profile(who, ts, **attrs):
    record = {"_id": f"p-{who}-{ts}", "recordType": "profile", "timestamp": ts, "identityMap": _identity(who),
              "personalEmail": {"address": f"{who}@example.com"}, "timezone": "UTC",
              "person": {"name": {"firstName": who.title()}}}
    record.update(attrs)
    return record


def _consents(email="y", sms="y", push="y", share="y"):
    return {"marketing": {"email": {"val": email}, "sms": {"val": sms}, "push": {"val": push}},
            "share": {"val": share}}


def _event(n, who, ts, event_type, **fields):
    record = {"_id": f"e{n}", "timestamp": ts, "eventType": event_type, "identityMap": _identity(who),
              "dataset": "web"}
    record.update(fields)
    return record


def _replay(program, tmp_path, records, until):
    log = tmp_path / "events.jsonl"
    log.write_text("".join(json.dumps(r) + "\n" for r in records))
    report, sink = run_replay(program, [str(log)], parse_timestamp(until), None)
    return report, sink.memory


def _sends(memory, journey):
    return [(a["time"], a["profile"], a["channel"], a.get("message") or a.get("audience"), a["status"])
            for a in memory["actions"] if a["journey"] == journey]


CART = {"cartID": "c1"}
ITEMS = [{"SKU": "YG-1", "name": "Yoga mat", "quantity": 1, "priceTotal": 39.0, "category": "yoga"}]


def test_abandoned_cart_reminds_on_every_consented_channel(program, tmp_path):
    records = [
        _profile("ann", "2026-11-01T00:00:00Z", consents=_consents(sms="n"), mobilePhone={"number": "+4670"}),
        _event(1, "ann", "2026-11-20T10:00:00Z", "commerce.productListAdds", commerce={"cart": CART},
               productListItems=ITEMS),
    ]
    _, memory = _replay(program, tmp_path, records, "2026-11-20T12:00:00Z")
    sends = _sends(memory, "abandoned_cart")
    assert ("2026-11-20T10:30:00Z", "Email:ann@example.com", "email", "cart_reminder", "sent") in sends
    assert ("2026-11-20T10:30:00Z", "Email:ann@example.com", "push", "cart_push", "sent") in sends
    assert not any(s[2] == "sms" for s in sends)  # sms consent is "n": the guard skips it
    email = next(a for a in memory["actions"] if a["message"] == "cart_reminder")
    assert "Yoga mat" in email["content"]["body"]


def test_abandoned_cart_exits_when_the_cart_is_bought_within_30_minutes(program, tmp_path):
    records = [
        _profile("bo", "2026-11-01T00:00:00Z", consents=_consents()),
        _event(1, "bo", "2026-11-20T10:00:00Z", "commerce.productListAdds", commerce={"cart": CART},
               productListItems=ITEMS),
        _event(2, "bo", "2026-11-20T10:29:59Z", "commerce.purchases",
               commerce={"cart": CART, "order": {"purchaseID": "o1", "priceTotal": 39.0}}, productListItems=ITEMS),
    ]
    _, memory = _replay(program, tmp_path, records, "2026-11-21T12:00:00Z")
    assert _sends(memory, "abandoned_cart") == []
    exits = [t for t in memory["trace"] if t["journey"] == "abandoned_cart" and t["event"] == "exited"]
    assert [e["reason"] for e in exits] == ["cart resolved"]


def test_order_confirmation_is_transactional_and_sms_needs_a_number(program, tmp_path):
    records = [
        _profile("cy", "2026-11-01T00:00:00Z", consents=_consents(email="n", sms="n")),
        _profile("di", "2026-11-01T00:00:00Z", consents=_consents(email="n"), mobilePhone={"number": "+4671"}),
        _event(1, "cy", "2026-11-20T10:00:00Z", "commerce.purchases",
               commerce={"order": {"purchaseID": "o9", "priceTotal": 10.0}}, productListItems=ITEMS),
        _event(2, "di", "2026-11-20T11:00:00Z", "commerce.purchases",
               commerce={"order": {"purchaseID": "o10", "priceTotal": 10.0}}, productListItems=ITEMS),
    ]
    _, memory = _replay(program, tmp_path, records, "2026-11-20T12:00:00Z")
    sends = _sends(memory, "order_confirmation")
    assert ("2026-11-20T10:00:00Z", "Email:cy@example.com", "email", "order_confirmation", "sent") in sends
    assert not any(s[1] == "Email:cy@example.com" and s[2] == "sms" for s in sends)
    assert ("2026-11-20T11:00:00Z", "Email:di@example.com", "sms", "order_confirmation_sms", "sent") in sends


def test_wishlist_campaign_reads_the_audience_once_and_saves_high_churn_risk(program, tmp_path):
    view = {"productListItems": [{"SKU": "EQ-1", "name": "Kettlebell", "category": "exercise-equipment"}]}
    records = [
        _profile("u000001", "2026-11-01T00:00:00Z", consents=_consents(), churnprop=0.2),
        _profile("u000002", "2026-11-01T00:00:00Z", consents=_consents(), churnprop=0.9),
        _event(1, "u000001", "2026-11-20T10:00:00Z", "commerce.productViews", **view),
        _event(2, "u000002", "2026-11-20T10:00:00Z", "commerce.productViews", **view),
        _event(3, "u000001", "2026-11-23T12:00:00Z", "web.webpagedetails.pageViews"),
    ]
    report, memory = _replay(program, tmp_path, records, "2026-11-27T00:00:00Z")
    sends = _sends(memory, "wishlist_reengagement")
    assert ("2026-11-23T09:00:00Z", "Email:u000002@example.com", "audience", "high_churn_risk", "applied") in sends
    assert not any(s[1] == "Email:u000002@example.com" and s[2] == "email" for s in sends)
    assert any(s[1] == "Email:u000001@example.com" and s[3] == "wishlist_reminder" and s[4] == "sent"
               for s in sends)
    assert report["journeys"]["wishlist_reengagement"]["entries"] == 2
    assert report["journeys"]["wishlist_reengagement"]["exits"].get("high churn risk") == 1


def test_checker_and_runtime_know_the_same_functions():
    from journeylang.checks.common import FUNCTIONS as CHECKED
    from journeylang.checks.common import NAME_ARGUMENT_FUNCTIONS
    from journeylang.runtime.core.functions import FUNCTIONS as RUNTIME
    assert set(CHECKED) - set(NAME_ARGUMENT_FUNCTIONS) == set(RUNTIME)


def test_journeys_are_canonically_formatted():
    from journeylang.format.printer import format_source
    from journeylang.program.loader import load_program
    program, diagnostics = load_program([JOURNEYS])
    assert not diagnostics
    unformatted = [s.path for s in program.files if format_source(s) != s.text]
    assert unformatted == [], "run `journeylang fmt -w journeys`"
