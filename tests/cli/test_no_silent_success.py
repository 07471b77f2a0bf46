"""No silent successes: a folder without `.journey` files and a missing path are errors
(exit 1, a plain message, no fake source snippet); `replay --max-rejected` fails past its
limit and the summary names the top rejection reasons; `why` refusals are in
tests/test_why.py."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli_helpers import make_project, run

EVENTS = [
    {"_id": "p1", "recordType": "profile", "timestamp": "2026-10-01T00:00:00Z",
     "identityMap": {"Email": [{"id": "al@example.org", "primary": True}]}},
    {"_id": "e1", "timestamp": "2026-10-10T10:00:00Z", "eventType": "app.install",
     "identityMap": {"Email": [{"id": "al@example.org"}]}},
]
BAD = ["not json", "[1]", '{"_id": "x1", "timestamp": "yesterday", "eventType": "a"}',
       '{"_id": "x2", "timestamp": "today", "eventType": "a"}', '{"timestamp": "2026-10-10T10:00:00Z"}']


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    folder = make_project(tmp_path_factory.mktemp("silent"))
    (folder / "empty").mkdir()
    (folder / "empty" / "notes.txt").write_text("no programs here\n", encoding="utf-8")
    lines = [json.dumps(r) for r in EVENTS] + BAD
    (folder / "events.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


@pytest.mark.parametrize("command", [["check"], ["lint"], ["fmt", "--check"], ["compile"],
                                     ["replay", "--events", "events.jsonl"]])
def test_a_folder_without_journey_files_is_an_error(project, command):
    result = run(command[0], "empty", *command[1:], cwd=project)
    assert result.returncode == 1
    assert result.stderr.strip() == "journeylang: no .journey files under empty"
    assert result.stdout == ""


@pytest.mark.parametrize("command", [["check"], ["lint"], ["fmt"], ["test"], ["compile"]])
def test_a_missing_path_gets_a_plain_message(project, command):
    result = run(*command, "nowhere", cwd=project)
    assert result.returncode == 1
    assert "|" not in result.stdout + result.stderr   # no fake source snippet
    assert result.stderr.strip() == "journeylang: nowhere: no such file or folder"


def test_replay_summary_lists_rejection_reasons_and_the_end(project, tmp_path):
    result = run("replay", "journeys", "--events", "events.jsonl", "--out", str(tmp_path / "out"), cwd=project)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "records: 7 read, 2 processed, 5 rejected"
    assert lines[1].split() == ["2", "timestamp", "'…'", "is", "not", "RFC", "3339", "with", "Z", "or", "an", "offset"]
    assert [line.split(None, 1)[0] for line in lines[2:5]] == ["1", "1", "1"]   # then by reason
    assert lines[2].endswith("missing _id (a non-empty string)") and lines[4].endswith("not a JSON object")
    assert lines[5] == "ended at 2026-10-10T11:00:00Z (--until, else the last record or timer processed)"
    assert "segments (members at" in result.stdout or "segments" not in result.stdout
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert report["rejection_reasons"]["timestamp '…' is not RFC 3339 with Z or an offset"] == 2


@pytest.mark.parametrize("limit, code", [("5", 0), ("4", 1), ("0", 1), ("72%", 0), ("71%", 1), ("100%", 0)])
def test_max_rejected(project, tmp_path, limit, code):
    result = run("replay", "journeys", "--events", "events.jsonl", "--out", str(tmp_path / "out"),
                 "--max-rejected", limit, "--quiet", cwd=project)
    assert result.returncode == code, result.stderr
    if code:
        assert result.stderr.startswith("journeylang: 5 records rejected, more than --max-rejected ")
    assert (tmp_path / "out" / "report.json").exists()     # the outputs are written either way


@pytest.mark.parametrize("limit", ["-1", "x", "101%", "1.5"])
def test_bad_max_rejected_is_a_usage_error(project, tmp_path, limit):
    result = run("replay", "journeys", "--events", "events.jsonl", "--max-rejected", limit, cwd=project)
    assert result.returncode == 2 and "--max-rejected" in result.stderr


def test_test_with_no_scenarios_exits_1(project):
    result = run("test", "journeys", cwd=project)
    assert result.returncode == 1 and "no scenarios found" in result.stdout
