"""`journeylang report OUT_DIR PATH... [-o FILE]` and `replay --html`: the same folder
gives the same bytes; bad input is one line on stderr and exit 1, never a traceback."""
from __future__ import annotations

import json
import shutil

import pytest

from report_helpers import JOURNEYS, embedded_data, run_cli


def test_same_folder_same_bytes_wherever_it_is(demo, tmp_path):
    again = tmp_path / "again.html"
    code, out, _ = run_cli("report", str(demo["folder"]), JOURNEYS, "-o", str(again))
    assert code == 0 and f"report written to {again}" in out
    assert again.read_bytes() == demo["html_path"].read_bytes()
    copy = tmp_path / "demo0"
    shutil.copytree(demo["folder"], copy, ignore=shutil.ignore_patterns("report.html", "events.jsonl"))
    code, _, _ = run_cli("report", str(copy), JOURNEYS)
    assert code == 0
    assert (copy / "report.html").read_bytes() == demo["html_path"].read_bytes()


def test_demo_report_size_is_reasonable(demo):
    size = demo["html_path"].stat().st_size
    assert 250_000 < size < 1_500_000, size


def _fails(*argv: str) -> str:
    code, out, err = run_cli(*argv)
    assert code == 1, (out, err)
    assert "Traceback" not in err and err.startswith("journeylang: ") and err.count("\n") == 1, err
    return err


def test_not_a_replay_folder(tmp_path):
    assert "no such folder" in _fails("report", str(tmp_path / "missing"), JOURNEYS)
    assert "is not a replay output folder: missing report.json" in _fails("report", str(tmp_path), JOURNEYS)


@pytest.mark.parametrize("name, text, message", [
    ("report.json", "{not json", "report.json: not JSON"),
    ("report.json", "[]", "not a replay report"),
    ("report.json", '{"journeys": {}, "segments": {}}', "no `records` object"),
    ("trace.jsonl", '{"time": "2026-11-10T00:00:00Z"}\n', "lacks one of time, journey, node, event"),
    ("trace.jsonl", "oops\n", "trace.jsonl:1: not JSON"),
    ("segments.jsonl", '{"time": "yesterday", "segment": "s", "profile": "p", "change": "entered"}\n',
     "not an RFC 3339 time"),
])
def test_damaged_outputs(demo, tmp_path, name, text, message):
    folder = tmp_path / "out"
    shutil.copytree(demo["folder"], folder, ignore=shutil.ignore_patterns("report.html", "events.jsonl"))
    (folder / name).write_text(text)
    assert message in _fails("report", str(folder), JOURNEYS)
    assert not (folder / "report.html").exists()


def test_outputs_of_another_program(demo, tmp_path):
    program = tmp_path / "other.journey"
    program.write_text('journey other {\n  entry event commerce.purchases\n  exit "done"\n}\n')
    err = _fails("report", str(demo["folder"]), str(program))
    assert "names journey `abandoned_browse`, which the program does not have" in err


def test_program_that_changed_since_the_replay(demo, tmp_path):
    folder = tmp_path / "out"
    shutil.copytree(demo["folder"], folder, ignore=shutil.ignore_patterns("report.html", "events.jsonl"))
    report = json.loads((folder / "report.json").read_text())
    report["journeys"]["abandoned_cart"]["visits"]["n99"] = 1
    (folder / "report.json").write_text(json.dumps(report))
    assert "nodes n99 the program's graph lacks" in _fails("report", str(folder), JOURNEYS)


def test_program_with_errors(demo, tmp_path):
    program = tmp_path / "bad.journey"
    program.write_text("journey broken {\n  entry event x\n  send email nowhere\n}\n")
    code, out, err = run_cli("report", str(demo["folder"]), str(program))
    assert code == 1 and "E1" in err and "Traceback" not in err


def test_rejections_are_summarised_with_an_example_each(demo, tmp_path):
    lines = (demo["folder"] / "events.jsonl").read_text().splitlines()[:200]
    log = tmp_path / "events.jsonl"
    log.write_text("\n".join(lines + ["not json at all", lines[5], lines[6], '{"_id": "x1"}']) + "\n")
    out = tmp_path / "out"
    code, _, err = run_cli("replay", JOURNEYS, "--events", str(log), "--out", str(out), "--quiet")
    assert code == 0, err
    code, _, err = run_cli("report", str(out), JOURNEYS)
    assert code == 0, err
    html = (out / "report.html").read_text()
    summary = embedded_data(html)["summary"]
    report = json.loads((out / "report.json").read_text())
    assert summary["records"] == report["records"] and report["records"]["rejected"] == 4
    reasons = {r["reason"]: r for r in summary["rejections"]}
    assert reasons["duplicate id"]["count"] == 2
    assert reasons["duplicate id"]["line"] == 202 and reasons["duplicate id"]["example"] == lines[5][:300] + "..."
    assert sum(r["count"] for r in summary["rejections"]) == 4
    assert "not json at all" in html and "duplicate id" in html


def test_replay_html_writes_the_same_report(demo, tmp_path):
    out = tmp_path / "demo0"  # the same folder name as the session's demo: the page shows only the name
    code, stdout, err = run_cli("replay", JOURNEYS, "--events", str(demo["folder"] / "events.jsonl"),
                                "--out", str(out), "--html")
    assert code == 0, err
    assert f"report written to {out / 'report.html'}" in stdout
    assert (out / "report.html").read_bytes() == demo["html_path"].read_bytes()
