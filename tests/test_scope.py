"""Table-driven tests of name resolution (journeylang/checks/scope.py).

Each case is a small program and the (code, name) pairs of the E104/E111 diagnostics it
must produce (empty: no scope error). A second table checks `analysis.scopes`: the names
visible before the statement on a given line.
"""
from __future__ import annotations

import pytest

from journeylang.checks.common import iter_statements
from journeylang.pipeline import analyse
from journeylang.syntax import ast as A

PATH = "scope_case.journey"


def run(text: str):
    return analyse([PATH], sources={PATH: text})


def scope_errors(text: str) -> list[tuple[str, str]]:
    analysis = run(text)
    found = []
    for diag in analysis.sorted_diagnostics():
        if diag.code in ("E104", "E111"):
            name = diag.message.split("`")[1]
            found.append((diag.code, name))
        elif diag.code != "E140":  # the lookup file `t.csv` is deliberately not on disk
            assert diag.severity != "error", f"unexpected {diag.code}: {diag.message}"
    return found


def seg(*lines: str) -> str:
    return "segment s {\n" + "\n".join("  " + line for line in lines) + "\n}\n"


def jour(*lines: str, entry: str = "entry event app.launch as launch") -> str:
    body = "\n".join("  " + line for line in lines)
    return ("lookup t from \"t.csv\" key k\n"
            f"journey j {{\n  {entry}\n  reentry always\n{body}\n}}\n")


SEGMENT_CASES = [
    ("alias visible on later lines",
     seg("has event a.x as a within 1d", "no event b.y after a", "a.v == 1"), []),
    ("alias used before its binding",
     seg("no event b.y after a", "has event a.x as a within 1d"), [("E111", "a")]),
    ("alias in another disjunct",
     seg("has event a.x as a or a.v == 1"), [("E111", "a")]),
    ("alias to the right, inside nested parentheses",
     seg("has event a.x as a and (a.v == 1 or (a.w == 2 and a.z == 3))"), []),
    ("binding inside parentheses does not escape",
     seg("(has event a.x as a and a.v == 1) and a.w == 2"), [("E111", "a")]),
    ("binding inside one segment line does not reach the next line",
     seg("has event a.x as a and a.v == 1", "a.w == 2"), [("E111", "a")]),
    ("has first and has last bind",
     seg("has first event a.x as f", "has last event a.x as l after f", "l.v == f.v"), []),
    ("a negated has does not bind",
     seg("not has event a.x as a and a.v == 1"), [("E111", "a")]),
    ("no/count aliases are visible only in their where",
     seg("no event a.x as n where n.v == 1", "count event a.y as c where c.v > 1 >= 2", "n.v == c.v"),
     [("E111", "n"), ("E111", "c")]),
    ("own alias and event inside where",
     seg("has event a.x as a where a.v == event.v within 1d"), []),
    ("after an undefined alias",
     seg("has event a.x as add within 1d", "no event b.y after ad"), [("E104", "ad")]),
    ("after an alias bound later in the same pattern is not allowed",
     seg("has event a.x as a after a"), [("E111", "a")]),
    ("unknown root",
     seg("profil.x == 1"), [("E104", "profil")]),
    ("event outside a pattern in a segment",
     seg("event.x == 1"), [("E104", "event")]),
    ("journey in a segment",
     seg("journey.name == \"x\""), [("E104", "journey")]),
    ("sum field is relative to the event",
     seg("sum(commerce.order.priceTotal) of event c.p within 1d > 2"), []),
]

