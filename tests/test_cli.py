"""The command line (RUNTIME.md section 6), run as a real process.

Exit codes: 0 success, 1 the input has errors, 2 usage errors. No command ever prints a
Python traceback for bad input (checked on every run by `_run`).
"""
from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

from journeylang.diagnostics.model import CODES

ROOT = Path(__file__).resolve().parent.parent

CLEAN = """\
journey welcome {
  entry event app.launch as launch
  reentry never
  if consented(email) { send email hello }
  wait 1h
  add to audience launched
}

message hello {
  channel email
  subject "Hi"
  body "Hello {{ profile.person.name.firstName | default('there') }}"
}
"""

# only warnings: W201 (send not guarded by consent) and W203 (no explicit reentry)
WARNINGS_ONLY = """\
journey nag {
  entry event app.launch
  send email nag_hello
}

message nag_hello {
  channel email
  subject "Hi"
  body "Hello"
}
"""

# errors: E102 (undefined message) on line 4, and a channel mismatch
ERRORS = """\
journey broken {
  entry event app.launch
  reentry always
  send email nope
  send sms broken_hello
}

message broken_hello {
  channel email
  subject "Hi"
  body "Hello"
}
"""

SYNTAX_ERROR = "segment s {\n  profile.tier == 'gold'\n}\n"

EVENTS = [
    {"_id": "p-al", "recordType": "profile", "timestamp": "2026-10-01T00:00:00Z",
     "identityMap": {"Email": [{"id": "al@example.org", "primary": True}]},
     "personalEmail": {"address": "al@example.org"}, "person": {"name": {"firstName": "Al"}},
     "consents": {"marketing": {"email": {"val": "y"}}}},
    {"_id": "1", "timestamp": "2026-10-10T10:00:00Z", "eventType": "app.launch",
     "identityMap": {"Email": [{"id": "al@example.org"}]}},
    {"_id": "2", "timestamp": "2026-10-10T10:30:00Z", "eventType": "app.launch",
     "identityMap": {"Email": [{"id": "bo@example.org"}]}},
]


