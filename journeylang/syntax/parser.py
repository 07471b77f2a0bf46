"""Parse `.journey` text into the AST.

Consumes: source text and its path. Produces: a `SourceFile` (declarations and comments)
and a list of diagnostics (E001 syntax errors with what was expected, E002 invalid
literals). Guarantees: this module and `builder.py` are the only code that touch Lark
trees; every AST node gets the span of the text it came from; no exception escapes for
bad input. Messages are for people: an unclosed `{` is reported at that brace (found by
indentation and the next top-level keyword), expected tokens are grouped ("a statement",
"a pattern clause"), a number where a duration belongs gets "did you mean `30m`?", a
misspelt keyword a did-you-mean.
"""
from __future__ import annotations

import difflib
import re
import threading
from functools import lru_cache
from pathlib import Path
from typing import Optional

from lark import Lark, Token
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken, VisitError

from ..diagnostics.model import Diagnostic
from . import ast as A
from .builder import AstBuilder, _point_span


def grammar_path() -> Path:
    """The grammar ships inside the package (journeylang/grammar -> ../grammar in a checkout)."""
    package = Path(__file__).resolve().parent.parent
    for candidate in (package / "grammar" / "journey.lark", package.parent / "grammar" / "journey.lark"):
        if candidate.is_file():
            return candidate
    raise FileNotFoundError("grammar/journey.lark is missing from the journeylang installation")


class _CommentSink(threading.local):
    """Collects the comments the lexer skips. The Lark parser is built once and shared, so
    its callback is too; the list is per thread, so files may be parsed concurrently."""

    def __init__(self) -> None:
        self.comments: list[A.Comment] = []

    def __call__(self, token: Token) -> None:
        self.comments.append(A.Comment(line=token.line, column=token.column, text=str(token)))


_SINK = _CommentSink()


@lru_cache(maxsize=1)
def _lark() -> Lark:
    return Lark(grammar_path().read_text(encoding="utf-8"), parser="lalr", lexer="contextual",
                propagate_positions=True, maybe_placeholders=True, lexer_callbacks={"COMMENT": _SINK})


_FRIENDLY = {
    "NAME": "a name", "CALL_NAME": "a name", "STRING": "a string", "LONG_STRING": "a string", "INT": "a number",
    "DECIMAL": "a number", "DURATION": "a duration (e.g. 30m)", "TIMESTAMP": "a timestamp",
    "CLOCK": "a clock time (HH:MM)", "PERCENT": "a percentage (e.g. 50%)", "COMP_OP": "a comparison",
    "EVALUATION_MODE": "`streaming` or `batch`", "REENTRY_MODE": "`never`, `always` or `after`",
    "QUANTIFIER": "`first` or `last`", "NOT_IN": "`not in`", "MUL_OP": "`/` or `%`", "$END": "end of file",
}


def _describe_terminal(name: str) -> str:
    if name in _FRIENDLY:
        return _FRIENDLY[name]
    for terminal in _lark().terminals:
        if terminal.name == name and terminal.pattern.type == "str":
            return f"`{terminal.pattern.value}`"
    return name.lower()


# Expected-token sets are summarised by kind: when several members of a group are
# expected, the group's name stands for them ("a statement" rather than ten keywords).
_GROUPS = (
    ("a declaration (`segment`, `journey`, `message`, `lookup` or `policy`)",
     {"SEGMENT", "JOURNEY", "MESSAGE", "LOOKUP", "POLICY"}, 3),
    ("a statement (`wait`, `if`, `send`, `split`, `set`, `exit`, ...)",
     {"WAIT", "IF", "SPLIT", "ENRICH", "SEND", "ADD", "REMOVE", "SET", "EXIT", "JUMP"}, 3),
    ("a journey clause (`entry`, `reentry`, `timeout`, `dedup`, `exit on`)",
     {"ENTRY", "REENTRY", "TIMEOUT", "DEDUP", "DESCRIPTION"}, 3),
    ("a pattern clause (`as`, `from`, `where`, `within`, `between`, `before`, `after`)",
     {"AS", "FROM", "WHERE", "WITHIN", "BETWEEN", "BEFORE", "AFTER"}, 3),
    ("an operator", {"PLUS", "MINUS", "STAR", "MUL_OP", "COMP_OP", "AND", "OR", "IN", "NOT_IN", "DOT", "LSQB"}, 4),
    ("an expression (a name, number, string, duration, ...)",
     {"NAME", "CALL_NAME", "STRING", "LONG_STRING", "INT", "DECIMAL", "DURATION", "TIMESTAMP", "CLOCK", "PERCENT",
      "LPAR", "TRUE", "FALSE", "NULL", "NOT", "HAS", "NO", "COUNT", "SUM"}, 6),
)
MAX_EXPECTED = 6


