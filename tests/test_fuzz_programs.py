"""Property fuzzing of the front end: generated valid programs and byte-mutated seeds.

A grammar-based generator (hypothesis) writes whole programs — segments, messages,
lookups, policies and journeys with every statement — from `grammar/journey.lark`'s
productions. On every program that parses: `fmt` is idempotent and re-parses to the same
tree, and `check` / `lint` give the same diagnostics twice and whatever the order of the
program's files. Byte-level mutations of the seed journeys (flips, inserts, deletes,
invalid UTF-8) never raise and never hang. Each case has a time limit (hypothesis's
deadline). Findings become fixtures in tests/fixtures/ (see test_fuzz_check.py).
"""
from __future__ import annotations

import random
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from journeylang.diagnostics.render import render_json
from journeylang.format.printer import format_source
from journeylang.pipeline import analyse
from journeylang.syntax.parser import parse_source

from test_formatter import strip_spans

ROOT = Path(__file__).resolve().parent.parent
NAMES = st.sampled_from(["cart", "buyers", "vip", "m1", "m2", "tiers", "j1", "j2", "a", "b", "order"])
TYPES = st.sampled_from(["commerce.purchases", "web.webpagedetails.pageViews", "app.open", "message.interaction"])
DURATIONS = st.sampled_from(["30m", "1h", "2d", "7d", "0s", "90d"])
CHANNELS = st.sampled_from(["email", "sms", "push", "inapp", "webhook", "ads"])
STRINGS = st.sampled_from(['"p"', '"Hello {{ profile.firstName | default(\'you\') }}"', '"a\\"b"', '""'])
SETTINGS = settings(max_examples=120, deadline=2000, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


def _path():
    return st.builds(lambda root, steps: ".".join([root, *steps]),
                     st.sampled_from(["profile", "event", "a", "b", "journey"]),
                     st.lists(st.sampled_from(["x", "commerce", "order", "priceTotal", "tags", "name"]),
                              min_size=1, max_size=3))


def _expr():
    leaves = st.one_of(_path(), st.sampled_from(["1", "2.5", "true", "null", "now", '"gold"', "3d", "50%",
                                                 "2026-11-20T10:00:00Z", "[1, 2]"]))

    def extend(inner):
        return st.one_of(
            st.builds(lambda l, op, r: f"{l} {op} {r}", inner,
                      st.sampled_from(["==", "!=", "<", ">=", "+", "-", "*", "in", "not in", "and", "or"]), inner),
            st.builds(lambda e: f"not ({e})", inner),
            st.builds(lambda e: f"({e})", inner),
            st.builds(lambda f, e: f"{f}({e})", st.sampled_from(["len", "lower", "exists", "abs", "round"]), inner),
            st.builds(lambda c: f"consented({c})", CHANNELS),
            st.builds(lambda n: f"in_segment({n})", NAMES),
            st.builds(lambda p: f"(has {p})", _pattern(inner)),
        )
    return st.recursive(leaves, extend, max_leaves=6)


def _pattern(expr=None):
    clause = st.one_of(
        st.builds(lambda n: f"as {n}", NAMES),
        st.just('from "offline"'),
        st.builds(lambda e: f"where {e}", expr if expr is not None else _path()),
        st.builds(lambda d: f"within {d}", DURATIONS),
        st.just("between 2d and 1h ago"),
        st.builds(lambda d: f"before {d} ago", DURATIONS),
        st.builds(lambda n: f"after {n}", NAMES),
    )
    return st.builds(lambda types, clauses: " ".join([f"event {types}", *clauses]),
                     st.one_of(st.just("*"), st.lists(TYPES, min_size=1, max_size=2).map(", ".join)),
                     st.lists(clause, max_size=2))


def _condition():
    return st.one_of(
        _expr(),
        st.builds(lambda q, p: f"has {q}{p}", st.sampled_from(["", "first ", "last "]), _pattern()),
        st.builds(lambda p: f"no {p}", _pattern()),
        st.builds(lambda p, n: f"count {p} >= {n}", _pattern(), st.integers(0, 5)),
        st.builds(lambda p: f"sum(priceTotal) of {p} > 10", _pattern()),
    )


def _block(depth: int):
    simple = st.one_of(
        st.builds(lambda c, m: f"send {c} {m}", CHANNELS, NAMES),
        st.builds(lambda d: f"wait {d}", DURATIONS),
        st.builds(lambda e: f"wait until {e}", _path()),
        st.just('wait until next 09:00 in profile.timezone'),
        st.builds(lambda r: f"exit {r}", STRINGS),
        st.builds(lambda n, l, e: f"enrich {n} = lookup {l} by {e}", NAMES, NAMES, _path()),
        st.builds(lambda p, e: f"set profile.{p} = {e}", st.sampled_from(["tier", "x.y"]), _expr()),
        st.builds(lambda n: f"add to audience {n}", NAMES),
        st.builds(lambda n: f"remove from audience {n}", NAMES),
        st.builds(lambda n: f"jump to journey {n}", NAMES),
    )
    if depth == 0:
        return st.lists(simple, max_size=3)
    inner = _block(depth - 1).map(lambda lines: "{ " + " ".join(lines) + " }")
    nested = st.one_of(
        st.builds(lambda e, b, eb, b2: f"if {e} {b} elif {eb} {b2} else {b}", _expr(), inner, _expr(), inner),
        st.builds(lambda e, b: f"if {e} {b}", _expr(), inner),
        st.builds(lambda b1, b2: f"split {{ 40% as x {b1} 60% as y {b2} }}", inner, inner),
        st.builds(lambda p, d, b1, b2: f"wait for {p} within {d} {{ on event {b1} on timeout {b2} }}",
                  _pattern(), DURATIONS, inner, inner),
    )
    return st.lists(st.one_of(simple, nested), max_size=4)


def _declaration():
    segment = st.builds(lambda n, conds, batch: f"segment {n} {{\n" + ("  evaluation batch\n" if batch else "")
                        + "".join(f"  {c}\n" for c in conds) + "}\n",
                        NAMES, st.lists(_condition(), min_size=1, max_size=3), st.booleans())
    message = st.builds(lambda n, c, tx, s: f"message {n} {{\n  channel {c}\n" + ("  transactional\n" if tx else "")
                        + f"  subject {s}\n  body {s}\n}}\n", NAMES, CHANNELS, st.booleans(), STRINGS)
    lookup = st.builds(lambda n: f'lookup {n} from "data/{n}.csv" key email\n', NAMES)
    policy = st.just('policy {\n  frequency cap email 2 per 1d\n  quiet hours 21:00 to 08:00 in profile.timezone '
                     'default "UTC"\n}\n')
    entry = st.one_of(st.builds(lambda p: f"entry {p}", _pattern()),
                      st.builds(lambda n: f"entry audience {n}", NAMES),
                      st.builds(lambda n: f"entry read audience {n} at 2026-11-23T09:00:00Z every 1d", NAMES))
    header = st.lists(st.sampled_from(["reentry never", "reentry after 1d", "timeout 7d",
                                       "dedup by profile.personalEmail.address within 1d",
                                       'exit on event commerce.purchases "bought"']), max_size=3, unique=True)
    journey = st.builds(lambda n, e, h, body: f"journey {n} {{\n  {e}\n" + "".join(f"  {x}\n" for x in h)
                        + "".join(f"  {s}\n" for s in body) + "}\n", NAMES, entry, header, _block(2))
    return st.one_of(segment, message, lookup, policy, journey)


PROGRAMS = st.lists(_declaration(), min_size=1, max_size=5)
parsed_count = {"parsed": 0, "all": 0}


@SETTINGS
@given(PROGRAMS, st.integers(0, 5))
def test_generated_programs_format_idempotently_and_check_deterministically(decls, cut):
    text = "\n".join(decls)
    parsed_count["all"] += 1
    source, _ = parse_source(text, "gen.journey")
    if source is None:
        return
    parsed_count["parsed"] += 1
    out = format_source(source)
    again, problems = parse_source(out, "gen.journey")
    assert again is not None, f"formatted text does not parse: {[p.message for p in problems]}\n{out}"
    assert strip_spans(again.decls) == strip_spans(source.decls), f"tree changed\n{text}\n---\n{out}"
    assert format_source(again) == out, "not idempotent"
    files = {"b.journey": "\n".join(decls[:cut]), "a.journey": "\n".join(decls[cut:])}
    runs = [render_json(analyse([], lint=True, sources=order).sorted_diagnostics(), files=2)
            for order in (files, dict(reversed(list(files.items()))), files)]
    assert runs[0] == runs[1] == runs[2], "check is not deterministic"


def test_the_generator_writes_mostly_programs_that_parse():
    assert parsed_count["all"] == 0 or parsed_count["parsed"] >= parsed_count["all"] // 2, parsed_count


SEEDS = sorted((ROOT / "journeys").glob("*.journey"))


@SETTINGS
@given(st.sampled_from(SEEDS), st.lists(st.tuples(st.sampled_from(["flip", "insert", "delete", "invalid"]),
                                                   st.floats(0, 1), st.integers(0, 255)), min_size=1, max_size=8))
def test_byte_mutations_of_the_seeds_never_raise(path, edits):
    data = bytearray(path.read_bytes())
    for kind, where, value in edits:
        at = int(where * (len(data) - 1))
        if kind == "flip":
            data[at] ^= 1 << (value % 8)
        elif kind == "insert":
            data[at:at] = bytes([value])
        elif kind == "delete":
            del data[at:at + 1 + value % 4]
        else:
            data[at:at] = b"\xff\xfe\xc3"
    text = data.decode("utf-8", errors="replace")
    first = analyse([], lint=True, sources={str(path): text})
    second = analyse([], lint=True, sources={str(path): text})
    assert [d.sort_key() for d in first.sorted_diagnostics()] == [d.sort_key() for d in second.sorted_diagnostics()]
