"""Table-driven tests of the parser (journeylang/parser.py + grammar/journey.lark).

Each construct of LANGUAGE.md is parsed and compared with a compact, span-free summary
written by `sx()` below:

* expressions are S-expressions: `(== profile.a 1)`, `(and a b c)`, `(not x)`, paths
  are dotted (`add.commerce.cart.cartID`, `x[0].y`, `x[*].y`), calls are `f(a, b)`;
* literals: strings are JSON (`"a\\nb"`), `dur(1h30m=5400000)`, `ts(<text>=<epoch ms>)`,
  `clock(09:00=540)`, `pct(12.5)`, `true`/`false`/`null`, lists `[1, 2]`;
* history predicates: `(has last PATTERN)`, `(no PATTERN)`, `(count PATTERN >= 3)`,
  `(sum FIELD of PATTERN > 200)`; a pattern is `event<types|clause=value ...>` with the
  clauses in a fixed order (alias, from, where, within, between, before, after), so the
  order they were written in does not show;
* every other node is `Type(field=value, ...)` with None/empty/default fields left out.

`tests/fixtures/parse/*.journey` are whole files that must parse without diagnostics,
with the summary of their declarations in `<same>.expected` (UPDATE_GOLDENS=1 rewrites).
"""
from __future__ import annotations

import json
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from journeylang.diagnostics.model import CODES
from journeylang.syntax import ast as A
from journeylang.syntax.parser import MAX_NESTING, parse_source

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "parse"


# ----------------------------------------------------------------------------- summary
def _pattern(p: A.EventPattern) -> str:
    parts = [",".join(p.types) if p.types else "*"]
    if p.alias is not None:
        parts.append(f"as={p.alias.name}")
    if p.dataset is not None:
        parts.append(f"from={p.dataset}")
    if p.where is not None:
        parts.append(f"where={sx(p.where)}")
    if p.within is not None:
        parts.append(f"within={p.within.text}")
    if p.between is not None:
        parts.append(f"between={p.between[0].text},{p.between[1].text}")
    if p.before is not None:
        parts.append(f"before={p.before.text}")
    if p.after is not None:
        parts.append(f"after={p.after.name}")
    if p.repeated:
        parts.append(f"repeated={len(p.repeated)}")
    return "event<" + " ".join(parts) + ">"


def _block(stmts) -> str:
    return "{" + "; ".join(sx(s) for s in stmts) + "}"


def sx(node) -> str:  # noqa: C901 - one case per node type, on purpose
    """A compact, span-free summary of an AST node (see the module docstring)."""
    if node is None:
        return "None"
    if isinstance(node, tuple):
        return _block(node)
    if isinstance(node, A.StringLit):
        return json.dumps(node.value)
    if isinstance(node, A.NumberLit):
        return repr(node.value)
    if isinstance(node, A.BoolLit):
        return "true" if node.value else "false"
    if isinstance(node, A.NullLit):
        return "null"
    if isinstance(node, A.DurationLit):
        return f"dur({node.text}={node.ms})"
    if isinstance(node, A.TimestampLit):
        return f"ts({node.text}={node.ms})"
    if isinstance(node, A.ClockLit):
        return f"clock({node.text}={node.minutes})"
    if isinstance(node, A.PercentLit):
        return f"pct({node.value:g})"
    if isinstance(node, A.ListLit):
        return "[" + ", ".join(sx(i) for i in node.items) + "]"
    if isinstance(node, A.NameRef):
        return node.name
    if isinstance(node, A.Ident):
        return node.name
    if isinstance(node, A.Attr):
        return f"{sx(node.target)}.{node.name}"
    if isinstance(node, A.Index):
        return f"{sx(node.target)}[{sx(node.index)}]"
    if isinstance(node, A.Star):
        return f"{sx(node.target)}[*]"
    if isinstance(node, A.Call):
        return f"{node.func.name}(" + ", ".join(sx(a) for a in node.args) + ")"
    if isinstance(node, A.Unary):
        return f"({node.op} {sx(node.operand)})"
    if isinstance(node, A.Binary):
        return f"({node.op} {sx(node.left)} {sx(node.right)})"
    if isinstance(node, A.BoolChain):
        return f"({node.op} " + " ".join(sx(o) for o in node.operands) + ")"
    if isinstance(node, A.EventPattern):
        return _pattern(node)
    if isinstance(node, A.HistoryPred):
        if node.kind == "has":
            return "(has " + (f"{node.quantifier} " if node.quantifier else "") + sx(node.pattern) + ")"
        if node.kind == "no":
            return f"(no {sx(node.pattern)})"
        if node.kind == "count":
            return f"(count {sx(node.pattern)} {node.cmp} {sx(node.value)})"
        return f"(sum {sx(node.field)} of {sx(node.pattern)} {node.cmp} {sx(node.value)})"
    if isinstance(node, A.If):
        parts = [f"if {sx(b.condition)} {_block(b.body)}" if i == 0 else f"elif {sx(b.condition)} {_block(b.body)}"
                 for i, b in enumerate(node.branches)]
        if node.else_body is not None:
            parts.append(f"else {_block(node.else_body)}")
        return " ".join(parts)
    if isinstance(node, A.Split):
        head = "split" + (f" by {sx(node.by)}" if node.by is not None else "")
        branches = [f"{b.percent.value:g}%" + (f" as {b.label.name}" if b.label else "") + " " + _block(b.body)
                    for b in node.branches]
        return head + " {" + " ".join(branches) + "}"
    if isinstance(node, A.WaitForEvent):
        out = f"wait for {sx(node.pattern)}"
        if node.on_event is not None:
            out += f" on event {_block(node.on_event)}"
        if node.on_timeout is not None:
            out += f" on timeout {_block(node.on_timeout)}"
        return out
    if isinstance(node, A.SetProfile):
        return "set " + ".".join((node.root, *node.path)) + f" = {sx(node.value)}"
    if isinstance(node, A.SourceFile):
        return "\n".join(sx(d) for d in node.decls)
    if isinstance(node, A.Node):
        fields = []
        for name, info in type(node).model_fields.items():
            if name == "span" or name.endswith("_span") or name.endswith("_spans"):
                continue
            value = getattr(node, name)
            if value is None or value == () or (info.default is not None and value == info.default
                                                 and not isinstance(value, bool)):
                continue
            if isinstance(value, bool):
                if not value:
                    continue
                fields.append(name)
                continue
            if name == "repeated" or name == "late_headers":
                fields.append(f"{name}={len(value)}")
                continue
            if isinstance(value, tuple) and value and isinstance(value[0], A.Node):
                if name in ("body", "on_event", "on_timeout", "else_body"):
                    fields.append(f"{name}={_block(value)}")
                else:
                    fields.append(f"{name}=[" + ", ".join(sx(v) for v in value) + "]")
                continue
            if isinstance(value, (A.Node,)):
                fields.append(f"{name}={sx(value)}")
                continue
            fields.append(f"{name}={value!r}" if not isinstance(value, str) else f"{name}={json.dumps(value)}")
        return f"{type(node).__name__}(" + ", ".join(fields) + ")"
    return repr(node)


