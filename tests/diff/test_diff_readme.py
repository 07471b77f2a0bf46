"""README.md "Reviewing a change": the worked example, run for real, so the numbers the
README quotes stay true. The demo log is generated as `make demo` does; the seed
journeys are committed in a temporary git repository and the wait edited in its work
tree, then `journeylang diff --base HEAD journeys` runs there.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from journeylang.cli.main import main

ROOT = Path(__file__).resolve().parent.parent.parent


def _readme_example() -> tuple[list[str], list[str]]:
    """(the command's arguments, the output lines the README shows)."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Reviewing a change", 1)[1]
    block = re.search(r"```\n\$ (journeylang diff[^\n]*)\n(.*?)\n```", section, re.S)
    assert block, "README.md 'Reviewing a change' has no example block"
    shown = [line for line in block.group(2).split("\n") if line != "..."]
    return block.group(1).split()[2:], shown


def test_readme_worked_example(tmp_path, capsys, monkeypatch):
    if shutil.which("git") is None:
        if os.environ.get("JOURNEYLANG_REQUIRE_GIT"):
            pytest.fail("git is required (JOURNEYLANG_REQUIRE_GIT is set)")
        pytest.skip("git is not installed")
    repo = tmp_path / "repo"
    shutil.copytree(ROOT / "journeys", repo / "journeys")
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.org", "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    for args in (["init", "-q", "-b", "main"], ["add", "."], ["commit", "-q", "-m", "seed"]):
        subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, env=env)
    journey = repo / "journeys" / "abandoned_cart.journey"
    text = journey.read_text(encoding="utf-8")
    assert text.count("within 30m {") == 1
    journey.write_text(text.replace("within 30m {", "within 1h {"), encoding="utf-8")
    monkeypatch.chdir(repo)
    assert main(["generate", "--profiles", "300", "--days", "14", "--seed", "7", "--start", "2026-11-10T00:00:00Z",
                 "-o", "out/demo/events.jsonl"]) == 0
    capsys.readouterr()
    args, shown = _readme_example()
    assert main(["diff", *args]) == 0
    out = capsys.readouterr().out.split("\n")
    assert out[:len(shown)] == shown
