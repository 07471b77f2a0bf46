"""Conditions compiled to Python source (`core/pysource.py`) equal the closure compiler.

Every segment body below is compiled both ways and evaluated on one hand-made profile at
many instants, with bindings and a current event, and the results (truth and the
bindings found) must be the same. The replay-level equivalence (same bytes with either
compiler) is in `test_rt_fastpaths.py`.
"""
from __future__ import annotations

import pytest
from harness import build, message

from journeylang.runtime.core import state
from journeylang.runtime.core.evaluator import Compiler, Ctx
from journeylang.runtime.core.pysource import SourceCompiler
from journeylang.runtime.core.state import ProfileState
from journeylang.runtime.core.values import Event

BODIES = {
    "bind_backtrack": """has event shop.add as add within 10h
  no event shop.buy after add
  add.cart.id == "c3\"""",
    "anchor_within": """has event shop.add as add
  has event shop.view after add within 2h""",
    "anchor_is_not_after_itself": """has last event shop.add as a within 1d
  no event shop.add after a""",
    "where_alias_outer": """has event shop.add as add within 1d
  no event shop.remove where event.cart.id == add.cart.id after add""",
    "first_last": """has first event shop.view as f within 1d
  has last event shop.view, shop.add as l within 1d
  f.item.kind == "shoe" or l.cart.id == "c1\"""",
    "count_sum": """count event shop.view within 1d >= 2
  sum(order.total) of event shop.buy within 2d > 50""",
    "between_before": """has event shop.add between 5h and 30m ago
  has event shop.view before 1h ago""",
    "star_in": """has event shop.view where "shoe" in event.items[*].kind within 1d""",
    "dataset": """has event shop.view from web within 1d""",
    "any_type": """has event * within 3h""",
    "profile_reads": """profile.tier == "gold" or not (profile.age > 30)
  consented(email)""",
    "nested_and": """(has event shop.add as a within 1d and a.cart.id == "c1") or profile.tier == "blue\"""",
    "arith_functions": """lower(profile.tier) == "gold"
  profile.age + 1 >= 31
  len(profile.tags) > 1""",
    "index_and_lists": """profile.tags[0] in ["a", "b"]
  profile.tags[9] == null""",
    "clock": """has event shop.add as add within 1d
  add.timestamp + 2h > now""",
    "event_name_shadow": """has event shop.view as event within 1d
  event.item.kind == "shoe\"""",
}


def _program() -> str:
    return message("hi") + "".join(f"segment {name} {{\n  {body}\n}}\n" for name, body in BODIES.items())


def _profile() -> ProfileState:
    profile = ProfileState("p1", 0)
    profile.attrs = {"tier": "Gold", "age": 30, "tags": ["a", "c"],
                     "consents": {"marketing": {"email": {"val": "y"}}}}
    base = 1_790_000_000_000
    hour = 3_600_000
    rows = [(0, "shop.view", "web", {"item": {"kind": "shoe"}, "items": [{"kind": "hat"}]}),
            (1, "shop.add", None, {"cart": {"id": "c1"}}),
            (2, "shop.view", "app", {"item": {"kind": "hat"}, "items": [{"kind": "shoe"}]}),
            (3, "shop.add", None, {"cart": {"id": "c2"}}),
            (3, "shop.buy", None, {"order": {"total": 40}}),
            (5, "shop.remove", None, {"cart": {"id": "c1"}}),
            (6, "shop.view", "web", {"item": {"kind": "shoe"}}),
            (7, "shop.buy", None, {"order": {"total": 30.5}}),
            (9, "shop.add", None, {"cart": {"id": "c3"}})]
    for seq, (hours, event_type, dataset, data) in enumerate(rows, start=1):
        event = Event(base + hours * hour, seq, event_type, dataset, {"eventType": event_type, **data})
        profile.add_event(event, True, True)
    return profile


class _Runtime:
    flips = None

    def __init__(self, segments) -> None:
        self.segments = segments

    def in_segment(self, name, profile, now):
        return self.segments[name](Ctx(profile, now, {}, None, None, self)) is not None


@pytest.mark.parametrize("bisect_min", [2, 10 ** 9])
def test_source_and_closure_compilers_agree(tmp_path, monkeypatch, bisect_min):
    monkeypatch.setattr(state, "BISECT_MIN_LEN", bisect_min)
    analysis = build(str(tmp_path / "program"), _program())
    assert not analysis.diagnostics.has_errors
    decls = analysis.program.segments
    closures = {name: Compiler().conjunction(decl.conditions) for name, decl in decls.items()}
    sources = {name: SourceCompiler().conjunction(decl.conditions) for name, decl in decls.items()}
    profile = _profile()
    base, step = 1_790_000_000_000, 1_800_000
    outside = Event(base, 99, "shop.view", "web", {"eventType": "shop.view", "item": {"kind": "shoe"}})
    seen_true = set()
    for name in decls:
        for tick in range(-2, 80):
            now = base + tick * step
            for bind, event in (({}, None), ({"event": outside}, outside)):
                expected = closures[name](Ctx(profile, now, dict(bind), event, None, _Runtime(closures)))
                got = sources[name](Ctx(profile, now, dict(bind), event, None, _Runtime(sources)))
                assert got == expected, (name, tick, bind)
                if got is not None:
                    seen_true.add(name)
    assert seen_true == set(decls), f"never true: {sorted(set(decls) - seen_true)}"


def test_generated_source_is_deterministic(tmp_path):
    analysis = build(str(tmp_path / "program"), _program())
    for decl in analysis.program.segments.values():
        one = SourceCompiler().conjunction(decl.conditions).__journeylang_source__
        two = SourceCompiler().conjunction(decl.conditions).__journeylang_source__
        assert one == two