def parse_ok(text: str, path: str = "t.journey") -> A.SourceFile:
    source, diagnostics = parse_source(text, path)
    assert source is not None and not diagnostics, [(d.code, d.message, d.span) for d in diagnostics]
    return source


def parse_expr(text: str):
    source = parse_ok("segment s {\n  " + text + "\n}\n")
    conditions = source.decls[0].conditions
    assert len(conditions) == 1, [sx(c) for c in conditions]
    return conditions[0]


def parse_stmt(text: str):
    source = parse_ok("journey j {\n  entry audience s\n  " + text + "\n}\n")
    body = source.decls[0].body
    assert len(body) == 1, [sx(s) for s in body]
    return body[0]


# ----------------------------------------------------------------------------- literals
TS_2026_11_23_09 = 1795424400000  # 2026-11-23T09:00:00Z

LITERALS = [
    ("3", "3"),
    ("0.7", "0.7"),
    ("12.50", "12.5"),
    ('"plain"', '"plain"'),
    ('""', '""'),
    (r'"a\"b"', r'"a\"b"'),
    (r'"back\\slash"', r'"back\\slash"'),
    (r'"line\nbreak"', r'"line\nbreak"'),
    (r'"tab\there"', r'"tab\there"'),
    (r'"unknown \q escape"', r'"unknown \\q escape"'),
    ('"caf\u00e9 \U0001F600"', '"caf\\u00e9 \\ud83d\\ude00"'),
    ("50%", "pct(50)"),
    ("12.5%", "pct(12.5)"),
    ("30m", "dur(30m=1800000)"),
    ("24h", "dur(24h=86400000)"),
    ("3d", "dur(3d=259200000)"),
    ("2w", "dur(2w=1209600000)"),
    ("45s", "dur(45s=45000)"),
    ("250ms", "dur(250ms=250)"),
    ("1h30m", "dur(1h30m=5400000)"),
    ("1d2h3m4s5ms", "dur(1d2h3m4s5ms=93784005)"),
    ("2026-11-23T09:00:00Z", f"ts(2026-11-23T09:00:00Z={TS_2026_11_23_09})"),
    ("2026-11-23T10:00:00+01:00", f"ts(2026-11-23T10:00:00+01:00={TS_2026_11_23_09})"),
    ("2026-11-23T04:30:00-04:30", f"ts(2026-11-23T04:30:00-04:30={TS_2026_11_23_09})"),
    ("2026-11-23T09:00Z", f"ts(2026-11-23T09:00Z={TS_2026_11_23_09})"),
    ("2026-11-23T09:00:00.250Z", f"ts(2026-11-23T09:00:00.250Z={TS_2026_11_23_09 + 250})"),
    ("09:00", "clock(09:00=540)"),
    ("21:30", "clock(21:30=1290)"),
    ("00:00", "clock(00:00=0)"),
    ("true", "true"),
    ("false", "false"),
    ("null", "null"),
    ("[]", "[]"),
    ('["gold", "platinum"]', '["gold", "platinum"]'),
    ("[1, 2.5, 3d, null, [true]]", "[1, 2.5, dur(3d=259200000), null, [true]]"),
]


@pytest.mark.parametrize("text,expected", LITERALS, ids=[t for t, _ in LITERALS])
def test_literals(text, expected):
    assert sx(parse_expr(text)) == expected


def test_long_string_strips_common_indentation():
    text = 'message m {\n  channel email\n  body """\n    <p>Hi</p>\n      <b>x</b>\n    <i>"quoted"</i>\n  """\n}\n'
    field = parse_ok(text).decls[0].fields[0]
    assert field.value == '<p>Hi</p>\n  <b>x</b>\n<i>"quoted"</i>\n'
    # on one line: that line's own indentation is the common indentation
    one = parse_ok('message m { channel sms body """  a "b" c""" }').decls[0].fields[0]
    assert one.value == 'a "b" c'
    # backslashes are kept verbatim in long strings
    raw = parse_ok('message m { channel sms body """a\\nb""" }').decls[0].fields[0]
    assert raw.value == "a\\nb"


