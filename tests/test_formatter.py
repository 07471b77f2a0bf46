"""Tests of `journeylang fmt` (journeylang.format.printer).

Golden pairs: tests/fixtures/fmt/<name>.journey (messy input) -> <name>.formatted
(expected output); run with UPDATE_GOLDENS=1 to rewrite the expected files.
Invariants, on every .journey file of the project, the conformance programs, the fixtures
and the normative examples of LANGUAGE.md: formatting is idempotent, the result re-parses
without errors to the same tree (spans aside), and no comment is lost or duplicated.
"""
from __future__ import annotations

import os
import random
import re
from pathlib import Path

import pytest

from journeylang.format.printer import _Tokens, format_source
from journeylang.syntax import ast as A
from journeylang.syntax.parser import parse_source

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "fmt"
SPEC_CANDIDATES = [ROOT / "docs" / "LANGUAGE.md", Path("/work/shared/spec/LANGUAGE.md")]
CONFORMANCE = Path("/work/shared/conformance/cases")

# fields that carry positions, or record clauses given twice / out of place (these cannot
# survive formatting: the formatter prints the tree, which keeps one of each clause)
_DROP = {"span", "type_spans", "value_span", "path_span", "end_span", "repeated", "late_headers"}


def strip_spans(node):
    """`model_dump()` of a node (or a dump), recursively without position fields."""
    if hasattr(node, "model_dump"):
        node = node.model_dump()
    if isinstance(node, dict):
        return {k: strip_spans(v) for k, v in node.items() if k not in _DROP}
    if isinstance(node, (list, tuple)):
        return [strip_spans(v) for v in node]
    return node


def _parse(text: str, path: str = "t.journey") -> A.SourceFile:
    source, diagnostics = parse_source(text, path)
    assert source is not None, f"{path} does not parse: {[d.message for d in diagnostics]}"
    return source


def fmt(text: str) -> str:
    return format_source(_parse(text))


def _comment_texts(source: A.SourceFile) -> list[str]:
    return sorted(c.text.rstrip() for c in source.comments)


def assert_invariants(text: str, name: str) -> str:
    source = _parse(text, name)
    out = format_source(source)
    again_source, diagnostics = parse_source(out, name)
    assert again_source is not None, f"{name}: formatted text does not parse: " \
        f"{[(d.message, d.span.line, d.span.column) for d in diagnostics]}\n{out}"
    assert strip_spans(again_source.decls) == strip_spans(source.decls), f"{name}: tree changed\n{out}"
    assert _comment_texts(again_source) == _comment_texts(source), f"{name}: comments changed\n{out}"
    assert format_source(again_source) == out, f"{name}: not idempotent\n{out}"
    return out


# ---------------------------------------------------------------------------- corpus
def _spec_text() -> str | None:
    for candidate in SPEC_CANDIDATES:
        if candidate.is_file():
            return candidate.read_text(encoding="utf-8")
    return None


def _normative_examples() -> list[tuple[str, str]]:
    spec = _spec_text()
    if spec is None:
        return []
    blocks = re.findall(r"```[a-z]*\n(.*?)```", spec, re.S)
    chosen = [b for b in blocks if b.startswith(("segment", "message", "journey abandoned_cart"))]
    return [(f"LANGUAGE.md:{b.splitlines()[0]}", b) for b in chosen]


def _corpus_files() -> list[Path]:
    files = sorted((ROOT / "journeys").rglob("*.journey"))
    if CONFORMANCE.is_dir():
        files += sorted(CONFORMANCE.glob("*/program/**/*.journey"))
    files += sorted(FIXTURES.glob("*.journey"))
    files += sorted(FIXTURES.glob("*.formatted"))
    return files


@pytest.mark.parametrize("path", _corpus_files(), ids=lambda p: str(p.relative_to(p.parents[2])))
def test_invariants_on_files(path: Path):
    text = path.read_text(encoding="utf-8")
    source, _ = parse_source(text, str(path))
    if source is None:
        pytest.skip("does not parse (a bad-input case); such files are never formatted")
    assert_invariants(text, str(path))


def test_normative_examples_are_found():
    if _spec_text() is None:
        pytest.skip("LANGUAGE.md not available")
    names = [name for name, _ in _normative_examples()]
    assert any("segment abandoned_cart" in n for n in names)
    assert any("message cart_reminder" in n for n in names)
    assert any("journey abandoned_cart" in n for n in names)