def _expected_text(names) -> str:
    left = set(names)
    parts = []
    for title, members, least in _GROUPS:
        hit = left & members
        if len(hit) >= least:
            parts.append(title)
            left -= hit
    parts += sorted({_describe_terminal(n) for n in left})
    if len(parts) > MAX_EXPECTED:
        parts = parts[:MAX_EXPECTED] + ["..."]
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " or " + parts[-1]


_UNITS = {"ms": "ms", "millisecond": "ms", "milliseconds": "ms", "s": "s", "sec": "s", "secs": "s", "second": "s",
          "seconds": "s", "m": "m", "min": "m", "mins": "m", "minute": "m", "minutes": "m", "h": "h", "hr": "h",
          "hrs": "h", "hour": "h", "hours": "h", "d": "d", "day": "d", "days": "d", "w": "w", "wk": "w",
          "week": "w", "weeks": "w"}


def _duration_hint(token: Token, text: str) -> tuple[Optional[str], int]:
    """For a number where a duration belongs (`30`, `30min`, `30 minutes`): the hint
    ("did you mean `30m`?") and how many characters the written duration spans."""
    rest = text[token.end_pos:token.end_pos + 40]
    match = re.match(r"([ \t]*)([A-Za-z]+)", rest)
    number = str(token)
    if match and match.group(2).lower() in _UNITS:
        unit = _UNITS[match.group(2).lower()]
        return (f"did you mean `{number}{unit}`? a duration is a number and a unit, written together "
                "(ms, s, m, h, d, w)"), len(number) + match.end()
    return (f"did you mean `{number}m`? a duration needs a unit, written right after the number "
            f"(`{number}s`, `{number}m`, `{number}h`, `{number}d`)"), len(number)


def _line_indent(text: str, offset: int) -> tuple[int, bool]:
    """(indentation of the line holding `offset`, whether only spaces precede `offset` on it)."""
    start = text.rfind("\n", 0, offset) + 1
    prefix = text[start:offset]
    stripped = prefix.lstrip(" \t")
    return len(prefix) - len(stripped), not stripped


def unclosed_brace(text: str, upto: int) -> Optional[tuple[int, int, Optional[int]]]:
    """The `{` that is not closed before offset `upto`, as (line, column, line of the `}`
    that gave it away or None), using indentation as evidence: a `}` that starts its line
    less indented than the line of the innermost open `{` closes an outer block, so that
    `{` was left open. Without such evidence, the innermost `{` still open at `upto`."""
    stack: list[tuple[int, int, int]] = []     # (line, column, indentation of its line)
    suspect = None
    index, line, line_start = 0, 1, 0
    while index < upto:
        char = text[index]
        if char == "\n":
            line, line_start = line + 1, index + 1
        elif char in '#"':
            end = skip_comment_or_string(text, index)
            newlines = text.count("\n", index, end)
            if newlines:
                line, line_start = line + newlines, text.rfind("\n", index, end) + 1
            index = end
            continue
        elif char == "{":
            stack.append((line, index - line_start + 1, _line_indent(text, index)[0]))
        elif char == "}":
            indent, starts_line = _line_indent(text, index)
            if starts_line:
                while stack and stack[-1][2] > indent:
                    opened = stack.pop()
                    if suspect is None:
                        suspect = (opened[0], opened[1], line)
            if stack:
                stack.pop()
        index += 1
    if suspect is not None:
        return suspect
    if stack:
        return stack[-1][0], stack[-1][1], None
    return None


_DECLARATION_WORDS = ("segment", "journey", "message", "lookup", "policy")


