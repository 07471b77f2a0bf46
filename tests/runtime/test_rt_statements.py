"""Statements: waits, wait for event, if/elif/else, split, enrich, set, jump, exit criteria, timeout."""
from __future__ import annotations

import pytest
from harness import ev, message, pid, prof, run, t

from journeylang.runtime.core.interpreter import split_bucket

AL, BO = pid("al"), pid("bo")


def journey(body: str, header: str = "", messages=("m",)) -> str:
    return "".join(message(m) for m in messages) + f"""
journey j {{
  entry event app.go as go
  reentry always
  {header}
  {body}
}}
"""


def send_times(result) -> list[tuple]:
    return [(a["time"], a["message"]) for a in result.actions]


@pytest.mark.parametrize("body, go, expected", [
    ("wait 1h30m  send email m", t(10, "10:00"), t(10, "11:30")),
    ("wait until 2026-10-12T08:00:00Z  send email m", t(10, "10:00"), t(12, "08:00")),
    ("wait until 2026-10-12T08:00:00+02:00  send email m", t(10, "10:00"), t(12, "06:00")),
    ("wait until 2026-10-09T08:00:00Z  send email m", t(10, "10:00"), t(10, "10:00")),   # past: no wait
    ("wait until 2026-10-10T10:00:00Z  send email m", t(10, "10:00"), t(10, "10:00")),   # now: no wait
    ("wait until go.when  send email m", t(10, "10:00"), t(11, "00:00")),                # from the event
    ("wait until go.missing  send email m", t(10, "10:00"), t(10, "10:00")),             # null: no wait
    # next HH:MM: strictly after now, in the zone (CEST = UTC+2 in October before the 25th)
    ('wait until next 09:00 in "Europe/Stockholm"  send email m', t(10, "10:00"), t(11, "07:00")),
    ('wait until next 09:00 in "Europe/Stockholm"  send email m', t(10, "06:59"), t(10, "07:00")),
    ('wait until next 09:00 in "Europe/Stockholm"  send email m', t(10, "07:00"), t(11, "07:00")),
    ('wait until next 09:00 in "Europe/Stockholm"  send email m', t(24, "12:00"), t(25, "08:00")),  # DST ends
    ('wait until next 02:30 in "Europe/Stockholm"  send email m', t(24, "12:00"), t(25, "00:30")),  # fold: first
    ('wait until next 09:00 in "Europe/Stockholm"  send email m', t(28, "12:00", month=3), t(29, "07:00", month=3)),
    ("wait until next 09:00 in profile.timezone  send email m", t(10, "10:00"), t(11, "09:00")),   # null: UTC
    ('wait until next 09:00 in "Nowhere/Special"  send email m', t(10, "10:00"), t(11, "09:00")),  # unknown: UTC
    ("wait until next 09:00  send email m", t(10, "08:59:59.999"), t(10, "09:00")),
])
def test_waits(body, go, expected):
    records = [prof("al", ts=t(1, "00:00", month=3)), ev("al", go, "app.go", when=t(11, "00:00"))]
    result = run(journey(body), records)
    assert send_times(result) == [(expected, "m")]
    waited = result.events("waiting")
    assert [w["detail"]["until"] for w in waited] == ([expected] if expected != go else [])


WAIT_FOR = """
  wait for event app.reply as reply where reply.ref == go.ref within 1h {
    on event { send email yes }
    on timeout { send email no }
  }
  send email after
"""


@pytest.mark.parametrize("replies, expected", [
    ([], [(t(10, "11:00"), "no"), (t(10, "11:00"), "after")]),
    ([(t(10, "10:20"), "other"), (t(10, "10:30"), "r1")], [(t(10, "10:30"), "yes"), (t(10, "10:30"), "after")]),
    ([(t(10, "10:30"), "r1"), (t(10, "10:40"), "r1")], [(t(10, "10:30"), "yes"), (t(10, "10:30"), "after")]),
])
def test_wait_for_event_on_event_and_on_timeout(replies, expected):
    records = [prof("al"), ev("al", t(10, "10:00"), "app.go", ref="r1")] + [
        ev("al", at, "app.reply", ref=ref) for at, ref in replies]
    result = run(journey(WAIT_FOR, messages=("yes", "no", "after")), records)
    assert send_times(result) == expected


@pytest.mark.parametrize("blocks, reply_at, expected", [
    ("on event { send email yes }", None, [(t(10, "11:00"), "after")]),
    ("on event { send email yes }", t(10, "10:30"), [(t(10, "10:30"), "yes"), (t(10, "10:30"), "after")]),
    ("on timeout { send email no }", t(10, "10:30"), [(t(10, "10:30"), "after")]),
    ("on timeout { send email no }", None, [(t(10, "11:00"), "no"), (t(10, "11:00"), "after")]),
    ("on event { exit \"replied\" }", t(10, "10:30"), []),
])
def test_wait_for_event_with_a_block_left_out(blocks, reply_at, expected):
    body = f"wait for event app.reply within 1h {{ {blocks} }}\n  send email after"
    records = [prof("al"), ev("al", t(10, "10:00"), "app.go")]
    if reply_at:
        records.append(ev("al", reply_at, "app.reply"))
    result = run(journey(body, messages=("yes", "no", "after")), records)
    assert send_times(result) == expected


