"""Shared helpers of the CLI tests: run `journeylang` as a real process, and a small
project with clean, warning-only and broken programs."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
GOLDENS = Path(__file__).resolve().parent / "goldens"

CLEAN = """\
journey welcome {
  entry event app.install as launch
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

# warnings only: W201 (send not guarded by consent), W203 (no explicit reentry)
WARNINGS = """\
journey nag {
  entry event app.launch
  send email nag_hello
}

message nag_hello {
  channel email
  subject "Hi, 100% \\"quoted\\""
  body "Hello"
}
"""

# errors: E102 (undefined message) on line 4, E120 (channel mismatch) on line 5
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


def run(*args: str, cwd: Path = ROOT, env: dict | None = None) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    environment.update(env or {})
    result = subprocess.run([sys.executable, "-m", "journeylang.cli", *args], cwd=cwd, capture_output=True,
                            text=True, timeout=180, env=environment)
    assert "Traceback" not in result.stdout + result.stderr, result.stdout + result.stderr
    assert "internal error" not in result.stderr, result.stderr
    return result


def make_project(folder: Path) -> Path:
    (folder / "journeys").mkdir(parents=True, exist_ok=True)
    (folder / "journeys" / "clean.journey").write_text(CLEAN, encoding="utf-8")
    (folder / "journeys" / "warnings.journey").write_text(WARNINGS, encoding="utf-8")
    (folder / "broken").mkdir(exist_ok=True)
    (folder / "broken" / "errors.journey").write_text(ERRORS, encoding="utf-8")
    return folder


def check_golden(name: str, text: str) -> None:
    path = GOLDENS / name
    if os.environ.get("UPDATE_GOLDENS") == "1":
        path.write_text(text, encoding="utf-8")
        return
    assert path.is_file(), f"no golden {name}; run with UPDATE_GOLDENS=1"
    assert text == path.read_text(encoding="utf-8")
