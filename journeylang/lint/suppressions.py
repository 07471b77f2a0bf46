"""Suppression comments: `# journeylang: allow W205 <reason>`.

Consumes: the comments of every `SourceFile` (with their line numbers) and the AST.
Produces: `Suppression` records (file, codes, covered region) and the filtered
diagnostics.
Guarantees: a suppression only ever removes diagnostics of the codes it lists, and only
where it applies:

* own-line comment: the outermost construct (declaration, statement, header clause,
  segment condition) starting on the first following line that is not itself a comment
  line; a blank line in between ends the search (the comment covers nothing);
* trailing comment (code before the `#` on the same line): diagnostics starting on
  that line.

Codes are separated by commas (whitespace also accepted); whatever follows the codes is
the reason, expected by convention but not required.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Optional

from ..diagnostics.model import Diagnostic
from ..syntax import ast as A

_ALLOW = re.compile(r"^#+\s*journeylang\s*:\s*allow\b\s*(?P<rest>.*)$", re.IGNORECASE)
_CODE = re.compile(r"^[A-Za-z]\d{3}$")


@dataclass(frozen=True)
class Suppression:
    file: str
    line: int  # line of the comment
    column: int
    end_column: int
    codes: frozenset[str]
    reason: str
    # covered region: (start_line, start_col, end_line, end_col), inclusive; None: nothing
    region: Optional[tuple[int, int, int, int]]

    def covers(self, diag: Diagnostic) -> bool:
        span = diag.span
        if self.region is None or span is None or span.file != self.file or diag.code not in self.codes:
            return False
        start_line, start_col, end_line, end_col = self.region
        return (start_line, start_col) <= (span.line, span.column) <= (end_line, end_col)


def parse_allow(text: str) -> Optional[tuple[frozenset[str], str]]:
    """The codes and reason of an allow comment, or None when it is not one."""
    match = _ALLOW.match(text.strip())
    if not match:
        return None
    tokens = re.split(r"(\s*,\s*|\s+)", match.group("rest").strip())
    codes: list[str] = []
    position = 0
    # tokens alternate word / separator; take leading words that look like codes
    while position < len(tokens) and _CODE.match(tokens[position] or ""):
        codes.append(tokens[position].upper())
        position += 2
    reason = "".join(tokens[position:]).strip()
    if not codes:
        return None
    return frozenset(codes), reason


def _outermost_starting_on(source: A.SourceFile, line: int) -> Optional[A.Span]:
    best: Optional[A.Span] = None
    for decl in source.decls:
        if decl.span.end_line < line or decl.span.line > line:
            continue
        for node in A.walk(decl):
            if not isinstance(node, A.Node):
                continue
            span = node.span
            if span.line != line:
                continue
            if best is None or (span.end_line, span.end_column) > (best.end_line, best.end_column) or \
                    ((span.end_line, span.end_column) == (best.end_line, best.end_column) and span.column < best.column):
                best = span
    return best


def collect_suppressions(source: A.SourceFile) -> list[Suppression]:
    lines = source.text.split("\n")
    comment_lines = {c.line for c in source.comments
                     if 1 <= c.line <= len(lines) and not lines[c.line - 1][:c.column - 1].strip()}
    found: list[Suppression] = []
    for comment in source.comments:
        parsed = parse_allow(comment.text)
        if parsed is None:
            continue
        codes, reason = parsed
        own_line = comment.line in comment_lines
        if not own_line:
            region = (comment.line, 1, comment.line, 10**9)
        else:
            target = comment.line + 1
            while target in comment_lines:
                target += 1
            span = None
            if target <= len(lines) and lines[target - 1].strip():
                span = _outermost_starting_on(source, target)
            region = (span.line, 1, span.end_line, span.end_column) if span is not None else None
        found.append(Suppression(source.path, comment.line, comment.column,
                                 comment.column + len(comment.text.rstrip()) - 1, codes, reason, region))
    return found


def program_suppressions(program) -> list[Suppression]:
    return [s for source in program.files for s in collect_suppressions(source)]


def apply_suppressions(diagnostics: Iterable[Diagnostic], suppressions: list[Suppression]) -> list[Diagnostic]:
    """The diagnostics no suppression covers (errors are never suppressed)."""
    kept = []
    for diag in diagnostics:
        if diag.severity == "warning" and any(s.covers(diag) for s in suppressions):
            continue
        kept.append(diag)
    return kept
