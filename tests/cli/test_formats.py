"""`check`/`lint --format github|sarif|junit`: snapshots per format, SARIF validated
against the vendored SARIF 2.1.0 schema (jsonschema), JUnit parsed back.
UPDATE_GOLDENS=1 rewrites the snapshots in tests/cli/goldens/."""
from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from cli_helpers import check_golden, make_project, run
from journeylang.diagnostics.formats.github import annotation
from journeylang.diagnostics.model import CODES, Diagnostic
from journeylang.diagnostics.span import Span

SCHEMA = Path(__file__).resolve().parent / "schemas" / "sarif-schema-2.1.0.json"


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    return make_project(tmp_path_factory.mktemp("formats"))


# ----------------------------------------------------------------------------- github
def test_github_annotations_snapshot(project):
    result = run("lint", "journeys", "broken", "--format", "github", cwd=project)
    assert result.returncode == 1
    check_golden("lint.github.txt", result.stdout)
    lines = result.stdout.splitlines()
    assert lines and all(line.startswith(("::error ", "::warning ")) for line in lines)
    first = next(line for line in lines if "E102" in line)
    assert first.startswith("::error file=broken/errors.journey,line=4,col=14,endLine=4,endColumn=18,"
                            "title=E102 undefined message::")


def test_github_escapes_what_would_end_the_command():
    diag = Diagnostic("W201", "a: b, 100% done\nsecond line", Span(file="a,b:c.journey", line=1, column=2,
                                                                   end_line=1, end_column=3), "hint: x")
    line = annotation(diag)
    assert "\n" not in line and "\r" not in line
    assert line.startswith("::warning file=a%2Cb%3Ac.journey,line=1,col=2,")
    assert line.endswith("::a: b, 100%25 done%0Asecond line%0Ahint: hint: x")


def test_github_clean_prints_nothing(project):
    result = run("check", "journeys", "--format", "github", cwd=project)
    assert result.returncode == 0 and result.stdout == ""


# ----------------------------------------------------------------------------- sarif
def _validator():
    jsonschema = pytest.importorskip("jsonschema", reason="jsonschema (the test extra) validates SARIF")
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    return jsonschema.Draft4Validator(schema, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER)


@pytest.mark.parametrize("command", ["check", "lint"])
def test_sarif_is_valid_against_the_schema(project, command):
    result = run(command, "journeys", "broken", "--format", "sarif", cwd=project)
    assert result.returncode == 1
    log = json.loads(result.stdout)
    errors = sorted(_validator().iter_errors(log), key=str)
    assert not errors, "\n".join(str(e) for e in errors[:3])
    [run_] = log["runs"]
    rules = run_["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == sorted(CODES)
    for result_ in run_["results"]:
        assert rules[result_["ruleIndex"]]["id"] == result_["ruleId"]
        region = result_["locations"][0]["physicalLocation"]["region"]
        assert region["startLine"] >= 1 and region["startColumn"] >= 1
    codes = {r["ruleId"] for r in run_["results"]}
    assert {"E102", "E120"} <= codes
    if command == "lint":
        assert {"W201", "W203"} <= codes
    else:
        assert not any(code.startswith("W") for code in codes)


def test_sarif_rules_carry_the_lint_docs(project):
    log = json.loads(run("lint", "journeys", "--format", "sarif", cwd=project).stdout)
    rules = {r["id"]: r for r in log["runs"][0]["tool"]["driver"]["rules"]}
    assert "consent" in rules["W201"]["help"]["text"].lower()
    assert "Why it matters" in rules["W206"]["help"]["text"]
    assert rules["W201"]["defaultConfiguration"]["level"] == "warning"
    assert rules["E102"]["shortDescription"]["text"] == "undefined message"
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in log["runs"][0]["results"]}
    assert uris == {"journeys/warnings.journey"}


def test_sarif_snapshot(project):
    result = run("lint", "journeys", "broken", "--format", "sarif", cwd=project)
    log = json.loads(result.stdout)
    run_ = log["runs"][0]
    run_["originalUriBaseIds"] = {"%SRCROOT%": {"uri": "file:///PROJECT/"}}   # the temporary folder
    run_["tool"]["driver"]["rules"] = [r["id"] for r in run_["tool"]["driver"]["rules"]]
    check_golden("lint.sarif.json", json.dumps(log, indent=2) + "\n")


# ----------------------------------------------------------------------------- junit
def _parse(text: str) -> ET.Element:
    root = ET.fromstring(text.encode("utf-8"))
    assert root.tag == "testsuites"
    return root