@pytest.mark.parametrize("tier, expected, label", [
    ("gold", "a", "true"), ("silver", "b", "elif 1"), ("bronze", "c", "elif 2"), (None, "d", "else"),
])
def test_if_elif_else(tier, expected, label):
    body = """
  if profile.tier == "gold" { send email a }
  elif profile.tier == "silver" { send email b }
  elif profile.tier == "bronze" { send email c }
  else { send email d }
  send email after
"""
    attrs = {"tier": tier} if tier else {}
    result = run(journey(body, messages=("a", "b", "c", "d", "after")),
                 [prof("al", **attrs), ev("al", t(10, "10:00"), "app.go")])
    assert [m for _, m in send_times(result)] == [expected, "after"]
    assert [b["label"] for b in result.events("branch")] == [label]


def test_if_without_else_takes_false_and_rejoins():
    result = run(journey("if profile.tier == 1 { send email a }\n  send email after", messages=("a", "after")),
                 [prof("al"), ev("al", t(10, "10:00"), "app.go")])
    assert [m for _, m in send_times(result)] == ["after"]
    assert [b["label"] for b in result.events("branch")] == ["false"]


SPLIT = """
  split {
    30% as small { send email a }
    70% as large { send email b }
  }
"""


def test_split_proportions_and_stability():
    names = [f"u{i:04d}" for i in range(1000)]
    records = [ev(n, t(10, "10:00"), "app.go") for n in names]
    source = journey(SPLIT, messages=("a", "b"))
    first = run(source, records)
    counts = {"a": 0, "b": 0}
    for action in first.actions:
        counts[action["message"]] += 1
    assert 240 <= counts["a"] <= 360 and counts["a"] + counts["b"] == 1000
    # stable: the same profile takes the same branch in another log (other order, other times, fewer)
    second = run(source, [ev(n, t(20, "12:00"), "app.go") for n in reversed(names[:300])])
    branch = {a["profile"]: a["message"] for a in first.actions}
    assert all(branch[a["profile"]] == a["message"] for a in second.actions)
    # and it is the documented hash
    split_node = first.events("branch")[0]["node"]
    for action in first.actions[:50]:
        point = split_bucket("j", split_node, action["profile"])
        assert action["message"] == ("a" if point < 0.3 else "b")


def test_split_by_buckets_by_the_expression():
    body = """
  split by profile.household {
    50% { send email a }
    50% { send email b }
  }
"""
    names = [f"u{i:03d}" for i in range(60)]
    records = [prof(n, household=f"h{i % 6}") for i, n in enumerate(names)] + [
        ev(n, t(10, "10:00"), "app.go") for n in names]
    result = run(journey(body, messages=("a", "b")), records)
    by_household: dict[str, set] = {}
    for action in result.actions:
        household = f"h{names.index(action['profile'].split(':')[1].split('@')[0]) % 6}"
        by_household.setdefault(household, set()).add(action["message"])
    assert len(by_household) == 6 and all(len(v) == 1 for v in by_household.values())
    assert {m for v in by_household.values() for m in v} == {"a", "b"}


ENRICH_FILES = {
    "data/stores.csv": "store_id,city,opens\nS1,Malmö,09:00\nS2,Lund,10:00\nS1,Duplicate,00:00\n",
    "data/stores.jsonl": '{"store_id": "S1", "city": "Malmö", "opens": 9}\n\n{"store_id": 2, "city": "Lund"}\n',
}


@pytest.mark.parametrize("table", ["stores.csv", "stores.jsonl"])
@pytest.mark.parametrize("key, expected", [
    ("S1", ("sent", "Malmö")), ("S9", ("skipped", None)), (None, ("skipped", None)),
])
def test_enrich_from_csv_and_jsonl(table, key, expected):
    source = f'lookup stores from "data/{table}" key store_id\n' + message(
        "m", channel="sms", body="{{ store.city }}") + """
journey j {
  entry event store.visit as visit
  reentry always
  enrich store = lookup stores by visit.store.id
  if store == null { exit "unknown store" }
  send sms m
}
"""
    fields = {"store": {"id": key}} if key else {}
    result = run(source, [prof("al"), ev("al", t(10, "10:00"), "store.visit", **fields)], files=ENRICH_FILES)
    if expected[0] == "sent":
        assert [a["content"]["body"] for a in result.actions] == [expected[1]]
    else:
        assert result.actions == [] and result.exits("j") == [(t(10, "10:00"), AL, "unknown store")]
    assert [e["detail"]["found"] for e in result.events("enriched")] == [expected[0] == "sent"]


def test_enrich_number_key_matches_a_jsonl_number():
    source = 'lookup stores from "data/stores.jsonl" key store_id\n' + message(
        "m", channel="sms", body="{{ store.city }}") + """
journey j { entry event store.visit as visit reentry always
  enrich store = lookup stores by visit.store.id
  if store != null { send sms m } }
"""
    result = run(source, [prof("al"), ev("al", t(10, "10:00"), "store.visit", store={"id": 2})], files=ENRICH_FILES)
    assert [a["content"]["body"] for a in result.actions] == ["Lund"]


