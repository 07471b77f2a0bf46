"""Layout machinery of the formatter: source tokens, layout items, comment placement.

Consumes: the source text of a parsed file and the items `printer.py` lays out.
Produces: `_Tokens` (positions of the source's tokens, to find keywords the AST keeps no
span for), `_Block`/`_Item` (the printed tree with source positions), and
`CommentPlacement`, the mixin that attaches each comment to a block or item and emits
the final lines.
Guarantees: every comment is placed exactly once; emission is deterministic.
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from typing import Optional

from ..syntax import ast as A
from .expr import escape_string

INDENT = "  "
Pos = tuple[int, int]

# ---------------------------------------------------------------------------- source tokens
_TOKEN = re.compile(r'"""[\s\S]*?"""|"(?:\\.|[^"\\\n])*"|#[^\n]*|[A-Za-z0-9_]+|\s+|.', re.S)


class _Tokens:
    """The significant tokens of the source (comments and whitespace dropped), with
    positions, and the matching of braces; used to place comments and keywords the tree
    keeps no position for (`description`, `else`, `on event`, ...)."""

    def __init__(self, text: str) -> None:
        self.starts: list[Pos] = []
        self.ends: list[Pos] = []
        self.texts: list[str] = []
        line, col = 1, 1
        for m in _TOKEN.finditer(text):
            tok = m.group()
            start = (line, col)
            newlines = tok.count("\n")
            if newlines:
                line += newlines
                col = len(tok) - tok.rfind("\n")
            else:
                col += len(tok)
            if tok[0] in " \t\r\n\f\v" or tok[0] == "#":
                continue
            self.starts.append(start)
            self.ends.append((line, col))
            self.texts.append(tok)
        self.match: dict[int, int] = {}
        stacks: dict[str, list[int]] = {"{": [], "(": []}
        for i, tok in enumerate(self.texts):
            if tok in ("{", "("):
                stacks[tok].append(i)
            elif tok in ("}", ")"):
                stack = stacks["{" if tok == "}" else "("]
                if stack:
                    opened = stack.pop()
                    self.match[opened] = i
                    self.match[i] = opened

    def at_or_after(self, pos: Pos) -> int:
        return bisect.bisect_left(self.starts, pos)

    def before(self, pos: Pos) -> int:
        """Index of the last token starting before `pos` (-1 if none)."""
        return bisect.bisect_left(self.starts, pos) - 1

    def start_before(self, pos: Pos) -> Pos:
        """Start of the token before `pos` (a clause keyword before its value)."""
        i = self.before(pos)
        return self.starts[i] if i >= 0 else pos

    def find(self, text: str, pos: Pos) -> int:
        i = self.at_or_after(pos)
        while i < len(self.texts) and self.texts[i] != text:
            i += 1
        return i

    def unparen(self, start: Pos, end: Pos) -> tuple[Pos, Pos]:
        """The range of an expression with the parentheses around it."""
        first, last = self.at_or_after(start), self.before(end)
        if not 0 <= first <= last < len(self.texts):
            return start, end
        while first > 0 and self.texts[first - 1] == "(" and self.match.get(first - 1) == last + 1:
            first, last = first - 1, last + 1
        return self.starts[first], self.ends[last]

    def top_level(self, open_pos: Pos, close_pos: Pos):
        """Indices of the tokens directly inside the block `{ ... }` (not in nested blocks)."""
        i = self.at_or_after(open_pos) + 1
        stop = self.at_or_after(close_pos)
        depth = 0
        while i < stop:
            text = self.texts[i]
            if text == "{":
                depth += 1
            elif text == "}":
                depth -= 1
            elif depth == 0:
                yield i
            i += 1

    def brace_after(self, pos: Pos) -> tuple[Pos, Pos]:
        """Positions of the first `{` at or after `pos` and of its matching `}`."""
        i = self.find("{", pos)
        if i >= len(self.texts):
            return pos, pos
        j = self.match.get(i, i)
        return self.starts[i], self.starts[j]


def _start(span: A.Span) -> Pos:
    return (span.line, span.column)


def _end(span: A.Span) -> Pos:
    return (span.end_line, span.end_column)


# ---------------------------------------------------------------------------- layout model
@dataclass
class _Block:
    """A `{ ... }` body (or the whole file): items and the comments at its end."""
    open: Optional[Pos]
    close: Optional[Pos]
    items: list["_Item"] = field(default_factory=list)
    end_comments: list[tuple[str, bool]] = field(default_factory=list)  # (comment, blank line after it)

    def empty(self) -> bool:
        return not any(item.printed for item in self.items) and not self.end_comments and not any(
            item.leading or any(item.trailing) for item in self.items)


@dataclass
class _Item:
    """One printed construct: header lines interleaved with blocks
    (`if C {` b0 `} else {` b1 `}`); headers are lists of lines relative to the item's
    indentation; `trail[k]` is the line of header k that takes a trailing comment."""
    start: Pos
    end: Pos
    headers: list[list[str]]
    blocks: list[_Block] = field(default_factory=list)
    trail: list[int] = field(default_factory=list)
    leading: list[tuple[str, bool]] = field(default_factory=list)  # (comment, blank line after it)
    trailing: list[list[str]] = field(default_factory=list)
    printed: bool = True
    blank_before: bool = False
    alt: Optional[list[str]] = None  # the lines to print instead when every block is empty

    def __post_init__(self) -> None:
        if not self.trail:
            self.trail = [0] * len(self.headers)
        self.trailing = [[] for _ in self.headers]


# ---------------------------------------------------------------------------- strings
def _long_string_ok(value: str) -> bool:
    """Can `value` be written as a `\"\"\"` block that the parser reads back unchanged?"""
    if "\n" not in value or '"""' in value or "\r" in value:
        return False
    lines = value.split("\n")
    if any(line.strip() == "" and line != "" for line in lines):
        return False  # whitespace-only lines are normalised away by the parser
    if value.rstrip(" \t") != value:
        return False
    if not value.endswith("\n") and value.endswith('"'):
        return False
    content = [line for line in lines if line.strip()]
    if not content or all(line[:1] in (" ", "\t") for line in content):
        return False  # the parser strips common indentation
    return True


