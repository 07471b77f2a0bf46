"""Sends: consent, frequency caps, quiet hours (incl. DST), addresses, template errors, escaping."""
from __future__ import annotations

import hashlib

import pytest
from harness import ev, message, pid, prof, run, t

from journeylang.syntax.literals import parse_timestamp

AL = pid("al")


def consents(**channels):
    """consents.marketing.<channel>.val, and share.val for ads."""
    out: dict = {"marketing": {}}
    for channel, value in channels.items():
        if channel == "ads":
            out["share"] = {"val": value}
        else:
            out["marketing"][channel] = {"val": value}
    return out


def one_send(channel: str, *, transactional: bool = False, body: str | None = None, extra: str = "",
             to: str = "") -> str:
    decl = message("m", channel=channel, transactional=transactional, body=body)
    return decl + extra + f"""
journey j {{
  entry event app.go
  reentry always
  send {channel} m{to}
}}
"""


@pytest.mark.parametrize("channel", ["email", "sms", "push", "ads"])
@pytest.mark.parametrize("value, status", [
    ("y", "sent"), ("Y", "sent"), ("n", "suppressed"), ("yes", "suppressed"), ("", "suppressed"),
    (None, "suppressed"),
])
def test_consent_per_channel(channel, value, status):
    # consent for every other channel does not help
    others = {other: "y" for other in ("email", "sms", "push", "ads") if other != channel}
    given = consents(**others, **({channel: value} if value is not None else {}))
    records = [prof("al", consents=given), ev("al", t(10, "10:00"), "app.go")]
    result = run(one_send(channel), records)
    assert [(a["status"], a["reason"]) for a in result.actions] == [
        (status, None if status == "sent" else "no consent")]


def test_absent_consents_object_is_no_consent_and_transactional_skips_consent():
    source = one_send("email") + message("receipt") + """
journey r { entry event app.go reentry always send email receipt }
"""
    records = [prof("al", consents=None), ev("al", t(10, "10:00"), "app.go")]
    result = run(source, records)
    assert [(a["journey"], a["status"], a["reason"]) for a in result.actions] == [
        ("j", "suppressed", "no consent"), ("r", "sent", None)]


def test_consent_is_read_at_the_send_instant():
    records = [prof("al", consents=consents(email="n")), ev("al", t(10, "10:00"), "app.go"),
               {"profile": "al", "timestamp": t(10, "11:00"), "recordType": "profile",
                "consents": {"marketing": {"email": {"val": "Y"}}}},
               ev("al", t(10, "11:00"), "app.go", _id="again")]
    result = run(one_send("email"), records)
    assert result.statuses() == [(t(10, "10:00"), "m", "suppressed", "no consent"), (t(10, "11:00"), "m", "sent", None)]


CAP = "policy { frequency cap email 2 per 1d }\n"


def test_frequency_cap_rolling_window():
    times = [t(10, "10:00"), t(10, "11:00"), t(10, "12:00"), t(11, "09:59:59.999"), t(11, "10:00"),
             t(11, "10:00:00.001")]
    records = [prof("al")] + [ev("al", at, "app.go") for at in times]
    result = run(one_send("email", extra=CAP), records)
    assert [(a["time"], a["status"], a["reason"]) for a in result.actions] == [
        (t(10, "10:00"), "sent", None),
        (t(10, "11:00"), "sent", None),
        (t(10, "12:00"), "suppressed", "frequency cap"),
        (t(11, "09:59:59.999"), "suppressed", "frequency cap"),
        (t(11, "10:00"), "sent", None),        # 10:00 the day before is outside (now - 1d, now]
        (t(11, "10:00:00.001"), "suppressed", "frequency cap"),
    ]