# ----------------------------------------------------------------------------- expressions
EXPRESSIONS = [
    # paths
    ("profile.consents.marketing.email.val", "profile.consents.marketing.email.val"),
    ("add.commerce.cart.cartID", "add.commerce.cart.cartID"),
    ("event.productListItems[0].SKU", "event.productListItems[0].SKU"),
    ("event.productListItems[*].SKU", "event.productListItems[*].SKU"),
    ("x[1 + 1][*][0]", "x[(+ 1 1)][*][0]"),
    ("journey.entered_at", "journey.entered_at"),
    ("now - 3d", "(- now dur(3d=259200000))"),
    # contextual keywords as field names and path roots
    ("event.message.name", "event.message.name"),
    ("commerce.order.priceTotal", "commerce.order.priceTotal"),
    ("order.commerce.order.purchaseID", "order.commerce.order.purchaseID"),
    ("x.event.has.no.count.sum.within.between.after.before.from.where.as.first.last",
     "x.event.has.no.count.sum.within.between.after.before.from.where.as.first.last"),
    ("x.journey.segment.message.lookup.policy.channel.body.subject.file",
     "x.journey.segment.message.lookup.policy.channel.body.subject.file"),
    ("x.wait.until.next.split.send.add.remove.set.exit.jump.enrich.entry.timeout",
     "x.wait.until.next.split.send.add.remove.set.exit.jump.enrich.entry.timeout"),
    ("x.in.not.and.or.true.false.null", "x.in.not.and.or.true.false.null"),
    ("profile.description == profile.timezone", "(== profile.description profile.timezone)"),
    # precedence, loosest first: or, and, not, comparisons, + -, * / %, unary -, postfix
    ("a or b and c", "(or a (and b c))"),
    ("a and b or c", "(or (and a b) c)"),
    ("a or b or c", "(or a b c)"),
    ("a and b and c and d", "(and a b c d)"),
    ("not a and b", "(and (not a) b)"),
    ("not a == b", "(not (== a b))"),
    ("not not a", "(not (not a))"),
    ("a == b or c != d", "(or (== a b) (!= c d))"),
    ("a < b and c <= d and e > f and g >= h", "(and (< a b) (<= c d) (> e f) (>= g h))"),
    ("a + b * c", "(+ a (* b c))"),
    ("a * b + c", "(+ (* a b) c)"),
    ("a - b - c", "(- (- a b) c)"),
    ("a / b % c", "(% (/ a b) c)"),
    ("a % 3 == 1", "(== (% a 3) 1)"),
    ("-a * b", "(* (- a) b)"),
    ("- - a", "(- (- a))"),
    ("-a.b[0]", "(- a.b[0])"),
    ("(a or b) and c", "(and (or a b) c)"),
    ("(a + b) * c", "(* (+ a b) c)"),
    ("a + b == c * d", "(== (+ a b) (* c d))"),
    ("profile.loyalty.tier in [\"gold\", \"platinum\"]", '(in profile.loyalty.tier ["gold", "platinum"])'),
    ("a not in [1, 2]", "(not in a [1, 2])"),
    ("a not   in b", "(not in a b)"),
    ("not a in b", "(not (in a b))"),
    ("a + 1 in b", "(in (+ a 1) b)"),
    ("x.not_in_list in y", "(in x.not_in_list y)"),
    ("now - v.timestamp > 3d", "(> (- now v.timestamp) dur(3d=259200000))"),
    ("2026-11-23T09:00:00Z + 1h30m", f"(+ ts(2026-11-23T09:00:00Z={TS_2026_11_23_09}) dur(1h30m=5400000))"),
    ("x == null", "(== x null)"),
    # calls
    ("exists(profile.mobilePhone.number)", "exists(profile.mobilePhone.number)"),
    ("len(x) > 0", "(> len(x) 0)"),
    ('lower(s) == upper("a")', '(== lower(s) upper("a"))'),
    ('contains(x, "y")', 'contains(x, "y")'),
    ('startswith(s, "p")', 'startswith(s, "p")'),
    ("min(xs) < max(xs)", "(< min(xs) max(xs))"),
    ("consented(email)", "consented(email)"),
    ("in_segment(engaged_last_day)", "in_segment(engaged_last_day)"),
    ("f()", "f()"),
    ("f(a, b + 1, [c])", "f(a, (+ b 1), [c])"),
    ("f(g(h(x)))", "f(g(h(x)))"),
    # sum(list) is a call; sum(F) of PATTERN CMP N is a history predicate
    ("sum(event.productListItems[*].priceTotal)", "sum(event.productListItems[*].priceTotal)"),
    ("sum(profile.x) > 3", "(> sum(profile.x) 3)"),
    ("sum(commerce.order.priceTotal) of event commerce.purchases within 90d > 200",
     "(sum commerce.order.priceTotal of event<commerce.purchases within=90d> > 200)"),
    ("sum(x) of event a > 1 and sum(y) > 2", "(and (sum x of event<a> > 1) (> sum(y) 2))"),
    # history predicates
    ("has event commerce.productListAdds", "(has event<commerce.productListAdds>)"),
    ("has first event a as v", "(has first event<a as=v>)"),
    ("has last event commerce.productViews as view between 4d and 3d ago",
     "(has last event<commerce.productViews as=view between=4d,3d>)"),
    ("no event commerce.purchases after add", "(no event<commerce.purchases after=add>)"),
    ("count event commerce.purchases within 90d >= 3", "(count event<commerce.purchases within=90d> >= 3)"),
    ("count event a == 1 + 1", "(count event<a> == (+ 1 1))"),
    ("has event *", "(has event<*>)"),
    ("has event * within 1d", "(has event<* within=1d>)"),
    ('has event "web.webpagedetails.pageViews"', "(has event<web.webpagedetails.pageViews>)"),
    ("has event commerce.productListAdds, application.launch, web.webpagedetails.pageViews",
     "(has event<commerce.productListAdds,application.launch,web.webpagedetails.pageViews>)"),
    ('has event a, "b c", d.e', "(has event<a,b c,d.e>)"),
    ("has event message.interaction where event.message.name == \"wishlist_reminder\"",
     '(has event<message.interaction where=(== event.message.name "wishlist_reminder")>)'),
    ("has event a from offline", "(has event<a from=offline>)"),
    ('has event a from "web-sdk"', "(has event<a from=web-sdk>)"),
    ("has event a before 30d ago", "(has event<a before=30d>)"),
    ("no event a after x within 3d", "(no event<a within=3d after=x>)"),
    # pattern clauses in any order give the same pattern
    ("has event a as x from web where x.v > 1 within 1d", "(has event<a as=x from=web where=(> x.v 1) within=1d>)"),
    ("has event a within 1d where x.v > 1 from web as x", "(has event<a as=x from=web where=(> x.v 1) within=1d>)"),
    ("has event a from web within 1d as x where x.v > 1", "(has event<a as=x from=web where=(> x.v 1) within=1d>)"),
    ("no event a within 3d after x", "(no event<a within=3d after=x>)"),
    ("has event a between 2d and 1d ago as x", "(has event<a as=x between=2d,1d>)"),
    # `where` takes a whole expression (`and` included) up to the next clause
    ("has event a where x and y within 1d", "(has event<a where=(and x y) within=1d>)"),
    ("not has event a", "(not (has event<a>))"),
    ("has event a or no event b", "(or (has event<a>) (no event<b>))"),
    ("has event a as add and add.x == 1", "(and (has event<a as=add>) (== add.x 1))"),
    ("has event a as add within 1d and add.commerce.cart.cartID == \"c1\"",
     '(and (has event<a as=add within=1d>) (== add.commerce.cart.cartID "c1"))'),
    # a clause given twice is kept (the checker reports it)
    ("has event a within 1d within 2d", "(has event<a within=2d repeated=1>)"),
]


