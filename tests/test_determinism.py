"""Determinism: the same program and log give byte-identical outputs; line order in the
log file does not change the actions (log order is by timestamp, then file, then line)."""
from __future__ import annotations

import os
import random

import orjson
import pytest

from journeylang.generate.xdm_log import generate_log
from journeylang.pipeline import analyse
from journeylang.runtime.replay import run_replay

HERE = os.path.dirname(os.path.abspath(__file__))
JOURNEYS = os.path.join(os.path.dirname(HERE), "journeys")
OUTPUTS = ("actions.jsonl", "trace.jsonl", "segments.jsonl", "rejected.jsonl", "report.json", "identities.jsonl")


@pytest.fixture(scope="module")
def analysis():
    result = analyse([JOURNEYS])
    assert not result.diagnostics.has_errors, [d.message for d in result.sorted_diagnostics()]
    return result


@pytest.fixture(scope="module")
def log(tmp_path_factory):
    path = str(tmp_path_factory.mktemp("log") / "events.jsonl")
    generate_log(path, profiles=200, days=15, seed=3, start="2026-11-10T00:00:00Z")
    return path


def _read(path: str) -> bytes:
    with open(path, "rb") as handle:
        return handle.read()


def test_two_replays_write_identical_bytes(analysis, log, tmp_path):
    first, second = str(tmp_path / "one"), str(tmp_path / "two")
    report_one, _ = run_replay(analysis, [log], None, first)
    report_two, _ = run_replay(analysis, [log], None, second)
    assert report_one == report_two
    assert sorted(os.listdir(first)) == sorted(os.listdir(second)) == sorted(OUTPUTS)
    for name in OUTPUTS:
        assert _read(os.path.join(first, name)) == _read(os.path.join(second, name)), name
    # the run is not trivially empty
    assert report_one["records"]["processed"] > 1000 and report_one["records"]["rejected"] == 0
    assert _read(os.path.join(first, "actions.jsonl")).count(b"\n") > 10


def _sorted_lines(path: str) -> list[bytes]:
    with open(path, "rb") as handle:
        return sorted(orjson.dumps(orjson.loads(x), option=orjson.OPT_SORT_KEYS) for x in handle if x.strip())


def test_shuffled_log_lines_give_the_same_actions(analysis, log, tmp_path):
    with open(log, "rb") as handle:
        lines = [x for x in handle if x.strip()]
    random.Random(7).shuffle(lines)
    shuffled = str(tmp_path / "shuffled.jsonl")
    with open(shuffled, "wb") as handle:
        handle.writelines(lines)
    run_replay(analysis, [log], None, str(tmp_path / "ordered"))
    run_replay(analysis, [shuffled], None, str(tmp_path / "shuffled"))
    ordered_actions = _sorted_lines(str(tmp_path / "ordered" / "actions.jsonl"))
    assert ordered_actions  # ids included: they hash journey, instance, node and time
    assert _sorted_lines(str(tmp_path / "shuffled" / "actions.jsonl")) == ordered_actions


def test_how_the_program_path_is_spelled_does_not_change_the_bytes(log, tmp_path, monkeypatch):
    """`journeylang replay journeys`, `replay /abs/path/journeys` and `replay .` from inside
    the folder write the same files: node locations (`where.file`) are relative to the
    folder holding the program, never the spelling on the command line or the checkout."""
    from journeylang.cli.main import main
    spellings = [("rel", os.path.dirname(JOURNEYS), "journeys"), ("abs", str(tmp_path), JOURNEYS),
                 ("dot", JOURNEYS, ".")]
    for name, cwd, program in spellings:
        monkeypatch.chdir(cwd)
        assert main(["replay", program, "--events", log, "--out", str(tmp_path / "runs" / name), "--quiet"]) == 0
    for output in OUTPUTS:
        first = _read(str(tmp_path / "runs" / "rel" / output))
        assert first or output not in ("actions.jsonl", "trace.jsonl"), output
        for name in ("abs", "dot"):
            assert _read(str(tmp_path / "runs" / name / output)) == first, (name, output)
    assert b'"file":"journeys/abandoned_cart.journey"' in _read(str(tmp_path / "runs" / "rel" / "trace.jsonl"))