def test_suppressed_and_failed_sends_do_not_count_towards_the_cap():
    policy = "policy { frequency cap email 1 per 1d }\n"
    records = [prof("al", email=False, consents=consents(email="n")),
               ev("al", t(10, "10:00"), "app.go"),                                  # suppressed: consent
               {"profile": "al", "timestamp": t(10, "10:30"), "recordType": "profile",
                "consents": {"marketing": {"email": {"val": "y"}}}},
               ev("al", t(10, "11:00"), "app.go"),                                  # failed: no address
               {"profile": "al", "timestamp": t(10, "11:30"), "recordType": "profile",
                "personalEmail": {"address": "al@example.org"}},
               ev("al", t(10, "12:00"), "app.go"),                                  # sent
               ev("al", t(10, "13:00"), "app.go")]                                  # capped
    result = run(one_send("email", extra=policy), records)
    assert [(a["status"], a["reason"]) for a in result.actions] == [
        ("suppressed", "no consent"), ("failed", "no address"), ("sent", None), ("suppressed", "frequency cap")]


def test_caps_are_per_channel_across_journeys_and_skip_transactional():
    source = message("m", transactional=False) + message("p", channel="push", transactional=False) + \
        message("receipt") + """
policy { frequency cap email 1 per 1d }
journey a { entry event app.go reentry always send email m }
journey b { entry event app.go reentry always send email m  send push p  send email receipt }
"""
    records = [prof("al"), ev("al", t(10, "10:00"), "app.go")]
    result = run(source, records)
    assert [(a["journey"], a["message"], a["status"], a["reason"]) for a in result.actions] == [
        ("a", "m", "sent", None), ("b", "m", "suppressed", "frequency cap"), ("b", "p", "sent", None),
        ("b", "receipt", "sent", None)]


QUIET = 'policy { quiet hours 21:00 to 08:00 in profile.timezone default "UTC" }\n'


@pytest.mark.parametrize("zone, go, expected", [
    # CEST (UTC+2): 20:59 local is outside, 21:00 inside, 07:59:59 inside, 08:00 outside
    ("Europe/Stockholm", t(10, "18:59"), t(10, "18:59")),
    ("Europe/Stockholm", t(10, "19:00"), t(11, "06:00")),
    ("Europe/Stockholm", t(11, "05:59:59"), t(11, "06:00")),
    ("Europe/Stockholm", t(11, "06:00"), t(11, "06:00")),
    # the night into 2026-10-25, when Stockholm goes from CEST to CET: 08:00 local is 07:00Z
    ("Europe/Stockholm", t(24, "20:00"), t(25, "07:00")),
    ("Europe/Stockholm", t(25, "06:30"), t(25, "07:00")),
    # the night into 2026-03-29, CET to CEST: 08:00 local is 06:00Z
    ("Europe/Stockholm", t(28, "21:00", month=3), t(29, "06:00", month=3)),
    # no zone, or an unknown one: the default zone (UTC here)
    (None, t(10, "20:59"), t(10, "20:59")),
    (None, t(10, "21:00"), t(11, "08:00")),
    ("Mars/Olympus_Mons", t(10, "21:00"), t(11, "08:00")),
    ("", t(10, "23:00"), t(11, "08:00")),
])
def test_quiet_hours_defer_to_their_end(zone, go, expected):
    attrs = {"timezone": zone} if zone is not None else {}
    records = [prof("al", ts=t(1, "00:00", month=3), **attrs), ev("al", go, "app.go")]
    result = run(one_send("email", extra=QUIET), records)
    assert [(a["time"], a["status"]) for a in result.actions] == [(expected, "sent")]
    deferred = result.events("deferred")
    assert [d["time"] for d in deferred] == ([go] if expected != go else [])
    assert all(d["reason"] == "quiet hours" for d in deferred)


