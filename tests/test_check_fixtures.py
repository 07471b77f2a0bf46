"""Golden tests of the check passes: one fixture per diagnostic code.

Each `tests/fixtures/check/<CODE>_<slug>.journey` is analysed on its own (as
`journeylang check <file>` would) from the repository root, and the rendered text of its
diagnostics is compared with `<CODE>_<slug>.expected`. The code in the file name must
appear in the output. `ok_*.journey` fixtures must produce no errors at all.
Run with `UPDATE_GOLDENS=1` to rewrite the goldens after an intended change.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from journeylang.diagnostics.render import render_text
from journeylang.pipeline import analyse

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path("tests/fixtures/check")
CONFORMANCE = Path("/work/shared/conformance/cases")

CODE_FIXTURES = sorted(p.name for p in (ROOT / FIXTURES).glob("[EW][0-9][0-9][0-9]_*.journey"))
OK_FIXTURES = sorted(p.name for p in (ROOT / FIXTURES).glob("ok_*.journey"))


@pytest.fixture(autouse=True)
def _from_repo_root(monkeypatch):
    monkeypatch.chdir(ROOT)


def render(paths: list[str]) -> tuple[str, list]:
    analysis = analyse(paths)
    diagnostics = analysis.sorted_diagnostics()
    sources: dict[str, str] = {}
    for diag in diagnostics:  # read from disk: files that failed to parse and template files too
        if diag.span is not None and diag.span.file not in sources and os.path.isfile(diag.span.file):
            sources[diag.span.file] = Path(diag.span.file).read_text(encoding="utf-8")
    return render_text(diagnostics, sources), diagnostics


@pytest.mark.parametrize("name", CODE_FIXTURES)
def test_fixture_matches_golden(name: str) -> None:
    path = FIXTURES / name
    code = name.split("_", 1)[0]
    first_line = path.read_text(encoding="utf-8").splitlines()[0]
    assert first_line.startswith("#"), f"{name}: the first line must be a comment saying what it tests"
    output, diagnostics = render([str(path)])
    assert f" {code} " in output, f"{name}: {code} is missing from the output:\n{output}"
    golden = path.with_suffix(".expected")
    if os.environ.get("UPDATE_GOLDENS") == "1":
        golden.write_text(output + "\n", encoding="utf-8")
        return
    assert golden.is_file(), f"no golden for {name}; run with UPDATE_GOLDENS=1"
    assert output + "\n" == golden.read_text(encoding="utf-8")


@pytest.mark.parametrize("name", OK_FIXTURES)
def test_ok_fixture_has_no_errors(name: str) -> None:
    path = FIXTURES / name
    output, diagnostics = render([str(path)])
    assert not [d for d in diagnostics if d.severity == "error"], output


def test_every_check_code_has_a_fixture() -> None:
    codes = {name.split("_", 1)[0] for name in CODE_FIXTURES}
    wanted = {"E001", "E101", "E102", "E103", "E104", "E105", "E106", "E110", "E111", "E112", "E120", "E121",
              "E122", "E123", "E130", "E131", "E132", "E133", "E134", "E135", "E136", "E137", "E140", "E141",
              "E142", "E143", "E144"}
    assert wanted <= codes, f"no fixture for {sorted(wanted - codes)}"


@pytest.mark.skipif(not CONFORMANCE.is_dir(), reason="shared conformance cases not available")
@pytest.mark.parametrize("case", sorted(p.name for p in CONFORMANCE.glob("*/")) if CONFORMANCE.is_dir() else [])
def test_conformance_programs_check(case: str) -> None:
    program = CONFORMANCE / case / "program"
    output, diagnostics = render([str(program)])
    errors = [d for d in diagnostics if d.severity == "error"]
    if case == "p10_check_undefined_message":
        assert [d.code for d in errors] == ["E102"]
        assert errors[0].span.file.endswith("x.journey") and errors[0].span.line == 4
        assert "nowhere" in errors[0].message
    else:
        assert not errors, output
