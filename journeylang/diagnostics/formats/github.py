"""GitHub Actions workflow commands: one `::error` / `::warning` line per diagnostic, which
GitHub shows as an annotation on the pull request's diff.

Consumes: diagnostics. Produces: `::error file=F,line=L,col=C,endLine=EL,endColumn=EC,
title=CODE::message` lines (the hint follows the message on a new line).
Guarantees: values are escaped as the runner expects (`%`, CR and LF everywhere; `:` and
`,` also inside properties), so a message can never end the command early.
"""
from __future__ import annotations

from typing import Iterable

from ..model import CODES, Diagnostic


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(diag: Diagnostic) -> str:
    command = "error" if diag.severity == "error" else "warning"
    props = []
    if diag.span is not None:
        span = diag.span
        props += [f"file={_property(span.file)}", f"line={span.line}", f"col={span.column}",
                  f"endLine={span.end_line}", f"endColumn={span.end_column}"]
    props.append(f"title={_property(diag.code + ' ' + CODES[diag.code][1])}")
    message = diag.message + (f"\nhint: {diag.hint}" if diag.hint else "")
    return f"::{command} {','.join(props)}::{_data(message)}"


def render_github(diagnostics: Iterable[Diagnostic]) -> str:
    return "\n".join(annotation(d) for d in diagnostics)