@pytest.mark.parametrize("zone, go, expected", [
    (None, t(10, "03:00"), t(10, "12:00")),                    # 23:00 New York (EDT, UTC-4)
    ("Not/AZone", t(10, "03:00"), t(10, "12:00")),
    ("UTC", t(10, "03:00"), t(10, "08:00")),
])
def test_quiet_hours_fall_back_to_the_declared_default_zone(zone, go, expected):
    policy = 'policy { quiet hours 21:00 to 08:00 in profile.timezone default "America/New_York" }\n'
    attrs = {"timezone": zone} if zone is not None else {}
    records = [prof("al", **attrs), ev("al", go, "app.go")]
    result = run(one_send("email", extra=policy), records)
    assert [(a["time"], a["status"]) for a in result.actions] == [(expected, "sent")]


def test_a_deferred_send_is_tried_again_from_the_start():
    # consent withdrawn during the night: the retry at 08:00 is suppressed, written once
    records = [prof("al"), ev("al", t(10, "22:00"), "app.go"),
               {"profile": "al", "timestamp": t(11, "01:00"), "recordType": "profile",
                "consents": {"marketing": {"email": {"val": "n"}}}}]
    result = run(one_send("email", extra=QUIET), records)
    assert result.statuses() == [(t(11, "08:00"), "m", "suppressed", "no consent")]


def test_transactional_sends_ignore_quiet_hours_and_caps():
    records = [prof("al"), ev("al", t(10, "22:00"), "app.go"), ev("al", t(10, "22:01"), "app.go")]
    result = run(one_send("email", transactional=True,
                          extra=QUIET + "policy { frequency cap email 1 per 1d }\n"), records)
    assert [(a["time"], a["status"]) for a in result.actions] == [(t(10, "22:00"), "sent"),
                                                                   (t(10, "22:01"), "sent")]


def test_default_addresses_per_channel():
    source = (message("e") + message("s", channel="sms") + message("p", channel="push")
              + message("i", channel="inapp") + message("a", channel="ads", transactional=False) + """
journey j {
  entry event app.go
  reentry always
  send email e
  send sms s
  send push p
  send inapp i
  if consented(ads) { send ads a }
}
""")
    records = [prof("al", personalEmail={"address": " Al@Example.ORG "}, phone="+46700000009"),
               ev("al", t(10, "10:00"), "app.go")]
    result = run(source, records)
    digest = hashlib.sha256(b"al@example.org").hexdigest()
    assert [(a["channel"], a["to"], a["status"]) for a in result.actions] == [
        ("email", " Al@Example.ORG ", "sent"), ("sms", "+46700000009", "sent"), ("push", AL, "sent"),
        ("inapp", AL, "sent"), ("ads", digest, "sent")]


@pytest.mark.parametrize("channel", ["email", "sms"])
def test_no_address_fails(channel):
    records = [prof("al", email=False, phone=None), ev("al", t(10, "10:00"), "app.go")]
    result = run(one_send(channel, transactional=True), records)
    assert [(a["status"], a["reason"], a["to"], a["content"]) for a in result.actions] == [
        ("failed", "no address", None, None)]
    assert result.journey_stats("j")["actions"] == {f"{channel}/failed": 1}


def test_explicit_to_overrides_the_default_and_null_is_no_address():
    source = message("m", transactional=True) + """
journey j {
  entry event app.go as go
  reentry always
  send email m to go.contact
}
"""
    records = [prof("al"), ev("al", t(10, "10:00"), "app.go", contact="other@example.org"),
               ev("al", t(10, "10:01"), "app.go")]
    result = run(source, records)
    assert [(a["to"], a["status"], a["reason"]) for a in result.actions] == [
        ("other@example.org", "sent", None), (None, "failed", "no address")]


