"""Helpers the report tests share: the seed program's path, an in-process CLI run, and
the data a report embeds."""
from __future__ import annotations

import contextlib
import io
import json
import os
import re
from pathlib import Path

from journeylang.cli.main import main

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
