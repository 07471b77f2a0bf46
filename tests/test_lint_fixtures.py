"""Data-driven tests of the lint pass (journeylang/lint/).

Every `tests/fixtures/lint/W20x_<slug>.journey` is analysed on its own with
`analyse([path], lint=True)` (paths relative to the repository root) and its rendered
diagnostics are compared with `<same>.expected`. Run with `UPDATE_GOLDENS=1` to rewrite
the goldens (then review the diff).

File-name conventions:
* `W20x_<slug>.journey` — the fixture must produce at least one W20x;
* `W20x_<slug>_ok.journey` — it must produce no W20x (negative fixtures, and fixtures
  proving a suppression works).
Every fixture must be free of errors, so the results do not depend on the check passes.
"""
from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from journeylang.diagnostics.model import CODES
from journeylang.diagnostics.render import render_text
from journeylang.lint import ALL_RULES, RULES, lint_program
from journeylang.lint.suppressions import parse_allow
from journeylang.pipeline import analyse

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path("tests") / "fixtures" / "lint"
NAME = re.compile(r"^(W\d{3})_(\w+)\.journey$")


def _fixtures() -> list[str]:
    return sorted(p.name for p in (ROOT / FIXTURES).glob("*.journey"))


@pytest.fixture(autouse=True)
def _at_repo_root(monkeypatch):
    monkeypatch.chdir(ROOT)


def _lint(relative: str):
    analysis = analyse([relative], lint=True)
    diagnostics = analysis.sorted_diagnostics()
    sources = {source.path: source.text for source in analysis.program.files}
    return diagnostics, render_text(diagnostics, sources)


@pytest.mark.parametrize("name", _fixtures())
def test_fixture(name: str) -> None:
    match = NAME.match(name)
    assert match, f"fixture {name} must be named W20x_<slug>.journey"
    code, slug = match.group(1), match.group(2)
    relative = str(FIXTURES / name)
    diagnostics, text = _lint(relative)

    errors = [d for d in diagnostics if d.severity == "error"]
    assert not errors, f"{name} must be an error-free program:\n{text}"

    codes = {d.code for d in diagnostics}
    if slug.endswith("_ok"):
        assert code not in codes, f"{name} must have no {code}:\n{text}"
    else:
        assert code in codes, f"{name} must produce {code}:\n{text}"

    golden = ROOT / FIXTURES / name.replace(".journey", ".expected")
    rendered = text + "\n" if text else ""
    if os.environ.get("UPDATE_GOLDENS"):
        golden.write_text(rendered, encoding="utf-8")
    assert golden.exists(), f"missing golden {golden}; run with UPDATE_GOLDENS=1"
    assert rendered == golden.read_text(encoding="utf-8")


def test_every_rule_has_fixtures() -> None:
    names = _fixtures()
    for rule in ALL_RULES:
        assert any(n.startswith(rule.CODE + "_") and not n.endswith("_ok.journey") for n in names), rule.CODE
        assert any(n.startswith(rule.CODE + "_") and n.endswith("_ok.journey") for n in names), rule.CODE


def test_rules_are_registered_and_documented() -> None:
    codes = [rule.CODE for rule in ALL_RULES]
    assert len(codes) == len(set(codes))
    ordered = [rule.CODE for rule in RULES]
    assert ordered == sorted(ordered), "rules run in code order"
    assert ALL_RULES[-1].CODE == "W208", "unused suppressions are found last, on the other rules' results"
    for rule in ALL_RULES:
        assert CODES[rule.CODE][0] == "warning"
        doc = rule.__doc__ or ""
        assert doc.startswith(rule.CODE), rule.__name__
        for section in ("What it flags", "Why it matters", "Example", "Fix"):
            assert section in doc, f"{rule.__name__}: docstring lacks {section!r}"


def test_lint_is_deterministic_on_the_seed_journeys() -> None:
    if not (ROOT / "journeys").is_dir():
        pytest.skip("no journeys/ folder")
    first = _lint("journeys")[1]
    assert first == _lint("journeys")[1]


def test_suppressions_do_not_hide_errors() -> None:
    source = ("journey j {\n  entry audience nobody  # journeylang: allow E101, W206 nope\n"
              "  reentry always\n}\n")
    analysis = analyse([], sources={"inline.journey": source})
    before = [d for d in analysis.sorted_diagnostics() if d.severity == "error"]
    lint_program(analysis)
    after = [d for d in analysis.sorted_diagnostics() if d.severity == "error"]
    assert before == after


@pytest.mark.parametrize("text, codes, reason", [
    ("# journeylang: allow W205 both approved", {"W205"}, "both approved"),
    ("# journeylang: allow W201, W206 kept", {"W201", "W206"}, "kept"),
    ("# journeylang: allow W201,W206", {"W201", "W206"}, ""),
    ("#journeylang:allow w203 lower case", {"W203"}, "lower case"),
    ("# journeylang: allow W201 W206 reason", {"W201", "W206"}, "reason"),
])
def test_parse_allow(text: str, codes: set[str], reason: str) -> None:
    assert parse_allow(text) == (frozenset(codes), reason)


@pytest.mark.parametrize("text", ["# allow W205", "# journeylang: allow", "# journeylang: allow everything",
                                  "# a note"])
def test_parse_allow_rejects(text: str) -> None:
    assert parse_allow(text) is None