@pytest.mark.parametrize("body, status, text", [
    ("Hi {{ profile.person.name.firstName }}", "failed", "person"),               # printing undefined
    ("{% for x in profile.items %}{{ x }}{% endfor %}", "failed", "items"),       # iterating undefined
    ("{{ profile.keys }}", "failed", "keys"),                                     # a field, not dict.keys
    ("{% if profile.age > 3 %}old{% endif %}", "failed", None),                   # comparing undefined
    ('Hi {{ profile.person.name.firstName | default("there") }}', "sent", "Hi there"),
    ("{% if profile.person.name.firstName is defined %}x{% else %}y{% endif %}", "sent", "y"),
    ("{{ 1 / 0 }}", "failed", None),
])
def test_template_errors_fail_the_send_with_the_error_as_reason(body, status, text):
    records = [prof("al"), ev("al", t(10, "10:00"), "app.go")]
    result = run(one_send("sms", transactional=True, body=body), records)
    [action] = result.actions
    assert action["status"] == status
    if status == "failed":
        assert action["reason"].startswith("template error in body")
        assert action["content"] is None
        if text:
            assert text in action["reason"]
    else:
        assert action["reason"] is None and action["content"] == {"body": text}


def test_failed_template_does_not_stop_the_instance():
    source = message("bad", channel="sms", body="{{ profile.nope }}") + message("ok", channel="sms") + """
journey j { entry event app.go reentry always send sms bad  send sms ok }
"""
    result = run(source, [prof("al"), ev("al", t(10, "10:00"), "app.go")])
    assert [(a["message"], a["status"]) for a in result.actions] == [("bad", "failed"), ("ok", "sent")]
    assert result.exits("j") == [(t(10, "10:00"), AL, "completed")]


def test_html_escaping_of_email_bodies_only():
    name = "<b>Al & co</b>"
    source = (message("e", subject="Hi {{ profile.person.name.firstName }}",
                      body="<p>{{ profile.person.name.firstName }}</p>")
              + message("s", channel="sms", body="{{ profile.person.name.firstName }}")
              + message("p", channel="push", body="{{ profile.person.name.firstName }}") + """
journey j { entry event app.go reentry always send email e  send sms s  send push p }
""")
    records = [prof("al", person={"name": {"firstName": name}}), ev("al", t(10, "10:00"), "app.go")]
    result = run(source, records)
    contents = [a["content"] for a in result.actions]
    assert contents == [{"subject": "Hi " + name, "body": "<p>&lt;b&gt;Al &amp; co&lt;/b&gt;</p>"},
                        {"body": name}, {"title": "t", "body": name}]


def test_templates_see_aliases_journey_and_profile():
    source = message("m", channel="sms", transactional=True,
                     body="{{ go.item }}/{{ journey.name }}/{{ journey.entered_at }}/{{ profile.tier }}") + """
journey j { entry event app.go as go reentry always send sms m }
"""
    result = run(source, [prof("al", tier="gold"), ev("al", t(10, "10:00"), "app.go", item="kettlebell")])
    assert result.actions[0]["content"] == {"body": f"kettlebell/j/{t(10, '10:00')}/gold"}


def test_template_fields_named_like_dict_methods_read_the_record():
    source = message("m", channel="sms", transactional=True,
                     body="{% for i in go.items %}{{ i.name }};{% endfor %}{{ go.values | length }}") + """
journey j { entry event app.go as go reentry always send sms m }
"""
    records = [prof("al"), ev("al", t(10, "10:00"), "app.go", items=[{"name": "mat"}, {"name": "block"}],
                             values=[1, 2, 3])]
    result = run(source, records)
    assert result.actions[0]["content"] == {"body": "mat;block;3"}


def test_action_record_shape_and_id():
    result = run(one_send("email", transactional=True), [prof("al"), ev("al", t(10, "10:00"), "app.go")])
    [action] = result.actions
    assert list(action) == ["id", "time", "journey", "instance", "profile", "node", "where", "channel", "message",
                            "to", "status", "reason", "content"]
    assert action["where"]["label"] == "send email m" and action["where"]["line"] > 0
    expected = hashlib.sha256(f"j|{action['instance']}|{action['node']}|{parse_timestamp(t(10, '10:00'))}".encode()).hexdigest()[:20]
    assert action["id"] == expected and action["time"] == "2026-10-10T10:00:00Z"