@pytest.mark.parametrize("text,expected", EXPRESSIONS, ids=[t for t, _ in EXPRESSIONS])
def test_expressions(text, expected):
    assert sx(parse_expr(text)) == expected


def test_segment_conditions_one_after_another():
    source = parse_ok(
        "segment loyal_buyers {\n"
        "  count event commerce.purchases within 90d >= 3\n"
        "  sum(commerce.order.priceTotal) of event commerce.purchases within 90d > 200\n"
        "  profile.loyalty.tier in [\"gold\", \"platinum\"] or in_segment(engaged_last_day)\n"
        "}\n")
    assert [sx(c) for c in source.decls[0].conditions] == [
        "(count event<commerce.purchases within=90d> >= 3)",
        "(sum commerce.order.priceTotal of event<commerce.purchases within=90d> > 200)",
        '(or (in profile.loyalty.tier ["gold", "platinum"]) in_segment(engaged_last_day))',
    ]


@pytest.mark.parametrize("text", [
    "segment s {\n  has event commerce.productListAdds as add within 1d\n  add.commerce.cart.cartID == \"c1\"\n}\n",
    "segment s {\n  profile.a == 1\n  add.x == 1\n}\n",
    "segment s {\n  has event a as set\n  set.x == 1\n}\n",
])
def test_keyword_named_alias_starting_a_segment_condition(text):
    parse_ok(text)


# ----------------------------------------------------------------------------- statements
STATEMENTS = [
    ("wait 30m", "Wait(duration=dur(30m=1800000))"),
    ("wait 1h30m", "Wait(duration=dur(1h30m=5400000))"),
    ("wait until 2026-11-23T09:00:00Z", f"WaitUntil(when=ts(2026-11-23T09:00:00Z={TS_2026_11_23_09}))"),
    ("wait until journey.entered_at + 1d", "WaitUntil(when=(+ journey.entered_at dur(1d=86400000)))"),
    ("wait until next 09:00", "WaitUntilNext(clock=clock(09:00=540))"),
    ("wait until next 09:00 in profile.timezone", "WaitUntilNext(clock=clock(09:00=540), zone=profile.timezone)"),
    ('wait until next 18:45 in "Europe/Stockholm"', 'WaitUntilNext(clock=clock(18:45=1125), zone="Europe/Stockholm")'),
    ("wait for event a within 1d", "wait for event<a within=1d>"),
    ("wait for event a within 1d { }", "wait for event<a within=1d>"),
    ("wait for event a within 1d { on event { exit } }", "wait for event<a within=1d> on event {Exit()}"),
    ('wait for event a within 1d { on timeout { exit "no" } }', 'wait for event<a within=1d> on timeout {Exit(reason="no")}'),
    ("wait for event a as d where d.x == 1 within 30m { on event { exit } on timeout { wait 1d } }",
     "wait for event<a as=d where=(== d.x 1) within=30m> on event {Exit()} on timeout {Wait(duration=dur(1d=86400000))}"),
    ("wait for event a within 1d { on timeout { wait 1d } on event { exit } }",
     "wait for event<a within=1d> on event {Exit()} on timeout {Wait(duration=dur(1d=86400000))}"),
    ("wait for event a within 1d { on event { } on timeout { } }", "wait for event<a within=1d> on event {} on timeout {}"),
    ("wait for event message.interaction where event.message.name == \"w\" and event.message.action == \"click\" within 3d",
     'wait for event<message.interaction where=(and (== event.message.name "w") (== event.message.action "click")) within=3d>'),
    ("if a { exit }", "if a {Exit()}"),
    ("if a { }", "if a {}"),
    ("if a { } else { }", "if a {} else {}"),
    ("if a { wait 1d } elif b { exit } elif c { } else { exit \"z\" }",
     'if a {Wait(duration=dur(1d=86400000))} elif b {Exit()} elif c {} else {Exit(reason="z")}'),
    ("if has event commerce.purchases from offline after add { exit \"bought in store\" }",
     'if (has event<commerce.purchases from=offline after=add>) {Exit(reason="bought in store")}'),
    ("if a { if b { exit } }", "if a {if b {Exit()}}"),
    ("split { 50% as by_sms { } 50% as by_push { exit } }", "split {50% as by_sms {} 50% as by_push {Exit()}}"),
    ("split { 33.3% { } 66.7% { } }", "split {33.3% {} 66.7% {}}"),
    ("split by profile.personalEmail.address { 10% { } 90% as rest { } }",
     "split by profile.personalEmail.address {10% {} 90% as rest {}}"),
    ("enrich wish = lookup wishlist by profile.personalEmail.address",
     "Enrich(name=wish, table=wishlist, key=profile.personalEmail.address)"),
    ("send email cart_reminder", "Send(channel=email, message=cart_reminder)"),
    ("send sms m to profile.mobilePhone.number", "Send(channel=sms, message=m, to=profile.mobilePhone.number)"),
    ("send email m as sent", "Send(channel=email, message=m, alias=sent)"),
    ('send webhook m to "https://x" as hook', 'Send(channel=webhook, message=m, to="https://x", alias=hook)'),
    ("add to audience high_churn_risk", 'AudienceAction(op="add", audience=high_churn_risk)'),
    ("remove from audience high_churn_risk", 'AudienceAction(op="remove", audience=high_churn_risk)'),
    ("set profile.loyalty.tier = \"gold\"", 'set profile.loyalty.tier = "gold"'),
    ("set profile.x = profile.x + 1", "set profile.x = (+ profile.x 1)"),
    ("set profile.message.event = 1", "set profile.message.event = 1"),
    ("exit", "Exit()"),
    ('exit "high churn risk"', 'Exit(reason="high churn risk")'),
    ("jump to journey order_confirmation", "Jump(journey=order_confirmation)"),
]


