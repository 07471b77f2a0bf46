"""Identity stitching and profile merges."""
from __future__ import annotations

import pytest
from harness import ev, message, pid, prof, run, t

AL = pid("al")
ANON = "ECID:anon-7"


def anon(at, event_type, **fields):
    return ev(None, at, event_type, identityMap={"ECID": [{"id": "anon-7", "primary": True}]}, **fields)


def link(at, event_type="web.webpagedetails.pageViews", **fields):
    return ev(None, at, event_type, identityMap={
        "ECID": [{"id": "anon-7"}],
        "Email": [{"id": "al@example.org", "primary": True, "authenticatedState": "authenticated"}]}, **fields)


def test_anonymous_history_joins_the_known_profile():
    source = message("yes") + message("no") + """
journey login {
  entry event web.webpagedetails.pageViews
  reentry always
  if has event commerce.productViews within 1d { send email yes } else { send email no }
}
"""
    records = [prof("al"), anon(t(10, "10:00"), "commerce.productViews"), link(t(10, "10:30"))]
    result = run(source, records)
    assert result.sends() == [(t(10, "10:30"), "login", AL, "email", "yes", "sent")]
    assert result.report["profiles"] == 1


def test_the_older_profile_id_survives():
    # the anonymous ECID is seen first: its id survives even though the Email is the primary
    source = message("m") + """
journey j { entry event app.go reentry always send email m }
"""
    records = [anon(t(10, "09:00"), "app.open"), prof("al", t(10, "09:30")), link(t(10, "10:00")),
               ev("al", t(10, "11:00"), "app.go")]
    result = run(source, records)
    assert [(a["profile"], a["to"]) for a in result.actions] == [(ANON, "al@example.org")]
    assert result.report["profiles"] == 1


def test_first_identity_of_a_record_is_the_primary_one_then_by_namespace_and_id():
    source = message("m", channel="push") + "journey j { entry event app.go reentry always send push m }"
    records = [ev(None, t(10, "10:00"), "app.go", identityMap={
        "ECID": [{"id": "e-2"}, {"id": "e-1"}], "Email": [{"id": "x@example.org"}],
        "Phone": [{"id": "+46", "primary": True}]}),
        ev(None, t(10, "10:01"), "app.go", identityMap={"ECID": [{"id": "z"}], "Email": [{"id": "y@example.org"}]})]
    result = run(source, records)
    assert [(a["profile"], a["to"]) for a in result.actions] == [("Phone:+46", "Phone:+46"), ("ECID:z", "ECID:z")]


def test_end_user_ids_are_identities():
    source = message("m", channel="push") + "journey j { entry event app.go reentry always send push m }"
    records = [ev(None, t(10, "10:00"), "app.go", endUserIDs={"_experience": {
        "mcid": {"id": "m-1"}, "emailid": {"id": "al@example.org", "primary": True}}}),
        ev(None, t(10, "10:01"), "app.go", identityMap={"ECID": [{"id": "m-1"}]})]
    result = run(source, records)
    assert [a["profile"] for a in result.actions] == [AL, AL]


MERGE = message("m") + """
journey j {
  entry event app.go
  reentry always
  wait 1d
  send email m
}
"""


@pytest.mark.parametrize("anon_first", [True, False])
def test_two_active_instances_the_later_entered_exits_merged(anon_first):
    # al's profile is the older one; which instance survives depends only on entry time
    anon_go, al_go = (t(10, "10:00"), t(10, "10:10")) if anon_first else (t(10, "10:10"), t(10, "10:00"))
    records = [prof("al"), anon(anon_go, "app.go"), ev("al", al_go, "app.go"), link(t(10, "10:30"))]
    result = run(MERGE, records)
    survivor_entered = min(anon_go, al_go)
    younger = [e for e in result.events("entered", "j") if e["time"] == max(anon_go, al_go)][0]
    older = [e for e in result.events("entered", "j") if e["time"] == survivor_entered][0]
    assert result.exits("j") == [(t(10, "10:30"), AL, "merged"), (t(11, survivor_entered[11:16]), AL, "completed")]
    merged_exit = result.events("exited", "j")[0]
    assert merged_exit["instance"] == younger["instance"]
    assert [(a["time"], a["profile"], a["instance"]) for a in result.actions] == [
        (t(11, survivor_entered[11:16]), AL, older["instance"])]
    assert result.journey_stats("j")["exits"] == {"completed": 1, "merged": 1}


def test_outputs_after_the_merge_carry_the_merged_id():
    source = MERGE + message("n") + """
journey k { entry event app.other reentry always send email n }
"""
    records = [prof("al"), anon(t(10, "10:00"), "app.go"), link(t(10, "10:30")),
               anon(t(10, "11:00"), "app.other")]    # only the anonymous identity on the record
    result = run(source, records)
    after = [r for r in result.trace if r["time"] >= t(10, "10:30")]
    assert after and {r["profile"] for r in after} == {AL}
    assert [(a["time"], a["journey"], a["profile"]) for a in result.actions] == [
        (t(10, "11:00"), "k", AL), (t(11, "10:00"), "j", AL)]


def test_merge_unions_sends_for_frequency_caps():
    source = message("m", transactional=False) + """
policy { frequency cap email 1 per 1d }
journey j { entry event app.go reentry always if consented(email) { send email m } }
"""
    records = [prof("al"), ev(None, t(9, "00:00"), "app.open", identityMap={"ECID": [{"id": "anon-7"}]},
                              ), anon(t(10, "09:00"), "app.open"),
               ev("al", t(10, "10:00"), "app.go"), link(t(10, "10:30")), anon(t(10, "11:00"), "app.go")]
    result = run(source, records)
    assert result.statuses() == [(t(10, "10:00"), "m", "sent", None),
                                 (t(10, "11:00"), "m", "suppressed", "frequency cap")]


def test_segment_membership_after_a_merge_uses_the_merged_history_and_id():
    source = "segment viewed { has event commerce.productViews within 1d }"
    records = [prof("al"), anon(t(10, "10:00"), "commerce.productViews"), link(t(10, "10:30"))]
    result = run(source, records, until=t(12, "00:00"))
    # the anonymous profile entered at 10:00; from the merge on its changes carry al's id
    assert result.changes()[0] == (t(10, "10:00"), "viewed", ANON, "entered")
    assert result.changes()[-1] == (t(11, "10:00"), "viewed", AL, "exited")
    assert result.report["segments"]["viewed"]["members"] == 0
