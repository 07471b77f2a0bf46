"""Render diagnostics: the one place they become text or JSON.

Consumes: sorted `Diagnostic`s and the source texts they point into.
Produces: `path:line:col: CODE severity: message`, the source line, a caret line, and
`  = hint: ...`; or a JSON document `{"diagnostics": [...], "errors": N, "warnings": N}`.
Guarantees: output depends only on its inputs (stable order, no colours unless asked).
"""
from __future__ import annotations

import json
from typing import Iterable, Mapping

from .model import Diagnostic


def render_text(diagnostics: Iterable[Diagnostic], sources: Mapping[str, str]) -> str:
    blocks = []
    line_cache: dict[str, list[str]] = {}
    for diag in diagnostics:
        span = diag.span
        if span is None:
            head = f"journeylang: {diag.code} {diag.severity}: {diag.message}"
            blocks.append(head + (f"\n  = hint: {diag.hint}" if diag.hint else ""))
            continue
        head = f"{span.file}:{span.line}:{span.column}: {diag.code} {diag.severity}: {diag.message}"
        parts = [head]
        if span.file not in line_cache:
            line_cache[span.file] = sources.get(span.file, "").split("\n")
        lines = line_cache[span.file]
        if 1 <= span.line <= len(lines):
            text = lines[span.line - 1].rstrip("\n").expandtabs(1)
            width = (span.end_column - span.column) if span.end_line == span.line else len(text) - span.column + 1
            width = max(1, min(width, max(1, len(text) - span.column + 1)))
            gutter = f"{span.line:>4} | "
            parts.append(gutter + text)
            parts.append(" " * (len(gutter) - 2) + "| " + " " * (span.column - 1) + "^" * width)
        if diag.hint:
            parts.append(f"  = hint: {diag.hint}")
        blocks.append("\n".join(parts))
    return "\n".join(blocks)


def summary_line(diagnostics: list[Diagnostic]) -> str:
    errors = sum(1 for d in diagnostics if d.severity == "error")
    warnings = len(diagnostics) - errors
    if not diagnostics:
        return "no problems found"
    return f"{errors} error{'s' if errors != 1 else ''}, {warnings} warning{'s' if warnings != 1 else ''}"


def render_json(diagnostics: list[Diagnostic], **extra) -> str:
    errors = sum(1 for d in diagnostics if d.severity == "error")
    document = {"diagnostics": [d.to_json() for d in diagnostics], "errors": errors,
                "warnings": len(diagnostics) - errors, **extra}
    return json.dumps(document, indent=2, ensure_ascii=False)
