"""Error-tolerant reading of one `.journey` file for the editor: what parses, per declaration.

Consumes: a file's text and path. Produces: `Recovered` — the file's `SourceFile` when the
whole file parses, and otherwise the declarations that parse on their own, plus `Chunk`s
(the text region of every top-level declaration, with its kind and name, parsed or not).
Guarantees: there is one parser (`journeylang.syntax.parser.parse_source`); this module
only cuts the text at top-level declaration keywords (outside strings, comments and
braces) and parses each piece where it stands (line numbers and columns are kept by
padding with newlines), so a syntax error in one declaration leaves the others usable
for outline, navigation and completion. A declaration that does not parse is retried
cut before its error line with its open braces closed. Never raises on any input.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Optional

from ..syntax import ast as A
from ..syntax.parser import parse_source, skip_comment_or_string

DECL_KEYWORDS = ("segment", "journey", "message", "lookup", "policy")
_HEADER = re.compile(r"[ \t]*(segment|journey|message|lookup|policy)\b[ \t]*([A-Za-z_][A-Za-z0-9_]*)?")


@dataclass
class Chunk:
    kind: str            # a DECL_KEYWORDS entry
    name: Optional[str]  # None for `policy` or a header without a name yet
    start_line: int      # 1-based, inclusive
    end_line: int        # 1-based, inclusive
    name_column: int     # 1-based column of the name (or of the keyword)
    decl: Optional[A.Decl] = None  # the parsed declaration, when the chunk parses


@dataclass
class Recovered:
    path: str
    text: str
    source: Optional[A.SourceFile]          # the whole file, when it parses
    chunks: list[Chunk] = field(default_factory=list)

    @property
    def decls(self) -> list[A.Decl]:
        if self.source is not None:
            return list(self.source.decls)
        return [chunk.decl for chunk in self.chunks if chunk.decl is not None]

    def chunk_at(self, line: int) -> Optional[Chunk]:
        """The declaration region containing a 1-based line (or None between declarations)."""
        for chunk in self.chunks:
            if chunk.start_line <= line <= chunk.end_line:
                return chunk
        return None


def _scan_starts(text: str) -> list[int]:
    """Offsets of line starts where a top-level declaration keyword begins."""
    starts: list[int] = []
    depth, index, size = 0, 0, len(text)
    at_line_start = True
    while index < size:
        char = text[index]
        if at_line_start:
            match = _HEADER.match(text, index)
            # inside unbalanced braces, a named declaration at column 1 still starts a new one
            if match and (depth <= 0 or (char not in " \t" and match.group(2))):
                starts.append(index)
                depth = 0
        at_line_start = False
        if char == "\n":
            at_line_start = True
        elif char in '#"':
            index = skip_comment_or_string(text, index)
            continue
        elif char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
        index += 1
    return starts


def _parse_piece(text: str, path: str, first_line: int) -> tuple[Optional[A.SourceFile], list]:
    return parse_source("\n" * (first_line - 1) + text, path)


def _close_braces(text: str) -> str:
    depth = 0
    for char in re.sub(r'"""[\s\S]*?"""|"(?:\\.|[^"\\\n])*"|#[^\n]*', "", text):
        if char == "{":
            depth += 1
        elif char == "}":
            depth = max(0, depth - 1)
    return text + "\n" + "}" * depth + "\n"


def recover(text: str, path: str, parsed: Optional[A.SourceFile] = None) -> Recovered:
    """Parse a file (unless `parsed` is its parse already); when it does not parse, parse
    its declarations one by one."""
    source = parsed
    if source is None:
        try:
            source, _ = parse_source(text, path)
        except Exception:  # the parser promises not to raise; the editor must survive if it does
            source = None
    result = Recovered(path=path, text=text, source=source)
    starts = _scan_starts(text)
    line_of = lambda offset: text.count("\n", 0, offset) + 1  # noqa: E731
    lines_total = text.count("\n") + 1
    for number, start in enumerate(starts):
        end = starts[number + 1] if number + 1 < len(starts) else len(text)
        match = _HEADER.match(text, start)
        first_line = line_of(start)
        last_line = line_of(end) - 1 if number + 1 < len(starts) else lines_total
        name_column = (match.start(2) if match.group(2) else match.start(1)) - start + 1
        chunk = Chunk(kind=match.group(1), name=match.group(2) if match.group(1) != "policy" else None,
                      start_line=first_line, end_line=max(first_line, last_line), name_column=name_column)
        result.chunks.append(chunk)
        if source is not None:
            continue
        chunk.decl = _parse_chunk(text[start:end], path, first_line)
    if source is not None:
        _attach(result, source)
    return result


def _parse_chunk(piece: str, path: str, first_line: int) -> Optional[A.Decl]:
    try:
        parsed, problems = _parse_piece(piece, path, first_line)
        if parsed is None and problems and problems[0].span is not None:
            error_line = problems[0].span.line - first_line  # lines of the piece kept before the error
            kept = "\n".join(piece.split("\n")[:max(1, error_line)])
            parsed, _ = _parse_piece(_close_braces(kept), path, first_line)
    except Exception:
        return None
    if parsed is not None and len(parsed.decls) == 1:
        return parsed.decls[0]
    return None


def _attach(result: Recovered, source: A.SourceFile) -> None:
    """Give each chunk the parsed declaration that starts on its first line."""
    by_line = {decl.span.line: decl for decl in source.decls}
    for chunk in result.chunks:
        chunk.decl = by_line.get(chunk.start_line)
