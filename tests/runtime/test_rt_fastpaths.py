"""The runtime's shortcuts change nothing but speed and memory.

* Segment polarity (`segment_polarity.py`): the masks per construct, and which segments
  profile records re-evaluate.
* History projection (`projection.py`): what is kept of a stored event.
* Attribute projection (`attributes.py`): what is kept of profile attributes.
* Equivalence: seeded random logs over segments of every shape give byte-identical
  outputs with every shortcut on and with every shortcut off (polarity BOTH everywhere,
  every segment re-evaluated on profile records, whole events and attributes stored, no
  bisection, closures instead of conditions compiled to Python source), and so do the
  seed journeys over a generated log.
"""
from __future__ import annotations

import json
import os
import random

import pytest
from harness import build, message, replay_files, write_log

from journeylang.runtime.core import attributes as AP
from journeylang.runtime.core import projection as P
from journeylang.runtime.core import segment_polarity as SP
from journeylang.runtime.core import state
from journeylang.runtime.core.segment_polarity import BOTH, DOWN, UP, SegmentPolarity
from journeylang.runtime.core.values import Event
from journeylang.syntax import ast as A
from journeylang.syntax.parser import parse_source


def segment(text: str) -> A.SegmentDecl:
    source, problems = parse_source(text, "t.journey")
    assert not problems, problems
    return source.decls[0]


def polarity(text: str) -> SegmentPolarity:
    return SegmentPolarity(segment(text), [])


def pattern_of(decl: A.SegmentDecl, index: int) -> A.EventPattern:
    return [n for n in A.walk(decl) if isinstance(n, A.EventPattern)][index]


# ------------------------------------------------------------------ polarity
@pytest.mark.parametrize("body, arrival, enter, leave", [
    ("has event a.x within 1d", UP, UP, DOWN),
    ("no event a.x within 1d", DOWN, DOWN, UP),
    ("has first event a.x as v within 1d", UP, UP, BOTH),
    ("has last event a.x as v between 4d and 3d ago", BOTH, BOTH, DOWN),
    ("count event a.x within 1d >= 2", BOTH, BOTH, BOTH),
    ("has event a.x within 1d or has event b.y", BOTH, BOTH, BOTH),
    ("not has event a.x within 1d", BOTH, BOTH, BOTH),
])
def test_polarity_of_each_construct(body, arrival, enter, leave):
    decl = segment(f"segment s {{\n  {body}\n}}\n")
    pol = SegmentPolarity(decl, [])
    assert pol.arrival_mask("a.x") == arrival
    first = pattern_of(decl, 0)
    assert pol.boundary_mask(first, True) == enter
    assert pol.boundary_mask(first, False) == leave


def test_a_type_read_both_ways_is_both():
    pol = polarity("segment s {\n  has event a.x as v within 1d\n  no event a.x after v\n}\n")
    assert pol.arrival_mask("a.x") == BOTH


def test_patterns_inside_a_where_are_both():
    pol = polarity("segment s {\n  has event a.x where has event b.y within 1d\n}\n")
    assert pol.arrival_mask("a.x") == UP
    assert pol.arrival_mask("b.y") == BOTH


def test_star_patterns_apply_to_every_type():
    pol = polarity("segment s {\n  no event * within 1h\n}\n")
    assert pol.arrival_mask("anything.at.all") == DOWN


@pytest.mark.parametrize("body, reads", [
    ("has event a.x within 1d", False),
    ('has event a.x within 1d\n  profile.tier == "gold"', True),
    ("has event a.x where event.t > now - 1d", True),
    ("consented(email)", True),
])
def test_segments_reading_attributes_or_now_are_never_skipped(body, reads):
    pol = polarity(f"segment s {{\n  {body}\n}}\n")
    assert pol.reads_state is reads
    if reads:
        assert pol.arrival_mask("a.x") == BOTH


def test_can_change():
    assert SP.can_change(UP, False) and not SP.can_change(UP, True)
    assert SP.can_change(DOWN, True) and not SP.can_change(DOWN, False)
    assert SP.can_change(BOTH, True) and SP.can_change(BOTH, False)


