"""The demo replay the report tests share: `make demo`'s log (300 profiles, 14 days,
seed 7) replayed through the seed journeys once per test session, and its report."""
from __future__ import annotations

import json

import pytest

from journeylang.pipeline import analyse

from report_helpers import JOURNEYS, embedded_data, run_cli


@pytest.fixture(scope="session")
def demo(tmp_path_factory) -> dict:
    folder = tmp_path_factory.mktemp("demo")
    events = folder / "events.jsonl"
    code, _, err = run_cli("generate", "--profiles", "300", "--days", "14", "--seed", "7",
                           "--start", "2026-11-10T00:00:00Z", "-o", str(events))
    assert code == 0, err
    code, _, err = run_cli("replay", JOURNEYS, "--events", str(events), "--out", str(folder), "--quiet")
    assert code == 0, err
    code, out, err = run_cli("report", str(folder), JOURNEYS)
    assert code == 0, err
    html_path = folder / "report.html"
    html = html_path.read_text(encoding="utf-8")
    return {"folder": folder, "html_path": html_path, "html": html, "data": embedded_data(html),
            "report": json.loads((folder / "report.json").read_text()),
            "trace": [json.loads(line) for line in (folder / "trace.jsonl").read_text().splitlines() if line],
            "actions": [json.loads(line) for line in (folder / "actions.jsonl").read_text().splitlines() if line],
            "analysis": analyse([JOURNEYS]), "stdout": out}