@pytest.mark.parametrize("text,expected", STATEMENTS, ids=[t for t, _ in STATEMENTS])
def test_statements(text, expected):
    assert sx(parse_stmt(text)) == expected


def test_contextual_keywords_as_aliases_and_event_types():
    source = parse_ok(
        "journey j {\n"
        "  entry event commerce.productListAdds as add\n"
        "    where add.identityMap.Email[0].authenticatedState == \"authenticated\"\n"
        "  wait for event message.interaction as message within 1d\n"
        "  if add.commerce.cart.cartID == message.message.name { send email cart_reminder to add.email }\n"
        "}\n")
    journey = source.decls[0]
    assert sx(journey.entry) == ('EventEntry(pattern=event<commerce.productListAdds as=add '
                                 'where=(== add.identityMap.Email[0].authenticatedState "authenticated")>)')
    assert [sx(s) for s in journey.body] == [
        "wait for event<message.interaction as=message within=1d>",
        "if (== add.commerce.cart.cartID message.message.name) {Send(channel=email, message=cart_reminder, to=add.email)}",
    ]


# ----------------------------------------------------------------------------- declarations
DECLARATIONS = [
    ("segment s { }", "SegmentDecl(name=s)"),
    ('segment s { description "d" evaluation batch a }', 'SegmentDecl(name=s, description="d", evaluation="batch", conditions=[a])'),
    ("segment s { evaluation streaming }", "SegmentDecl(name=s)"),
    ("segment s { description \"a\" description \"b\" }", 'SegmentDecl(name=s, description="b", repeated=1)'),
    ("segment segment { x }", "SegmentDecl(name=segment, conditions=[x])"),
    ('message m { channel email subject "S" body "B" }',
     'MessageDecl(name=m, channel=email, fields=[MessageField(name=subject, value="S"), MessageField(name=body, value="B")])'),
    ('message m { channel email transactional subject "S" body file "templates/x.html.j2" }',
     'MessageDecl(name=m, channel=email, transactional, fields=[MessageField(name=subject, value="S"), '
     'MessageField(name=body, value="templates/x.html.j2", is_file)])'),
    ('message m { channel push title "T" body "B" }',
     'MessageDecl(name=m, channel=push, fields=[MessageField(name=title, value="T"), MessageField(name=body, value="B")])'),
    ('message m { channel ads destination "d" }', 'MessageDecl(name=m, channel=ads, fields=[MessageField(name=destination, value="d")])'),
    ('message m { channel sms body "a" body "b" }',
     'MessageDecl(name=m, channel=sms, fields=[MessageField(name=body, value="a"), MessageField(name=body, value="b")], repeated=1)'),
    ("message m { }", "MessageDecl(name=m)"),
    ('lookup wishlist from "data/wishlist.csv" key email', 'LookupDecl(name=wishlist, path="data/wishlist.csv", key="email")'),
    ('lookup stores from "data/stores.jsonl" key "store id"', 'LookupDecl(name=stores, path="data/stores.jsonl", key="store id")'),
    ("policy { }", "PolicyDecl()"),
    ('policy {\n  frequency cap email 2 per 1d\n  frequency cap sms 1 per 7d\n  quiet hours 21:00 to 08:00 in profile.timezone default "UTC"\n}',
     "PolicyDecl(caps=[FrequencyCap(channel=email, count=2, per=dur(1d=86400000)), "
     "FrequencyCap(channel=sms, count=1, per=dur(7d=604800000))], "
     'quiet_hours=QuietHours(start=clock(21:00=1260), end=clock(08:00=480), zone=profile.timezone, default_zone="UTC"))'),
    ("policy { quiet hours 22:00 to 07:30 }", "PolicyDecl(quiet_hours=QuietHours(start=clock(22:00=1320), end=clock(07:30=450)))"),
    ('policy { quiet hours 22:00 to 07:30 in "Europe/Paris" }',
     'PolicyDecl(quiet_hours=QuietHours(start=clock(22:00=1320), end=clock(07:30=450), zone="Europe/Paris"))'),
    # journeys: header clauses and entries
    ("journey j { }", "JourneyDecl(name=j)"),
    ("journey j { entry event commerce.purchases as order }",
     "JourneyDecl(name=j, entry=EventEntry(pattern=event<commerce.purchases as=order>))"),
    ("journey j { entry event * }", "JourneyDecl(name=j, entry=EventEntry(pattern=event<*>))"),
    ("journey j { entry audience abandoned_cart }", "JourneyDecl(name=j, entry=AudienceEntry(segment=abandoned_cart))"),
    ("journey j { entry read audience s at 2026-11-23T09:00:00Z }",
     f"JourneyDecl(name=j, entry=ReadAudienceEntry(segment=s, at=ts(2026-11-23T09:00:00Z={TS_2026_11_23_09})))"),
    ("journey j { entry read audience s at 2026-11-23T10:00:00+01:00 every 1d }",
     f"JourneyDecl(name=j, entry=ReadAudienceEntry(segment=s, at=ts(2026-11-23T10:00:00+01:00={TS_2026_11_23_09}), "
     "every=dur(1d=86400000)))"),
    ("journey j { entry audience s reentry never }", 'JourneyDecl(name=j, entry=AudienceEntry(segment=s), reentry=Reentry(mode="never"))'),
    ("journey j { entry audience s reentry always }", 'JourneyDecl(name=j, entry=AudienceEntry(segment=s), reentry=Reentry(mode="always"))'),
    ("journey j { entry audience s reentry after 1d }",
     'JourneyDecl(name=j, entry=AudienceEntry(segment=s), reentry=Reentry(mode="after", after=dur(1d=86400000)))'),
    ("journey j { entry audience s timeout 7d }", "JourneyDecl(name=j, entry=AudienceEntry(segment=s), timeout=dur(7d=604800000))"),
    ("journey j { entry audience s dedup by profile.personalEmail.address }",
     "JourneyDecl(name=j, entry=AudienceEntry(segment=s), dedup=Dedup(key=profile.personalEmail.address))"),
    ("journey j { entry audience s dedup by lower(profile.email) within 1d }",
     "JourneyDecl(name=j, entry=AudienceEntry(segment=s), dedup=Dedup(key=lower(profile.email), within=dur(1d=86400000)))"),
    ('journey j { entry audience s exit on event commerce.purchases "bought" exit on event a.b }',
     "JourneyDecl(name=j, entry=AudienceEntry(segment=s), exits=[ExitOn(pattern=event<commerce.purchases>, "
     'reason="bought"), ExitOn(pattern=event<a.b>)])'),
    ('journey j { description "d" entry audience s description "e" }',
     'JourneyDecl(name=j, description="e", entry=AudienceEntry(segment=s), repeated=1)'),
    ("journey j { entry audience s wait 1d timeout 2d }",
     "JourneyDecl(name=j, entry=AudienceEntry(segment=s), timeout=dur(2d=172800000), "
     "body={Wait(duration=dur(1d=86400000))}, late_headers=1)"),
    # an `exit` statement vs an `exit on` header clause
    ('journey j { entry audience s exit on event a "x" exit "y" }',
     'JourneyDecl(name=j, entry=AudienceEntry(segment=s), exits=[ExitOn(pattern=event<a>, reason="x")], body={Exit(reason="y")})'),
    # every kind of declaration has its own namespace: the same name parses everywhere
    ("segment x { } journey x { } message x { } lookup x from \"x.csv\" key x",
     'SegmentDecl(name=x)\nJourneyDecl(name=x)\nMessageDecl(name=x)\nLookupDecl(name=x, path="x.csv", key="x")'),
    # comments anywhere
    ("# head\nsegment s { # in\n  a # after\n}\n# tail", "SegmentDecl(name=s, conditions=[a])"),
    ("", ""),
]