# ------------------------------------------------------------------ projection
def projection_of(text: str) -> P.HistoryProjection:
    source, problems = parse_source(text, "t.journey")
    assert not problems, problems

    class Program:
        segments = {d.name.name: d for d in source.decls if isinstance(d, A.SegmentDecl)}
        journeys = {d.name.name: d for d in source.decls if isinstance(d, A.JourneyDecl)}
    return P.HistoryProjection(Program)


def test_projection_keeps_the_paths_wheres_read():
    proj = projection_of("""
segment s {
  has event a.add as add within 1d
  no event a.remove where event.cart.id == add.cart.id after add
  has event a.view where "x" in event.items[*].category within 1d
}
""")
    assert proj.by_type["a.add"] == {"cart": {"id": True}}
    assert proj.by_type["a.remove"] == {"cart": {"id": True}}
    assert proj.by_type["a.view"] == {"items": {"category": True}}
    data = {"cart": {"id": "c1", "total": 9}, "items": [{"category": "x", "sku": "s1"}, 3], "big": "y" * 1000}
    stored = proj.store(Event(1, 1, "a.view", None, data))
    assert stored.data == {"items": [{"category": "x"}, 3]}
    assert stored.ts == 1 and stored.seq == 1 and stored.type == "a.view"
    assert proj.store(Event(1, 2, "a.add", "web", data)).data == {"cart": {"id": "c1"}}


def test_projection_of_unread_types_keeps_no_fields():
    proj = projection_of("segment s {\n  has event a.x within 1d\n}\n")
    assert proj.store(Event(5, 1, "a.x", "web", {"k": 1})).data == {}
    assert proj.store(Event(5, 1, "a.x", "web", {"k": 1})).dataset == "web"


@pytest.mark.parametrize("body", [
    "has event a.x as v within 1d\n  coalesce(v, 1) == 1",    # the alias used whole
    "has event a.x where event.items[profile.k] == 1",         # an index that is not a literal
    "sum(items) of event a.x within 1d > 1",                    # sum over a whole field
])
def test_projection_keeps_whole_values_it_cannot_narrow(body):
    proj = projection_of(f"segment s {{\n  {body}\n}}\n")
    stored = proj.store(Event(1, 1, "a.x", None, {"items": [1, 2], "other": 1}))
    assert stored.data["items"] == [1, 2]


def test_projection_keeps_whole_events_bound_in_journey_conditions():
    proj = projection_of(message("m") + """
journey j {
  entry event a.go
  if has event a.x as x within 1d { send email m }
}
""")
    event = Event(1, 1, "a.x", None, {"anything": 1})
    assert proj.store(event) is event


# ------------------------------------------------------------------ equivalence
EQUIVALENCE_PROGRAM = message("hi") + """
segment recent_add {
  has event shop.add as add between 2h and 30m ago
  no event shop.buy after add
  no event shop.remove where event.cart.id == add.cart.id after add
}
segment last_view_quiet {
  has last event shop.view as v between 3h and 1h ago
  no event shop.add, shop.buy after v within 1h
}
segment first_view {
  has first event shop.view as f within 4h
  f.item.kind == "shoe"
}
segment busy {
  count event shop.view within 2h >= 3
}
segment spenders {
  sum(order.total) of event shop.buy within 6h > 100
}
segment quiet {
  no event shop.view, shop.add within 90m
  has event shop.view before 1h ago
}
segment gold_recent {
  profile.tier == "gold"
  has event * within 1h
}
segment nested {
  in_segment(busy) or in_segment(spenders)
}
segment kinds {
  has event shop.view where "shoe" in event.items[*].kind within 2h
}
segment everyone {
  true
}
journey greet {
  entry audience recent_add
  reentry always
  send email hi
}
"""


