"""The VS Code extension: its TextMate grammar against the annotated samples in
editors/vscode/test/grammar (vscode-tmgrammar-test, from npm), its TypeScript compiled, its
manifest consistent. Needs `npm ci` in editors/vscode (`.ci/run` does it, and sets
JOURNEYLANG_REQUIRE_NPM=1 so that CI fails instead of skipping when the tools are missing)."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

EXTENSION = Path(__file__).resolve().parents[2] / "editors" / "vscode"
BIN = EXTENSION / "node_modules" / ".bin"


def _tool(name: str) -> Path:
    tool = BIN / name
    if shutil.which("node") and tool.exists():
        return tool
    if os.environ.get("JOURNEYLANG_REQUIRE_NPM"):
        pytest.fail(f"{tool} is missing: .ci/run must run `npm ci` in editors/vscode")
    pytest.skip(f"node or {name} missing (run `npm ci` in editors/vscode)")


def test_grammar_samples():
    tool = _tool("vscode-tmgrammar-test")
    samples = sorted(str(p.relative_to(EXTENSION)) for p in (EXTENSION / "test" / "grammar").glob("*.journey"))
    assert len(samples) >= 3
    run = subprocess.run([str(tool), "-g", "syntaxes/journey.tmLanguage.json", *samples], cwd=EXTENSION,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.count("run successfuly") == len(samples), run.stdout


def test_extension_compiles():
    tool = _tool("tsc")
    run = subprocess.run([str(tool), "-p", ".", "--noEmit"], cwd=EXTENSION, capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr


def test_manifest_points_at_real_files():
    manifest = json.loads((EXTENSION / "package.json").read_text())
    [language] = manifest["contributes"]["languages"]
    assert language["extensions"] == [".journey"]
    config = json.loads((EXTENSION / language["configuration"]).read_text())
    assert config["comments"]["lineComment"] == "#"
    [grammar] = manifest["contributes"]["grammars"]
    assert json.loads((EXTENSION / grammar["path"]).read_text())["scopeName"] == grammar["scopeName"]
    assert (EXTENSION / "package-lock.json").exists()
    assert manifest["contributes"]["configuration"]["properties"]["journeylang.server.path"]["default"] == "journeylang"