JOURNEY_CASES = [
    ("entry alias is journey-wide",
     jour("dedup by launch.x", "exit on event a.quit where event.x == launch.x", "wait 1d",
          "if launch.v == 1 { set profile.v = launch.v }"), []),
    ("event is the entry event in an event-entry journey",
     jour("set profile.v = event.x"), []),
    ("event is not available in an audience-entry journey",
     "segment s { has event a.x }\n" + jour("set profile.v = event.x", entry="entry audience s"),
     [("E104", "event")]),
    ("wait alias in on event, not in on timeout",
     jour("wait for event a.click as c within 1d {", "  on event { set profile.a = c.x }",
          "  on timeout { set profile.b = c.x }", "}"), [("E111", "c")]),
    ("wait alias after a wait that can time out",
     jour("wait for event a.click as c within 1d", "set profile.a = c.x"), [("E111", "c")]),
    ("wait alias after a wait whose timeout exits",
     jour("wait for event a.click as c within 1d { on timeout { exit } }", "set profile.a = c.x"), []),
    ("wait alias after a wait without a time limit",
     jour("wait for event a.click as c", "set profile.a = c.x"), []),
    ("if-condition alias inside its branch only",
     jour("if has event a.buy as b { set profile.a = b.x } elif profile.y { set profile.b = b.x }",
          "set profile.c = b.x"), [("E111", "b"), ("E111", "b")]),
    ("if-condition alias from a top-level conjunction",
     jour("if profile.v and has event a.buy as b after launch and b.x == 1 { set profile.a = b.x }"), []),
    ("enrich on one branch only",
     jour("if profile.v { enrich e = lookup t by 1 }", "set profile.a = e.x"), [("E111", "e")]),
    ("enrich on both branches",
     jour("if profile.v { enrich e = lookup t by 1 } else { enrich e = lookup t by 2 }",
          "set profile.a = e.x"), []),
    ("a branch that exits does not count in the join",
     jour("if profile.v { exit } else { enrich e = lookup t by 2 }", "set profile.a = e.x"), []),
    ("split branches intersect",
     jour("split {", "  50% { enrich e = lookup t by 1 enrich f = lookup t by 1 }",
          "  50% { enrich e = lookup t by 2 }", "}", "set profile.a = e.x", "set profile.b = f.x"),
     [("E111", "f")]),
    ("enrich is visible only after it",
     jour("set profile.a = e.x", "enrich e = lookup t by 1"), [("E111", "e")]),
    ("send alias",
     "message m { channel sms body \"x\" }\n" + jour("send sms m as s", "set profile.a = s.status"), []),
    ("undefined name with a suggestion",
     jour("set profile.a = lanch.x"), [("E104", "lanch")]),
]


@pytest.mark.parametrize("title,text,expected", SEGMENT_CASES + JOURNEY_CASES,
                         ids=[c[0] for c in SEGMENT_CASES + JOURNEY_CASES])
def test_scope_errors(title: str, text: str, expected: list) -> None:
    assert scope_errors(text) == expected


SCOPE_PROGRAM = """\
lookup t from "t.csv" key k
journey j {
  entry event app.launch as launch
  reentry always
  enrich e = lookup t by 1
  wait for event a.click as c within 1d {
    on event { set profile.a = 1 }
    on timeout { set profile.b = 2 }
  }
  if has event a.buy as b {
    set profile.c = 3
  } else {
    enrich f = lookup t by 2
  }
  wait 1h
}
journey k {
  entry audience nobody
  wait for event a.click as c within 1d { on timeout { exit } }
  send sms m as s
  wait 1h
}
"""

# (journey, line of the statement) -> names visible before it runs
EXPECTED_SCOPES = [
    ("j", 5, {"launch": "alias"}),
    ("j", 6, {"launch": "alias", "e": "enrich"}),
    ("j", 7, {"launch": "alias", "e": "enrich", "c": "alias"}),
    ("j", 8, {"launch": "alias", "e": "enrich"}),
    ("j", 10, {"launch": "alias", "e": "enrich"}),
    ("j", 11, {"launch": "alias", "e": "enrich", "b": "alias"}),
    ("j", 13, {"launch": "alias", "e": "enrich"}),
    ("j", 15, {"launch": "alias", "e": "enrich"}),
    ("k", 20, {"c": "alias"}),
    ("k", 21, {"c": "alias", "s": "send"}),
]


def test_scopes_side_table() -> None:
    analysis = run(SCOPE_PROGRAM)
    by_line = {}
    for name, journey in analysis.program.journeys.items():
        for stmt in iter_statements(journey.body):
            by_line[(name, stmt.span.line)] = stmt
    for journey, line, names in EXPECTED_SCOPES:
        stmt = by_line[(journey, line)]
        assert analysis.scopes[id(stmt)] == names, (journey, line)
    every = [stmt for j in analysis.program.journeys.values() for stmt in iter_statements(j.body)]
    assert all(id(stmt) in analysis.scopes for stmt in every)


def test_pattern_scope_includes_own_alias() -> None:
    analysis = run(seg("has event a.x as a within 1d", "no event b.y as n after a where n.v == a.v"))
    patterns = [node for node in A.walk(analysis.program.segments["s"]) if isinstance(node, A.EventPattern)]
    assert analysis.scopes[id(patterns[0])] == {"a": "alias"}
    assert analysis.scopes[id(patterns[1])] == {"a": "alias", "n": "alias"}