def random_log(seed: int) -> list[dict]:
    rng = random.Random(seed)
    names = ["al", "bo", "cy"]
    records = [{"profile": n, "timestamp": "2026-10-01T00:00:00Z", "recordType": "profile",
                "personalEmail": {"address": f"{n}@example.org"}, "tier": rng.choice(["gold", "blue"])}
               for n in names]
    clock = 1_790_000_000_000
    for _ in range(160):
        clock += rng.choice([0, 1_000, 60_000, 600_000, 1_800_000, 3_600_000, 7_200_000])
        name = rng.choice(names)
        stamp = _iso(clock)
        if rng.random() < 0.08:
            records.append({"profile": name, "timestamp": stamp, "recordType": "profile",
                            "tier": rng.choice(["gold", "blue", None])})
            continue
        kind = rng.choice(["shop.view", "shop.view", "shop.add", "shop.remove", "shop.buy", "app.ping"])
        record = {"profile": name, "timestamp": stamp, "eventType": kind,
                  "cart": {"id": rng.choice(["c1", "c2"])}, "order": {"total": rng.choice([10, 60, 120])},
                  "item": {"kind": rng.choice(["shoe", "hat"])},
                  "items": [{"kind": rng.choice(["shoe", "hat"]), "sku": "x" * 50}]}
        records.append(record)
    return records


def _iso(ms: int) -> str:
    from journeylang.syntax.literals import format_timestamp
    return format_timestamp(ms)


def _slow_runtime(monkeypatch) -> None:
    """Turn every shortcut off."""
    monkeypatch.setattr(SP.SegmentPolarity, "arrival_mask", lambda self, event_type: BOTH)
    monkeypatch.setattr(SP.SegmentPolarity, "boundary_mask", lambda self, pattern, is_enter: BOTH)
    monkeypatch.setattr(P.HistoryProjection, "store", lambda self, event: event)
    monkeypatch.setattr(AP.AttributeProjection, "project", lambda self, update: update)
    monkeypatch.setattr(state, "BISECT_MIN_LEN", 10 ** 9)
    from journeylang.runtime import replay as R
    from journeylang.runtime.core.evaluator import Compiler
    monkeypatch.setattr(R, "COMPILER", Compiler)   # closures instead of generated source
    monkeypatch.setattr(R, "ONE_PASS_ARRIVALS", False)   # relevant + on_arrival + _update_segments
    from journeylang.runtime.core import segments as S
    original = S.SegmentEngine.__init__

    def init(self, program, compiler):
        original(self, program, compiler)
        self.state_readers = list(self.streaming)
        self.last_exit = {}      # every window exit of `has last ... as A` gets its timer
    monkeypatch.setattr(S.SegmentEngine, "__init__", init)


@pytest.mark.parametrize("seed", range(6))
def test_shortcuts_do_not_change_outputs(seed, tmp_path, monkeypatch):
    analysis = build(str(tmp_path / "program"), EQUIVALENCE_PROGRAM)
    log = write_log(str(tmp_path / "events.jsonl"), random_log(seed))
    monkeypatch.setattr(state, "BISECT_MIN_LEN", 2)   # bisect every list worth it
    fast = replay_files(analysis, [log], "2026-11-01T00:00:00Z")
    with monkeypatch.context() as patch:
        _slow_runtime(patch)
        slow_analysis = build(str(tmp_path / "program"), EQUIVALENCE_PROGRAM)   # same paths: same `where`
        slow = replay_files(slow_analysis, [log], "2026-11-01T00:00:00Z")
    assert fast.segments, "the log should move some segment"
    assert json.dumps(fast.segments) == json.dumps(slow.segments)
    assert json.dumps(fast.actions) == json.dumps(slow.actions)
    assert json.dumps(fast.trace) == json.dumps(slow.trace)
    assert fast.report == slow.report


def test_equivalence_log_exercises_every_segment(tmp_path):
    analysis = build(str(tmp_path / "program"), EQUIVALENCE_PROGRAM)
    moved = set()
    for seed in range(6):
        log = write_log(str(tmp_path / f"e{seed}.jsonl"), random_log(seed))
        moved |= {s["segment"] for s in replay_files(analysis, [log], "2026-11-01T00:00:00Z").segments}
    assert moved == {"recent_add", "last_view_quiet", "first_view", "busy", "spenders", "quiet", "gold_recent",
                     "nested", "kinds", "everyone"}


