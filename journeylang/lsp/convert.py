"""The one place where journeylang data becomes LSP objects (and LSP positions come back).

Consumes: `Span`s (1-based line/column, end exclusive, columns in code points), the
`Diagnostic` records of `journeylang.diagnostics.model`, file texts, and the position
encoding the client negotiated (UTF-16 by default). Produces: `lsprotocol` `Range`s,
`Location`s and `Diagnostic`s; 1-based (line, column) from an LSP `Position`.
Guarantees: a journeylang diagnostic maps to exactly one LSP diagnostic with the same code,
severity, message and range; the hint travels in the message (a second line) and in
`data`; a location the diagnostic names (`file:line:col`, or `line N` of the same file)
becomes its related information. Positions outside the text are clamped, never raised on.
"""
from __future__ import annotations

import re
from typing import Callable, Optional, Sequence

from lsprotocol import types as T
from pygls.uris import from_fs_path, to_fs_path
from pygls.workspace.position_codec import PositionCodec

from ..diagnostics.model import Diagnostic
from ..diagnostics.span import Span

SOURCE = "journeylang"
_SEVERITY = {"error": T.DiagnosticSeverity.Error, "warning": T.DiagnosticSeverity.Warning}
_AT = re.compile(r"(?P<file>[^\s`'\"()]+?\.journey):(?P<line>\d+):(?P<col>\d+)")
_ON_LINE = re.compile(r"\bon line (?P<line>\d+)\b")

Lines = Callable[[str], Sequence[str]]  # path -> the file's lines (without line ends)


def uri_of(path: str) -> str:
    return from_fs_path(path) or path


def path_of(uri: str) -> str:
    return to_fs_path(uri) or uri


def split_lines(text: str) -> list[str]:
    return text.split("\n")


def _position(lines: Sequence[str], line: int, column: int, codec: PositionCodec) -> T.Position:
    row = min(max(line - 1, 0), max(len(lines) - 1, 0))
    text = lines[row] if lines else ""
    char = min(max(column - 1, 0), len(text))
    return T.Position(line=row, character=codec.client_num_units(text[:char]))


def to_range(span: Span, lines: Sequence[str], codec: PositionCodec) -> T.Range:
    start = _position(lines, span.line, span.column, codec)
    end = _position(lines, span.end_line, span.end_column, codec)
    if (end.line, end.character) < (start.line, start.character):
        end = start
    return T.Range(start=start, end=end)


def from_position(position: T.Position, lines: Sequence[str], codec: PositionCodec) -> tuple[int, int]:
    """1-based (line, column in code points) of an LSP position."""
    row = min(max(position.line, 0), max(len(lines) - 1, 0))
    text = lines[row] if lines else ""
    units, column = 0, 0
    for char in text:
        if units >= position.character:
            break
        units += codec.client_num_units(char)
        column += 1
    return row + 1, column + 1


def to_location(span: Span, lines: Lines, codec: PositionCodec) -> T.Location:
    return T.Location(uri=uri_of(span.file), range=to_range(span, lines(span.file), codec))


def _related(diag: Diagnostic, lines: Lines, codec: PositionCodec,
             known: Callable[[str], Optional[str]]) -> Optional[list[T.DiagnosticRelatedInformation]]:
    text = diag.message + " " + (diag.hint or "")
    found: list[T.DiagnosticRelatedInformation] = []
    for match in _AT.finditer(text):
        path = known(match.group("file"))
        if path is None:
            continue
        line, col = int(match.group("line")), int(match.group("col"))
        span = Span(file=path, line=line, column=col, end_line=line, end_column=col)
        found.append(T.DiagnosticRelatedInformation(location=to_location(span, lines, codec),
                                                    message=diag.hint or diag.message))
    if not found and diag.span is not None:
        for match in _ON_LINE.finditer(text):
            line = int(match.group("line"))
            span = Span(file=diag.span.file, line=line, column=1, end_line=line, end_column=1)
            found.append(T.DiagnosticRelatedInformation(location=to_location(span, lines, codec),
                                                        message=diag.hint or diag.message))
    return found or None


def to_lsp_diagnostic(diag: Diagnostic, lines: Lines, codec: PositionCodec,
                      known: Callable[[str], Optional[str]] = lambda p: None,
                      fallback: Optional[str] = None) -> T.Diagnostic:
    """`known` maps a file name as written in a message to the program's path for it;
    `fallback` is the file a diagnostic without a span is shown on (at its first line)."""
    span = diag.span or Span(file=fallback or "", line=1, column=1, end_line=1, end_column=1)
    message = diag.message if not diag.hint else f"{diag.message}\nhint: {diag.hint}"
    return T.Diagnostic(
        range=to_range(span, lines(span.file), codec),
        message=message,
        severity=_SEVERITY.get(diag.severity, T.DiagnosticSeverity.Error),
        code=diag.code,
        source=SOURCE,
        related_information=_related(diag, lines, codec, known),
        data={"code": diag.code, "hint": diag.hint, "message": diag.message},
    )
