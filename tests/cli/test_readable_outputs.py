"""Readable replay outputs: `"where"` (file, line, label) next to every node id in
trace.jsonl and actions.jsonl, the node table and the program record in report.json;
byte-identical for --workers 1 and 2 and across runs; `why --out` alone uses them."""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from cli_helpers import ROOT, run

JOURNEYS = ROOT / "journeys"


@pytest.fixture(scope="module")
def replays(tmp_path_factory):
    folder = tmp_path_factory.mktemp("readable")
    log = folder / "events.jsonl"
    assert run("generate", "--profiles", "150", "--days", "5", "--seed", "3", "--start", "2026-11-10T00:00:00Z",
               "-o", str(log)).returncode == 0
    outs = {}
    for name, workers in (("one", "1"), ("two", "2"), ("again", "1")):
        out = folder / name
        result = run("replay", str(JOURNEYS), "--events", str(log), "--out", str(out), "--workers", workers,
                     "--quiet")
        assert result.returncode == 0, result.stderr
        outs[name] = out
    return outs


def _digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir()) if p.is_file()}


def test_outputs_are_byte_identical_for_any_workers_and_runs(replays):
    one = _digest(replays["one"])
    assert {"actions.jsonl", "trace.jsonl", "report.json"} <= set(one)
    assert one == _digest(replays["two"]) == _digest(replays["again"])


def test_every_node_id_has_its_location_and_label(replays):
    from journeylang.pipeline import analyse
    graphs = analyse([str(JOURNEYS)]).graphs
    for name in ("trace", "actions"):
        lines = (replays["one"] / f"{name}.jsonl").read_text(encoding="utf-8").splitlines()
        assert lines
        for line in lines:
            record = json.loads(line)
            if not isinstance(record.get("node"), str):
                assert "where" not in record
                continue
            keys = list(record)
            assert keys[keys.index("node") + 1] == "where", line     # right next to the node id
            data = graphs[record["journey"]].nodes[record["node"]]
            file = "journeys/" + Path(data["span"].file).name   # relative to the folder holding the program
            assert record["where"] == {"file": file, "line": data["span"].line, "label": data["label"]}
    sends = [json.loads(line) for line in (replays["one"] / "actions.jsonl").read_text().splitlines()]
    assert any(a["where"]["label"].startswith("send ") for a in sends)


def test_report_records_the_nodes_and_the_program(replays):
    report = json.loads((replays["one"] / "report.json").read_text(encoding="utf-8"))
    for journey, stats in report["journeys"].items():
        assert stats["nodes"] and set(stats["visits"]) <= set(stats["nodes"])
        assert all(set(where) == {"file", "line", "label"} for where in stats["nodes"].values())
    program = report["program"]
    files = sorted(p.name for p in JOURNEYS.glob("*.journey"))
    assert sorted(Path(f).name for f in program["files"]) == files
    assert all((replays["one"] / f).resolve().is_file() for f in program["files"])   # relative to the folder
    assert len(program["sha256"]) == 64


def test_why_out_alone_labels_with_the_recorded_program(replays):
    trace = [json.loads(line) for line in (replays["one"] / "trace.jsonl").read_text().splitlines()]
    sent = next(r for r in trace if r["event"] == "send")
    result = run("why", sent["profile"], "--out", str(replays["one"]), "--journey", sent["journey"])
    assert result.returncode == 0 and result.stderr == ""
    assert f"{sent['node']} {sent['where']['label']} (line {sent['where']['line']})" in result.stdout


def test_summary_names_the_end_instant(replays, tmp_path):
    log = next(replays["one"].parent.glob("events.jsonl"))
    result = run("replay", str(JOURNEYS), "--events", str(log), "--out", str(tmp_path / "o"))
    report = json.loads((tmp_path / "o" / "report.json").read_text())
    assert f"ended at {report['end']}" in result.stdout
    assert f"segments (members at {report['end']}, when the replay ended" in result.stdout
