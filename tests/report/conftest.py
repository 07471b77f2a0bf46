"""The demo replay the report tests share: `make demo`'s log (300 profiles, 14 days,
seed 7) replayed through the seed journeys once per test session, and its report."""
from __future__ import annotations

import contextlib
import io
import json
import os
import re
from pathlib import Path

import pytest

from journeylang.cli.main import main
from journeylang.pipeline import analyse

ROOT = Path(__file__).resolve().parents[2]
JOURNEYS = os.path.relpath(ROOT / "journeys")  # relative when run from the checkout, as `make demo` is


def run_cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


def embedded_data(html: str) -> dict:
    match = re.search(r'<script type="application/json" id="report-data">(.*?)</script>', html, re.S)
    assert match, "the report has no embedded data"
    return json.loads(match.group(1))


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
