"""`journeylang diff` from the command line: errors by side, usage errors, the shared
reading of the log against plain replays, determinism, and `--base REV` in a git
repository made by the test.
"""
from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
from pathlib import Path

import pytest

from journeylang.cli.main import main
from journeylang.pipeline import analyse
from journeylang.runtime.engines import replay
from journeylang.runtime.services.annotate import annotate_outputs

CASES = Path(__file__).resolve().parent / "cases"
CASE = CASES / "wait_lengthened"
FILES = ("actions", "trace", "segments", "identities", "rejected")


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(["diff", *argv])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.out + captured.err
    return code, captured.out, captured.err


def test_errors_are_shown_by_side(tmp_path, capsys):
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "main.journey").write_text("journey broken {\n  entry event x\n  send email nowhere\n}\n")
    code, out, err = _run(capsys, str(bad), str(CASE / "new"), "--events", str(CASE / "events.jsonl"))
    assert code == 1 and out == ""
    lines = err.strip().splitlines()
    assert lines and all(line.startswith("old: ") for line in lines)
    assert any("nowhere" in line for line in lines)
    code, _, err = _run(capsys, str(bad), str(bad), "--events", str(CASE / "events.jsonl"))
    assert code == 1
    assert any(line.startswith("old: ") for line in err.splitlines())
    assert any(line.startswith("new: ") for line in err.splitlines())


@pytest.mark.parametrize("argv", [
    ["only-one"],
    ["a", "b", "c"],
    ["--base", "HEAD", "a", "b"],
    ["{old}", "{new}", "--until", "yesterday"],
    ["{old}", "missing-folder"],
    ["{old}", "{new}", "--examples", "-1"],
    ["{old}", "{new}", "--workers", "0"],
    ["{old}", "{new}", "--format", "html"],
])
def test_usage_errors_exit_2(argv, capsys):
    argv = [a.format(old=CASE / "old", new=CASE / "new") for a in argv]
    with_events = argv + ["--events", str(CASE / "events.jsonl")]
    try:
        code, _, err = _run(capsys, *with_events)
    except SystemExit as stop:   # argparse's own usage errors
        code, err = stop.code, capsys.readouterr().err
    assert code == 2, err
    assert err.strip()


def test_unreadable_log_is_an_input_error(tmp_path, capsys):
    code, _, err = _run(capsys, str(CASE / "old"), str(CASE / "new"), "--events", str(tmp_path / "none.jsonl"))
    assert code == 1 and "cannot read event log" in err


def test_one_reading_gives_each_side_its_plain_replay(tmp_path, capsys):
    """The lockstep replay of both sides writes what the replay engine writes for each."""
    events = str(CASES / "segment_window" / "events.jsonl")
    out = tmp_path / "both"
    code, _, err = _run(capsys, str(CASES / "segment_window" / "old"), str(CASES / "segment_window" / "new"),
                        "--events", events, "--out", str(out))
    assert code == 0, err
    for side in ("old", "new"):
        plain = tmp_path / f"plain-{side}"
        analysis = analyse([str(CASES / "segment_window" / side)])
        replay(analysis, [events], None, str(plain), workers=1)
        annotate_outputs(str(plain), analysis)     # as `journeylang replay` leaves its folder
        for name in FILES:
            assert (out / side / f"{name}.jsonl").read_bytes() == (plain / f"{name}.jsonl").read_bytes(), name
        reports = [json.loads((folder / "report.json").read_bytes()) for folder in (out / side, plain)]
        for report in reports:   # the program's files are recorded relative to the folder
            assert report.pop("program")["files"]
        assert reports[0] == reports[1]
    # and `why` reads a kept folder as it reads a replay's
    assert main(["why", "ann@example.org", "--out", str(out / "new"), "--journey", "vip"]) == 0
    assert "send email reminder" in capsys.readouterr().out


def test_shuffled_log_and_every_run_give_the_same_bytes(tmp_path, capsys):
    lines = (CASES / "split_percentages" / "events.jsonl").read_text().splitlines(keepends=True)
    random.Random(5).shuffle(lines)
    shuffled = tmp_path / "events.jsonl"
    shuffled.write_text("".join(lines))
    outputs = set()
    for events in (CASES / "split_percentages" / "events.jsonl", shuffled, shuffled):
        code, out, _ = _run(capsys, str(CASES / "split_percentages" / "old"), str(CASES / "split_percentages" / "new"),
                            "--events", str(events), "--format", "json")
        doc = json.loads(out)
        doc["log"]["events"] = []
        outputs.add(json.dumps(doc))
    assert len(outputs) == 1