@pytest.mark.parametrize("name,text", _normative_examples(), ids=lambda x: x if isinstance(x, str) and
                         x.startswith("LANGUAGE") else "")
def test_invariants_on_normative_examples(name: str, text: str):
    assert_invariants(text, name)


# ---------------------------------------------------------------------------- goldens
_GOLDEN_INPUTS = sorted(FIXTURES.glob("*.journey"))


@pytest.mark.parametrize("path", _GOLDEN_INPUTS, ids=lambda p: p.stem)
def test_golden(path: Path):
    out = assert_invariants(path.read_text(encoding="utf-8"), str(path))
    expected_path = path.with_suffix(".formatted")
    if os.environ.get("UPDATE_GOLDENS") == "1":
        expected_path.write_text(out, encoding="utf-8")
    assert expected_path.is_file(), f"missing golden {expected_path.name}; run with UPDATE_GOLDENS=1"
    assert out == expected_path.read_text(encoding="utf-8")


def test_goldens_are_fixed_points():
    for path in sorted(FIXTURES.glob("*.formatted")):
        text = path.read_text(encoding="utf-8")
        assert fmt(text) == text, path.name


# ---------------------------------------------------------------------------- layout
def test_canonical_layout_of_a_journey():
    text = ('journey j{timeout 7d entry event a as add where add.x==1 description "d" reentry always\n'
            'if x{send email m}else{exit "no"} wait 1d}')
    assert fmt(text) == (
        "journey j {\n"
        '  description "d"\n'
        "  entry event a as add where add.x == 1\n"
        "  reentry always\n"
        "  timeout 7d\n"
        "\n"
        "  if x {\n"
        "    send email m\n"
        "  } else {\n"
        '    exit "no"\n'
        "  }\n"
        "  wait 1d\n"
        "}\n")


def test_declarations_separated_by_one_blank_line():
    text = "segment a { x }\n\n\n\nsegment b { y }lookup t from \"f.csv\" key k"
    assert fmt(text) == "segment a {\n  x\n}\n\nsegment b {\n  y\n}\n\nlookup t from \"f.csv\" key k\n"


def test_empty_blocks_and_files():
    assert fmt("") == ""
    assert fmt("journey j { if x { } else { } }") == "journey j {\n  if x { } else { }\n}\n"
    assert fmt("segment s {}") == "segment s { }\n"


def test_wait_for_handlers():
    text = "journey j { wait for event a within 1h { on timeout { exit } on event { } } wait for event b within 1d { } }"
    assert fmt(text) == (
        "journey j {\n"
        "  wait for event a within 1h {\n"
        "    on event { }\n"
        "    on timeout {\n"
        "      exit\n"
        "    }\n"
        "  }\n"
        "  wait for event b within 1d\n"
        "}\n")


def test_split_branches():
    text = "journey j { split by profile.id { 50% as a { wait 1d } 50% { } } }"
    assert fmt(text) == (
        "journey j {\n"
        "  split by profile.id {\n"
        "    50% as a {\n"
        "      wait 1d\n"
        "    }\n"
        "    50% { }\n"
        "  }\n"
        "}\n")


def test_segment_evaluation_only_when_batch():
    assert fmt("segment s { evaluation streaming x }") == "segment s {\n  x\n}\n"
    assert fmt("segment s { x evaluation batch }") == "segment s {\n  evaluation batch\n  x\n}\n"


def test_long_patterns_are_split_before_where_and_window():
    text = ("journey j { wait for event commerce.purchases, commerce.productListRemovals as done "
            "where done.eventType == \"commerce.purchases\" or done.x == 1 within 30m { } }")
    assert fmt(text) == (
        "journey j {\n"
        "  wait for event commerce.purchases, commerce.productListRemovals as done\n"
        "      where done.eventType == \"commerce.purchases\" or done.x == 1\n"
        "      within 30m\n"
        "}\n")


# ---------------------------------------------------------------------------- literals
def test_strings_are_re_escaped():
    out = fmt('journey j { exit "a \\"q\\" b\\\\c\\nd\\te" }')
    assert 'exit "a \\"q\\" b\\\\c\\nd\\te"' in out


