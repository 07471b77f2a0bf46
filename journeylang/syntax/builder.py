"""Build the AST from Lark parse trees: the one Transformer of the project.

Consumes: the Lark tree of one file (from `parser.py`) and the file's path.
Produces: AST declarations (`journeylang.syntax.ast`) with spans from the tree's positions, and
E002/E112/E138 diagnostics for literals and clauses that parse but are invalid.
Guarantees: together with `parser.py`, the only code that touches Lark trees; clauses
written twice are kept as `repeated` spans for the checker instead of being dropped.
"""
from __future__ import annotations

import textwrap

from lark import Token, Transformer, v_args

from ..diagnostics.model import Diagnostic
from . import ast as A
from .literals import parse_clock, parse_duration, parse_timestamp


def _point_span(path: str, line: int, column: int, width: int = 1) -> A.Span:
    return A.Span(file=path, line=line, column=column, end_line=line, end_column=column + width)


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
class AstBuilder(Transformer):
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
