"""`.pre-commit-hooks.yaml`: the two hooks exist with the fields pre-commit needs, and
their entries do what a hook run would (pre-commit runs `entry args... files...`)."""
from __future__ import annotations

import re
import shlex

import yaml

from cli_helpers import ROOT, make_project, run

HOOKS = {hook["id"]: hook for hook in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))}


def _entry(hook_id: str) -> list[str]:
    words = shlex.split(HOOKS[hook_id]["entry"])
    assert words[0] == "journeylang"
    return words[1:]


def test_the_hooks_are_defined():
    assert set(HOOKS) == {"journeylang-fmt", "journeylang-lint"}
    for hook in HOOKS.values():
        assert hook["language"] == "python" and hook["name"] and hook["description"]
        assert re.search(hook["files"], "journeys/cart.journey")
    assert HOOKS["journeylang-lint"]["pass_filenames"] is False   # the whole program, once


def test_fmt_hook_rewrites_and_fails_once(tmp_path):
    project = make_project(tmp_path)
    target = project / "journeys" / "clean.journey"
    target.write_text(target.read_text().replace("  reentry never", "      reentry never"), encoding="utf-8")
    first = run(*_entry("journeylang-fmt"), str(target), cwd=project)
    assert first.returncode == 0 and "reformatted 1 of 1 files" in first.stderr
    assert "\n  reentry never" in target.read_text()
    # pre-commit fails the commit because the file changed; the second run changes nothing
    again = run(*_entry("journeylang-fmt"), str(target), cwd=project)
    assert "reformatted 0 of 1 files" in again.stderr
    assert run("fmt", "--check", str(target), cwd=project).returncode == 0


def test_lint_hook_with_args_and_with_configured_paths(tmp_path):
    project = make_project(tmp_path)
    assert run(*_entry("journeylang-lint"), "journeys", cwd=project).returncode == 0
    assert run(*_entry("journeylang-lint"), "journeys", "--strict", cwd=project).returncode == 1
    assert run(*_entry("journeylang-lint"), "broken", cwd=project).returncode == 1
    (project / "pyproject.toml").write_text('[tool.journeylang]\npaths = ["journeys"]\n', encoding="utf-8")
    configured = run(*_entry("journeylang-lint"), cwd=project)
    assert configured.returncode == 0 and "in 2 files" in configured.stdout
    assert "\x1b[" not in configured.stdout