def test_multi_line_strings_become_triple_quoted_blocks():
    text = 'message m { channel email body "<p>\\n  <b>x</b>\\n</p>\\n" subject "a\\nb" }'
    assert fmt(text) == (
        "message m {\n"
        "  channel email\n"
        '  body """\n'
        "    <p>\n"
        "      <b>x</b>\n"
        "    </p>\n"
        '  """\n'
        '  subject """\n'
        "    a\n"
        '    b"""\n'
        "}\n")


def test_multi_line_strings_that_cannot_round_trip_stay_escaped():
    # every line indented (the parser strips common indentation), whitespace-only lines
    out = fmt('message m { channel sms body "  a\\n  b" title "a\\n   \\nb" }')
    assert 'body "  a\\n  b"' in out
    assert 'title "a\\n   \\nb"' in out


def test_literals_printed_as_written():
    out = fmt("segment s { now - x.ts > 1h30m and x.t == 09:05 and x.p == 12.5% and x.d < 2026-11-23T09:00:00+01:00 "
              "and x.n == 0.70 and x.m == 0.00001 and x.i == 007 }")
    assert "1h30m" in out and "09:05" in out and "12.5%" in out and "2026-11-23T09:00:00+01:00" in out
    assert "x.n == 0.7" in out and "x.m == 0.00001" in out and "x.i == 7" in out


def test_event_types_and_datasets():
    out = fmt('segment s { has event "web.page views", a.b, "c.d" from "my store" within 1d no event * from web }')
    assert 'has event "web.page views", a.b, c.d from "my store" within 1d' in out
    assert "no event * from web" in out


# ---------------------------------------------------------------------------- parentheses
@pytest.mark.parametrize("source,expected", [
    ("(a or b) and c", "(a or b) and c"),
    ("a or (b and c)", "a or b and c"),
    ("(a and b) and c", "(a and b) and c"),  # the chain is flat: nesting must stay
    ("not (a == b)", "not a == b"),
    ("(not a) == b", "(not a) == b"),
    ("(a + b) * c > 1", "(a + b) * c > 1"),
    ("a - (b - c) > 1", "a - (b - c) > 1"),
    ("(a - b) - c > 1", "a - b - c > 1"),
    ("(-a).b", "(-a).b"),
    ("-(a.b) > 1", "-a.b > 1"),
    ("(a == b) == true", "(a == b) == true"),
    ("x in [1, 2] and y not in [3]", "x in [1, 2] and y not in [3]"),
])
def test_minimum_parentheses(source: str, expected: str):
    assert fmt(f"journey j {{ if {source} {{ }} }}") == f"journey j {{\n  if {expected} {{ }}\n}}\n"


@pytest.mark.parametrize("source,expected", [
    # a `where` extends as far as it can: the predicate is parenthesised when anything follows
    ("(has event x where event.p) and q", "(has event x where event.p) and q"),
    ("q and (has event x where event.p)", "q and has event x where event.p"),
    ("(has event x where event.p) == true", "(has event x where event.p) == true"),
    ("not (has event x where event.p) or q", "not (has event x where event.p) or q"),
    ("has event x where (event.p and q)", "has event x where event.p and q"),
    ("(has event x where event.p within 1d) and q", "has event x where event.p within 1d and q"),
    ("has event x within 1d and q", "has event x within 1d and q"),
    # a nested predicate before a window of the outer pattern
    ("has event x where (has event y) within 1d", "has event x where (has event y) within 1d"),
    # count / sum keep extending their value
    ("(count event x > 3) + 1 > 2", "(count event x > 3) + 1 > 2"),
    ("(count event x within 1d > 3) and q", "(count event x within 1d > 3) and q"),
    ("count event x > (3 + 1)", "count event x > 3 + 1"),
    ("(sum(v) of event x > 3) or q", "(sum(v) of event x > 3) or q"),
    # in count, a `where` that is not a comparison must not be last (it would take the operator)
    ("count event x where (event.ok) as e > 2", "count event x where event.ok as e > 2"),
    ("count event x as e where event.v > 1 > 2", "count event x as e where event.v > 1 > 2"),
    # postfix on a predicate, and a predicate whose types would take a following comma
    ("f((has event a), b)", "f((has event a), b)"),
    ("f(b, has event a, c)", "f(b, has event a, c)"),
])
def test_greedy_history_predicates(source: str, expected: str):
    assert fmt(f"journey j {{ if {source} {{ }} }}") == f"journey j {{\n  if {expected} {{ }}\n}}\n"


