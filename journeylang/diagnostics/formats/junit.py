"""JUnit XML for CI test reports: one `<testsuite>` per file, one `<testcase>` per
diagnostic (a clean file is one passing test case).

Consumes: diagnostics, the files that were checked, and which severities fail the run
(warnings only under `lint --strict`). Produces: a `<testsuites>` document.
Guarantees: the counts in the attributes match the cases; a diagnostic that fails the run
is a `<failure>` (type = its code) whose text is the rendered diagnostic; one that does not
is a passing case with the text in `<system-out>`. Deterministic: files in sorted order.
"""
from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Iterable, Mapping

from ..model import Diagnostic
from ..render import render_text


def render_junit(diagnostics: Iterable[Diagnostic], files: Iterable[str], sources: Mapping[str, str], *,
                 suite: str, failing: frozenset = frozenset({"error"})) -> str:
    by_file: dict[str, list[Diagnostic]] = {path: [] for path in files}
    for diag in diagnostics:
        by_file.setdefault(diag.span.file if diag.span else "(program)", []).append(diag)
    root = ET.Element("testsuites", name=suite)
    total = failed = 0
    for path in sorted(by_file):
        found = by_file[path]
        cases = []
        for diag in found:
            where = f"{diag.span.line}:{diag.span.column}" if diag.span else "-"
            case = ET.Element("testcase", classname=path, name=f"{diag.code} at {where}")
            text = render_text([diag], sources)
            if diag.severity in failing:
                failure = ET.SubElement(case, "failure", type=diag.code, message=f"{diag.severity}: {diag.message}")
                failure.text = text
            else:
                ET.SubElement(case, "system-out").text = text
            cases.append(case)
        if not cases:
            cases.append(ET.Element("testcase", classname=path, name="no problems"))
        failures = sum(1 for c in cases if c.find("failure") is not None)
        element = ET.SubElement(root, "testsuite", name=path, tests=str(len(cases)), failures=str(failures),
                                errors="0", skipped="0")
        element.extend(cases)
        total += len(cases)
        failed += failures
    root.set("tests", str(total))
    root.set("failures", str(failed))
    root.set("errors", "0")
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode")