def _unclosed_diagnostic(path: str, text: str, upto: int, before: str) -> Optional[Diagnostic]:
    found = unclosed_brace(text, upto)
    if found is None:
        return None
    line, column, closer = found
    hint = "add the `}` that closes it"
    if closer is not None:
        hint = (f"the `}}` on line {closer} is indented like an outer block, so it closes that one; "
                f"add the `}}` for the block opened on line {line}")
    return Diagnostic("E001", f"`{{` opened at line {line} is not closed before {before}",
                      _point_span(path, line, column), hint)


def _end_span(path: str, text: str) -> A.Span:
    """Just after the last character of the file."""
    lines = text.splitlines() or [""]
    return _point_span(path, len(lines), len(lines[-1]) + 1)


def _syntax_diagnostic(exc: UnexpectedInput, path: str, text: str) -> Diagnostic:
    if isinstance(exc, UnexpectedToken) and set(exc.expected) == {"COMP_OP"}:
        # only `count P CMP N` / `sum(F) of P CMP N` wait for nothing but a comparison
        token = exc.token
        at_end = token.type == "$END"
        shown = "end of file" if at_end else f"`{str(token).splitlines()[0] or token.type}`"
        span = _end_span(path, text) if at_end else _point_span(path, token.line, token.column)
        before = text if at_end else text[:token.start_pos]
        starts = [m.end() for m in re.finditer(r"\b(count|sum)\b", before)]
        if starts and re.search(r"\bwhere\b", before[starts[-1]:]):
            hint = ("the pattern's `where` took the comparison that ends it, so `count` has none: compare "
                    "inside the `where` (`where event.ok == true >= 2`) or end the `where` with a window "
                    "(`where event.ok within 30d >= 2`)")
        else:
            hint = "write the comparison after the pattern, e.g. `count event commerce.purchases within 90d >= 3`"
        return Diagnostic("E001", f"unexpected {shown}; expected a comparison (`count`/`sum` end with `CMP N`)",
                          span, hint)
    if isinstance(exc, UnexpectedToken) and exc.token.type == "$END":
        unclosed = _unclosed_diagnostic(path, text, len(text), "the end of the file")
        if unclosed is not None:
            return unclosed
        return Diagnostic("E001", f"unexpected end of file; expected {_expected_text(exc.expected)}",
                          _end_span(path, text), "a `{` is probably not closed")
    if isinstance(exc, UnexpectedToken) and str(exc.token) in _DECLARATION_WORDS and exc.token.column == 1 \
            and exc.token.start_pos is not None:
        unclosed = _unclosed_diagnostic(path, text, exc.token.start_pos, f"`{exc.token}` at line {exc.token.line}")
        if unclosed is not None:
            return unclosed
    if isinstance(exc, UnexpectedToken):
        token = exc.token
        shown = str(token).splitlines()[0] if str(token) else token.type
        span = _point_span(path, token.line, token.column, max(1, len(shown)))
        hint = None
        if "DURATION" in exc.expected and token.type in ("INT", "DECIMAL"):
            hint, width = _duration_hint(token, text)
            span = _point_span(path, token.line, token.column, width)
            return Diagnostic("E001", f"unexpected `{shown}`; expected {_expected_text(exc.expected)}", span, hint)
        if token.type == "PERCENT" or "%" in shown:
            hint = "percentages are only used in `split` branches"
        if hint is None and re.fullmatch(r"[A-Za-z_]+", shown):
            keywords = [str(t.pattern.value) for t in _lark().terminals
                        if t.name in exc.expected and t.pattern.type == "str" and t.pattern.value.isalpha()]
            close = difflib.get_close_matches(shown, keywords, n=1, cutoff=0.75)
            if close:
                hint = f"did you mean `{close[0]}`?"
        lines = text.splitlines()
        if 1 <= token.line <= len(lines) and lines[token.line - 1].lstrip()[:1] in ("-", "["):
            hint = ("a line starting with `-` or `[` continues the expression above it (as a subtraction or an "
                    "index); to start a new condition there, wrap it in parentheses")
        return Diagnostic("E001", f"unexpected `{shown}`; expected {_expected_text(exc.expected)}", span, hint)
    if isinstance(exc, UnexpectedCharacters):
        char = text[exc.pos_in_stream] if exc.pos_in_stream < len(text) else "?"
        span = _point_span(path, exc.line, exc.column)
        hint = "strings use double quotes" if char == "'" else None
        if exc.allowed:
            return Diagnostic("E001", f"unexpected character `{char}`; expected {_expected_text(exc.allowed)}",
                              span, hint)
        return Diagnostic("E001", f"unexpected character `{char}`", span, hint)
    if isinstance(exc, UnexpectedEOF):
        return Diagnostic("E001", "unexpected end of file", _end_span(path, text))
    return Diagnostic("E001", str(exc).splitlines()[0], _point_span(path, 1, 1))


