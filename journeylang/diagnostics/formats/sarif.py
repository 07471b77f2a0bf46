"""SARIF 2.1.0: the static-analysis results format code-scanning services read.

Consumes: diagnostics, the tool version and `rules` (code -> its full documentation, the
lint rules' docstrings; codes without one get their title). Produces: one SARIF log with
one run: the tool with every registered code as a rule (id, name, short and full
description, default level), and one result per diagnostic (rule id and index, level,
message, a physical location with a region).
Guarantees: valid against the SARIF 2.1.0 schema (tests/cli validates it); file paths are
relative URIs against `%SRCROOT%` when they are inside the current folder.
"""
from __future__ import annotations

import json
import os
from pathlib import PurePosixPath
from typing import Iterable, Mapping, Optional

from ..model import CODES, Diagnostic

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


def _uri(path: str) -> tuple[str, Optional[str]]:
    relative = os.path.relpath(os.path.abspath(path))
    if not relative.startswith(".."):
        return PurePosixPath(*relative.split(os.sep)).as_posix(), "%SRCROOT%"
    return PurePosixPath(os.path.abspath(path)).as_uri(), None


def _rule_name(title: str) -> str:
    return "".join(word[:1].upper() + word[1:] for word in title.replace("-", " ").split())


def render_sarif(diagnostics: Iterable[Diagnostic], version: str, rules: Mapping[str, str] = {}) -> str:
    codes = sorted(CODES)
    index = {code: i for i, code in enumerate(codes)}
    driver_rules = []
    for code in codes:
        severity, title = CODES[code]
        rule = {"id": code, "name": _rule_name(title), "shortDescription": {"text": title},
                "defaultConfiguration": {"level": severity}}
        if rules.get(code):
            rule["fullDescription"] = {"text": rules[code].strip().splitlines()[0]}
            rule["help"] = {"text": rules[code].strip()}
        driver_rules.append(rule)
    results = []
    for diag in diagnostics:
        message = diag.message + (f" (hint: {diag.hint})" if diag.hint else "")
        result = {"ruleId": diag.code, "ruleIndex": index[diag.code], "level": diag.severity,
                  "message": {"text": message}}
        if diag.span is not None:
            span = diag.span
            uri, base = _uri(span.file)
            artifact = {"uri": uri}
            if base:
                artifact["uriBaseId"] = base
            end_column = span.end_column if (span.end_line, span.end_column) > (span.line, span.column) \
                else span.column + 1
            result["locations"] = [{"physicalLocation": {
                "artifactLocation": artifact,
                "region": {"startLine": span.line, "startColumn": span.column,
                           "endLine": max(span.end_line, span.line), "endColumn": end_column}}}]
        results.append(result)
    log = {"$schema": SCHEMA, "version": "2.1.0", "runs": [{
        "tool": {"driver": {"name": "journeylang", "version": version, "semanticVersion": version,
                            "informationUri": "https://github.com/journeylang/journeylang",
                            "rules": driver_rules}},
        "originalUriBaseIds": {"%SRCROOT%": {"uri": PurePosixPath(os.path.abspath(".")).as_uri() + "/"}},
        "columnKind": "unicodeCodePoints",
        "results": results}]}
    return json.dumps(log, indent=2, ensure_ascii=False)
