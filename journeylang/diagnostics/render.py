"""Render diagnostics: the one place they become text or JSON (the CI formats, GitHub
annotations, SARIF and JUnit, are in `formats/` beside this module).

Consumes: sorted `Diagnostic`s and the source texts they point into.
Produces: `path:line:col: CODE severity: message`, the source line, a caret line, and
`  = hint: ...`; or a JSON document `{"diagnostics": [...], "errors": N, "warnings": N}`.
Guarantees: output depends only on its inputs (stable order). Colour only when asked
(`colour=True`, decided by the CLI from `--color`, NO_COLOR/FORCE_COLOR and the
terminal): the same characters with ANSI styles around the severity, location, caret
and hint; without it no escape code is ever written.
"""
from __future__ import annotations

import io
import json
from typing import Iterable, Mapping, Optional

from .model import Diagnostic

# One style per part of a diagnostic (rich style names).
STYLES = {"error": "bold red", "warning": "bold yellow", "location": "bold", "code": "bold",
          "gutter": "bright_blue", "hint": "cyan", "ok": "bold green"}

Piece = tuple[str, Optional[str]]   # text, style (None: plain)


def render_text(diagnostics: Iterable[Diagnostic], sources: Mapping[str, str], colour: bool = False) -> str:
    blocks: list[list[Piece]] = []
    line_cache: dict[str, list[str]] = {}
    for diag in diagnostics:
        span = diag.span
        severity = diag.severity
        if span is None:
            parts: list[Piece] = [("journeylang: ", None), (diag.code, "code"), (" ", None),
                                  (severity, severity), (f": {diag.message}", None)]
            if diag.hint:
                parts += [("\n  = ", "gutter"), ("hint", "hint"), (f": {diag.hint}", None)]
            blocks.append(parts)
            continue
        parts = [(f"{span.file}:{span.line}:{span.column}:", "location"), (" ", None), (diag.code, "code"),
                 (" ", None), (severity, severity), (f": {diag.message}", None)]
        if span.file not in line_cache:
            line_cache[span.file] = sources.get(span.file, "").split("\n")
        lines = line_cache[span.file]
        if 1 <= span.line <= len(lines):
            text = lines[span.line - 1].rstrip("\n").expandtabs(1)
            width = (span.end_column - span.column) if span.end_line == span.line else len(text) - span.column + 1
            width = max(1, min(width, max(1, len(text) - span.column + 1)))
            gutter = f"{span.line:>4} | "
            parts += [("\n", None), (gutter, "gutter"), (text, None), ("\n", None),
                      (" " * (len(gutter) - 2) + "| ", "gutter"), (" " * (span.column - 1), None),
                      ("^" * width, severity)]
        if diag.hint:
            parts += [("\n  = ", "gutter"), ("hint", "hint"), (f": {diag.hint}", None)]
        blocks.append(parts)
    pieces: list[Piece] = []
    for index, block in enumerate(blocks):
        if index:
            pieces.append(("\n", None))
        pieces.extend(block)
    return styled(pieces, colour)


def styled(pieces: Iterable[Piece], colour: bool) -> str:
    """Join the pieces; with `colour`, each styled piece wrapped in its ANSI codes (rich)."""
    pieces = list(pieces)
    if not colour:
        return "".join(text for text, _ in pieces)
    from rich.console import Console
    from rich.text import Text
    text = Text()
    for chunk, style in pieces:
        text.append(chunk, style=STYLES.get(style, style) if style else None)
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=True, no_color=False, color_system="standard", width=1 << 16,
                      highlight=False, markup=False, emoji=False, soft_wrap=True, legacy_windows=False)
    console.print(text, end="")
    return buffer.getvalue()


def summary_line(diagnostics: list[Diagnostic]) -> str:
    errors = sum(1 for d in diagnostics if d.severity == "error")
    warnings = len(diagnostics) - errors
    if not diagnostics:
        return "no problems found"
    return f"{errors} error{'s' if errors != 1 else ''}, {warnings} warning{'s' if warnings != 1 else ''}"


def render_summary(diagnostics: list[Diagnostic], suffix: str = "", colour: bool = False) -> str:
    """`summary_line` plus `suffix`, its counts coloured by severity when asked."""
    errors = sum(1 for d in diagnostics if d.severity == "error")
    warnings = len(diagnostics) - errors
    if not diagnostics:
        return styled([("no problems found", "ok"), (suffix, None)], colour)
    return styled([(f"{errors} error{'s' if errors != 1 else ''}", "error" if errors else None), (", ", None),
                   (f"{warnings} warning{'s' if warnings != 1 else ''}", "warning" if warnings else None),
                   (suffix, None)], colour)


def render_json(diagnostics: list[Diagnostic], **extra) -> str:
    errors = sum(1 for d in diagnostics if d.severity == "error")
    document = {"diagnostics": [d.to_json() for d in diagnostics], "errors": errors,
                "warnings": len(diagnostics) - errors, **extra}
    return json.dumps(document, indent=2, ensure_ascii=False)