def test_junit_parses_back_with_consistent_counts(project):
    result = run("lint", "journeys", "broken", "--format", "junit", cwd=project)
    assert result.returncode == 1
    check_golden("lint.junit.xml", result.stdout)
    root = _parse(result.stdout)
    suites = {s.get("name"): s for s in root.findall("testsuite")}
    assert set(suites) == {"broken/errors.journey", "journeys/clean.journey", "journeys/warnings.journey"}
    total = failures = 0
    for suite in suites.values():
        cases = suite.findall("testcase")
        assert int(suite.get("tests")) == len(cases)
        assert int(suite.get("failures")) == sum(1 for c in cases if c.find("failure") is not None)
        total += len(cases)
        failures += int(suite.get("failures"))
    assert int(root.get("tests")) == total and int(root.get("failures")) == failures
    # errors fail; warnings (not strict) are passing cases with their text in system-out
    broken = suites["broken/errors.journey"].findall("testcase")
    failed = [c.find("failure") for c in broken if c.find("failure") is not None]
    assert {f.get("type") for f in failed} == {"E102", "E120"}
    assert "broken/errors.journey:4:14: E102 error:" in failed[0].text
    assert [c.get("name") for c in broken if c.find("failure") is None] == ["W201 at 5:3"]
    warned = suites["journeys/warnings.journey"].findall("testcase")
    assert warned and all(c.find("failure") is None and c.find("system-out") is not None for c in warned)
    assert [c.get("name") for c in suites["journeys/clean.journey"].findall("testcase")] == ["no problems"]


def test_junit_strict_makes_warnings_failures(project):
    result = run("lint", "journeys", "--strict", "--format", "junit", cwd=project)
    assert result.returncode == 1
    root = _parse(result.stdout)
    warned = [s for s in root.findall("testsuite") if s.get("name") == "journeys/warnings.journey"][0]
    assert int(warned.get("failures")) == len(warned.findall("testcase")) >= 2


def test_test_command_junit_and_json(project):
    fixtures = Path(__file__).resolve().parent.parent / "fixtures" / "scenarios"
    result = run("test", str(fixtures / "passes.scenario.yaml"), str(fixtures / "must_fail.scenario.yaml"),
                 "--format", "junit")
    assert result.returncode == 1
    root = _parse(result.stdout)
    cases = root.findall("testsuite/testcase")
    assert len(cases) == 2 and root.get("tests") == "2" and root.get("failures") == "1"
    failed = [c for c in cases if c.find("failure") is not None]
    assert failed[0].get("line") == "5" and failed[0].get("file").endswith("must_fail.scenario.yaml")
    assert "must_fail.scenario.yaml:14: missing action: at=2026-11-20T10:30:00Z (+1h30m)" in \
        failed[0].find("failure").get("message")
    document = json.loads(run("test", str(fixtures / "must_fail.scenario.yaml"), "--format", "json").stdout)
    assert document["failed"] == 1 and document["passed"] == 0
    assert document["results"][0]["line"] == 5 and document["coverage"]["cart_nudge"]["total"] == 5


def test_test_k_selects_scenarios_by_name():
    journeys = str(Path(__file__).resolve().parent.parent.parent / "journeys")
    everything = run("test", journeys, "-q")
    selected = run("test", journeys, "-k", "cart and not sms")
    assert everything.returncode == 0 and selected.returncode == 0
    names = [line for line in selected.stdout.splitlines() if line.startswith("ok ")]
    assert names and all("cart" in line.lower() and "sms" not in line.split("::", 1)[1].lower() for line in names)
    total = int(everything.stdout.rstrip().splitlines()[-1].split()[0])
    assert len(names) < total
    nothing = run("test", journeys, "-k", "no-such-scenario-name")
    assert nothing.returncode == 1 and "no scenarios found matching -k" in nothing.stdout
    bad = run("test", journeys, "-k", "cart and (sms")
    assert bad.returncode == 2 and "not closed" in bad.stderr


@pytest.mark.parametrize("expression, names, expected", [
    ("cart", ["Cart reminder", "x.yaml"], True),
    ("cart and not sms", ["cart by sms", "x.yaml"], False),
    ("(email or push) and cart", ["cart push", "x.yaml"], True),
    ("not welcome", ["welcome back", "w.yaml"], False),
    ("shop", ["anything", "shop.scenario.yaml"], True),   # the file name counts too
])
def test_keyword_expressions(expression, names, expected):
    from journeylang.testing.scenarios import keyword_matcher
    assert keyword_matcher(expression)(names) is expected