SET_PROFILE = message("gold") + message("other") + """
journey j {
  entry event app.go
  reentry always
  set profile.loyalty.tier = "gold"
  if profile.loyalty.tier == "gold" { send email gold }
  set profile.loyalty.points = null
}
journey k {
  entry event app.later
  reentry always
  if profile.loyalty.tier == "gold" and profile.loyalty.points == null { send email gold } else { send email other }
}
segment golden { profile.loyalty.tier == "gold" }
"""


def test_set_profile_updates_the_profile_for_later_steps_and_journeys():
    records = [prof("al", loyalty={"points": 5}), ev("al", t(10, "10:00"), "app.go"),
               ev("al", t(10, "11:00"), "app.later")]
    result = run(SET_PROFILE, records)
    assert send_times(result) == [(t(10, "10:00"), "gold"), (t(10, "11:00"), "gold")]
    assert [s["detail"] for s in result.events("set")] == [{"value": "gold"}, {"value": None}]


def test_set_profile_updates_streaming_membership():
    records = [prof("al"), ev("al", t(10, "10:00"), "app.go"), ev("al", t(10, "11:00"), "app.later")]
    result = run(SET_PROFILE, records)
    assert result.changes() == [(t(10, "10:00"), "golden", AL, "entered")]
    assert result.report["segments"]["golden"]["members"] == 1


def test_jump_to_journey_is_subject_to_reentry():
    source = message("m") + message("n") + """
journey j {
  entry event app.go
  reentry always
  jump to journey target
  send email m
}
journey target {
  entry event app.never
  reentry never
  send email n
}
"""
    records = [prof("al"), ev("al", t(10, "10:00"), "app.go"), ev("al", t(10, "11:00"), "app.go")]
    result = run(source, records)
    assert [(a["time"], a["journey"], a["message"]) for a in result.actions] == [
        (t(10, "10:00"), "target", "n"), (t(10, "10:00"), "j", "m"), (t(10, "11:00"), "j", "m")]
    assert result.refusals("target") == [(t(10, "11:00"), AL, "no reentry")]
    assert [e["detail"] for e in result.events("entered", "target")] == [{"via": "j"}]


EXIT_ON = message("m") + """
journey j {
  entry event app.go
  reentry always
  exit on event app.cancel "canceled"
  exit on event app.stop
  wait for event app.cancel, app.reply within 1h { on event { send email m } }
  wait 1h
  send email m
}
"""


@pytest.mark.parametrize("events, exits, sends", [
    # the exit criterion is checked before the wait for the same event resumes
    ([(t(10, "10:30"), "app.cancel")], [(t(10, "10:30"), AL, "canceled")], []),
    ([(t(10, "10:30"), "app.reply"), (t(10, "11:00"), "app.stop")],
     [(t(10, "11:00"), AL, "exit criteria")], [t(10, "10:30")]),
    # at the instant the plain wait ends, the record comes first: it still exits
    ([(t(10, "10:30"), "app.reply"), (t(10, "11:30"), "app.stop")], [(t(10, "11:30"), AL, "exit criteria")],
     [t(10, "10:30")]),
    ([(t(10, "10:30"), "app.reply"), (t(10, "11:30:00.001"), "app.stop")], [(t(10, "11:30"), AL, "completed")],
     [t(10, "10:30"), t(10, "11:30")]),
    ([(t(10, "09:00"), "app.cancel")], [(t(10, "12:00"), AL, "completed")], [t(10, "12:00")]),  # before entry
])
def test_exit_on_event(events, exits, sends):
    records = [prof("al"), ev("al", t(10, "10:00"), "app.go")] + [ev("al", at, kind) for at, kind in events]
    result = run(EXIT_ON, records)
    assert result.exits("j") == exits
    assert [a["time"] for a in result.actions] == sends


@pytest.mark.parametrize("header, body, exit_at, reason", [
    ("", "wait 100d  send email m", t(9, "10:00", month=1, year=2027), "timeout"),   # default 91d
    ("timeout 2h", "wait 3h  send email m", t(10, "12:00"), "timeout"),
    # due at one instant: the timeout timer was created at entry, before the wait's timer
    ("timeout 2h", "wait 2h  send email m", t(10, "12:00"), "timeout"),
    ("timeout 2h", "wait 1h59m59s999ms  send email m", t(10, "11:59:59.999"), "completed"),
    ("timeout 2h", "wait for event app.reply within 5h { on event { send email m } }", t(10, "12:00"), "timeout"),
    ("timeout 2h", 'wait until next 09:00 in "UTC"  send email m', t(10, "12:00"), "timeout"),
])
def test_timeout(header, body, exit_at, reason):
    result = run(journey(body, header), [prof("al"), ev("al", t(10, "10:00"), "app.go")])
    assert result.exits("j") == [(exit_at, AL, reason)]
    assert [a["time"] for a in result.actions] == ([exit_at] if reason == "completed" else [])
    assert result.journey_stats("j")["exits"] == {reason: 1}