def test_bool_chain_with_where_predicate_built_directly():
    span = A.Span(file="t", line=1, column=1, end_line=1, end_column=2)
    pattern = A.EventPattern(span=span, types=("x",), where=A.NameRef(span=span, name="p"))
    chain = A.BoolChain(span=span, op="and", operands=(A.HistoryPred(span=span, kind="has", pattern=pattern),
                                                       A.NameRef(span=span, name="q")))
    seg = A.SegmentDecl(span=span, name=A.Ident(span=span, name="s"), conditions=(chain,))
    out = format_source(A.SourceFile(path="t", text="", decls=(seg,)))
    assert out == "segment s {\n  (has event x where p) and q\n}\n"
    assert strip_spans(_parse(out).decls) == strip_spans((seg,))


def test_dedup_and_send_keys_before_a_clause_keyword():
    out = fmt("journey j { dedup by (has event a) within 1d send email m to (has event b) as x }")
    assert "dedup by (has event a) within 1d" in out
    assert "send email m to (has event b) as x" in out


@pytest.mark.parametrize("conditions,expected", [
    # a following `(` would call a trailing bare name
    (["(a == b)", "(c or d) and e"], ["(a == b)", "(c or d) and e"]),
    (["(a == b)", "(c or d)"], ["a == b", "c or d"]),
    # a leading `-` or `[` would continue the previous condition
    (["a == 1", "(-b > 1)"], ["a == 1", "(-b > 1)"]),
    (["a == 1", "([1] == b)"], ["a == 1", "([1] == b)"]),
    # a condition ending in `where` before one starting with `(` or `not`
    (["has event x where event.p == 1", "(a or b) and c"], ["(has event x where event.p == 1)", "(a or b) and c"]),
    (["has event x where event.p == 1", "not a"], ["(has event x where event.p == 1)", "not a"]),
    (["has event x where event.p == 1", "a"], ["has event x where event.p == 1", "a"]),
    # a bare name spelled like a keyword
    (["a == 1", "(description)", "(from.x == 1)"], ["a == 1", "(description)", "(from.x == 1)"]),
])
def test_juxtaposed_segment_conditions(conditions, expected):
    body = "\n  ".join(conditions)
    out = fmt(f"segment s {{\n  {body}\n}}")
    assert out == "segment s {\n  " + "\n  ".join(expected) + "\n}\n"


def test_pattern_clauses_in_canonical_order():
    out = fmt("segment s { no event c after x within 2h where event.k == x.k from web as y }")
    assert "no event c as y from web where event.k == x.k after x within 2h" in out
    out = fmt("segment s { has event c before 3d ago as y } segment t { has event c between 2d and 1d ago from w }")
    assert "has event c as y before 3d ago" in out
    assert "has event c from w between 2d and 1d ago" in out


# ---------------------------------------------------------------------------- comments
def test_comments_leading_trailing_and_block_end():
    text = (
        "# header\n"
        "journey j { # after brace\n"
        "  # before entry\n"
        "  entry audience a # trailing entry\n"
        "  if x { wait 1d # trailing wait\n"
        "    # end of if\n"
        "  } # after if\n"
        "  # end of journey\n"
        "}\n"
        "# end of file\n")
    assert fmt(text) == (
        "# header\n"
        "journey j {  # after brace\n"
        "  # before entry\n"
        "  entry audience a  # trailing entry\n"
        "\n"
        "  if x {\n"
        "    wait 1d  # trailing wait\n"
        "    # end of if\n"
        "  }  # after if\n"
        "  # end of journey\n"
        "}\n"
        "\n"
        "# end of file\n")


def test_comment_inside_a_multi_line_expression_moves_above_the_statement():
    text = "journey j {\n  if a and # one\n     b # two\n  { }\n}\n"
    out = fmt(text)
    assert out == "journey j {\n  # two\n  if a and b { }  # one\n}\n"


def test_comments_travel_with_reordered_headers():
    text = "journey j {\n  # about the timeout\n  timeout 3d\n  # about the entry\n  entry audience a\n}\n"
    assert fmt(text) == "journey j {\n  # about the entry\n  entry audience a\n  # about the timeout\n  timeout 3d\n}\n"


def test_comment_of_a_dropped_clause_is_kept():
    out = fmt("segment s {\n  evaluation streaming # default\n  x\n}\n")
    assert out == "segment s {\n  # default\n  x\n}\n"