@pytest.mark.parametrize("text,expected", DECLARATIONS, ids=[t[:60] for t, _ in DECLARATIONS])
def test_declarations(text, expected):
    assert sx(parse_ok(text)) == expected


def test_comments_are_collected():
    source = parse_ok("# head\nsegment s { # in\n  a # after\n}\n")
    assert [(c.line, c.column, c.text) for c in source.comments] == [(1, 1, "# head"), (2, 13, "# in"), (3, 5, "# after")]
    # comments of one parse do not leak into the next
    assert parse_ok("segment t { }").comments == ()


# ----------------------------------------------------------------------------- normative examples
def _fixture_files() -> list[str]:
    return sorted(p.name for p in FIXTURES.glob("*.journey"))


@pytest.mark.parametrize("name", _fixture_files())
def test_parse_fixture_golden(name):
    path = FIXTURES / name
    source = parse_ok(path.read_text(encoding="utf-8"), str(path))
    summary = sx(source) + "\n"
    golden = path.with_suffix(".expected")
    if os.environ.get("UPDATE_GOLDENS") == "1":
        golden.write_text(summary, encoding="utf-8")
    assert golden.is_file(), f"missing golden {golden.name}: run with UPDATE_GOLDENS=1"
    assert summary == golden.read_text(encoding="utf-8")


def test_every_fixture_has_a_golden():
    assert _fixture_files(), "tests/fixtures/parse/ has no .journey files"
    for golden in FIXTURES.glob("*.expected"):
        assert golden.with_suffix(".journey").is_file(), f"{golden.name} has no .journey file"


# ----------------------------------------------------------------------------- spans
SPAN_SOURCE = (
    "segment s {\n"                                                   # 1
    "  has event commerce.productListAdds as add within 1d\n"         # 2
    "}\n"                                                             # 3
    "journey j {\n"                                                   # 4
    "  entry event a.b as add\n"                                      # 5
    "  if add.x == \"é\" {\n"                                         # 6
    "    send email m\n"                                              # 7
    "  }\n"                                                           # 8
    "}\n"                                                             # 9
)


def _span(node):
    s = node.span
    return (s.line, s.column, s.end_line, s.end_column)


def test_spans_are_one_based_and_cover_the_text():
    source = parse_ok(SPAN_SOURCE, "spans.journey")
    segment, journey = source.decls
    assert _span(segment) == (1, 1, 3, 2)
    assert _span(segment.name) == (1, 9, 1, 10)
    has = segment.conditions[0]
    assert _span(has) == (2, 3, 2, 54)
    assert _span(has.pattern) == (2, 7, 2, 54)
    assert [(s.line, s.column, s.end_column) for s in has.pattern.type_spans] == [(2, 13, 37)]
    assert _span(has.pattern.alias) == (2, 41, 2, 44)
    assert _span(has.pattern.within) == (2, 52, 2, 54)
    assert _span(journey) == (4, 1, 9, 2)
    assert _span(journey.entry) == (5, 3, 5, 25)
    if_stmt = journey.body[0]
    assert _span(if_stmt) == (6, 3, 8, 4)
    condition = if_stmt.branches[0].condition
    assert _span(condition) == (6, 6, 6, 18)  # columns count characters, not bytes
    assert _span(condition.left) == (6, 6, 6, 11)
    assert _span(condition.left.target) == (6, 6, 6, 9)
    assert _span(condition.right) == (6, 15, 6, 18)
    send = if_stmt.branches[0].body[0]
    assert _span(send) == (7, 5, 7, 17)
    assert _span(send.channel) == (7, 10, 7, 15)
    assert _span(send.message) == (7, 16, 7, 17)
    for node in A.walk(source.decls[1]):
        if isinstance(node, A.Node):
            assert node.span.file == "spans.journey"
            assert node.span.line >= 1 and node.span.column >= 1
            assert (node.span.end_line, node.span.end_column) >= (node.span.line, node.span.column)


