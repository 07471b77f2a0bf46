"""The journeylang abstract syntax tree.

Consumes: nothing (pure data definitions); produced by `journeylang.syntax.parser`.
Produces: immutable pydantic models, one per syntactic construct.
Guarantees: every node carries a `span` (file, 1-based line/column, end); nodes are frozen,
so later passes never mutate the tree and keep their results in side tables keyed by
`id(node)` or by node identity. Times are integers: durations and timestamps in
milliseconds (timestamps since the Unix epoch, UTC), clock times in minutes after midnight.
"""
from __future__ import annotations

from typing import Literal, Optional, Union

from pydantic import BaseModel, ConfigDict

from ..diagnostics.span import Span

__all__ = ["Span"]  # spans are defined with the diagnostics; nodes carry them


class Node(BaseModel):
    model_config = ConfigDict(frozen=True)
    span: Span


class Ident(Node):
    """A name at a use or declaration site (segment, message, alias, channel, ...)."""
    name: str


# ------------------------------------------------------------------ expressions
class StringLit(Node):
    value: str


class NumberLit(Node):
    value: Union[int, float]


class BoolLit(Node):
    value: bool


class NullLit(Node):
    pass


class DurationLit(Node):
    text: str
    ms: int


class TimestampLit(Node):
    text: str
    ms: int


class ClockLit(Node):
    text: str
    minutes: int


class PercentLit(Node):
    text: str
    value: float


class ListLit(Node):
    items: tuple["Expr", ...]


class NameRef(Node):
    """A bare name: a path root (`profile`, `event`, an alias, an enrichment) or a
    function argument naming a segment or channel."""
    name: str


class Attr(Node):
    target: "Expr"
    name: str


class Index(Node):
    target: "Expr"
    index: "Expr"


class Star(Node):
    """`x[*]`: every element of a list; later steps map over the elements."""
    target: "Expr"


class Call(Node):
    func: Ident
    args: tuple["Expr", ...]


class Unary(Node):
    op: Literal["-", "not"]
    operand: "Expr"


class Binary(Node):
    op: str  # + - * / % == != < <= > >= in "not in"
    left: "Expr"
    right: "Expr"


class BoolChain(Node):
    """`a and b and c` / `a or b`: kept flat so that `has ... as A` can bind over
    the rest of its conjunction."""
    op: Literal["and", "or"]
    operands: tuple["Expr", ...]


class EventPattern(Node):
    """event TYPES [as ALIAS] [from DATASET] [where COND] [WINDOW].

    `types` is empty for `*`. At most one of within/between/before is set, except
    that `after` may carry `within` (`after A within D`). The checker reports clauses
    given twice (they are kept in `repeated`)."""
    types: tuple[str, ...]
    type_spans: tuple[Span, ...] = ()
    alias: Optional[Ident] = None
    dataset: Optional[str] = None
    where: Optional["Expr"] = None
    within: Optional[DurationLit] = None
    between: Optional[tuple[DurationLit, DurationLit]] = None
    before: Optional[DurationLit] = None
    after: Optional[Ident] = None
    repeated: tuple[Span, ...] = ()


class HistoryPred(Node):
    """has [first|last] P / no P / count P CMP N / sum(FIELD) of P CMP N."""
    kind: Literal["has", "no", "count", "sum"]
    quantifier: Optional[Literal["first", "last"]] = None
    pattern: EventPattern
    field: Optional["Expr"] = None
    cmp: Optional[str] = None
    value: Optional["Expr"] = None


Expr = Union[StringLit, NumberLit, BoolLit, NullLit, DurationLit, TimestampLit, ClockLit,
             PercentLit, ListLit, NameRef, Attr, Index, Star, Call, Unary, Binary, BoolChain,
             HistoryPred]


# ------------------------------------------------------------------ declarations
class Description(Node):
    text: str


class SegmentDecl(Node):
    name: Ident
    description: Optional[str] = None
    evaluation: Literal["streaming", "batch"] = "streaming"
    conditions: tuple[Expr, ...]
    repeated: tuple[Span, ...] = ()


class MessageField(Node):
    name: Ident
    value: str
    is_file: bool = False
    value_span: Optional[Span] = None


class MessageDecl(Node):
    name: Ident
    channel: Optional[Ident] = None
    transactional: bool = False
    fields: tuple[MessageField, ...]
    repeated: tuple[Span, ...] = ()