def _demote_keyword(exc: UnexpectedInput) -> bool:
    """LALR merges lookaheads, so the contextual lexer sometimes reads a word as a keyword
    (`add`, `set`, `wait`, ...) where only a name fits, e.g. at the start of a segment
    condition line. Re-read such a word as a NAME when the parser accepts one there."""
    if not isinstance(exc, UnexpectedToken) or exc.token.type == "NAME":
        return False
    token = exc.token
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", str(token)) or "NAME" not in exc.interactive_parser.accepts():
        return False
    exc.interactive_parser.feed_token(Token.new_borrow_pos("NAME", str(token), token))
    return True


MAX_NESTING = 100


def skip_comment_or_string(text: str, index: int) -> int:
    """At a `#` or `"`: the offset just past that comment (its newline not included) or
    string (`\"` escapes; an unterminated one-line string stops before its newline, an
    unterminated triple-quoted one at the end). The one rule for scans that must not read
    brackets or keywords inside comments and strings (nesting here, `lsp/recovery.py`)."""
    size = len(text)
    if text[index] == "#":
        end = text.find("\n", index)
        return size if end < 0 else end
    if text.startswith('"""', index):
        end = text.find('"""', index + 3)
        return size if end < 0 else end + 3
    end = index + 1
    while end < size and text[end] not in '"\n':
        end += 2 if text[end] == "\\" else 1
    return end + 1 if end < size and text[end] == '"' else min(end, size)


def _too_deep(text: str, path: str) -> Optional[Diagnostic]:
    """E001 at the first bracket nested deeper than `MAX_NESTING` (strings and comments
    skipped): such input would exhaust the recursion of the tree builder."""
    depth, index, size = 0, 0, len(text)
    line, line_start = 1, 0
    while index < size:
        char = text[index]
        if char == "\n":
            line, line_start = line + 1, index + 1
        elif char in '#"':
            end = skip_comment_or_string(text, index)
            newlines = text.count("\n", index, end)
            if newlines:   # a triple-quoted string
                line, line_start = line + newlines, text.rfind("\n", index, end) + 1
            index = end
            continue
        elif char in "([{":
            depth += 1
            if depth > MAX_NESTING:
                return Diagnostic("E001", f"brackets, parentheses and blocks nested deeper than {MAX_NESTING} levels",
                                  _point_span(path, line, index - line_start + 1),
                                  "split the expression, or name parts of it with `enrich`/segments")
        elif char in ")]}":
            depth -= 1
        index += 1
    return None


def parse_source(text: str, path: str) -> tuple[Optional[A.SourceFile], list[Diagnostic]]:
    """Parse one file. Returns (SourceFile or None on a syntax error, diagnostics)."""
    _SINK.comments = []
    deep = _too_deep(text, path)
    if deep is not None:
        return None, [deep]
    try:
        tree = _lark().parse(text, on_error=_demote_keyword)
    except UnexpectedInput as exc:
        return None, [_syntax_diagnostic(exc, path, text)]
    except RecursionError:
        return None, [Diagnostic("E001", "expression nested too deeply", _point_span(path, 1, 1))]
    comments = tuple(_SINK.comments)
    builder = AstBuilder(path)
    try:
        decls = builder.transform(tree)
    except VisitError as exc:  # a bug in the builder must still not become a traceback for the user
        original = exc.orig_exc
        return None, [Diagnostic("E001", f"cannot build the syntax tree: {original}", _point_span(path, 1, 1))]
    except RecursionError:
        return None, [Diagnostic("E001", "expression nested too deeply", _point_span(path, 1, 1))]
    return A.SourceFile(path=path, text=text, decls=tuple(decls), comments=comments), builder.diagnostics
