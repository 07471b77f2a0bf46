"""Parse `.journey` text into the AST.

Consumes: source text and its path. Produces: a `SourceFile` (declarations and comments)
and a list of diagnostics (E001 syntax errors with what was expected, E002 invalid
literals). Guarantees: this module is the only code that touches Lark trees; every AST
node gets the span of the text it came from; no exception escapes for bad input.
"""
from __future__ import annotations

import re
import textwrap
from functools import lru_cache
from pathlib import Path
from typing import Optional

from lark import Lark, Token, Transformer, v_args
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken, VisitError

from . import ast as A
from .diagnostics import Diagnostic
from .timeparse import parse_clock, parse_duration, parse_timestamp


def grammar_path() -> Path:
    """The grammar ships inside the package (journeylang/grammar -> ../grammar in a checkout)."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "grammar" / "journey.lark", here.parent / "grammar" / "journey.lark"):
        if candidate.is_file():
            return candidate
    raise FileNotFoundError("grammar/journey.lark is missing from the journeylang installation")


class _CommentSink:
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
    "NAME": "a name", "STRING": "a string", "LONG_STRING": "a string", "INT": "a number",
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


def _expected_text(names) -> str:
    described = sorted({_describe_terminal(n) for n in names})
    if len(described) > 10:
        described = described[:10] + ["..."]
    return ", ".join(described)


def _point_span(path: str, line: int, column: int, width: int = 1) -> A.Span:
    return A.Span(file=path, line=line, column=column, end_line=line, end_column=column + width)


def _syntax_diagnostic(exc: UnexpectedInput, path: str, text: str) -> Diagnostic:
    if isinstance(exc, UnexpectedToken) and exc.token.type == "$END":
        lines = text.splitlines() or [""]
        span = _point_span(path, len(lines), len(lines[-1]) + 1)
        return Diagnostic("E001", f"unexpected end of file; expected {_expected_text(exc.expected)}",
                          span, "a `{` is probably not closed")
    if isinstance(exc, UnexpectedToken):
        token = exc.token
        shown = str(token).splitlines()[0] if str(token) else token.type
        span = _point_span(path, token.line, token.column, max(1, len(shown)))
        hint = None
        if token.type == "PERCENT" or "%" in shown:
            hint = "percentages are only used in `split` branches"
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
        lines = text.splitlines() or [""]
        return Diagnostic("E001", "unexpected end of file", _point_span(path, len(lines), len(lines[-1]) + 1))
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


def parse_source(text: str, path: str) -> tuple[Optional[A.SourceFile], list[Diagnostic]]:
    """Parse one file. Returns (SourceFile or None on a syntax error, diagnostics)."""
    _SINK.comments = []
    try:
        tree = _lark().parse(text, on_error=_demote_keyword)
    except UnexpectedInput as exc:
        return None, [_syntax_diagnostic(exc, path, text)]
    except RecursionError:
        return None, [Diagnostic("E001", "expression nested too deeply", _point_span(path, 1, 1))]
    comments = tuple(_SINK.comments)
    builder = _AstBuilder(path)
    try:
        decls = builder.transform(tree)
    except VisitError as exc:  # a bug in the builder must still not become a traceback for the user
        original = exc.orig_exc
        return None, [Diagnostic("E001", f"cannot build the syntax tree: {original}", _point_span(path, 1, 1))]
    except RecursionError:
        return None, [Diagnostic("E001", "expression nested too deeply", _point_span(path, 1, 1))]
    return A.SourceFile(path=path, text=text, decls=tuple(decls), comments=comments), builder.diagnostics


# ---------------------------------------------------------------------------- tree -> AST
class _Marker:
    """Internal carrier for clauses before they are folded into their parent node."""

    def __init__(self, kind: str, value, span: A.Span) -> None:
        self.kind, self.value, self.span = kind, value, span


def _unescape(body: str) -> str:
    out, i = [], 0
    while i < len(body):
        ch = body[i]
        if ch == "\\" and i + 1 < len(body):
            nxt = body[i + 1]
            out.append({"n": "\n", "t": "\t", '"': '"', "\\": "\\"}.get(nxt, "\\" + nxt))
            i += 2
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def _long_string(raw: str) -> str:
    body = raw[3:-3]
    if body.startswith("\n"):
        body = body[1:]
    lines = body.split("\n")
    if lines and not lines[-1].strip():
        lines[-1] = ""
    return textwrap.dedent("\n".join(lines)).rstrip(" \t")


@v_args(meta=True)
class _AstBuilder(Transformer):
    def __init__(self, path: str) -> None:
        super().__init__()
        self.path = path
        self.diagnostics: list[Diagnostic] = []

    # -- helpers
    def _span(self, meta) -> A.Span:
        if getattr(meta, "empty", True):
            return _point_span(self.path, 1, 1)
        return A.Span(file=self.path, line=meta.line, column=meta.column,
                      end_line=meta.end_line, end_column=meta.end_column)

    def _tok_span(self, token: Token) -> A.Span:
        return A.Span(file=self.path, line=token.line, column=token.column,
                      end_line=token.end_line, end_column=token.end_column)

    def _ident(self, token: Token) -> A.Ident:
        return A.Ident(span=self._tok_span(token), name=str(token))

    def _duration(self, token: Token) -> A.DurationLit:
        try:
            ms = parse_duration(str(token))
        except ValueError as exc:
            self.diagnostics.append(Diagnostic("E002", str(exc), self._tok_span(token)))
            ms = 0
        return A.DurationLit(span=self._tok_span(token), text=str(token), ms=ms)

    def _timestamp(self, token: Token) -> A.TimestampLit:
        try:
            ms = parse_timestamp(str(token))
        except ValueError as exc:
            self.diagnostics.append(Diagnostic("E002", str(exc), self._tok_span(token),
                                               "write e.g. 2026-11-23T09:00:00Z"))
            ms = 0
        return A.TimestampLit(span=self._tok_span(token), text=str(token), ms=ms)

    def _clock(self, token: Token) -> A.ClockLit:
        try:
            minutes = parse_clock(str(token))
        except ValueError as exc:
            self.diagnostics.append(Diagnostic("E002", str(exc), self._tok_span(token)))
            minutes = 0
        return A.ClockLit(span=self._tok_span(token), text=str(token), minutes=minutes)

    # -- top level
    def start(self, meta, children):
        return list(children)

    def description(self, meta, children):
        return _Marker("description", children[0].value, self._span(meta))

    def evaluation(self, meta, children):
        return _Marker("evaluation", str(children[0]), self._span(meta))

    def condition(self, meta, children):
        return children[0]

    def segment_decl(self, meta, children):
        name, items = children[0], children[1:]
        fields: dict = {}
        conditions, repeated = [], []
        for item in items:
            if isinstance(item, _Marker):
                if item.kind in fields:
                    repeated.append(item.span)
                fields[item.kind] = item.value
            else:
                conditions.append(item)
        return A.SegmentDecl(span=self._span(meta), name=self._ident(name), description=fields.get("description"),
                             evaluation=fields.get("evaluation", "streaming"), conditions=tuple(conditions),
                             repeated=tuple(repeated))

    def channel_clause(self, meta, children):
        return _Marker("channel", self._ident(children[0]), self._span(meta))

    def transactional(self, meta, children):
        return _Marker("transactional", True, self._span(meta))

    def inline_field(self, meta, children):
        name, value = children
        return A.MessageField(span=self._span(meta), name=self._ident(name), value=value.value,
                              value_span=value.span)

    def file_field(self, meta, children):
        name, value = children
        return A.MessageField(span=self._span(meta), name=self._ident(name), value=value.value, is_file=True,
                              value_span=value.span)

    def message_decl(self, meta, children):
        name, items = children[0], children[1:]
        markers: dict = {}
        fields, repeated = [], []
        for item in items:
            if isinstance(item, _Marker):
                if item.kind in markers:
                    repeated.append(item.span)
                markers[item.kind] = item.value
            else:
                if any(f.name.name == item.name.name for f in fields):
                    repeated.append(item.span)
                fields.append(item)
        return A.MessageDecl(span=self._span(meta), name=self._ident(name), channel=markers.get("channel"),
                             transactional=markers.get("transactional", False), fields=tuple(fields),
                             repeated=tuple(repeated))

    def lookup_decl(self, meta, children):
        name, path, key = children
        key_text = key.value if isinstance(key, A.StringLit) else str(key)
        return A.LookupDecl(span=self._span(meta), name=self._ident(name), path=path.value, path_span=path.span,
                            key=key_text)

    def frequency_cap(self, meta, children):
        channel, count, per = children
        return A.FrequencyCap(span=self._span(meta), channel=self._ident(channel), count=int(count),
                              per=self._duration(per))

    def quiet_hours(self, meta, children):
        start, end, zone, default = children
        return A.QuietHours(span=self._span(meta), start=self._clock(start), end=self._clock(end), zone=zone,
                            default_zone=default.value if default is not None else None)

    def policy_decl(self, meta, children):
        caps = tuple(c for c in children if isinstance(c, A.FrequencyCap))
        quiet = [c for c in children if isinstance(c, A.QuietHours)]
        for extra in quiet[1:]:
            self.diagnostics.append(Diagnostic("E112", "quiet hours given twice in one policy", extra.span))
        return A.PolicyDecl(span=self._span(meta), caps=caps, quiet_hours=quiet[0] if quiet else None)

    # -- journeys
    def journey_decl(self, meta, children):
        name, items = children[0], children[1:]
        header: dict = {}
        exits, body, repeated, late = [], [], [], []
        for item in items:
            if isinstance(item, _Marker):
                if body:
                    late.append(item.span)
                if item.kind == "exit_on":
                    exits.append(item.value)
                    continue
                if item.kind in header:
                    repeated.append(item.span)
                header[item.kind] = item.value
            else:
                body.append(item)
        return A.JourneyDecl(span=self._span(meta), name=self._ident(name), description=header.get("description"),
                             entry=header.get("entry"), reentry=header.get("reentry"), timeout=header.get("timeout"),
                             dedup=header.get("dedup"), exits=tuple(exits), body=tuple(body),
                             repeated=tuple(repeated), late_headers=tuple(late))

    def event_entry(self, meta, children):
        span = self._span(meta)
        return _Marker("entry", A.EventEntry(span=span, pattern=children[0]), span)

    def audience_entry(self, meta, children):
        span = self._span(meta)
        return _Marker("entry", A.AudienceEntry(span=span, segment=self._ident(children[0])), span)

    def read_entry(self, meta, children):
        segment, at, every = children
        span = self._span(meta)
        node = A.ReadAudienceEntry(span=span, segment=self._ident(segment), at=self._timestamp(at),
                                   every=self._duration(every) if every is not None else None)
        return _Marker("entry", node, span)

    def reentry_mode(self, meta, children):
        span = self._span(meta)
        return _Marker("reentry", A.Reentry(span=span, mode=str(children[0])), span)

    def reentry_after(self, meta, children):
        span = self._span(meta)
        return _Marker("reentry", A.Reentry(span=span, mode="after", after=self._duration(children[0])), span)

    def timeout(self, meta, children):
        return _Marker("timeout", self._duration(children[0]), self._span(meta))

    def dedup(self, meta, children):
        key, within = children
        span = self._span(meta)
        node = A.Dedup(span=span, key=key, within=self._duration(within) if within is not None else None)
        return _Marker("dedup", node, span)

    def exit_on(self, meta, children):
        pattern, reason = children
        span = self._span(meta)
        return _Marker("exit_on", A.ExitOn(span=span, pattern=pattern,
                                           reason=reason.value if reason is not None else None), span)

    def block(self, meta, children):
        return tuple(children)

    def wait(self, meta, children):
        return A.Wait(span=self._span(meta), duration=self._duration(children[0]))

    def wait_until(self, meta, children):
        return A.WaitUntil(span=self._span(meta), when=children[0])

    def wait_until_next(self, meta, children):
        clock, zone = children
        return A.WaitUntilNext(span=self._span(meta), clock=self._clock(clock), zone=zone)

    def on_event(self, meta, children):
        return _Marker("on_event", children[0], self._span(meta))

    def on_timeout(self, meta, children):
        return _Marker("on_timeout", children[0], self._span(meta))

    def wait_handlers(self, meta, children):
        return _Marker("handlers", {m.kind: m.value for m in children if m is not None}, self._span(meta))

    wait_handlers_swapped = wait_handlers

    def wait_for(self, meta, children):
        pattern, handlers = children
        found = handlers.value if handlers is not None else {}
        end = handlers.span if handlers is not None else None
        return A.WaitForEvent(span=self._span(meta), pattern=pattern, on_event=found.get("on_event"),
                              on_timeout=found.get("on_timeout"), end_span=end)

    def elif_clause(self, meta, children):
        return A.IfBranch(span=self._span(meta), condition=children[0], body=children[1])

    def else_clause(self, meta, children):
        return _Marker("else", children[0], self._span(meta))

    def if_stmt(self, meta, children):
        condition, body, *rest = children
        first = A.IfBranch(span=self._span(meta), condition=condition, body=body)
        elifs = [c for c in rest if isinstance(c, A.IfBranch)]
        else_body = rest[-1].value if rest and isinstance(rest[-1], _Marker) else None
        return A.If(span=self._span(meta), branches=(first, *elifs), else_body=else_body)

    def split_branch(self, meta, children):
        percent, label, body = children
        return A.SplitBranch(span=self._span(meta), percent=self._percent(percent),
                             label=self._ident(label) if label is not None else None, body=body)

    def split(self, meta, children):
        by, *branches = children
        return A.Split(span=self._span(meta), by=by, branches=tuple(branches))

    def enrich(self, meta, children):
        name, table, key = children
        return A.Enrich(span=self._span(meta), name=self._ident(name), table=self._ident(table), key=key)

    def send(self, meta, children):
        channel, message, to, alias = children
        return A.Send(span=self._span(meta), channel=self._ident(channel), message=self._ident(message), to=to,
                      alias=self._ident(alias) if alias is not None else None)

    def audience_add(self, meta, children):
        return A.AudienceAction(span=self._span(meta), op="add", audience=self._ident(children[0]))

    def audience_remove(self, meta, children):
        return A.AudienceAction(span=self._span(meta), op="remove", audience=self._ident(children[0]))

    def set_profile(self, meta, children):
        path, value = children
        names, _span = path
        return A.SetProfile(span=self._span(meta), root=names[0], path=tuple(names[1:]), value=value)

    def path_expr(self, meta, children):
        return [str(c) for c in children], self._span(meta)

    def exit_stmt(self, meta, children):
        reason = children[0]
        return A.Exit(span=self._span(meta), reason=reason.value if reason is not None else None)

    def jump(self, meta, children):
        return A.Jump(span=self._span(meta), journey=self._ident(children[0]))

    # -- patterns
    def pattern(self, meta, children):
        types, *clauses = children
        fields: dict = {}
        repeated = []
        for clause in clauses:
            if clause.kind in fields:
                repeated.append(clause.span)
            fields[clause.kind] = clause.value
        return A.EventPattern(span=self._span(meta), types=tuple(t for t, _ in types),
                              type_spans=tuple(s for _, s in types), repeated=tuple(repeated), **fields)

    def event_types(self, meta, children):
        return list(children)

    def any_type(self, meta, children):
        return []

    def event_type(self, meta, children):
        item = children[0]
        if isinstance(item, A.StringLit):
            return item.value, item.span
        return item

    def dotted_name(self, meta, children):
        return ".".join(str(c) for c in children), self._span(meta)

    def alias_clause(self, meta, children):
        return _Marker("alias", self._ident(children[0]), self._span(meta))

    def from_clause(self, meta, children):
        value = children[0]
        return _Marker("dataset", value.value if isinstance(value, A.StringLit) else str(value), self._span(meta))

    def where_clause(self, meta, children):
        return _Marker("where", children[0], self._span(meta))

    def within_clause(self, meta, children):
        return _Marker("within", self._duration(children[0]), self._span(meta))

    def between_clause(self, meta, children):
        return _Marker("between", (self._duration(children[0]), self._duration(children[1])), self._span(meta))

    def before_clause(self, meta, children):
        return _Marker("before", self._duration(children[0]), self._span(meta))

    def after_clause(self, meta, children):
        return _Marker("after", self._ident(children[0]), self._span(meta))

    # -- expressions
    def or_chain(self, meta, children):
        if len(children) == 1:
            return children[0]
        return A.BoolChain(span=self._span(meta), op="or", operands=tuple(children))

    def and_chain(self, meta, children):
        if len(children) == 1:
            return children[0]
        return A.BoolChain(span=self._span(meta), op="and", operands=tuple(children))

    def not_op(self, meta, children):
        return A.Unary(span=self._span(meta), op="not", operand=children[0])

    def compare(self, meta, children):
        left, op, right = children
        return A.Binary(span=self._span(meta), op=str(op), left=left, right=right)

    def in_op(self, meta, children):
        left, right = children
        return A.Binary(span=self._span(meta), op="in", left=left, right=right)

    def not_in_op(self, meta, children):
        left, _op, right = children
        return A.Binary(span=self._span(meta), op="not in", left=left, right=right)

    binary = compare

    def negate(self, meta, children):
        return A.Unary(span=self._span(meta), op="-", operand=children[1])

    def attr(self, meta, children):
        target, name = children
        return A.Attr(span=self._span(meta), target=target, name=str(name))

    def index(self, meta, children):
        target, index = children
        return A.Index(span=self._span(meta), target=target, index=index)

    def star(self, meta, children):
        return A.Star(span=self._span(meta), target=children[0])

    def name_ref(self, meta, children):
        return A.NameRef(span=self._span(meta), name=str(children[0]))

    def call(self, meta, children):
        func, args = children
        return A.Call(span=self._span(meta), func=self._ident(func), args=tuple(args or ()))

    def sum_call(self, meta, children):
        span = self._span(meta)
        func = A.Ident(span=A.Span(file=self.path, line=span.line, column=span.column, end_line=span.line,
                                   end_column=span.column + 3), name="sum")
        return A.Call(span=span, func=func, args=(children[0],))

    def args(self, meta, children):
        return tuple(children)

    def list_lit(self, meta, children):
        return A.ListLit(span=self._span(meta), items=tuple(c for c in children if c is not None))

    def has_pred(self, meta, children):
        quantifier, pattern = children
        return A.HistoryPred(span=self._span(meta), kind="has", pattern=pattern,
                             quantifier=str(quantifier) if quantifier is not None else None)

    def no_pred(self, meta, children):
        return A.HistoryPred(span=self._span(meta), kind="no", pattern=children[0])

    def count_pred(self, meta, children):
        pattern, op, value = children
        return A.HistoryPred(span=self._span(meta), kind="count", pattern=pattern, cmp=str(op), value=value)

    def sum_pred(self, meta, children):
        field, pattern, op, value = children
        return A.HistoryPred(span=self._span(meta), kind="sum", pattern=pattern, field=field, cmp=str(op),
                             value=value)

    # -- literals
    def string(self, meta, children):
        token = children[0]
        raw = str(token)
        value = _long_string(raw) if token.type == "LONG_STRING" else _unescape(raw[1:-1])
        return A.StringLit(span=self._tok_span(token), value=value)

    def int_lit(self, meta, children):
        return A.NumberLit(span=self._tok_span(children[0]), value=int(children[0]))

    def decimal_lit(self, meta, children):
        return A.NumberLit(span=self._tok_span(children[0]), value=float(children[0]))

    def duration_lit(self, meta, children):
        return self._duration(children[0])

    def timestamp_lit(self, meta, children):
        return self._timestamp(children[0])

    def clock_lit(self, meta, children):
        return self._clock(children[0])

    def _percent(self, token: Token) -> A.PercentLit:
        value = float(str(token)[:-1])
        if value > 100:
            self.diagnostics.append(Diagnostic("E138", f"percentage {token} is over 100%", self._tok_span(token)))
        return A.PercentLit(span=self._tok_span(token), text=str(token), value=value)

    def percent_lit(self, meta, children):
        return self._percent(children[0])

    def true_lit(self, meta, children):
        return A.BoolLit(span=self._span(meta), value=True)

    def false_lit(self, meta, children):
        return A.BoolLit(span=self._span(meta), value=False)

    def null_lit(self, meta, children):
        return A.NullLit(span=self._span(meta))