class LookupDecl(Node):
    name: Ident
    path: str
    path_span: Span
    key: str


class FrequencyCap(Node):
    channel: Ident
    count: int
    per: DurationLit


class QuietHours(Node):
    start: ClockLit
    end: ClockLit
    zone: Optional[Expr] = None
    default_zone: Optional[str] = None


class PolicyDecl(Node):
    caps: tuple[FrequencyCap, ...]
    quiet_hours: Optional[QuietHours] = None


# ------------------------------------------------------------------ journeys
class EventEntry(Node):
    pattern: EventPattern


class AudienceEntry(Node):
    segment: Ident


class ReadAudienceEntry(Node):
    segment: Ident
    at: TimestampLit
    every: Optional[DurationLit] = None


Entry = Union[EventEntry, AudienceEntry, ReadAudienceEntry]


class Reentry(Node):
    mode: Literal["never", "always", "after"]
    after: Optional[DurationLit] = None


class Dedup(Node):
    key: Expr
    within: Optional[DurationLit] = None


class ExitOn(Node):
    pattern: EventPattern
    reason: Optional[str] = None


class Wait(Node):
    duration: DurationLit


class WaitUntil(Node):
    when: Expr


class WaitUntilNext(Node):
    clock: ClockLit
    zone: Optional[Expr] = None


class WaitForEvent(Node):
    pattern: EventPattern  # pattern.within is the wait's time limit
    on_event: Optional[tuple["Stmt", ...]] = None
    on_timeout: Optional[tuple["Stmt", ...]] = None
    end_span: Optional[Span] = None


class IfBranch(Node):
    condition: Expr
    body: tuple["Stmt", ...]


class If(Node):
    branches: tuple[IfBranch, ...]  # if, then each elif
    else_body: Optional[tuple["Stmt", ...]] = None


class SplitBranch(Node):
    percent: PercentLit
    label: Optional[Ident] = None
    body: tuple["Stmt", ...]


class Split(Node):
    by: Optional[Expr] = None
    branches: tuple[SplitBranch, ...]


class Enrich(Node):
    name: Ident
    table: Ident
    key: Expr


class Send(Node):
    channel: Ident
    message: Ident
    to: Optional[Expr] = None
    alias: Optional[Ident] = None


class AudienceAction(Node):
    op: Literal["add", "remove"]
    audience: Ident


class SetProfile(Node):
    path: tuple[str, ...]  # without the leading `profile`
    root: str
    value: Expr


class Exit(Node):
    reason: Optional[str] = None


class Jump(Node):
    journey: Ident


Stmt = Union[Wait, WaitUntil, WaitUntilNext, WaitForEvent, If, Split, Enrich, Send,
             AudienceAction, SetProfile, Exit, Jump]


class JourneyDecl(Node):
    name: Ident
    description: Optional[str] = None
    entry: Optional[Entry] = None
    reentry: Optional[Reentry] = None
    timeout: Optional[DurationLit] = None
    dedup: Optional[Dedup] = None
    exits: tuple[ExitOn, ...] = ()
    body: tuple[Stmt, ...] = ()
    repeated: tuple[Span, ...] = ()  # header clauses given twice (a check error)
    late_headers: tuple[Span, ...] = ()  # header clauses after a statement (a check error)


Decl = Union[SegmentDecl, JourneyDecl, MessageDecl, LookupDecl, PolicyDecl]


class Comment(BaseModel):
    model_config = ConfigDict(frozen=True)
    line: int
    column: int
    text: str


class SourceFile(BaseModel):
    model_config = ConfigDict(frozen=True)
    path: str
    text: str
    decls: tuple[Decl, ...]
    comments: tuple[Comment, ...] = ()


for _model in list(globals().values()):
    if isinstance(_model, type) and issubclass(_model, BaseModel) and _model is not BaseModel:
        _model.model_rebuild()


def iter_children(node: object):
    """Yield the direct AST children of a node (nodes inside fields, tuples, pairs)."""
    if not isinstance(node, BaseModel):
        return
    for name in type(node).model_fields:
        value = getattr(node, name)
        yield from _nodes_in(value)


def _nodes_in(value: object):
    if isinstance(value, Node):
        yield value
    elif isinstance(value, tuple):
        for item in value:
            yield from _nodes_in(item)


def walk(node: object):
    """Pre-order traversal of a node and all its descendants."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(list(iter_children(current))))