def test_examples_limit(capsys):
    code, out, _ = _run(capsys, str(CASES / "split_percentages" / "old"), str(CASES / "split_percentages" / "new"),
                        "--events", str(CASES / "split_percentages" / "events.jsonl"), "--format", "json",
                        "--examples", "1")
    doc = json.loads(out)
    patterns = doc["journeys"][0]["patterns"]
    assert patterns and all(len(p["examples"]) == 1 for p in patterns)
    assert all(p["examples"][0]["divergence"]["old"] for p in patterns)


# ------------------------------------------------------------------ --base REV, in a git repository
def _git(repo: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.org", "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=True,
                          env=env).stdout


@pytest.fixture
def repo(tmp_path):
    if shutil.which("git") is None:
        if os.environ.get("JOURNEYLANG_REQUIRE_GIT"):
            pytest.fail("git is required (JOURNEYLANG_REQUIRE_GIT is set)")
        pytest.skip("git is not installed")
    root = tmp_path / "repo"
    shutil.copytree(CASES / "template_changed" / "old", root / "journeys")
    _git(root, "init", "-q", "-b", "main")
    _git(root, "add", ".")
    _git(root, "commit", "-q", "-m", "v1")
    # the change under review, not committed: the new template over the old one
    shutil.copy(CASES / "template_changed" / "new" / "templates" / "receipt.html.j2",
                root / "journeys" / "templates" / "receipt.html.j2")
    return root


def test_base_compares_a_revision_with_the_work_tree(repo, capsys, monkeypatch):
    events = str(CASES / "template_changed" / "events.jsonl")
    monkeypatch.chdir(repo)
    status = _git(repo, "status", "--porcelain")
    head = _git(repo, "rev-parse", "HEAD")
    code, out, err = _run(capsys, "--base", "HEAD", "journeys", "--events", events, "--format", "json",
                          "--exit-code")
    assert code == 1, err
    based = json.loads(out)
    assert based["old"] == "journeys at HEAD" and based["new"] == "journeys"
    # the same document as comparing two folders, but for the labels
    monkeypatch.chdir(CASES / "template_changed")
    _, out, _ = _run(capsys, "old", "new", "--events", events, "--format", "json")
    folders = json.loads(out)
    for doc in (based, folders):
        doc["old"] = doc["new"] = ""
        doc["log"]["events"] = []
    assert based == folders
    # the work tree, the index and HEAD are as they were
    assert _git(repo, "status", "--porcelain") == status and _git(repo, "rev-parse", "HEAD") == head
    assert "{{ profile.person.name.firstName }}." in (repo / "journeys" / "templates" / "receipt.html.j2").read_text()


def test_base_with_no_change_and_default_path(repo, capsys, monkeypatch):
    _git(repo, "commit", "-q", "-am", "v2")
    monkeypatch.chdir(repo / "journeys")
    code, out, err = _run(capsys, "--base", "HEAD", "--events", str(CASES / "template_changed" / "events.jsonl"),
                          "--exit-code")
    assert code == 0, err
    assert "no behavioural difference" in out


def test_base_where_the_program_did_not_exist(repo, capsys, monkeypatch):
    shutil.copytree(CASES / "journey_added_removed" / "new", repo / "later")
    monkeypatch.chdir(repo)
    code, out, err = _run(capsys, "--base", "HEAD", "later", "--events",
                          str(CASES / "journey_added_removed" / "events.jsonl"), "--format", "json")
    assert code == 0, err
    assert {j["status"] for j in json.loads(out)["journeys"]} == {"added"}


def test_base_errors(repo, tmp_path, capsys, monkeypatch):
    events = str(CASES / "template_changed" / "events.jsonl")
    monkeypatch.chdir(repo)
    code, _, err = _run(capsys, "--base", "no-such-rev", "journeys", "--events", events)
    assert code == 2 and "unknown revision" in err
    outside = tmp_path / "outside"
    shutil.copytree(CASES / "template_changed" / "new", outside)
    code, _, err = _run(capsys, "--base", "HEAD", str(outside), "--events", events)
    assert code == 2 and err.strip()


def test_base_errors_name_the_revision(repo, capsys, monkeypatch):
    (repo / "journeys" / "main.journey").write_text("journey receipt {\n  entry event x\n  send email nope\n}\n")
    _git(repo, "commit", "-q", "-am", "broken")
    shutil.copytree(CASES / "template_changed" / "new", repo / "journeys", dirs_exist_ok=True)
    monkeypatch.chdir(repo)
    code, _, err = _run(capsys, "--base", "HEAD", "journeys", "--events", str(CASES / "template_changed" / "events.jsonl"))
    assert code == 1
    assert all(line.startswith("old: ") for line in err.strip().splitlines())
    assert "HEAD:journeys" in err and "journeylang-base-" not in err