def test_a_constant_segment_holds_from_a_profiles_first_record(tmp_path):
    # `everyone` reads no event and no attribute: a profile known only from events is a
    # member from its first record on, and one with a profile record too
    program = "segment everyone {\n  true\n}\nsegment nobody {\n  false\n}\n"
    analysis = build(str(tmp_path / "program"), program)
    log = write_log(str(tmp_path / "events.jsonl"), [
        {"profile": "al", "timestamp": "2026-10-01T10:00:00Z", "eventType": "app.ping"},
        {"profile": "bo", "timestamp": "2026-10-01T11:00:00Z", "recordType": "profile", "tier": "gold"},
        {"profile": "al", "timestamp": "2026-10-01T12:00:00Z", "eventType": "app.ping"},
    ])
    result = replay_files(analysis, [log])
    assert result.changes() == [("2026-10-01T10:00:00Z", "everyone", "Email:al@example.org", "entered"),
                                ("2026-10-01T11:00:00Z", "everyone", "Email:bo@example.org", "entered")]
    assert result.report["segments"]["everyone"]["members"] == 2


# ------------------------------------------------------------------ attribute projection
def attribute_tree(text: str, tmp_path):
    analysis = build(str(tmp_path / "attrs"), text)
    return AP.AttributeProjection(analysis.program).tree


def test_attribute_projection_keeps_what_expressions_templates_and_sends_read(tmp_path):
    tree = attribute_tree(message("m", body="Hi {{ profile.person.name.firstName | default('you') }} "
                                            "{{ profile['loyalty'].tier }} {{ profile.cart.items[0].sku }}") + """
segment s {
  profile.score > 3
}
journey j {
  entry audience s
  if consented(sms) and profile.prefs[profile.lang] == 1 { send email m }
}
""", tmp_path)
    assert tree["person"] == {"name": {"firstName": True}}
    assert tree["loyalty"] == {"tier": True}
    assert tree["cart"] == {"items": {"sku": True}}
    assert tree["score"] is True
    assert tree["prefs"] is True and tree["lang"] is True          # a computed index keeps the whole object
    assert tree["consents"]["marketing"]["sms"] == {"val": True}
    assert tree["personalEmail"] == {"address": True} and tree["mobilePhone"] == {"number": True}
    assert "anythingElse" not in tree


@pytest.mark.parametrize("body", ["{{ profile | tojson }}", "{% set p = profile %}{{ p.x }}",
                                  "{% for k in profile %}{{ k }}{% endfor %}"])
def test_a_template_using_the_whole_profile_keeps_everything(body, tmp_path):
    tree = attribute_tree(message("m", body=body) + """
journey j {
  entry event a.go
  reentry always
  send email m
}
""", tmp_path)
    assert tree is True


def test_attribute_projection_drops_unread_fields_and_keeps_null_deletions(tmp_path):
    analysis = build(str(tmp_path / "p"), "segment s {\n  profile.tier == \"gold\"\n}\n")
    projection = AP.AttributeProjection(analysis.program)
    assert projection.project({"tier": None, "huge": "x" * 1000, "consents": {"share": {"val": "y", "ts": 1}}}) == {
        "tier": None, "consents": {"share": {"val": "y"}}}


@pytest.mark.parametrize("tree", [{}, {"a": True}, {"a": {"b": True}, "c": True},
                                  {"items": {"sku": True, "tags": {"x": True}}}, {"a": {}, "z": {"y": {"x": True}}}])
