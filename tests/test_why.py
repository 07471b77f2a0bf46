"""`journeylang why PROFILE`: a profile's timeline through a journey (journeylang/why.py),
read from a replay's output folder (`--out DIR`) or replayed on the fly
(`PATH... --events LOG...`).

The timeline has the entry, waits and resumptions, each branch with its condition and
the values it read, each send with its status and reason, and the exit.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from journeylang import cli

PROGRAM = """\
journey cart {
  description "Remind about a cart after 30 minutes unless it was bought."
  entry event commerce.productListAdds as add
  reentry always
  timeout 1d

  wait for event commerce.purchases within 30m {
    on event {
      exit "bought"
    }
  }
  if consented(email) {
    send email reminder
  }
  send sms reminder_sms
}

message reminder {
  channel email
  subject "Your cart is waiting"
  body "Hi {{ profile.person.name.firstName | default('there') }}"
}

message reminder_sms {
  channel sms
  body "Your cart is waiting. Reply STOP to opt out."
}
"""


def _record(_id: str, at: str, email: str, **fields) -> dict:
    return {"_id": _id, "timestamp": at, "identityMap": {"Email": [{"id": email, "primary": True}]}, **fields}


EVENTS = [
    _record("p-ann", "2026-11-20T09:00:00Z", "ann@example.com", recordType="profile",
            personalEmail={"address": "ann@example.com"}, mobilePhone={"number": "+46700000001"},
            consents={"marketing": {"email": {"val": "y"}, "sms": {"val": "n"}}}),
    _record("p-bob", "2026-11-20T09:00:00Z", "bob@example.com", recordType="profile",
            personalEmail={"address": "bob@example.com"},
            consents={"marketing": {"email": {"val": "n"}, "sms": {"val": "y"}}}),
    _record("e-1", "2026-11-20T10:00:00Z", "ann@example.com", eventType="commerce.productListAdds",
            commerce={"cart": {"cartID": "c1"}}),
    _record("e-2", "2026-11-20T10:00:00Z", "bob@example.com", eventType="commerce.productListAdds",
            commerce={"cart": {"cartID": "c2"}}),
    _record("e-3", "2026-11-20T11:00:00Z", "cy@example.com", eventType="commerce.productListAdds",
            commerce={"cart": {"cartID": "c3"}}),
    _record("e-4", "2026-11-20T11:10:00Z", "cy@example.com", eventType="commerce.purchases",
            commerce={"order": {"purchaseID": "O-1"}}),
]


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    folder = tmp_path_factory.mktemp("why")
    (folder / "cart.journey").write_text(PROGRAM, encoding="utf-8")
    log = folder / "events.jsonl"
    log.write_text("".join(json.dumps(r) + "\n" for r in EVENTS), encoding="utf-8")
    out = folder / "out"
    assert cli.main(["replay", str(folder / "cart.journey"), "--events", str(log), "--out", str(out), "--quiet"]) == 0
    return folder, log, out


def _why(capsys, *args: str) -> tuple[int, str, str]:
    code = cli.main(["why", *args])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err and "internal error" not in err, out + err
    return code, out, err


def test_why_from_a_replay_folder(capsys, setup):
    folder, _, out = setup
    code, text, _ = _why(capsys, "Email:ann@example.com", str(folder / "cart.journey"), "--journey", "cart",
                         "--out", str(out))
    assert code == 0
    assert text.splitlines() == [
        "Email:ann@example.com in journey cart",
        "  2026-11-20T10:00:00Z  entered as cart/Email:ann@example.com/1",
        "  2026-11-20T10:00:00Z  n1 wait for event commerce.purchases within 30m (line 7): "
        "waiting until 2026-11-20T10:30:00Z",
        "  2026-11-20T10:30:00Z  n1 wait for event commerce.purchases within 30m (line 7): resumed (on timeout)",
        "  2026-11-20T10:30:00Z  n4 if (line 12): took `true`: consented(email) was true",
        "                          true: consented(email)  -> true",
        '                              profile.consents.marketing.email.val = "y"',
        "  2026-11-20T10:30:00Z  n5 send email reminder (line 13): email reminder -> sent",
        "  2026-11-20T10:30:00Z  n7 send sms reminder_sms (line 15): sms reminder_sms -> suppressed (no consent)",
        "  2026-11-20T10:30:00Z  exited: completed  at n8 end (completed) (line 16)",
    ]


def test_why_shows_the_false_branch_and_a_failed_send(capsys, setup):
    folder, _, out = setup
    code, text, _ = _why(capsys, "bob@example.com", str(folder), "--journey", "cart", "--out", str(out))
    assert code == 0
    assert "n4 if (line 12): took `false`: consented(email) was false" in text
    assert "true: consented(email)  -> false" in text
    assert 'profile.consents.marketing.email.val = "n"' in text
    assert "sms reminder_sms -> failed (no address)" in text  # consented, but no mobile number
    assert "exited: completed" in text


def test_why_shows_the_exit_on_an_event(capsys, setup):
    folder, _, out = setup
    code, text, _ = _why(capsys, "cy@example.com", str(folder), "--journey", "cart", "--out", str(out))
    assert code == 0
    assert "2026-11-20T11:10:00Z  n1 wait for event commerce.purchases within 30m (line 7): " \
           "resumed (on event) by commerce.purchases" in text
    assert '2026-11-20T11:10:00Z  exited: bought  at n2 exit "bought" (line 9)' in text
    assert "send" not in text


def test_why_out_alone_labels_steps_from_the_recorded_program(capsys, setup):
    """report.json records the program (paths and hash): `why --out DIR` alone labels every step."""
    _, _, out = setup
    code, text, err = _why(capsys, "ann@example.com", "--out", str(out))
    assert code == 0 and err == ""
    assert text.startswith("ann@example.com in every journey (it reached cart; each line names its journey)\n")
    assert "  2026-11-20T10:00:00Z  [cart] entered as cart/Email:ann@example.com/1" in text
    assert "[cart] n5 send email reminder (line 13): email reminder -> sent" in text


def test_why_warns_when_the_program_changed_since_the_replay(capsys, setup, tmp_path):
    folder, log, _ = setup
    program = tmp_path / "cart.journey"
    program.write_text(PROGRAM, encoding="utf-8")
    out = tmp_path / "out"
    assert cli.main(["replay", str(program), "--events", str(log), "--out", str(out), "--quiet"]) == 0
    program.write_text("# a comment moves every line down\n" + PROGRAM, encoding="utf-8")
    code, text, err = _why(capsys, "ann@example.com", "--out", str(out))
    assert code == 0
    assert "the program changed since the replay" in err
    # labels still come from the replay's own trace lines: line 13, not 14
    assert "[cart] n5 send email reminder (line 13): email reminder -> sent" in text


def test_why_without_any_program_uses_node_ids(capsys, setup, tmp_path):
    """Outputs with neither a recorded program nor `where` on their lines (older replays)."""
    _, _, out = setup
    bare = tmp_path / "bare"
    bare.mkdir()
    lines = (out / "trace.jsonl").read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines]
    for record in records:
        record.pop("where", None)
    (bare / "trace.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    code, text, _ = _why(capsys, "ann@example.com", "--out", str(bare))
    assert code == 0
    assert "[cart] n5: email reminder -> sent" in text


def test_options_and_positionals_in_any_order(capsys, setup):
    folder, _, out = setup
    code, first, _ = _why(capsys, "ann@example.com", "--out", str(out), str(folder / "cart.journey"))
    assert code == 0
    code, second, _ = _why(capsys, "--out", str(out), "ann@example.com", "--journey", "cart", str(folder))
    assert code == 0
    assert "n5 send email reminder (line 13)" in first and "n5 send email reminder (line 13)" in second


def test_why_on_the_fly_equals_why_from_the_folder(capsys, setup):
    folder, log, out = setup
    _, from_folder, _ = _why(capsys, "Email:ann@example.com", str(folder / "cart.journey"), "--journey", "cart",
                             "--out", str(out))
    code, on_the_fly, _ = _why(capsys, "Email:ann@example.com", str(folder / "cart.journey"), "--journey", "cart",
                               "--events", str(log))
    assert code == 0
    assert on_the_fly == from_folder


def test_why_on_the_fly_with_until(capsys, setup):
    folder, log, _ = setup
    code, text, _ = _why(capsys, "ann@example.com", str(folder / "cart.journey"), "--events", str(log),
                         "--until", "2026-11-20T10:15:00Z")
    assert code == 0
    assert "waiting until 2026-11-20T10:30:00Z" in text
    assert "resumed" not in text and "exited" not in text


def test_a_known_profile_outside_the_journey_prints_the_no_trace_line(capsys, setup, tmp_path):
    _, _, out = setup
    code, text, _ = _why(capsys, "Email:ann@example.com", "--journey", "cart", "--out", str(out))
    assert code == 0 and "entered" in text


@pytest.mark.parametrize("asked, suggested", [
    ("Email:ann@exmaple.com", "`Email:ann@example.com`"),    # a typo: close spelling
    ("ann", "`Email:ann@example.com`"),                       # a prefix of the value
    ("Email:b", "`Email:bob@example.com`"),                   # a prefix of the id
])
def test_unknown_profile_exits_1_with_did_you_mean(capsys, setup, asked, suggested):
    _, _, out = setup
    code, text, err = _why(capsys, asked, "--out", str(out))
    assert code == 1 and text == ""
    assert err.startswith(f"journeylang: no profile `{asked}` in the replay; did you mean ")
    assert suggested in err


def test_unknown_profile_far_from_any_exits_1(capsys, setup):
    _, _, out = setup
    code, _, err = _why(capsys, "Email:nobody@nowhere.org", "--out", str(out))
    assert code == 1 and "no profile `Email:nobody@nowhere.org`" in err


def test_missing_out_folder_exits_1(capsys, tmp_path):
    code, _, err = _why(capsys, "ann@example.com", "--out", str(tmp_path / "nope"))
    assert code == 1
    assert "no trace.jsonl in" in err


def test_neither_out_nor_events_exits_2(capsys, setup):
    folder, _, _ = setup
    for args in (["ann@example.com"], ["ann@example.com", str(folder)]):
        code, _, err = _why(capsys, *args)
        assert code == 2
        assert "why needs --out DIR" in err


def test_unknown_journey_exits_1(capsys, setup):
    folder, _, out = setup
    code, _, err = _why(capsys, "ann@example.com", str(folder), "--journey", "nope", "--out", str(out))
    assert code == 1
    assert "no journey named `nope` (journeys: cart)" in err
    code, _, err = _why(capsys, "ann@example.com", "--journey", "crat", "--out", str(out))
    assert code == 1 and "no journey named `crat`; did you mean `cart`?" in err


def test_unreadable_log_exits_1(capsys, setup, tmp_path):
    folder, _, _ = setup
    code, _, err = _why(capsys, "ann@example.com", str(folder), "--events", str(tmp_path / "missing.jsonl"))
    assert code == 1
    assert err.startswith("journeylang: ")


def test_why_on_the_project_journeys(capsys, tmp_path):
    """The project's abandoned cart: the sms branch taken `false` with the consent value."""
    root = Path(__file__).resolve().parent.parent
    log = tmp_path / "events.jsonl"
    add = dict(EVENTS[2], identityMap={"Email": [{"id": "ann@example.com", "primary": True,
                                                  "authenticatedState": "authenticated"}]})
    log.write_text("".join(json.dumps(r) + "\n" for r in EVENTS[:2] + [add]), encoding="utf-8")
    code, text, _ = _why(capsys, "ann@example.com", str(root / "journeys"), "--journey", "abandoned_cart",
                         "--events", str(log))
    assert code == 0
    assert "entered as abandoned_cart/Email:ann@example.com/1" in text
    assert "consented(sms)  -> false" in text and 'profile.consents.marketing.sms.val = "n"' in text
    assert "email cart_reminder -> sent" in text
    assert "exited: completed" in text