def _string_lines(prefix: str, value: str) -> tuple[list[str], int]:
    """`prefix "value"` as lines relative to the field: a `\"\"\"` block, indented one
    level deeper, for a multi-line value. Returns (lines, index of the last line)."""
    if not _long_string_ok(value):
        return [f"{prefix} {escape_string(value)}"], 0
    parts = value.split("\n")
    lines = [f'{prefix} """']
    if value.endswith("\n"):
        lines += [INDENT + p if p else "" for p in parts[:-1]]
        lines.append('"""')
    else:
        lines += [INDENT + p if p else "" for p in parts[:-1]]
        lines.append(INDENT + parts[-1] + '"""')
    return lines, len(lines) - 1


# ---------------------------------------------------------------------------- the formatter


class CommentPlacement:
    """Comment placement and emission; mixed into the formatter (needs `self.lines`, `self.tok`)."""

    def place(self, root: _Block, comment: A.Comment) -> None:
        pos = (comment.line, comment.column)
        text = comment.text.rstrip()
        line_text = self.lines[comment.line - 1] if comment.line - 1 < len(self.lines) else ""
        own_line = line_text[:comment.column - 1].strip() == ""
        if own_line:
            following = self.lines[comment.line] if comment.line < len(self.lines) else "x"
            self.place_own_line(root, pos, text, following.strip() == "")
        else:
            prev = self.tok.before(pos)
            prev_pos = self.tok.starts[prev] if prev >= 0 else pos
            self.place_trailing(root, pos, prev_pos, text)

    @staticmethod
    def _containing(block: _Block, pos: Pos, inclusive_end: bool = False) -> Optional[_Item]:
        for item in block.items:
            if item.start <= pos and (pos < item.end or (inclusive_end and pos <= item.end)):
                return item
        return None

    @staticmethod
    def _inner_block(item: _Item, pos: Pos) -> Optional[_Block]:
        for block in item.blocks:
            if block.open is not None and block.close is not None and block.open < pos < block.close:
                return block
        return None

    @staticmethod
    def _next_item(block: _Block, pos: Pos) -> Optional[_Item]:
        following = [item for item in block.items if item.start > pos]
        return min(following, key=lambda item: item.start) if following else None

    def place_own_line(self, block: _Block, pos: Pos, text: str, blank_after: bool = False) -> None:
        while True:
            item = self._containing(block, pos)
            if item is None:
                nxt = self._next_item(block, pos)
                if nxt is not None:
                    nxt.leading.append((text, blank_after))
                else:
                    block.end_comments.append((text, blank_after))
                return
            inner = self._inner_block(item, pos)
            if inner is None:  # inside a multi-line construct, outside its blocks: above it
                item.leading.append((text, blank_after))
                return
            block = inner

    def place_trailing(self, block: _Block, pos: Pos, prev: Pos, text: str) -> None:
        while True:
            item = self._containing(block, prev)
            if item is None:
                nxt = self._next_item(block, pos)
                if nxt is not None:
                    nxt.leading.append((text, False))
                else:
                    block.end_comments.append((text, False))
                return
            inner = self._inner_block(item, prev)
            if inner is not None:
                block = inner
                continue
            k, first_line, last_line = self.header_of(item, prev)
            if pos[0] in (first_line, last_line) and not item.trailing[k]:
                item.trailing[k].append(text)
            else:
                item.leading.append((text, False))
            return

    def header_of(self, item: _Item, pos: Pos) -> tuple[int, int, int]:
        """Which header of `item` holds the token at `pos`, with that header's first and
        last source lines."""
        bounds: list[tuple[Pos, Pos]] = []
        start = item.start
        for block in item.blocks:
            bounds.append((start, block.open or start))
            start = block.close or start
        bounds.append((start, item.end))
        for k, (a, b) in enumerate(bounds):
            if pos <= b or k == len(bounds) - 1:
                return k, a[0], b[0]
        return len(bounds) - 1, bounds[-1][0][0], bounds[-1][1][0]

    # -- output
    def emit_block(self, block: _Block, depth: int, out: list[str], top: bool = False) -> None:
        pending: list[str] = []  # comments of items that are not printed move to the next item
        printed_any = False
        for item in block.items:
            if not item.printed:
                pending += item.leading + [(c, False) for cs in item.trailing for c in cs]
                continue
            if pending:
                item.leading = pending + item.leading
                pending = []
            if printed_any and (top or item.blank_before):
                out.append("")
            self.emit_item(item, depth, out)
            printed_any = True
        ends = pending + block.end_comments
        if ends:
            if top and printed_any:
                out.append("")
            for i, (comment, blank_after) in enumerate(ends):
                out.append(INDENT * depth + comment)
                if blank_after and i < len(ends) - 1:
                    out.append("")

    def emit_item(self, item: _Item, depth: int, out: list[str]) -> None:
        pad = INDENT * depth
        # lines: [text, [trailing comments]]; blocks rendered in between
        lines: list[list] = []
        overflow: list[str] = []

        def add_header(k: int, merge: bool) -> None:
            header = item.headers[k]
            entries = [[line, []] for line in header]
            entries[item.trail[k]][1] = list(item.trailing[k])
            if merge and lines:
                prev = lines[-1]
                first = entries.pop(0)
                prev[0] = prev[0] + " " + first[0]
                prev[1] = prev[1] + first[1]
            lines.extend(entries)

        if item.alt is not None and all(block.empty() for block in item.blocks):
            lines.extend([line, []] for line in item.alt)
            lines[0][1] = [c for cs in item.trailing for c in cs]
        else:
            add_header(0, False)
            for k, block in enumerate(item.blocks):
                if block.empty():
                    add_header(k + 1, True)
                    continue
                inner: list[str] = []
                self.emit_block(block, depth + 1, inner)
                lines.append([None, inner])
                add_header(k + 1, False)
        for comment, blank_after in item.leading:
            out.append(pad + comment)
            if blank_after:
                out.append("")
        body: list[str] = []
        for text, extra in lines:
            if text is None:
                body.extend(extra)
                continue
            comments = extra
            if len(comments) > 1:
                overflow.extend(comments[1:])
                comments = comments[:1]
            rendered = pad + text if text else ""
            if comments:
                rendered += "  " + comments[0]
            body.append(rendered)
        out.extend(pad + c for c in overflow)
        out.extend(body)