def test_a_compiled_projection_is_project_itself(tree):
    values = [None, 3, "s", [], {}, {"a": 1, "b": 2, "c": None}, {"a": {"b": [1, {"b": 2}], "q": 1}, "c": [1]},
              {"items": [{"sku": "k", "price": 1, "tags": [{"x": 1, "y": 2}, "t"]}, 7, None], "a": [{"b": 1}]},
              {"z": {"y": [{"x": {"deep": 1}, "w": 0}]}, "a": {"k": 1}}, [{"a": {"b": 1, "c": 2}}, {"c": 1}]]
    compiled = P.compile_projection(tree)
    for value in values:
        assert compiled(value) == P.project(value, tree), value
        assert list(_keys(compiled(value))) == list(_keys(P.project(value, tree)))   # same key order
    assert P.compile_projection(True) is None   # FULL: the whole value is kept


def _keys(value):
    if isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _keys(item)
    elif isinstance(value, list):
        for item in value:
            yield from _keys(item)


def test_the_seed_journeys_give_identical_outputs_with_every_shortcut_off(tmp_path, monkeypatch):
    from journeylang.generate.xdm_log import generate_log
    log = str(tmp_path / "seed.jsonl")
    generate_log(log, profiles=80, days=6, seed=11, start="2026-11-18T00:00:00Z")
    journeys = os.path.join(os.path.dirname(__file__), "..", "..", "journeys")
    from journeylang.pipeline import analyse
    fast = replay_files(analyse([journeys]), [log])
    with monkeypatch.context() as patch:
        _slow_runtime(patch)
        slow = replay_files(analyse([journeys]), [log])
    assert len(fast.actions) > 50 and fast.segments
    assert json.dumps(fast.actions) == json.dumps(slow.actions)
    assert json.dumps(fast.trace) == json.dumps(slow.trace)
    assert json.dumps(fast.segments) == json.dumps(slow.segments)
    assert fast.report == slow.report


# ------------------------------------------------------------------ timer sweeps
def _count_sweeps(monkeypatch) -> dict:
    from journeylang.runtime import replay as R
    seen = {"sweeps": 0, "dropped": 0}
    original = R.Runtime._sweep_timers

    def sweep(self):
        before = len(self.timers)
        original(self)
        self.sweep_at = len(self.timers)    # and again at the next push: as often as possible
        seen["sweeps"] += 1
        seen["dropped"] += before - len(self.timers)
    monkeypatch.setattr(R.Runtime, "_sweep_timers", sweep)
    return seen


@pytest.mark.parametrize("program", ["equivalence", "seed"])
def test_sweeping_dead_timers_changes_no_output(program, tmp_path, monkeypatch):
    """Dead timers (ended instances' timeouts, replaced waits and segment timers) dropped
    from the heap as often as possible give the same bytes as never dropping them."""
    from journeylang.pipeline import analyse
    from journeylang.runtime import replay as R
    if program == "seed":
        from journeylang.generate.xdm_log import generate_log
        log = str(tmp_path / "seed.jsonl")
        generate_log(log, profiles=80, days=6, seed=11, start="2026-11-18T00:00:00Z")
        journeys = os.path.join(os.path.dirname(__file__), "..", "..", "journeys")
        make, until = (lambda: analyse([journeys])), None
    else:
        log = write_log(str(tmp_path / "events.jsonl"), random_log(3))
        make = lambda: build(str(tmp_path / "program"), EQUIVALENCE_PROGRAM)   # noqa: E731
        until = "2026-11-01T00:00:00Z"
    with monkeypatch.context() as patch:
        patch.setattr(R, "TIMER_SWEEP_MIN", 10 ** 12)
        kept = replay_files(make(), [log], until)
    with monkeypatch.context() as patch:
        patch.setattr(R, "TIMER_SWEEP_MIN", 1)
        seen = _count_sweeps(patch)
        swept = replay_files(make(), [log], until)
    assert seen["sweeps"] > 10 and seen["dropped"] > 10, seen
    assert kept.trace and json.dumps(kept.trace) == json.dumps(swept.trace)
    assert json.dumps(kept.actions) == json.dumps(swept.actions)
    assert json.dumps(kept.segments) == json.dumps(swept.segments)
    assert kept.report == swept.report