def _run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    result = subprocess.run([sys.executable, "-m", "journeylang.cli", *args], cwd=cwd, capture_output=True,
                            text=True, timeout=120)
    assert "Traceback" not in result.stdout + result.stderr, result.stdout + result.stderr
    assert "internal error" not in result.stderr, result.stderr
    return result


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("cli")
    (folder / "clean.journey").write_text(CLEAN, encoding="utf-8")
    (folder / "warnings.journey").write_text(WARNINGS_ONLY, encoding="utf-8")
    (folder / "errors.journey").write_text(ERRORS, encoding="utf-8")
    (folder / "syntax.journey").write_text(SYNTAX_ERROR, encoding="utf-8")
    (folder / "latin1.journey").write_bytes("segment s { profile.x == \"caf\xe9\" }".encode("latin-1"))
    lines = [json.dumps(record) for record in EVENTS] + ["not json at all"]
    (folder / "events.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


# ----------------------------------------------------------------------------- usage: exit 2
@pytest.mark.parametrize("args", [
    [],
    ["frobnicate"],
    ["check"],
    ["lint", "--strict"],
    ["compile"],
    ["check", "--format", "yaml", "clean.journey"],
    ["lint", "--format", "xml", "clean.journey"],
    ["compile", "clean.journey", "--format", "png"],
    ["replay", "clean.journey"],
    ["replay", "clean.journey", "--events", "events.jsonl", "--until", "yesterday"],
    ["replay", "clean.journey", "--events", "events.jsonl", "--until", "2026-10-10T10:00:00"],
    ["check", "--no-such-flag", "clean.journey"],
    ["fmt", "--check", "--write", "clean.journey"],
], ids=lambda a: " ".join(a) or "<nothing>")
def test_usage_errors_exit_2(project, args):
    result = _run(*args, cwd=project)
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "journeylang" in result.stderr and ("error" in result.stderr or "--until" in result.stderr)
    assert result.stdout == ""


def test_version():
    result = _run("--version")
    assert result.returncode == 0 and result.stdout.startswith("journeylang ")


# ----------------------------------------------------------------------------- check / lint
def test_check_clean_exits_0(project):
    result = _run("check", "clean.journey", "warnings.journey", cwd=project)
    assert result.returncode == 0, result.stdout
    # check reports errors only: the warnings of warnings.journey are not shown
    assert "W20" not in result.stdout
    assert "no problems found in 2 files" in result.stdout


def test_check_errors_exit_1_with_located_diagnostics(project):
    result = _run("check", "errors.journey", cwd=project)
    assert result.returncode == 1
    assert "errors.journey:4:" in result.stdout and "E102 error:" in result.stdout
    assert "E120 error:" in result.stdout
    assert "   4 |   send email nope" in result.stdout and "^" in result.stdout
    assert "2 errors, 0 warnings in 1 file" in result.stdout


def test_check_syntax_error_exit_1(project):
    result = _run("check", "syntax.journey", cwd=project)
    assert result.returncode == 1
    assert "syntax.journey:2:19: E001 error: unexpected character `'`" in result.stdout
    assert "hint: strings use double quotes" in result.stdout


@pytest.mark.parametrize("command", ["check", "lint"])
def test_json_format(project, command):
    result = _run(command, "errors.journey", "warnings.journey", "--format", "json", cwd=project)
    assert result.returncode == 1
    document = json.loads(result.stdout)
    diagnostics = document["diagnostics"]
    assert diagnostics
    for diag in diagnostics:
        assert diag["code"] in CODES
        assert diag["severity"] == CODES[diag["code"]][0]
        assert isinstance(diag["line"], int) and diag["line"] >= 1
        assert isinstance(diag["column"], int) and diag["column"] >= 1
        assert diag["file"].endswith(".journey") and diag["message"]
    errors = [d for d in diagnostics if d["severity"] == "error"]
    warnings = [d for d in diagnostics if d["severity"] == "warning"]
    assert document["errors"] == len(errors) >= 2
    assert document["warnings"] == len(warnings)
    assert {"E102", "E120"} <= {d["code"] for d in errors}
    if command == "check":
        assert not warnings
    else:
        assert {"W201", "W203"} <= {d["code"] for d in warnings}


def test_json_format_clean(project):
    result = _run("check", "clean.journey", "--format", "json", cwd=project)
    assert result.returncode == 0
    document = json.loads(result.stdout)
    assert document["diagnostics"] == [] and document["errors"] == 0 and document["warnings"] == 0


def test_lint_warnings_exit_0_unless_strict(project):
    relaxed = _run("lint", "warnings.journey", cwd=project)
    assert relaxed.returncode == 0, relaxed.stdout
    assert "W201 warning:" in relaxed.stdout and "W203 warning:" in relaxed.stdout
    strict = _run("lint", "warnings.journey", "--strict", cwd=project)
    assert strict.returncode == 1
    assert strict.stdout == relaxed.stdout
    clean = _run("lint", "--strict", "clean.journey", cwd=project)
    assert clean.returncode == 0, clean.stdout


def test_missing_and_unreadable_inputs_exit_1(project):
    missing = _run("check", "nothere.journey", cwd=project)
    # a plain message on stderr (issue 13), not a diagnostic with a fake source location
    assert missing.returncode == 1 and missing.stdout == ""
    assert missing.stderr == "journeylang: nothere.journey: no such file or folder\n"
    latin1 = _run("lint", "latin1.journey", cwd=project)
    assert latin1.returncode == 1 and "E003" in latin1.stdout


# ----------------------------------------------------------------------------- fmt
def _formatter_missing() -> bool:
    try:
        return importlib.util.find_spec("journeylang.format.printer") is None
    except ImportError:
        return True


needs_formatter = pytest.mark.skipif(_formatter_missing(), reason="journeylang.format.printer is not written yet "
                                     "(another engineer owns it); `fmt` cannot run without it")


@needs_formatter
def test_fmt_check(project, tmp_path):
    messy = tmp_path / "messy.journey"
    messy.write_text("journey   welcome{entry event app.launch as launch\n reentry   never\n"
                     "if consented(email){send email hello}}\n"
                     "message hello{channel email subject \"Hi\" body \"Hello\"}\n", encoding="utf-8")
    unformatted = _run("fmt", "--check", str(messy))
    assert unformatted.returncode == 1, unformatted.stdout + unformatted.stderr
    assert "would reformat" in unformatted.stdout
    assert messy.read_text(encoding="utf-8").startswith("journey   welcome")  # --check never writes

    printed = _run("fmt", str(messy))
    assert printed.returncode == 0 and printed.stdout
    tidy = tmp_path / "tidy.journey"
    tidy.write_text(printed.stdout, encoding="utf-8")
    formatted = _run("fmt", "--check", str(tidy))
    assert formatted.returncode == 0, formatted.stdout + formatted.stderr
    assert "0 of 1 files would be reformatted" in formatted.stdout

    written = _run("fmt", "-w", str(messy))
    assert written.returncode == 0
    assert messy.read_text(encoding="utf-8") == printed.stdout


@needs_formatter
def test_fmt_syntax_error_exit_1(project):
    result = _run("fmt", "--check", "syntax.journey", cwd=project)
    assert result.returncode == 1
    assert "E001" in result.stderr


# ----------------------------------------------------------------------------- compile
def test_compile_one_journey(project):
    result = _run("compile", "clean.journey", "--journey", "welcome", "--format", "mermaid", cwd=project)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("flowchart TD\n") and 'subgraph welcome["journey welcome"]' in result.stdout


def test_compile_unknown_journey_exit_1(project):
    result = _run("compile", "clean.journey", "--journey", "nope", cwd=project)
    assert result.returncode == 1
    assert result.stdout == ""
    assert "no journey named `nope`" in result.stderr and "welcome" in result.stderr


def test_compile_with_errors_exit_1(project):
    result = _run("compile", "errors.journey", cwd=project)
    assert result.returncode == 1
    assert result.stdout == ""
    assert "E102 error" in result.stderr


# ----------------------------------------------------------------------------- replay
FIVE_OUTPUTS = ("actions.jsonl", "trace.jsonl", "segments.jsonl", "report.json", "rejected.jsonl")


def test_replay_writes_outputs_and_summary(project, tmp_path):
    out = tmp_path / "out"
    result = _run("replay", "clean.journey", "--events", "events.jsonl", "--out", str(out), cwd=project)
    assert result.returncode == 0, result.stderr
    for name in FIVE_OUTPUTS:
        assert (out / name).is_file(), name
    assert "records: 4 read, 3 processed, 1 rejected" in result.stdout
    assert "journey welcome" in result.stdout
    assert f"outputs in {out}/" in result.stdout
    actions = [json.loads(line) for line in (out / "actions.jsonl").read_text().splitlines()]
    assert [(a["profile"], a["channel"], a["status"]) for a in actions] == [
        ("Email:al@example.org", "email", "sent"),
        ("Email:al@example.org", "audience", "applied"),
        ("Email:bo@example.org", "audience", "applied"),
    ]
    assert actions[0]["time"] == "2026-10-10T10:00:00Z"
    rejected = [json.loads(line) for line in (out / "rejected.jsonl").read_text().splitlines()]
    assert [(r["file"], r["line"]) for r in rejected] == [("events.jsonl", 4)]
    report = json.loads((out / "report.json").read_text())
    assert report["journeys"]["welcome"]["entries"] == 2


def test_replay_json_and_until(project, tmp_path):
    out = tmp_path / "out"
    result = _run("replay", "clean.journey", "--events", "events.jsonl", "--out", str(out),
                  "--until", "2026-10-10T10:15:00Z", "--format", "json", cwd=project)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["journeys"]["welcome"]["entries"] == 1
    assert json.loads((out / "report.json").read_text()) == report


def test_replay_missing_events_exit_1(project, tmp_path):
    result = _run("replay", "clean.journey", "--events", "nothere.jsonl", "--out", str(tmp_path / "o"), cwd=project)
    assert result.returncode == 1
    assert "nothere.jsonl" in result.stderr and "cannot read" in result.stderr


def test_replay_program_with_errors_exit_1(project, tmp_path):
    result = _run("replay", "errors.journey", "--events", "events.jsonl", "--out", str(tmp_path / "o"), cwd=project)
    assert result.returncode == 1
    assert "E102 error" in result.stderr
    assert not (tmp_path / "o").exists()


HUGE_WAIT = """\
journey w {
  entry event app.launch
  reentry always
  wait 99999999999999999999d
  add to audience x
}
"""


def test_replay_huge_wait_is_not_an_internal_error(project, tmp_path):
    program = tmp_path / "huge.journey"
    program.write_text(HUGE_WAIT, encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "journeylang.cli", "replay", str(program), "--events",
                             str(project / "events.jsonl"), "--out", str(tmp_path / "o"), "--quiet"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1  # rejected by the checker: E002, longer than 100 years
    assert "E002" in result.stderr
    assert "internal error" not in result.stderr and "Traceback" not in result.stderr


def test_a_program_of_many_files(tmp_path):
    """docs/runtime.md, Limits: no fixed number of files; 400 files check in one run."""
    from journeylang.pipeline import analyse
    for i in range(400):
        (tmp_path / f"f{i:03d}.journey").write_text(
            f'segment s{i} {{ has event app.open within 1d }}\n'
            f'message m{i} {{ channel email transactional subject "s" body "b" }}\n'
            f'journey j{i} {{ entry audience s{i} reentry always send email m{i} }}\n', encoding="utf-8")
    analysis = analyse([str(tmp_path)], lint=True)
    assert analysis.program.file_count == 400
    assert not analysis.diagnostics.has_errors
    assert len(analysis.graphs) == 400
