"""Fixture pairs for `journeylang diff`: one folder per behaviour under `tests/diff/cases/`.

Each case holds `old/` and `new/` (two versions of a program), `events.jsonl` (the log),
and the expected diff as `expected.json` and `expected.md`. The command runs inside the
case folder with relative paths, so the outputs are stable. Run with `UPDATE_GOLDENS=1`
to rewrite the expected files, then review them: `CHECKS` below pins what each case is
about, so a rewrite that loses the point of a case still fails.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from journeylang.cli.main import main

CASES = Path(__file__).resolve().parent / "cases"
FORMATS = {"json": "expected.json", "markdown": "expected.md"}

# what each case must show (in the JSON document), whatever the goldens say
CHECKS = {
    "wait_lengthened": lambda d: _summaries(d, "cart") >= {"email reminder moved +30m",
                                                           "email reminder removed (sent)"},
    "consent_guard_removed": lambda d: "email reminder added (suppressed (no consent))" in _summaries(d, "welcome"),
    "split_percentages": lambda d: _summaries(d, "test_offer") >= {"email offer_a removed (sent)",
                                                                   "email offer_b added (sent)"}
    and _journey(d, "test_offer")["structure"]["nodes"]["changed"][0]["new"]["text"].startswith("split 20%"),
    "template_changed": lambda d: "email receipt_mail content changed (body)" in _summaries(d, "receipt")
    and any(decl["name"] == "receipt_mail" for decl in d["declarations"]),
    "new_exit_criterion": lambda d: _journey(d, "browse")["counts"]["exits"]["bought"] == {"old": 0, "new": 2,
                                                                                            "change": 2}
    and _journey(d, "browse")["structure"]["header"][0]["clause"] == "exit on",
    "journey_added_removed": lambda d: (_journey(d, "browse_follow_up")["status"], _journey(d, "winback")["status"],
                                       _journey(d, "thanks")["status"]) == ("added", "removed", "unchanged"),
    "segment_window": lambda d: d["segments"][0]["name"] == "recent_buyers"
    and d["segments"][0]["profiles_differing"] == 2 and d["segments"][0]["status"] == "changed",
    "identical": lambda d: not d["behavioural_difference"] and all(j["status"] == "unchanged" for j in d["journeys"]),
}


def _journey(doc: dict, name: str) -> dict:
    return next(j for j in doc["journeys"] if j["name"] == name)


def _summaries(doc: dict, name: str) -> set[str]:
    return {p["summary"] for p in _journey(doc, name)["patterns"]}


def _cases() -> list[str]:
    return sorted(p.name for p in CASES.iterdir() if (p / "old").is_dir())


def _diff(case: str, fmt: str, capsys, monkeypatch, *extra: str) -> tuple[int, str]:
    monkeypatch.chdir(CASES / case)
    code = main(["diff", "old", "new", "--events", "events.jsonl", "--format", fmt, *extra])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.out + captured.err
    assert captured.err == "", captured.err
    return code, captured.out


def test_every_case_is_checked():
    assert sorted(CHECKS) == _cases()


@pytest.mark.parametrize("fmt", sorted(FORMATS))
@pytest.mark.parametrize("case", _cases())
def test_case_matches_its_golden(case, fmt, capsys, monkeypatch):
    code, out = _diff(case, fmt, capsys, monkeypatch)
    assert code == 0      # without --exit-code a difference is not a failure
    golden = CASES / case / FORMATS[fmt]
    if os.environ.get("UPDATE_GOLDENS") == "1":
        golden.write_text(out, encoding="utf-8")
    assert golden.is_file(), f"no golden for {case}; run with UPDATE_GOLDENS=1"
    assert out == golden.read_text(encoding="utf-8")


@pytest.mark.parametrize("case", _cases())
def test_case_shows_what_it_is_about(case, capsys, monkeypatch):
    _, out = _diff(case, "json", capsys, monkeypatch)
    doc = json.loads(out)
    assert CHECKS[case](doc), f"{case}: the diff no longer shows what the case is about"
    assert doc["format"] == "journeylang-diff" and doc["version"] == 1


@pytest.mark.parametrize("case", _cases())
def test_exit_code_follows_behaviour(case, capsys, monkeypatch):
    code, out = _diff(case, "text", capsys, monkeypatch, "--exit-code")
    if case == "identical":
        assert code == 0 and "no behavioural difference" in out
    else:
        assert code == 1 and "no behavioural difference" not in out.split("\n\n")[1]


@pytest.mark.parametrize("case", ["wait_lengthened", "segment_window", "split_percentages"])
def test_workers_give_the_same_bytes(case, capsys, monkeypatch):
    _, one = _diff(case, "json", capsys, monkeypatch)
    _, two = _diff(case, "json", capsys, monkeypatch, "--workers", "2")
    assert one == two