def test_comment_after_triple_quoted_string():
    text = 'message m {\n  channel email\n  body """\n    a\n  """  # after\n}\n'
    assert fmt(text) == text


def test_blank_line_after_a_comment_is_kept():
    text = "# licence\n\n# about s\nsegment s { x }\n"
    assert fmt(text) == "# licence\n\n# about s\nsegment s {\n  x\n}\n"


# ---------------------------------------------------------------------------- bad input
def test_files_that_do_not_parse_are_not_formatted():
    source, diagnostics = parse_source("journey j { wait }", "bad.journey")
    assert source is None and diagnostics and diagnostics[0].code == "E001"


# ---------------------------------------------------------------------------- fuzzing
def _random_expression(rng: random.Random, depth: int = 0) -> str:
    leaves = ["a", "b.c", "profile.x[0]", "1", "2.5", '"s"', "true", "null", "3d", "09:00", "50%",
              "2026-01-01T00:00:00Z", "x[*].y"]
    if depth > 3:
        return rng.choice(leaves)

    def sub() -> str:
        inner = _random_expression(rng, depth + 1)
        return f"({inner})" if rng.random() < 0.6 else inner

    def pattern() -> str:
        text = "event " + rng.choice(["a", "a.b", "*", "a, b", '"x y"'])
        windows = ["within 1d", "between 2d and 1d ago", "before 3d ago", "after al", "after al within 2h"]
        clauses = rng.sample(["as al", "from ds", "where", rng.choice(windows)], rng.randint(0, 3))
        for clause in clauses:
            text += f" where {sub()}" if clause == "where" else f" {clause}"
        return text

    r = rng.random()
    if r < 0.3:
        op = rng.choice([" or ", " and ", " == ", " < ", " in ", " not in ", " + ", " - ", " * ", " / ", " % "])
        return sub() + op + sub()
    if r < 0.38:
        return "not " + sub()
    if r < 0.44:
        return "-" + sub()
    if r < 0.52:
        return rng.choice(["has ", "has last ", "no "]) + pattern()
    if r < 0.58:
        return f"count {pattern()} > {sub()}"
    if r < 0.62:
        return f"sum({sub()}) of {pattern()} >= {sub()}"
    if r < 0.7:
        return f"f({', '.join(sub() for _ in range(rng.randint(0, 2)))})"
    if r < 0.76:
        return "[" + ", ".join(sub() for _ in range(rng.randint(0, 2))) + "]"
    if r < 0.84:
        return sub() + rng.choice([".k", "[0]", "[*]"])
    return rng.choice(leaves)


def test_fuzz_expressions_round_trip():
    rng = random.Random(20261123)
    checked = 0
    for i in range(250):
        e = [f"({_random_expression(rng)})" if rng.random() < 0.5 else _random_expression(rng) for _ in range(6)]
        text = (f"segment s {{\n  {e[0]}\n  {e[1]}\n  {e[2]}\n}}\n"
                f"journey j {{\n  entry event a as al where {e[3]}\n  dedup by {e[4]} within 1d\n"
                f"  if {e[5]} {{ send email m to {e[4]} as z }} elif {e[0]} {{ }}\n  wait until {e[1]}\n}}\n")
        if parse_source(text, "fuzz")[0] is None:
            continue
        assert_invariants(text, f"fuzz case {i}:\n{text}")
        checked += 1
    assert checked > 80


def test_fuzz_comments_everywhere():
    rng = random.Random(7)
    files = [p for p in _corpus_files() if p.suffix == ".journey"]
    for i in range(120):
        path = rng.choice(files)
        text = path.read_text(encoding="utf-8")
        tokens = _Tokens(text)
        if not tokens.ends:
            continue
        offsets = [0]
        for line in text.split("\n"):
            offsets.append(offsets[-1] + len(line) + 1)
        for k, index in enumerate(sorted(rng.sample(range(len(tokens.ends)), min(10, len(tokens.ends))),
                                         reverse=True)):
            line, column = tokens.ends[index]
            at = offsets[line - 1] + column - 1
            text = text[:at] + rng.choice([f"  # c{k}\n", f"\n# own {k}\n", f" # t{k}\n\n"]) + text[at:]
        if parse_source(text, "fuzz")[0] is None:  # a comment split a token
            continue
        assert_invariants(text, f"{path.name} with comments (case {i})")