def test_why_follows_a_profile_across_a_merge(capsys, tmp_path):
    # dan is known from 09:00; an anonymous visitor adds to a cart at 10:00 (entering the
    # journey as ECID:anon-1) and logs in as dan at 10:10: the profiles merge, dan's
    # (older) survives and the instance moves over. The entry was written under the
    # anonymous id; `why` shows it in dan's timeline, marked with that id.
    (tmp_path / "cart.journey").write_text(PROGRAM, encoding="utf-8")
    anonymous = {"ECID": [{"id": "anon-1", "primary": True}]}
    both = {"ECID": [{"id": "anon-1"}], "Email": [{"id": "dan@example.com", "primary": True}]}
    records = [
        _record("p-dan", "2026-11-20T09:00:00Z", "dan@example.com", recordType="profile",
                personalEmail={"address": "dan@example.com"}, consents={"marketing": {"email": {"val": "y"}}}),
        {"_id": "a-1", "timestamp": "2026-11-20T10:00:00Z", "identityMap": anonymous,
         "eventType": "commerce.productListAdds", "commerce": {"cart": {"cartID": "c9"}}},
        {"_id": "a-2", "timestamp": "2026-11-20T10:10:00Z", "identityMap": both, "eventType": "web.login"},
    ]
    log = tmp_path / "events.jsonl"
    log.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    out = tmp_path / "out"
    assert cli.main(["replay", str(tmp_path), "--events", str(log), "--out", str(out), "--quiet"]) == 0
    merges = [json.loads(line) for line in (out / "identities.jsonl").read_text().splitlines()]
    assert merges == [{"time": "2026-11-20T10:10:00Z", "profile": "Email:dan@example.com",
                       "absorbed": "ECID:anon-1"}]
    for asked in ("dan@example.com", "ECID:anon-1"):
        code, text, _ = _why(capsys, asked, "--journey", "cart", "--out", str(out))
        assert code == 0
        lines = text.splitlines()
        assert lines[:2] == ["Email:dan@example.com in journey cart",
                             "  (ECID:anon-1 merged into it at 2026-11-20T10:10:00Z)"]
        assert "  2026-11-20T10:00:00Z  entered as cart/ECID:anon-1/1  (as ECID:anon-1)" in lines
        assert any("email reminder -> sent" in line and "(as" not in line for line in lines)
    _, on_the_fly, _ = _why(capsys, "dan@example.com", str(tmp_path), "--journey", "cart", "--events", str(log))
    _, from_folder, _ = _why(capsys, "dan@example.com", str(tmp_path), "--journey", "cart", "--out", str(out))
    assert on_the_fly == from_folder