def test_every_node_in_the_examples_has_a_span_inside_its_parent():
    for path in sorted(FIXTURES.glob("*.journey")):
        source = parse_ok(path.read_text(encoding="utf-8"), str(path))

        def visit(node, parent):
            if parent is not None and not isinstance(parent, (A.IfBranch,)):
                inner = (node.span.line, node.span.column), (node.span.end_line, node.span.end_column)
                outer = (parent.span.line, parent.span.column), (parent.span.end_line, parent.span.end_column)
                assert outer[0] <= inner[0] and inner[1] <= outer[1], (path.name, type(node).__name__, type(parent).__name__)
            for child in A.iter_children(node):
                visit(child, node)

        for decl in source.decls:
            visit(decl, None)


# ----------------------------------------------------------------------------- syntax errors
SYNTAX_ERRORS = [
    # (source, "line:col", fragments the message must contain)
    ("segment {", "1:9", ["unexpected `{`", "a name"]),
    ("segment s {\n  profile.loyalty.tier == 'gold'\n}\n", "2:27", ["unexpected character `'`"]),
    # end of file inside a block: at the `{` that is not closed
    ("segment s {\n  has event a within 1d\n", "1:11", ["`{` opened at line 1 is not closed before the end of the file"]),
    ("segment s {\n  has event a within 1d", "1:11", ["`{` opened at line 1 is not closed"]),
    # end of file outside any block: the point just after the last character of the last line
    ("lookup l from", "1:14", ["unexpected end of file", "expected a string"]),
    ("journey j {\n  entry event app.launch\n  send email\n}\n", "4:1", ["unexpected `}`", "a name"]),
    ("journey j {\n  entry audience s\n  wait\n}\n", "4:1", ["unexpected `}`", "a duration"]),
    ("journey j {\n  entry audience s\n  wait 5\n}\n", "3:8", ["unexpected `5`", "a duration"]),
    ("journey j {\n  entry audience s\n  wait until next 9am\n}\n", "3:19", ["unexpected", "a clock time"]),
    ("journey j {\n  entry audience s\n  reentry sometimes\n}\n", "3:11", ["unexpected `sometimes`", "`never`, `always` or `after`"]),
    ("segment s { evaluation lazy }", "1:24", ["unexpected `lazy`", "`streaming` or `batch`"]),
    ("journey j {\n  entry audience s\n  split { 50 { } 50% { } }\n}\n", "3:11", ["unexpected `50`", "a percentage"]),
    ("segment s {\n  profile.x == 50%\n}\n", None, None),  # a percent is an expression literal (checked later)
    ("journey j {\n  entry audience s\n  if a { exit } else if b { exit }\n}\n", "3:22", ["unexpected `if`", "`{`"]),
    ("journey j {\n  entry audience s\n  if a { exit } elif { exit }\n}\n", "3:22", ["unexpected `{`"]),
    ("segment s { has event }", "1:23", ["unexpected `}`", "a name", "a string"]),
    ("segment s { has event a, }", "1:26", ["unexpected `}`"]),
    ("segment s { has event a between 1d ago }", "1:36", ["unexpected `ago`", "`and`"]),
    ("segment s { has first a }", "1:23", ["unexpected `a`", "`event`"]),
    ("segment s { count event a }", "1:27", ["unexpected `}`", "a comparison"]),
    ("segment s { sum(x) of event a }", "1:31", ["unexpected `}`", "a comparison"]),
    ("segment s { a == == b }", "1:18", ["unexpected `==`"]),
    ("segment s { (a or b }", "1:21", ["unexpected `}`", "`)`"]),
    ("segment s { f(a,) }", "1:17", ["unexpected `)`"]),
    ("segment s { a[] }", "1:15", ["unexpected `]`"]),
    ("segment s { a. }", "1:16", ["unexpected `}`", "a name"]),
    ("journey j { entry audience s if a not b { } }", "1:35", ["unexpected `not`", "`{`"]),
    ('segment s { "unterminated }', "1:13", ["unexpected character `\"`"]),
    ("segment s { a @ b }", "1:15", ["unexpected character `@`"]),
    ("segment s { a } }", "1:17", ["unexpected `}`"]),
    ("frobnicate x { }", "1:1", ["unexpected `frobnicate`", "`journey`", "`segment`"]),
    ("message m { channel email subject 3 }", "1:35", ["unexpected `3`", "a string"]),
    ("lookup l from data.csv key k", "1:15", ["unexpected `data`", "a string"]),
    ("policy { frequency cap email two per 1d }", "1:30", ["unexpected `two`", "a number"]),
    ("policy { quiet hours 9 to 8 }", "1:22", ["unexpected `9`", "a clock time"]),
    ("journey j { entry read audience s at tomorrow }", "1:38", ["unexpected `tomorrow`", "a timestamp"]),
    ("journey j { entry audience s wait for event a { on event { } on event { } } }", "1:65", ["unexpected `event`", "`timeout`"]),
    ("journey j { entry audience s send email m to }", "1:46", ["unexpected `}`"]),
    ("journey j { entry audience s jump to j2 }", "1:38", ["unexpected `j2`", "`journey`"]),
    ("journey j { entry audience s set = 1 }", "1:34", ["unexpected `=`", "a name"]),
    ("journey j { entry audience s add audience x }", "1:34", ["unexpected `audience`", "`to`"]),
]

# E002: well-formed tokens with impossible values
INVALID_LITERALS = [
    ("segment s { x == 2026-13-40T09:00:00Z }", "1:18", "2026-13-40"),
    ("segment s { x == 25:61 }", "1:18", "25:61"),
    ("policy { quiet hours 24:00 to 08:00 }", "1:22", "24:00"),
]


@pytest.mark.parametrize("text,where,fragments", SYNTAX_ERRORS, ids=[t.replace("\n", " ")[:50] for t, _, _ in SYNTAX_ERRORS])
def test_syntax_errors(text, where, fragments):
    source, diagnostics = parse_source(text, "bad.journey")
    if where is None:
        assert source is not None and not diagnostics
        return
    assert source is None
    assert len(diagnostics) == 1, diagnostics
    diag = diagnostics[0]
    assert diag.code == "E001" and diag.severity == "error"
    assert f"{diag.span.line}:{diag.span.column}" == where, diag.message
    assert diag.span.file == "bad.journey"
    for fragment in fragments:
        assert fragment in diag.message, diag.message


@pytest.mark.parametrize("text,where,fragment", INVALID_LITERALS, ids=[t for t, _, _ in INVALID_LITERALS])
def test_invalid_literals(text, where, fragment):
    source, diagnostics = parse_source(text, "bad.journey")
    codes = [(d.code, f"{d.span.line}:{d.span.column}") for d in diagnostics]
    assert ("E002", where) in codes, [(d.code, d.message, d.span) for d in diagnostics]
    assert any(fragment in d.message for d in diagnostics)


def test_percent_over_100_is_reported_by_the_parser():
    _, diagnostics = parse_source("journey j { entry audience s split { 150% { } } }", "p.journey")
    assert [(d.code, d.span.column) for d in diagnostics] == [("E138", 38)]


def test_quiet_hours_twice_is_reported_by_the_parser():
    _, diagnostics = parse_source("policy { quiet hours 21:00 to 08:00 quiet hours 22:00 to 07:00 }", "p.journey")
    assert [(d.code, d.span.column) for d in diagnostics] == [("E112", 37)]


def test_eof_error_points_after_the_last_character():
    _, diagnostics = parse_source("lookup l from \"x.csv\"\n  key", "e.journey")
    assert [(d.code, d.span.line, d.span.column) for d in diagnostics] == [("E001", 2, 6)]


def test_eof_inside_a_block_points_at_the_open_brace():
    _, diagnostics = parse_source("segment s {\n  a\n  b", "e.journey")
    assert [(d.code, d.span.line, d.span.column) for d in diagnostics] == [("E001", 1, 11)]
    assert diagnostics[0].hint and "}" in diagnostics[0].hint


@pytest.mark.parametrize("text", ["", "\n\n", "# only a comment", "   \t \n"])
def test_empty_files_parse(text):
    source = parse_ok(text)
    assert source.decls == ()


def test_deep_nesting_is_reported_where_it_gets_too_deep():
    text = "segment s {\n  # ((((( in a comment\n  profile.a == \"(((\"\n  " + "(" * 500 + "a" + ")" * 500 + "\n}"
    source, diagnostics = parse_source(text, "deep.journey")
    assert source is None
    # the segment's `{` is the first level, so the parenthesis that goes too deep is number MAX_NESTING
    assert [(d.code, d.span.line, d.span.column) for d in diagnostics] == [("E001", 4, 2 + MAX_NESTING)]
    assert "nested deeper than" in diagnostics[0].message


def test_nesting_up_to_the_limit_parses():
    depth = MAX_NESTING - 1  # and the segment's braces
    source = parse_ok("segment s {\n  " + "(" * depth + "profile.a" + ")" * depth + "\n}\n")
    assert len(source.decls[0].conditions) == 1


def test_deep_operator_chains_are_a_diagnostic_not_a_crash():
    source, diagnostics = parse_source("segment s {\n  " + "not " * 3000 + "true\n}\n", "deep.journey")
    assert all(d.code in CODES for d in diagnostics)
    if source is None:
        assert [d.code for d in diagnostics] == ["E001"]


def test_files_parse_concurrently_with_their_own_comments():
    texts = [f"# file {i}\nsegment s{i} {{\n  profile.a == {i}  # trailing {i}\n}}\n" for i in range(40)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda item: parse_source(item[1], f"f{item[0]}.journey"), enumerate(texts)))
    for index, (source, diagnostics) in enumerate(results):
        assert diagnostics == []
        assert [c.text for c in source.comments] == [f"# file {index}", f"# trailing {index}"]


def test_a_segment_line_starting_with_a_parenthesis_is_a_new_condition():
    # a call needs `(` right after the name, so `y` then `(a or b)` on the next line are two conditions
    source, diagnostics = parse_source("segment s {\n  profile.x == y\n  (profile.a or profile.b)\n}\n", "t.journey")
    assert diagnostics == []
    assert [type(c).__name__ for c in source.decls[0].conditions] == ["Binary", "BoolChain"]
    call, _ = parse_source("segment s {\n  lower(profile.x) == \"a\"\n}\n", "t.journey")
    assert type(call.decls[0].conditions[0].left).__name__ == "Call"


@pytest.mark.parametrize("condition, hint_part", [
    ("count event a.b where event.ok >= 2", "compare inside the `where`"),
    ("sum(amount) of event a.b where event.ok > 10", "compare inside the `where`"),
    ("count event a.b within 3d", "write the comparison after the pattern"),
])
def test_a_count_without_its_comparison_says_why(condition, hint_part):
    _, diagnostics = parse_source(f"segment s {{\n  {condition}\n}}\n", "c.journey")
    assert [(d.code, d.span.line, d.span.column) for d in diagnostics] == [("E001", 3, 1)]
    assert "expected a comparison (`count`/`sum` end with `CMP N`)" in diagnostics[0].message
    assert hint_part in diagnostics[0].hint


def test_the_suggested_count_forms_parse():
    parse_ok("segment s {\n  count event a.b where event.ok == true >= 2\n"
             "  count event a.b where event.ok within 30d >= 2\n}\n")


@pytest.mark.parametrize("line", ["-1 < profile.b", '["a", "b"] == profile.x'])
def test_a_segment_line_starting_with_minus_or_bracket_gets_a_hint(line):
    _, diagnostics = parse_source(f"segment s {{\n  profile.a == 1\n  {line}\n}}\n", "m.journey")
    assert [d.code for d in diagnostics] == ["E001"]
    assert "continues the expression above it" in diagnostics[0].hint
    parse_ok(f"segment s {{\n  profile.a == 1\n  ({line})\n}}\n")   # the suggested form
